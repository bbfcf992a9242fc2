#include "scheduler/scheduler.hpp"

#include "util/errors.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cmath>

namespace fw::scheduler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Items older than this say little about how often the feed posts now.
constexpr std::chrono::days k_entry_window{30};
// A feed added without a stored due time is first polled within this, so a fresh start with
// thousands of feeds does not fire them all in the same millisecond.
constexpr seconds k_first_poll_spread{60};

// Mean gap between items over the window: the time from the oldest item in the window to now,
// divided by the number of items. Measuring to now rather than to the newest item lets a feed
// that has fallen silent drift towards longer intervals. Items dated in the future (a publisher
// with a wrong clock) count as now. nullopt with fewer than two items in the window.
std::optional<seconds> entry_gap(const std::vector<TimePoint>& item_times, TimePoint now) {
  std::size_t count = 0;
  TimePoint oldest = now;
  for (const TimePoint t : item_times) {
    if (t < now - k_entry_window) {
      continue;
    }
    ++count;
    oldest = std::min(oldest, std::min(t, now));
  }
  if (count < 2) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<seconds>((now - oldest) / static_cast<std::int64_t>(count));
}

milliseconds scaled(seconds d, double factor) {
  return milliseconds{std::llround(static_cast<double>(d.count()) * 1000.0 * factor)};
}

std::string host_key(std::string_view host) {
  return util::to_lower(host);
}

} // namespace

Scheduler::Scheduler(Policy policy, std::function<TimePoint()> now, std::uint64_t seed)
    : m_policy(policy), m_now(std::move(now)), m_rng(seed) {
  const auto fail = [](const std::string& what) { throw ConfigError("scheduler policy: " + what); };
  if (!m_now) {
    fail("no clock");
  }
  if (m_policy.min_interval < seconds{0} || m_policy.default_interval < seconds{0} ||
      m_policy.max_backoff <= seconds{0} || m_policy.per_host_min_interval < milliseconds{0}) {
    fail("durations must not be negative, and max_backoff must be positive");
  }
  if (m_policy.min_interval > m_policy.max_interval) {
    fail("min_interval (" + std::to_string(m_policy.min_interval.count()) +
         " s) exceeds max_interval (" + std::to_string(m_policy.max_interval.count()) + " s)");
  }
  if (!(m_policy.jitter >= 0.0 && m_policy.jitter < 1.0)) {
    fail("jitter must be in [0, 1), got " + std::to_string(m_policy.jitter));
  }
  if (m_policy.max_concurrent < 1 || m_policy.per_host_max_concurrent < 1) {
    fail("max_concurrent and per_host_max_concurrent must be at least 1");
  }
}

Scheduler::Decision Scheduler::clamp(seconds interval, std::string basis) const {
  Decision d{interval, std::move(basis), std::nullopt};
  if (d.interval < m_policy.min_interval) {
    d.interval = m_policy.min_interval;
    d.clamped = "min_interval";
  } else if (d.interval > m_policy.max_interval) {
    d.interval = m_policy.max_interval;
    d.clamped = "max_interval";
  }
  return d;
}

Scheduler::Decision Scheduler::regular_interval(const Feed& feed) const {
  seconds interval = feed.configured.value_or(m_policy.default_interval);
  std::string basis = feed.configured ? "configured" : "default";
  if (m_policy.adaptive) {
    if (feed.entry_gap) {
      // Polling twice per gap catches most items within half a gap of publication.
      interval = *feed.entry_gap / 2;
      basis = "entry rate";
    }
    // The publisher says the content stays fresh this long: polling sooner only costs both sides.
    const std::pair<const std::optional<seconds>&, const char*> hints[] = {
        {feed.ttl, "ttl"}, {feed.max_age, "max-age"}, {feed.update_period, "update period"}};
    for (const auto& [hint, name] : hints) {
      if (hint && *hint > interval) {
        interval = *hint;
        basis = name;
      }
    }
  }
  return clamp(interval, std::move(basis));
}

double Scheduler::draw_unit() {
  // 53 random bits make a double in [0, 1) that does not depend on the standard library's
  // distribution code, so a seed gives the same schedule everywhere.
  return static_cast<double>(m_rng() >> 11) * 0x1.0p-53;
}

