#include "scheduler/scheduler.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace fw::scheduler {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Kind = FetchOutcome::Kind;

constexpr std::uint64_t k_seed = 42;

Policy steady_policy() {
  Policy p;
  p.jitter = 0.0;
  return p;
}

FetchOutcome outcome(Kind kind) {
  FetchOutcome o;
  o.kind = kind;
  return o;
}

class SchedulerTest : public ::testing::Test {
protected:
  TimePoint now = TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 11 / 27}} + 12h;

  Scheduler make(Policy policy, std::uint64_t seed = k_seed) {
    return Scheduler(
        policy, [this] { return now; }, seed);
  }

  // Adds a feed that is due at once, as after a restart with a past due time.
  static void add_due(Scheduler& s, const std::string& id, const std::string& host,
                      std::optional<seconds> interval, TimePoint due) {
    s.add(FeedSpec{id, host, interval}, due);
  }

  // Starts `id` (which must be the only feed that is ready) and reports `o` for it.
  Explanation poll(Scheduler& s, const std::string& id, const FetchOutcome& o) {
    const std::vector<std::string> ready = s.take_ready();
    EXPECT_EQ(ready, std::vector<std::string>{id});
    return s.finished(id, o);
  }

  // Advances the clock to the feed's next due time and polls it.
  Explanation poll_next(Scheduler& s, const std::string& id, const FetchOutcome& o) {
    now = s.explain(id)->next_due;
    return poll(s, id, o);
  }
};

TEST_F(SchedulerTest, DefaultIntervalAppliesWithoutAConfiguredOne) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", std::nullopt, now);
  const Explanation e = poll(s, "a", outcome(Kind::fetched));
  EXPECT_EQ(e.basis, "default");
  EXPECT_EQ(e.interval, 900s);
  EXPECT_EQ(e.next_due, now + 900s);
  EXPECT_EQ(s.next_wakeup(), now + 900s);
  EXPECT_FALSE(e.clamped);
}

TEST_F(SchedulerTest, ConfiguredIntervalReplacesTheDefault) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", 300s, now);
  const Explanation e = poll(s, "a", outcome(Kind::fetched));
  EXPECT_EQ(e.basis, "configured");
  EXPECT_EQ(e.configured, 300s);
  EXPECT_EQ(e.next_due, now + 300s);
}

TEST_F(SchedulerTest, ShortIntervalIsClampedToMinInterval) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", 10s, now);
  const Explanation e = poll(s, "a", outcome(Kind::fetched));
  EXPECT_EQ(e.interval, 60s);
  EXPECT_EQ(e.clamped, "min_interval");
  EXPECT_EQ(e.next_due, now + 60s);
}

TEST_F(SchedulerTest, LongIntervalIsClampedToMaxInterval) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", 200000s, now);
  const Explanation e = poll(s, "a", outcome(Kind::fetched));
  EXPECT_EQ(e.interval, 86400s);
  EXPECT_EQ(e.clamped, "max_interval");
  EXPECT_EQ(e.next_due, now + 86400s);
}

TEST_F(SchedulerTest, JitterStaysWithinBoundsAndSpreadsOverTheWholeRange) {
  Scheduler s = make(Policy{});
  add_due(s, "a", "example.com", 1000s, now);
  std::vector<double> factors;
  std::vector<int> buckets(10, 0);
  for (int i = 0; i < 1000; ++i) {
    const Explanation e =
        i == 0 ? poll(s, "a", outcome(Kind::fetched)) : poll_next(s, "a", outcome(Kind::fetched));
    ASSERT_GE(e.jitter_factor, 0.9);
    ASSERT_LE(e.jitter_factor, 1.1);
    EXPECT_EQ(e.interval, 1000s);
    EXPECT_EQ(e.next_due - e.decided_at, milliseconds{std::llround(1e6 * e.jitter_factor)});
    factors.push_back(e.jitter_factor);
    ++buckets[std::min(9, static_cast<int>((e.jitter_factor - 0.9) / 0.02))];
  }
  const auto [lo, hi] = std::minmax_element(factors.begin(), factors.end());
  EXPECT_LT(*lo, 0.902);
  EXPECT_GT(*hi, 1.098);
  double mean = 0;
  for (const double f : factors) {
    mean += f / static_cast<double>(factors.size());
  }
  EXPECT_NEAR(mean, 1.0, 0.01);
  // Uniform: each of the ten bands holds about 100 of the 1000 draws.
  for (const int count : buckets) {
    EXPECT_GT(count, 60);
    EXPECT_LT(count, 140);
  }
}

