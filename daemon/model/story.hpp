#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// Plain value types shared by every stage from normalize on. No behaviour, no invariants beyond
// what the comments say; every field maps one-to-one onto the `feedwire parse` JSON (schema v1).
namespace fw::model {

using Timestamp = std::chrono::sys_seconds;

struct Author {
  std::optional<std::string> name; // plain text
  std::optional<std::string> email;
  std::optional<std::string> uri; // absolute URL
  friend bool operator==(const Author&, const Author&) = default;
};

struct Enclosure {
  std::string url; // absolute URL
  std::optional<std::string> type;
  std::optional<std::int64_t> length; // bytes
  friend bool operator==(const Enclosure&, const Enclosure&) = default;
};

// One item of a feed, normalised.
struct Story {
  std::optional<std::string> id; // guid / atom:id / JSON Feed id, as written (trimmed)
  std::optional<std::string> link;
  std::optional<std::string> title; // plain text
  std::vector<Author> authors;
  std::optional<Timestamp> published;
  std::optional<Timestamp> updated;
  std::optional<std::string> summary_html;
  std::optional<std::string> content_html;
  std::optional<std::string> text; // plain text of content, else summary; paragraphs kept
  std::vector<std::string> categories;
  std::vector<Enclosure> enclosures;
  std::optional<std::string> image;
  std::optional<std::string> comments;
};

// A tag a plugin gave a story.
struct Tag {
  std::string tag;   // a slug: lower case, words joined by hyphens ("kim-jong-un")
  std::string label; // as it reads ("Kim Jong Un")
  double score = 0;  // in [0, 1]
  std::string by;    // the [[plugin]] name of the plugin that gave it
  friend bool operator==(const Tag&, const Tag&) = default;
};

// What plugins added to one story; published with it as "tags", "summary" and "attrs".
struct Additions {
  std::vector<Tag> tags;              // one per slug, highest score first
  std::optional<std::string> summary; // plain text
  // "<plugin>.<key>" -> one JSON value, as compact text; in the order first set.
  std::vector<std::pair<std::string, std::string>> attrs;
  [[nodiscard]] bool empty() const noexcept { return tags.empty() && !summary && attrs.empty(); }
  friend bool operator==(const Additions&, const Additions&) = default;
};

struct FeedInfo {
  std::optional<std::string> title;
  std::optional<std::string> link;
  std::optional<std::string> feed_url;
  std::optional<std::string> description;
  std::optional<std::string> language;
  std::optional<Timestamp> updated;
  std::vector<Author> authors;
  std::optional<std::string> image;
  std::vector<std::string> categories;
  std::optional<std::int64_t> ttl_minutes;
  std::optional<std::string> hub;
};

// A whole feed document after normalisation: what `feedwire parse` prints.
struct FeedDocument {
  std::string format; // "rss2.0", "atom1.0", "jsonfeed1.1" ... (see docs/parse-output.md)
  FeedInfo feed;
  std::vector<Story> items;
  std::vector<std::string> warnings;
};

} // namespace fw::model
