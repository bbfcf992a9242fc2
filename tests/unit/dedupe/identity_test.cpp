#include "dedupe/identity.hpp"
#include "util/errors.hpp"

#include <gtest/gtest.h>

namespace fw::dedupe {
namespace {

model::Story story(std::optional<std::string> id, std::optional<std::string> link,
                   std::optional<std::string> title = {}, std::optional<std::string> text = {}) {
  model::Story s;
  s.id = std::move(id);
  s.link = std::move(link);
  s.title = std::move(title);
  s.text = std::move(text);
  return s;
}

TEST(Identity, IdComesFirstThenLinkThenContent) {
  EXPECT_EQ(identity_key(story("urn:1", "https://a.example/1")), "id:urn:1");
  EXPECT_EQ(identity_key(story(std::nullopt, "https://a.example/1")), "link:https://a.example/1");
  EXPECT_EQ(identity_key(story("  ", " https://a.example/1 ")), "link:https://a.example/1");
  const std::string k = identity_key(story(std::nullopt, std::nullopt, "Title", "Body"));
  EXPECT_EQ(k.substr(0, 5), "text:");
  EXPECT_EQ(k.size(), 5U + 16U);
}

TEST(Identity, ContentKeyIgnoresWhiteSpaceButNotWords) {
  EXPECT_EQ(identity_key(story({}, {}, "A  title", "one\n two")),
            identity_key(story({}, {}, "A title", "one two")));
  EXPECT_NE(identity_key(story({}, {}, "A title", "one two")),
            identity_key(story({}, {}, "A title", "one three")));
  // The separator keeps title and text apart.
  EXPECT_NE(identity_key(story({}, {}, "ab", "c")), identity_key(story({}, {}, "a", "bc")));
}

TEST(Identity, StoryIdIsStableAndScopedByFeed) {
  const model::Story s = story("urn:1", {});
  EXPECT_EQ(story_id("bbc", s), story_id("bbc", s));
  EXPECT_NE(story_id("bbc", s), story_id("npr", s));
  // An id equal to another item's link is another story.
  EXPECT_NE(story_id("bbc", story("https://a.example/1", {})),
            story_id("bbc", story({}, "https://a.example/1")));
  // Fixed for all versions: subscribers store these.
  EXPECT_EQ(story_id("bbc", s), story_id("bbc", story("urn:1", "https://other.example/")));
  EXPECT_EQ(story_id("bbc", s).size(), 16U);
  EXPECT_EQ(story_id("feed", story("x", {})), "46cb22fd0f678a69")
      << "FNV-1a 64 of \"feed\\xffid:x\"; subscribers store these ids";
}

TEST(Identity, RepeatedIdsInOneDocumentCountOnce) {
  EXPECT_EQ(first_occurrences({"a", "b", "a", "c", "b"}), (std::vector<std::size_t>{0, 1, 3}));
  EXPECT_TRUE(first_occurrences({}).empty());
}

TEST(Identity, IdModeIsTheDefaultBehaviour) {
  for (const model::Story& s : {story("urn:1", "https://a.example/1"),
                                story({}, " https://a.example/1 "), story({}, {}, "T", "B")}) {
    EXPECT_EQ(identity_key(s, IdentityMode::id), identity_key(s));
    EXPECT_EQ(story_id("bbc", s, IdentityMode::id), story_id("bbc", s));
  }
}

TEST(Identity, LinkModeUsesTheLinkAsWritten) {
  EXPECT_EQ(identity_key(story("urn:1", " https://a.example/1?utm_source=x "), IdentityMode::link),
            "link:https://a.example/1?utm_source=x");
  // Ids that change while the link stays give the same story.
  EXPECT_EQ(story_id("bbc", story("urn:1@poll1", "https://a.example/1"), IdentityMode::link),
            story_id("bbc", story("urn:1@poll2", "https://a.example/1"), IdentityMode::link));
  // A story without an id keeps its story id when its feed switches.
  const model::Story no_id = story({}, "https://a.example/2");
  EXPECT_EQ(story_id("bbc", no_id, IdentityMode::link), story_id("bbc", no_id));
}

TEST(Identity, LinkModeFallsBackToIdThenContent) {
  EXPECT_EQ(identity_key(story("urn:1", {}), IdentityMode::link), "id:urn:1");
  EXPECT_EQ(identity_key(story("urn:1", "  "), IdentityMode::link), "id:urn:1");
  EXPECT_EQ(identity_key(story({}, {}, "T", "B"), IdentityMode::link),
            identity_key(story({}, {}, "T", "B")));
}

TEST(Identity, StoryIdAsNumberRoundTrips) {
  const std::string id = story_id("feed", story("x", {}));
  EXPECT_EQ(story_id_value(id), 0x46cb22fd0f678a69ULL);
  EXPECT_EQ(story_id_hex(story_id_value(id)), id);
  EXPECT_EQ(story_id_hex(0), "0000000000000000");
  EXPECT_EQ(story_id_hex(~0ULL), "ffffffffffffffff");
  EXPECT_EQ(story_id_value("FFFFFFFFFFFFFFFF"), ~0ULL);
  EXPECT_EQ(story_id_value("0000000000000001"), 1U);
}

TEST(Identity, MalformedStoryIdsAreRejected) {
  for (const char* bad : {"", "46cb22fd0f678a6", "46cb22fd0f678a690", "46cb22fd0f678a6g",
                          "-46cb22fd0f678a6", "0x6cb22fd0f678a6", " 6cb22fd0f678a69"}) {
    EXPECT_EQ(parse_story_id(bad), std::nullopt) << bad;
    EXPECT_THROW((void)story_id_value(bad), FatalError) << bad;
  }
  EXPECT_EQ(parse_story_id("46cb22fd0f678a69"), 0x46cb22fd0f678a69ULL);
}

} // namespace
} // namespace fw::dedupe
