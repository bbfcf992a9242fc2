#include "util/utf8.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>

namespace fw::util {
namespace {

const std::string k_fffd = "\xEF\xBF\xBD";

std::string encoded(char32_t cp) {
  std::string out;
  append_utf8(out, cp);
  return out;
}

TEST(AppendUtf8, EncodesEachLengthAtItsBoundaries) {
  EXPECT_EQ(encoded(0x00), std::string(1, '\0'));
  EXPECT_EQ(encoded(0x41), "A");
  EXPECT_EQ(encoded(0x7F), "\x7F");
  EXPECT_EQ(encoded(0x80), "\xC2\x80");
  EXPECT_EQ(encoded(0x7FF), "\xDF\xBF");
  EXPECT_EQ(encoded(0x800), "\xE0\xA0\x80");
  EXPECT_EQ(encoded(0x20AC), "\xE2\x82\xAC");
  EXPECT_EQ(encoded(0xFFFF), "\xEF\xBF\xBF");
  EXPECT_EQ(encoded(0x10000), "\xF0\x90\x80\x80");
  EXPECT_EQ(encoded(0x1F600), "\xF0\x9F\x98\x80");
  EXPECT_EQ(encoded(0x10FFFF), "\xF4\x8F\xBF\xBF");
}

TEST(AppendUtf8, WritesReplacementForSurrogatesAndOutOfRange) {
  EXPECT_EQ(encoded(0xD800), k_fffd);
  EXPECT_EQ(encoded(0xDFFF), k_fffd);
  EXPECT_EQ(encoded(0x110000), k_fffd);
  EXPECT_EQ(encoded(0xFFFFFFFF), k_fffd);
}

TEST(AppendUtf8, Appends) {
  std::string s = "x";
  append_utf8(s, 0xE9);
  append_utf8(s, 'y');
  EXPECT_EQ(s, "x\xC3\xA9y");
}

TEST(IsValidUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ASCII"));
  EXPECT_TRUE(is_valid_utf8("Gr\xC3\xBC\xC3\x9F\x65 \xE2\x80\x94 \xF0\x9F\x98\x80"));
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF\xF4\x8F\xBF\xBF\xED\x9F\xBF\xEE\x80\x80"));
  EXPECT_TRUE(is_valid_utf8(std::string(1000, 'a') + "\xC3\xA9" + std::string(37, 'b')));
}

TEST(IsValidUtf8, RejectsOverlongForms) {
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));
}

TEST(IsValidUtf8, RejectsSurrogatesAndBeyondU10FFFF) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(IsValidUtf8, RejectsStrayContinuationAndTruncatedSequencesAnywhere) {
  // Every offset, so that the 8- and 16-byte fast paths meet the bad byte at each alignment.
  for (std::size_t prefix = 0; prefix < 40; ++prefix) {
    const std::string p(prefix, 'a');
    EXPECT_FALSE(is_valid_utf8(p + "\x80")) << prefix;
    EXPECT_FALSE(is_valid_utf8(p + "\xE2\x82")) << prefix;
    EXPECT_FALSE(is_valid_utf8(p + "\xF0\x9F\x98")) << prefix;
    EXPECT_FALSE(is_valid_utf8(p + "\xC3" + "bcdefghijklmnopq")) << prefix;
    EXPECT_TRUE(is_valid_utf8(p + "\xC3\xA9" + p)) << prefix;
  }
}

TEST(RepairUtf8, LeavesCleanTextAlone) {
  std::string s = "<t>caf\xC3\xA9\tline\r\n\xE2\x80\x94 \xF0\x9F\x98\x80 \xC2\xA0</t>";
  const std::string before = s;
  const Utf8Repair r = repair_utf8(s);
  EXPECT_EQ(s, before);
  EXPECT_EQ(r.invalid_sequences, 0u);
  EXPECT_EQ(r.control_characters, 0u);
}

TEST(RepairUtf8, ReplacesEachMaximalSubpartOnce) {
  // The example of Unicode §3.9, Table 3-8 (also what WHATWG's decoder produces).
  std::string s = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  const Utf8Repair r = repair_utf8(s);
  EXPECT_EQ(s, "a" + k_fffd + k_fffd + k_fffd + "b" + k_fffd + "c" + k_fffd + k_fffd + "d");
  EXPECT_EQ(r.invalid_sequences, 6u);
}

