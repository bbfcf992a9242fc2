#include "feedwire/slug.hpp"
#include "tagger/tagger.hpp"
#include "temp_dir.hpp"
#include "text/text.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace feedwire::tagger {
namespace {

// Five news stories as feedwire's plain text gives them: paragraphs separated by '\n', with
// the navigation crumbs, share prompts, cookie notices and stray ids that pages carry.
struct Article {
  const char* title;
  const char* text;
};
constexpr Article k_korea{R"ART(Kim Jong Un Oversees Launch of New Long-Range Missile)ART",
                          R"ART(Home
World
Asia
SEOUL, South Korea — North Korean leader Kim Jong Un oversaw the launch of a new long-range ballistic missile on Tuesday, state media reported, in the country's most provocative weapons test this year.
Share this article
The missile flew for about 71 minutes before falling into the sea off the east coast of the Korean Peninsula, according to the Joint Chiefs of Staff in Seoul. Japanese officials said it reached an altitude of more than 6,000 kilometres, higher than any previous North Korean missile.
Kim Jong Un's sister, Kim Yo Jong, warned in a statement that Pyongyang would answer what she called the "reckless military drills" of the United States and its allies with "overwhelming force".
Subscribe to our newsletter
The U.S. State Department condemned the launch as a clear violation of several United Nations Security Council resolutions. "We call on the DPRK to refrain from further destabilising actions and to return to dialogue," State Department spokesman Matthew Miller told reporters in Washington. The State Department said it was consulting closely with Seoul and Tokyo.
However, analysts said the missile test showed steady progress in North Korea's weapons programme. "This missile appears to use solid fuel, which makes it faster to prepare and harder to detect before launch," said Ankit Panda, a senior fellow at the Carnegie Endowment for International Peace. "Every test teaches Pyongyang something."
Advertisement
The Korean Central News Agency (KCNA) said Kim Jong Un watched the launch with his daughter and praised the scientists who built the missile. KCNA published photographs showing the missile rising from a mobile launcher near Pyongyang, trailed by a column of white smoke.
After the launch, Japanese Prime Minister Fumio Kishida said Tokyo had lodged a strong protest through diplomatic channels. South Korean President Yoon Suk Yeol convened an emergency meeting of the National Security Council in Seoul and ordered the military to raise its state of readiness.
But the launch also raised questions about the role of Russia. Officials in Seoul and Washington have accused Moscow of providing missile technology in exchange for artillery shells used in the war in Ukraine, a claim that both Pyongyang and Moscow deny.
The missile test came days after the United States, South Korea and Japan held joint naval exercises in the region, which North Korea described as a rehearsal for invasion. Pyongyang has carried out more than a dozen missile launches this year, and analysts expect more tests before the American election in November.
Kim Jong Un said the new missile would "firmly guarantee" the country's security, according to KCNA. The State Department said Washington remained open to talks without preconditions.
Cookie notice: We use cookies to improve your experience. By continuing to browse, you agree to our use of cookies.
Read more
About the author
Source link
4f9a2c81e0b7d3a6
Scroll to top
)ART"};
constexpr Article k_ecb{
    R"ART(ECB holds interest rates as Lagarde warns inflation fight is not over)ART",
    R"ART(Business | Economy
FRANKFURT — The European Central Bank left interest rates unchanged on Thursday, with President Christine Lagarde warning that the fight against inflation in the eurozone was not yet won.
The ECB kept its deposit rate at 4 per cent, the highest level since the euro was launched in 1999, after ten consecutive increases that began in July last year. The decision was widely expected by investors and economists.
Share this article
"We are determined to ensure that inflation returns to our two per cent medium-term target in a timely manner," Lagarde told a news conference in Frankfurt after the meeting of the Governing Council. "Based on our current assessment, we consider that interest rates are at levels that, maintained for a sufficiently long duration, will make a substantial contribution to this goal."
Inflation in the eurozone fell to 4.3 per cent in September, down from a peak of more than 10 per cent last year, according to Eurostat. However, core inflation, which strips out volatile energy and food prices, remains well above the target, and wage growth has stayed strong.
Subscribe to our newsletter
Lagarde said it was premature to discuss cutting interest rates. But several members of the Governing Council have signalled in recent weeks that borrowing costs may have peaked. Joachim Nagel, the president of the Bundesbank, said last month that the ECB should hold rates steady "for as long as needed".
Economists said the central bank faced a difficult balancing act. Higher interest rates have cooled lending and hit the housing market, and the eurozone economy shrank slightly in the third quarter. Germany, the bloc's largest economy, is expected to contract this year.
"The ECB is walking a tightrope between inflation that is still too high and an economy that is close to recession," said Carsten Brzeski, global head of macro research at ING. "Markets will now focus on when the first rate cut comes, but Lagarde gave them very little."
After the decision, the euro slipped against the dollar and yields on German government bonds fell. European stock markets were little changed.
The Federal Reserve in Washington and the Bank of England have also paused their rate increases in recent months, as central banks around the world try to judge how much of the tightening has yet to feed through to their economies.
Lagarde also said the ECB would keep reducing its bond holdings and would review its operational framework. The next meeting of the Governing Council is scheduled for December, when economists expect the central bank to publish new inflation forecasts.
Related: Eurozone inflation falls to two-year low
Read more
About the author
Sign up for our daily briefing
Cookies help us deliver our services. By using our services, you agree to our use of cookies. Accept
Scroll to top
id: 8c1e5d3fa9b24e70
)ART"};
constexpr Article k_final{
    R"ART(Real Madrid beat Borussia Dortmund to win Champions League final at Wembley)ART",
    R"ART(Sport > Football
LONDON — Real Madrid won the Champions League for a record 15th time on Saturday, beating Borussia Dortmund 2-0 in a tense final at Wembley Stadium in front of more than 86,000 fans.
Dani Carvajal headed in the opening goal from a corner in the 74th minute, and Vinicius Junior sealed the win nine minutes later after a mistake by the Dortmund defence. It was the second final in three years that Real Madrid had won without dominating.
Share this article
Dortmund had been the better side for much of the first half. Karim Adeyemi raced clear twice but could not beat goalkeeper Thibaut Courtois, and Niclas Fullkrug hit the post with a low shot before the break. "We had our chances, and in a final you have to take them," said Dortmund coach Edin Terzic. "Against Real Madrid you are never safe."
The Spanish club's coach, Carlo Ancelotti, became the first manager to win the trophy five times. Ancelotti said his players had suffered in the first half but never lost their belief. "This club has something special in finals," he said. "The players know how to wait for their moment."
Subscribe to our newsletter
Jude Bellingham, who joined Real Madrid from Dortmund last summer, was involved in both goals and embraced his former teammates at the final whistle. Bellingham said the night had been "emotional" for him. Toni Kroos, playing his last club match before retirement, was substituted to a standing ovation late in the game.
However, the final was marred by trouble outside Wembley before kick-off, when hundreds of fans without tickets tried to force their way through security gates. The Metropolitan Police said 53 people had been arrested. UEFA said it would review the security arrangements with the Football Association.
Carvajal, who also won the Spanish league title with Real Madrid this season, said the team had earned its place in history. Vinicius was named player of the match.
Dortmund, who finished fifth in the Bundesliga, had reached the final after knocking out Paris Saint-Germain in the semi-finals. Their supporters filled the western end of Wembley and sang long after the final whistle.
Real Madrid will parade the trophy through the streets of Madrid on Sunday.
Advertisement
Read more: Champions League final player ratings
Follow us on Twitter
About the author
Source link
Scroll to top
)ART"};
constexpr Article k_apple{
    R"ART(Apple unveils iPhone 16 Pro with larger screens and new AI features)ART",
    R"ART(Technology
CUPERTINO, California — Apple on Monday unveiled the iPhone 16 Pro, a new flagship smartphone with larger screens, a faster chip and a dedicated camera button, as the company bets that artificial intelligence features will persuade customers to upgrade.
Share this article
Chief executive Tim Cook introduced the new phones at a launch event at Apple Park, the company's headquarters in Cupertino. "This is the first iPhone designed from the ground up for Apple Intelligence," Cook said, referring to the suite of AI features the company announced at its developer conference in June.
The iPhone 16 Pro has a 6.3-inch display, up from 6.1 inches, while the larger iPhone 16 Pro Max grows to 6.9 inches. Both models use the new A18 Pro chip, which Apple said was up to 20 per cent faster than the previous generation and more efficient, giving longer battery life.
The new camera button on the side of the phone lets users take photos and adjust settings with a slide of a finger. The main camera now records video in 4K at 120 frames per second.
Subscribe to our newsletter
However, many of the AI features will not be available at launch. Apple said Apple Intelligence would arrive in a software update in October, first in American English, with other languages following next year. Analysts said the delay could slow sales in the first months.
"The hardware is a solid step, but the story of this phone is software that is not ready yet," said Carolina Milanesi, an analyst at Creative Strategies. "Apple is asking customers to buy on a promise."
The launch comes as Apple faces tougher competition in China from Huawei, which on Tuesday is expected to unveil a tri-fold smartphone. Samsung and Google have already added AI tools to their flagship phones this year.
Prices for the iPhone 16 Pro start at $999, unchanged from last year. Apple also showed a new Apple Watch with a thinner design and updated AirPods. Orders open on Friday, and the phones go on sale on September 20.
Shares of Apple fell about 1 per cent after the event, as investors weighed whether the AI features would be enough to lift sales of the iPhone, which still accounts for about half of the company's revenue.
Cook said the company was "incredibly excited" about the year ahead.
Advertisement
Read more
Share on Facebook
Share on X
This article was originally published on our partner site.
Tags: a7f3c9e2-41b8-4d6e-9f0a-2b7c8d1e3f45
About the author
Scroll to top
)ART"};
constexpr Article k_flood{
    R"ART(Flash floods kill dozens in Valencia as torrential rain hits eastern Spain)ART",
    R"ART(World | Europe
VALENCIA, Spain — At least 72 people have died after flash floods swept through towns around the city of Valencia, regional officials said on Wednesday, in one of the worst natural disasters in Spain in decades.
Torrential rain turned streets into rivers overnight, sweeping away cars, bridges and the ground floors of homes. In some places more than a year's worth of rain fell in eight hours, according to AEMET, the state weather agency.
Share this article
Rescue teams were still searching for missing people on Wednesday afternoon. Firefighters used boats to reach residents trapped on rooftops, and helicopters from the Military Emergencies Unit lifted dozens of people to safety. Many roads and railway lines around Valencia remained closed.
Prime Minister Pedro Sánchez declared three days of national mourning and travelled to the region. "The whole of Spain is weeping with Valencia," Sánchez said in a televised address from Madrid. "We will not leave you alone."
The hardest hit town was Paiporta, south of Valencia, where at least 40 people died. "The water came in like a wave. In ten minutes it was up to my chest," said Maria Lopez, a resident of Paiporta who spent the night on the roof of her building with her two children.
Subscribe to our newsletter
However, anger grew over the timing of the warnings. The regional government of Valencia sent a flood alert to mobile phones only after 8 p.m. on Tuesday, hours after AEMET had issued its highest red warning for the area. Carlos Mazón, the president of the Valencia region, defended the response and said the authorities had followed the established protocol.
The floods were caused by a weather system known as a DANA, in which cold air high above the Mediterranean stalls over warm sea water and produces intense storms. Scientists said warmer seas linked to climate change made such downpours heavier.
After the water receded, residents returned to streets filled with mud, wrecked cars and debris. Volunteers with brooms and shovels arrived from the city of Valencia to help clear the damage in Paiporta and neighbouring towns.
The European Union said it was ready to help Spain and had activated its Copernicus satellite service to map the flooded areas around Valencia.
More rain was forecast for the coming days, and AEMET kept warnings in place along the Mediterranean coast.
Read more
About the author
We use cookies on this site. Manage cookie preferences
Source link
0x7f3a9b2c4d5e6f70
Scroll to top
)ART"};

// Tags that boilerplate, sentence openers and function words would give if they leaked.
const std::vector<std::string> k_never = {
    "share",
    "share-this-article",
    "article",
    "subscribe",
    "newsletter",
    "source",
    "link",
    "source-link",
    "author",
    "about-the-author",
    "scroll",
    "top",
    "scroll-to-top",
    "read",
    "more",
    "read-more",
    "cookie",
    "cookies",
    "advertisement",
    "the",
    "however",
    "but",
    "after",
    "and",
    "said",
    "this",
    "our",
    "use",
    "we",
    "follow",
    "twitter",
    "facebook",
    "sign",
    "related",
    "home",
    "world",
};

std::vector<std::string> slugs_of(const std::vector<TagResult>& tags) {
  std::vector<std::string> out;
  for (const TagResult& t : tags) {
    out.push_back(t.slug);
  }
  return out;
}

std::string describe(const std::vector<TagResult>& tags) {
  std::string out;
  for (const TagResult& t : tags) {
    out += " " + t.slug + "=" + std::to_string(t.score).substr(0, 4);
  }
  return out;
}

bool is_number(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ',';
  });
}

