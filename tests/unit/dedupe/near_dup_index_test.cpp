#include "dedupe/near_dup_index.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>

namespace fw::dedupe {
namespace {

using std::chrono::hours;

constexpr std::int64_t k_t0 = 1'709'553'600; // 2024-03-04T12:00:00Z

std::string text_for(std::uint64_t seed) {
  std::string out;
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (int i = 0; i < 120; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out += "w" + std::to_string(x % 500) + " ";
  }
  return out;
}

IndexedStory story(std::uint64_t id, std::int64_t time_s, std::uint64_t url = 0) {
  return IndexedStory{id, id, url, time_s, 0, 0};
}

bool contains(const std::vector<NearDupIndex::Ref>& refs, const NearDupIndex& index,
              std::uint64_t id) {
  return std::any_of(refs.begin(), refs.end(),
                     [&](NearDupIndex::Ref r) { return index.story(r).story_id == id; });
}

TEST(NearDupIndex, FindsStoriesByIdUrlAndBandKey) {
  NearDupIndex index(hours{18});
  const TextSignature a = text_signature("a", text_for(1));
  const TextSignature b = text_signature("b", text_for(2));
  index.insert(IndexedStory{1, 1, 77, k_t0, a.shingles, a.tokens}, a);
  index.insert(IndexedStory{2, 9, 0, k_t0 + 100, b.shingles, b.tokens}, b);
  EXPECT_EQ(index.size(), 2U);

  const auto ref = index.find_story(2);
  ASSERT_TRUE(ref.has_value());
  const IndexedStory s = index.story(*ref);
  EXPECT_EQ(s.story_id, 2U);
  EXPECT_EQ(s.cluster_id, 9U);
  EXPECT_EQ(s.time_s, k_t0 + 100);
  EXPECT_EQ(s.shingles, b.shingles);
  EXPECT_TRUE(std::equal(b.minima.begin(), b.minima.end(), index.minima(*ref)));
  EXPECT_FALSE(index.find_story(3).has_value());

  std::vector<NearDupIndex::Ref> refs;
  index.url_matches(77, k_t0 - 10, k_t0 + 10, refs);
  ASSERT_EQ(refs.size(), 1U);
  EXPECT_EQ(index.story(refs[0]).story_id, 1U);
  refs.clear();
  index.url_matches(77, k_t0 + 1, k_t0 + 1000, refs); // outside the time range
  EXPECT_TRUE(refs.empty());

  refs.clear();
  index.band_candidates(a, k_t0 - 3600, k_t0 + 3600, refs);
  EXPECT_EQ(refs.size(), 1U); // once, although all its bands match
  EXPECT_TRUE(contains(refs, index, 1));
  EXPECT_FALSE(contains(refs, index, 2));
}

TEST(NearDupIndex, SetClusterRenamesInPlace) {
  NearDupIndex index(hours{18});
  const TextSignature a = text_signature("a", text_for(1));
  const auto ref = index.insert(story(1, k_t0), a);
  index.set_cluster(ref, 42);
  EXPECT_EQ(index.story(*index.find_story(1)).cluster_id, 42U);
  index.for_each_cluster([](std::uint64_t& c) { c += 1; });
  EXPECT_EQ(index.story(*index.find_story(1)).cluster_id, 43U);
}

TEST(NearDupIndex, FullSlicesContinueInNewOnesAndEverythingStaysFindable) {
  NearDupIndex index(hours{18});
  std::vector<TextSignature> sigs;
  for (std::uint64_t i = 0; i < 5000; ++i) {
    sigs.push_back(text_signature("", text_for(i)));
    index.insert(story(i + 1, k_t0 + static_cast<std::int64_t>(i)), sigs.back());
  }
  EXPECT_GT(index.slice_count(), 1U);
  EXPECT_EQ(index.size(), 5000U);
  for (std::uint64_t i = 0; i < 5000; i += 97) {
    ASSERT_TRUE(index.find_story(i + 1).has_value()) << i;
    std::vector<NearDupIndex::Ref> refs;
    index.band_candidates(sigs[i], k_t0 - 1, k_t0 + 10000, refs);
    EXPECT_TRUE(contains(refs, index, i + 1)) << i;
    // Unrelated texts share no band key; the 8-bit fingerprints let a few through.
    EXPECT_LT(refs.size(), 20U);
  }
}

TEST(NearDupIndex, DropBeforeRemovesWholeExpiredSlices) {
  NearDupIndex index(hours{1});
  const TextSignature a = text_signature("a", text_for(1));
  index.insert(story(1, k_t0), a); // bucket [k_t0 - 1800, k_t0 + 1800) or so
  index.insert(story(2, k_t0 + 3 * 3600), a);
  index.insert(story(3, k_t0 + 5 * 3600), a);
  EXPECT_EQ(index.drop_before(k_t0 - 7200), 0U);
  EXPECT_EQ(index.size(), 3U);
  EXPECT_EQ(index.drop_before(k_t0 + 4 * 3600), 2U);
  EXPECT_EQ(index.size(), 1U);
  EXPECT_FALSE(index.find_story(1).has_value());
  EXPECT_FALSE(index.find_story(2).has_value());
  EXPECT_TRUE(index.find_story(3).has_value());
}

TEST(NearDupIndex, TimesBeforeTheEpochWork) {
  NearDupIndex index(hours{18});
  const TextSignature a = text_signature("a", text_for(1));
  index.insert(story(1, -1000), a);
  const auto ref = index.find_story(1);
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(index.story(*ref).time_s, -1000);
}

TEST(NearDupIndex, MemoryIsAccountedPerSlice) {
  NearDupIndex index(hours{18});
  const std::size_t empty = index.memory_bytes();
  const TextSignature a = text_signature("a", text_for(1));
  index.insert(story(1, k_t0), a);
  const std::size_t one = index.memory_bytes();
  EXPECT_GT(one, empty + 1024 * 64); // a fresh slice reserves its capacity
  index.drop_before(k_t0 + 30 * 3600);
  EXPECT_LT(index.memory_bytes(), one);
}

} // namespace
} // namespace fw::dedupe
