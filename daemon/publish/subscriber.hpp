#pragma once

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

struct SubscribeOptions {
  // A SUB socket connects to each.
  std::vector<std::string> endpoints{"tcp://127.0.0.1:7701"};
  // Topic prefixes to receive; none means every topic.
  std::vector<std::string> prefixes;
  Layout layout = Layout::compact;
  // Stop after this many messages.
  std::optional<std::uint64_t> max_messages;
  // Stop after this long without a message (counted from the start, then from each message).
  std::optional<std::chrono::milliseconds> idle_timeout;
};

enum class SubscribeEnd { max_messages, idle_timeout, stop_requested };

// Receives what a Publisher sends and hands each message to `on_line` as format_sub_line()
// text (no trailing newline), in arrival order, on the calling thread, until one of the limits
// in `options` is reached or `stop_fd` becomes readable (an eventfd or pipe the caller signals,
// from a signal handler for instance; -1 for none). Blocks in zmq_poll meanwhile.
// Returns how it ended, or an Error naming the endpoint that ZeroMQ refused (malformed, unknown
// transport) or saying that `on_line` returned false (its output failed).
[[nodiscard]] Result<SubscribeEnd>
subscribe_and_print(const SubscribeOptions& options, int stop_fd,
                    const std::function<bool(std::string_view line)>& on_line);

} // namespace fw::publish
