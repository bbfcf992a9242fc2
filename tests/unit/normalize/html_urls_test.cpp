#include "normalize/html_urls.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

using fw::normalize::discover_feed_links;
using fw::normalize::FeedLink;
using fw::normalize::resolve_html_urls;

constexpr const char* k_base = "https://example.com/blog/post/";

TEST(ResolveHtmlUrls, RewritesRelativeHrefAndSrc) {
  EXPECT_EQ(resolve_html_urls("<a href=\"../about\">About</a> <img src=\"img/cat.png\">", k_base),
            "<a href=\"https://example.com/blog/about\">About</a> "
            "<img src=\"https://example.com/blog/post/img/cat.png\">");
}

TEST(ResolveHtmlUrls, KeepsEverythingElseByteForByte) {
  const std::string html = "<P CLASS=x  data-x='1'>Text &amp; <B>more</B><!-- c --><br/>"
                           "<a   title = 'y'  HREF = '/x'  >";
  EXPECT_EQ(resolve_html_urls(html, k_base),
            "<P CLASS=x  data-x='1'>Text &amp; <B>more</B><!-- c --><br/>"
            "<a   title = 'y'  HREF = \"https://example.com/x\"  >");
}

TEST(ResolveHtmlUrls, HandlesSingleQuotedAndUnquotedValues) {
  EXPECT_EQ(resolve_html_urls("<a href='a.html'>x</a><a href=b.html>y</a><img src=c.png/>", k_base),
            "<a href=\"https://example.com/blog/post/a.html\">x</a>"
            "<a href=\"https://example.com/blog/post/b.html\">y</a>"
            "<img src=\"https://example.com/blog/post/c.png/\">");
}

TEST(ResolveHtmlUrls, LeavesAbsoluteAndSpecialReferencesAlone) {
  const std::string html = "<a href=\"https://other.example/x\">a</a><a href=\"#top\">b</a>"
                           "<a href=\"mailto:me@example.com\">c</a>"
                           "<a href=\"javascript:void(0)\">d</a><img src=\"data:image/png;base64,"
                           "iVBOR==\"><a href=''>e</a><a href>f</a><a name=x>g</a>";
  EXPECT_EQ(resolve_html_urls(html, k_base), html);
}

TEST(ResolveHtmlUrls, ProtocolRelativeGetsTheBaseScheme) {
  EXPECT_EQ(resolve_html_urls("<img src=\"//cdn.example.net/x.png\">", k_base),
            "<img src=\"https://cdn.example.net/x.png\">");
}

TEST(ResolveHtmlUrls, DecodesAndReescapesAmpersands) {
  EXPECT_EQ(resolve_html_urls("<a href=\"page?a=1&amp;b=2&c=3\">x</a>", k_base),
            "<a href=\"https://example.com/blog/post/page?a=1&amp;b=2&amp;c=3\">x</a>");
  EXPECT_EQ(resolve_html_urls("<a href='say?q=&quot;hi&quot;&#38;x=1'>x</a>", k_base),
            "<a href=\"https://example.com/blog/post/say?q=%22hi%22&amp;x=1\">x</a>");
}

TEST(ResolveHtmlUrls, RewritesAllUrlAttributes) {
  const std::string html =
      "<blockquote cite=c></blockquote><form action=f></form><body background=b>"
      "<img longdesc=l usemap=#map><video poster=p></video><object codebase=cb data=d></object>"
      "<head profile=pr><svg><use xlink:href=u></use></svg>";
  EXPECT_EQ(resolve_html_urls(html, "http://h/"),
            "<blockquote cite=\"http://h/c\"></blockquote><form action=\"http://h/f\"></form>"
            "<body background=\"http://h/b\"><img longdesc=\"http://h/l\" usemap=#map>"
            "<video poster=\"http://h/p\"></video>"
            "<object codebase=\"http://h/cb\" data=\"http://h/d\"></object>"
            "<head profile=\"http://h/pr\"><svg><use xlink:href=\"http://h/u\"></use></svg>");
}

