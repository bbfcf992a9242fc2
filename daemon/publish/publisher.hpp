#pragma once

#include "publish/curve.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace fw::publish {

// One published message: two ZeroMQ frames, the topic (subscribers filter on its prefix) and
// the body (JSON text).
struct Message {
  std::string topic;
  std::string body;
  // The journal seq the message carries, or 0 for one that has none (sys.heartbeat): handed_seq()
  // reports the highest seq handed to ZeroMQ.
  std::int64_t seq = 0;
  // Set: `body` is made on the publisher thread just before the send, from the highest seq
  // handed to ZeroMQ before this message (0 before any). Nothing can be sent between the two,
  // so a sys.heartbeat made this way announces exactly what precedes it in the stream. It must
  // not throw: an exception ends the publisher thread.
  std::function<std::string(std::int64_t handed_seq)> make_body = {};
};

// A subscribe or unsubscribe message as the XPUB socket reports it.
struct SubscriptionChange {
  std::string prefix;
  bool is_subscribe = true;
};

struct Options {
  // The XPUB socket binds each. "tcp://127.0.0.1:*" takes an ephemeral port; endpoints() tells
  // which.
  std::vector<std::string> endpoints{"tcp://127.0.0.1:7701"};
  // Messages waiting for the publisher thread; publish() blocks beyond this. The thread takes
  // the whole queue at once, so up to as many again can be in its hands, being sent.
  std::size_t queue_capacity = 10000;
  // Per subscriber: past this many unsent messages ZeroMQ drops that subscriber's messages.
  int send_high_water_mark = 100000;
  // How long stop() may spend delivering what is queued to slow subscribers.
  std::chrono::milliseconds linger{2000};
  // Called on the publisher thread for every subscribe and unsubscribe (XPUB_VERBOSER passes
  // them all, duplicates included), after subscriptions() has counted it. It can answer a new
  // subscriber (a last-value cache) or log it. While it runs nothing is sent, so it must be
  // quick; it must not call publish(), which would wait for the thread that is calling it
  // (try_publish() is fine), and must not throw: an exception ends the publisher thread.
  std::function<void(const SubscriptionChange&)> on_subscription;
  // Set: the socket is a CURVE server (encrypted, and only the allowed clients get in, through a
  // ZapHandler on the publisher's own context); load_curve_server() makes it from [security].
  // Unset: plain ZeroMQ, anyone who can reach the endpoint may subscribe.
  std::optional<CurveServer> curve;
};

// Publishes messages on ZeroMQ XPUB. ZeroMQ sockets are not thread-safe, so one publisher thread
// owns the socket; any thread hands it messages through a bounded queue, so a slow publisher
// slows its producers down instead of growing memory.
//
// Sends never block the publisher thread: a subscriber that has send_high_water_mark messages
// outstanding loses the messages past that (ZeroMQ's PUB/XPUB contract). XPUB reports no such
// drop, so sent() counts messages handed to ZeroMQ, not messages delivered; a subscriber that
// must not miss anything detects gaps by sequence number and asks for a replay.
class Publisher {
public:
  // Binds every endpoint, then starts the publisher thread. Throws fw::ConfigError naming the
  // endpoint and ZeroMQ's reason when a bind fails (address in use, malformed endpoint) or the
  // options are unusable (no endpoint, queue_capacity 0), and fw::FatalError when the system
  // refuses a thread or an eventfd.
  explicit Publisher(Options options);
  // stop().
  ~Publisher();

  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;
  Publisher(Publisher&&) = delete;
  Publisher& operator=(Publisher&&) = delete;

  // Queues a message for sending. Any thread. Blocks while the queue is full (back-pressure).
  // Returns false, dropping the message, once stop() has begun (also when stop() begins while
  // this call waits). Throws fw::FatalError if the publisher thread has died of an error.
  bool publish(Message message);
  // Like publish() but never blocks: false when the queue is full or stop() has begun; throws
  // like publish().
  bool try_publish(Message message);

  // Waits until at least one subscription has arrived on any endpoint since construction (one
  // that came and went counts). Returns false on timeout or when the publisher has stopped
  // without one. Any thread. Once it returns true, messages sent next reach that subscriber
  // if it is still connected: XPUB records a subscription before passing it on.
  [[nodiscard]] bool wait_for_subscribers(std::chrono::milliseconds timeout);

  // Blocks until every message queued before the call has been handed to ZeroMQ (or the
  // publisher has stopped). Handed over is not delivered: ZeroMQ sends in the background, and
  // stop() waits up to Options::linger for that. Any thread.
  void flush();

  // Sends what is queued, closes the socket (ZeroMQ then spends at most Options::linger
  // delivering), and joins the publisher thread. Idempotent; any thread but the publisher
  // thread (not from on_subscription). Blocked publish() calls return false.
  void stop();

  // The endpoints as bound (ZMQ_LAST_ENDPOINT), in Options order: "tcp://127.0.0.1:*" comes
  // back with its port.
  [[nodiscard]] std::vector<std::string> endpoints() const;
  // Messages handed to ZeroMQ.
  [[nodiscard]] std::uint64_t sent() const;
  // Messages waiting in the queue for the publisher thread now. Any thread.
  [[nodiscard]] std::size_t queued() const;
  // The highest Message::seq handed to ZeroMQ (sent or refused), 0 before any. Messages go out in
  // queue order, so with increasing seqs every message up to this seq has been handed over: the
  // daemon's sent watermark. Any thread.
  [[nodiscard]] std::int64_t handed_seq() const;
  // Messages ZeroMQ refused (a send error); XPUB's own high-water-mark drops are not reported.
  [[nodiscard]] std::uint64_t dropped() const;
  // Subscriptions currently active, counting each subscriber's each prefix.
  [[nodiscard]] std::size_t subscriptions() const;

private:
  void run() noexcept;
  void read_subscriptions();
  void send_batch(std::deque<Message>& batch);
  enum class Blocking { wait, refuse };
  // publish() and try_publish(): queue `message` unless stopped, waiting for room or not.
  bool enqueue(Message message, Blocking blocking);
  void wake() const noexcept;

  Options m_options;
  std::vector<std::string> m_endpoints;
  zmq::context_t m_context;
  // Used only by the publisher thread once it has started (the constructor binds it first;
  // starting a thread is the full memory barrier ZeroMQ asks for when a socket changes thread).
  zmq::socket_t m_socket;
  // With Options::curve: answers the socket's handshakes; stopped after the socket is closed and
  // before the context is.
  std::optional<ZapHandler> m_zap;
  // eventfd: publish() signals it when the queue stops being empty, stop() always.
  int m_wake_fd = -1;

  mutable std::mutex m_mutex;
  std::condition_variable m_not_full;
  // m_handed, m_subscriptions_seen or m_thread_done moved.
  std::condition_variable m_progress;
  std::deque<Message> m_queue;
  std::uint64_t m_enqueued = 0;
  std::uint64_t m_handed = 0;
  std::int64_t m_handed_seq = 0;
  std::uint64_t m_sent = 0;
  std::uint64_t m_dropped = 0;
  std::uint64_t m_subscriptions_seen = 0;
  std::size_t m_subscriptions = 0;
  bool m_stopping = false;
  bool m_thread_done = false;
  std::string m_failure;

  std::mutex m_stop_mutex;
  std::thread m_thread;
};

} // namespace fw::publish
