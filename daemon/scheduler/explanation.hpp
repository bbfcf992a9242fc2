#pragma once

#include "scheduler/types.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace fw::scheduler {

// Why a feed's next_due is what it is: the inputs of the last decision, one field each. The
// daemon stores it as JSON in the state file and `feedwire state --explain ID` prints to_text().
struct Explanation {
  TimePoint decided_at{}, next_due{};
  std::chrono::seconds interval{0}; // after clamping, before jitter/backoff
  // "configured", "default", "entry rate", "ttl", "max-age", "update period", "retry-after",
  // "backoff", "gone", or "removed" (finished() for a feed removed while its poll ran)
  std::string basis;
  std::optional<std::chrono::seconds> configured;
  std::optional<std::chrono::seconds> entry_rate; // mean gap between the document's items
  std::optional<std::chrono::seconds> ttl, max_age, update_period, retry_after;
  std::optional<std::chrono::seconds> backoff; // interval * 2^(errors-1), capped at max_backoff
  std::optional<std::string> clamped;          // "min_interval" / "max_interval"
  double jitter_factor = 1.0;                  // the factor applied (0.9..1.1 at jitter 0.1)
  int error_count = 0;
  std::optional<std::string> error; // FetchOutcome::error of the failure that set the backoff
  // Set by Scheduler::explain() while a due feed waits for a budget, e.g.
  // "host example.com: 2 requests in flight", "host example.com: spacing 1000 ms between starts",
  // "host example.com: Retry-After until ...", "global limit: 64 requests in flight".
  std::optional<std::string> deferred_by;

  // One JSON object; times as "YYYY-MM-DDTHH:MM:SS.mmmZ", durations as whole seconds in keys
  // ending in "_s", absent optionals left out. Never throws except std::bad_alloc.
  [[nodiscard]] std::string to_json() const;
  // Reads what to_json() wrote. nullopt when the text is not JSON, a required key (decided_at,
  // next_due, interval_s, basis) is missing, or a key has the wrong type; unknown keys are
  // ignored so that older binaries read newer state.
  [[nodiscard]] static std::optional<Explanation> from_json(std::string_view json);
  // Multi-line text for people, one input per line, each line ending in '\n'.
  [[nodiscard]] std::string to_text() const;

  friend bool operator==(const Explanation&, const Explanation&) = default;
};

// `t` as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, millisecond precision).
[[nodiscard]] std::string format_time(TimePoint t);

// Reads exactly the format of format_time(); nullopt for anything else.
[[nodiscard]] std::optional<TimePoint> parse_time(std::string_view text);

} // namespace fw::scheduler