TEST(ResolveHtmlUrls, RewritesEachUrlOfSrcset) {
  EXPECT_EQ(resolve_html_urls("<img srcset=\"a.png 1x, /b.png 2x,https://x.example/c.png 3x\">",
                              "http://h/d/"),
            "<img srcset=\"http://h/d/a.png 1x, http://h/b.png 2x,https://x.example/c.png 3x\">");
  EXPECT_EQ(resolve_html_urls("<source srcset='s.jpg,t.jpg 640w'>", "http://h/"),
            "<source srcset=\"http://h/s.jpg,t.jpg 640w\">"); // the URL runs up to white space
  EXPECT_EQ(resolve_html_urls("<img srcset=\"a.png, b.png 2x\">", "http://h/"),
            "<img srcset=\"http://h/a.png, http://h/b.png 2x\">");
}

TEST(ResolveHtmlUrls, IgnoresNonUrlAttributesThatLookLikeUrls) {
  const std::string html = "<a title=\"href=x\" data-href=\"y\" alt='src=z'>t</a>";
  EXPECT_EQ(resolve_html_urls(html, k_base), html);
}

TEST(ResolveHtmlUrls, SkipsCommentsScriptsAndStyles) {
  const std::string html = "<!-- <a href=\"c\"> --><script>var s = '<a href=\"s\">';</script>"
                           "<style>a[href=\"t\"] {}</style><textarea><img src=u></textarea>"
                           "<a href=v>";
  EXPECT_EQ(resolve_html_urls(html, "http://h/"),
            "<!-- <a href=\"c\"> --><script>var s = '<a href=\"s\">';</script>"
            "<style>a[href=\"t\"] {}</style><textarea><img src=u></textarea>"
            "<a href=\"http://h/v\">");
}

TEST(ResolveHtmlUrls, QuotesInsideValuesDoNotEndTheTag) {
  EXPECT_EQ(resolve_html_urls("<img alt=\"a > b\" src=x><a title='it\"s' href=y>", "http://h/"),
            "<img alt=\"a > b\" src=\"http://h/x\"><a title='it\"s' href=\"http://h/y\">");
}

TEST(ResolveHtmlUrls, TrimsWhiteSpaceAndEncodesSpaces) {
  EXPECT_EQ(resolve_html_urls("<a href=\"  my page.html \n\">x</a>", "http://h/"),
            "<a href=\"http://h/my%20page.html\">x</a>");
}

TEST(ResolveHtmlUrls, UnusableBaseLeavesTheHtmlAlone) {
  const std::string html = "<a href=\"x\">x</a>";
  EXPECT_EQ(resolve_html_urls(html, ""), html);
  EXPECT_EQ(resolve_html_urls(html, "/relative/base"), html);
  EXPECT_EQ(resolve_html_urls(html, "tag:example.com,2024:post-1"), html);
  EXPECT_EQ(resolve_html_urls(html, "not a url"), html);
}

TEST(ResolveHtmlUrls, TruncatedInputIsKeptAsIs) {
  EXPECT_EQ(resolve_html_urls("<a href=x>ok</a><a href=\"y", "http://h/"),
            "<a href=\"http://h/x\">ok</a><a href=\"y");
  EXPECT_EQ(resolve_html_urls("<p>text <!-- unterminated <a href=z>", "http://h/"),
            "<p>text <!-- unterminated <a href=z>");
  EXPECT_EQ(resolve_html_urls("text without tags", "http://h/"), "text without tags");
}

TEST(ResolveHtmlUrls, EndTagsAndBogusMarkupAreNotRewritten) {
  const std::string html = "</a href=x><!DOCTYPE html><?php href=y ?><a<b href=z>";
  EXPECT_EQ(resolve_html_urls(html, "http://h/"),
            "</a href=x><!DOCTYPE html><?php href=y ?><a<b href=\"http://h/z\">");
}

TEST(ResolveHtmlUrls, LargeInputIsLinear) {
  std::string html;
  for (int i = 0; i < 100000; ++i) {
    html += "<p><a href=\"p/" + std::to_string(i) + "\">x</a></p><!-- c -->";
  }
  html += "<script>" + std::string(1000000, '<') + "</script>";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = resolve_html_urls(html, "http://h/");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_NE(out.find("<a href=\"http://h/p/99999\">"), std::string::npos);
}

