// The filter plugin's rules, and the plugin driven through its C entry point. Plugins cannot
// link the daemon, so a small host table over an in-memory story stands in for feedwired's.

#include "filter/filter.hpp"

#include <gtest/gtest.h>
#include <map>
#include <string>
#include <utility>
#include <vector>

struct fw_story {
  std::map<fw_field, std::string> fields;
  std::map<fw_list, std::vector<std::string>> lists;
  std::vector<std::pair<std::string, std::string>> attrs;
};

namespace {

using feedwire::ConfigError;
using feedwire::filter::Action;
using feedwire::filter::Clock;
using feedwire::filter::Decision;
using feedwire::filter::Filter;
using namespace std::chrono_literals;

std::vector<std::pair<std::int32_t, std::string>> g_log;

fw_str field(const fw_story* s, fw_field f) {
  const auto it = s->fields.find(f);
  return it == s->fields.end() ? fw_str{nullptr, 0} : feedwire::str(it->second);
}
size_t list_size(const fw_story* s, fw_list l) {
  const auto it = s->lists.find(l);
  return it == s->lists.end() ? 0 : it->second.size();
}
fw_str list_item(const fw_story* s, fw_list l, size_t i) {
  const auto it = s->lists.find(l);
  return it == s->lists.end() || i >= it->second.size() ? fw_str{nullptr, 0}
                                                        : feedwire::str(it->second[i]);
}
fw_status add_tag(fw_story*, fw_str, fw_str, double) {
  return FW_OK;
}
fw_status set_summary(fw_story*, fw_str) {
  return FW_OK;
}
fw_status set_attr(fw_story* s, fw_str key, fw_str json) {
  s->attrs.emplace_back(feedwire::view(key), feedwire::view(json));
  return FW_OK;
}
void log(const fw_host_v1*, int32_t level, fw_str message) {
  g_log.emplace_back(level, feedwire::view(message));
}
fw_str no_dir(const fw_host_v1*) {
  return fw_str{nullptr, 0};
}

const fw_host_v1 k_host{sizeof(fw_host_v1), FW_ABI_MINOR, log,     field,
                        list_size,          list_item,    add_tag, set_summary,
                        set_attr,           no_dir,       no_dir};

// 2024-05-10T12:00:00Z, the "now" of every age test.
const Clock::time_point k_now = Clock::time_point(std::chrono::seconds(1715342400));
Clock::time_point fixed_now() {
  return k_now;
}

fw_story story(std::string title) {
  fw_story s;
  s.fields[FW_FIELD_STORY_ID] = "0123456789abcdef";
  s.fields[FW_FIELD_FEED_ID] = "wire";
  s.fields[FW_FIELD_TITLE] = std::move(title);
  return s;
}

Decision decide(Filter& f, fw_story& s) {
  const feedwire::Story view(&k_host, &s);
  return f.decide(view);
}

std::string config_error(std::string_view config) {
  try {
    Filter f(config, fixed_now);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(Filter, DropsTitleMatchingCaseInsensitiveRegex) {
  Filter f(
      R"({"rules": [{"drop": true, "field": "title", "regex": "(?i)sponsored|advertorial"}]})");
  fw_story ad = story("A SPONSORED look at mattresses");
  fw_story news = story("Parliament passes budget");
  const Decision d = decide(f, ad);
  EXPECT_EQ(d.action, Action::drop);
  EXPECT_EQ(d.rule, 0U);
  EXPECT_EQ(decide(f, news).action, Action::keep);
  EXPECT_EQ(decide(f, news).rule, std::nullopt);
}

TEST(Filter, FirstMatchingRuleDecides) {
  Filter f(R"({"rules": [{"keep": true, "tag": "north-korea"},
                         {"drop": true, "field": "title", "contains": "Missile"}]})");
  fw_story tagged = story("Missile test");
  tagged.lists[FW_LIST_TAGS] = {"north-korea"};
  fw_story untagged = story("Missile test");
  EXPECT_EQ(decide(f, tagged).action, Action::keep);
  EXPECT_EQ(decide(f, tagged).rule, 0U);
  EXPECT_EQ(decide(f, untagged).action, Action::drop);
  EXPECT_EQ(decide(f, untagged).rule, 1U);
  EXPECT_EQ(f.matches(0), 2U);
  EXPECT_EQ(f.matches(1), 2U);
}

TEST(Filter, DefaultDropKeepsOnlyWhatARuleKeeps) {
  Filter f(R"({"rules": [{"keep": true, "field": "feed_id", "equals": "wire"}],
               "default": "drop"})");
  fw_story from_wire = story("x");
  fw_story other = story("x");
  other.fields[FW_FIELD_FEED_ID] = "blog";
  EXPECT_EQ(decide(f, from_wire).action, Action::keep);
  EXPECT_EQ(decide(f, other).action, Action::drop);
  EXPECT_EQ(f.defaulted(), 1U);
  EXPECT_EQ(f.default_action(), Action::drop);
}

