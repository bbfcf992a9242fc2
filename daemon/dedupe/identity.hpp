#pragma once

#include "model/story.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::dedupe {

// Which field identifies the stories of a feed. `id` is the default; a feed whose ids are broken
// (GuidHealth) switches to `link` for good.
enum class IdentityMode { id, link };

// What makes a story the same story within its feed: its id (guid, atom:id, JSON Feed id), else
// its link, else its title and text. Returned with a prefix saying which ("id:", "link:",
// "text:"), so that an id that happens to equal another item's link is still another story.
[[nodiscard]] std::string identity_key(const model::Story& story);

// The stable public id of a story: 16 hex digits of a hash of the feed id and identity_key().
// The same story in the same feed always gets the same story_id, across polls, restarts and
// versions; it is also the key of the seen set.
[[nodiscard]] std::string story_id(std::string_view feed_id, const model::Story& story);

// identity_key() for a feed in `mode`. IdentityMode::id is identity_key(story) exactly;
// IdentityMode::link gives "link:" and the trimmed link as written, else falls back to
// identity_key(story) (id, else content). The link is deliberately not canonicalised: the key
// must not change when the tracking-parameter list does (in the configuration or in a new
// version), and a story without an id keeps the same key in both modes. Pure, any thread.
[[nodiscard]] std::string identity_key(const model::Story& story, IdentityMode mode);

// story_id() for a feed in `mode`: the same hash of the feed id and identity_key(story, mode).
// story_id(f, s, IdentityMode::id) == story_id(f, s). Pure, any thread.
[[nodiscard]] std::string story_id(std::string_view feed_id, const model::Story& story,
                                   IdentityMode mode);

// The story id `hex16` (16 hex digits, as story_id() returns; upper-case digits accepted) as the
// number it spells, or std::nullopt when it is not one. For ids that come from outside
// (subscriber requests, files). Pure, any thread.
[[nodiscard]] std::optional<std::uint64_t> parse_story_id(std::string_view hex16) noexcept;

// The story id `hex16` as a number, for ids this program made (the near-duplicate index keeps
// 64-bit numbers). Throws fw::FatalError when `hex16` is not 16 hex digits: that is a bug or a
// corrupt store, not bad input (use parse_story_id() for input). Pure, any thread.
[[nodiscard]] std::uint64_t story_id_value(std::string_view hex16);

// The inverse of story_id_value(): 16 lower-case hex digits, as story_id() writes them.
[[nodiscard]] std::string story_id_hex(std::uint64_t value);

// Indexes of the stories of one document that are the first with their story_id: an id repeated
// inside one document is one story.
[[nodiscard]] std::vector<std::size_t> first_occurrences(const std::vector<std::string>& story_ids);

} // namespace fw::dedupe
