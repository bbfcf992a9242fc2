#pragma once

#include "scheduler/explanation.hpp"
#include "scheduler/types.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fw::scheduler {

// Decides when each feed is polled. Pure logic: the daemon's io thread owns one timer, arms it
// for next_wakeup(), starts the polls take_ready() hands out and reports each with finished().
// One min-heap of due times serves every feed; due feeds that a budget (per-host concurrency,
// per-host spacing, global concurrency, a host-wide Retry-After) holds back wait in a queue per
// host, in due order, and start first when their host frees up.
//
// Threading: not thread-safe; every call comes from the io thread. Time comes only from the
// injected clock and randomness only from the seeded generator, so a fake clock and a fixed seed
// give a reproducible schedule.
class Scheduler {
public:
  // `now` is called on every public call that needs the time; it must be cheap and must not call
  // back into the scheduler. Throws fw::ConfigError when the policy is inconsistent (min_interval
  // above max_interval, jitter outside [0, 1), limits below 1, negative durations).
  Scheduler(Policy policy, std::function<TimePoint()> now, std::uint64_t seed);

  // Adds a feed. With a stored due time (after a restart) the feed keeps it, so a restart causes
  // no thundering herd; a past stored time means due now, and one further ahead than any delay
  // the scheduler itself would choose is pulled in to that bound (a clock jump or a corrupt state
  // file must not silence a feed). Without one, the first poll is spread uniformly over the first
  // min(interval, 60 s). `stored_error_count` continues a backoff across the restart.
  // Adding an id that is already scheduled updates its interval (used from the next decision on)
  // and its host (as set_host()), and ignores the stored values.
  void add(FeedSpec spec, std::optional<TimePoint> stored_due = {}, int stored_error_count = 0);

  // Takes a feed out of the schedule; unknown ids are ignored. A poll in flight keeps its
  // budgets until its finished() arrives, which then returns basis "removed".
  void remove(std::string_view id);

  // Moves a feed to another host (after a permanent redirect) without changing its due time. A
  // poll in flight still counts against the old host until finished(). Unknown ids are ignored.
  void set_host(std::string_view id, std::string host);

  // Feeds due now that the budgets let start now, earliest due first. Each returned feed is in
  // flight until finished(). Due feeds held back by a budget stay first in line for their host
  // (a deferral, not an error; explain() shows why). O(k log n) for k feeds moved or started.
  [[nodiscard]] std::vector<std::string> take_ready();

  // When the timer should fire next: the earliest due time, the end of a host's spacing or
  // Retry-After block for a waiting feed, or a past time when a waiting feed can start at once.
  // A feed held back by concurrency (its host's or the global limit) adds nothing: finished() is
  // its wake-up. nullopt when nothing is scheduled, and also while the global limit is full, as
  // nothing can start before a finished(). Call it again after every take_ready(), finished(),
  // add(), remove() and set_host().
  [[nodiscard]] std::optional<TimePoint> next_wakeup() const;

  // Ends the in-flight poll of `id` and schedules the next one; returns the explanation, with
  // next_due inside, which the daemon persists. fetched/not_modified: the (adaptive) interval
  // with jitter, and the error count goes back to 0. failed, or retry_later without
  // Retry-After: interval * 2^(errors-1), capped at max_backoff, with jitter but never beyond
  // max_backoff. retry_later with Retry-After: exactly now + retry_after (held to max_backoff),
  // counted as an error, and with Policy::retry_after_per_host the whole host waits as long.
  // gone: the feed leaves the scheduler (explain() then returns nullopt). Throws
  // fw::FatalError when `id` has no poll in flight: a bug in the caller, and continuing would
  // corrupt the budgets.
  Explanation finished(std::string_view id, const FetchOutcome& outcome);

  // Per host (lower-case name), how many times a feed that became due could not start at once
  // because of the host's or the global budget, since the host was first seen. Hosts without
  // feeds are forgotten, and their counts with them.
  [[nodiscard]] std::vector<std::pair<std::string, std::uint64_t>> deferrals_by_host() const;

  // The last decision for `id`, with deferred_by set while the feed is due but held back by a
  // budget; nullopt for an unknown id.
  [[nodiscard]] std::optional<Explanation> explain(std::string_view id) const;

