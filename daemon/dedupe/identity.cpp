#include "dedupe/identity.hpp"

#include "util/hash.hpp"
#include "util/strings.hpp"

#include <unordered_set>

namespace fw::dedupe {

std::string identity_key(const model::Story& story) {
  if (story.id && !util::trim(*story.id).empty()) {
    return "id:" + std::string(util::trim(*story.id));
  }
  if (story.link && !util::trim(*story.link).empty()) {
    return "link:" + std::string(util::trim(*story.link));
  }
  // Neither: the content is the identity. Title and text are normalised already; white space
  // is collapsed again so that a re-wrapped description stays the same story.
  util::Fnv1a64 h;
  h.add(util::collapse_space(story.title.value_or(""))).separator();
  h.add(util::collapse_space(story.text.value_or("")));
  return "text:" + util::hex64(h.value());
}

std::string story_id(std::string_view feed_id, const model::Story& story) {
  util::Fnv1a64 h;
  h.add(feed_id).separator().add(identity_key(story));
  return util::hex64(h.value());
}

std::vector<std::size_t> first_occurrences(const std::vector<std::string>& story_ids) {
  std::vector<std::size_t> out;
  out.reserve(story_ids.size());
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < story_ids.size(); ++i) {
    if (seen.insert(story_ids[i]).second) {
      out.push_back(i);
    }
  }
  return out;
}

} // namespace fw::dedupe
