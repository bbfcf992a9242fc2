// The filter plugin's rules, and the plugin driven through its C entry point, both on stories
// served by feedwired's own host table (plugin_host::HostTable), as feedwired serves them.

#include "filter/filter.hpp"
#include "plugin_host/plugin.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace {

using feedwire::ConfigError;
using feedwire::filter::Action;
using feedwire::filter::Clock;
using feedwire::filter::Decision;
using feedwire::filter::Filter;
using fw::plugin_host::Additions;
using fw::plugin_host::HostTable;
using fw::plugin_host::Outcome;
using fw::plugin_host::StoryView;
using namespace std::chrono_literals;

// 2024-05-10T12:00:00Z, the "now" of every age test.
const Clock::time_point k_now = Clock::time_point(std::chrono::seconds(1715342400));
Clock::time_point fixed_now() {
  return k_now;
}

// A UTC date and time of day, as a story's `published` or `updated`.
fw::model::Timestamp utc(std::chrono::year_month_day day, std::chrono::seconds time = {}) {
  return std::chrono::sys_days(day) + time;
}

// A story as feedwired hands it to plugins: the item, the feed's id and language, and the tags
// earlier plugins gave it.
struct Input {
  fw::model::Story item;
  std::string feed_id = "wire";
  std::string language; // empty: the feed states none
  Additions earlier;

  [[nodiscard]] StoryView view() const {
    return StoryView{&item, "0123456789abcdef", feed_id, "", language};
  }
  void tags(std::initializer_list<const char*> slugs) {
    for (const char* slug : slugs) {
      earlier.tags.push_back(fw::model::Tag{slug, slug, 1.0, "tagger"});
    }
  }
  void authors(std::initializer_list<const char*> names) {
    for (const char* name : names) {
      item.authors.push_back(fw::model::Author{name, std::nullopt, std::nullopt});
    }
  }
};

Input story(std::string title) {
  Input s;
  s.item.title = std::move(title);
  return s;
}

// The filter's decision for `s`, read through feedwired's host table.
Decision decide(Filter& f, const Input& s) {
  Decision d;
  Additions additions = s.earlier;
  const Outcome out = fw::plugin_host::run_with_host(
      "filter", {}, s.view(), additions, [&](const fw_host_v1* host, fw_story* story, fw_verdict*) {
        d = f.decide(feedwire::Story(host, story));
        return FW_OK;
      });
  EXPECT_EQ(out.status, FW_OK);
  return d;
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
  Input ad = story("A SPONSORED look at mattresses");
  Input news = story("Parliament passes budget");
  const Decision d = decide(f, ad);
  EXPECT_EQ(d.action, Action::drop);
  EXPECT_EQ(d.rule, 0U);
  EXPECT_EQ(decide(f, news).action, Action::keep);
  EXPECT_EQ(decide(f, news).rule, std::nullopt);
}

TEST(Filter, FirstMatchingRuleDecides) {
  Filter f(R"({"rules": [{"keep": true, "tag": "north-korea"},
                         {"drop": true, "field": "title", "contains": "Missile"}]})");
  Input tagged = story("Missile test");
  tagged.tags({"north-korea"});
  Input untagged = story("Missile test");
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
  Input from_wire = story("x");
  Input other = story("x");
  other.feed_id = "blog";
  EXPECT_EQ(decide(f, from_wire).action, Action::keep);
  EXPECT_EQ(decide(f, other).action, Action::drop);
  EXPECT_EQ(f.defaulted(), 1U);
  EXPECT_EQ(f.default_action(), Action::drop);
}

TEST(Filter, NoRulesKeepsEverything) {
  Filter f("{}");
  Input s = story("anything");
  EXPECT_EQ(decide(f, s).action, Action::keep);
  EXPECT_EQ(f.rule_count(), 0U);
}

