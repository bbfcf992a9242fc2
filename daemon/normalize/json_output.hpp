#pragma once

#include "model/story.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace fw::normalize {

// The `feedwire parse` JSON (schema v1, docs/parse-output.md) of a document: every key present,
// null for a missing value, [] for a missing list, keys in schema order. One line, UTF-8, ending
// in '\n'.
[[nodiscard]] std::string to_json(const model::FeedDocument& doc);

// Version of the story message body; docs/messages.md describes each version.
inline constexpr std::int64_t k_message_schema = 1;

// What the daemon adds to a story when it publishes it.
struct MessageEnvelope {
  std::int64_t seq = 0; // monotonic per daemon, survives restarts
  std::string story_id; // stable: the same story always gets the same id
  std::string feed_id;
  std::optional<std::string> feed_title; // the configured title, else the feed's own
  model::Timestamp fetched_at;
};

// The body of a `story.new.<feed-id>` message (docs/messages.md): one JSON object, one line, no
// trailing newline: schema, seq, story_id, feed_id, feed_title, fetched_at, then the item fields
// of `feedwire parse` in the same order.
[[nodiscard]] std::string story_message_json(const model::Story& story,
                                             const MessageEnvelope& envelope);

} // namespace fw::normalize