double Scheduler::draw_jitter() {
  return 1.0 - m_policy.jitter + 2.0 * m_policy.jitter * draw_unit();
}

TimePoint Scheduler::latest_sensible_due(TimePoint now) const {
  const milliseconds longest =
      std::max(scaled(m_policy.max_interval, 1.0 + m_policy.jitter),
               std::chrono::duration_cast<milliseconds>(m_policy.max_backoff));
  return now + longest;
}

Scheduler::Slot Scheduler::acquire_host(std::string_view name) {
  std::string key = host_key(name);
  if (const auto it = m_host_ids.find(key); it != m_host_ids.end()) {
    return it->second;
  }
  Slot slot = 0;
  if (!m_free_hosts.empty()) {
    slot = m_free_hosts.back();
    m_free_hosts.pop_back();
  } else {
    slot = static_cast<Slot>(m_hosts.size());
    m_hosts.emplace_back();
  }
  // The timer generation survives reuse so that timer entries of the slot's previous host
  // stay invalid.
  const std::uint64_t timer_generation = m_hosts[slot].timer_generation + 1;
  m_hosts[slot] = Host{};
  m_hosts[slot].timer_generation = timer_generation;
  m_hosts[slot].name = key;
  m_hosts[slot].is_live = true;
  m_host_ids.emplace(std::move(key), slot);
  return slot;
}

void Scheduler::maybe_drop_host(Slot slot) {
  Host& host = m_hosts[slot];
  if (!host.is_live || host.feed_count > 0 || host.in_flight > 0) {
    return;
  }
  detach_host(slot);
  m_host_ids.erase(host.name);
  host.waiting.clear();
  host.is_live = false;
  m_free_hosts.push_back(slot);
}

void Scheduler::detach_host(Slot slot) {
  Host& host = m_hosts[slot];
  if (host.place == HostPlace::runnable) {
    m_runnable.erase({host.runnable_key, slot});
  } else if (host.place == HostPlace::timed) {
    ++host.timer_generation;
  }
  host.place = HostPlace::idle;
}

void Scheduler::place_host(Slot slot, TimePoint now) {
  detach_host(slot);
  Host& host = m_hosts[slot];
  while (!host.waiting.empty() && !is_waiting_entry(host.waiting.front())) {
    host.waiting.pop_front();
  }
  if (host.waiting.empty()) {
    return;
  }
  // Concurrency first: only a finished() can lift it, and a timer for spacing that ends
  // earlier would only wake the daemon for nothing.
  if (host.in_flight >= m_policy.per_host_max_concurrent) {
    host.place = HostPlace::parked;
    return;
  }
  TimePoint release = host.blocked_until;
  if (host.last_start) {
    release = std::max(release, *host.last_start + m_policy.per_host_min_interval);
  }
  if (release > now) {
    host.place = HostPlace::timed;
    m_host_timers.push({release, slot, host.timer_generation});
    return;
  }
  host.place = HostPlace::runnable;
  host.runnable_key = m_feeds[host.waiting.front().first].due;
  m_runnable.emplace(host.runnable_key, slot);
}

void Scheduler::release_flight(Slot slot, TimePoint now) {
  Host& host = m_hosts[slot];
  --host.in_flight;
  --m_in_flight;
  if (host.place == HostPlace::parked) {
    place_host(slot, now);
  }
  maybe_drop_host(slot);
}

void Scheduler::push_scheduled(Slot slot) {
  Feed& feed = m_feeds[slot];
  feed.state = FeedState::scheduled;
  ++feed.generation;
  m_due.push({feed.due, slot, feed.generation});
}

void Scheduler::drop_feed(Slot slot, TimePoint now) {
  Feed& feed = m_feeds[slot];
  const Slot host = feed.host;
  const bool was_waiting = feed.state == FeedState::waiting;
  m_ids.erase(feed.id);
  ++feed.generation;
  feed.is_live = false;
  feed.id.clear();
  m_free_feeds.push_back(slot);
  --m_hosts[host].feed_count;
  if (was_waiting) {
    place_host(host, now);
  }
  maybe_drop_host(host);
}