TEST_F(SchedulerTest, SameSeedGivesTheSameScheduleAndAnotherSeedAnother) {
  const auto schedule = [this](std::uint64_t seed) {
    const TimePoint start = now;
    Scheduler s = make(Policy{}, seed);
    std::vector<TimePoint> dues;
    for (int i = 0; i < 20; ++i) {
      s.add(FeedSpec{"f" + std::to_string(i), "h" + std::to_string(i), std::nullopt});
      dues.push_back(s.explain("f" + std::to_string(i))->next_due);
    }
    now = start;
    return dues;
  };
  EXPECT_EQ(schedule(7), schedule(7));
  EXPECT_NE(schedule(7), schedule(8));
}

TEST_F(SchedulerTest, FirstPollWithoutStoredDueIsSpreadOverTheFirstMinute) {
  Scheduler s = make(Policy{});
  std::vector<TimePoint> dues;
  for (int i = 0; i < 200; ++i) {
    s.add(FeedSpec{"f" + std::to_string(i), "h" + std::to_string(i), std::nullopt});
    dues.push_back(s.explain("f" + std::to_string(i))->next_due);
  }
  const auto [lo, hi] = std::minmax_element(dues.begin(), dues.end());
  EXPECT_GE(*lo, now);
  EXPECT_LT(*hi, now + 60s);
  EXPECT_GT(*hi - *lo, 50s);
  // A feed polled every 20 s is spread over 20 s only.
  s.add(FeedSpec{"fast", "fast.example", 20s});
  EXPECT_LT(s.explain("fast")->next_due, now + 60s);
}

TEST_F(SchedulerTest, EntryRateSetsTheIntervalToHalfTheMeanGap) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", 600s, now);
  FetchOutcome o = outcome(Kind::fetched);
  for (int k = 1; k <= 60; ++k) {
    o.item_times.push_back(now - k * 2h); // one item every two hours for five days
  }
  const Explanation e = poll(s, "a", o);
  EXPECT_EQ(e.basis, "entry rate");
  EXPECT_EQ(e.entry_rate, 7200s);
  EXPECT_EQ(e.interval, 3600s);
  EXPECT_EQ(e.configured, 600s);
  EXPECT_EQ(e.next_due, now + 1h);
}

TEST_F(SchedulerTest, FeedThatFellSilentDriftsToLongerIntervals) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", std::nullopt, now);
  FetchOutcome o = outcome(Kind::fetched);
  for (int k = 0; k < 10; ++k) {
    o.item_times.push_back(now - 20 * 24h - k * 1h); // a burst twenty days ago
  }
  const Explanation e = poll(s, "a", o);
  EXPECT_EQ(e.basis, "entry rate");
  EXPECT_EQ(e.interval, 86400s);
  EXPECT_EQ(e.clamped, "max_interval");
}

TEST_F(SchedulerTest, TooFewRecentItemsFallBackToTheConfiguredInterval) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", 600s, now);
  FetchOutcome o = outcome(Kind::fetched);
  for (int k = 0; k < 10; ++k) {
    o.item_times.push_back(now - 40 * 24h - k * 1h); // older than 30 days: ignored
  }
  o.item_times.push_back(now - 1h);
  const Explanation e = poll(s, "a", o);
  EXPECT_EQ(e.basis, "configured");
  EXPECT_EQ(e.interval, 600s);
  EXPECT_FALSE(e.entry_rate);
}

TEST_F(SchedulerTest, PublisherHintsRaiseTheIntervalButNeverLowerIt) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", 600s, now);

  FetchOutcome ttl = outcome(Kind::fetched);
  ttl.ttl = 7200s;
  ttl.max_age = 300s;
  Explanation e = poll(s, "a", ttl);
  EXPECT_EQ(e.basis, "ttl");
  EXPECT_EQ(e.interval, 7200s);
  EXPECT_EQ(e.max_age, 300s);

  FetchOutcome max_age = outcome(Kind::fetched);
  max_age.max_age = 1800s;
  e = poll_next(s, "a", max_age);
  EXPECT_EQ(e.basis, "max-age");
  EXPECT_EQ(e.interval, 1800s);

  FetchOutcome period = outcome(Kind::fetched);
  period.update_period = 3h;
  period.ttl = 60s;
  e = poll_next(s, "a", period);
  EXPECT_EQ(e.basis, "update period");
  EXPECT_EQ(e.interval, 10800s);
  EXPECT_EQ(e.ttl, 60s);

  FetchOutcome low = outcome(Kind::fetched);
  low.ttl = 60s;
  e = poll_next(s, "a", low);
  EXPECT_EQ(e.basis, "configured");
  EXPECT_EQ(e.interval, 600s);
}

