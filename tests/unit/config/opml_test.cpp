#include "config/opml.hpp"
#include "test_files.hpp"

#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using fw::config::FeedConfig;
using fw::config::OnFirstPoll;
using fw::config::opml_to_toml;
using fw::config::parse_config;
using fw::config::parse_opml;
using fw::config::read_opml;
using fw::config::test::config_error;
using fw::config::test::fixture;
using fw::config::test::TempDir;
using testing::ElementsAre;
using testing::StartsWith;

std::vector<std::string> ids_of(const std::vector<FeedConfig>& feeds) {
  std::vector<std::string> out;
  for (const auto& f : feeds) {
    out.push_back(f.id);
  }
  return out;
}

// Everything but origin, which names where a feed was read from.
void expect_same_feeds(const std::vector<FeedConfig>& got, const std::vector<FeedConfig>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(want[i].id);
    EXPECT_EQ(got[i].id, want[i].id);
    EXPECT_EQ(got[i].url, want[i].url);
    EXPECT_EQ(got[i].title, want[i].title);
    EXPECT_EQ(got[i].interval, want[i].interval);
    EXPECT_EQ(got[i].tags, want[i].tags);
    EXPECT_EQ(got[i].headers, want[i].headers);
    EXPECT_EQ(got[i].user_agent, want[i].user_agent);
    EXPECT_EQ(got[i].enabled, want[i].enabled);
    EXPECT_EQ(got[i].on_first_poll, want[i].on_first_poll);
  }
}

TEST(Opml, OutlinesWithXmlUrlAtAnyDepthAreFeedsTaggedWithTheirFolders) {
  const auto file = fixture("nested.opml");
  auto feeds = read_opml(file);
  ASSERT_EQ(feeds.size(), 5U);

  EXPECT_EQ(feeds[0].url, "https://example.com/world.xml");
  EXPECT_EQ(feeds[0].title, "Example World");
  EXPECT_THAT(feeds[0].tags, ElementsAre("news", "world-politics"));
  EXPECT_EQ(feeds[0].origin, file.string() + ":9");

  EXPECT_EQ(feeds[2].url, "https://example.net/world.xml");
  EXPECT_THAT(feeds[2].tags, ElementsAre("tech"));

  // Attribute names in other cases (xmlURL) count; white space in titles is collapsed.
  EXPECT_EQ(feeds[4].url, "http://top.example.com/rss");
  EXPECT_EQ(feeds[4].title, "Top level");
  EXPECT_EQ(feeds[4].origin, file.string() + ":19");
  for (const auto& feed : feeds) {
    EXPECT_TRUE(feed.enabled);
    EXPECT_FALSE(feed.interval.has_value());
    EXPECT_TRUE(feed.headers.empty());
  }
}

TEST(Opml, CategoryAttributeBecomesTagsSplitAtCommasAndSlashes) {
  auto feeds = read_opml(fixture("nested.opml"));
  ASSERT_EQ(feeds.size(), 5U);
  EXPECT_THAT(feeds[1].tags, ElementsAre("news", "boston", "weather", "harvard", "economics"));
  EXPECT_THAT(feeds[4].tags, ElementsAre("misc"));
}

// A slug starts with neither a dot nor the dash that dropping dots would leave, so that a tag
// or id reads back the same. Found by tests/fuzz/opml_fuzz.cpp.
TEST(Opml, TagsAndIdsStartWithALetterOrDigit) {
  const auto feeds = parse_opml("<opml><body><outline text=\"..{ Title\" category=\"..{head/.-x\" "
                                "xmlUrl=\"http://e.example/\"/></body></opml>",
                                "subs.opml");
  ASSERT_EQ(feeds.size(), 1U);
  EXPECT_EQ(feeds[0].id, "title");
  EXPECT_THAT(feeds[0].tags, ElementsAre("head", "x"));
}

TEST(Opml, IdsComeFromTitleElseUrlAndAreUnique) {
  auto feeds = read_opml(fixture("nested.opml"));
  EXPECT_THAT(ids_of(feeds), ElementsAre("example-world", "first", "example-world-2",
                                         "blog.example.org-posts-feed.xml", "top-level"));
  EXPECT_FALSE(feeds[3].title.has_value());
}