// What holds for every story: at most max_tags tags, one per slug, scores in [0, 1] and
// rule tags first, then descending; no stop word, id, number or boilerplate word.
void expect_well_formed(const std::vector<TagResult>& tags, const Config& config) {
  EXPECT_LE(tags.size(), config.max_tags);
  std::vector<std::string> slugs = slugs_of(tags);
  std::sort(slugs.begin(), slugs.end());
  EXPECT_EQ(std::adjacent_find(slugs.begin(), slugs.end()), slugs.end()) << describe(tags);
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const TagResult& t = tags[i];
    EXPECT_FALSE(t.slug.empty());
    EXPECT_EQ(t.slug, slugify(t.tag));
    EXPECT_GE(t.score, 0.0) << t.slug;
    EXPECT_LE(t.score, 1.0) << t.slug;
    if (t.kind != TagKind::rule) {
      EXPECT_GE(t.score, config.min_score) << t.slug;
    }
    if (i > 0 && tags[i - 1].kind != TagKind::rule) {
      EXPECT_NE(t.kind, TagKind::rule) << "rule tags come first:" << describe(tags);
      EXPECT_LE(t.score, tags[i - 1].score) << describe(tags);
    }
    EXPECT_FALSE(text::is_stop_word(text::lower(t.tag))) << t.tag;
    EXPECT_FALSE(text::looks_like_id(t.tag)) << t.tag;
    EXPECT_FALSE(is_number(t.tag)) << t.tag;
    EXPECT_EQ(std::find(k_never.begin(), k_never.end(), t.slug), k_never.end())
        << t.slug << " in" << describe(tags);
  }
}