TEST_F(SchedulerTest, NotModifiedKeepsTheHintsOfTheLastDocument) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", 600s, now);
  FetchOutcome fetched = outcome(Kind::fetched);
  fetched.ttl = 7200s;
  poll(s, "a", fetched);
  const Explanation e = poll_next(s, "a", outcome(Kind::not_modified));
  EXPECT_EQ(e.basis, "ttl");
  EXPECT_EQ(e.interval, 7200s);
}

TEST_F(SchedulerTest, WithoutAdaptiveTheHintsAndEntryRateAreIgnored) {
  Policy p = steady_policy();
  p.adaptive = false;
  Scheduler s = make(p);
  add_due(s, "a", "example.com", 600s, now);
  FetchOutcome o = outcome(Kind::fetched);
  o.ttl = 7200s;
  for (int k = 1; k <= 60; ++k) {
    o.item_times.push_back(now - k * 2h);
  }
  const Explanation e = poll(s, "a", o);
  EXPECT_EQ(e.basis, "configured");
  EXPECT_EQ(e.interval, 600s);
  EXPECT_FALSE(e.ttl);
}

TEST_F(SchedulerTest, FailuresBackOffExponentiallyUpToMaxBackoff) {
  Policy p = steady_policy();
  p.max_backoff = 5000s;
  Scheduler s = make(p);
  add_due(s, "a", "example.com", 600s, now);
  FetchOutcome failed = outcome(Kind::failed);
  failed.error = "HTTP 500";
  const std::vector<seconds> expected = {600s, 1200s, 2400s, 4800s, 5000s, 5000s};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    // A 429 without Retry-After counts as a failure too.
    const FetchOutcome& o = i == 2 ? outcome(Kind::retry_later) : failed;
    const Explanation e = i == 0 ? poll(s, "a", o) : poll_next(s, "a", o);
    EXPECT_EQ(e.basis, "backoff");
    EXPECT_EQ(e.backoff, expected[i]) << "failure " << i + 1;
    EXPECT_EQ(e.next_due, now + expected[i]);
    EXPECT_EQ(e.error_count, static_cast<int>(i) + 1);
    EXPECT_EQ(e.interval, 600s);
  }
  EXPECT_EQ(s.size(), 1U); // never dropped
}

TEST_F(SchedulerTest, BackoffWithJitterNeverExceedsMaxBackoff) {
  Policy p;
  p.max_backoff = 3000s;
  Scheduler s = make(p);
  add_due(s, "a", "example.com", 600s, now);
  for (int i = 0; i < 50; ++i) {
    const Explanation e =
        i == 0 ? poll(s, "a", outcome(Kind::failed)) : poll_next(s, "a", outcome(Kind::failed));
    EXPECT_LE(e.next_due - e.decided_at, 3000s);
  }
}

TEST_F(SchedulerTest, SuccessResetsTheErrorCount) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", 600s, now);
  poll(s, "a", outcome(Kind::failed));
  poll_next(s, "a", outcome(Kind::failed));
  EXPECT_EQ(poll_next(s, "a", outcome(Kind::failed)).backoff, 2400s);
  Explanation e = poll_next(s, "a", outcome(Kind::not_modified));
  EXPECT_EQ(e.error_count, 0);
  EXPECT_EQ(e.next_due, now + 600s);
  e = poll_next(s, "a", outcome(Kind::failed));
  EXPECT_EQ(e.error_count, 1);
  EXPECT_EQ(e.backoff, 600s);
}