bool Scheduler::is_scheduled_entry(const HeapEntry& entry) const {
  const Feed& feed = m_feeds[entry.slot];
  return feed.is_live && feed.state == FeedState::scheduled && feed.generation == entry.generation;
}

bool Scheduler::is_waiting_entry(const std::pair<Slot, std::uint64_t>& entry) const {
  const Feed& feed = m_feeds[entry.first];
  return feed.is_live && feed.state == FeedState::waiting && feed.generation == entry.second;
}

bool Scheduler::is_timer_entry(const HeapEntry& entry) const {
  const Host& host = m_hosts[entry.slot];
  return host.is_live && host.place == HostPlace::timed &&
         host.timer_generation == entry.generation;
}

// Every public call that can leave a stale entry on top ends here, so that next_wakeup() can
// stay const and read the tops as they are.
void Scheduler::prune_heaps() {
  while (!m_due.empty() && !is_scheduled_entry(m_due.top())) {
    m_due.pop();
  }
  while (!m_host_timers.empty() && !is_timer_entry(m_host_timers.top())) {
    m_host_timers.pop();
  }
}

void Scheduler::add(FeedSpec spec, std::optional<TimePoint> stored_due, int stored_error_count) {
  if (const auto it = m_ids.find(spec.id); it != m_ids.end()) {
    m_feeds[it->second].configured = spec.interval;
    set_host(spec.id, std::move(spec.host));
    return;
  }
  const TimePoint now = m_now();
  const Slot host = acquire_host(spec.host);
  ++m_hosts[host].feed_count;
  Slot slot = 0;
  if (!m_free_feeds.empty()) {
    slot = m_free_feeds.back();
    m_free_feeds.pop_back();
  } else {
    slot = static_cast<Slot>(m_feeds.size());
    m_feeds.emplace_back();
  }
  Feed& feed = m_feeds[slot];
  const std::uint64_t generation = feed.generation + 1;
  feed = Feed{};
  feed.generation = generation;
  feed.id = spec.id;
  feed.host = host;
  feed.configured = spec.interval;
  feed.error_count = std::max(0, stored_error_count);
  feed.is_live = true;

  const Decision decision = regular_interval(feed);
  feed.interval = decision.interval;
  if (stored_due) {
    feed.due = std::min(*stored_due, latest_sensible_due(now));
  } else {
    const seconds spread = std::min(decision.interval, k_first_poll_spread);
    feed.due = now + scaled(spread, draw_unit());
  }
  Explanation& e = feed.explanation;
  e.decided_at = now;
  e.next_due = feed.due;
  e.interval = decision.interval;
  e.basis = decision.basis;
  e.clamped = decision.clamped;
  e.configured = feed.configured;
  e.error_count = feed.error_count;
  m_ids.emplace(std::move(spec.id), slot);
  push_scheduled(slot);
}

void Scheduler::remove(std::string_view id) {
  const auto it = m_ids.find(id);
  if (it == m_ids.end()) {
    return;
  }
  const Slot slot = it->second;
  const Feed& feed = m_feeds[slot];
  if (feed.state == FeedState::in_flight) {
    m_orphans.emplace_back(feed.id, feed.flight_host);
  }
  drop_feed(slot, m_now());
  prune_heaps();
}

void Scheduler::set_host(std::string_view id, std::string host) {
  const auto it = m_ids.find(id);
  if (it == m_ids.end()) {
    return;
  }
  const Slot slot = it->second;
  const Slot new_host = acquire_host(host);
  const Slot old_host = m_feeds[slot].host;
  if (new_host == old_host) {
    return;
  }
  Feed& feed = m_feeds[slot];
  feed.host = new_host;
  ++m_hosts[new_host].feed_count;
  --m_hosts[old_host].feed_count;
  if (feed.state == FeedState::waiting) {
    // Back to the heap with its (past) due time: the next take_ready() queues it at the new host.
    push_scheduled(slot);
    place_host(old_host, m_now());
  }
  maybe_drop_host(old_host);
  prune_heaps();
}