  // Feeds in the schedule (added, not removed, not gone), and polls in flight.
  [[nodiscard]] std::size_t size() const noexcept { return m_ids.size(); }
  [[nodiscard]] std::size_t in_flight() const noexcept {
    return static_cast<std::size_t>(m_in_flight);
  }

private:
  using Slot = std::uint32_t;
  enum class FeedState { scheduled, waiting, in_flight };
  // Where a host with waiting feeds sits: nowhere (no waiting feed), in m_runnable (can start
  // now but for the global limit), in m_host_timers (spacing or Retry-After), or parked until
  // one of its polls finishes (its concurrency limit is full).
  enum class HostPlace { idle, runnable, timed, parked };

  struct Feed {
    std::string id;
    Slot host = 0;
    Slot flight_host = 0; // the host the poll in flight counts against
    std::optional<std::chrono::seconds> configured;
    FeedState state = FeedState::scheduled;
    TimePoint due{};
    std::uint64_t generation = 0; // invalidates heap and queue entries made before a change
    int error_count = 0;
    std::chrono::seconds interval{0}; // the last clamped interval: the base of a backoff
    // Hints of the last document, kept for 304 responses, which carry none.
    std::optional<std::chrono::seconds> entry_gap, ttl, update_period, max_age;
    Explanation explanation;
    bool is_live = false;
    std::uint64_t deferrals = 0; // feeds that became due and had to wait for this host
  };

  struct Host {
    std::string name; // lower case
    std::size_t feed_count = 0;
    int in_flight = 0;
    std::optional<TimePoint> last_start;
    TimePoint blocked_until{};
    std::deque<std::pair<Slot, std::uint64_t>> waiting; // (feed, generation), in due order
    HostPlace place = HostPlace::idle;
    TimePoint runnable_key{};
    std::uint64_t timer_generation = 0;
    bool is_live = false;
    std::uint64_t deferrals = 0; // feeds that became due and had to wait for this host
  };

  struct HeapEntry {
    TimePoint at;
    Slot slot;
    std::uint64_t generation;
  };
  struct Later {
    bool operator()(const HeapEntry& a, const HeapEntry& b) const noexcept {
      return a.at != b.at ? a.at > b.at : a.slot > b.slot;
    }
  };
  using Heap = std::priority_queue<HeapEntry, std::vector<HeapEntry>, Later>;

  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using IdMap = std::unordered_map<std::string, Slot, IdHash, std::equal_to<>>;

  struct Decision {
    std::chrono::seconds interval{0};
    std::string basis;
    std::optional<std::string> clamped;
  };

  [[nodiscard]] Decision clamp(std::chrono::seconds interval, std::string basis) const;
  [[nodiscard]] Decision regular_interval(const Feed& feed) const;
  [[nodiscard]] double draw_unit();
  [[nodiscard]] double draw_jitter();
  [[nodiscard]] TimePoint latest_sensible_due(TimePoint now) const;

  Slot acquire_host(std::string_view name);
  void maybe_drop_host(Slot host);
  void place_host(Slot host, TimePoint now);
  void detach_host(Slot host);
  void release_flight(Slot host, TimePoint now);
  void push_scheduled(Slot feed);
  void drop_feed(Slot feed, TimePoint now);
  void prune_heaps();
  [[nodiscard]] bool is_scheduled_entry(const HeapEntry& entry) const;
  [[nodiscard]] bool is_waiting_entry(const std::pair<Slot, std::uint64_t>& entry) const;
  [[nodiscard]] bool is_timer_entry(const HeapEntry& entry) const;
  [[nodiscard]] std::optional<std::string> deferral(const Host& host, TimePoint now) const;

  Policy m_policy;
  std::function<TimePoint()> m_now;
  std::mt19937_64 m_rng;

  std::vector<Feed> m_feeds;
  std::vector<Slot> m_free_feeds;
  IdMap m_ids;
  std::vector<Host> m_hosts;
  std::vector<Slot> m_free_hosts;
  IdMap m_host_ids;

  Heap m_due;                                      // scheduled feeds by due time
  Heap m_host_timers;                              // timed hosts by release time
  std::set<std::pair<TimePoint, Slot>> m_runnable; // runnable hosts by their first feed's due
  // Polls still running for feeds removed meanwhile: (id, host), so their budgets come back.
  std::vector<std::pair<std::string, Slot>> m_orphans;
  int m_in_flight = 0;
};

} // namespace fw::scheduler
