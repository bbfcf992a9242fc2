#pragma once

#include "metrics/registry.hpp"

namespace fw::service {

// The counters and histograms feedwired keeps for /metrics (docs/operations.md lists them).
// The gauges whose values live elsewhere (queue depth, journal lag) are callbacks the daemon
// registers on `registry` itself. Every member is thread-safe.
struct DaemonMetrics {
  metrics::Registry registry;
  metrics::CounterFamily& polls = registry.counter(
      "feedwire_polls_total",
      "Polls by outcome: fetched (200, a feed), not_modified (304), not_a_feed, http_error, "
      "retry_later (429/503), gone (410), cancelled, or the network error (timeout, resolve, "
      "connect, tls, too_large, too_many_redirects, bad_scheme, protocol, other).",
      {"outcome"});
  metrics::CounterFamily& fetched_bytes = registry.counter(
      "feedwire_fetch_body_bytes_total", "Response body bytes received (decoded), all polls.");
  metrics::HistogramFamily& fetch_seconds = registry.histogram(
      "feedwire_fetch_duration_seconds", "Time from sending a request to its response's end.");
  metrics::CounterFamily& parse_warnings = registry.counter(
      "feedwire_parse_warnings_total",
      "Warnings of documents that parsed (bad dates, repaired XML, invalid UTF-8...).");
  metrics::CounterFamily& parse_errors = registry.counter(
      "feedwire_parse_errors_total", "200 responses that were not a feed feedwire can read.");
  metrics::CounterFamily& stories = registry.counter(
      "feedwire_stories_total",
      "Stories by what became of them: new, dup (syndicated copy), update, dropped (by a "
      "plugin).",
      {"kind"});
  metrics::CounterFamily& store_failures = registry.counter(
      "feedwire_store_commit_failures_total",
      "Poll commits the state store refused (a full disk, an I/O error). Nothing of them was "
      "stored or sent; their feeds are polled again once the store accepts writes.");
  metrics::CounterFamily& plugin_calls =
      registry.counter("feedwire_plugin_calls_total", "Calls of each [[plugin]].", {"plugin"});
  metrics::CounterFamily& plugin_drops =
      registry.counter("feedwire_plugin_drops_total", "Stories a plugin dropped.", {"plugin"});
  metrics::CounterFamily& plugin_errors = registry.counter(
      "feedwire_plugin_errors_total",
      "Plugin calls that failed, leaving the story as it was, by cause.", {"plugin", "cause"});
  metrics::HistogramFamily& plugin_seconds = registry.histogram(
      "feedwire_plugin_call_duration_seconds", "Time of one plugin call.", {"plugin"});
  metrics::CounterFamily& host_deferrals = registry.counter(
      "feedwire_host_deferrals_total",
      "Due feeds held back by a host's budget (per_host_max_concurrent, per_host_min_interval, "
      "Retry-After) or the global one; hosts beyond 100 are counted as host=\"other\".",
      {"host"});
  metrics::GaugeFamily& feeds = registry.gauge(
      "feedwire_feeds", "Feeds by state: new, ok, failing, polling, paused.", {"state"});
  metrics::CounterFamily& reloads =
      registry.counter("feedwire_reloads_total", "Config reloads by result.", {"result"});
};

} // namespace fw::service
