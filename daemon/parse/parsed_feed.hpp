#pragma once

#include "model/story.hpp"

#include <optional>
#include <string>
#include <vector>

// What the parse stage hands to normalize: the document's values, decoded (encoding, XML
// entities) but not yet turned into plain text. URLs of links, enclosures, images and authors are
// already absolute wherever a base was known (xml:base, then the document location, then the
// feed's site link); markup inside text constructs is left for normalize, together with the base
// URL that relative references inside it resolve against.
namespace fw::parse {

enum class TextType {
  text,  // plain text: markup characters are literal
  html,  // escaped HTML (RSS description, Atom type="html")
  xhtml, // inline XHTML, serialised back to markup (Atom type="xhtml")
};

struct Text {
  std::string value;
  TextType type = TextType::text;
  std::string base; // absolute base URL in effect for this element, or empty
};

struct Item {
  std::optional<std::string> id;
  std::optional<std::string> link;
  std::optional<Text> title;
  std::optional<Text> summary;
  std::optional<Text> content;
  std::vector<model::Author> authors;
  std::optional<model::Timestamp> published;
  std::optional<model::Timestamp> updated;
  std::vector<std::string> categories;
  std::vector<model::Enclosure> enclosures;
  std::optional<std::string> image;
  std::optional<std::string> comments;
};

struct Feed {
  std::optional<Text> title;
  std::optional<std::string> link;
  std::optional<std::string> feed_url;
  std::optional<Text> description;
  std::optional<std::string> language;
  std::optional<model::Timestamp> updated;
  std::vector<model::Author> authors;
  std::optional<std::string> image;
  std::vector<std::string> categories;
  std::optional<std::int64_t> ttl_minutes;
  std::optional<std::string> hub;
};

struct ParsedFeed {
  std::string format; // one of the schema's format names
  Feed feed;
  std::vector<Item> items;
  std::vector<std::string> warnings; // "item 3: pubDate \"...\" is not a date"
};

} // namespace fw::parse