std::vector<std::string> Scheduler::take_ready() {
  const TimePoint now = m_now();
  while (!m_host_timers.empty() && m_host_timers.top().at <= now) {
    const HeapEntry entry = m_host_timers.top();
    m_host_timers.pop();
    if (is_timer_entry(entry)) {
      place_host(entry.slot, now);
    }
  }
  std::vector<std::pair<Slot, std::uint64_t>> became_due;
  while (!m_due.empty() && m_due.top().at <= now) {
    const HeapEntry entry = m_due.top();
    m_due.pop();
    if (!is_scheduled_entry(entry)) {
      continue;
    }
    Feed& feed = m_feeds[entry.slot];
    feed.state = FeedState::waiting;
    ++feed.generation;
    became_due.emplace_back(entry.slot, feed.generation);
    Host& host = m_hosts[feed.host];
    host.waiting.emplace_back(entry.slot, feed.generation);
    // A host already placed keeps its place: the new feed queues behind earlier ones.
    if (host.place == HostPlace::idle) {
      place_host(feed.host, now);
    }
  }

  std::vector<std::string> ready;
  while (m_in_flight < m_policy.max_concurrent && !m_runnable.empty()) {
    const Slot host_slot = m_runnable.begin()->second;
    Host& host = m_hosts[host_slot];
    const Slot slot = host.waiting.front().first;
    host.waiting.pop_front();
    Feed& feed = m_feeds[slot];
    feed.state = FeedState::in_flight;
    ++feed.generation;
    feed.flight_host = host_slot;
    ++host.in_flight;
    ++m_in_flight;
    host.last_start = now;
    ready.push_back(feed.id);
    place_host(host_slot, now);
  }
  for (const auto& [slot, generation] : became_due) {
    const Feed& feed = m_feeds[slot];
    if (feed.state == FeedState::waiting && feed.generation == generation) {
      ++m_hosts[feed.host].deferrals; // still waiting: a budget held it back
    }
  }
  prune_heaps();
  return ready;
}

std::vector<std::pair<std::string, std::uint64_t>> Scheduler::deferrals_by_host() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const Host& host : m_hosts) {
    if (host.is_live && host.deferrals > 0) {
      out.emplace_back(host.name, host.deferrals);
    }
  }
  return out;
}

std::optional<TimePoint> Scheduler::next_wakeup() const {
  if (m_in_flight >= m_policy.max_concurrent) {
    return std::nullopt;
  }
  std::optional<TimePoint> wake;
  const auto consider = [&wake](TimePoint t) {
    if (!wake || t < *wake) {
      wake = t;
    }
  };
  if (!m_due.empty()) {
    consider(m_due.top().at);
  }
  if (!m_host_timers.empty()) {
    consider(m_host_timers.top().at);
  }
  if (!m_runnable.empty()) {
    consider(m_runnable.begin()->first);
  }
  return wake;
}

