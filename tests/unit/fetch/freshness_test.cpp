#include "fetch/freshness.hpp"

#include <gtest/gtest.h>

namespace fw::fetch {
namespace {

using namespace std::chrono;

sys_seconds at(int y, unsigned m, unsigned d, int h, int min, int s) {
  return sys_days(year_month_day(year(y), month(m), day(d))) + hours(h) + minutes(min) + seconds(s);
}

TEST(HttpDate, ReadsAllThreeForms) {
  const sys_seconds expected = at(1994, 11, 6, 8, 49, 37);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
}

TEST(HttpDate, RejectsGarbage) {
  EXPECT_FALSE(parse_http_date(""));
  EXPECT_FALSE(parse_http_date("0"));
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"));
}

TEST(RetryAfter, DelaySecondsAreReadAsIs) {
  const sys_seconds now = at(2024, 1, 1, 0, 0, 0);
  EXPECT_EQ(parse_retry_after("120", now), seconds(120));
  EXPECT_EQ(parse_retry_after(" 0 ", now), seconds(0));
}

TEST(RetryAfter, DateGivesTheDelayFromNow) {
  const sys_seconds now = at(2015, 10, 21, 7, 28, 0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now), seconds(120));
}

TEST(RetryAfter, DateInThePastGivesZero) {
  const sys_seconds now = at(2015, 10, 21, 7, 28, 0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), seconds(0));
}

TEST(RetryAfter, UnreadableValuesGiveNothing) {
  const sys_seconds now = at(2015, 10, 21, 7, 28, 0);
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("1.5", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
}

TEST(RetryAfter, HugeDelaySaturates) {
  EXPECT_EQ(parse_retry_after("99999999999999999999999", sys_seconds{}), seconds(2147483647));
}

Response with(std::optional<std::string> cache_control, std::optional<std::string> expires,
              std::optional<std::string> date) {
  Response r;
  r.cache_control = std::move(cache_control);
  r.expires = std::move(expires);
  r.date = std::move(date);
  return r;
}

TEST(Freshness, MaxAgeWins) {
  EXPECT_EQ(freshness_lifetime(with("public, max-age=600", "Sun, 06 Nov 1994 09:49:37 GMT",
                                    "Sun, 06 Nov 1994 08:49:37 GMT")),
            seconds(600));
  EXPECT_EQ(freshness_lifetime(with("max-age=\"60\"", std::nullopt, std::nullopt)), seconds(60));
}

TEST(Freshness, SharedMaxAgeIsIgnored) {
  EXPECT_EQ(freshness_lifetime(with("s-maxage=900, max-age=60", std::nullopt, std::nullopt)),
            seconds(60));
  EXPECT_FALSE(freshness_lifetime(with("s-maxage=900", std::nullopt, std::nullopt)));
}

TEST(Freshness, NoCacheAndNoStoreGiveZero) {
  EXPECT_EQ(freshness_lifetime(with("max-age=600, no-cache", std::nullopt, std::nullopt)),
            seconds(0));
  EXPECT_EQ(freshness_lifetime(with("No-Store", std::nullopt, std::nullopt)), seconds(0));
}

TEST(Freshness, UnreadableMaxAgeIsStale) {
  EXPECT_EQ(freshness_lifetime(with("max-age=soon", std::nullopt, std::nullopt)), seconds(0));
}

TEST(Freshness, ExpiresMinusDate) {
  EXPECT_EQ(freshness_lifetime(with(std::nullopt, "Sun, 06 Nov 1994 09:49:37 GMT",
                                    "Sun, 06 Nov 1994 08:49:37 GMT")),
            seconds(3600));
  EXPECT_EQ(freshness_lifetime(
                with("private", "Sun, 06 Nov 1994 09:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT")),
            seconds(3600));
}

TEST(Freshness, ExpiresBeforeDateGivesZero) {
  EXPECT_EQ(freshness_lifetime(with(std::nullopt, "Sun, 06 Nov 1994 07:49:37 GMT",
                                    "Sun, 06 Nov 1994 08:49:37 GMT")),
            seconds(0));
}

TEST(Freshness, InvalidExpiresMeansExpired) {
  EXPECT_EQ(freshness_lifetime(with(std::nullopt, "0", "Sun, 06 Nov 1994 08:49:37 GMT")),
            seconds(0));
}

TEST(Freshness, NothingKnownGivesNothing) {
  EXPECT_FALSE(freshness_lifetime(with(std::nullopt, std::nullopt, std::nullopt)));
  EXPECT_FALSE(
      freshness_lifetime(with(std::nullopt, "Sun, 06 Nov 1994 09:49:37 GMT", std::nullopt)));
}

} // namespace
} // namespace fw::fetch
