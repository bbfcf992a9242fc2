#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fw::util {

// ASCII white space as XML and HTTP define it (space, tab, CR, LF, FF, VT).
constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Returns `s` without leading and trailing ASCII white space. The view borrows from `s`.
// The value of a hexadecimal digit ('0'-'9', 'a'-'f', 'A'-'F'), or -1 for any other character.
[[nodiscard]] constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

[[nodiscard]] std::string_view trim(std::string_view s) noexcept;

// Length of the Unicode space character encoded in UTF-8 at s[i] (U+0085, U+00A0, U+1680,
// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000: Python's str.split() set), or 0.
[[nodiscard]] std::size_t unicode_space_len(std::string_view s, std::size_t i) noexcept;

// Replaces every run of white space (ASCII, and U+00A0 / other Unicode spaces encoded in UTF-8)
// with one ASCII space and trims both ends.
[[nodiscard]] std::string collapse_space(std::string_view s);

// ASCII lower case; bytes >= 0x80 are left alone (safe on UTF-8).
[[nodiscard]] std::string to_lower(std::string_view s);

// ASCII case-insensitive equality / prefix test.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;
[[nodiscard]] bool istarts_with(std::string_view s, std::string_view prefix) noexcept;

enum class Quotes { keep, escape };

// Appends `s` to `out` with '&', '<' and '>' escaped as HTML/XML character references, and '"'
// too when `quotes` is Quotes::escape (for attribute values).
void append_escaped_html(std::string& out, std::string_view s, Quotes quotes = Quotes::keep);

} // namespace fw::util
