#pragma once

#include "publish/curve.hpp"
#include "publish/sub_format.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::publish {

// The daemon's default [publish] replay_endpoint.
inline constexpr std::string_view k_default_replay_endpoint = "tcp://127.0.0.1:7702";

struct SubscribeOptions {
  // A SUB socket connects to each. With recovery on they must all belong to one daemon (one seq).
  std::vector<std::string> endpoints{"tcp://127.0.0.1:7701"};
  // Topic prefixes to print; none means every topic. Topics starting with "sys." (heartbeats)
  // are printed only when a non-empty prefix asks for them.
  std::vector<std::string> prefixes;
  Layout layout = Layout::compact;
  // Stop after printing this many messages.
  std::optional<std::uint64_t> max_messages;
  // Stop after this long without printing a message (counted from the start, then from each
  // printed message; heartbeats that are not printed do not count).
  std::optional<std::chrono::milliseconds> idle_timeout;

  // Where the daemon answers replay requests (docs/messages.md, "Replay"). Empty turns gap
  // recovery off: the SUB socket subscribes to `prefixes` only and prints what arrives, as it
  // arrives, duplicates and gaps included.
  std::string replay_endpoint{k_default_replay_endpoint};
  // Print every message after this seq first (from the replay endpoint), then go on live.
  // Unset: the first live message or heartbeat is the starting point and nothing older is
  // replayed. Ignored when recovery is off.
  std::optional<std::int64_t> since;
  // The daemon's heartbeat period ([publish] heartbeat_interval_ms). Three periods without a
  // heartbeat or a message is reported once, through on_notice, as silence; 0 never reports.
  std::chrono::milliseconds heartbeat_interval{2000};
  // A replay that sends nothing for this long is asked again on a new connection (the daemon
  // may have been restarted meanwhile); the first time is reported through on_notice.
  std::chrono::milliseconds replay_timeout{3000};
  // Requests for one gap before its seqs are reported as lost and live printing goes on; 0
  // asks until the daemon answers (live messages wait in ZeroMQ's queue meanwhile).
  int replay_attempts = 0;
  // Told what recovery notices: seqs lost for good, a silent daemon, a daemon whose seq went
  // back. One line each, without a newline, on the calling thread. Unset: not reported.
  std::function<void(std::string_view notice)> on_notice;
  // Set: the SUB socket and the replay DEALER are CURVE clients of a daemon with [security] keys
  // (docs/security.md). A daemon that does not know the client key never answers: nothing
  // arrives, replays time out. Unset: plain ZeroMQ.
  std::optional<CurveClient> curve;
};

enum class SubscribeEnd { max_messages, idle_timeout, stop_requested };

// Receives what a feedwired Publisher sends and hands each message to `on_line` as
// format_sub_line() text (no trailing newline), on the calling thread, until one of the limits
// in `options` is reached or `stop_fd` becomes readable (an eventfd or pipe the caller signals,
// from a signal handler for instance; -1 for none). Blocks in zmq_poll meanwhile.
//
// With a replay_endpoint (gap recovery), every message of the daemon is printed once and in
// seq order, however the connection fares: the SUB socket takes every topic (the prefixes only
// choose what is printed), because seq counts every message of the daemon and a gap in a
// filtered stream would be indistinguishable from a loss; the replay protocol streams every
// topic anyway. A message whose seq is at most the last one handled is a duplicate (the daemon
// re-sends unsent journal rows after a crash) and is dropped. A seq past the next one expected,
// or a heartbeat whose last_seq is ahead once a short grace has let live messages catch up,
// makes it ask the replay endpoint for everything after the last seq handled; live messages
// wait in ZeroMQ's queue meanwhile, and are handled in order after the replay's end marker.
// A replay error with an oldest_seq is reported through on_notice as a loss, and the replay
// asked again from there; any other replay error is reported and the replay asked again after
// replay_timeout. Messages without a seq are printed as they come.
//
// Returns how it ended, or an Error naming the endpoint that ZeroMQ refused (malformed, unknown
// transport) or saying that `on_line` returned false (its output failed).
[[nodiscard]] Result<SubscribeEnd>
subscribe_and_print(const SubscribeOptions& options, int stop_fd,
                    const std::function<bool(std::string_view line)>& on_line);

} // namespace fw::publish
