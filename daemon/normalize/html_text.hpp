#pragma once

#include <string>
#include <string_view>

namespace fw::normalize {

// Plain text of an HTML fragment (gumbo, the HTML5 parsing algorithm): scripts, styles,
// templates and comments removed, entities decoded; block elements (p, div, li, h1-h6, tr,
// blockquote, pre, section, article, ...) separate paragraphs with "\n\n", <br> is "\n";
// white space inside a paragraph collapsed to single spaces; no leading/trailing white space.
// `<p>a</p><p>b</p>` gives "a\n\nb". Never throws; input of any size and nesting is fine.
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
