#include "dedupe/guid_health.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace fw::dedupe {
namespace {

std::string link(int n) {
  return "https://example.com/story/" + std::to_string(n);
}

// Items for stories first..last (newest first, as feeds list them), each with a stable id.
std::vector<ItemKeys> stable_items(int first, int last) {
  std::vector<ItemKeys> items;
  for (int n = last; n >= first; --n) {
    items.push_back({"urn:story:" + std::to_string(n), link(n)});
  }
  return items;
}

// The same stories, but every id carries the poll number: a guid with a timestamp in it.
std::vector<ItemKeys> rotating_items(int first, int last, int poll) {
  std::vector<ItemKeys> items;
  for (int n = last; n >= first; --n) {
    items.push_back({"urn:story:" + std::to_string(n) + "@" + std::to_string(poll), link(n)});
  }
  return items;
}

TEST(GuidHealth, HealthyFeedNeverSwitches) {
  GuidHealth health;
  for (int poll = 0; poll < 30; ++poll) {
    // One new story per poll, twenty in the document.
    const GuidHealth::Verdict v = health.observe(stable_items(poll, poll + 19));
    EXPECT_FALSE(v.use_link) << "poll " << poll;
    EXPECT_TRUE(v.reason.empty());
  }
  EXPECT_EQ(health.mode(), IdentityMode::id);
}

TEST(GuidHealth, OneIdOnSeveralItemsWithDifferentLinksSwitchesAtOnce) {
  GuidHealth health;
  std::vector<ItemKeys> items = stable_items(1, 10);
  for (int i = 0; i < 3; ++i) {
    items[static_cast<std::size_t>(i)].id = "https://example.com/feed.xml";
  }
  const GuidHealth::Verdict v = health.observe(items);
  EXPECT_TRUE(v.use_link);
  EXPECT_EQ(v.reason, "guid repeated across 3 items with different links");
  EXPECT_EQ(health.mode(), IdentityMode::link);
  // Kept for good, with the same reason, even when the ids look fine again.
  const GuidHealth::Verdict later = health.observe(stable_items(1, 10));
  EXPECT_TRUE(later.use_link);
  EXPECT_EQ(later.reason, v.reason);
}

TEST(GuidHealth, TwoRepeatedIdsInALongFeedSwitch) {
  std::vector<ItemKeys> items = stable_items(1, 100);
  items[0].id = items[1].id;
  items[10].id = items[11].id;
  GuidHealth health;
  const GuidHealth::Verdict v = health.observe(items);
  EXPECT_TRUE(v.use_link);
  EXPECT_EQ(v.reason, "2 guids repeated across 4 items with different links");
}

TEST(GuidHealth, OneRepeatedIdAmongManyItemsIsASlip) {
  std::vector<ItemKeys> items = stable_items(1, 100);
  items[0].id = items[1].id; // 2 of 100 items: below k_repeated_items_percent
  GuidHealth health;
  EXPECT_FALSE(health.observe(items).use_link);
}

TEST(GuidHealth, RepeatedIdWithTheSameLinkIsADuplicateItemNotAPathology) {
  std::vector<ItemKeys> items = stable_items(1, 5);
  items.push_back(items[0]);
  items.push_back(items[1]);
  GuidHealth health;
  EXPECT_FALSE(health.observe(items).use_link);
}

TEST(GuidHealth, FeedWithoutLinksNeverSwitches) {
  GuidHealth health;
  for (int poll = 0; poll < 5; ++poll) {
    std::vector<ItemKeys> items(10, ItemKeys{"same-guid", std::nullopt});
    for (int i = 0; i < 10; ++i) {
      items[static_cast<std::size_t>(i)].id = "guid@" + std::to_string(poll * 100 + i);
    }
    items.push_back({"same-guid", std::nullopt});
    items.push_back({"same-guid", std::string("  ")});
    EXPECT_FALSE(health.observe(items).use_link);
  }
}

TEST(GuidHealth, IdsThatChangeOnTwoPollsInARowSwitch) {
  GuidHealth health;
  EXPECT_FALSE(health.observe(rotating_items(1, 20, 0)).use_link);
  EXPECT_FALSE(health.observe(rotating_items(1, 20, 1)).use_link) << "one reshuffle";
  std::vector<ItemKeys> third = rotating_items(1, 20, 2);
  // Two links kept their id this time: still more than half changed.
  third[0].id = "urn:story:20@1";
  third[1].id = "urn:story:19@1";
  const GuidHealth::Verdict v = health.observe(third);
  EXPECT_TRUE(v.use_link);
  EXPECT_EQ(v.reason, "guids changed on 2 polls in a row while links stayed (18 of 20 items)");
  EXPECT_EQ(health.mode(), IdentityMode::link);
}

TEST(GuidHealth, ASingleReshuffleDoesNotSwitch) {
  GuidHealth health;
  EXPECT_FALSE(health.observe(stable_items(1, 20)).use_link);
  // A CMS migration renumbers every guid once...
  EXPECT_FALSE(health.observe(rotating_items(1, 20, 7)).use_link);
  // ...and keeps the new ones while new stories arrive.
  std::vector<ItemKeys> next = rotating_items(1, 20, 7);
  next.insert(next.begin(), ItemKeys{"urn:story:21@7", link(21)});
  for (int poll = 0; poll < 5; ++poll) {
    EXPECT_FALSE(health.observe(next).use_link);
  }
  // A second reshuffle long after is again only one.
  EXPECT_FALSE(health.observe(rotating_items(1, 21, 8)).use_link);
  EXPECT_EQ(health.mode(), IdentityMode::id);
}

TEST(GuidHealth, APollWithSomethingNewAndStableIdsBreaksTheRun) {
  GuidHealth health;
  EXPECT_FALSE(health.observe(stable_items(1, 20)).use_link);
  EXPECT_FALSE(health.observe(rotating_items(1, 20, 1)).use_link);
  std::vector<ItemKeys> calm = rotating_items(1, 20, 1);
  calm.insert(calm.begin(), ItemKeys{"urn:story:21", link(21)});
  EXPECT_FALSE(health.observe(calm).use_link);
  EXPECT_FALSE(health.observe(rotating_items(1, 21, 2)).use_link);
}

TEST(GuidHealth, PositionalIdsAreCaughtAcrossUnchangedPolls) {
  // Ids number the items by position: each new story shifts every id by one.
  auto positional = [](int newest) {
    std::vector<ItemKeys> items;
    for (int pos = 0; pos < 10; ++pos) {
      items.push_back({std::to_string(pos), link(newest - pos)});
    }
    return items;
  };
  GuidHealth health;
  EXPECT_FALSE(health.observe(positional(10)).use_link);
  EXPECT_FALSE(health.observe(positional(11)).use_link);
  // Polled more often than the site publishes: an identical document says nothing.
  EXPECT_FALSE(health.observe(positional(11)).use_link);
  EXPECT_FALSE(health.observe(positional(11)).use_link);
  EXPECT_TRUE(health.observe(positional(12)).use_link);
}

TEST(GuidHealth, TooFewCommonLinksSayNothing) {
  GuidHealth health;
  // Only two links stay from poll to poll; their ids change each time.
  for (int poll = 0; poll < 6; ++poll) {
    std::vector<ItemKeys> items = {{"a@" + std::to_string(poll), link(1)},
                                   {"b@" + std::to_string(poll), link(2)},
                                   {"new" + std::to_string(poll), link(100 + poll)}};
    EXPECT_FALSE(health.observe(items).use_link) << "poll " << poll;
  }
}

TEST(GuidHealth, SaveAndRestoreKeepTheRun) {
  GuidHealth health;
  EXPECT_FALSE(health.observe(rotating_items(1, 20, 0)).use_link);
  EXPECT_FALSE(health.observe(rotating_items(1, 20, 1)).use_link);
  const std::string saved = health.save();
  GuidHealth restored = GuidHealth::restore(saved);
  EXPECT_EQ(restored, health);
  EXPECT_EQ(restored.save(), saved);
  // The restored object knows the previous poll's ids and the run of one changing poll.
  EXPECT_TRUE(restored.observe(rotating_items(1, 20, 2)).use_link);
}

TEST(GuidHealth, SaveAndRestoreKeepTheSwitch) {
  std::vector<ItemKeys> items = stable_items(1, 5);
  items[1].id = items[0].id;
  GuidHealth health;
  const GuidHealth::Verdict v = health.observe(items);
  ASSERT_TRUE(v.use_link);
  GuidHealth restored = GuidHealth::restore(health.save());
  EXPECT_EQ(restored.mode(), IdentityMode::link);
  EXPECT_EQ(restored.reason(), v.reason);
  const GuidHealth::Verdict later = restored.observe(stable_items(1, 5));
  EXPECT_TRUE(later.use_link);
  EXPECT_EQ(later.reason, v.reason);
}

TEST(GuidHealth, FreshStateRoundTrips) {
  const GuidHealth fresh;
  EXPECT_EQ(GuidHealth::restore(fresh.save()), fresh);
}

TEST(GuidHealth, RestoreOfGarbageStartsFresh) {
  GuidHealth health;
  (void)health.observe(rotating_items(1, 20, 0));
  (void)health.observe(rotating_items(1, 20, 1));
  const std::string good = health.save();
  const GuidHealth fresh;
  const std::vector<std::string> bad = {
      "",
      "garbage",
      std::string("\0\xff\n\n", 4),
      "guid_health 2\nmode id\nreason \nchanging_polls 0\nprevious 0\n",
      "guid_health 1\nmode maybe\nreason \nchanging_polls 0\nprevious 0\n",
      "guid_health 1\nmode link\nreason \nchanging_polls 0\nprevious 0\n",
      "guid_health 1\nmode id\nreason \nchanging_polls -1\nprevious 0\n",
      "guid_health 1\nmode id\nreason \nchanging_polls 0\nprevious 1\n",
      "guid_health 1\nmode id\nreason \nchanging_polls 0\nprevious 1\nnot hex at all here, no "
      "sir!\n",
      "guid_health 1\nmode id\nreason \nchanging_polls 0\nprevious 99999999999999999999999\n",
      good.substr(0, good.size() / 2),
      good + "0000000000000000 0000000000000000\n",
  };
  for (const std::string& s : bad) {
    EXPECT_EQ(GuidHealth::restore(s), fresh) << s;
  }
  EXPECT_EQ(GuidHealth::restore(good), health);
}

} // namespace
} // namespace fw::dedupe
