#include "plugin_host/plugin.hpp"
#include "summarizer/summarizer.hpp"
#include "text/text.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <cstdint>
#include <feedwire/plugin.hpp>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using feedwire::ConfigError;
using feedwire::summarizer::Algorithm;
using feedwire::summarizer::Options;
using feedwire::summarizer::parse_options;
using feedwire::summarizer::Summarizer;

namespace {

// Hand-written news articles. Each paragraph is written as its list of sentences, split by
// hand, so that a test can tell whether the summary is made of whole sentences of the article;
// boilerplate lines of the kinds aggregated pages carry are mixed in. `key` holds the sentences
// a human editor would pick for a three-sentence summary.
struct Line {
  bool is_boilerplate = false;
  std::vector<std::string_view> sentences; // a boilerplate line is one entry
};

Line para(std::initializer_list<std::string_view> sentences) {
  return Line{false, sentences};
}

Line junk(std::string_view line) {
  return Line{true, {line}};
}

struct Article {
  std::string_view name;
  std::string_view title;
  std::string_view language;
  std::vector<Line> lines;
  std::vector<std::string_view> key;

  // The story's plain text as the daemon gives it: one paragraph per line.
  [[nodiscard]] std::string text() const {
    std::string out;
    for (const Line& line : lines) {
      if (!out.empty()) {
        out.push_back('\n');
      }
      for (std::size_t i = 0; i < line.sentences.size(); ++i) {
        out.append(i == 0 ? "" : " ").append(line.sentences[i]);
      }
    }
    return out;
  }

  // The content sentences, in document order.
  [[nodiscard]] std::vector<std::string_view> sentences() const {
    std::vector<std::string_view> out;
    for (const Line& line : lines) {
      if (!line.is_boilerplate) {
        out.insert(out.end(), line.sentences.begin(), line.sentences.end());
      }
    }
    return out;
  }

