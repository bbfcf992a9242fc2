#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::parse {

// The UTF-8 text of an HTML5 named character reference, looked up by its name without '&' and
// ';' ("nbsp" -> "\u00a0", "mdash" -> "\u2014"); std::nullopt when HTML has no such name.
// Covers the whole WHATWG table (2,231 names). Case-sensitive, as HTML is.
[[nodiscard]] std::optional<std::string_view> html_entity(std::string_view name) noexcept;

// Decodes every character reference in `text` as a browser does for text content: named
// (HTML5 table, including the five XML ones), decimal and hexadecimal; numeric references in
// 0x80..0x9F are read as windows-1252 (as browsers and feedparser do); invalid code points
// become U+FFFD. Anything that is not a reference, including a bare '&', is kept as is.
[[nodiscard]] std::string decode_html_entities(std::string_view text);

// Prepares a document for a strict XML parser without changing its meaning: every HTML named
// reference that XML does not predefine ("&nbsp;") becomes a numeric one ("&#160;"), and every
// '&' that does not start a well-formed reference becomes "&amp;". Text inside CDATA sections,
// comments and processing instructions is left alone; references inside attribute values are
// handled too. Appends one warning per kind of repair (not one per occurrence).
[[nodiscard]] std::string fix_xml_entities(std::string_view xml,
                                           std::vector<std::string>& warnings);

} // namespace fw::parse