class TaggerArticles : public ::testing::Test {
protected:
  // Tags `article` with the default configuration, checking what holds for every story.
  std::vector<TagResult> tag(const Article& article) {
    std::vector<TagResult> tags = m_tagger.tag(article.title, article.text, "en");
    expect_well_formed(tags, m_config);
    return tags;
  }

  static void expect_among(const std::vector<TagResult>& tags,
                           const std::vector<std::string>& expected) {
    const std::vector<std::string> slugs = slugs_of(tags);
    for (const std::string& e : expected) {
      EXPECT_NE(std::find(slugs.begin(), slugs.end(), e), slugs.end())
          << e << " is not among" << describe(tags);
    }
  }

  static void expect_absent(const std::vector<TagResult>& tags,
                            const std::vector<std::string>& forbidden) {
    const std::vector<std::string> slugs = slugs_of(tags);
    for (const std::string& f : forbidden) {
      EXPECT_EQ(std::find(slugs.begin(), slugs.end(), f), slugs.end())
          << f << " is among" << describe(tags);
    }
  }

  static const TagResult* find(const std::vector<TagResult>& tags, std::string_view slug_text) {
    const auto it = std::find_if(tags.begin(), tags.end(),
                                 [&](const TagResult& t) { return t.slug == slug_text; });
    return it == tags.end() ? nullptr : &*it;
  }

