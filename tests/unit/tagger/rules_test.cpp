#include "feedwire/plugin.hpp"
#include "tagger/document.hpp"
#include "tagger/rules.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace feedwire::tagger {
namespace {

std::vector<std::string> tags_of(const RuleSet& rules, std::string_view title,
                                 std::string_view text) {
  std::vector<std::string> out;
  for (const RuleTag& t : rules.match(analyse(title, text))) {
    out.push_back(t.tag);
  }
  return out;
}

// The ConfigError message of parsing `toml`, or "" when it parses.
std::string error_of(std::string_view toml) {
  try {
    (void)RuleSet::parse(toml, "rules.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TaggerRules, PhrasesMatchWholeWordsIgnoringCase) {
  const RuleSet rules = RuleSet::parse(R"(
[[rule]]
tag = "north-korea"
phrases = ["north korea"]
)",
                                       "rules.toml");
  EXPECT_EQ(tags_of(rules, "", "Tensions rose in NORTH KOREA on Monday."),
            std::vector<std::string>{"north-korea"});
  EXPECT_EQ(tags_of(rules, "", "North Korea's leader spoke."),
            std::vector<std::string>{"north-korea"});
  EXPECT_TRUE(tags_of(rules, "", "North Koreans voted.").empty());
  EXPECT_TRUE(tags_of(rules, "", "We went north. Korea was next.").empty());
  EXPECT_TRUE(tags_of(rules, "", "They flew north, korea bound.").empty());
}

TEST(TaggerRules, RegexesUseInlineFlagsAndStayWithinALine) {
  const RuleSet rules = RuleSet::parse(R"(
[[rule]]
tag = "cve"
regex = ['\bCVE-\d{4}-\d{4,}\b']

[[rule]]
tag = "rates"
regex = ['(?i)basis points']

[[rule]]
tag = "across"
regex = ['alpha.*omega']
)",
                                       "rules.toml");
  EXPECT_EQ(tags_of(rules, "", "The patch fixes CVE-2024-12345 in the parser."),
            std::vector<std::string>{"cve"});
  EXPECT_TRUE(tags_of(rules, "", "The patch fixes cve-2024-12345 in the parser.").empty());
  EXPECT_EQ(tags_of(rules, "Rates up 25 Basis Points", ""), std::vector<std::string>{"rates"});
  EXPECT_TRUE(tags_of(rules, "", "It began with alpha.\nIt ended with omega.").empty());
  EXPECT_EQ(tags_of(rules, "", "From alpha to omega."), std::vector<std::string>{"across"});
}

TEST(TaggerRules, FieldsLimitWhereARuleLooks) {
  const RuleSet rules = RuleSet::parse(R"(
[[rule]]
tag = "in-title"
phrases = ["final"]
fields = ["title"]

[[rule]]
tag = "in-text"
phrases = ["final"]
fields = "text"
)",
                                       "rules.toml");
  EXPECT_EQ(tags_of(rules, "The final", "Nothing here."), std::vector<std::string>{"in-title"});
  EXPECT_EQ(tags_of(rules, "Nothing", "It was the final."), std::vector<std::string>{"in-text"});
}

TEST(TaggerRules, LabelAndScoreHaveDefaults) {
  const RuleSet rules = RuleSet::parse(R"(
[[rule]]
tag = "floods"
phrases = ["flood"]

[[rule]]
tag = "weather"
label = "Weather"
phrases = ["flood"]
score = 0.4
)",
                                       "rules.toml");
  const std::vector<RuleTag> tags = rules.match(analyse("", "A flood hit the town."));
  ASSERT_EQ(tags.size(), 2U);
  EXPECT_EQ(tags[0].label, "floods");
  EXPECT_DOUBLE_EQ(tags[0].score, 1.0);
  EXPECT_EQ(tags[1].label, "Weather");
  EXPECT_DOUBLE_EQ(tags[1].score, 0.4);
}

TEST(TaggerRules, BoilerplateLinesAreNeverSearched) {
  const RuleSet rules = RuleSet::parse(R"(
[[rule]]
tag = "newsletter"
phrases = ["newsletter", "share this article"]
regex = ['(?i)cookies']
)",
                                       "rules.toml");
  EXPECT_TRUE(tags_of(rules, "",
                      "The council met on Monday.\nSubscribe to our newsletter\n"
                      "Share this article\nWe use cookies to improve your experience.\n"
                      "Source link")
                  .empty());
}

