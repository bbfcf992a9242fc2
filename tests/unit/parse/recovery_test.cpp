// Broken documents of the everyday kinds: what survives, what the warnings say, and that hostile
// input (deep nesting, entity bombs, binary, huge) ends in bounded time with a clear result.

#include "parse/feed_parser.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <string>

namespace {

using fw::parse::parse_feed;
using fw::parse::ParsedFeed;
using fw::parse::ParseOptions;

ParsedFeed must_parse(std::string_view doc, ParseOptions o = {}) {
  auto r = parse_feed(doc, o);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? r.value() : ParsedFeed{};
}

bool has_warning(const ParsedFeed& f, std::string_view needle) {
  for (const std::string& w : f.warnings) {
    if (w.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

constexpr std::string_view k_two_items = R"(<?xml version="1.0"?>
<rss version="2.0"><channel><title>T</title><link>http://example.org/</link>
<item><title>one</title><guid>1</guid></item>
<item><title>two</title><guid>2</guid></item>
</channel></rss>)";

TEST(Recovery, WellFormedFeedHasNoWarnings) {
  ParsedFeed f = must_parse(k_two_items);
  EXPECT_EQ(f.format, "rss2.0");
  EXPECT_EQ(f.items.size(), 2U);
  EXPECT_TRUE(f.warnings.empty());
}

TEST(Recovery, StrayAmpersandIsKeptAsText) {
  ParsedFeed f = must_parse("<rss version=\"2.0\"><channel><title>Tom & Jerry</title>"
                            "<item><title>AT&T news</title></item></channel></rss>");
  ASSERT_TRUE(f.feed.title.has_value());
  EXPECT_EQ(f.feed.title->value, "Tom & Jerry");
  ASSERT_EQ(f.items.size(), 1U);
  EXPECT_EQ(f.items[0].title->value, "AT&T news");
}

TEST(Recovery, HtmlNamedEntityWithoutDtdIsDecoded) {
  ParsedFeed f = must_parse("<rss version=\"2.0\"><channel><title>a&nbsp;b&mdash;c&rsquo;</title>"
                            "</channel></rss>");
  EXPECT_EQ(f.feed.title->value, "a\u00a0b\u2014c\u2019");
}

// pugixml ends its buffer with a terminator of its own; the document's last character, here
// the second byte of "é" in an attribute left open, must not be what it overwrites. Found by
// tests/fuzz/parse_fuzz.cpp.
TEST(Recovery, AnAttributeLeftOpenAtTheEndKeepsItsLastCharacter) {
  ParsedFeed f = must_parse("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"caf\xc3\xa9");
  ASSERT_TRUE(f.feed.language.has_value());
  EXPECT_EQ(*f.feed.language, "caf\xc3\xa9");
  ParsedFeed g = must_parse("<rss version=\"2.0\"><channel><title a=\"x\xc3\xa9");
  EXPECT_EQ(g.format, "rss2.0");
}

TEST(Recovery, GarbageAfterRootIsIgnored) {
  std::string doc(k_two_items);
  doc += "\n<!-- served by x -->\nPHP Warning: something went wrong in /var/www/feed.php";
  ParsedFeed f = must_parse(doc);
  EXPECT_EQ(f.items.size(), 2U);
}

TEST(Recovery, SecondDocumentAfterRootIsIgnored) {
  std::string doc(k_two_items);
  doc += doc;
  ParsedFeed f = must_parse(doc);
  EXPECT_EQ(f.items.size(), 2U);
}

TEST(Recovery, UnclosedTagsAtEndAreClosed) {
  ParsedFeed f = must_parse("<rss version=\"2.0\"><channel><title>T</title>"
                            "<item><title>one</title></item><item><title>two</title>");
  ASSERT_EQ(f.items.size(), 2U);
  EXPECT_EQ(f.items[1].title->value, "two");
  EXPECT_TRUE(has_warning(f, "lenient pass"));
}

TEST(Recovery, TruncatedInsideATagKeepsEarlierItems) {
  ParsedFeed f = must_parse("<rss version=\"2.0\"><channel><item><title>one</title></item>"
                            "<item><title>tw");
  ASSERT_GE(f.items.size(), 1U);
  EXPECT_EQ(f.items[0].title->value, "one");
}

TEST(Recovery, MismatchedInnerTagDoesNotLoseLaterItems) {
  ParsedFeed f = must_parse("<rss version=\"2.0\"><channel>"
                            "<item><title>one</title><description><b>bold</description></item>"
                            "<item><title>two</title></item></channel></rss>");
  ASSERT_EQ(f.items.size(), 2U);
  EXPECT_EQ(f.items[1].title->value, "two");
}

TEST(Recovery, MissingXmlDeclarationIsFine) {
  ParsedFeed f = must_parse("<rss version=\"2.0\"><channel><title>T</title></channel></rss>");
  EXPECT_TRUE(f.warnings.empty());
  EXPECT_EQ(f.feed.title->value, "T");
}

TEST(Recovery, WhiteSpaceBeforeDeclarationIsAccepted) {
  ParsedFeed f = must_parse("\n\n   <?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                            "<rss version=\"2.0\"><channel><title>T</title></channel></rss>");
  EXPECT_EQ(f.feed.title->value, "T");
}

TEST(Recovery, BomThenWhiteSpaceBeforeDeclarationIsAccepted) {
  ParsedFeed f = must_parse("\xEF\xBB\xBF  <?xml version=\"1.0\"?>"
                            "<rss version=\"2.0\"><channel><title>T</title></channel></rss>");
  EXPECT_EQ(f.feed.title->value, "T");
}

TEST(Recovery, InvalidControlCharactersAreDroppedWithAWarning) {
  ParsedFeed f = must_parse("<rss version=\"2.0\"><channel><title>a\x01\x02"
                            "b\x0b</title></channel></rss>");
  EXPECT_EQ(f.feed.title->value, "ab");
  EXPECT_FALSE(f.warnings.empty());
}

TEST(Recovery, UnquotedAttributeIsRepaired) {
  ParsedFeed f = must_parse("<rss version=2.0><channel><item><title>x</title>"
                            "<enclosure url=http://e.org/a.mp3 length=12 type=audio/mpeg/>"
                            "</item></channel></rss>");
  ASSERT_EQ(f.items.size(), 1U);
  ASSERT_EQ(f.items[0].enclosures.size(), 1U);
  EXPECT_EQ(f.items[0].enclosures[0].url, "http://e.org/a.mp3");
}

TEST(Recovery, LeadingTextBeforeTheFirstTagIsSkippedWithAWarning) {
  std::string doc = "Notice: Undefined index in feed.php on line 3\n";
  doc += k_two_items;
  ParsedFeed f = must_parse(doc);
  EXPECT_EQ(f.items.size(), 2U);
  EXPECT_TRUE(has_warning(f, "before the first tag"));
}

TEST(Recovery, EmptyInputIsNotAFeed) {
  auto r = parse_feed("", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("empty"), std::string::npos);
  EXPECT_FALSE(parse_feed("   \n\t ", {}).has_value());
}

TEST(Recovery, BinaryInputIsNotAFeed) {
  // Bytes of every value except the ones that start markup or JSON.
  std::string bin;
  for (int i = 0; i < 20000; ++i) {
    char c = static_cast<char>((i * 7919 + 13) % 256);
    bin.push_back(c == '<' || c == '{' || c == '[' ? 'x' : c);
  }
  auto r = parse_feed(bin, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("not a feed"), std::string::npos);
}

TEST(Recovery, HtmlPageIsNotAFeedAndSaysSo) {
  auto r =
      parse_feed("<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("HTML"), std::string::npos);
}

TEST(Recovery, OtherXmlIsNotAFeedAndNamesTheRoot) {
  auto r = parse_feed("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("<svg>"), std::string::npos);
}

TEST(Recovery, BillionLaughsIsHarmlessAndFast) {
  std::string doc = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY lol \"lol\">";
  doc += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">";
  for (int i = 2; i < 10; ++i) {
    doc += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) {
      doc += "&lol" + std::to_string(i - 1) + ";";
    }
    doc += "\">";
  }
  doc += "]><rss version=\"2.0\"><channel><title>&lol9;</title></channel></rss>";
  auto start = std::chrono::steady_clock::now();
  ParsedFeed f = must_parse(doc);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(f.feed.title.has_value());
  EXPECT_LT(f.feed.title->value.size(), 100U); // not expanded
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(Recovery, ExternalEntitiesAreNeverRead) {
  ParsedFeed f = must_parse("<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM "
                            "\"file:///etc/passwd\">]><rss version=\"2.0\"><channel>"
                            "<title>a&x;b</title></channel></rss>");
  ASSERT_TRUE(f.feed.title.has_value());
  EXPECT_EQ(f.feed.title->value.find("root:"), std::string::npos);
}

TEST(Recovery, HundredThousandLevelsOfNestingEndInBoundedTime) {
  std::string doc = "<rss version=\"2.0\"><channel><item><description>";
  for (int i = 0; i < 100000; ++i) {
    doc += "<b>";
  }
  doc += "deep";
  for (int i = 0; i < 100000; ++i) {
    doc += "</b>";
  }
  doc += "</description></item></channel></rss>";
  ParsedFeed f = must_parse(doc);
  ASSERT_EQ(f.items.size(), 1U);
  ASSERT_TRUE(f.items[0].summary.has_value());
  EXPECT_NE(f.items[0].summary->value.find("deep"), std::string::npos);
}

TEST(Recovery, HundredThousandUnclosedLevelsEndInBoundedTime) {
  std::string doc = "<rss version=\"2.0\"><channel><item><title>t</title><description>";
  for (int i = 0; i < 100000; ++i) {
    doc += "<div>";
  }
  auto r = parse_feed(doc, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->items.size(), 1U);
}

TEST(Recovery, FiftyMegabyteFeedParses) {
  std::string doc = "<rss version=\"2.0\"><channel><title>big</title>";
  std::string item = "<item><title>a fairly ordinary title</title><link>http://e.org/x</link>"
                     "<description>&lt;p&gt;" +
                     std::string(900, 'x') + "&lt;/p&gt;</description></item>";
  while (doc.size() < 50U * 1024 * 1024) {
    doc += item;
  }
  doc += "</channel></rss>";
  auto r = parse_feed(doc, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_GT(r->items.size(), 40000U);
}

TEST(Recovery, NamespacesAreMatchedByUriNotPrefix) {
  ParsedFeed f = must_parse(R"(<a:feed xmlns:a="http://www.w3.org/2005/Atom">
    <a:title>T</a:title><a:entry><a:id>urn:1</a:id><a:title>E</a:title></a:entry></a:feed>)");
  EXPECT_EQ(f.format, "atom1.0");
  ASSERT_EQ(f.items.size(), 1U);
  EXPECT_EQ(f.items[0].id, "urn:1");
}

TEST(Recovery, WrongPrefixBoundToAnotherNamespaceIsNotAtom) {
  // "atom:" bound to something else: not Atom, so not the item's link.
  ParsedFeed f = must_parse(R"(<rss version="2.0" xmlns:atom="http://example.org/not-atom">
    <channel><item><atom:link href="http://wrong.example/"/><title>x</title></item>
    </channel></rss>)");
  ASSERT_EQ(f.items.size(), 1U);
  EXPECT_FALSE(f.items[0].link.has_value());
}

} // namespace