// ---- feed autodiscovery --------------------------------------------------------------------

std::vector<std::string> urls_of(const std::vector<FeedLink>& links) {
  std::vector<std::string> urls;
  for (const FeedLink& l : links) {
    urls.push_back(l.url);
  }
  return urls;
}

TEST(DiscoverFeedLinks, FindsEachAnnouncedFeedInDocumentOrderResolved) {
  const std::string html =
      "<!DOCTYPE html><html><head><title>Blog</title>"
      "<link rel=\"stylesheet\" href=\"/s.css\">"
      "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"RSS &amp; more\" "
      "href=\"/feed.xml\">"
      "<LINK REL=Alternate TYPE='application/atom+xml; charset=utf-8' HREF=atom.xml>"
      "<link rel=\"alternate\" type=\"application/feed+json\" href=\"https://cdn.example/f.json\">"
      "<link rel=\"alternate\" hreflang=\"de\" href=\"/de/\">"
      "</head><body></body></html>";
  const std::vector<FeedLink> links = discover_feed_links(html, "https://example.com/blog/");
  ASSERT_EQ(links.size(), 3U);
  EXPECT_EQ(urls_of(links), (std::vector<std::string>{"https://example.com/feed.xml",
                                                      "https://example.com/blog/atom.xml",
                                                      "https://cdn.example/f.json"}));
  EXPECT_EQ(links[0].type, "application/rss+xml");
  EXPECT_EQ(links[0].title, "RSS & more");
  EXPECT_EQ(links[1].type, "application/atom+xml");
}

TEST(DiscoverFeedLinks, BaseHrefSetsTheBaseOfTheLinksAfterIt) {
  const std::string html = "<base href=\"https://other.example/x/\"><base href=\"/ignored/\">"
                           "<link rel=alternate type=application/rss+xml href=rss>";
  EXPECT_EQ(urls_of(discover_feed_links(html, "https://example.com/")),
            (std::vector<std::string>{"https://other.example/x/rss"}));
}

TEST(DiscoverFeedLinks, CommentsScriptsStylesheetsAndOtherTagsAreNotFeeds) {
  const std::string html =
      "<!-- <link rel=alternate type=application/rss+xml href=/c.xml> -->"
      "<script>var s = '<link rel=alternate type=application/rss+xml href=/s.xml>';</script>"
      "<link rel=\"alternate stylesheet\" type=\"application/rss+xml\" href=\"/alt.css\">"
      "<a rel=alternate type=application/rss+xml href=/a.xml>feed</a>"
      "<link rel=alternate type=text/html href=/page.html>"
      "<link rel=alternate type=application/rss+xml href=\"  \">"
      "<link rel=alternate type=application/rss+xml>";
  EXPECT_TRUE(discover_feed_links(html, "https://example.com/").empty());
}

TEST(DiscoverFeedLinks, NotHtmlOrUnresolvableGivesNothing) {
  EXPECT_TRUE(discover_feed_links("", "https://example.com/").empty());
  EXPECT_TRUE(discover_feed_links("plain text, no markup", "https://example.com/").empty());
  EXPECT_TRUE(
      discover_feed_links("<link rel=alternate type=application/rss+xml href=rel.xml>", "not a url")
          .empty());
  // An absolute href needs no base.
  EXPECT_EQ(urls_of(discover_feed_links(
                "<link rel=alternate type=application/rss+xml href=http://h/f.xml>", "")),
            (std::vector<std::string>{"http://h/f.xml"}));
}

TEST(DiscoverFeedLinks, AtMostSixteenLinks) {
  std::string html;
  for (int i = 0; i < 100; ++i) {
    html += "<link rel=alternate type=application/rss+xml href=/f" + std::to_string(i) + ".xml>";
  }
  const std::vector<FeedLink> links = discover_feed_links(html, "http://h/");
  ASSERT_EQ(links.size(), 16U);
  EXPECT_EQ(links.back().url, "http://h/f15.xml");
}

} // namespace