TEST(Filter, MaxAgeMatchesStoriesOlderThanTheLimit) {
  Filter f(R"({"rules": [{"drop": true, "max_age": "7d"}]})", fixed_now);
  Input old_story = story("old");
  old_story.item.published = utc(2024y / 5 / 1, 12h); // 9 days before now
  Input fresh = story("fresh");
  fresh.item.published = utc(2024y / 5 / 9, 12h);
  Input at_limit = story("exactly seven days");
  at_limit.item.published = utc(2024y / 5 / 3, 12h);
  EXPECT_EQ(decide(f, old_story).action, Action::drop);
  EXPECT_EQ(decide(f, fresh).action, Action::keep);
  EXPECT_EQ(decide(f, at_limit).action, Action::keep);
}

TEST(Filter, AgeUsesUpdatedWhenPublishedIsMissingOrUnreadable) {
  Filter f(R"({"rules": [{"drop": true, "max_age": "1d"}]})", fixed_now);
  Input updated_only = story("u");
  updated_only.item.updated = utc(2024y / 5 / 1);
  Input unreadable = story("u");
  // feedwired writes a year past 9999 in ISO 8601's expanded form ("+10000-01-01T00:00:00Z"),
  // which is not RFC 3339: a `published` the filter cannot read.
  unreadable.item.published = utc(10000y / 1 / 1);
  unreadable.item.updated = utc(2024y / 4 / 30, 22h); // 2024-05-01T00:00:00+02:00
  EXPECT_EQ(decide(f, updated_only).action, Action::drop);
  EXPECT_EQ(decide(f, unreadable).action, Action::drop);
}

TEST(Filter, StoryWithoutDatesNeverMatchesAnAgeCondition) {
  Filter f(R"({"rules": [{"drop": true, "max_age": "1d"}, {"drop": true, "min_age": "1d"},
                         {"drop": true, "max_age": "1d", "invert": true}]})",
           fixed_now);
  Input undated = story("no dates");
  const Decision d = decide(f, undated);
  // Only the inverted rule matches: its condition does not hold.
  EXPECT_EQ(d.action, Action::drop);
  EXPECT_EQ(d.rule, 2U);
}

TEST(Filter, MinAgeMatchesStoriesYoungerThanTheLimit) {
  Filter f(R"({"rules": [{"drop": true, "min_age": "30m"}]})", fixed_now);
  Input young = story("young");
  young.item.published = utc(2024y / 5 / 10, 11h + 45min);
  Input future = story("from the future");
  future.item.published = utc(2024y / 5 / 11);
  Input older = story("older");
  older.item.published = utc(2024y / 5 / 10, 11h);
  EXPECT_EQ(decide(f, young).action, Action::drop);
  EXPECT_EQ(decide(f, future).action, Action::drop);
  EXPECT_EQ(decide(f, older).action, Action::keep);
}

TEST(Filter, LanguageMatchesTagPrefixesOnSubtagBoundaries) {
  Filter f(R"({"rules": [{"drop": true, "language": ["de", "fr"]}]})");
  const auto with_language = [](const char* lang) {
    Input s = story("x");
    s.language = lang;
    return s;
  };
  for (const char* lang : {"de", "de-AT", "DE_ch", "fr"}) {
    Input s = with_language(lang);
    EXPECT_EQ(decide(f, s).action, Action::drop) << lang;
  }
  for (const char* lang : {"dev", "en-US", "", "f"}) {
    Input s = with_language(lang);
    EXPECT_EQ(decide(f, s).action, Action::keep) << lang;
  }
  Input none = story("no language");
  EXPECT_EQ(decide(f, none).action, Action::keep);
}

TEST(Filter, TagMatchesEarlierTagsAndSlugifiedCategories) {
  Filter f(R"({"rules": [{"keep": true, "tag": ["North Korea", "world-news"]}],
               "default": "drop"})");
  Input tagged = story("a");
  tagged.tags({"sanctions", "north-korea"});
  Input categorised = story("b");
  categorised.item.categories = {"World News"};
  Input neither = story("c");
  neither.item.categories = {"World"};
  neither.tags({"korea"});
  EXPECT_EQ(decide(f, tagged).action, Action::keep);
  EXPECT_EQ(decide(f, categorised).action, Action::keep);
  EXPECT_EQ(decide(f, neither).action, Action::drop);
}

