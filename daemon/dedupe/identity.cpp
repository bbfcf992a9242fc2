#include "dedupe/identity.hpp"

#include "util/errors.hpp"
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

std::string identity_key(const model::Story& story, IdentityMode mode) {
  if (mode == IdentityMode::link && story.link && !util::trim(*story.link).empty()) {
    return "link:" + std::string(util::trim(*story.link));
  }
  return identity_key(story);
}

std::string story_id(std::string_view feed_id, const model::Story& story, IdentityMode mode) {
  util::Fnv1a64 h;
  h.add(feed_id).separator().add(identity_key(story, mode));
  return util::hex64(h.value());
}

std::optional<std::uint64_t> parse_story_id(std::string_view hex16) noexcept {
  if (hex16.size() != 16) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : hex16) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    value = (value << 4) | digit;
  }
  return value;
}

std::uint64_t story_id_value(std::string_view hex16) {
  const std::optional<std::uint64_t> value = parse_story_id(hex16);
  if (!value) {
    throw FatalError("not a story id (16 hex digits): \"" + std::string(hex16.substr(0, 40)) +
                     "\"");
  }
  return *value;
}

std::string story_id_hex(std::uint64_t value) {
  return util::hex64(value);
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
