#include "feedwire/plugin.hpp"
#include "tagger/config.hpp"

#include <gtest/gtest.h>
#include <string>

namespace feedwire::tagger {
namespace {

// The message of the ConfigError that parse_config(json) throws, or "" when it does not.
std::string error_of(const std::string& json) {
  try {
    (void)parse_config(json);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TaggerConfig, EmptyObjectAndEmptyTextGiveTheDefaults) {
  for (const char* json : {"{}", "", "  \n"}) {
    const Config c = parse_config(json);
    EXPECT_EQ(c.rules, "");
    EXPECT_EQ(c.max_tags, 10U);
    EXPECT_DOUBLE_EQ(c.min_score, 0.2);
    EXPECT_TRUE(c.entities);
    EXPECT_TRUE(c.keywords);
    EXPECT_EQ(c.max_terms, 200000U);
    EXPECT_EQ(c.save_every, 500U);
    EXPECT_EQ(c.language, "");
  }
}

TEST(TaggerConfig, ReadsEveryKey) {
  const Config c = parse_config(R"({"rules": "tagger/rules.toml", "max_tags": 5,
    "min_score": 0.35, "entities": false, "keywords": false, "max_terms": 5000,
    "save_every": 20, "language": "en-GB"})");
  EXPECT_EQ(c.rules, "tagger/rules.toml");
  EXPECT_EQ(c.max_tags, 5U);
  EXPECT_DOUBLE_EQ(c.min_score, 0.35);
  EXPECT_FALSE(c.entities);
  EXPECT_FALSE(c.keywords);
  EXPECT_EQ(c.max_terms, 5000U);
  EXPECT_EQ(c.save_every, 20U);
  EXPECT_EQ(c.language, "en-GB");
}

TEST(TaggerConfig, UnknownKeyIsRefusedByName) {
  const std::string message = error_of(R"({"max_tag": 5})");
  EXPECT_NE(message.find("`max_tag`"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown"), std::string::npos) << message;
}

TEST(TaggerConfig, BadValuesAreRefusedNamingTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"max_tags": "10"})", "`max_tags`"},
      {R"({"max_tags": 0})", "`max_tags`"},
      {R"({"max_tags": 65})", "`max_tags`"},
      {R"({"max_tags": 2.5})", "`max_tags`"},
      {R"({"max_tags": -3})", "`max_tags`"},
      {R"({"min_score": 1.5})", "`min_score`"},
      {R"({"min_score": "low"})", "`min_score`"},
      {R"({"entities": "yes"})", "`entities`"},
      {R"({"keywords": 1})", "`keywords`"},
      {R"({"max_terms": 10})", "`max_terms`"},
      {R"({"save_every": 0})", "`save_every`"},
      {R"({"language": "e n"})", "`language`"},
      {R"({"language": ""})", "`language`"},
      {R"({"rules": 3})", "`rules`"},
      {R"({"rules": ""})", "`rules`"},
  };
  for (const auto& [json, key] : cases) {
    const std::string message = error_of(json);
    EXPECT_NE(message.find(key), std::string::npos) << json << " -> " << message;
  }
}

TEST(TaggerConfig, TextThatIsNotAJsonObjectIsRefused) {
  EXPECT_NE(error_of("{\"max_tags\": "), "");
  EXPECT_NE(error_of("[1, 2]").find("JSON object"), std::string::npos);
  EXPECT_NE(error_of("\"rules\"").find("JSON object"), std::string::npos);
}

} // namespace
} // namespace feedwire::tagger