TEST(Filter, ContainsIsCaseSensitiveUnlessToldOtherwise) {
  Filter exact(R"({"rules": [{"drop": true, "field": "text", "contains": "Casino"}]})");
  Filter folded(R"({"rules": [{"drop": true, "field": "text", "contains": "Casino",
                               "case_sensitive": false}]})");
  Input s = story("x");
  s.item.text = "Win big at the CASINO tonight";
  EXPECT_EQ(decide(exact, s).action, Action::keep);
  EXPECT_EQ(decide(folded, s).action, Action::drop);
}

TEST(Filter, RegexCaseSensitiveFalseIgnoresCase) {
  Filter f(R"({"rules": [{"drop": true, "field": "title", "regex": "^breaking:",
                          "case_sensitive": false}]})");
  Input s = story("BREAKING: storm");
  Input later = story("Not breaking: calm");
  EXPECT_EQ(decide(f, s).action, Action::drop);
  EXPECT_EQ(decide(f, later).action, Action::keep);
}

TEST(Filter, EqualsComparesTheWholeFieldAndAMissingFieldReadsEmpty) {
  Filter f(R"({"rules": [{"drop": true, "field": "link", "equals": ""},
                         {"drop": true, "field": "title", "equals": "Weather"}]})");
  Input no_link = story("x");
  Input weather = story("Weather");
  weather.item.link = "https://example.org/w";
  Input weather_report = story("Weather report");
  weather_report.item.link = "https://example.org/r";
  EXPECT_EQ(decide(f, no_link).rule, 0U);
  EXPECT_EQ(decide(f, weather).rule, 1U);
  EXPECT_EQ(decide(f, weather_report).action, Action::keep);
}

TEST(Filter, ListFieldsMatchWhenAnyEntryMatches) {
  Filter f(R"({"rules": [{"drop": true, "field": "author", "equals": "PR Desk"},
                         {"drop": true, "field": "category", "regex": "^Promo"}]})");
  Input pr = story("x");
  pr.authors({"Jane Roe", "PR Desk"});
  Input promo = story("y");
  promo.item.categories = {"World", "Promotions"};
  Input plain = story("z");
  plain.authors({"Jane Roe"});
  EXPECT_EQ(decide(f, pr).rule, 0U);
  EXPECT_EQ(decide(f, promo).rule, 1U);
  EXPECT_EQ(decide(f, plain).action, Action::keep);
}

TEST(Filter, AllConditionsOfARuleMustHold) {
  Filter f(R"({"rules": [{"drop": true, "language": "en", "field": "title", "contains": "deal",
                          "max_age": "1d"}]})",
           fixed_now);
  Input all = story("Black Friday deal");
  all.language = "en-GB";
  all.item.published = utc(2024y / 5 / 1);
  Input wrong_language = all;
  wrong_language.language = "nl";
  Input recent = all;
  recent.item.published = utc(2024y / 5 / 10, 11h);
  EXPECT_EQ(decide(f, all).action, Action::drop);
  EXPECT_EQ(decide(f, wrong_language).action, Action::keep);
  EXPECT_EQ(decide(f, recent).action, Action::keep);
}

