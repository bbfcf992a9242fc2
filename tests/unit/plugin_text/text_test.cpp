#include "text/text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace text = feedwire::text;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

namespace {

std::vector<std::string> sentences_of(std::string_view s) {
  std::vector<std::string> out;
  for (const text::Sentence& sentence : text::split_sentences(s)) {
    out.emplace_back(sentence.text);
  }
  return out;
}

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  for (const text::Word& w : text::words(s)) {
    out.emplace_back(w.text);
  }
  return out;
}

} // namespace

TEST(Boilerplate, SharePromptsAndButtonRows) {
  for (const std::string_view line :
       {"Share this article", "Share", "SHARE", "Share on Facebook", "Share via Email",
        "Facebook Twitter LinkedIn Email", "Share Tweet Email", "Print this page", "Tweet",
        "Copy link", "5 min read"}) {
    EXPECT_TRUE(text::is_boilerplate_line(line)) << line;
  }
}

TEST(Boilerplate, SubscribeAndFollowPrompts) {
  for (const std::string_view line :
       {"Subscribe to our newsletter",
        "Sign up for our daily newsletter to get the latest headlines delivered to your inbox.",
        "Subscribe", "Newsletter", "Follow us on Twitter", "Follow us", "Like us on Facebook",
        "Support independent journalism: become a member today."}) {
    EXPECT_TRUE(text::is_boilerplate_line(line)) << line;
  }
}

TEST(Boilerplate, LinksCreditsAndNavigation) {
  for (const std::string_view line : {"Source link",
                                      "Source: Reuters",
                                      "Scroll to top",
                                      "Back to top ↑",
                                      "Skip to content",
                                      "Read more: Fed holds rates steady",
                                      "» Read more",
                                      "Read more…",
                                      "Continue reading",
                                      "Related: Five things to know about the summit",
                                      "See also: Our coverage of the floods",
                                      "Tags: economy, inflation",
                                      "Click here to subscribe",
                                      "Getty Images",
                                      "Image caption, Rescue workers at the scene",
                                      "Photo: Jane Doe/Reuters",
                                      "Home > World > Europe",
                                      "News | Sport | Weather | Culture",
                                      "Home / Politics",
                                      "The post Fed holds rates appeared first on Example News.",
                                      "Reporting by Jane Doe; Editing by John Smith",
                                      "(Reporting by Jane Doe in Frankfurt)",
                                      "By Jane Doe and John Smith, Reuters",
                                      "By Reuters"}) {
    EXPECT_TRUE(text::is_boilerplate_line(line)) << line;
  }
}

TEST(Boilerplate, AuthorNotesAtAnyLength) {
  EXPECT_TRUE(text::is_boilerplate_line("About the author"));
  EXPECT_TRUE(text::is_boilerplate_line(
      "About the author: Jane Doe has covered central banks for a decade and previously worked "
      "at a ratings agency in London, where she wrote about sovereign debt."));
  EXPECT_TRUE(text::is_boilerplate_line(
      "This article originally appeared in The Conversation and is republished under a Creative "
      "Commons licence."));
}

TEST(Boilerplate, CookieNoticesAndRightsLines) {
  for (const std::string_view line :
       {"We use cookies to improve your experience. By continuing to browse the site you agree to "
        "our use of cookies.",
        "This website uses cookies.", "Accept cookies", "Accept all cookies",
        "© 2024 Example Media Ltd", "Copyright 2024 The Associated Press. All rights reserved.",
        "Copyright © Example News", "All rights reserved."}) {
    EXPECT_TRUE(text::is_boilerplate_line(line)) << line;
  }
}

TEST(Boilerplate, AdvertisementLabels) {
  for (const std::string_view line :
       {"Advertisement", "ADVERTISEMENT", "Advertisement - Scroll to continue", "Sponsored",
        "Advertisement · Continue reading below"}) {
    EXPECT_TRUE(text::is_boilerplate_line(line)) << line;
  }
}