  [[nodiscard]] std::vector<std::string_view> boilerplate() const {
    std::vector<std::string_view> out;
    for (const Line& line : lines) {
      if (line.is_boilerplate) {
        out.push_back(line.sentences.front());
      }
    }
    return out;
  }
};

const Article& rate_decision() {
  static const Article a{
      "RateDecision",
      "Central bank raises rates to 4.75% and signals more to come",
      "en",
      {
          junk("Home > Business > Economy"),
          para({"The Reserve Bank raised its benchmark interest rate by a quarter of a percentage "
                "point to 4.75% on Wednesday, its ninth increase in 14 months, and signalled that "
                "further tightening may be needed to bring inflation back to target."}),
          para({"The decision was widely expected by economists, 24 of 27 of whom had forecast "
                "the move in a Reuters poll last week.",
                "Markets had priced in a roughly 80% chance of an increase."}),
          junk("Advertisement"),
          para({"Governor Elena Marsh said inflation, which ran at 6.3% in the year to March, "
                "remained far too high and was falling more slowly than the bank had projected "
                "in February.",
                "Services prices rose 0.9% in March alone, driven by rents, insurance and "
                "restaurant meals."}),
          para({"\"The job is not yet done,\" Ms. Marsh told reporters at a news conference after "
                "the announcement.",
                "\"We will do what is necessary to return inflation to 2% within a reasonable time "
                "frame, and that may require rates to rise further.\""}),
          junk("Read more: How rising rates are changing the housing market"),
          para({"The bank now expects inflation to fall to 3.4% by the end of the year and to "
                "reach its 2% target only in the second half of 2025, six months later than it "
                "forecast three months ago."}),
          para({"Two of the nine members of the monetary policy committee voted to keep rates "
                "unchanged, arguing that the full effect of past increases had yet to be felt by "
                "households and businesses.",
                "Their dissent was the first since the tightening cycle began."}),
          junk("Share this article"),
          para({"The currency rose 0.6% against the U.S. dollar after the statement, while "
                "two-year government bond yields climbed 12 basis points to 4.41%, their highest "
                "level since 2008."}),
          para({"Mortgage holders will bear much of the burden.",
                "About 1.4 million fixed-rate loans are due to reset over the next 18 months, "
                "according to the bank's own estimates, and the average monthly payment on those "
                "loans is expected to rise by about 280 dollars."}),
          para({"Business groups urged caution.",
                "\"Another increase risks tipping a slowing economy into recession,\" said Tom "
                "Alvarez, chief economist at the Chamber of Commerce.",
                "Retail sales fell 0.4% in March and unemployment edged up to 3.9%."}),
          para({"Some analysts said the bank was right to stay firm.",
                "\"Wage growth is still running above 5%, and the labour market remains tight, so "
                "the case for a pause is weak,\" said Priya Nair, an economist at a major "
                "investment bank."}),
          para({"The next policy decision is due on June 7.",
                "Financial markets now expect at least one more increase before the summer, "
                "taking the rate to 5%."}),
          junk("About the author: Daniel Reyes covers economics and central banking. He "
               "previously reported from Frankfurt and Tokyo."),
          junk("Subscribe to our newsletter"),
          junk("Source link"),
          junk("9f86d081884c7d65"),
          junk("We use cookies to improve your experience on our site. By continuing to browse, "
               "you agree to our use of cookies."),
          junk("Scroll to top"),
      },
      {"The Reserve Bank raised its benchmark interest rate by a quarter of a percentage point to "
       "4.75% on Wednesday, its ninth increase in 14 months, and signalled that further "
       "tightening may be needed to bring inflation back to target.",
       "Governor Elena Marsh said inflation, which ran at 6.3% in the year to March, remained far "
       "too high and was falling more slowly than the bank had projected in February.",
       "The bank now expects inflation to fall to 3.4% by the end of the year and to reach its 2% "
       "target only in the second half of 2025, six months later than it forecast three months "
       "ago."},
  };
  return a;
}

// Abbreviations everywhere: U.S., U.N., Gen., Dr., Sen., a.m., Oct. 15, decimals.
const Article& summit() {
  static const Article a{
      "Summit",
      "Leaders agree on ceasefire monitoring plan at Geneva summit",
      "en-US",
      {
          para({"Leaders from the U.S., the European Union and 11 other countries agreed on "
                "Saturday to create an international mission to monitor the ceasefire along the "
                "disputed border, ending two days of tense talks in Geneva."}),
          para({"The agreement, announced at 11:40 a.m. local time, calls for about 1,200 unarmed "
                "observers to be deployed within 60 days under the authority of the U.N. Security "
                "Council."}),
          junk("Advertisement"),
          para({"U.S. Secretary of State Daniel Hughes called the deal “a real step toward a "
                "lasting peace,” but cautioned that it would mean little unless both sides pulled "
                "back their heavy weapons.",
                "He said Washington would contribute $240 million, roughly 0.3% of its annual "
                "foreign aid budget, to the mission's first year."}),
          para({"The mission will be led by Gen. Ingrid Solberg of Norway, a former commander of "
                "U.N. forces in Lebanon.",
                "Gen. Solberg said the first 200 monitors could arrive as early as Oct. 15 if "
                "funding is approved."}),
          para({"Talks nearly collapsed on Friday night.",
                "Delegates said the two sides argued until 3 a.m. over the width of a "
                "demilitarized buffer zone, which was eventually set at 12.5 kilometres."}),
          junk("Read more: Timeline of the border conflict"),
          para({"Dr. Amara Okafor, the U.N. special envoy who chaired the final session, said the "
                "breakthrough came after both delegations accepted a compromise drafted by "
                "Switzerland and Brazil.",
                "“Nobody got everything they wanted,” she said."}),
          para({"The fighting, which began in March last year, has killed more than 8,400 people "
                "and displaced about 1.6 million, according to U.N. estimates."}),
          para({"Sen. Maria Lopez, who attended the summit as an observer, said Congress would "
                "vote on the U.S. contribution next month.",
                "She predicted broad support from both parties."}),
          junk("Share this article"),
          para({"Not everyone was satisfied.",
                "Opposition groups in the region said the plan ignored the return of refugees, "
                "and several hundred protesters gathered outside the U.N. offices in Geneva on "
                "Saturday afternoon."}),
          para({"The observers will report to the Security Council every 30 days.",
                "The council is expected to vote on the mandate on Wednesday at 10 a.m. in New "
                "York.",
                "Diplomats said Russia and China had signalled they would not block it."}),
          junk("Subscribe to our newsletter"),
          junk("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
          junk("Source link"),
          junk("Scroll to top"),
      },
      {"Leaders from the U.S., the European Union and 11 other countries agreed on Saturday to "
       "create an international mission to monitor the ceasefire along the disputed border, "
       "ending two days of tense talks in Geneva.",
       "The agreement, announced at 11:40 a.m. local time, calls for about 1,200 unarmed observers "
       "to be deployed within 60 days under the authority of the U.N. Security Council.",
       "The fighting, which began in March last year, has killed more than 8,400 people and "
       "displaced about 1.6 million, according to U.N. estimates."},
  };
  return a;
}

const Article& cup_final() {
  static const Article a{
      "CupFinal",
      "Riverside win first cup title with late penalty in final",
      "en-GB",
      {
          para({"Riverside United won the National Cup for the first time in their 112-year "
                "history on Sunday, beating holders Northgate 2-1 with a penalty in the 88th "
                "minute in front of 82,000 fans."}),
          para({"Captain Leo Marsh scored the decisive spot kick after Northgate defender Sam "
                "Okoro handled the ball in the area, a decision the referee confirmed after a "
                "lengthy video review."}),
          junk("Advertisement"),
          para({"Northgate, who had won the trophy in each of the last two seasons, took the lead "
                "in the 23rd minute when Marco Silva curled a free kick into the top corner.",
                "Riverside struggled to create chances for most of the first half and went into "
                "the break a goal down."}),
          para({"The equaliser came seven minutes after the restart.",
                "Substitute Jonah Price, only 19, headed in a cross from the left at the far post "
                "with his first touch of the ball."}),
          para({"Northgate almost restored their lead ten minutes later, but Silva's shot from the "
                "edge of the area struck the post.",
                "Riverside goalkeeper Tomas Novak then made two fine saves to keep the score level "
                "as the holders pushed forward."}),
          junk("Share on Facebook"),
          para({"“I dreamed about this moment since I was a kid,” Marsh said after lifting the "
                "trophy.",
                "“To do it for this club and these supporters means everything.”"}),
          junk("Read more: Five talking points from the final"),
          para({"Northgate manager Peter Hall was furious about the penalty decision.",
                "“It was never a handball, his arm was by his side,” he said, adding that he would "
                "ask the league for an explanation."}),
          para({"The victory also secures Riverside a place in next season's continental "
                "competition, worth an estimated 25 million dollars to a club that was playing in "
                "the third division only six years ago."}),
          para({"Riverside's coach Anna Berg, who took over three years ago, became the first "
                "woman to win the cup as a manager.",
                "She credited the squad's fitness and belief."}),
          para({"Thousands of fans gathered in the city centre on Sunday night, and the club said "
                "an open-top bus parade would take place on Tuesday afternoon."}),
          junk("Follow us on Twitter"),
          junk("This website uses cookies to ensure you get the best experience. Accept all "
               "cookies"),
          junk("© 2024 Example Sports Media"),
          junk("About the author"),
          junk("Subscribe to our newsletter"),
          junk("Scroll to top"),
      },
      {"Riverside United won the National Cup for the first time in their 112-year history on "
       "Sunday, beating holders Northgate 2-1 with a penalty in the 88th minute in front of "
       "82,000 fans.",
       "Captain Leo Marsh scored the decisive spot kick after Northgate defender Sam Okoro "
       "handled the ball in the area, a decision the referee confirmed after a lengthy video "
       "review.",
       "The victory also secures Riverside a place in next season's continental competition, "
       "worth an estimated 25 million dollars to a club that was playing in the third division "
       "only six years ago."},
  };
  return a;
}

const Article& product_launch() {
  static const Article a{
      "ProductLaunch",
      "Lumen unveils foldable laptop with all-day battery",
      "",
      {
          para({"Lumen on Tuesday unveiled the Fold X, a laptop with a 16-inch folding screen that "
                "the company says runs for up to 20 hours on a single charge, as it tries to "
                "revive sales in a shrinking PC market."}),
          para({"The device goes on sale in the United States and Europe on May 14 at a starting "
                "price of 2,499 dollars, making it one of the most expensive consumer laptops on "
                "the market."}),
          junk("Facebook Twitter LinkedIn Email"),
          para({"Chief executive Maya Chen presented the Fold X at the company's annual developer "
                "conference in San Jose.",
                "“This is the biggest change to how a laptop looks since we added the touchpad,” "
                "she told the audience."}),
          junk("Advertisement"),
          para({"When unfolded, the screen can be used as a large tablet or propped up with a "
                "built-in stand, while a magnetic keyboard attaches to the lower half when it is "
                "folded like a conventional notebook."}),
          para({"Lumen said the long battery life comes from a new in-house processor, the L2 "
                "chip, which it claims uses 40% less power than the chip in its previous laptop.",
                "The company did not provide independent benchmarks."}),
          junk("Read more: Our hands-on review of the Fold X"),
          para({"Global PC shipments fell 14% last year, according to the research firm IDC, as "
                "demand that surged during the pandemic faded.",
                "Lumen's own hardware revenue dropped 9% in its most recent fiscal year."}),
          para({"Analysts were divided on the device's prospects.",
                "“The engineering is impressive, but the price puts it out of reach for most "
                "buyers,” said Raj Patel, an analyst at research firm TechInsight.",
                "Others noted that earlier foldable laptops from rival makers sold in small "
                "numbers and suffered from fragile hinges."}),
          para({"Lumen said its hinge had been tested for 50,000 folds and that the screen was "
                "protected by a new layer of ultra-thin glass.",
                "The company also announced a two-year warranty that covers screen damage."}),
          para({"Shares in Lumen rose 3.2% in New York after the presentation."}),
          junk("Share this article"),
          junk("Tags: Laptops, Lumen, Hardware"),
          junk("a41f9e27c0b3d5e8"),
          junk("Source link"),
          junk("Scroll to top"),
      },
      {"Lumen on Tuesday unveiled the Fold X, a laptop with a 16-inch folding screen that the "
       "company says runs for up to 20 hours on a single charge, as it tries to revive sales in a "
       "shrinking PC market.",
       "The device goes on sale in the United States and Europe on May 14 at a starting price of "
       "2,499 dollars, making it one of the most expensive consumer laptops on the market.",
       "Lumen said the long battery life comes from a new in-house processor, the L2 chip, which "
       "it claims uses 40% less power than the chip in its previous laptop."},
  };
  return a;
}

const Article& earthquake() {
  static const Article a{
      "Earthquake",
      "Magnitude 7.1 earthquake kills dozens in coastal region",
      "en",
      {
          junk("Published: 14 March 2024 09:12 GMT"),
          para({"A magnitude 7.1 earthquake struck off the southern coast early on Thursday, "
                "killing at least 46 people, injuring hundreds and bringing down buildings in "
                "several towns, officials said."}),
          para({"The quake hit at 4:17 a.m. at a depth of about 10 kilometres, roughly 35 "
                "kilometres southwest of the port city of Belmar, according to the national "
                "seismological institute."}),
          para({"Most of the deaths were in Belmar, where two apartment blocks and a hospital "
                "wing collapsed.",
                "Rescue teams with sniffer dogs searched through the rubble throughout the day, "
                "and the interior ministry said at least 60 people were still missing."}),
          junk("Advertisement"),
          para({"“The whole building was swaying, and then the lights went out,” said Carla "
                "Mendes, 52, who fled her fifth-floor apartment with her two children.",
                "“We ran down the stairs in the dark.”"}),
          para({"A tsunami warning was issued shortly after the quake but lifted two hours later, "
                "after waves of only 30 centimetres were recorded at the coast."}),
          junk("We use cookies to personalise content and ads. Accept all cookies"),
          para({"More than 120 aftershocks had been recorded by Thursday evening, the strongest of "
                "them measuring 5.4.",
                "Authorities urged residents to stay out of damaged buildings and opened 14 "
                "emergency shelters in schools and sports halls."}),
          para({"The president declared a state of emergency in three provinces and said the army "
                "would deploy 2,000 soldiers to help with rescue work and distribute food and "
                "water."}),
          junk("Read more: How to help the earthquake victims"),
          para({"Power and water were cut to about 180,000 homes, and the main coastal highway was "
                "closed after a landslide blocked it near the town of Vista Alegre."}),
          para({"Neighbouring countries and the European Union offered assistance, and a first "
                "team of search and rescue specialists was expected to arrive on Friday "
                "morning."}),
          para({"The region sits on a fault line and has suffered several deadly earthquakes, "
                "including a magnitude 6.8 quake in 1987 that killed more than 300 people."}),
          junk("About the author: Lucia Ferreira is our correspondent for the region."),
          junk("Share this article"),
          junk("Subscribe to our newsletter"),
          junk("d2c4e6f8a0b1c3e5"),
          junk("Source link"),
          junk("Scroll to top"),
      },
      {"A magnitude 7.1 earthquake struck off the southern coast early on Thursday, killing at "
       "least 46 people, injuring hundreds and bringing down buildings in several towns, "
       "officials said.",
       "The quake hit at 4:17 a.m. at a depth of about 10 kilometres, roughly 35 kilometres "
       "southwest of the port city of Belmar, according to the national seismological institute.",
       "The president declared a state of emergency in three provinces and said the army would "
       "deploy 2,000 soldiers to help with rescue work and distribute food and water."},
  };
  return a;
}

const Article& wildfire_es() {
  static const Article a{
      "WildfireSpanish",
      "Un incendio forestal obliga a evacuar a más de 3.000 vecinos en Castellón",
      "es",
      {
          para({"Un incendio forestal declarado el martes por la tarde en la sierra de Espadán ha "
                "obligado a evacuar a más de 3.000 vecinos de seis municipios y ha calcinado ya "
                "unas 4.500 hectáreas, según informaron este miércoles los servicios de "
                "emergencia."}),
          para({"Más de 400 bomberos, apoyados por 22 medios aéreos, trabajan en la extinción de "
                "las llamas, que avanzan empujadas por rachas de viento de hasta 70 kilómetros "
                "por hora."}),
          junk("Publicidad"),
          para({"El presidente regional, Carlos Mazón, afirmó que el incendio no está "
                "estabilizado y pidió a la población que siga en todo momento las indicaciones de "
                "las autoridades.",
                "«Las próximas horas son decisivas», dijo en una rueda de prensa celebrada en el "
                "puesto de mando avanzado."}),
          para({"Las autoridades sospechan que el fuego pudo originarse por una chispa de una "
                "máquina agrícola.",
                "La Guardia Civil ha abierto una investigación para esclarecer las causas."}),
          junk("Lee también: Las claves de la sequía en el Mediterráneo"),
          para({"Los evacuados han sido trasladados a polideportivos y albergues de localidades "
                "cercanas, donde la Cruz Roja les ofrece comida, agua y atención sanitaria."}),
          para({"La Agencia Estatal de Meteorología ha activado el aviso rojo por temperaturas de "
                "hasta 42 grados en el interior de la provincia, lo que complica las labores de "
                "extinción."}),
          junk("Compartir"),
          para({"Se trata del mayor incendio registrado en la Comunidad Valenciana en lo que va de "
                "año.",
                "Según los datos del Ministerio para la Transición Ecológica, en España se han "
                "quemado más de 60.000 hectáreas desde enero, un 30 % más que la media de la "
                "última década."}),
          para({"Los vecinos de Aín, uno de los pueblos desalojados, contaron que abandonaron sus "
                "casas en plena noche.",
                "«Vimos las llamas detrás de la montaña y cogimos lo imprescindible», relató "
                "Pilar Sanchis, de 67 años."}),
          para({"Las carreteras CV-200 y CV-223 permanecen cortadas al tráfico.",
                "El Gobierno central ha ofrecido el envío de la Unidad Militar de Emergencias si "
                "la situación empeora."}),
          junk("Suscríbete a nuestro boletín"),
          junk("Utilizamos cookies para mejorar tu experiencia. Si continúas navegando, aceptas "
               "su uso."),
          junk("Fuente: EFE"),
          junk("Source link"),
          junk("7c2e9a41b8d3f605"),
          junk("Scroll to top"),
      },
      {"Un incendio forestal declarado el martes por la tarde en la sierra de Espadán ha obligado "
       "a evacuar a más de 3.000 vecinos de seis municipios y ha calcinado ya unas 4.500 "
       "hectáreas, según informaron este miércoles los servicios de emergencia.",
       "Más de 400 bomberos, apoyados por 22 medios aéreos, trabajan en la extinción de las "
       "llamas, que avanzan empujadas por rachas de viento de hasta 70 kilómetros por hora.",
       "El presidente regional, Carlos Mazón, afirmó que el incendio no está estabilizado y pidió "
       "a la población que siga en todo momento las indicaciones de las autoridades."},
  };
  return a;
}

std::vector<const Article*> all_articles() {
  return {&rate_decision(),  &summit(),     &cup_final(),
          &product_launch(), &earthquake(), &wildfire_es()};
}

// The summary cut back into the article's sentences, in document order; a failure names the
// first part that is not a whole sentence of the article (or is out of order).
::testing::AssertionResult split_summary(const Article& article, std::string_view summary,
                                         std::vector<std::string_view>& out) {
  out.clear();
  const std::vector<std::string_view> sentences = article.sentences();
  std::size_t next = 0;
  std::size_t pos = 0;
  while (pos < summary.size()) {
    const std::string_view rest = summary.substr(pos);
    bool found = false;
    for (std::size_t i = next; i < sentences.size() && !found; ++i) {
      const std::string_view s = sentences[i];
      if (rest.starts_with(s) && (rest.size() == s.size() || rest[s.size()] == ' ')) {
        out.push_back(s);
        next = i + 1;
        pos += s.size() + 1;
        found = true;
      }
    }
    if (!found) {
      return ::testing::AssertionFailure()
             << "not a whole sentence of the article, or out of document order: \"" << rest << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

Summarizer with(std::string_view config) {
  return Summarizer(parse_options(config));
}

class ArticleTest : public ::testing::TestWithParam<const Article*> {
protected:
  const Article& article() const { return *GetParam(); }
  std::string summarize(std::string_view config) const {
    return with(config).summarize(article().text(), article().title, article().language);
  }
};

} // namespace

TEST_P(ArticleTest, IsANewsSizedArticleWithKeySentencesOfItsOwn) {
  std::size_t words = 0;
  for (const std::string_view s : article().sentences()) {
    words += feedwire::text::words(s).size();
  }
  EXPECT_GE(words, 300U);
  EXPECT_LE(words, 800U);
  ASSERT_EQ(article().key.size(), 3U);
  const std::vector<std::string_view> sentences = article().sentences();
  for (const std::string_view key : article().key) {
    EXPECT_NE(std::find(sentences.begin(), sentences.end(), key), sentences.end()) << key;
  }
}

TEST_P(ArticleTest, SummaryHasTheRequestedNumberOfWholeSentencesInDocumentOrder) {
  for (const int n : {1, 2, 3, 4, 6}) {
    const std::string summary = summarize("{\"sentences\": " + std::to_string(n) + "}");
    std::vector<std::string_view> parts;
    ASSERT_TRUE(split_summary(article(), summary, parts)) << "sentences=" << n;
    EXPECT_EQ(parts.size(), static_cast<std::size_t>(n)) << summary;
  }
}

TEST_P(ArticleTest, SummaryLeavesOutBoilerplate) {
  for (const std::string_view config :
       {"{}", "{\"algorithm\": \"lexrank\"}", "{\"sentences\": 10}", "{\"min_words\": 0}"}) {
    const std::string summary = summarize(config);
    for (const std::string_view line : article().boilerplate()) {
      EXPECT_EQ(summary.find(line), std::string::npos) << config << ": " << line;
    }
    std::vector<std::string_view> parts;
    EXPECT_TRUE(split_summary(article(), summary, parts)) << config;
  }
}

TEST_P(ArticleTest, TextRankPicksTheKeySentences) {
  const std::string summary = summarize("{}");
  std::vector<std::string_view> parts;
  ASSERT_TRUE(split_summary(article(), summary, parts));
  ASSERT_EQ(parts.size(), 3U);
  std::size_t hits = 0;
  for (const std::string_view key : article().key) {
    hits += std::find(parts.begin(), parts.end(), key) != parts.end() ? 1 : 0;
  }
  EXPECT_GE(hits, 2U) << summary;
}

TEST_P(ArticleTest, LexRankPicksTheKeySentences) {
  const std::string summary = summarize("{\"algorithm\": \"lexrank\"}");
  std::vector<std::string_view> parts;
  ASSERT_TRUE(split_summary(article(), summary, parts));
  ASSERT_EQ(parts.size(), 3U);
  std::size_t hits = 0;
  for (const std::string_view key : article().key) {
    hits += std::find(parts.begin(), parts.end(), key) != parts.end() ? 1 : 0;
  }
  EXPECT_GE(hits, 2U) << summary;
}

TEST_P(ArticleTest, SummaryFitsMaxChars) {
  for (const int limit : {100, 250, 400, 700}) {
    const std::string summary =
        summarize("{\"sentences\": 10, \"max_chars\": " + std::to_string(limit) + "}");
    EXPECT_LE(code_points(summary), static_cast<std::size_t>(limit)) << summary;
    std::vector<std::string_view> parts;
    ASSERT_TRUE(split_summary(article(), summary, parts)) << "max_chars=" << limit;
    // Every article has a sentence short enough for the smallest limit.
    EXPECT_FALSE(parts.empty()) << "max_chars=" << limit;
  }
}

TEST_P(ArticleTest, SentencesAndMaxCharsBothHold) {
  std::vector<std::string_view> parts;
  const std::string few = summarize("{\"sentences\": 2, \"max_chars\": 2000}");
  ASSERT_TRUE(split_summary(article(), few, parts));
  EXPECT_EQ(parts.size(), 2U);
  const std::string short_one = summarize("{\"sentences\": 5, \"max_chars\": 300}");
  ASSERT_TRUE(split_summary(article(), short_one, parts));
  EXPECT_LE(code_points(short_one), 300U);
  EXPECT_GE(parts.size(), 1U);
  EXPECT_LE(parts.size(), 5U);
}

TEST_P(ArticleTest, EveryChosenSentenceIsLongEnough) {
  std::vector<std::string_view> parts;
  const std::string summary = summarize("{\"sentences\": 8, \"min_words\": 12}");
  ASSERT_TRUE(split_summary(article(), summary, parts));
  EXPECT_EQ(parts.size(), 8U);
  for (const std::string_view s : parts) {
    EXPECT_GE(feedwire::text::words(s).size(), 12U) << s;
  }
}

INSTANTIATE_TEST_SUITE_P(Articles, ArticleTest, ::testing::ValuesIn(all_articles()),
                         [](const ::testing::TestParamInfo<const Article*>& param) {
                           return std::string(param.param->name);
                         });

TEST(Summarizer, TitleRepeatedAsFirstSentenceIsNotRepeated) {
  const Article& a = rate_decision();
  const std::string text = std::string(a.title) + "\n" + a.text();
  const std::string summary = with("{}").summarize(text, a.title, "en");
  EXPECT_EQ(summary.find(a.title), std::string::npos) << summary;
  std::vector<std::string_view> parts;
  EXPECT_TRUE(split_summary(a, summary, parts));
  EXPECT_EQ(parts.size(), 3U);
  // Without the title to compare with, the headline line is an ordinary first sentence.
  EXPECT_NE(with("{\"position_weight\": 1}").summarize(text, "", "en").find(a.title),
            std::string::npos);
}

TEST(Summarizer, ShortTextGivesWhatThereIs) {
  const std::string_view text = "Share this article\nThe council approved the new budget on "
                                "Monday evening. Spending on schools will rise by four percent.\n"
                                "Advertisement";
  EXPECT_EQ(with("{\"sentences\": 3}").summarize(text, "", "en"),
            "The council approved the new budget on Monday evening. Spending on schools will "
            "rise by four percent.");
}

TEST(Summarizer, TextOfOnlyShortSentencesIsStillSummarised) {
  EXPECT_EQ(with("{}").summarize("Rates rise. Markets fall.", "", "en"),
            "Rates rise. Markets fall.");
}

TEST(Summarizer, EmptyOrBoilerplateOnlyTextHasNoSummary) {
  EXPECT_EQ(with("{}").summarize("", "A title", "en"), "");
  EXPECT_EQ(with("{}").summarize("\n\n", "A title", "en"), "");
  EXPECT_EQ(with("{}").summarize("Share this article\nSubscribe to our newsletter\nSource link\n"
                                 "5f3a9c7e2b1d4e6f\nScroll to top",
                                 "A title", "en"),
            "");
}

TEST(Summarizer, NothingWhenMaxCharsIsBelowEverySentence) {
  EXPECT_EQ(with("{\"max_chars\": 10}").summarize(earthquake().text(), "", "en"), "");
}

TEST(Summarizer, PositionWeightOneGivesTheLead) {
  for (const Article* a : all_articles()) {
    EXPECT_EQ(with("{\"sentences\": 1, \"position_weight\": 1}").summarize(a->text(), "", ""),
              a->sentences().front())
        << a->name;
  }
}

TEST(Summarizer, RepeatedSentenceIsChosenOnce) {
  const std::string_view repeat = "The government announced a national plan to build 200,000 new "
                                  "homes over the next five years.";
  std::string text(repeat);
  text += "\nBuilders welcomed the plan but warned that a shortage of skilled workers could "
          "delay it.\nThe opposition called the housing plan too little and too late for young "
          "families.\nThe homes plan will be paid for by a new levy on developers, officials "
          "said.\n";
  text += repeat;
  const std::string summary = with("{\"sentences\": 3}").summarize(text, "", "en");
  const std::size_t first = summary.find(repeat);
  ASSERT_NE(first, std::string::npos) << summary;
  EXPECT_EQ(summary.find(repeat, first + 1), std::string::npos) << summary;
}

TEST(Summarizer, SentencesBeyondTheRankingCapAreNeverChosen) {
  // Sentences 0..199 say unrelated things; the later ones all say the same, so they would win
  // the ranking if they took part.
  std::string text;
  for (std::size_t i = 0; i < feedwire::summarizer::k_max_ranked_sentences; ++i) {
    text += "Item " + std::to_string(i) + " mentions word" + std::to_string(i) + "a and word" +
            std::to_string(i) + "b and nothing else here.\n";
  }
  const std::string central = "Inflation inflation prices prices rates rates bank bank.";
  for (int i = 0; i < 100; ++i) {
    text += central + "\n";
  }
  const std::string summary = with("{\"position_weight\": 0}").summarize(text, "", "en");
  EXPECT_FALSE(summary.empty());
  EXPECT_EQ(summary.find("Inflation"), std::string::npos) << summary;
}

TEST(Summarizer, JapaneseTextGivesWholeSentences) {
  const std::string_view text =
      "政府は月曜日、新しい経済対策を発表した。対策の規模は総額十兆円に上る。\n"
      "経済対策には、物価高に苦しむ家計への支援策が多く盛り込まれた。\n"
      "首相は記者会見で、経済対策の早期実施を約束した。野党は財源が不明確だと批判した。";
  const std::string summary = with("{\"sentences\": 2}").summarize(text, "", "ja");
  ASSERT_FALSE(summary.empty());
  std::size_t count = 0;
  for (const feedwire::text::Sentence& s : feedwire::text::split_sentences(text)) {
    count += summary.find(s.text) != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(count, 2U) << summary;
  EXPECT_TRUE(summary.ends_with("。")) << summary;
}

TEST(Summarizer, LanguageDecidesAndTheOptionOverridesTheStory) {
  // English stop words and plural folding change the ranking, so the language shows.
  const Summarizer english(parse_options(R"({"language": "en", "sentences": 5})"));
  const Summarizer from_story(parse_options(R"({"sentences": 5})"));
  for (const Article* a : {&rate_decision(), &summit(), &earthquake()}) {
    const std::string as_english = from_story.summarize(a->text(), a->title, "en");
    EXPECT_NE(from_story.summarize(a->text(), a->title, "fr"), as_english) << a->name;
    EXPECT_EQ(english.summarize(a->text(), a->title, "fr"), as_english) << a->name;
    // No language at all means English.
    EXPECT_EQ(from_story.summarize(a->text(), a->title, ""), as_english) << a->name;
    EXPECT_EQ(from_story.summarize(a->text(), a->title, "EN-gb"), as_english) << a->name;
  }
}

TEST(Config, DefaultsWhenEmpty) {
  for (const std::string_view config : {"{}", "", "  \n"}) {
    const Options o = parse_options(config);
    EXPECT_EQ(o.algorithm, Algorithm::textrank);
    EXPECT_EQ(o.sentences, 3U);
    EXPECT_EQ(o.max_chars, 0U);
    EXPECT_EQ(o.min_words, 5U);
    EXPECT_DOUBLE_EQ(o.position_weight, 0.3);
    EXPECT_EQ(o.language, "");
  }
}

TEST(Config, ReadsEveryKey) {
  const Options o = parse_options(R"({"algorithm": "lexrank", "sentences": 5, "max_chars": 280,
      "min_words": 0, "position_weight": 1, "language": "de-AT"})");
  EXPECT_EQ(o.algorithm, Algorithm::lexrank);
  EXPECT_EQ(o.sentences, 5U);
  EXPECT_EQ(o.max_chars, 280U);
  EXPECT_EQ(o.min_words, 0U);
  EXPECT_DOUBLE_EQ(o.position_weight, 1.0);
  EXPECT_EQ(o.language, "de-AT");
}

// The error message names the key and what it allows.
void expect_config_error(std::string_view config, std::initializer_list<std::string_view> parts) {
  try {
    (void)parse_options(config);
    ADD_FAILURE() << "accepted: " << config;
  } catch (const ConfigError& e) {
    for (const std::string_view part : parts) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(std::string(part))) << config;
    }
  }
}

TEST(Config, RejectsUnknownKeys) {
  expect_config_error(R"({"sentence": 3})", {"unknown config key \"sentence\"", "sentences"});
}

TEST(Config, RejectsOutOfRangeAndMistypedValues) {
  expect_config_error(R"({"sentences": 0})", {"\"sentences\"", "from 1 to 100", "got 0"});
  expect_config_error(R"({"sentences": 101})", {"\"sentences\"", "from 1 to 100"});
  expect_config_error(R"({"sentences": "3"})", {"\"sentences\"", "integer"});
  expect_config_error(R"({"sentences": 2.5})", {"\"sentences\"", "integer"});
  expect_config_error(R"({"max_chars": -1})", {"\"max_chars\"", "from 0 to 1000000"});
  expect_config_error(R"({"min_words": 101})", {"\"min_words\"", "from 0 to 100"});
  expect_config_error(R"({"position_weight": 1.5})", {"\"position_weight\"", "from 0 to 1"});
  expect_config_error(R"({"position_weight": -0.1})", {"\"position_weight\""});
  expect_config_error(R"({"position_weight": "high"})", {"\"position_weight\""});
  expect_config_error(R"({"algorithm": "bogus"})", {"\"algorithm\"", "textrank", "lexrank"});
  expect_config_error(R"({"algorithm": 1})", {"\"algorithm\""});
  expect_config_error(R"({"language": ""})", {"\"language\"", "language tag"});
  expect_config_error(R"({"language": "en us"})", {"\"language\""});
  expect_config_error(R"({"language": 5})", {"\"language\""});
}

TEST(Config, RejectsWhatIsNotAJsonObject) {
  expect_config_error("{\"sentences\": ", {"not valid JSON"});
  expect_config_error("[1, 2]", {"JSON object", "array"});
  expect_config_error("3", {"JSON object"});
}

// The plugin as feedwired loads it: build/plugins/summarizer.so, through feedwired's own host.
namespace {

using fw::plugin_host::Additions;
using fw::plugin_host::Outcome;
using fw::plugin_host::Plugin;
using fw::plugin_host::StoryView;

// A story as feedwired hands it to plugins.
Outcome run(Plugin& plugin, const fw::model::Story& story, std::string_view language,
            Additions& additions) {
  const StoryView view{&story, "0123456789abcdef", "wire", "", language};
  return plugin.process(view, additions);
}

class PluginTest : public ::testing::Test {
protected:
  void SetUp() override {
    const std::string path = FW_BINARY_DIR "/plugins/summarizer.so";
    // tests/CMakeLists.txt builds the plugin before this test.
    ASSERT_TRUE(std::filesystem::exists(path)) << path << " is not built";
    m_plugin.emplace(
        Plugin::load("summarizer", path, {}, [this](std::int32_t, std::string_view message) {
          m_log.emplace_back(message);
        }));
  }

  std::vector<std::string> m_log;
  std::optional<Plugin> m_plugin; // after m_log: its destroy() may still log
};

} // namespace

TEST_F(PluginTest, DescribesItselfAsConcurrent) {
  EXPECT_EQ(m_plugin->plugin_name(), "summarizer");
  EXPECT_EQ(m_plugin->plugin_version(), "1.0.0");
  EXPECT_TRUE(m_plugin->concurrent());
}

TEST_F(PluginTest, SetsTheSummaryOfAStory) {
  const std::string config = R"({"sentences": 2})";
  m_plugin->create(config);
  const Article& a = summit();
  fw::model::Story story;
  story.text = a.text();
  story.title = std::string(a.title);
  Additions additions;
  const Outcome out = run(*m_plugin, story, "en", additions);
  EXPECT_EQ(out.status, FW_OK);
  EXPECT_FALSE(out.drop);
  ASSERT_TRUE(additions.summary.has_value());
  EXPECT_EQ(*additions.summary, with(config).summarize(a.text(), a.title, "en"));
  std::vector<std::string_view> parts;
  EXPECT_TRUE(split_summary(a, *additions.summary, parts));
  EXPECT_EQ(parts.size(), 2U);
}

TEST_F(PluginTest, LeavesAStoryWithoutTextAlone) {
  m_plugin->create("{}");
  fw::model::Story story;
  story.title = "A headline on its own";
  Additions additions;
  Outcome out = run(*m_plugin, story, "", additions);
  EXPECT_EQ(out.status, FW_OK);
  EXPECT_FALSE(out.drop);
  EXPECT_FALSE(additions.summary.has_value());
  fw::model::Story boilerplate;
  boilerplate.text = "Share this article\nAdvertisement";
  boilerplate.title = "Title";
  out = run(*m_plugin, boilerplate, "en", additions);
  EXPECT_EQ(out.status, FW_OK);
  EXPECT_FALSE(out.drop);
  EXPECT_FALSE(additions.summary.has_value());
}

TEST_F(PluginTest, RefusesABadConfigurationAndSaysWhy) {
  EXPECT_THROW(m_plugin->create(R"({"sentences": 0})"), fw::ConfigError);
  ASSERT_EQ(m_log.size(), 1U);
  EXPECT_THAT(m_log[0], ::testing::HasSubstr("\"sentences\""));
}
