#pragma once

// The plain values the scheduler takes in: its policy (from config), the feeds it schedules and
// what happened to each poll. fetch and the daemon fill in FetchOutcome; the scheduler owns the
// type so that feedback flows upstream without the scheduler knowing fetch (STYLE.md §2).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fw::scheduler {

// Millisecond wall-clock time: due times are persisted and survive restarts, so they are
// absolute (system clock), not steady-clock offsets.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

// How feeds are scheduled. Validated by the Scheduler constructor (fw::ConfigError).
struct Policy {
  std::chrono::seconds default_interval{900}, min_interval{60}, max_interval{86400};
  // Derive the interval from the entry rate (which then replaces the configured or default
  // interval) and raise it to the publisher's ttl, max-age and update period. The configured or
  // default interval stays the base while a document has fewer than 2 items in 30 days.
  bool adaptive = true;
  double jitter = 0.1; // each interval is multiplied by a factor in [1-jitter, 1+jitter]
  std::chrono::seconds max_backoff{86400};
  int max_concurrent = 64;
  int per_host_max_concurrent = 2;
  std::chrono::milliseconds per_host_min_interval{1000}; // between two request starts to one host
  bool retry_after_per_host = false; // Retry-After blocks the whole host, not only the feed
};

// One feed as the scheduler sees it. `host` is compared case-insensitively; `interval`, when
// set, replaces Policy::default_interval for this feed.
struct FeedSpec {
  std::string id;
  std::string host;
  std::optional<std::chrono::seconds> interval;
};

// What happened to one poll, filled in by the daemon from the HTTP response and the parsed feed.
struct FetchOutcome {
  enum class Kind {
    fetched,      // 200 with a document
    not_modified, // 304: the document's hints (ttl, items) from the last 200 stay in force
    retry_later,  // 429/503: Retry-After when the server sent one, else treated as a failure
    gone,         // 410: the feed is taken out of the schedule
    failed        // network error, 5xx, unparsable document: exponential backoff
  };
  Kind kind = Kind::fetched;
  std::optional<std::chrono::seconds> retry_after;   // Retry-After, already converted to a delay
  std::optional<std::chrono::seconds> max_age;       // Cache-Control max-age, or Expires - Date
  std::optional<std::chrono::seconds> ttl;           // RSS <ttl>
  std::optional<std::chrono::seconds> update_period; // sy:updatePeriod / sy:updateFrequency
  std::vector<TimePoint> item_times; // published/updated times of the document's items
  std::string error;                 // for the explanation when failed
};

} // namespace fw::scheduler