TEST(TaggerRules, ErrorsNameTheFileTheRuleAndTheLine) {
  const std::string missing_tag = error_of(R"([[rule]]
tag = "ok"
phrases = ["a"]

[[rule]]
phrases = ["b"]
)");
  EXPECT_NE(missing_tag.find("rules.toml"), std::string::npos) << missing_tag;
  EXPECT_NE(missing_tag.find("rule 2"), std::string::npos) << missing_tag;
  EXPECT_NE(missing_tag.find("line 5"), std::string::npos) << missing_tag;
  EXPECT_NE(missing_tag.find("`tag`"), std::string::npos) << missing_tag;

  const std::string bad_regex = error_of(R"([[rule]]
tag = "x"
regex = ['(unclosed']
)");
  EXPECT_NE(bad_regex.find("rule 1"), std::string::npos) << bad_regex;
  EXPECT_NE(bad_regex.find("tag \"x\""), std::string::npos) << bad_regex;
  EXPECT_NE(bad_regex.find("line 3"), std::string::npos) << bad_regex;
  EXPECT_NE(bad_regex.find("regex"), std::string::npos) << bad_regex;

  const std::string syntax = error_of("[[rule]]\ntag = \"x\"\nphrases = [\"a\"\n");
  EXPECT_NE(syntax.find("rules.toml"), std::string::npos) << syntax;
  EXPECT_NE(syntax.find("line "), std::string::npos) << syntax;

  EXPECT_NE(error_of("[[rule]]\ntag = \"x\"\nphrase = [\"a\"]\n").find("unknown key `phrase`"),
            std::string::npos);
  EXPECT_NE(error_of("[[rule]]\ntag = \"x\"\nphrases = [\"a\"]\nscore = 1.5\n").find("`score`"),
            std::string::npos);
  EXPECT_NE(error_of("[[rule]]\ntag = \"x\"\nphrases = [\"a\"]\nscore = 0\n").find("`score`"),
            std::string::npos);
  EXPECT_NE(error_of("[[rule]]\ntag = \"x\"\n").find("neither"), std::string::npos);
  EXPECT_NE(error_of("[[rule]]\ntag = \"x\"\nphrases = [\"a\"]\nfields = [\"body\"]\n")
                .find("unknown field \"body\""),
            std::string::npos);
  EXPECT_NE(error_of("[[rule]]\ntag = \"\"\nphrases = [\"a\"]\n").find("`tag`"), std::string::npos);
  EXPECT_NE(error_of("[[rule]]\ntag = \"x\"\nphrases = [\"...\"]\n").find("no words"),
            std::string::npos);
  EXPECT_NE(error_of("tag = \"x\"\n").find("unknown key `tag`"), std::string::npos);
  EXPECT_EQ(error_of(""), "");
}

TEST(TaggerRules, LoadsAFileAndNamesAMissingOne) {
  char pattern[] = "/tmp/fw-tagger-rules-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path dir = pattern;
  const std::filesystem::path file = dir / "rules.toml";
  std::ofstream(file) << "[[rule]]\ntag = \"ecb\"\nphrases = [\"european central bank\"]\n";
  const RuleSet rules = RuleSet::load(file);
  EXPECT_EQ(rules.size(), 1U);
  EXPECT_EQ(tags_of(rules, "", "The European Central Bank held rates."),
            std::vector<std::string>{"ecb"});

  try {
    (void)RuleSet::load(dir / "missing.toml");
    ADD_FAILURE() << "a missing rules file must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.toml"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(TaggerRules, TheExampleRulesFileIsValid) {
  const RuleSet rules =
      RuleSet::load(std::filesystem::path(FW_SOURCE_DIR) / "plugins/tagger/examples/rules.toml");
  EXPECT_EQ(rules.size(), 6U);
  EXPECT_EQ(tags_of(rules, "", "A fix for CVE-2024-3094 shipped today."),
            std::vector<std::string>{"security-advisory"});
  EXPECT_EQ(tags_of(rules, "", "The Fed raised rates by 25 basis points."),
            (std::vector<std::string>{"interest-rates", "central-banks"}));
}

} // namespace
} // namespace feedwire::tagger
