#pragma once

#include "parse/parsed_feed.hpp"
#include "util/result.hpp"

#include <string>
#include <string_view>

namespace fw::parse {

struct ParseOptions {
  std::string base_url;     // where the document came from; empty when unknown
  std::string content_type; // HTTP Content-Type, used for its charset; may be empty
};

// Parses one feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.x), detecting the format
// from the content. Decodes the encoding, repairs everyday XML breakage in a second, lenient
// pass, and records every repair and unreadable value in `warnings`. Returns an Error (one line)
// only when the input is not a feed at all: empty, binary, HTML without a feed, or XML/JSON whose
// root is not a feed. Pure function of its arguments; safe to call from any thread; time and
// memory are linear in the input (no DTD expansion, no external entities, no recursion on
// element depth).
[[nodiscard]] Result<ParsedFeed> parse_feed(std::string_view bytes, const ParseOptions& options);

} // namespace fw::parse