  Config m_config;
  Tagger m_tagger{m_config, RuleSet(), std::nullopt, [](std::string_view) {}};
};

TEST_F(TaggerArticles, MissileTestIsAboutKimJongUnPyongyangAndTheStateDepartment) {
  const std::vector<TagResult> tags = tag(k_korea);
  ASSERT_FALSE(tags.empty());
  EXPECT_EQ(tags.front().slug, "kim-jong-un") << describe(tags);
  EXPECT_EQ(tags.front().tag, "Kim Jong Un");
  EXPECT_EQ(tags.front().type, EntityType::person);
  expect_among(tags,
               {"kim-jong-un", "pyongyang", "state-department", "north-korea", "seoul", "missile"});
  expect_absent(tags, {"kim-jong-un-s", "u-s", "u-s-state-department", "kcna", "north-korean",
                       "japanese", "4f9a2c81e0b7d3a6", "asia", "long-range", "new"});
  EXPECT_EQ(find(tags, "state-department")->type, EntityType::organisation);
}

TEST_F(TaggerArticles, RateDecisionIsAboutTheEcbAndLagarde) {
  const std::vector<TagResult> tags = tag(k_ecb);
  expect_among(tags, {"european-central-bank", "christine-lagarde", "frankfurt",
                      "governing-council", "interest-rates", "inflation"});
  expect_absent(tags, {"ecb", "lagarde", "business", "economy", "8c1e5d3fa9b24e70", "id",
                       "per-cent", "german"});
  EXPECT_EQ(find(tags, "christine-lagarde")->type, EntityType::person);
  EXPECT_EQ(find(tags, "european-central-bank")->type, EntityType::organisation);
  EXPECT_GE(find(tags, "christine-lagarde")->mentions, 6U);
}