TEST_F(SchedulerTest, RetryAfterIsHonouredExactlyWithoutJitter) {
  Scheduler s = make(Policy{});
  add_due(s, "a", "example.com", 600s, now);
  FetchOutcome o = outcome(Kind::retry_later);
  o.retry_after = 123s;
  const Explanation e = poll(s, "a", o);
  EXPECT_EQ(e.basis, "retry-after");
  EXPECT_EQ(e.retry_after, 123s);
  EXPECT_EQ(e.next_due, now + 123s);
  EXPECT_EQ(e.jitter_factor, 1.0);
  EXPECT_EQ(e.error_count, 1);
}

TEST_F(SchedulerTest, RetryAfterBlocksOnlyTheFeedByDefault) {
  Policy p = steady_policy();
  p.per_host_min_interval = 0ms;
  Scheduler s = make(p);
  add_due(s, "a", "example.com", 600s, now);
  add_due(s, "b", "example.com", 600s, now + 10s);
  FetchOutcome o = outcome(Kind::retry_later);
  o.retry_after = 300s;
  poll(s, "a", o);
  now += 10s;
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"b"});
}

TEST_F(SchedulerTest, RetryAfterPerHostBlocksEveryFeedOnTheHost) {
  Policy p = steady_policy();
  p.per_host_min_interval = 0ms;
  p.retry_after_per_host = true;
  Scheduler s = make(p);
  add_due(s, "a", "example.com", 600s, now);
  add_due(s, "b", "EXAMPLE.com", 600s, now + 10s);
  add_due(s, "c", "other.example", 600s, now + 10s);
  FetchOutcome o = outcome(Kind::retry_later);
  o.retry_after = 300s;
  poll(s, "a", o);

  now += 10s;
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"c"});
  const std::optional<Explanation> b = s.explain("b");
  ASSERT_TRUE(b && b->deferred_by);
  EXPECT_NE(b->deferred_by->find("host example.com: Retry-After until"), std::string::npos)
      << *b->deferred_by;
  EXPECT_EQ(s.next_wakeup(), now - 10s + 300s);

  now = *s.next_wakeup();
  std::vector<std::string> ready = s.take_ready();
  std::sort(ready.begin(), ready.end());
  EXPECT_EQ(ready, (std::vector<std::string>{"a", "b"}));
}

TEST_F(SchedulerTest, GoneTakesTheFeedOutOfTheSchedule) {
  Scheduler s = make(steady_policy());
  add_due(s, "a", "example.com", 600s, now);
  const Explanation e = poll(s, "a", outcome(Kind::gone));
  EXPECT_EQ(e.basis, "gone");
  EXPECT_EQ(s.size(), 0U);
  EXPECT_EQ(s.in_flight(), 0U);
  EXPECT_FALSE(s.explain("a"));
  EXPECT_FALSE(s.next_wakeup());
  now += 100000s;
  EXPECT_TRUE(s.take_ready().empty());
}

TEST_F(SchedulerTest, PerHostConcurrencyHoldsBackTheRestInDueOrder) {
  Policy p = steady_policy();
  p.per_host_min_interval = 0ms;
  Scheduler s = make(p);
  // d is due before e; the host name differs only in case.
  add_due(s, "a", "example.com", 600s, now - 5s);
  add_due(s, "b", "Example.COM", 600s, now - 4s);
  add_due(s, "d", "example.com", 600s, now - 3s);
  add_due(s, "e", "example.com", 600s, now - 2s);
  add_due(s, "x", "other.example", 600s, now);

  std::vector<std::string> ready = s.take_ready();
  std::sort(ready.begin(), ready.end());
  EXPECT_EQ(ready, (std::vector<std::string>{"a", "b", "x"}));
  EXPECT_EQ(s.in_flight(), 3U);
  EXPECT_EQ(s.explain("d")->deferred_by, "host example.com: 2 requests in flight");
  EXPECT_FALSE(s.explain("a")->deferred_by);
  // Only finished() can free the host, so there is nothing to wake up for.
  EXPECT_FALSE(s.next_wakeup());
  // d and e each had to wait once; a feed still waiting is not counted again.
  using Deferrals = std::vector<std::pair<std::string, std::uint64_t>>;
  EXPECT_EQ(s.deferrals_by_host(), (Deferrals{{"example.com", 2}}));

  now += 1s;
  add_due(s, "f", "example.com", 600s, now - 10s); // due before d and e, but arrives later
  EXPECT_TRUE(s.take_ready().empty());
  EXPECT_EQ(s.deferrals_by_host(), (Deferrals{{"example.com", 3}}));
  s.finished("a", outcome(Kind::fetched));
  ASSERT_TRUE(s.next_wakeup());
  EXPECT_LE(*s.next_wakeup(), now);
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"d"});
  s.finished("b", outcome(Kind::fetched));
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"e"});
  s.finished("d", outcome(Kind::fetched));
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"f"});
}

