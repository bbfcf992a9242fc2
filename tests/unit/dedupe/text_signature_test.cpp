#include "dedupe/text_signature.hpp"

#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

namespace fw::dedupe {
namespace {

// Random prose over a 200-word vocabulary: unrelated texts share few 3-word shingles, as
// unrelated news stories do.
std::string prose(std::uint64_t seed, int words) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, 199);
  std::uniform_int_distribution<int> para(0, 40);
  std::string out;
  for (int i = 0; i < words; ++i) {
    if (i > 0) {
      out += para(rng) == 0 ? '\n' : ' ';
    }
    out += "w" + std::to_string(pick(rng));
  }
  return out;
}

std::string words_from(const std::string& text, std::size_t from, std::size_t count) {
  std::vector<std::string> w;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find_first_of(" \n", start);
    if (end == std::string::npos) {
      end = text.size();
    }
    w.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::string out;
  for (std::size_t i = from; i < std::min(w.size(), from + count); ++i) {
    out += (out.empty() ? "" : " ") + w[i];
  }
  return out;
}

TEST(TextSignature, IdenticalTextsHaveJaccardOne) {
  const std::string text = prose(1, 400);
  const TextSignature a = text_signature("A title here", text);
  const TextSignature b = text_signature("A title here", text);
  EXPECT_EQ(a, b);
  EXPECT_DOUBLE_EQ(estimate_jaccard(a, b), 1.0);
  EXPECT_DOUBLE_EQ(estimate_containment(a, b), 1.0);
  EXPECT_EQ(a.tokens, 403U);
  EXPECT_EQ(a.shingles, 1U + 398U);
}

TEST(TextSignature, UnrelatedTextsHaveJaccardNearZero) {
  double total = 0;
  for (std::uint64_t i = 0; i < 50; ++i) {
    const TextSignature a = text_signature("", prose(100 + i, 400));
    const TextSignature b = text_signature("", prose(200 + i, 400));
    const double j = estimate_jaccard(a, b);
    EXPECT_LT(j, 0.15) << i;
    total += j;
  }
  EXPECT_LT(total / 50, 0.03);
}

TEST(TextSignature, JaccardEstimateTracksTheTrueOverlap) {
  // Two 600-word windows of one 900-word text overlap in 300 words: J = 298 / 902.
  const std::string text = prose(7, 900);
  const TextSignature a = text_signature("", words_from(text, 0, 600));
  const TextSignature b = text_signature("", words_from(text, 300, 600));
  EXPECT_NEAR(estimate_jaccard(a, b), 298.0 / 902.0, 0.12);
  // Same size: containment is 2J / (1 + J).
  const double j = estimate_jaccard(a, b);
  EXPECT_NEAR(estimate_containment(a, b), 2 * j / (1 + j), 1e-9);
}

TEST(TextSignature, ExcerptIsContainedInTheWhole) {
  const std::string text = prose(9, 800);
  const TextSignature whole = text_signature("", text);
  const TextSignature half = text_signature("", words_from(text, 0, 400));
  EXPECT_NEAR(estimate_jaccard(whole, half), 0.5, 0.13);
  EXPECT_GT(estimate_containment(whole, half), 0.85);
  EXPECT_DOUBLE_EQ(estimate_containment(whole, half), estimate_containment(half, whole));
}

TEST(TextSignature, CaseAndPunctuationDoNotMatter) {
  const TextSignature a =
      text_signature("Storm Closes AIRPORT",
                     "Flights were cancelled, and trains \u2014 too \u2014 as the STORM hit.");
  const TextSignature b = text_signature(
      "storm closes airport!", "flights   were cancelled and trains too; as the storm hit");
  EXPECT_EQ(a.tokens, 13U);
  EXPECT_EQ(a, b);
}

TEST(TextSignature, NonAsciiLettersAreLetters) {
  // Accented words stay whole (and upper-case Latin-1, Greek and Cyrillic fold), while
  // typographic punctuation separates words.
  EXPECT_EQ(text_signature("", "CAFÉ IN ZÜRICH \u201cquoted\u201d"),
            text_signature("", "café in zürich quoted"));
  EXPECT_EQ(text_signature("", "ΕΛΛΆΔΑ РОССИЯ"), text_signature("", "ελλάδα россия"));
  EXPECT_NE(text_signature("", "café in zürich"), text_signature("", "caf in z rich"));
  EXPECT_EQ(text_signature("", "café in zürich").tokens, 3U);
}

TEST(TextSignature, NumbersAreTokens) {
  EXPECT_EQ(text_signature("", "up 1.25 percent to 4,512.5 points, then 3").tokens, 8U);
  EXPECT_NE(text_signature("", "the index rose 1.2 percent to 4512 points"),
            text_signature("", "the index rose 1.3 percent to 4512 points"));
  EXPECT_EQ(text_signature("", "rose 1.2 percent").tokens, 3U);
}

