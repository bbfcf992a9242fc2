#include "feedwire/slug.hpp"
#include "tagger/document.hpp"
#include "tagger/entities.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace feedwire::tagger {
namespace {

std::vector<Entity> entities_of(std::string_view title, std::string_view text) {
  return find_entities(analyse(title, text)).entities;
}

std::vector<std::string> names_of(const std::vector<Entity>& entities) {
  std::vector<std::string> out;
  for (const Entity& e : entities) {
    out.push_back(e.name);
  }
  return out;
}

const Entity* find(const std::vector<Entity>& entities, std::string_view name) {
  const auto it = std::find_if(entities.begin(), entities.end(),
                               [&](const Entity& e) { return e.name == name; });
  return it == entities.end() ? nullptr : &*it;
}

::testing::AssertionResult has(const std::vector<Entity>& entities, std::string_view name) {
  if (find(entities, name) != nullptr) {
    return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure() << "no entity \"" << name << "\" among:";
  for (const Entity& e : entities) {
    failure << " [" << e.name << "]";
  }
  return failure;
}

TEST(TaggerEntities, PossessiveIsDropped) {
  const auto e = entities_of("", "Kim Jong Un's sister spoke on Tuesday. Officials said Kim Jong "
                                 "Un watched the launch.");
  ASSERT_TRUE(has(e, "Kim Jong Un"));
  EXPECT_EQ(find(e, "Kim Jong Un")->mentions, 2U);
  EXPECT_EQ(slugify(find(e, "Kim Jong Un")->name), "kim-jong-un");
  for (const Entity& entity : e) {
    EXPECT_EQ(entity.name.find('\''), std::string::npos) << entity.name;
  }
}

TEST(TaggerEntities, SentenceOpenersDoNotStartNames) {
  const auto e = entities_of("", "The European Central Bank held rates on Thursday. However, "
                                 "Christine Lagarde said cuts were not discussed. But Lagarde "
                                 "was cautious. After the meeting, the bank said little.");
  EXPECT_TRUE(has(e, "European Central Bank"));
  EXPECT_TRUE(has(e, "Christine Lagarde"));
  for (const std::string& name : names_of(e)) {
    for (const char* opener : {"The", "However", "But", "After"}) {
      EXPECT_FALSE(name.starts_with(opener)) << name;
    }
  }
}

TEST(TaggerEntities, LoneSentenceStartWordNeedsACapitalElsewhere) {
  const auto e = entities_of("", "Officials said the bridge was closed. Officials added that "
                                 "repairs would take weeks. Geneva hosted the talks. Delegates "
                                 "flew to Geneva on Monday.");
  EXPECT_FALSE(has(e, "Officials"));
  EXPECT_TRUE(has(e, "Geneva"));
}

TEST(TaggerEntities, SingleWordsMustRecurUnlessAcronyms) {
  const auto e = entities_of("", "The talks in Lisbon ended without a deal. The alliance, "
                                 "known as NATO, said it would meet again in the spring.");
  EXPECT_FALSE(has(e, "Lisbon"));
  EXPECT_TRUE(has(e, "NATO"));
  EXPECT_EQ(find(e, "NATO")->type, EntityType::organisation);
}

TEST(TaggerEntities, HonorificsMarkPeopleAndStayOutOfTheName) {
  const auto e = entities_of("", "President Joe Biden met Prime Minister Rishi Sunak in "
                                 "Washington. Dr. Anthony Fauci joined them. Mrs. Thatcher was "
                                 "remembered, and Mrs. Thatcher's portrait hung in the hall.");
  for (const char* name : {"Joe Biden", "Rishi Sunak", "Anthony Fauci", "Thatcher"}) {
    ASSERT_TRUE(has(e, name));
    EXPECT_EQ(find(e, name)->type, EntityType::person) << name << " " << find(e, name)->mentions;
  }
  for (const std::string& name : names_of(e)) {
    EXPECT_EQ(name.find("President"), std::string::npos) << name;
    EXPECT_EQ(name.find("Minister"), std::string::npos) << name;
    EXPECT_EQ(name.find("Dr"), std::string::npos) << name;
  }
}

TEST(TaggerEntities, ConnectorsAndHyphensStayInsideNames) {
  const auto e = entities_of(
      "", "The Bank of England raised rates. Students at the University of California "
          "protested. The Prince of Wales visited Cardiff. Ursula von der Leyen spoke in "
          "Brussels. Forces loyal to Bashar al-Assad withdrew. Jean-Luc Picard took command. "
          "Officials of Spain said nothing.");
  for (const char* name : {"Bank of England", "University of California", "Prince of Wales",
                           "Ursula von der Leyen", "Bashar al-Assad", "Jean-Luc Picard"}) {
    EXPECT_TRUE(has(e, name));
  }
  EXPECT_EQ(find(e, "Bank of England")->type, EntityType::organisation);
  EXPECT_EQ(find(e, "University of California")->type, EntityType::organisation);
  EXPECT_FALSE(has(e, "Officials of Spain"));
}

TEST(TaggerEntities, AcronymDefinedInBracketsCountsForTheFullName) {
  const auto e = entities_of("", "The International Monetary Fund (IMF) cut its forecast. The "
                                 "IMF said growth would slow.");
  ASSERT_TRUE(has(e, "International Monetary Fund"));
  EXPECT_EQ(find(e, "International Monetary Fund")->mentions, 3U);
  EXPECT_FALSE(has(e, "IMF"));
}

TEST(TaggerEntities, SurnameCountsForTheFullName) {
  const auto e = entities_of("", "Christine Lagarde spoke first. Later Lagarde took questions, "
                                 "and Lagarde smiled.");
  ASSERT_TRUE(has(e, "Christine Lagarde"));
  EXPECT_EQ(find(e, "Christine Lagarde")->mentions, 3U);
  EXPECT_FALSE(has(e, "Lagarde"));
}

TEST(TaggerEntities, CalendarWordsAndNationalitiesAreNotEntities) {
  const auto e = entities_of("", "Japanese officials met North Korean envoys on Tuesday in "
                                 "March. Japanese and North Korean diplomats spoke again on "
                                 "Tuesday.");
  for (const char* name : {"Japanese", "North Korean", "Tuesday", "March"}) {
    EXPECT_FALSE(has(e, name));
  }
}

TEST(TaggerEntities, TitleCaseTitleIsMatchedNotRead) {
  const auto e = entities_of("Storm Hits Coast As Lagarde Warns Residents",
                             "Christine Lagarde warned residents of the coast on Monday.");
  ASSERT_TRUE(has(e, "Christine Lagarde"));
  EXPECT_TRUE(find(e, "Christine Lagarde")->in_title);
  EXPECT_EQ(find(e, "Christine Lagarde")->mentions, 2U);
  EXPECT_FALSE(has(e, "Storm Hits Coast"));
  EXPECT_FALSE(has(e, "Warns Residents"));
}

TEST(TaggerEntities, DatelineInCapitalsGivesAPlaceSpelledAsInTheText) {
  const auto e = entities_of("", "VALENCIA, Spain — Floods hit the region overnight.\nRescuers "
                                 "searched the streets of Valencia on Wednesday.");
  ASSERT_TRUE(has(e, "Valencia"));
  EXPECT_EQ(find(e, "Valencia")->type, EntityType::place);
  EXPECT_FALSE(has(e, "VALENCIA"));
}

TEST(TaggerEntities, IdsAndHeadingsGiveNoEntities) {
  const auto e = entities_of("", "Top Stories From Around The World\nThe ministry published "
                                 "report A1B2C3D4E5 and report 4f9a2c81e0b7d3a6 on Monday.");
  EXPECT_TRUE(e.empty()) << names_of(e).size();
}

TEST(TaggerEntities, ScoresRiseWithMentionsTitleAndLead) {
  const auto e = entities_of("Lagarde holds rates",
                             "Christine Lagarde held rates.\nLagarde said inflation was high. "
                             "Lagarde left.\nJoachim Nagel agreed.");
  ASSERT_TRUE(has(e, "Christine Lagarde"));
  ASSERT_TRUE(has(e, "Joachim Nagel"));
  const Entity* main = find(e, "Christine Lagarde");
  const Entity* minor = find(e, "Joachim Nagel");
  EXPECT_GT(main->score, minor->score);
  EXPECT_TRUE(main->in_title);
  EXPECT_TRUE(main->in_lead);
  EXPECT_FALSE(minor->in_lead);
  EXPECT_EQ(e.front().name, "Christine Lagarde");
  for (const Entity& entity : e) {
    EXPECT_GT(entity.score, 0.0);
    EXPECT_LE(entity.score, 1.0);
  }
}

} // namespace
} // namespace feedwire::tagger