TEST(Opml, GeneratedIdsNeverCollideWithFeedTables) {
  TempDir dir;
  dir.write("list.opml", R"(<opml version="1.0"><body>
  <outline text="News" xmlUrl="https://b.example/rss"/>
  <outline text="News" xmlUrl="https://c.example/rss"/>
</body></opml>)");
  auto cfg = parse_config("opml = [\"list.opml\"]\n"
                          "[[feed]]\nid = \"news\"\nurl = \"https://a.example/rss\"\n"
                          "[[feed]]\nid = \"news-2\"\nurl = \"https://a.example/rss2\"\n",
                          dir.path() / "feedwire.toml");
  EXPECT_THAT(ids_of(cfg.feeds), ElementsAre("news", "news-2", "news-3", "news-4"));
}

TEST(Opml, IdsStayUniqueAcrossSeveralOpmlFiles) {
  TempDir dir;
  dir.write("a.opml",
            R"(<opml><body><outline text="Same" xmlUrl="https://a.example/"/></body></opml>)");
  dir.write("b.opml",
            R"(<opml><body><outline text="Same" xmlUrl="https://b.example/"/></body></opml>)");
  auto cfg = parse_config("opml = [\"a.opml\", \"b.opml\"]\n", dir.path() / "feedwire.toml");
  EXPECT_THAT(ids_of(cfg.feeds), ElementsAre("same", "same-2"));
}

TEST(Opml, MalformedXmlNamesFileLineAndColumn) {
  const auto file = fixture("malformed.opml");
  EXPECT_EQ(config_error([&] { (void)read_opml(file); }),
            file.string() + ":5:5: malformed OPML: Start-end tags mismatch");
}

TEST(Opml, DocumentsThatAreNotOpmlAreRefused) {
  TempDir dir;
  auto rss = dir.write("feed.opml", "<?xml version=\"1.0\"?>\n<rss><channel/></rss>");
  EXPECT_EQ(config_error([&] { (void)read_opml(rss); }),
            rss.string() +
                ":2:2: not an OPML document: the root element must be <opml>, found <rss>");
  auto no_body = dir.write("nobody.opml", "<opml>\n<head/>\n</opml>");
  EXPECT_EQ(config_error([&] { (void)read_opml(no_body); }),
            no_body.string() + ":1:2: not an OPML document: <opml> has no <body>");
}

TEST(Opml, EveryBadUrlIsReportedWithItsLine) {
  TempDir dir;
  auto file = dir.write("bad.opml", R"(<opml><body>
<outline text="Gopher" xmlUrl="gopher://example.com/"/>
<outline text="Fine" xmlUrl="https://example.com/"/>
  <outline text="Relative" xmlUrl="/feed.xml"/>
</body></opml>)");
  EXPECT_EQ(config_error([&] { (void)read_opml(file); }),
            file.string() +
                ":2:2: outline \"Gopher\": xmlUrl \"gopher://example.com/\" must be an http:// "
                "or https:// URL\n" +
                file.string() +
                ":4:4: outline \"Relative\": xmlUrl \"/feed.xml\" is not a valid absolute URL");
}

// As in config_test.cpp: "&#10;" puts a line break into an attribute value.
TEST(Opml, EachProblemStaysOnItsLine) {
  const std::string opml = R"(<opml><body>
<outline text="x" xmlUrl="ftp://a&#10;b"/></body></opml>)";
  EXPECT_EQ(
      config_error([&] { (void)parse_opml(opml, "subs.opml"); }),
      "subs.opml:2:2: outline \"x\": xmlUrl \"ftp://a\\nb\" must be an http:// or https:// URL");
}

// The control characters dropped from a title leave no white space behind, so that the title
// reads back the same from feeds_to_opml. Found by tests/fuzz/opml_fuzz.cpp.
TEST(Opml, TitlesWithControlCharactersAreTrimmedAfterTheyAreDropped) {
  const auto feeds = parse_opml("<opml><body>"
                                "<outline text=\"\x17 e\" xmlUrl=\"http://e.example/\"/>"
                                "<outline text=\"a \x01 b\x02 \" xmlUrl=\"http://f.example/\"/>"
                                "</body></opml>",
                                "subs.opml");
  ASSERT_EQ(feeds.size(), 2U);
  EXPECT_EQ(feeds[0].title, "e");
  EXPECT_EQ(feeds[1].title, "a b");
}

TEST(Opml, ParsesADocumentInMemoryAsItReadsTheFile) {
  const auto file = fixture("nested.opml");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(parse_opml(text.str(), file.string()), read_opml(file));
}

TEST(Opml, MissingFileNamesThePath) {
  TempDir dir;
  auto missing = dir.path() / "none.opml";
  EXPECT_EQ(config_error([&] { (void)read_opml(missing); }),
            missing.string() + ": cannot read OPML file: No such file or directory");
}

TEST(Opml, UrlsAreCleanedOfSpaces) {
  TempDir dir;
  auto file = dir.write("spaces.opml", R"(<opml><body>
<outline text="S" xmlUrl="  https://example.com/a feed.xml "/></body></opml>)");
  auto feeds = read_opml(file);
  ASSERT_EQ(feeds.size(), 1U);
  EXPECT_EQ(feeds[0].url, "https://example.com/a%20feed.xml");
}

TEST(OpmlToToml, ReadsBackIntoTheSameFeeds) {
  auto feeds = read_opml(fixture("nested.opml"));
  std::string toml = opml_to_toml(feeds);
  auto cfg = parse_config(toml, "/tmp/imported.toml");
  expect_same_feeds(cfg.feeds, feeds);
}

TEST(OpmlToToml, KeepsEveryFieldAndEscapesStrings) {
  FeedConfig full;
  full.id = "full";
  full.url = "https://example.com/feed?a=1&b=2";
  full.title = "Quotes \" backslash \\ tab \t newline \n bell \x07 caf\xC3\xA9";
  full.interval = 5400s;
  full.tags = {"a", "b.c"};
  full.headers = {{"X-Z", "last \"quoted\""}, {"Accept", "application/rss+xml"}};
  full.user_agent = "agent/1";
  full.enabled = false;
  full.on_first_poll = OnFirstPoll::mark_seen;
  full.origin = "somewhere.opml:3\n[[feed]]";
  FeedConfig minimal;
  minimal.id = "minimal";
  minimal.url = "http://example.org/";
  std::vector<FeedConfig> feeds = {full, minimal};

  std::string toml = opml_to_toml(feeds);
  auto cfg = parse_config(toml, "/tmp/imported.toml");
  expect_same_feeds(cfg.feeds, feeds);
  EXPECT_THAT(toml, StartsWith("# somewhere.opml:3 [[feed]]\n[[feed]]\nid = \"full\"\n"));
}

TEST(OpmlToToml, NoFeedsGiveAnEmptyDocument) {
  EXPECT_EQ(opml_to_toml({}), "");
}

} // namespace

