// libFuzzer target for HTML to text (normalize/html_text.hpp). The input is first made what the
// parse stage hands to normalize, well-formed UTF-8 (util::repair_utf8), and its noncharacters
// (U+FDD0..U+FDEF, U+1FFFE ...) become U+FFFD: gumbo 0.10.1 replaces them so while HTML keeps
// them, a difference of no consequence that the checks below would otherwise report. Besides
// crashes and sanitizer reports it checks the contracts of the header:
// - html_to_text() is valid UTF-8 with no white space at either end, no space next to a line
//   break, no run of spaces and at most one blank line in a row;
// - html_to_line() is the same on one line: no line break either;
// - where the fast path takes the input, gumbo gives the same text (html_text_paths_test.cpp
//   holds the two to that on real feeds);
// - text that does not look_like_html() comes out of html_to_line() as util::collapse_space()
//   makes it, which is what normalize relies on when it skips the HTML reading.
//
// Dictionary: html_text_fuzz.dict. Seeds: tests/fuzz/corpus/html_text/ (one fragment a file).

#include "normalize/html_text.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void contract_broken(const char* what, std::string_view html, std::string_view out) {
  std::fprintf(stderr, "html_text_fuzz: %s\n  html: %.*s\n  text: %.*s\n", what,
               static_cast<int>(html.size()), html.data(), static_cast<int>(out.size()),
               out.data());
  std::abort();
}

// Noncharacters of `s`, well-formed UTF-8 without U+FFFE/U+FFFF, replaced by U+FFFD in place:
// U+FDD0..U+FDEF (EF B7 90..AF) and the last two code points of planes 1 to 16 (F0..F4, then
// xF BF BE/BF).
void replace_noncharacters(std::string& s) {
  const auto byte = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (byte(i) == 0xEF && byte(i + 1) == 0xB7 && byte(i + 2) >= 0x90 && byte(i + 2) <= 0xAF) {
      s.replace(i, 3, "\xEF\xBF\xBD");
    } else if (i + 3 < s.size() && byte(i) >= 0xF0 && (byte(i + 1) & 0x0F) == 0x0F &&
               byte(i + 2) == 0xBF && (byte(i + 3) == 0xBE || byte(i + 3) == 0xBF)) {
      s.replace(i, 4, "\xEF\xBF\xBD");
    }
  }
}

bool has(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

void check_shape(std::string_view html, std::string_view text) {
  if (!fw::util::is_valid_utf8(text)) {
    contract_broken("output is not valid UTF-8", html, text);
  }
  if (!text.empty() && (fw::util::is_space(text.front()) || fw::util::is_space(text.back()))) {
    contract_broken("output starts or ends with white space", html, text);
  }
  if (has(text, "  ") || has(text, " \n") || has(text, "\n ") || has(text, "\n\n\n") ||
      has(text, "\t") || has(text, "\r")) {
    contract_broken("white space is not collapsed", html, text);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string html(reinterpret_cast<const char*>(data), size);
  (void)fw::util::repair_utf8(html);
  replace_noncharacters(html);

  const std::string text = fw::normalize::html_to_text(html);
  check_shape(html, text);
  if (fw::normalize::detail::has_fast_path(html)) {
    const std::string gumbo = fw::normalize::detail::html_to_text_with_gumbo(html);
    if (gumbo != text) {
      std::fprintf(stderr, "  gumbo: %s\n", gumbo.c_str());
      contract_broken("the fast path and gumbo disagree", html, text);
    }
  }

  const std::string line = fw::normalize::html_to_line(html);
  check_shape(html, line);
  if (has(line, "\n")) {
    contract_broken("html_to_line output holds a line break", html, line);
  }
  if (!fw::normalize::looks_like_html(html) && line != fw::util::collapse_space(html)) {
    contract_broken("text that does not look like HTML changes beyond white space", html, line);
  }
  return 0;
}