TEST_F(SchedulerTest, HostSpacingSeparatesRequestStarts) {
  Policy p = steady_policy();
  p.per_host_max_concurrent = 10;
  p.per_host_min_interval = 1500ms;
  Scheduler s = make(p);
  const TimePoint start = now;
  for (const char* id : {"a", "b", "c", "d"}) {
    add_due(s, id, "example.com", 600s, start);
  }
  add_due(s, "x", "other.example", 600s, start);

  std::map<std::string, TimePoint> started;
  for (int round = 0; round < 10 && started.size() < 5; ++round) {
    for (const std::string& id : s.take_ready()) {
      started[id] = now;
    }
    if (started.size() < 5) {
      // d starts last, so it waits for the spacing in every round before.
      EXPECT_EQ(s.explain("d")->deferred_by, "host example.com: spacing 1500 ms between starts");
      ASSERT_TRUE(s.next_wakeup());
      now = *s.next_wakeup();
    }
  }
  ASSERT_EQ(started.size(), 5U);
  EXPECT_EQ(started["x"], start);
  EXPECT_EQ(started["a"], start);
  EXPECT_EQ(started["b"], start + 1500ms);
  EXPECT_EQ(started["c"], start + 3000ms);
  EXPECT_EQ(started["d"], start + 4500ms);
  EXPECT_EQ(s.in_flight(), 5U);
}

TEST_F(SchedulerTest, GlobalLimitCapsPollsInFlightAcrossHosts) {
  Policy p = steady_policy();
  p.max_concurrent = 3;
  Scheduler s = make(p);
  for (int i = 0; i < 5; ++i) {
    add_due(s, "f" + std::to_string(i), "h" + std::to_string(i) + ".example", 600s,
            now - seconds{10 - i});
  }
  EXPECT_EQ(s.take_ready(), (std::vector<std::string>{"f0", "f1", "f2"}));
  EXPECT_EQ(s.in_flight(), 3U);
  EXPECT_EQ(s.explain("f3")->deferred_by, "global limit: 3 requests in flight");
  EXPECT_FALSE(s.next_wakeup());
  EXPECT_TRUE(s.take_ready().empty());

  s.finished("f1", outcome(Kind::fetched));
  EXPECT_LE(s.next_wakeup(), now);
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"f3"});
  EXPECT_EQ(s.explain("f4")->deferred_by, "global limit: 3 requests in flight");
  EXPECT_FALSE(s.explain("f3")->deferred_by);
}

TEST_F(SchedulerTest, RestartKeepsStoredDueTimesAndErrorCounts) {
  Scheduler s = make(Policy{});
  s.add(FeedSpec{"later", "a.example", 600s}, now + 500s);
  s.add(FeedSpec{"overdue", "b.example", 600s}, now - 3600s, 2);
  EXPECT_EQ(s.explain("later")->next_due, now + 500s);
  EXPECT_EQ(s.explain("overdue")->error_count, 2);
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"overdue"});
  const Explanation e = s.finished("overdue", outcome(Kind::failed));
  EXPECT_EQ(e.error_count, 3);
  EXPECT_EQ(e.backoff, 2400s);
  now += 499s;
  EXPECT_TRUE(s.take_ready().empty());
  now += 1s;
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"later"});
}

TEST_F(SchedulerTest, StoredDueFarInTheFutureIsPulledIn) {
  Scheduler s = make(Policy{});
  s.add(FeedSpec{"a", "a.example", std::nullopt}, now + std::chrono::days{3650});
  EXPECT_LE(s.explain("a")->next_due, now + 86400s * 1.1);
}