TEST(RepairUtf8, ReplacesSurrogatesAndOverlongsBytewise) {
  std::string s = "\xED\xA0\x80|\xC0\xAF|\xE0\x80\xAF|\xF4\x90\x80\x80";
  const Utf8Repair r = repair_utf8(s);
  EXPECT_EQ(s, k_fffd + k_fffd + k_fffd + "|" + k_fffd + k_fffd + "|" + k_fffd + k_fffd + k_fffd +
                   "|" + k_fffd + k_fffd + k_fffd + k_fffd);
  EXPECT_EQ(r.invalid_sequences, 12u);
}

TEST(RepairUtf8, ReplacesATruncatedSequenceAtTheEnd) {
  std::string s = "abc\xF0\x9F\x98";
  const Utf8Repair r = repair_utf8(s);
  EXPECT_EQ(s, "abc" + k_fffd);
  EXPECT_EQ(r.invalid_sequences, 1u);
}

TEST(RepairUtf8, DropsC0ControlsButKeepsTabLfCr) {
  std::string s = std::string("a\x01"
                              "b\x00"
                              "c\td\ne\rf\x1B[0m\x0C",
                              16);
  const Utf8Repair r = repair_utf8(s);
  EXPECT_EQ(s, "abc\td\ne\rf[0m");
  EXPECT_EQ(r.control_characters, 4u);
  EXPECT_EQ(r.invalid_sequences, 0u);
}

TEST(RepairUtf8, DropsDelC1AndNoncharactersFFFEAndFFFF) {
  std::string s = "a\x7F"
                  "b\xC2\x80"
                  "c\xC2\x9F"
                  "d\xEF\xBF\xBE"
                  "e\xEF\xBF\xBF"
                  "f";
  const Utf8Repair r = repair_utf8(s);
  EXPECT_EQ(s, "abcdef");
  EXPECT_EQ(r.control_characters, 5u);
  std::string kept =
      "\xC2\xA0\xEF\xBF\xBD\xEF\xBF\xBC\xF0\x9F\xBF\xBE"; // U+00A0 U+FFFD U+FFFC U+1FFFE
  EXPECT_EQ(repair_utf8(kept).control_characters, 0u);
}

TEST(RepairUtf8, FixesProblemsAtEveryAlignment) {
  for (std::size_t prefix = 0; prefix < 24; ++prefix) {
    const std::string p(prefix, 'x');
    std::string s = p + "\xFF" + p + "\x01" + p;
    const Utf8Repair r = repair_utf8(s);
    EXPECT_EQ(s, p + k_fffd + p + p) << prefix;
    EXPECT_EQ(r.invalid_sequences, 1u);
    EXPECT_EQ(r.control_characters, 1u);
  }
}

TEST(RepairUtf8, AlwaysYieldsValidUtf8AndIsIdempotent) {
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<char>(state >> 24);
  };
  for (int round = 0; round < 200; ++round) {
    std::string s;
    for (int i = 0; i < 64 + round; ++i) {
      s += next();
    }
    repair_utf8(s);
    ASSERT_TRUE(is_valid_utf8(s));
    const std::string once = s;
    const Utf8Repair again = repair_utf8(s);
    EXPECT_EQ(s, once);
    EXPECT_EQ(again.invalid_sequences + again.control_characters, 0u);
  }
}

TEST(RepairUtf8, HandlesLargeInput) {
  std::string s(8 << 20, 'a');
  s[s.size() / 2] = '\xFE';
  EXPECT_FALSE(is_valid_utf8(s));
  const Utf8Repair r = repair_utf8(s);
  EXPECT_EQ(r.invalid_sequences, 1u);
  EXPECT_EQ(s.size(), (8u << 20) + 2);
  EXPECT_TRUE(is_valid_utf8(s));
}

} // namespace
} // namespace fw::util

namespace {

TEST(Utf8Prefix, NeverCutsASequence) {
  using fw::util::utf8_prefix;
  EXPECT_EQ(utf8_prefix("abc", 10), "abc");
  EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
  EXPECT_EQ(utf8_prefix("ab\xC3\xA9", 3), "ab"); // é would be cut
  EXPECT_EQ(utf8_prefix("ab\xC3\xA9", 4), "ab\xC3\xA9");
  EXPECT_EQ(utf8_prefix("\xE2\x80\x94\xE2\x80\x94", 5), "\xE2\x80\x94"); // em dashes
  EXPECT_EQ(utf8_prefix("\xF0\x9F\x98\x80", 3), "");
}

} // namespace