TEST(Filter, NoRulesKeepsEverything) {
  Filter f("{}");
  fw_story s = story("anything");
  EXPECT_EQ(decide(f, s).action, Action::keep);
  EXPECT_EQ(f.rule_count(), 0U);
}

TEST(Filter, MaxAgeMatchesStoriesOlderThanTheLimit) {
  Filter f(R"({"rules": [{"drop": true, "max_age": "7d"}]})", fixed_now);
  fw_story old_story = story("old");
  old_story.fields[FW_FIELD_PUBLISHED] = "2024-05-01T12:00:00Z"; // 9 days before now
  fw_story fresh = story("fresh");
  fresh.fields[FW_FIELD_PUBLISHED] = "2024-05-09T12:00:00Z";
  fw_story at_limit = story("exactly seven days");
  at_limit.fields[FW_FIELD_PUBLISHED] = "2024-05-03T12:00:00Z";
  EXPECT_EQ(decide(f, old_story).action, Action::drop);
  EXPECT_EQ(decide(f, fresh).action, Action::keep);
  EXPECT_EQ(decide(f, at_limit).action, Action::keep);
}

TEST(Filter, AgeUsesUpdatedWhenPublishedIsMissingOrUnreadable) {
  Filter f(R"({"rules": [{"drop": true, "max_age": "1d"}]})", fixed_now);
  fw_story updated_only = story("u");
  updated_only.fields[FW_FIELD_UPDATED] = "2024-05-01T00:00:00Z";
  fw_story unreadable = story("u");
  unreadable.fields[FW_FIELD_PUBLISHED] = "yesterday";
  unreadable.fields[FW_FIELD_UPDATED] = "2024-05-01T00:00:00+02:00";
  EXPECT_EQ(decide(f, updated_only).action, Action::drop);
  EXPECT_EQ(decide(f, unreadable).action, Action::drop);
}

TEST(Filter, StoryWithoutDatesNeverMatchesAnAgeCondition) {
  Filter f(R"({"rules": [{"drop": true, "max_age": "1d"}, {"drop": true, "min_age": "1d"},
                         {"drop": true, "max_age": "1d", "invert": true}]})",
           fixed_now);
  fw_story undated = story("no dates");
  const Decision d = decide(f, undated);
  // Only the inverted rule matches: its condition does not hold.
  EXPECT_EQ(d.action, Action::drop);
  EXPECT_EQ(d.rule, 2U);
}

TEST(Filter, MinAgeMatchesStoriesYoungerThanTheLimit) {
  Filter f(R"({"rules": [{"drop": true, "min_age": "30m"}]})", fixed_now);
  fw_story young = story("young");
  young.fields[FW_FIELD_PUBLISHED] = "2024-05-10T11:45:00Z";
  fw_story future = story("from the future");
  future.fields[FW_FIELD_PUBLISHED] = "2024-05-11T00:00:00Z";
  fw_story older = story("older");
  older.fields[FW_FIELD_PUBLISHED] = "2024-05-10T11:00:00Z";
  EXPECT_EQ(decide(f, young).action, Action::drop);
  EXPECT_EQ(decide(f, future).action, Action::drop);
  EXPECT_EQ(decide(f, older).action, Action::keep);
}