TEST(Boilerplate, LinesOfOnlyIdsUrlsNumbersAndDates) {
  for (const std::string_view line :
       {"5f3a9c7e2b1d4e6f", "550e8400-e29b-41d4-a716-446655440000", "https://example.com/story/123",
        "www.example.com", "42", "1,234", "March 3, 2024", "Updated March 3, 2024 at 10:32 a.m. ET",
        "2024-03-03 10:32", "Mon, 04 Mar 2024", "(2024)", "3 hours ago"}) {
    EXPECT_TRUE(text::is_boilerplate_line(line)) << line;
  }
}

TEST(Boilerplate, CommonPromptsOfSpanishGermanAndFrenchSites) {
  for (const std::string_view line :
       {"Publicidad", "Compartir", "Lee también: El Gobierno aprueba el presupuesto", "Fuente: EFE",
        "Utilizamos cookies para mejorar su experiencia.", "Werbung", "Anzeige",
        "Lesen Sie auch: Bahnstreik legt Verkehr lahm", "Alle Rechte vorbehalten.", "Publicité",
        "Lire aussi : Le gouvernement présente son budget"}) {
    EXPECT_TRUE(text::is_boilerplate_line(line)) << line;
  }
  EXPECT_FALSE(text::is_boilerplate_line("Die Polizei hat Anzeige gegen den Fahrer erstattet."));
  EXPECT_FALSE(text::is_boilerplate_line("La publicidad institucional creció un 12 % en 2023."));
}

TEST(Boilerplate, EmptyAndSymbolOnlyLines) {
  EXPECT_TRUE(text::is_boilerplate_line(""));
  EXPECT_TRUE(text::is_boilerplate_line("   \t"));
  EXPECT_TRUE(text::is_boilerplate_line("•"));
  EXPECT_TRUE(text::is_boilerplate_line("* * *"));
}

TEST(Boilerplate, ReadMoreLinkIsBoilerplateWithOrWithoutFullStop) {
  // A short "Read more about X" line is a link to another article, not part of this one.
  EXPECT_TRUE(text::is_boilerplate_line("Read more about the budget in our explainer"));
  EXPECT_TRUE(text::is_boilerplate_line("Read more about the budget in our explainer."));
  // Prose that happens to start the same way is content.
  EXPECT_FALSE(text::is_boilerplate_line("Read more than 300 pages of the report and you will "
                                         "find no mention of climate, the senator said."));
  EXPECT_FALSE(text::is_boilerplate_line(
      "Readers who read more than one newspaper a day were better informed, the study found."));
}

TEST(Boilerplate, ContentThatStartsLikeBoilerplate) {
  for (const std::string_view line : {
           "Shares in the company fell 5% after the announcement.",
           "Share prices fell sharply on Monday as investors weighed the decision.",
           "Advertisement spending rose 4% in the quarter, the company said.",
           "Sources said the deal could be announced as soon as Friday.",
           "Follow-up talks are scheduled for next month.",
           "Copyright lawsuits against AI companies multiplied last year.",
           "Related charges were filed against two other executives.",
           "Home prices rose 3% in March, the fastest pace in a year.",
           "Search and rescue teams worked through the night.",
           "Updated forecasts show growth slowing to 1.2% next year.",
           "May 2024 was the hottest May on record, scientists said.",
           "By Tuesday evening, the river had risen by three metres.",
           "Getty Images reported record revenue for the quarter, its chief executive said.",
           "Subscribers to the newspaper's newsletter fell by a fifth last year.",
       }) {
    EXPECT_FALSE(text::is_boilerplate_line(line)) << line;
  }
}

TEST(Boilerplate, ArticlesAboutCookiesAreContent) {
  EXPECT_FALSE(text::is_boilerplate_line("The EU's rules require websites to obtain consent "
                                         "before placing cookies on users' devices."));
  EXPECT_FALSE(text::is_boilerplate_line(
      "Regulators said the company's cookie banner misled users into accepting tracking."));
}

TEST(Boilerplate, ShortContentLinesStayContent) {
  EXPECT_FALSE(text::is_boilerplate_line("The vote was close."));
  EXPECT_FALSE(text::is_boilerplate_line("Rates on hold"));
  EXPECT_FALSE(text::is_boilerplate_line("Die Zentralbank hat die Zinsen erhöht."));
  EXPECT_FALSE(text::is_boilerplate_line("東京で会議が開かれた。"));
}

