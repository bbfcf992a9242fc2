#include "dedupe/canonical_url.hpp"

#include <algorithm>
#include <cctype>
#include <gtest/gtest.h>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace fw::dedupe {
namespace {

struct Case {
  std::string_view what;
  std::string_view in;
  std::optional<std::string_view> out; // std::nullopt: not an absolute http(s) URL
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.what;
}

class CanonicalUrl : public testing::TestWithParam<Case> {};

TEST_P(CanonicalUrl, GivesTheCanonicalForm) {
  const Case& c = GetParam();
  const std::optional<std::string> got = canonical_url(c.in);
  if (c.out) {
    ASSERT_TRUE(got.has_value()) << c.in;
    EXPECT_EQ(*got, *c.out) << c.in;
    // Canonical forms are fixed points.
    EXPECT_EQ(canonical_url(*got), got) << c.in;
  } else {
    EXPECT_EQ(got, std::nullopt) << c.in;
  }
}

constexpr Case k_cases[] = {
    // Scheme and host.
    {"already canonical", "https://example.com/a/b?x=1", "https://example.com/a/b?x=1"},
    {"scheme lower case", "HTTPS://example.com/a", "https://example.com/a"},
    {"host lower case", "https://News.Example.COM/a", "https://news.example.com/a"},
    {"path case kept", "https://example.com/Story/ABC", "https://example.com/Story/ABC"},
    {"trailing dot of host dropped", "https://example.com./a", "https://example.com/a"},
    {"two trailing dots are garbage", "https://example.com../a", std::nullopt},
    {"www kept", "https://www.example.com/a", "https://www.example.com/a"},
    {"http and https stay apart", "http://example.com/a", "http://example.com/a"},
    {"surrounding white space", "  https://example.com/a \n", "https://example.com/a"},
    // Ports.
    {"default port 80 of http", "http://example.com:80/a", "http://example.com/a"},
    {"default port 443 of https", "https://example.com:443/a", "https://example.com/a"},
    {"443 kept on http", "http://example.com:443/a", "http://example.com:443/a"},
    {"80 kept on https", "https://example.com:80/a", "https://example.com:80/a"},
    {"other port kept", "https://example.com:8443/a", "https://example.com:8443/a"},
    {"highest port kept", "http://example.com:65535/a", "http://example.com:65535/a"},
    {"empty port dropped", "https://example.com:/a", "https://example.com/a"},
    {"leading zeros of port", "http://example.com:0080/a", "http://example.com/a"},
    {"port out of range", "http://example.com:70000/a", std::nullopt},
    // Userinfo.
    {"userinfo dropped", "https://user:secret@example.com/a", "https://example.com/a"},
    {"user only dropped", "https://reader@example.com/a", "https://example.com/a"},
    {"second @ is garbage", "http://user@example.com@evil.example/", std::nullopt},
    // Path.
    {"empty path becomes /", "https://example.com", "https://example.com/"},
    {"trailing slash kept", "https://example.com/a/", "https://example.com/a/"},
    {"empty segments kept", "https://example.com/a//b", "https://example.com/a//b"},
    {"path parameters kept", "https://example.com/a;v=2", "https://example.com/a;v=2"},
    {"tab inside dropped", "https://example.com/sto\try", "https://example.com/story"},
    {"dot segments", "https://example.com/a/./b/../c", "https://example.com/a/c"},
    {"dot segments above root", "https://example.com/../../a", "https://example.com/a"},
    {"encoded dot segment", "https://example.com/a/%2E%2E/b", "https://example.com/b"},
    // Percent-encoding.
    {"hex digits upper case", "https://example.com/a%2fb", "https://example.com/a%2Fb"},
    {"tilde decoded", "https://example.com/%7Euser", "https://example.com/~user"},
    {"unreserved letters decoded", "https://example.com/%41%62c", "https://example.com/Abc"},
    {"reserved kept encoded", "https://example.com/a%3Fb%23c%2Fd",
     "https://example.com/a%3Fb%23c%2Fd"},
    {"space encoded", "https://example.com/a b", "https://example.com/a%20b"},
    {"non-ASCII path encoded", "https://example.com/caf\xC3\xA9", "https://example.com/caf%C3%A9"},
    {"encoded non-ASCII upper case", "https://example.com/caf%c3%a9",
     "https://example.com/caf%C3%A9"},
    {"query value encoding kept", "https://example.com/?q=a%26b%3dc",
     "https://example.com/?q=a%26b%3Dc"},
    {"plus and %20 stay apart", "https://example.com/?q=a+b&r=a%20b",
     "https://example.com/?q=a+b&r=a%20b"},
    {"stray percent encoded", "https://example.com/100%", "https://example.com/100%25"},
    {"encoded host decoded", "https://ex%41mple.com/", "https://example.com/"},
    // International host names: punycode as is, Unicode kept percent-encoded.
    {"punycode host kept", "https://xn--bcher-kva.example/a", "https://xn--bcher-kva.example/a"},
    {"punycode lower case", "https://XN--BCHER-KVA.example/", "https://xn--bcher-kva.example/"},
    {"unicode host encoded",
     "https://b\xC3\xBC"
     "cher.example/a",
     "https://b%C3%BCcher.example/a"},
    {"space in host", "https://exa mple.com/", std::nullopt},
    {"encoded reserved character in host", "https://exa%2Fmple.com/", std::nullopt},
    {"IPv4 host", "http://192.168.0.1:8080/a", "http://192.168.0.1:8080/a"},
    // Found by tests/fuzz/url_fuzz.cpp: Boost 1.81 reads "1.2.3.4.5" as the IPv4 address 1.2.3.4
    // and a path, so the canonical form of "192.16%2E8.0.1" was refused as input.
    {"name that starts like an IPv4 address", "http://10.0.0.1.nip.io/a",
     "http://10.0.0.1.nip.io/a"},
    {"five numbers", "http://192.16.8.0.1/fe/d", "http://192.16.8.0.1/fe/d"},
    {"five numbers, one dot encoded", "htTp://192.16%2E8.0.1/fe/d", "http://192.16.8.0.1/fe/d"},
    {"IPv4 address then letters and a port", "http://User@1.2.3.4x:0080/", "http://1.2.3.4x/"},
    {"IPv4 address with a trailing dot", "http://1.2.3.4./", "http://1.2.3.4/"},
    {"IPv6 host lower case", "http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"},
    {"IPv6 with embedded IPv4", "https://[::FFFF:1.2.3.4]/", "https://[::ffff:1.2.3.4]/"},
    // Query.
    {"utm parameters", "https://example.com/a?utm_source=rss&utm_medium=feed",
     "https://example.com/a"},
    {"utm prefix matches any suffix", "https://example.com/a?utm_whatever=1&id=2",
     "https://example.com/a?id=2"},
    {"fbclid", "https://example.com/a?fbclid=IwAR0abc", "https://example.com/a"},
    {"gclid", "https://example.com/a?gclid=xyz&p=1", "https://example.com/a?p=1"},
    {"mailchimp ids", "https://example.com/a?mc_cid=1&mc_eid=2", "https://example.com/a"},
    {"twitter ref_src", "https://example.com/a?ref_src=twsrc%5Etfw", "https://example.com/a"},
    {"hubspot ids", "https://example.com/a?_hsenc=p2&_hsmi=3&x=1", "https://example.com/a?x=1"},
    {"marketo token", "https://example.com/a?mkt_tok=eyJ", "https://example.com/a"},
    {"tracking names case-insensitive", "https://example.com/a?UTM_Source=x&FBCLID=y",
     "https://example.com/a"},
    {"encoded tracking name", "https://example.com/a?utm%5Fsource=x", "https://example.com/a"},
    {"tracking name without value", "https://example.com/a?fbclid&p=1",
     "https://example.com/a?p=1"},
    {"prefix needs the prefix", "https://example.com/a?utm=1&autm_source=2",
     "https://example.com/a?utm=1&autm_source=2"},
    {"order of the rest kept", "https://example.com/a?z=1&utm_source=x&a=2&m=3",
     "https://example.com/a?z=1&a=2&m=3"},
    {"repeated parameters kept", "https://example.com/a?t=1&t=2", "https://example.com/a?t=1&t=2"},
    {"empty parameters dropped", "https://example.com/a?&x=1&&y=2&",
     "https://example.com/a?x=1&y=2"},
    {"trailing question mark", "https://example.com/a?", "https://example.com/a"},
    {"empty query after removal", "https://example.com/?utm_campaign=x", "https://example.com/"},
    // Fragment.
    {"fragment dropped", "https://example.com/a#section-2", "https://example.com/a"},
    {"fragment after query", "https://example.com/a?x=1#top", "https://example.com/a?x=1"},
    {"question mark inside query kept", "https://example.com/a?b=c?d",
     "https://example.com/a?b=c?d"},
    {"empty fragment", "https://example.com/a#", "https://example.com/a"},
    // Not absolute http(s) URLs.
    {"ftp", "ftp://example.com/a", std::nullopt},
    {"mailto", "mailto:news@example.com", std::nullopt},
    {"tag URI", "tag:example.com,2024:story-1", std::nullopt},
    {"relative path", "/2024/story", std::nullopt},
    {"scheme-relative", "//example.com/a", std::nullopt},
    {"no scheme", "example.com/a", std::nullopt},
    {"http without authority", "http:example.com/a", std::nullopt},
    {"empty host", "http:///a", std::nullopt},
    {"empty", "", std::nullopt},
    {"white space only", "   ", std::nullopt},
    {"garbage", "::not a url::", std::nullopt},
    {"bad IPv6 literal", "http://[::1/a", std::nullopt},
    {"non-numeric port", "http://example.com:port/a", std::nullopt},
};

// "what" with every non-alphanumeric character replaced: a valid, readable test name.
std::string case_name(const testing::TestParamInfo<Case>& param) {
  std::string name(param.param.what);
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, CanonicalUrl, testing::ValuesIn(k_cases), case_name);

TEST(CanonicalUrlOptions, CustomListReplacesTheDefault) {
  UrlOptions options;
  options.tracking_params = {"session", "src_*"};
  EXPECT_EQ(canonical_url("https://example.com/a?session=9&src_feed=x&utm_source=rss&p=1", options),
            "https://example.com/a?utm_source=rss&p=1");
}

TEST(CanonicalUrlOptions, EmptyListKeepsEveryParameter) {
  const UrlOptions options{.tracking_params = {}};
  EXPECT_EQ(canonical_url("https://example.com/a?utm_source=rss&fbclid=1", options),
            "https://example.com/a?utm_source=rss&fbclid=1");
}

TEST(CanonicalUrlOptions, DefaultListNamesTheCommonTrackers) {
  const std::vector<std::string> list = default_tracking_params();
  for (const char* name : {"utm_*", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid",
                           "ref_src", "yclid", "igshid", "_hsenc", "_hsmi", "mkt_tok"}) {
    EXPECT_NE(std::find(list.begin(), list.end(), name), list.end()) << name;
  }
}

TEST(CanonicalUrlOptions, SameStorySpelledDifferentlyIsOneUrl) {
  const std::optional<std::string> a =
      canonical_url("HTTPS://Example.com:443/news/./story%7E1?utm_source=rss#comments");
  const std::optional<std::string> b = canonical_url("https://example.com/news/story~1?fbclid=abc");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a, b);
  EXPECT_NE(canonical_url("https://example.com/news/story~2"), a);
}

} // namespace
} // namespace fw::dedupe
