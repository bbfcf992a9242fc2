#include "scheduler/explanation.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <string>

namespace fw::scheduler {
namespace {

using namespace std::chrono_literals;

TimePoint at(int y, unsigned m, unsigned d, std::chrono::milliseconds since_midnight) {
  return TimePoint{std::chrono::sys_days{std::chrono::year{y} / m / d}} + since_midnight;
}

Explanation full() {
  Explanation e;
  e.decided_at = at(2026, 11, 27, 14h + 3min + 7s + 250ms);
  e.next_due = e.decided_at + 5400s + 999ms;
  e.interval = 4800s;
  e.basis = "backoff";
  e.configured = 600s;
  e.entry_rate = 9600s;
  e.ttl = 3600s;
  e.max_age = 300s;
  e.update_period = 86400s;
  e.retry_after = 120s;
  e.backoff = 9600s;
  e.clamped = "min_interval";
  e.jitter_factor = 1.0371234567891234;
  e.error_count = 4;
  e.error = "HTTP 503 from example.com";
  e.deferred_by = "host example.com: 2 requests in flight";
  return e;
}

TEST(Explanation, TimesFormatAsUtcWithMilliseconds) {
  EXPECT_EQ(format_time(at(2026, 1, 2, 3h + 4min + 5s + 6ms)), "2026-01-02T03:04:05.006Z");
  EXPECT_EQ(parse_time("2026-01-02T03:04:05.006Z"), at(2026, 1, 2, 3h + 4min + 5s + 6ms));
  EXPECT_FALSE(parse_time("2026-02-30T00:00:00.000Z"));
  EXPECT_FALSE(parse_time("2026-01-02T24:00:00.000Z"));
  EXPECT_FALSE(parse_time("2026-01-02 03:04:05.006Z"));
  EXPECT_FALSE(parse_time("2026-01-02T03:04:05Z"));
}

TEST(Explanation, JsonRoundTripKeepsEveryField) {
  const Explanation e = full();
  const std::optional<Explanation> back = Explanation::from_json(e.to_json());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, e);
}

TEST(Explanation, JsonRoundTripLeavesAbsentInputsAbsent) {
  Explanation e;
  e.decided_at = at(2026, 11, 27, 12h);
  e.next_due = e.decided_at + 900s;
  e.interval = 900s;
  e.basis = "default";
  const std::string json = e.to_json();
  EXPECT_EQ(json.find("ttl_s"), std::string::npos) << json;
  EXPECT_NE(json.find("\"interval_s\":900"), std::string::npos) << json;
  EXPECT_NE(json.find("\"next_due\":\"2026-11-27T12:15:00.000Z\""), std::string::npos) << json;
  const std::optional<Explanation> back = Explanation::from_json(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, e);
}

TEST(Explanation, FromJsonRejectsMalformedOrIncompleteInput) {
  EXPECT_FALSE(Explanation::from_json("not json"));
  EXPECT_FALSE(Explanation::from_json("[1, 2]"));
  EXPECT_FALSE(Explanation::from_json(R"({"basis": "default"})"));
  EXPECT_FALSE(Explanation::from_json(R"({"decided_at": "2026-11-27T12:00:00.000Z",
      "next_due": "2026-11-27T12:15:00.000Z", "interval_s": "900", "basis": "default"})"));
  EXPECT_FALSE(Explanation::from_json(R"({"decided_at": "yesterday",
      "next_due": "2026-11-27T12:15:00.000Z", "interval_s": 900, "basis": "default"})"));
  EXPECT_FALSE(Explanation::from_json(R"({"decided_at": "2026-11-27T12:00:00.000Z",
      "next_due": "2026-11-27T12:15:00.000Z", "interval_s": 900, "basis": "default",
      "ttl_s": 1.5})"));
  // Keys from a newer version are ignored.
  const auto newer = Explanation::from_json(R"({"decided_at": "2026-11-27T12:00:00.000Z",
      "next_due": "2026-11-27T12:15:00.000Z", "interval_s": 900, "basis": "default",
      "something_new": [1]})");
  ASSERT_TRUE(newer);
  EXPECT_EQ(newer->interval, 900s);
}

TEST(Explanation, TextShowsOneInputPerLine) {
  const std::string text = full().to_text();
  EXPECT_EQ(text, "decided at:    2026-11-27T14:03:07.250Z\n"
                  "next due:      2026-11-27T15:33:08.249Z (in 5401 s (1h30m1s))\n"
                  "basis:         backoff\n"
                  "interval:      4800 s (1h20m) (clamped to min_interval)\n"
                  "configured:    600 s (10m)\n"
                  "entry rate:    9600 s (2h40m)\n"
                  "ttl:           3600 s (1h)\n"
                  "max-age:       300 s (5m)\n"
                  "update period: 86400 s (1d)\n"
                  "retry-after:   120 s (2m)\n"
                  "backoff:       9600 s (2h40m)\n"
                  "jitter:        x1.037\n"
                  "errors:        4\n"
                  "last error:    HTTP 503 from example.com\n"
                  "deferred by:   host example.com: 2 requests in flight\n");
}

TEST(Explanation, TextOfAGoneFeedSaysItIsNeverDue) {
  Explanation e;
  e.decided_at = at(2026, 11, 27, 12h);
  e.next_due = e.decided_at;
  e.interval = 900s;
  e.basis = "gone";
  const std::string text = e.to_text();
  EXPECT_NE(text.find("next due:      never (gone)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("ttl"), std::string::npos) << text;
}

} // namespace
} // namespace fw::scheduler
