#include "util/byte_mask.hpp"

#include <array>
#include <cstdint>
#include <gtest/gtest.h>

namespace fw::util {
namespace {

template <class Pred> std::uint32_t reference(const std::array<char, 16>& bytes, Pred pred) {
  std::uint32_t m = 0;
  for (std::size_t j = 0; j < bytes.size(); ++j) {
    m |= pred(static_cast<unsigned char>(bytes[j])) ? 1U << j : 0U;
  }
  return m;
}

// Every byte value passes through every lane, against every threshold and needle that matters
// (0x00, 0x01, 0x7F, 0x80, 0xFF and the signed/unsigned edges between them).
TEST(ByteBlock, MasksMatchBytewiseTestsForEveryByteInEveryLane) {
  const std::array<unsigned, 9> probes = {0x00, 0x01, 0x20, 0x21, 0x7F, 0x80, 0x81, 0xC2, 0xFF};
  for (unsigned start = 0; start < 256; ++start) {
    std::array<char, 16> bytes{};
    for (std::size_t j = 0; j < bytes.size(); ++j) {
      bytes[j] = static_cast<char>((start + j * 17) & 0xFF);
    }
    const ByteBlock block(bytes.data());
    EXPECT_EQ(block.non_ascii(), reference(bytes, [](unsigned char b) { return b >= 0x80; }));
    for (const unsigned probe : probes) {
      const auto c = static_cast<unsigned char>(probe);
      EXPECT_EQ(block.eq(c), reference(bytes, [c](unsigned char b) { return b == c; }))
          << "eq " << probe << " start " << start;
      if (c != 0) {
        EXPECT_EQ(block.below(c), reference(bytes, [c](unsigned char b) { return b < c; }))
            << "below " << probe << " start " << start;
      }
    }
  }
}

TEST(ByteBlock, ReadsUnalignedBytes) {
  alignas(16) char buffer[33] = "................................";
  buffer[20] = '"';
  const ByteBlock block(buffer + 7);
  EXPECT_EQ(block.eq('"'), 1U << 13);
  EXPECT_EQ(first_bit(block.eq('"')), 13U);
}

} // namespace
} // namespace fw::util