TEST(Filter, LanguageMatchesTagPrefixesOnSubtagBoundaries) {
  Filter f(R"({"rules": [{"drop": true, "language": ["de", "fr"]}]})");
  const auto with_language = [](const char* lang) {
    fw_story s = story("x");
    s.fields[FW_FIELD_LANGUAGE] = lang;
    return s;
  };
  for (const char* lang : {"de", "de-AT", "DE_ch", "fr"}) {
    fw_story s = with_language(lang);
    EXPECT_EQ(decide(f, s).action, Action::drop) << lang;
  }
  for (const char* lang : {"dev", "en-US", "", "f"}) {
    fw_story s = with_language(lang);
    EXPECT_EQ(decide(f, s).action, Action::keep) << lang;
  }
  fw_story none = story("no language");
  EXPECT_EQ(decide(f, none).action, Action::keep);
}

TEST(Filter, TagMatchesEarlierTagsAndSlugifiedCategories) {
  Filter f(R"({"rules": [{"keep": true, "tag": ["North Korea", "world-news"]}],
               "default": "drop"})");
  fw_story tagged = story("a");
  tagged.lists[FW_LIST_TAGS] = {"sanctions", "north-korea"};
  fw_story categorised = story("b");
  categorised.lists[FW_LIST_CATEGORIES] = {"World News"};
  fw_story neither = story("c");
  neither.lists[FW_LIST_CATEGORIES] = {"World"};
  neither.lists[FW_LIST_TAGS] = {"korea"};
  EXPECT_EQ(decide(f, tagged).action, Action::keep);
  EXPECT_EQ(decide(f, categorised).action, Action::keep);
  EXPECT_EQ(decide(f, neither).action, Action::drop);
}

TEST(Filter, ContainsIsCaseSensitiveUnlessToldOtherwise) {
  Filter exact(R"({"rules": [{"drop": true, "field": "text", "contains": "Casino"}]})");
  Filter folded(R"({"rules": [{"drop": true, "field": "text", "contains": "Casino",
                               "case_sensitive": false}]})");
  fw_story s = story("x");
  s.fields[FW_FIELD_TEXT] = "Win big at the CASINO tonight";
  EXPECT_EQ(decide(exact, s).action, Action::keep);
  EXPECT_EQ(decide(folded, s).action, Action::drop);
}

TEST(Filter, RegexCaseSensitiveFalseIgnoresCase) {
  Filter f(R"({"rules": [{"drop": true, "field": "title", "regex": "^breaking:",
                          "case_sensitive": false}]})");
  fw_story s = story("BREAKING: storm");
  fw_story later = story("Not breaking: calm");
  EXPECT_EQ(decide(f, s).action, Action::drop);
  EXPECT_EQ(decide(f, later).action, Action::keep);
}

TEST(Filter, EqualsComparesTheWholeFieldAndAMissingFieldReadsEmpty) {
  Filter f(R"({"rules": [{"drop": true, "field": "link", "equals": ""},
                         {"drop": true, "field": "title", "equals": "Weather"}]})");
  fw_story no_link = story("x");
  fw_story weather = story("Weather");
  weather.fields[FW_FIELD_LINK] = "https://example.org/w";
  fw_story weather_report = story("Weather report");
  weather_report.fields[FW_FIELD_LINK] = "https://example.org/r";
  EXPECT_EQ(decide(f, no_link).rule, 0U);
  EXPECT_EQ(decide(f, weather).rule, 1U);
  EXPECT_EQ(decide(f, weather_report).action, Action::keep);
}