TEST(TextSignature, BoilerplateParagraphsAreDropped) {
  const std::string body = prose(11, 300);
  const TextSignature plain = text_signature("Title of the story", body);
  const std::vector<std::string> wrappers = {
      "This story originally appeared on Wire Press.\n" + body,
      "(WIRE PRESS) \u2014 \n" + body,
      "Cedar Falls \u2013 Global News Agency\n" + body,
      body + "\nRead more at Riverside Gazette.",
      body + "\nShare this: Facebook | Twitter | Email",
      body + "\n\u00a9 2024 Wire Press. All rights reserved.",
      body + "\n\nSign up for our newsletter.",
      body + "\n(Reporting by Ana Chen; Editing by Ben Bauer)",
      body + "\nThe post Title of the story appeared first on Example Blog.",
      body + "\nSubscribe to our newsletter",
      body + "\n\u2014 Wire Press",
  };
  for (const std::string& w : wrappers) {
    EXPECT_EQ(text_signature("Title of the story", w), plain) << w.substr(0, 60);
  }
}

TEST(TextSignature, LongParagraphsAreNeverBoilerplate) {
  // A content paragraph that happens to mention "read more" or Facebook stays.
  const std::string para =
      "The company said users would be able to read more about the changes to Facebook and "
      "Twitter accounts in a notice published on its website later this week, and that the "
      "regulator had asked for a full review of the data shared with advertisers since last "
      "year.";
  const TextSignature with = text_signature("", prose(12, 200) + "\n" + para);
  const TextSignature without = text_signature("", prose(12, 200));
  EXPECT_GT(with.tokens, without.tokens + 40);
}

TEST(TextSignature, ShortTextsStillGetASignature) {
  const TextSignature one = text_signature("", "Hello");
  EXPECT_EQ(one.shingles, 1U);
  EXPECT_EQ(one.tokens, 1U);
  EXPECT_DOUBLE_EQ(estimate_jaccard(one, text_signature("", "hello")), 1.0);
  EXPECT_LT(estimate_jaccard(one, text_signature("", "goodbye")), 0.5);
}

TEST(TextSignature, EmptyTextHasNoShinglesAndMatchesNothing) {
  const TextSignature empty = text_signature("", "");
  EXPECT_EQ(empty.shingles, 0U);
  EXPECT_EQ(empty.tokens, 0U);
  EXPECT_DOUBLE_EQ(estimate_jaccard(empty, empty), 0.0);
  EXPECT_DOUBLE_EQ(estimate_containment(empty, text_signature("", "some words here")), 0.0);
  EXPECT_EQ(text_signature(" \n\n ", "--- !!!"), empty);
}

TEST(TextSignature, SerializeRoundTrips) {
  for (const TextSignature& sig : {text_signature("Title", prose(13, 500)), text_signature("", ""),
                                   text_signature("x", "y")}) {
    const std::string bytes = serialize(sig);
    EXPECT_EQ(bytes.size(), 1U + 8U + 64U + 64U);
    const auto back = deserialize_signature(bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, sig);
  }
}

TEST(TextSignature, DeserializeRejectsGarbageAndOtherLayouts) {
  const std::string good = serialize(text_signature("Title", prose(14, 100)));
  EXPECT_FALSE(deserialize_signature("").has_value());
  EXPECT_FALSE(deserialize_signature("garbage").has_value());
  EXPECT_FALSE(deserialize_signature(good.substr(1)).has_value());
  EXPECT_FALSE(deserialize_signature(good + "x").has_value());
  std::string other_version = good;
  other_version[0] = 2;
  EXPECT_FALSE(deserialize_signature(other_version).has_value());
  std::string zero_count_with_minima = serialize(text_signature("", prose(15, 100)));
  for (std::size_t i = 1; i < 9; ++i) {
    zero_count_with_minima[i] = 0;
  }
  EXPECT_FALSE(deserialize_signature(zero_count_with_minima).has_value());
}

TEST(TextSignature, ContainmentFromJaccardUsesTheSetSizes) {
  EXPECT_DOUBLE_EQ(containment_from_jaccard(0.5, 100, 200), 1.0);
  EXPECT_DOUBLE_EQ(containment_from_jaccard(0.5, 200, 200), 2 * 0.5 / 1.5);
  EXPECT_DOUBLE_EQ(containment_from_jaccard(0.0, 200, 200), 0.0);
  EXPECT_DOUBLE_EQ(containment_from_jaccard(0.9, 0, 200), 0.0);
}

} // namespace
} // namespace fw::dedupe
