#include "dedupe/update.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace fw::dedupe {
namespace {

model::Story story(std::string title, std::string text) {
  model::Story s;
  s.id = "urn:1";
  s.title = std::move(title);
  s.text = std::move(text);
  return s;
}

std::vector<std::string> changes(const model::Story& before, const model::Story& after) {
  return changed_fields(content_fingerprint(before), content_fingerprint(after));
}

const std::vector<std::string> k_none;

TEST(Update, SameStoryIsNoUpdate) {
  const model::Story s = story("Storm hits coast", "Winds of 120 km/h.\n\nMore soon.");
  EXPECT_EQ(content_fingerprint(s), content_fingerprint(s));
  EXPECT_EQ(changes(s, s), k_none);
}

TEST(Update, WhiteSpaceOnlyIsNoUpdate) {
  EXPECT_EQ(changes(story("Storm hits coast", "Winds of 120 km/h.\n\nMore soon."),
                    story("  Storm  hits\tcoast ", "Winds of 120\xC2\xA0km/h. More soon.\n")),
            k_none);
}

TEST(Update, LetterCaseIsNoUpdate) {
  EXPECT_EQ(changes(story("Storm hits coast", "Winds are strong."),
                    story("Storm Hits Coast", "WINDS ARE STRONG.")),
            k_none);
  // Beyond ASCII too: Latin-1, Latin Extended-A, Greek, Cyrillic.
  EXPECT_EQ(
      changes(story("ÉTÉ À ŁÓDŹ", "ΑΘΗΝΑ ΆΈ МОСКВА ЁЖ"), story("été à łódź", "αθηνα άέ москва ёж")),
      k_none);
  // Other changes of letters are edits.
  EXPECT_EQ(changes(story("été", "x"), story("ete", "x")), std::vector<std::string>{"title"});
}

TEST(Update, TypographyAndInvisibleCharactersAreNoUpdate) {
  EXPECT_EQ(changes(story("\xE2\x80\x9CIt\xE2\x80\x99s over\xE2\x80\x9D \xE2\x80\x94 minister",
                          "Wait\xE2\x80\xA6 co\xC2\xADoperation\xE2\x80\x8B ends."),
                    story("\"It's over\" - minister", "Wait... cooperation ends.")),
            k_none);
}

TEST(Update, TrackingOnlyLinkChangeInTextIsNoUpdate) {
  EXPECT_EQ(changes(story("Report", "Read it at https://example.com/report?utm_source=rss."),
                    story("Report", "Read it at https://EXAMPLE.com:443/report?fbclid=x#top.")),
            k_none);
  EXPECT_EQ(changes(story("Report", "See (https://example.com/r?mc_cid=1) now"),
                    story("Report", "See (https://example.com/r) now")),
            k_none);
}

TEST(Update, OtherLinkInTextIsAnUpdate) {
  EXPECT_EQ(changes(story("Report", "Read it at https://example.com/report?page=1"),
                    story("Report", "Read it at https://example.com/report?page=2")),
            std::vector<std::string>{"text"});
}

TEST(Update, RealTitleEdit) {
  EXPECT_EQ(changes(story("Storm hits coast", "Body."), story("Storm hits north coast", "Body.")),
            std::vector<std::string>{"title"});
  // An appended "(update)" is an edit readers see.
  EXPECT_EQ(
      changes(story("Storm hits coast", "Body."), story("Storm hits coast (update)", "Body.")),
      std::vector<std::string>{"title"});
}

TEST(Update, RealTextEdit) {
  EXPECT_EQ(changes(story("Storm", "Two dead."), story("Storm", "Three dead.")),
            std::vector<std::string>{"text"});
  EXPECT_EQ(changes(story("Storm", "Winds of 120 km/h."), story("Storm", "Winds of 130 km/h.")),
            std::vector<std::string>{"text"});
}

TEST(Update, BothEditedListsTitleThenText) {
  EXPECT_EQ(changes(story("Storm", "Two dead."), story("Storm update", "Three dead.")),
            (std::vector<std::string>{"title", "text"}));
}

TEST(Update, TextFallsBackToSummary) {
  model::Story a;
  a.title = "T";
  a.summary_html = "<p>Short summary</p>";
  model::Story b = a;
  b.summary_html = "<p>Longer summary</p>";
  EXPECT_EQ(changes(a, b), std::vector<std::string>{"text"});
  model::Story c = a;
  c.text = "Short summary";
  EXPECT_NE(content_fingerprint(a), content_fingerprint(c)) << "text wins over summary_html";
}

TEST(Update, MissingTitleIsEmptyTitle) {
  model::Story a = story("", "Body");
  model::Story b = story("", "Body");
  b.title.reset();
  EXPECT_EQ(changes(a, b), k_none);
}

TEST(Update, NormalisedFormIsWhatIsHashed) {
  EXPECT_EQ(normalize_for_fingerprint(
                "  \xE2\x80\x98Hi\xE2\x80\x99 \xE2\x80\x93 see https://Example.com/a?utm_medium=x, "
                "OK\xE2\x80\x8B  "),
            "'hi' - see https://example.com/a, ok");
}

TEST(Update, CustomTrackingListIsUsedForLinksInText) {
  UrlOptions options;
  options.tracking_params = {"sid"};
  model::Story a = story("T", "at https://example.com/a?sid=1");
  model::Story b = story("T", "at https://example.com/a?sid=2");
  EXPECT_EQ(changed_fields(content_fingerprint(a, options), content_fingerprint(b, options)),
            k_none);
  EXPECT_EQ(changed_fields(content_fingerprint(a), content_fingerprint(b)),
            std::vector<std::string>{"text"});
}

} // namespace
} // namespace fw::dedupe