TEST(Filter, ListFieldsMatchWhenAnyEntryMatches) {
  Filter f(R"({"rules": [{"drop": true, "field": "author", "equals": "PR Desk"},
                         {"drop": true, "field": "category", "regex": "^Promo"}]})");
  fw_story pr = story("x");
  pr.lists[FW_LIST_AUTHORS] = {"Jane Roe", "PR Desk"};
  fw_story promo = story("y");
  promo.lists[FW_LIST_CATEGORIES] = {"World", "Promotions"};
  fw_story plain = story("z");
  plain.lists[FW_LIST_AUTHORS] = {"Jane Roe"};
  EXPECT_EQ(decide(f, pr).rule, 0U);
  EXPECT_EQ(decide(f, promo).rule, 1U);
  EXPECT_EQ(decide(f, plain).action, Action::keep);
}

TEST(Filter, AllConditionsOfARuleMustHold) {
  Filter f(R"({"rules": [{"drop": true, "language": "en", "field": "title", "contains": "deal",
                          "max_age": "1d"}]})",
           fixed_now);
  fw_story all = story("Black Friday deal");
  all.fields[FW_FIELD_LANGUAGE] = "en-GB";
  all.fields[FW_FIELD_PUBLISHED] = "2024-05-01T00:00:00Z";
  fw_story wrong_language = all;
  wrong_language.fields[FW_FIELD_LANGUAGE] = "nl";
  fw_story recent = all;
  recent.fields[FW_FIELD_PUBLISHED] = "2024-05-10T11:00:00Z";
  EXPECT_EQ(decide(f, all).action, Action::drop);
  EXPECT_EQ(decide(f, wrong_language).action, Action::keep);
  EXPECT_EQ(decide(f, recent).action, Action::keep);
}

TEST(Filter, InvertMatchesWhenTheConditionsDoNotHold) {
  Filter f(R"({"rules": [{"drop": true, "invert": true, "language": "en"}]})");
  fw_story english = story("x");
  english.fields[FW_FIELD_LANGUAGE] = "en";
  fw_story german = story("y");
  german.fields[FW_FIELD_LANGUAGE] = "de";
  EXPECT_EQ(decide(f, english).action, Action::keep);
  EXPECT_EQ(decide(f, german).action, Action::drop);
}

TEST(Filter, TheDocumentedExampleWorksAsDescribed) {
  Filter f(R"({"rules": [{"drop": true, "field": "title", "regex": "(?i)sponsored|advertorial"},
                         {"keep": true, "tag": "north-korea"},
                         {"drop": true, "max_age": "7d"},
                         {"drop": true, "language": ["de", "fr"]},
                         {"drop": true, "field": "text", "contains": "casino",
                          "case_sensitive": false}],
               "default": "keep"})",
           fixed_now);
  ASSERT_EQ(f.rule_count(), 5U);
  fw_story advertorial = story("An ADVERTORIAL");
  fw_story old_korea = story("Pyongyang parade");
  old_korea.lists[FW_LIST_CATEGORIES] = {"North Korea"};
  old_korea.fields[FW_FIELD_PUBLISHED] = "2024-01-01T00:00:00Z";
  fw_story old_story = story("Old");
  old_story.fields[FW_FIELD_PUBLISHED] = "2024-01-01T00:00:00Z";
  fw_story french = story("Bonjour");
  french.fields[FW_FIELD_LANGUAGE] = "fr-CA";
  fw_story casino = story("Night out");
  casino.fields[FW_FIELD_TEXT] = "A new Casino opens";
  fw_story plain = story("Budget passes");
  plain.fields[FW_FIELD_LANGUAGE] = "en";
  plain.fields[FW_FIELD_PUBLISHED] = "2024-05-10T08:00:00Z";
  EXPECT_EQ(decide(f, advertorial).rule, 0U);
  EXPECT_EQ(decide(f, old_korea).rule, 1U);
  EXPECT_EQ(decide(f, old_story).rule, 2U);
  EXPECT_EQ(decide(f, french).rule, 3U);
  EXPECT_EQ(decide(f, casino).rule, 4U);
  const Decision d = decide(f, plain);
  EXPECT_EQ(d.action, Action::keep);
  EXPECT_EQ(d.rule, std::nullopt);
}

