#include "util/strings.hpp"

namespace fw::util {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// Length of a Unicode space character encoded in UTF-8 at s[i], or 0. Covers U+00A0, U+1680,
// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F and U+3000 (Python's str.split() set).
std::size_t unicode_space_len(std::string_view s, std::size_t i) noexcept {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  std::size_t n = s.size() - i;
  if (n >= 2 && b(0) == 0xC2 && (b(1) == 0xA0 || b(1) == 0x85)) {
    return 2;
  }
  if (n >= 3 && b(0) == 0xE2 && b(1) == 0x80 &&
      ((b(2) >= 0x80 && b(2) <= 0x8A) || b(2) == 0xA8 || b(2) == 0xA9 || b(2) == 0xAF)) {
    return 3;
  }
  if (n >= 3 && b(0) == 0xE2 && b(1) == 0x81 && b(2) == 0x9F) {
    return 3;
  }
  if (n >= 3 && b(0) == 0xE1 && b(1) == 0x9A && b(2) == 0x80) {
    return 3;
  }
  if (n >= 3 && b(0) == 0xE3 && b(1) == 0x80 && b(2) == 0x80) {
    return 3;
  }
  return 0;
}

std::string collapse_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  for (std::size_t i = 0; i < s.size();) {
    if (is_space(s[i])) {
      pending = true;
      ++i;
      continue;
    }
    // Every Unicode space this knows starts with a byte above 0x7F.
    if (std::size_t n = static_cast<unsigned char>(s[i]) < 0x80 ? 0 : unicode_space_len(s, i);
        n != 0) {
      pending = true;
      i += n;
      continue;
    }
    if (pending && !out.empty()) {
      out.push_back(' ');
    }
    pending = false;
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

namespace {
constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
} // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

void append_escaped_html(std::string& out, std::string_view s, Quotes quotes) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    std::string_view ref;
    switch (c) {
    case '&':
      ref = "&amp;";
      break;
    case '<':
      ref = "&lt;";
      break;
    case '>':
      ref = "&gt;";
      break;
    case '"':
      if (quotes == Quotes::escape) {
        ref = "&quot;";
      }
      break;
    default:
      break;
    }
    if (!ref.empty()) {
      out.append(s.substr(run, i - run));
      out.append(ref);
      run = i + 1;
    }
  }
  out.append(s.substr(run));
}

} // namespace fw::util