TEST(ContentLines, DropsBoilerplateAndEmptyLinesAndTrims) {
  const std::string_view text = "  The first paragraph.  \n\nShare this article\n"
                                "Advertisement\r\nThe second paragraph.\n5f3a9c7e2b1d\n";
  const std::vector<std::string_view> lines = text::content_lines(text);
  ASSERT_THAT(lines, ElementsAre("The first paragraph.", "The second paragraph."));
  // Views into the input, not copies.
  EXPECT_GE(lines[0].data(), text.data());
  EXPECT_LE(lines[1].data() + lines[1].size(), text.data() + text.size());
}

TEST(ContentLines, EmptyTextHasNone) {
  EXPECT_THAT(text::content_lines(""), IsEmpty());
  EXPECT_THAT(text::content_lines("\n\n \n"), IsEmpty());
}

TEST(SplitSentences, DoesNotSplitAfterUsBeforeAName) {
  EXPECT_THAT(sentences_of("The U.S. Senate voted on Tuesday. The bill now goes to the House."),
              ElementsAre("The U.S. Senate voted on Tuesday.", "The bill now goes to the House."));
}

TEST(SplitSentences, SplitsAfterUsAtTheEndOfASentence) {
  EXPECT_THAT(sentences_of("Talks resumed in the U.S. The delegates met again on Monday."),
              ElementsAre("Talks resumed in the U.S.", "The delegates met again on Monday."));
}

TEST(SplitSentences, TitlesNeverEndASentence) {
  EXPECT_THAT(sentences_of("Mr. Smith met Gen. Jones and Dr. Lee in St. Louis. They spoke "
                           "with Lt. Col. Mrs. Brown, Sen. Warren and Rep. Khanna."),
              ElementsAre("Mr. Smith met Gen. Jones and Dr. Lee in St. Louis.",
                          "They spoke with Lt. Col. Mrs. Brown, Sen. Warren and Rep. Khanna."));
}

TEST(SplitSentences, AmAndPm) {
  EXPECT_THAT(sentences_of("The meeting began at 10 a.m. The vote came at 4 p.m. on Friday. "
                           "Polls close at 8 p.m. Eastern time."),
              ElementsAre("The meeting began at 10 a.m.", "The vote came at 4 p.m. on Friday.",
                          "Polls close at 8 p.m. Eastern time."));
}

TEST(SplitSentences, Decimals) {
  EXPECT_THAT(sentences_of("Inflation rose to 3.5 percent. Prices of 1,000.25 euros were quoted. "
                           "The index ended at 4.2. Analysts were surprised."),
              ElementsAre("Inflation rose to 3.5 percent.", "Prices of 1,000.25 euros were quoted.",
                          "The index ended at 4.2.", "Analysts were surprised."));
}

TEST(SplitSentences, StraightQuotesStayWithTheirSentence) {
  EXPECT_THAT(sentences_of("He said, \"We will win.\" Then he left. \"Stop!\" he shouted."),
              ElementsAre("He said, \"We will win.\"", "Then he left.", "\"Stop!\" he shouted."));
}

TEST(SplitSentences, CurlyQuotesStayWithTheirSentence) {
  EXPECT_THAT(sentences_of("“Why now?” she asked. “Because,” he said, “it’s time.” It was."),
              ElementsAre("“Why now?” she asked.", "“Because,” he said, “it’s time.”", "It was."));
}

TEST(SplitSentences, GermanAndSpanishQuotes) {
  EXPECT_THAT(sentences_of("Er sagte: „Wir gewinnen.“ Dann ging er."),
              ElementsAre("Er sagte: „Wir gewinnen.“", "Dann ging er."));
  EXPECT_THAT(sentences_of("¿Qué pasó? Nadie lo sabe. «Es grave», dijo."),
              ElementsAre("¿Qué pasó?", "Nadie lo sabe.", "«Es grave», dijo."));
}

TEST(SplitSentences, Ellipses) {
  EXPECT_THAT(sentences_of("He paused... and then continued. Nobody knew why… The end came. "
                           "She waited … and waited."),
              ElementsAre("He paused... and then continued.", "Nobody knew why…", "The end came.",
                          "She waited … and waited."));
}