namespace {

TEST(Opml, ExportedFeedsReadBackWithTheirUrlsTitlesAndTags) {
  const std::vector<FeedConfig> feeds =
      parse_config(
          "[[feed]]\nid = \"bbc-world\"\nurl = "
          "\"https://feeds.bbci.co.uk/news/world/rss.xml?a=1&b=2\"\n"
          "title = \"BBC News <World> & \\\"more\\\"\"\ntags = [\"news\", \"world\"]\n"
          "[[feed]]\nid = \"no-title\"\nurl = \"https://example.org/feed\"\nenabled = false\n",
          "/etc/feedwire/feedwire.toml")
          .feeds;
  TempDir dir;
  const auto file = dir.write("out.opml", fw::config::feeds_to_opml(feeds, "mine & yours"));
  const std::vector<FeedConfig> back = read_opml(file);
  ASSERT_EQ(back.size(), 2U);
  EXPECT_EQ(back[0].url, feeds[0].url);
  EXPECT_EQ(back[0].title, feeds[0].title);
  EXPECT_EQ(back[0].tags, feeds[0].tags);
  EXPECT_EQ(back[1].url, feeds[1].url);
  EXPECT_EQ(back[1].id, "no-title") << "a feed without a title is named by its id";
  EXPECT_TRUE(back[1].tags.empty());
}

} // namespace
