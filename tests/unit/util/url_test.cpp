#include "util/url.hpp"

#include <gtest/gtest.h>
#include <string>
#include <utility>
#include <vector>

namespace {

using fw::util::has_scheme;
using fw::util::resolve_url;

constexpr const char* k_rfc_base = "http://a/b/c/d;p?q";

// Each pair is (reference, expected result).
using Cases = std::vector<std::pair<std::string, std::string>>;

void expect_resolves(std::string_view base, const Cases& cases) {
  for (const auto& [ref, expected] : cases) {
    auto got = resolve_url(base, ref);
    ASSERT_TRUE(got.has_value()) << "ref: '" << ref << "'";
    EXPECT_EQ(*got, expected) << "ref: '" << ref << "'";
  }
}

TEST(HasScheme, AcceptsRfc3986Schemes) {
  EXPECT_TRUE(has_scheme("http://example.com/"));
  EXPECT_TRUE(has_scheme("mailto:someone@example.com"));
  EXPECT_TRUE(has_scheme("tag:example.com,2024:1"));
  EXPECT_TRUE(has_scheme("svn+ssh://host/repo"));
  EXPECT_TRUE(has_scheme("x-a.b:"));
}

TEST(HasScheme, RejectsRelativeReferencesAndBadSchemes) {
  EXPECT_FALSE(has_scheme(""));
  EXPECT_FALSE(has_scheme("//example.com/x"));
  EXPECT_FALSE(has_scheme("/a:b"));
  EXPECT_FALSE(has_scheme("a/b:c"));
  EXPECT_FALSE(has_scheme("1http://x"));
  EXPECT_FALSE(has_scheme(":x"));
  EXPECT_FALSE(has_scheme("http"));
  EXPECT_FALSE(has_scheme(" http://x"));
  EXPECT_FALSE(has_scheme("ht tp://x"));
}

TEST(ResolveUrl, Rfc3986NormalExamples) {
  expect_resolves(k_rfc_base, {{"g:h", "g:h"},
                               {"g", "http://a/b/c/g"},
                               {"./g", "http://a/b/c/g"},
                               {"g/", "http://a/b/c/g/"},
                               {"/g", "http://a/g"},
                               {"//g", "http://g"},
                               {"?y", "http://a/b/c/d;p?y"},
                               {"g?y", "http://a/b/c/g?y"},
                               {"#s", "http://a/b/c/d;p?q#s"},
                               {"g#s", "http://a/b/c/g#s"},
                               {"g?y#s", "http://a/b/c/g?y#s"},
                               {";x", "http://a/b/c/;x"},
                               {"g;x", "http://a/b/c/g;x"},
                               {"g;x?y#s", "http://a/b/c/g;x?y#s"},
                               {"", "http://a/b/c/d;p?q"},
                               {".", "http://a/b/c/"},
                               {"./", "http://a/b/c/"},
                               {"..", "http://a/b/"},
                               {"../", "http://a/b/"},
                               {"../g", "http://a/b/g"},
                               {"../..", "http://a/"},
                               {"../../", "http://a/"},
                               {"../../g", "http://a/g"}});
}

TEST(ResolveUrl, Rfc3986AbnormalExamples) {
  expect_resolves(k_rfc_base, {{"../../../g", "http://a/g"},
                               {"../../../../g", "http://a/g"},
                               {"/./g", "http://a/g"},
                               {"/../g", "http://a/g"},
                               {"g.", "http://a/b/c/g."},
                               {".g", "http://a/b/c/.g"},
                               {"g..", "http://a/b/c/g.."},
                               {"..g", "http://a/b/c/..g"},
                               {"./../g", "http://a/b/g"},
                               {"./g/.", "http://a/b/c/g/"},
                               {"g/./h", "http://a/b/c/g/h"},
                               {"g/../h", "http://a/b/c/h"},
                               {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
                               {"g;x=1/../y", "http://a/b/c/y"},
                               {"g?y/./x", "http://a/b/c/g?y/./x"},
                               {"g?y/../x", "http://a/b/c/g?y/../x"},
                               {"g#s/./x", "http://a/b/c/g#s/./x"},
                               {"g#s/../x", "http://a/b/c/g#s/../x"},
                               {"http:g", "http:g"}});
}

TEST(ResolveUrl, EmptyReferenceGivesBaseWithoutFragment) {
  EXPECT_EQ(resolve_url("http://example.com/a/b?x=1#top", ""), "http://example.com/a/b?x=1");
  EXPECT_EQ(resolve_url("http://example.com/a/b#top", "   "), "http://example.com/a/b");
}

TEST(ResolveUrl, FragmentReplacesBaseFragment) {
  EXPECT_EQ(resolve_url("http://example.com/a?q#one", "#two"), "http://example.com/a?q#two");
}

TEST(ResolveUrl, ProtocolRelativeTakesSchemeOfBase) {
  EXPECT_EQ(resolve_url("https://example.com/feed", "//cdn.example.net/img/x.png"),
            "https://cdn.example.net/img/x.png");
  EXPECT_EQ(resolve_url("http://example.com/", "//other.example/a/../b?c#d"),
            "http://other.example/b?c#d");
}

TEST(ResolveUrl, BaseWithoutPathGetsSlash) {
  EXPECT_EQ(resolve_url("http://example.com", "x.html"), "http://example.com/x.html");
  EXPECT_EQ(resolve_url("http://example.com", "?page=2"), "http://example.com?page=2");
}

TEST(ResolveUrl, AbsoluteReferenceIsOnlyTrimmedAndEncoded) {
  EXPECT_EQ(resolve_url("http://example.com/", "  HTTPS://Other.Example/A%7e/../B c  "),
            "HTTPS://Other.Example/A%7e/../B%20c");
  EXPECT_EQ(resolve_url("urn:isbn:0451450523", "https://example.com/x"), "https://example.com/x");
  EXPECT_EQ(resolve_url("", "mailto:someone@example.com"), "mailto:someone@example.com");
  EXPECT_EQ(resolve_url("garbage", "javascript:void(0)"), "javascript:void(0)");
}

TEST(ResolveUrl, KeepsCaseAndPercentEncodingOfTheResult) {
  EXPECT_EQ(resolve_url("HTTP://Example.COM/Dir/Page", "Other%2fName%7E.HTML?Q=%41"),
            "HTTP://Example.COM/Dir/Other%2fName%7E.HTML?Q=%41");
  EXPECT_EQ(resolve_url("http://a/b/", "a%2e%2e/c"), "http://a/b/a%2e%2e/c");
}

TEST(ResolveUrl, EncodesSpacesAndTrimsWhiteSpace) {
  EXPECT_EQ(resolve_url("  http://example.com/a b/index.html\n", "\t my file.pdf "),
            "http://example.com/a%20b/my%20file.pdf");
  EXPECT_EQ(resolve_url("http://example.com/", "search?q=a b"),
            "http://example.com/search?q=a%20b");
}

TEST(ResolveUrl, DropsTabsAndLineBreaksInsideAsBrowsersDo) {
  EXPECT_EQ(resolve_url("http://example.com/", "very/long\n  /path"),
            "http://example.com/very/long%20%20/path");
  EXPECT_EQ(resolve_url("http://example.com/", "a\r\nb\tc"), "http://example.com/abc");
}

TEST(ResolveUrl, EncodesNonAsciiAsUtf8Bytes) {
  EXPECT_EQ(resolve_url("http://example.com/wiki/", "Stra\xc3\x9f"
                                                    "e"),
            "http://example.com/wiki/Stra%C3%9Fe");
  EXPECT_EQ(resolve_url("http://example.com/\xe2\x82\xac/", "x"), "http://example.com/%E2%82%AC/x");
}

TEST(ResolveUrl, EncodesOtherCharactersBrowsersEncode) {
  EXPECT_EQ(resolve_url("http://example.com/", "a\"<>\\^`{|}"),
            "http://example.com/a%22%3C%3E%5C%5E%60%7B%7C%7D");
  EXPECT_EQ(resolve_url("http://example.com/", "100%/x%zz/%41"),
            "http://example.com/100%25/x%25zz/%41");
  EXPECT_EQ(resolve_url("http://example.com/", "a[1]?b[]=2#c#d"),
            "http://example.com/a%5B1%5D?b%5B%5D=2#c%23d");
}

TEST(ResolveUrl, KeepsIpv6Literals) {
  EXPECT_EQ(resolve_url("http://[2001:db8::1]:8080/a/b", "c"), "http://[2001:db8::1]:8080/a/c");
  EXPECT_EQ(resolve_url("http://example.com/", "//[::1]/x"), "http://[::1]/x");
}

TEST(ResolveUrl, ColonInFirstSegmentOfRelativePath) {
  EXPECT_EQ(resolve_url("http://example.com/a/", "1:2"), "http://example.com/a/1:2");
  EXPECT_EQ(resolve_url("http://example.com/a/", "./x:y"), "http://example.com/a/x:y");
}

TEST(ResolveUrl, FileAndOtherHierarchicalSchemes) {
  EXPECT_EQ(resolve_url("file:///home/u/feeds/index.xml", "../img/a.png"),
            "file:///home/u/img/a.png");
  EXPECT_EQ(resolve_url("ftp://ftp.example.com/pub/", "file.txt"),
            "ftp://ftp.example.com/pub/file.txt");
  EXPECT_EQ(resolve_url("file:/a/b", "c"), "file:/a/c");
}

TEST(ResolveUrl, ResultNeverStartsAuthorityFromPath) {
  EXPECT_EQ(resolve_url("file:/a/b", "..//g"), "file:/.//g");
}

TEST(ResolveUrl, NonHierarchicalBaseResolvesNothingRelative) {
  EXPECT_EQ(resolve_url("urn:isbn:0451450523", "x"), std::nullopt);
  EXPECT_EQ(resolve_url("tag:example.com,2024:feed", "/posts/1"), std::nullopt);
  EXPECT_EQ(resolve_url("mailto:someone@example.com", "?subject=hi"), std::nullopt);
  EXPECT_EQ(resolve_url("mailto:someone@example.com", "//host/x"), std::nullopt);
}

TEST(ResolveUrl, NonHierarchicalBaseTakesEmptyAndFragmentReferences) {
  EXPECT_EQ(resolve_url("urn:isbn:0451450523#a", ""), "urn:isbn:0451450523");
  EXPECT_EQ(resolve_url("tag:example.com,2024:feed", "#x"), "tag:example.com,2024:feed#x");
}

TEST(ResolveUrl, EmptyOrRelativeBaseGivesNothing) {
  EXPECT_EQ(resolve_url("", "a/b"), std::nullopt);
  EXPECT_EQ(resolve_url("   ", "a/b"), std::nullopt);
  EXPECT_EQ(resolve_url("/relative/base", "a"), std::nullopt);
  EXPECT_EQ(resolve_url("//example.com/x", "a"), std::nullopt);
  EXPECT_EQ(resolve_url("example.com/x", "a"), std::nullopt);
}

TEST(ResolveUrl, GarbageGivesNothingAndNeverThrows) {
  EXPECT_EQ(resolve_url("http://[::1/", "a"), std::nullopt);
  EXPECT_EQ(resolve_url("http://example.com:port/", "a"), std::nullopt);
  EXPECT_EQ(resolve_url("http://example.com/", "//[zz]/x"), std::nullopt);
  EXPECT_EQ(resolve_url("http://example.com/", "//host:12ab/"), std::nullopt);
  EXPECT_EQ(resolve_url("http://example.com/", "//a@b@c/"), std::nullopt);
  std::string binary;
  for (int c = 0; c < 256; ++c) {
    binary.push_back(static_cast<char>(c));
  }
  EXPECT_NO_THROW((void)resolve_url("http://example.com/", binary));
  EXPECT_NO_THROW((void)resolve_url(binary, "x"));
}

TEST(ResolveUrl, ControlCharactersAndDeleteAreEncoded) {
  EXPECT_EQ(resolve_url("http://example.com/", std::string("a\x01"
                                                           "b\x7f"
                                                           "c",
                                                           5)),
            "http://example.com/a%01b%7Fc");
}

TEST(ResolveUrl, BaseQueryKeptOnlyForEmptyPath) {
  EXPECT_EQ(resolve_url("http://example.com/a?x=1", "#f"), "http://example.com/a?x=1#f");
  EXPECT_EQ(resolve_url("http://example.com/a?x=1", "b"), "http://example.com/b");
  EXPECT_EQ(resolve_url("http://example.com/a?x=1", "?"), "http://example.com/a?");
}

TEST(ResolveUrl, LongDotDotChainsStopAtRoot) {
  std::string ref;
  for (int i = 0; i < 10000; ++i) {
    ref += "../";
  }
  ref += "x";
  EXPECT_EQ(resolve_url("http://example.com/a/b/c", ref), "http://example.com/x");
}

TEST(ResolveUrl, UserinfoAndPortArePreserved) {
  EXPECT_EQ(resolve_url("https://user:pw@example.com:8443/a/b", "../c"),
            "https://user:pw@example.com:8443/c");
}

TEST(CleanUrl, EncodesWhatUrisDoNotAllowAndKeepsTriplets) {
  using fw::util::clean_url;
  EXPECT_EQ(clean_url("  https://example.org/media/my episode.mp3 "),
            "https://example.org/media/my%20episode.mp3");
  EXPECT_EQ(clean_url("https://example.org/a%20b"), "https://example.org/a%20b");
  EXPECT_EQ(clean_url("https://example.org/caf\xC3\xA9"), "https://example.org/caf%C3%A9");
  EXPECT_EQ(clean_url("https://example.org/long\n/wrapped"), "https://example.org/long/wrapped");
}

} // namespace