TEST_F(TaggerArticles, FootballFinalIsAboutBothClubsTheCompetitionAndTheVenue) {
  const std::vector<TagResult> tags = tag(k_final);
  expect_among(
      tags, {"real-madrid", "borussia-dortmund", "champions-league", "wembley", "carlo-ancelotti"});
  expect_absent(tags, {"sport", "football", "london-real-madrid", "dortmund", "spanish", "madrid",
                       "vinicius"});
  EXPECT_EQ(find(tags, "champions-league")->type, EntityType::organisation);
}

TEST_F(TaggerArticles, PhoneLaunchIsAboutAppleTheIphoneAndTimCook) {
  const std::vector<TagResult> tags = tag(k_apple);
  expect_among(tags, {"apple", "iphone-16-pro", "tim-cook", "cupertino"});
  expect_absent(tags, {"technology", "a7f3c9e2-41b8-4d6e-9f0a-2b7c8d1e3f45", "tags", "x", "chief",
                       "chief-executive", "monday", "september"});
  EXPECT_EQ(find(tags, "tim-cook")->type, EntityType::person);
}

TEST_F(TaggerArticles, FloodIsAboutValenciaSpainAndPaiporta) {
  const std::vector<TagResult> tags = tag(k_flood);
  ASSERT_FALSE(tags.empty());
  EXPECT_EQ(tags.front().slug, "valencia") << describe(tags);
  expect_among(tags, {"valencia", "spain", "paiporta", "aemet", "pedro-sánchez", "floods"});
  expect_absent(tags, {"0x7f3a9b2c4d5e6f70", "europe", "prime-minister", "72", "wednesday",
                       "manage", "preferences"});
  EXPECT_EQ(find(tags, "pedro-sánchez")->tag, "Pedro Sánchez");
  EXPECT_EQ(find(tags, "pedro-sánchez")->type, EntityType::person);
}

TEST_F(TaggerArticles, EntityAttributeListsTheEntityTagsWithTypes) {
  const std::vector<TagResult> tags = tag(k_ecb);
  const nlohmann::json attr = nlohmann::json::parse(entities_json(tags));
  ASSERT_TRUE(attr.is_array());
  std::size_t entity_tags = 0;
  for (const TagResult& t : tags) {
    entity_tags += t.kind == TagKind::entity ? 1 : 0;
  }
  EXPECT_EQ(attr.size(), entity_tags);
  const auto lagarde = std::find_if(attr.begin(), attr.end(), [](const nlohmann::json& e) {
    return e.at("name") == "Christine Lagarde";
  });
  ASSERT_NE(lagarde, attr.end());
  EXPECT_EQ(lagarde->at("type"), "person");
  EXPECT_GE(lagarde->at("mentions").get<int>(), 6);
  EXPECT_EQ(entities_json({}), "[]");
}

TEST(Tagger, BoilerplateAloneGivesNoTags) {
  const std::string boilerplate = "Share this article\nSubscribe to our newsletter\nSource link\n"
                                  "About the author\nScroll to top\nRead more\n"
                                  "We use cookies to improve your experience. By continuing to "
                                  "browse, you agree to our use of cookies.\n"
                                  "4f9a2c81e0b7d3a6\n550e8400-e29b-41d4-a716-446655440000\n";
  std::string text;
  for (int i = 0; i < 6; ++i) {
    text += boilerplate;
  }
  Config config;
  config.min_score = 0.0;
  Tagger tagger(config, RuleSet(), std::nullopt, [](std::string_view) {});
  EXPECT_TRUE(tagger.tag("", text, "en").empty());
  EXPECT_EQ(tagger.df().stories(), 0U);
  for (const char* word : {"share", "subscribe", "newsletter", "cookies", "author", "scroll"}) {
    EXPECT_EQ(tagger.df().df(word), 0U) << word;
  }
}

