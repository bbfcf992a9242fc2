#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fw::util {

// 64-bit FNV-1a. Not cryptographic: for stable identifiers of our own data (story ids), where
// the same input must give the same value in every version and on every machine.
class Fnv1a64 {
public:
  Fnv1a64& add(std::string_view bytes) noexcept {
    for (const char c : bytes) {
      m_h ^= static_cast<unsigned char>(c);
      m_h *= 0x100000001b3ULL;
    }
    return *this;
  }
  // A field separator that no UTF-8 text contains, so that ("ab", "c") and ("a", "bc") differ.
  Fnv1a64& separator() noexcept { return add(std::string_view("\xff", 1)); }
  [[nodiscard]] std::uint64_t value() const noexcept { return m_h; }

private:
  std::uint64_t m_h = 0xcbf29ce484222325ULL;
};

// MurmurHash3's 64-bit finaliser: every input bit affects every output bit. For hash tables and
// signatures built from values that are already hashes or small integers.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// The 16 lowercase hex digits of `v`.
[[nodiscard]] inline std::string hex64(std::uint64_t v) {
  constexpr char k_digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = k_digits[v & 0xF];
    v >>= 4;
  }
  return out;
}

} // namespace fw::util