Explanation Scheduler::finished(std::string_view id, const FetchOutcome& outcome) {
  const TimePoint now = m_now();
  const auto it = m_ids.find(id);
  if (it == m_ids.end() || m_feeds[it->second].state != FeedState::in_flight) {
    const auto orphan = std::find_if(m_orphans.begin(), m_orphans.end(),
                                     [id](const auto& o) { return o.first == id; });
    if (orphan == m_orphans.end()) {
      throw FatalError("scheduler: finished() for feed " + std::string(id) +
                       ", which has no poll in flight");
    }
    const Slot host = orphan->second;
    m_orphans.erase(orphan);
    release_flight(host, now);
    prune_heaps();
    Explanation e;
    e.decided_at = now;
    e.next_due = now;
    e.basis = "removed";
    return e;
  }

  const Slot slot = it->second;
  const Slot flight_host = m_feeds[slot].flight_host;
  Feed& feed = m_feeds[slot];
  Explanation e;
  e.decided_at = now;
  e.configured = feed.configured;

  using Kind = FetchOutcome::Kind;
  const bool has_retry_after = outcome.kind == Kind::retry_later && outcome.retry_after;
  const bool is_failure =
      outcome.kind == Kind::failed || (outcome.kind == Kind::retry_later && !has_retry_after);

  if (outcome.kind == Kind::gone) {
    e.interval = feed.interval;
    e.error_count = feed.error_count;
    e.basis = "gone";
    e.next_due = now;
    drop_feed(slot, now);
    release_flight(flight_host, now);
    prune_heaps();
    return e;
  }

  if (outcome.kind == Kind::fetched) {
    feed.entry_gap = entry_gap(outcome.item_times, now);
    feed.ttl = outcome.ttl;
    feed.update_period = outcome.update_period;
    feed.max_age = outcome.max_age;
  } else if (outcome.kind == Kind::not_modified && outcome.max_age) {
    feed.max_age = outcome.max_age;
  }

  if (outcome.kind == Kind::fetched || outcome.kind == Kind::not_modified) {
    feed.error_count = 0;
    const Decision decision = regular_interval(feed);
    feed.interval = decision.interval;
    e.interval = decision.interval;
    e.basis = decision.basis;
    e.clamped = decision.clamped;
    if (m_policy.adaptive) {
      e.entry_rate = feed.entry_gap;
      e.ttl = feed.ttl;
      e.max_age = feed.max_age;
      e.update_period = feed.update_period;
    }
    e.jitter_factor = draw_jitter();
    feed.due = now + scaled(decision.interval, e.jitter_factor);
  } else if (has_retry_after) {
    // The server named the time; jitter would only make us early or late. A Retry-After beyond
    // max_backoff is held to it, as a failing feed would be.
    ++feed.error_count;
    const seconds delay = std::clamp(*outcome.retry_after, seconds{0}, m_policy.max_backoff);
    e.interval = feed.interval;
    e.basis = "retry-after";
    e.retry_after = *outcome.retry_after;
    feed.due = now + delay;
    if (m_policy.retry_after_per_host) {
      Host& host = m_hosts[flight_host];
      host.blocked_until = std::max(host.blocked_until, feed.due);
      if (host.place != HostPlace::idle) {
        place_host(flight_host, now);
      }
    }
  } else if (is_failure) {
    ++feed.error_count;
    // 1, 2, 4, 8... times the interval: the first retry comes at the usual time, in case the
    // failure was a blip.
    const int doublings = std::min(feed.error_count - 1, 62);
    const double backoff_s =
        std::min(static_cast<double>(feed.interval.count()) * std::ldexp(1.0, doublings),
                 static_cast<double>(m_policy.max_backoff.count()));
    const seconds backoff{static_cast<std::int64_t>(backoff_s)};
    e.interval = feed.interval;
    e.basis = "backoff";
    e.backoff = backoff;
    e.jitter_factor = draw_jitter();
    // Jitter spreads the retries of feeds that failed together (one host down), but
    // max_backoff stays a true maximum.
    feed.due = now + std::min(scaled(backoff, e.jitter_factor),
                              std::chrono::duration_cast<milliseconds>(m_policy.max_backoff));
    if (!outcome.error.empty()) {
      e.error = outcome.error;
    }
  }
  e.error_count = feed.error_count;
  e.next_due = feed.due;
  feed.explanation = e;
  push_scheduled(slot);
  release_flight(flight_host, now);
  prune_heaps();
  return e;
}

std::optional<std::string> Scheduler::deferral(const Host& host, TimePoint now) const {
  if (host.blocked_until > now) {
    return "host " + host.name + ": Retry-After until " + format_time(host.blocked_until);
  }
  if (host.in_flight >= m_policy.per_host_max_concurrent) {
    return "host " + host.name + ": " + std::to_string(host.in_flight) + " requests in flight";
  }
  if (host.last_start && now < *host.last_start + m_policy.per_host_min_interval) {
    return "host " + host.name + ": spacing " +
           std::to_string(m_policy.per_host_min_interval.count()) + " ms between starts";
  }
  if (m_in_flight >= m_policy.max_concurrent) {
    return "global limit: " + std::to_string(m_in_flight) + " requests in flight";
  }
  return std::nullopt;
}

std::optional<Explanation> Scheduler::explain(std::string_view id) const {
  const auto it = m_ids.find(id);
  if (it == m_ids.end()) {
    return std::nullopt;
  }
  const Feed& feed = m_feeds[it->second];
  Explanation e = feed.explanation;
  if (feed.state == FeedState::waiting) {
    e.deferred_by = deferral(m_hosts[feed.host], m_now());
  }
  return e;
}

} // namespace fw::scheduler