TEST(SplitSentences, Initials) {
  EXPECT_THAT(sentences_of("John F. Kennedy was elected in 1960. J. K. Rowling wrote the books. "
                           "They chose Plan B. The rest followed."),
              ElementsAre("John F. Kennedy was elected in 1960.", "J. K. Rowling wrote the books.",
                          "They chose Plan B.", "The rest followed."));
}

TEST(SplitSentences, UrlsAndEmailAddresses) {
  EXPECT_THAT(sentences_of("Visit https://example.com/a.b?x=1&y=2 for details. Write to "
                           "press@example.org today. The site is example.com. It loads fast."),
              ElementsAre("Visit https://example.com/a.b?x=1&y=2 for details.",
                          "Write to press@example.org today.", "The site is example.com.",
                          "It loads fast."));
}

TEST(SplitSentences, AbbreviationsBeforeNumbersAndLowerCaseWords) {
  EXPECT_THAT(sentences_of("It starts on Jan. 5 at No. 10 Downing Street, see p. 4. Fruit, e.g. "
                           "apples, pears, etc. are cheap. Vegetables, nuts, etc. Also beans."),
              ElementsAre("It starts on Jan. 5 at No. 10 Downing Street, see p. 4.",
                          "Fruit, e.g. apples, pears, etc. are cheap.", "Vegetables, nuts, etc.",
                          "Also beans."));
}

TEST(SplitSentences, HyphenatedAbbreviationAndListNumbers) {
  EXPECT_THAT(sentences_of("U.S.-China trade talks resumed. 1. The first point is cost."),
              ElementsAre("U.S.-China trade talks resumed.", "1. The first point is cost."));
}

TEST(SplitSentences, FullWidthPunctuation) {
  EXPECT_THAT(sentences_of("東京で会議が開かれた。首相が出席した！本当か？"),
              ElementsAre("東京で会議が開かれた。", "首相が出席した！", "本当か？"));
  EXPECT_THAT(sentences_of("他说：“我们会赢。”然后离开了。"),
              ElementsAre("他说：“我们会赢。”", "然后离开了。"));
}

TEST(SplitSentences, CyrillicAndGreek) {
  EXPECT_THAT(sentences_of("Это важно. Мы начали. Αυτό είναι σημαντικό. Ξεκινήσαμε."),
              ElementsAre("Это важно.", "Мы начали.", "Αυτό είναι σημαντικό.", "Ξεκινήσαμε."));
}

TEST(SplitSentences, ParagraphsEndSentencesAndAreNumbered) {
  const std::string_view text = "A headline without a full stop\nShare this article\n"
                                "The body starts here. It goes on\nLast one.";
  const std::vector<text::Sentence> s = text::split_sentences(text);
  ASSERT_EQ(s.size(), 4U);
  EXPECT_EQ(s[0].text, "A headline without a full stop");
  EXPECT_EQ(s[1].text, "The body starts here.");
  EXPECT_EQ(s[2].text, "It goes on");
  EXPECT_EQ(s[3].text, "Last one.");
  EXPECT_EQ(s[0].paragraph, 0U);
  EXPECT_EQ(s[1].paragraph, 1U);
  EXPECT_EQ(s[2].paragraph, 1U);
  EXPECT_EQ(s[3].paragraph, 2U);
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].index, i);
    EXPECT_GE(s[i].text.data(), text.data());
    EXPECT_LE(s[i].text.data() + s[i].text.size(), text.data() + text.size());
  }
}

TEST(SplitSentences, EmptyText) {
  EXPECT_THAT(text::split_sentences(""), IsEmpty());
  EXPECT_THAT(text::split_sentences("Advertisement\nShare"), IsEmpty());
}

TEST(Words, ApostrophesAndHyphensInsideWords) {
  EXPECT_THAT(words_of("Don't stop the state-of-the-art rock'n'roll"),
              ElementsAre("Don't", "stop", "the", "state-of-the-art", "rock'n'roll"));
  EXPECT_THAT(words_of("don’t"), ElementsAre("don’t"));
  EXPECT_THAT(words_of("the students' union in the '90s -- end-"),
              ElementsAre("the", "students", "union", "in", "the", "90s", "end"));
}