TEST_F(SchedulerTest, RemovedFeedIsNeverStartedAndItsPollReleasesBudgets) {
  Policy p = steady_policy();
  p.per_host_max_concurrent = 1;
  Scheduler s = make(p);
  add_due(s, "a", "example.com", 600s, now);
  add_due(s, "b", "example.com", 600s, now);
  add_due(s, "c", "example.com", 600s, now);
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"a"});
  s.remove("a"); // in flight: keeps its host budget until finished()
  s.remove("b"); // waiting: gone from the queue
  EXPECT_EQ(s.size(), 1U);
  EXPECT_EQ(s.in_flight(), 1U);
  EXPECT_TRUE(s.take_ready().empty());
  EXPECT_EQ(s.finished("a", outcome(Kind::fetched)).basis, "removed");
  EXPECT_EQ(s.in_flight(), 0U);
  now += 1s;
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"c"});
}

TEST_F(SchedulerTest, SetHostMovesAWaitingFeedToItsNewHost) {
  Policy p = steady_policy();
  p.per_host_max_concurrent = 1;
  Scheduler s = make(p);
  add_due(s, "a", "old.example", 600s, now);
  add_due(s, "b", "old.example", 600s, now);
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"a"});
  s.set_host("b", "new.example");
  EXPECT_EQ(s.take_ready(), std::vector<std::string>{"b"});
  EXPECT_EQ(s.in_flight(), 2U);
}

TEST_F(SchedulerTest, FinishedForAFeedNotInFlightIsACallerBug) {
  Scheduler s = make(Policy{});
  s.add(FeedSpec{"a", "example.com", std::nullopt}, now + 10s);
  EXPECT_THROW(s.finished("a", outcome(Kind::fetched)), FatalError);
  EXPECT_THROW(s.finished("unknown", outcome(Kind::fetched)), FatalError);
}

TEST_F(SchedulerTest, InconsistentPolicyIsAConfigError) {
  Policy p;
  p.min_interval = 600s;
  p.max_interval = 60s;
  EXPECT_THROW(make(p), ConfigError);
  p = Policy{};
  p.jitter = 1.5;
  EXPECT_THROW(make(p), ConfigError);
  p = Policy{};
  p.max_concurrent = 0;
  EXPECT_THROW(make(p), ConfigError);
}

// 100k feeds on 500 hosts drain under every budget at once: a functional check of the heap and
// the host queues at scale, with a fake clock.
TEST_F(SchedulerTest, HundredThousandFeedsDrainWithinTheBudgets) {
  Policy p;
  p.max_concurrent = 64;
  p.per_host_max_concurrent = 2;
  p.per_host_min_interval = 1000ms;
  Scheduler s = make(p);
  constexpr int k_feeds = 100000;
  constexpr int k_hosts = 500;
  for (int i = 0; i < k_feeds; ++i) {
    s.add(FeedSpec{"feed" + std::to_string(i), "host" + std::to_string(i % k_hosts) + ".example",
                   std::nullopt});
  }
  ASSERT_EQ(s.size(), static_cast<std::size_t>(k_feeds));

  std::map<std::string, TimePoint> last_start; // by host
  std::vector<std::string> in_flight;
  std::size_t polled = 0;
  int rounds = 0;
  while (s.size() > 0) {
    ASSERT_LT(++rounds, 1000000);
    const std::optional<TimePoint> wake = s.next_wakeup();
    ASSERT_TRUE(wake || !in_flight.empty());
    if (wake && *wake > now) {
      now = *wake;
    }
    std::vector<std::string> ready = s.take_ready();
    ASSERT_LE(s.in_flight(), 64U);
    for (const std::string& id : ready) {
      const std::string host =
          "host" + std::to_string(std::stoi(id.substr(4)) % k_hosts) + ".example";
      const auto it = last_start.find(host);
      if (it != last_start.end()) {
        ASSERT_GE(now - it->second, 1000ms) << host;
      }
      last_start[host] = now;
      in_flight.push_back(id);
    }
    // Polls end one tick after they start; each feed is polled once, then reported gone.
    if (ready.empty() || s.in_flight() == 64U) {
      now += 10ms;
      for (const std::string& id : in_flight) {
        s.finished(id, outcome(Kind::gone));
        ++polled;
      }
      in_flight.clear();
    }
  }
  EXPECT_EQ(polled, static_cast<std::size_t>(k_feeds));
  EXPECT_EQ(s.in_flight(), 0U);
  EXPECT_FALSE(s.next_wakeup());
  // 200 feeds per host, one start per second per host: at least 199 s of fake time.
  EXPECT_GE(now - (TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 11 / 27}} + 12h),
            199s);
}

} // namespace
} // namespace fw::scheduler