TEST(Tagger, BoilerplateAroundAShortStoryStaysOut) {
  const std::string text = "Share this article\nSubscribe to our newsletter\n"
                           "The harbour authority in Porto closed the harbour after the storm. "
                           "The harbour will reopen when the storm passes, the Porto harbour "
                           "master said.\n"
                           "Share this article\nSubscribe to our newsletter\nRead more\n"
                           "Read more\nSource link\nSource link\nAbout the author\nScroll to top\n"
                           "deadbeefcafe1234\ndeadbeefcafe1234\n";
  Config config;
  config.min_score = 0.0;
  config.max_tags = 64;
  Tagger tagger(config, RuleSet(), std::nullopt, [](std::string_view) {});
  const std::vector<TagResult> tags = tagger.tag("Storm closes harbour", text, "en");
  expect_well_formed(tags, config);
  const std::vector<std::string> slugs = slugs_of(tags);
  EXPECT_NE(std::find(slugs.begin(), slugs.end(), "harbour"), slugs.end()) << describe(tags);
  EXPECT_NE(std::find(slugs.begin(), slugs.end(), "porto"), slugs.end()) << describe(tags);
  EXPECT_EQ(std::find(slugs.begin(), slugs.end(), "deadbeefcafe1234"), slugs.end());
}

TEST(Tagger, KeywordsAreNeverStopWordsNumbersOrIds) {
  const std::string text =
      "The 2024 figures were the same as the 2023 figures, and the 2022 figures too.\n"
      "Batch a1b2c3d4e5 and batch a1b2c3d4e5 were shipped; the batch 99 of 2024 was not.\n"
      "It was what it was, and it is what it is, they said, again and again.\n";
  Config config;
  config.min_score = 0.0;
  config.max_tags = 64;
  Tagger tagger(config, RuleSet(), std::nullopt, [](std::string_view) {});
  const std::vector<TagResult> tags = tagger.tag("", text, "en");
  expect_well_formed(tags, config);
  const std::vector<std::string> slugs = slugs_of(tags);
  EXPECT_NE(std::find(slugs.begin(), slugs.end(), "figures"), slugs.end()) << describe(tags);
  EXPECT_NE(std::find(slugs.begin(), slugs.end(), "batch"), slugs.end()) << describe(tags);
  for (const char* bad : {"2024", "a1b2c3d4e5", "99", "it", "was", "what", "again"}) {
    EXPECT_EQ(std::find(slugs.begin(), slugs.end(), bad), slugs.end()) << bad;
  }
}

using fw::test::TempDir;

TEST(Tagger, RuleTagsComeFirstWhateverTheirScore) {
  const TempDir dir;
  const std::filesystem::path file = dir.path() / "rules.toml";
  std::ofstream(file) << R"([[rule]]
tag = "central-banks"
label = "Central banks"
phrases = ["european central bank", "federal reserve"]
score = 0.15

[[rule]]
tag = "Interest Rates"
regex = ['(?i)\binterest rates?\b']
score = 0.9

[[rule]]
tag = "north-korea"
phrases = ["pyongyang"]
)";
  Config config;
  Tagger tagger(config, RuleSet::load(file), std::nullopt, [](std::string_view) {});
  const std::vector<TagResult> tags = tagger.tag(k_ecb.title, k_ecb.text, "en");
  expect_well_formed(tags, config);
  ASSERT_GE(tags.size(), 3U);
  EXPECT_EQ(tags[0].slug, "interest-rates");
  EXPECT_EQ(tags[0].kind, TagKind::rule);
  EXPECT_DOUBLE_EQ(tags[0].score, 0.9);
  EXPECT_EQ(tags[1].slug, "central-banks");
  EXPECT_EQ(tags[1].label, "Central banks");
  EXPECT_DOUBLE_EQ(tags[1].score, 0.15);
  EXPECT_NE(tags[2].kind, TagKind::rule);
  // The keyword "interest rates" has the rule's slug: the rule tag stands for both.
  const std::vector<std::string> slugs = slugs_of(tags);
  EXPECT_EQ(std::count(slugs.begin(), slugs.end(), "interest-rates"), 1);
  EXPECT_EQ(std::count(slugs.begin(), slugs.end(), "north-korea"), 0);
}

