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
  // The story_id of the first story of the story's cluster (its own when it started one).
  // Empty: the field is left out.
  std::string cluster_id;
  // story.dup: which earlier story this one repeats, how that was found and how similar.
  struct Duplicate {
    std::string duplicate_of; // story_id of a story published earlier
    std::string method;       // "id", "url" or "content"
    double similarity = 1.0;  // in [0, 1]; written with 3 decimals
  };
  std::optional<Duplicate> duplicate;
  // story.update: the fields that changed ("title", "text"); empty for other messages.
  std::vector<std::string> changed;
  // What plugins added: "tags", "summary" and "attrs" after the item fields, each only when set.
  const model::Additions* additions = nullptr;
};

// The body of a `story.new.<feed-id>`, `story.dup.<feed-id>` or `story.update.<feed-id>` message
// (docs/messages.md): one JSON object, one line, no trailing newline: schema, seq, story_id,
// feed_id, feed_title, fetched_at, then cluster_id, duplicate_of, method and similarity, and
// changed, when set, then the item fields of `feedwire parse` in the same order, then what
// plugins added.
[[nodiscard]] std::string story_message_json(const model::Story& story,
                                             const MessageEnvelope& envelope);

// `body`, a story_message_json() result, with its seq set to `seq` and every other byte as it
// was: the same story as another message (tag.<slug> repeats story.new's body with a seq of its
// own) without writing the story again.
[[nodiscard]] std::string with_seq(std::string_view body, std::int64_t seq);

} // namespace fw::normalize
