#pragma once

#include "parse/feed_parser.hpp"

#include <string>
#include <string_view>
#include <vector>

// Internal to the parse component: the format readers behind parse_feed().
namespace fw::parse::detail {

// `utf8` is the whole document, already decoded and repaired (for XML: from its first '<').
// Warnings are appended to the returned feed. Errors only when the document is not a feed of
// that family.
[[nodiscard]] Result<ParsedFeed> parse_xml_feed(std::string_view utf8, const ParseOptions& options);
[[nodiscard]] Result<ParsedFeed> parse_json_feed(std::string_view utf8,
                                                 const ParseOptions& options);

// Makes the XML of a broken document parseable: closes unclosed elements at the end and where
// an end tag closes an outer element, drops end tags that close nothing, escapes '<' that does
// not start markup, quotes unquoted attribute values, and drops anything after the root element.
// Linear in the input; the result is meant for a second pugixml pass.
[[nodiscard]] std::string repair_xml(std::string_view xml);

// "Name <email>", "email (Name)", "email", "Name" -> an Author (empty fields left unset).
[[nodiscard]] model::Author parse_person(std::string_view text);

} // namespace fw::parse::detail