TEST(Words, NonAsciiLettersAndScripts) {
  EXPECT_THAT(
      words_of("São Paulo's mayor visited Zürich, Kraków and Москва."),
      ElementsAre("São", "Paulo's", "mayor", "visited", "Zürich", "Kraków", "and", "Москва"));
  EXPECT_THAT(words_of("東京、大阪"), ElementsAre("東京", "大阪"));
  EXPECT_THAT(words_of("naïve café"), ElementsAre("naïve", "café"));
}

TEST(Words, PunctuationAndSymbolsSeparate) {
  EXPECT_THAT(words_of("3.5% of €100 (approx.) — party 🎉 time!"),
              ElementsAre("3", "5", "of", "100", "approx", "party", "time"));
  EXPECT_THAT(words_of(""), IsEmpty());
  EXPECT_THAT(words_of(" ,;: "), IsEmpty());
}

TEST(Words, OffsetsAreByteOffsets) {
  const std::vector<text::Word> ws = text::words("Ça va, où?");
  ASSERT_EQ(ws.size(), 3U);
  EXPECT_EQ(ws[0].offset, 0U);
  EXPECT_EQ(ws[1].offset, 4U); // "Ç" is two bytes
  EXPECT_EQ(ws[2].offset, 8U);
}

TEST(Lower, LatinGreekCyrillic) {
  EXPECT_EQ(text::lower("HELLO World"), "hello world");
  EXPECT_EQ(text::lower("ÀÉÎÕÜ"), "àéîõü");
  EXPECT_EQ(text::lower("ŁÓDŹ ŒUVRE"), "łódź œuvre");
  EXPECT_EQ(text::lower("İSTANBUL"), "istanbul");
  EXPECT_EQ(text::lower("ΑΘΗΝΑ Άλφα"), "αθηνα άλφα");
  EXPECT_EQ(text::lower("МОСКВА ЁЖ"), "москва ёж");
  EXPECT_EQ(text::lower("Ÿ"), "ÿ");
}

TEST(Lower, LeavesOtherCharactersAndTurnsCurlyApostrophes) {
  EXPECT_EQ(text::lower("don’t"), "don't");
  EXPECT_EQ(text::lower("東京 ß 123 €"), "東京 ß 123 €");
  EXPECT_EQ(text::lower(""), "");
}

TEST(StartsUpper, FirstLetterDecides) {
  EXPECT_TRUE(text::starts_upper("Berlin"));
  EXPECT_TRUE(text::starts_upper("Élysée"));
  EXPECT_TRUE(text::starts_upper("Москва"));
  EXPECT_TRUE(text::starts_upper("“Quoted"));
  EXPECT_TRUE(text::starts_upper("3M"));
  EXPECT_FALSE(text::starts_upper("berlin"));
  EXPECT_FALSE(text::starts_upper("élan"));
  EXPECT_FALSE(text::starts_upper("東京"));
  EXPECT_FALSE(text::starts_upper(""));
}

TEST(StopWords, EnglishFunctionWordsInLowerCase) {
  for (const std::string_view w : {"the", "and", "said", "says", "don't", "mr", "however", "a"}) {
    EXPECT_TRUE(text::is_stop_word(w)) << w;
  }
  for (const std::string_view w : {"bank", "summit", "The", "rates", "", "der"}) {
    EXPECT_FALSE(text::is_stop_word(w)) << w;
  }
}

TEST(LooksLikeId, IdsNumbersUrlsAndAddresses) {
  for (const std::string_view t :
       {"12345", "1,000.25", "2024-03-01", "10:32", "5f3a9c7e2b1d", "deadbeef", "DEADBEEF01",
        "550e8400-e29b-41d4-a716-446655440000", "a1b2c3d4", "abc123def", "x7k2p9",
        "https://example.com/x", "http://a.b", "www.example.com", "press@example.org"}) {
    EXPECT_TRUE(text::looks_like_id(t)) << t;
  }
}

TEST(LooksLikeId, WordsAndNamesWithDigits) {
  for (const std::string_view t : {"G20", "H5N1", "COVID-19", "iPhone15", "MP3", "B2B", "cafe",
                                   "decade", "Facebook", "São", "", "@reuters", "3D"}) {
    EXPECT_FALSE(text::looks_like_id(t)) << t;
  }
}
