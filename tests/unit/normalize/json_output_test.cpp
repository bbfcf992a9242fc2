#include "normalize/json_output.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>

namespace fw::normalize {
namespace {

// The writer skips 16 bytes at a time until one needs escaping: every escaped byte, at every
// offset of a block and at the end of the string, must come back unchanged through a JSON parser.
TEST(ToJson, EscapesEveryByteThatNeedsItAtEveryBlockOffset) {
  const std::string needs = std::string("\"\\\n\r\t\x01\x1f", 7) + std::string(1, '\0');
  for (const char c : needs) {
    for (std::size_t at = 0; at < 40; ++at) {
      model::FeedDocument doc;
      doc.format = "rss2.0";
      const std::string title = std::string(at, 'a') + c + "\xc3\xa9" + std::string(at % 17, 'b');
      doc.feed.title = title;
      doc.warnings.push_back(std::string(at, 'w') + c);
      const std::string out = to_json(doc);
      ASSERT_EQ(out.back(), '\n');
      const nlohmann::json parsed = nlohmann::json::parse(out);
      EXPECT_EQ(parsed["feed"]["title"].get<std::string>(), title) << "offset " << at;
      EXPECT_EQ(parsed["warnings"][0].get<std::string>(), std::string(at, 'w') + c);
    }
  }
}

MessageEnvelope envelope() {
  MessageEnvelope env;
  env.seq = 7;
  env.story_id = "00000000000000aa";
  env.feed_id = "wire";
  env.fetched_at = model::Timestamp{std::chrono::seconds{1'700'000'000}};
  return env;
}

TEST(StoryMessageJson, NewStoryCarriesItsClusterAndNoDuplicateFields) {
  model::Story story;
  story.title = "A headline";
  MessageEnvelope env = envelope();
  env.cluster_id = env.story_id;
  const nlohmann::json m = nlohmann::json::parse(story_message_json(story, env));
  EXPECT_EQ(m["seq"], 7);
  EXPECT_EQ(m["cluster_id"], "00000000000000aa");
  EXPECT_FALSE(m.contains("duplicate_of"));
  EXPECT_FALSE(m.contains("changed"));
  EXPECT_EQ(m["title"], "A headline");
}

TEST(StoryMessageJson, DuplicateFieldsComeBeforeTheStoryFields) {
  MessageEnvelope env = envelope();
  env.cluster_id = "00000000000000a1";
  env.duplicate = MessageEnvelope::Duplicate{"00000000000000a2", "content", 0.8756};
  const std::string text = story_message_json(model::Story{}, env);
  const nlohmann::json m = nlohmann::json::parse(text);
  EXPECT_EQ(m["cluster_id"], "00000000000000a1");
  EXPECT_EQ(m["duplicate_of"], "00000000000000a2");
  EXPECT_EQ(m["method"], "content");
  EXPECT_NE(text.find("\"similarity\":0.876,"), std::string::npos) << text;
  EXPECT_LT(text.find("\"similarity\""), text.find("\"id\""));
}

TEST(StoryMessageJson, SimilarityIsWrittenWithinZeroAndOne) {
  for (const auto& [in, out] : std::vector<std::pair<double, std::string>>{{1.0, "1.000"},
                                                                           {0.0, "0.000"},
                                                                           {0.0004, "0.000"},
                                                                           {0.9996, "1.000"},
                                                                           {1.7, "1.000"},
                                                                           {-2.0, "0.000"},
                                                                           {0.05, "0.050"}}) {
    MessageEnvelope env = envelope();
    env.duplicate = MessageEnvelope::Duplicate{"00000000000000a2", "url", in};
    const std::string text = story_message_json(model::Story{}, env);
    EXPECT_NE(text.find("\"similarity\":" + out + ","), std::string::npos) << in << " " << text;
  }
}

TEST(StoryMessageJson, WithSeqIsTheSameBodyWrittenWithThatSeq) {
  model::Story story;
  story.title = "A headline, \"quoted\", seq 7";
  story.text = "Text with ,\"seq\":7, inside.";
  model::Additions additions;
  additions.tags.push_back(model::Tag{"wire", "Wire", 0.5, "tagger"});
  MessageEnvelope env = envelope();
  env.cluster_id = env.story_id;
  env.additions = &additions;
  const std::string seven = story_message_json(story, env);
  for (const std::int64_t seq : {std::int64_t{8}, std::int64_t{7}, std::int64_t{123456789012}}) {
    env.seq = seq;
    EXPECT_EQ(with_seq(seven, seq), story_message_json(story, env)) << seq;
  }
}

TEST(StoryMessageJson, UpdateListsTheChangedFields) {
  MessageEnvelope env = envelope();
  env.changed = {"title", "text"};
  const nlohmann::json m = nlohmann::json::parse(story_message_json(model::Story{}, env));
  EXPECT_EQ(m["changed"], nlohmann::json::array({"title", "text"}));
  EXPECT_FALSE(m.contains("cluster_id"));
}

} // namespace
} // namespace fw::normalize