TEST(FilterConfig, BadRegexNamesTheRuleAndKey) {
  const std::string e = config_error(R"({"rules": [{"drop": true, "max_age": "1d"},
                                 {"drop": true, "field": "title", "regex": "(unclosed"}]})");
  EXPECT_NE(e.find("rules[1].regex"), std::string::npos) << e;
  EXPECT_NE(e.find("(unclosed"), std::string::npos) << e;
}

TEST(FilterConfig, RefusesUnknownKeysAndFields) {
  EXPECT_NE(config_error(R"({"rules": [{"drop": true, "feild": "title"}]})")
                .find("rules[0].feild: unknown key"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"rules": [{"drop": true, "field": "body", "contains": "x"}]})")
                .find("rules[0].field: unknown field \"body\""),
            std::string::npos);
  EXPECT_NE(config_error(R"({"rulez": []})").find("unknown key \"rulez\""), std::string::npos);
}

TEST(FilterConfig, RefusesRulesWithoutActionOrCondition) {
  EXPECT_NE(config_error(R"({"rules": [{"drop": true}]})").find("rules[0]: has no condition"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"rules": [{"max_age": "1d"}]})").find("rules[0]: needs an action"),
            std::string::npos);
  EXPECT_NE(
      config_error(R"({"rules": [{"keep": true, "drop": true, "tag": "x"}]})").find("not both"),
      std::string::npos);
  EXPECT_NE(config_error(R"({"rules": [{"drop": false, "tag": "x"}]})").find("rules[0].drop"),
            std::string::npos);
}

TEST(FilterConfig, RefusesIncompleteOrConflictingTextConditions) {
  EXPECT_NE(config_error(R"({"rules": [{"drop": true, "field": "title"}]})")
                .find("rules[0].field: needs one of regex, contains or equals"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"rules": [{"drop": true, "contains": "x"}]})")
                .find("rules[0].contains: needs a \"field\""),
            std::string::npos);
  EXPECT_NE(config_error(R"({"rules": [{"drop": true, "field": "title", "contains": "x",
                                        "regex": "y"}]})")
                .find("one of regex, contains and equals"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"rules": [{"drop": true, "tag": "x", "case_sensitive": false}]})")
                .find("rules[0].case_sensitive"),
            std::string::npos);
}

TEST(FilterConfig, RefusesBadValues) {
  EXPECT_NE(config_error(R"({"rules": [{"drop": true, "max_age": "7 days"}]})")
                .find("rules[0].max_age: \"7 days\" is not a duration"),
            std::string::npos);
  EXPECT_NE(
      config_error(R"({"rules": [{"drop": true, "language": []}]})").find("rules[0].language"),
      std::string::npos);
  EXPECT_NE(config_error(R"({"rules": [{"drop": true, "tag": "!!"}]})").find("rules[0].tag"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"default": "maybe"})").find("default"), std::string::npos);
  EXPECT_NE(config_error("[1]").find("JSON object"), std::string::npos);
  EXPECT_NE(config_error("{").find("not valid JSON"), std::string::npos);
}

TEST(FilterParsing, DurationsSumTheirParts) {
  using feedwire::filter::parse_duration;
  EXPECT_EQ(parse_duration("90s"), 90s);
  EXPECT_EQ(parse_duration("30m"), 30min);
  EXPECT_EQ(parse_duration("12h"), 12h);
  EXPECT_EQ(parse_duration("7d"), 168h);
  EXPECT_EQ(parse_duration("2w"), 336h);
  EXPECT_EQ(parse_duration("1d12h"), 36h);
  for (const char* bad : {"", "7", "d", "7x", "-1d", "1.5h", "7d ", "99999999999999999999s"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
  }
}

TEST(FilterParsing, Rfc3339DatesWithOffsetsAndFractions) {
  using feedwire::filter::parse_rfc3339;
  EXPECT_EQ(parse_rfc3339("2024-05-10T12:00:00Z"), k_now);
  EXPECT_EQ(parse_rfc3339("2024-05-10T14:00:00+02:00"), k_now);
  EXPECT_EQ(parse_rfc3339("2024-05-10t07:30:00-04:30"), k_now);
  EXPECT_EQ(parse_rfc3339("2024-05-10T12:00:00.250Z"), k_now + 250ms);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), Clock::time_point{});
  for (const char* bad : {"", "2024-05-10", "2024-13-01T00:00:00Z", "2024-05-10T12:00:00",
                          "2024-05-10T12:00:00Zjunk", "Fri, 10 May 2024 12:00:00 GMT"}) {
    EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
  }
}

