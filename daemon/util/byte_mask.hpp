#pragma once

// Classifies 16 bytes at once: bit j of a mask is set when byte j of the block matches. The
// scanners of the hot paths (JSON escaping, UTF-8 repair, HTML text) test a block with a few of
// these and skip it whole when nothing in it needs a look. SSE2 (part of every x86-64 CPU) when
// the compiler offers it, a plain loop elsewhere; both give the same masks.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fw::util {

class ByteBlock {
public:
  static constexpr std::size_t size = 16;

  // Reads the 16 bytes at `p`, which need no alignment.
  explicit ByteBlock(const char* p) noexcept {
#if defined(__SSE2__)
    m_v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
#else
    std::memcpy(m_b, p, size);
#endif
  }

  // Bytes equal to `c`.
  [[nodiscard]] std::uint32_t eq(unsigned char c) const noexcept {
#if defined(__SSE2__)
    return mask(_mm_cmpeq_epi8(m_v, _mm_set1_epi8(static_cast<char>(c))));
#else
    return scan([c](unsigned char b) { return b == c; });
#endif
  }

  // Bytes below `c` (unsigned); `c` is at least 1.
  [[nodiscard]] std::uint32_t below(unsigned char c) const noexcept {
#if defined(__SSE2__)
    const __m128i top = _mm_set1_epi8(static_cast<char>(c - 1));
    return mask(_mm_cmpeq_epi8(_mm_min_epu8(m_v, top), m_v));
#else
    return scan([c](unsigned char b) { return b < c; });
#endif
  }

  // Bytes with the high bit set: everything outside ASCII.
  [[nodiscard]] std::uint32_t non_ascii() const noexcept {
#if defined(__SSE2__)
    return mask(m_v);
#else
    return scan([](unsigned char b) { return b >= 0x80; });
#endif
  }

private:
#if defined(__SSE2__)
  static std::uint32_t mask(__m128i v) noexcept {
    return static_cast<std::uint32_t>(_mm_movemask_epi8(v));
  }
  __m128i m_v;
#else
  template <class Pred> std::uint32_t scan(Pred pred) const noexcept {
    std::uint32_t m = 0;
    for (std::size_t j = 0; j < size; ++j) {
      m |= pred(m_b[j]) ? 1U << j : 0U;
    }
    return m;
  }
  unsigned char m_b[size];
#endif
};

// Position of the lowest set bit of a non-zero mask.
[[nodiscard]] inline std::size_t first_bit(std::uint32_t mask) noexcept {
  return static_cast<std::size_t>(std::countr_zero(mask));
}

// Skips from `pos` the 16-byte blocks of `s` in which `marks(block_start)` sets no bit, and
// returns the position of the first marked byte, or where fewer than 16 + `lookahead` bytes
// remain (`marks` may read `lookahead` bytes past its block). The caller finishes byte by byte.
template <class Marks>
[[nodiscard]] std::size_t skip_unmarked(std::string_view s, std::size_t pos, Marks marks,
                                        std::size_t lookahead = 0) noexcept {
  for (; pos + ByteBlock::size + lookahead <= s.size(); pos += ByteBlock::size) {
    if (const std::uint32_t m = marks(s.data() + pos); m != 0) {
      return pos + first_bit(m);
    }
  }
  return pos;
}

// std::string_view::find_first_of for a handful of bytes, 16 at a time (the standard library's
// looks every byte up in `set` with a call of its own).
[[nodiscard]] inline std::size_t find_any(std::string_view s, std::string_view set,
                                          std::size_t pos = 0) noexcept {
  pos = skip_unmarked(s, pos, [set](const char* p) {
    const ByteBlock b(p);
    std::uint32_t m = 0;
    for (const char c : set) {
      m |= b.eq(static_cast<unsigned char>(c));
    }
    return m;
  });
  for (; pos < s.size(); ++pos) {
    if (set.find(s[pos]) != std::string_view::npos) {
      return pos;
    }
  }
  return std::string_view::npos;
}

} // namespace fw::util
