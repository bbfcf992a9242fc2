#pragma once

#include "model/story.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fw::dedupe {

// What makes a story the same story within its feed: its id (guid, atom:id, JSON Feed id), else
// its link, else its title and text. Returned with a prefix saying which ("id:", "link:",
// "text:"), so that an id that happens to equal another item's link is still another story.
[[nodiscard]] std::string identity_key(const model::Story& story);

// The stable public id of a story: 16 hex digits of a hash of the feed id and identity_key().
// The same story in the same feed always gets the same story_id, across polls, restarts and
// versions; it is also the key of the seen set.
[[nodiscard]] std::string story_id(std::string_view feed_id, const model::Story& story);

// Indexes of the stories of one document that are the first with their story_id: an id repeated
// inside one document is one story.
[[nodiscard]] std::vector<std::size_t> first_occurrences(const std::vector<std::string>& story_ids);

} // namespace fw::dedupe