TEST(Filter, InvertMatchesWhenTheConditionsDoNotHold) {
  Filter f(R"({"rules": [{"drop": true, "invert": true, "language": "en"}]})");
  Input english = story("x");
  english.language = "en";
  Input german = story("y");
  german.language = "de";
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
  Input advertorial = story("An ADVERTORIAL");
  Input old_korea = story("Pyongyang parade");
  old_korea.item.categories = {"North Korea"};
  old_korea.item.published = utc(2024y / 1 / 1);
  Input old_story = story("Old");
  old_story.item.published = utc(2024y / 1 / 1);
  Input french = story("Bonjour");
  french.language = "fr-CA";
  Input casino = story("Night out");
  casino.item.text = "A new Casino opens";
  Input plain = story("Budget passes");
  plain.language = "en";
  plain.item.published = utc(2024y / 5 / 10, 8h);
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

// The plugin through its C entry point, as feedwired calls it, with feedwired's host table.
class FilterPluginTest : public ::testing::Test {
protected:
  void SetUp() override {
    plugin.struct_size = sizeof plugin;
    ASSERT_EQ(feedwire::detail::entry<feedwire::filter::Plugin>(host.get(), &plugin), FW_OK);
  }
  void TearDown() override {
    if (state != nullptr) {
      plugin.destroy(state);
    }
  }
  fw_status create(std::string_view config) {
    return plugin.create(host.get(), feedwire::str(config), &state);
  }
  // process() on `s`; *verdict holds `before` when it is called, the opposite of what a test
  // expects, so that the outcome shows the plugin set it.
  Outcome process(const Input& s, fw_verdict before, Additions& additions) {
    additions = s.earlier;
    return host.run(s.view(), additions,
                    [&](const fw_host_v1*, fw_story* story, fw_verdict* verdict) {
                      *verdict = before;
                      return plugin.process(state, story, verdict);
                    });
  }

  std::vector<std::pair<std::int32_t, std::string>> log;
  HostTable host{"filter", {}, [this](std::int32_t level, std::string_view line) {
                   log.emplace_back(level, line);
                 }};
  fw_plugin_v1 plugin{};
  void* state = nullptr;
};

TEST_F(FilterPluginTest, DropsAndLogsTheRuleAtDebug) {
  ASSERT_EQ(create(R"({"rules": [{"drop": true, "field": "title", "contains": "ad"}]})"), FW_OK);
  Additions added;
  const Outcome out = process(story("an ad"), FW_KEEP, added);
  ASSERT_EQ(out.status, FW_OK);
  EXPECT_TRUE(out.drop);
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().first, FW_LOG_DEBUG);
  EXPECT_EQ(log.back().second, "story=0123456789abcdef feed=wire dropped rule=0");
}

TEST_F(FilterPluginTest, KeepByRuleSetsTheRuleAttribute) {
  ASSERT_EQ(create(R"({"rules": [{"drop": true, "field": "title", "contains": "ad"},
                                 {"keep": true, "field": "title", "contains": "news"}]})"),
            FW_OK);
  Additions news;
  Outcome out = process(story("news"), FW_DROP, news);
  ASSERT_EQ(out.status, FW_OK);
  EXPECT_FALSE(out.drop);
  ASSERT_EQ(news.attrs.size(), 1U);
  EXPECT_EQ(news.attrs[0], (std::pair<std::string, std::string>("filter.rule", "1")));
  Additions other;
  out = process(story("other"), FW_DROP, other);
  ASSERT_EQ(out.status, FW_OK);
  EXPECT_FALSE(out.drop);
  EXPECT_TRUE(other.attrs.empty());
}

TEST_F(FilterPluginTest, LogsRuleCountsWhenDestroyed) {
  ASSERT_EQ(create(R"({"rules": [{"drop": true, "field": "title", "contains": "ad"}]})"), FW_OK);
  Additions added;
  ASSERT_EQ(process(story("ad"), FW_KEEP, added).status, FW_OK);
  ASSERT_EQ(process(story("news"), FW_KEEP, added).status, FW_OK);
  plugin.destroy(state);
  state = nullptr;
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().first, FW_LOG_INFO);
  EXPECT_EQ(log.back().second, "stories decided: rule0=1 default=1");
}

TEST_F(FilterPluginTest, BadConfigFailsCreateWithTheReason) {
  EXPECT_EQ(create(R"({"rules": [{"drop": true, "field": "title", "regex": "["}]})"),
            FW_ERR_CONFIG);
  EXPECT_EQ(state, nullptr);
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().first, FW_LOG_ERROR);
  EXPECT_NE(log.back().second.find("rules[0].regex"), std::string::npos);
}

} // namespace
