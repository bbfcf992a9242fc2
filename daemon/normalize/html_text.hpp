#pragma once

#include <string>
#include <string_view>

namespace fw::normalize {

// Plain text of an HTML fragment, read as the HTML5 parsing algorithm reads it (a tokenizer for
// simple markup, gumbo for the rest): scripts, styles, templates and comments removed, entities
// decoded; block elements (p, div, h1-h6, blockquote, pre, section, article, whole lists and
// tables, ...) separate paragraphs with "\n\n"; list items, table rows and <br> are "\n"
// (a list inside a list item continues line by line); table cells are separated by a space;
// <pre> keeps its line breaks; white space elsewhere collapsed to single spaces; at most one
// blank line in a row; no leading/trailing white space. `<p>a</p><p>b</p>` gives "a\n\nb".
// Never throws; input of any size and nesting is fine.
[[nodiscard]] std::string html_to_text(std::string_view html);

// The same text on one line: every run of white space, line breaks included, becomes one
// space. For titles, descriptions and names.
[[nodiscard]] std::string html_to_line(std::string_view html);

// True when `s` looks like it holds markup or character references ("<b>", "&amp;"), i.e. when
// running it through html_to_line could change it.
[[nodiscard]] bool looks_like_html(std::string_view s) noexcept;

namespace detail {

// For tests that hold the two ways of reading HTML to the same result: html_to_text() reads
// simple markup with its own tokenizer and falls back to gumbo for the rest.
[[nodiscard]] std::string html_to_text_with_gumbo(std::string_view html);
[[nodiscard]] bool has_fast_path(std::string_view html);

} // namespace detail

} // namespace fw::normalize
