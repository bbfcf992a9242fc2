// feedwire's slugs, C++ side: how the host turns a tag into its slug (plugin.h,
// story_add_tag), for a plugin that compares tags (FW_LIST_TAGS holds slugs) or predicts the
// topic tag.<slug>. Header-only; the host uses this very function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace feedwire {

// Lower case, words joined by single hyphens, possessive "'s" (or "’s") dropped, an apostrophe
// inside a word dropped ("don't" -> "dont"), no leading or trailing hyphen: "Kim Jong Un's" ->
// "kim-jong-un". Bytes outside ASCII are kept as written. Empty when nothing is left.
inline std::string slugify(std::string_view text) {
  const auto is_alnum = [](unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  };
  std::string out;
  out.reserve(text.size());
  bool pending_hyphen = false;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool apostrophe = c == '\'';
    const bool curly = c == 0xE2 && i + 2 < text.size() &&
                       static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                       static_cast<unsigned char>(text[i + 2]) == 0x99; // U+2019
    if (apostrophe || curly) {
      const std::size_t after = i + (curly ? 3 : 1);
      const bool possessive =
          after < text.size() && (text[after] == 's' || text[after] == 'S') &&
          (after + 1 == text.size() || !is_alnum(static_cast<unsigned char>(text[after + 1])));
      i = possessive ? after + 1 : after;
      continue;
    }
    if (c >= 0x80 || is_alnum(c)) {
      if (pending_hyphen && !out.empty()) {
        out.push_back('-');
      }
      pending_hyphen = false;
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c));
    } else {
      pending_hyphen = true;
    }
    ++i;
  }
  return out;
}

} // namespace feedwire