TEST(Tagger, MaxTagsAndMinScoreBoundTheOutput) {
  Config few;
  few.max_tags = 3;
  Tagger tagger(few, RuleSet(), std::nullopt, [](std::string_view) {});
  const std::vector<TagResult> three = tagger.tag(k_final.title, k_final.text, "en");
  EXPECT_EQ(three.size(), 3U);
  expect_well_formed(three, few);

  Config strict;
  strict.min_score = 0.7;
  Tagger strict_tagger(strict, RuleSet(), std::nullopt, [](std::string_view) {});
  const std::vector<TagResult> strong = strict_tagger.tag(k_final.title, k_final.text, "en");
  ASSERT_FALSE(strong.empty());
  expect_well_formed(strong, strict);
  EXPECT_LT(strong.size(), three.size() + 5);
  for (const TagResult& t : strong) {
    EXPECT_GE(t.score, 0.7);
  }
}

TEST(Tagger, EntitiesAndKeywordsCanBeTurnedOff) {
  Config no_entities;
  no_entities.entities = false;
  Tagger keywords_only(no_entities, RuleSet(), std::nullopt, [](std::string_view) {});
  for (const TagResult& t : keywords_only.tag(k_korea.title, k_korea.text, "en")) {
    EXPECT_EQ(t.kind, TagKind::keyword) << t.slug;
  }
  Config no_keywords;
  no_keywords.keywords = false;
  Tagger entities_only(no_keywords, RuleSet(), std::nullopt, [](std::string_view) {});
  const std::vector<TagResult> tags = entities_only.tag(k_korea.title, k_korea.text, "en");
  ASSERT_FALSE(tags.empty());
  for (const TagResult& t : tags) {
    EXPECT_EQ(t.kind, TagKind::entity) << t.slug;
  }
}

TEST(Tagger, GermanCapitalsAreNotReadAsNames) {
  const std::string text = "Die Regierung hat am Montag neue Regeln für den Hafen beschlossen. "
                           "Der Hafen bleibt geöffnet, sagte die Sprecherin der Regierung.";
  Tagger tagger(Config(), RuleSet(), std::nullopt, [](std::string_view) {});
  for (const TagResult& t : tagger.tag("Neue Regeln für den Hafen", text, "de-DE")) {
    EXPECT_NE(t.kind, TagKind::entity) << t.slug;
  }
  Config english;
  english.language = "en";
  Tagger forced(english, RuleSet(), std::nullopt, [](std::string_view) {});
  const std::vector<TagResult> tags = forced.tag(k_korea.title, k_korea.text, "de");
  EXPECT_EQ(tags.front().slug, "kim-jong-un");
}

TEST(Tagger, LearnedFrequenciesLowerWordsEveryStoryUses) {
  Config config;
  config.min_score = 0.0;
  config.max_tags = 64;
  Tagger tagger(config, RuleSet(), std::nullopt, [](std::string_view) {});
  const std::string story = "The quarry reopened. Workers returned to the quarry, and the "
                            "lighthouse keeper watched the quarry trucks pass the lighthouse.";
  const auto score_of = [](const std::vector<TagResult>& tags, std::string_view s) {
    const auto it =
        std::find_if(tags.begin(), tags.end(), [&](const TagResult& t) { return t.slug == s; });
    return it == tags.end() ? 0.0 : it->score;
  };
  const std::vector<TagResult> fresh = tagger.tag("", story, "en");
  const double quarry_before = score_of(fresh, "quarry");
  EXPECT_GT(quarry_before, 0.0) << describe(fresh);
  for (int i = 0; i < 80; ++i) {
    (void)tagger.tag("", "Another quarry story number " + std::to_string(i) + " with quarry news.",
                     "en");
  }
  EXPECT_EQ(tagger.df().stories(), 81U);
  const std::vector<TagResult> later = tagger.tag("", story, "en");
  EXPECT_LT(score_of(later, "quarry"), quarry_before / 2) << describe(later);
  EXPECT_GT(score_of(later, "lighthouse"), score_of(later, "quarry")) << describe(later);
}

} // namespace
} // namespace feedwire::tagger
