#include "publish/subscriber.hpp"

#include <algorithm>
#include <cerrno>
#include <zmq.hpp>

namespace fw::publish {
namespace {

// Receives one whole message if one is waiting; nullopt when none is.
std::optional<std::vector<zmq::message_t>> receive_waiting(zmq::socket_t& sub) {
  zmq::message_t frame;
  if (!sub.recv(frame, zmq::recv_flags::dontwait)) {
    return std::nullopt;
  }
  std::vector<zmq::message_t> frames;
  bool has_more = frame.more();
  frames.push_back(std::move(frame));
  // ZeroMQ delivers a multipart message whole, so the other frames are already here.
  while (has_more) {
    zmq::message_t next;
    if (!sub.recv(next)) {
      break;
    }
    has_more = next.more();
    frames.push_back(std::move(next));
  }
  return frames;
}

} // namespace

Result<SubscribeEnd>
subscribe_and_print(const SubscribeOptions& options, int stop_fd,
                    const std::function<bool(std::string_view line)>& on_line) {
  using Clock = std::chrono::steady_clock;
  try {
    zmq::context_t context(1);
    zmq::socket_t sub(context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    for (const std::string& endpoint : options.endpoints) {
      try {
        sub.connect(endpoint);
      } catch (const zmq::error_t& e) {
        return Error{"cannot connect to '" + endpoint + "': " + e.what()};
      }
    }
    if (options.prefixes.empty()) {
      sub.set(zmq::sockopt::subscribe, "");
    }
    for (const std::string& prefix : options.prefixes) {
      sub.set(zmq::sockopt::subscribe, prefix);
    }

    // With stop_fd -1 the second item is left out of the poll.
    zmq_pollitem_t items[2] = {{sub.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, stop_fd, ZMQ_POLLIN, 0}};
    const int item_count = stop_fd >= 0 ? 2 : 1;
    std::uint64_t received = 0;
    Clock::time_point deadline =
        Clock::now() + options.idle_timeout.value_or(std::chrono::milliseconds{0});
    for (;;) {
      long timeout_ms = -1;
      if (options.idle_timeout) {
        timeout_ms = static_cast<long>(
            std::max(std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count(),
                     std::int64_t{0}));
      }
      if (zmq_poll(items, item_count, timeout_ms) < 0) {
        // A signal: its handler has signalled stop_fd if it means us to stop.
        if (zmq_errno() == EINTR) {
          continue;
        }
        return Error{std::string("zmq_poll: ") + zmq_strerror(zmq_errno())};
      }
      if (item_count == 2 && (items[1].revents & ZMQ_POLLIN) != 0) {
        return SubscribeEnd::stop_requested;
      }
      bool has_received = false;
      if ((items[0].revents & ZMQ_POLLIN) != 0) {
        while (std::optional<std::vector<zmq::message_t>> frames = receive_waiting(sub)) {
          has_received = true;
          // A publisher sends topic and body; anything else is shown as well as it can be.
          std::string line = format_sub_line(frames->at(0).to_string_view(),
                                             frames->size() > 1 ? frames->at(1).to_string_view()
                                                                : std::string_view(),
                                             options.layout);
          if (!on_line(line)) {
            return Error{"cannot write the output"};
          }
          ++received;
          if (options.max_messages && received >= *options.max_messages) {
            return SubscribeEnd::max_messages;
          }
        }
      }
      if (has_received && options.idle_timeout) {
        deadline = Clock::now() + *options.idle_timeout;
      } else if (options.idle_timeout && Clock::now() >= deadline) {
        return SubscribeEnd::idle_timeout;
      }
    }
  } catch (const zmq::error_t& e) {
    return Error{std::string("ZeroMQ: ") + e.what()};
  }
}

} // namespace fw::publish
