#include "util/utf8.hpp"

#include "util/byte_mask.hpp"

#include <cstdint>
#include <cstring>

namespace fw::util {
namespace {

// Bytes of the 16 at `p` that repair_utf8 must look at: everything but printable ASCII, TAB, LF
// and CR.
std::uint32_t needs_look16(const char* p) noexcept {
  const ByteBlock b(p);
  const std::uint32_t kept_controls = b.eq('\t') | b.eq('\n') | b.eq('\r');
  return b.non_ascii() | (b.below(0x20) & ~kept_controls) | b.eq(0x7F);
}

// skip_unmarked() over the bytes from `p` to `end`.
template <class Marks>
const unsigned char* skip_unmarked_bytes(const unsigned char* p, const unsigned char* end,
                                         Marks marks) noexcept {
  const std::string_view rest(reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p));
  return p + skip_unmarked(rest, 0, marks);
}

// Skips from `p` the bytes that needs_look16() lets through, 16 at a time: returns the first byte
// that needs a look, or where fewer than 16 bytes remain.
const unsigned char* skip_plain(const unsigned char* p, const unsigned char* end) noexcept {
  return skip_unmarked_bytes(p, end, needs_look16);
}

// Length of the well-formed UTF-8 sequence at p (Unicode Table 3-7), or, when the bytes there
// are not one, the negated length of the maximal invalid subpart (at least 1), as WHATWG and
// Unicode §3.9 "U+FFFD substitution of maximal subparts" count it. `cp` gets the code point.
int decode_one(const unsigned char* p, const unsigned char* end, char32_t& cp) noexcept {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  int len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) {
      lo = 0xA0; // no overlongs
    } else if (b0 == 0xED) {
      hi = 0x9F; // no surrogates
    }
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) {
      lo = 0x90; // no overlongs
    } else if (b0 == 0xF4) {
      hi = 0x8F; // nothing above U+10FFFF
    }
  } else {
    return -1; // a continuation byte, C0/C1 (always overlong) or F5..FF
  }
  for (int i = 1; i < len; ++i) {
    if (p + i >= end || p[i] < lo || p[i] > hi) {
      return -i;
    }
    cp = (cp << 6) | (p[i] & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  return len;
}

// Characters repair_utf8 drops: C0 controls but TAB, LF and CR; DEL and the C1 controls; and
// the noncharacters U+FFFE and U+FFFF.
constexpr bool is_dropped(char32_t cp) noexcept {
  if (cp < 0x20) {
    return cp != '\t' && cp != '\n' && cp != '\r';
  }
  return (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF;
}

// Offset of the first byte repair_utf8 must change, or s.size() when there is none.
std::size_t first_repair(std::string_view s) noexcept {
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* p = begin;
  const auto* end = begin + s.size();
  while (p < end) {
    p = skip_plain(p, end);
    if (p == end) {
      break;
    }
    char32_t cp = 0;
    const int n = decode_one(p, end, cp);
    if (n < 0 || is_dropped(cp)) {
      return static_cast<std::size_t>(p - begin);
    }
    p += n;
  }
  return s.size();
}

} // namespace

void append_utf8(std::string& out, char32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    cp = 0xFFFD;
  }
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char b[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 2);
  } else if (cp < 0x10000) {
    const char b[3] = {static_cast<char>(0xE0 | (cp >> 12)),
                       static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 3);
  } else {
    const char b[4] = {
        static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
        static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 4);
  }
}

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Fast path: skip ASCII 16 bytes at a time, then byte by byte.
    p = skip_unmarked_bytes(p, end, [](const char* q) { return ByteBlock(q).non_ascii(); });
    while (p < end && *p < 0x80) {
      ++p;
    }
    if (p == end) {
      break;
    }
    char32_t cp = 0;
    const int n = decode_one(p, end, cp);
    if (n < 0) {
      return false;
    }
    p += n;
  }
  return true;
}

Utf8Repair repair_utf8(std::string& s) {
  Utf8Repair r;
  const std::size_t first = first_repair(s);
  if (first == s.size()) {
    return r;
  }
  std::string out;
  out.reserve(s.size() + s.size() / 8 + 16);
  out.append(s, 0, first);
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* p = begin + first;
  const auto* end = begin + s.size();
  while (p < end) {
    const auto* run = p;
    p = skip_plain(p, end);
    while (p < end && *p >= 0x20 && *p < 0x7F) {
      ++p;
    }
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (p == end) {
      break;
    }
    char32_t cp = 0;
    const int n = decode_one(p, end, cp);
    if (n < 0) {
      out.append("\xEF\xBF\xBD");
      ++r.invalid_sequences;
      p += -n;
    } else {
      if (is_dropped(cp)) {
        ++r.control_characters;
      } else {
        out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
      }
      p += n;
    }
  }
  s = std::move(out);
  return r;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept {
  if (s.size() <= max_bytes) {
    return s;
  }
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) {
    --n; // s[n] continues the sequence that starts before it
  }
  return s.substr(0, n);
}

} // namespace fw::util