// The plugin through its C entry point, as feedwired calls it.
class FilterPluginTest : public ::testing::Test {
protected:
  void SetUp() override {
    g_log.clear();
    plugin.struct_size = sizeof plugin;
    ASSERT_EQ(feedwire::detail::entry<feedwire::filter::Plugin>(&k_host, &plugin), FW_OK);
  }
  void TearDown() override {
    if (state != nullptr) {
      plugin.destroy(state);
    }
  }
  fw_status create(std::string_view config) {
    return plugin.create(&k_host, feedwire::str(config), &state);
  }
  fw_plugin_v1 plugin{};
  void* state = nullptr;
};

TEST_F(FilterPluginTest, DropsAndLogsTheRuleAtDebug) {
  ASSERT_EQ(create(R"({"rules": [{"drop": true, "field": "title", "contains": "ad"}]})"), FW_OK);
  fw_story s = story("an ad");
  fw_verdict verdict = FW_KEEP;
  ASSERT_EQ(plugin.process(state, &s, &verdict), FW_OK);
  EXPECT_EQ(verdict, FW_DROP);
  ASSERT_FALSE(g_log.empty());
  EXPECT_EQ(g_log.back().first, FW_LOG_DEBUG);
  EXPECT_EQ(g_log.back().second, "story=0123456789abcdef feed=wire dropped rule=0");
}

TEST_F(FilterPluginTest, KeepByRuleSetsTheRuleAttribute) {
  ASSERT_EQ(create(R"({"rules": [{"drop": true, "field": "title", "contains": "ad"},
                                 {"keep": true, "field": "title", "contains": "news"}]})"),
            FW_OK);
  fw_story news = story("news");
  fw_story other = story("other");
  fw_verdict verdict = FW_DROP;
  ASSERT_EQ(plugin.process(state, &news, &verdict), FW_OK);
  EXPECT_EQ(verdict, FW_KEEP);
  ASSERT_EQ(news.attrs.size(), 1U);
  EXPECT_EQ(news.attrs[0], (std::pair<std::string, std::string>("rule", "1")));
  ASSERT_EQ(plugin.process(state, &other, &verdict), FW_OK);
  EXPECT_EQ(verdict, FW_KEEP);
  EXPECT_TRUE(other.attrs.empty());
}

TEST_F(FilterPluginTest, LogsRuleCountsWhenDestroyed) {
  ASSERT_EQ(create(R"({"rules": [{"drop": true, "field": "title", "contains": "ad"}]})"), FW_OK);
  fw_story ad = story("ad");
  fw_story news = story("news");
  fw_verdict verdict = FW_KEEP;
  ASSERT_EQ(plugin.process(state, &ad, &verdict), FW_OK);
  ASSERT_EQ(plugin.process(state, &news, &verdict), FW_OK);
  plugin.destroy(state);
  state = nullptr;
  ASSERT_FALSE(g_log.empty());
  EXPECT_EQ(g_log.back().first, FW_LOG_INFO);
  EXPECT_EQ(g_log.back().second, "stories decided: rule0=1 default=1");
}

TEST_F(FilterPluginTest, BadConfigFailsCreateWithTheReason) {
  EXPECT_EQ(create(R"({"rules": [{"drop": true, "field": "title", "regex": "["}]})"),
            FW_ERR_CONFIG);
  EXPECT_EQ(state, nullptr);
  ASSERT_FALSE(g_log.empty());
  EXPECT_EQ(g_log.back().first, FW_LOG_ERROR);
  EXPECT_NE(g_log.back().second.find("rules[0].regex"), std::string::npos);
}

} // namespace
