#include "publish/publisher.hpp"

#include "publish/zmq_poll.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace fw::publish {
namespace {

// XPUB passes subscriptions up as one frame: 1 (subscribe) or 0 (unsubscribe), then the prefix.
constexpr unsigned char k_unsubscribe = 0;
constexpr unsigned char k_subscribe = 1;

std::string errno_text(int err) {
  return std::strerror(err);
}

} // namespace

Publisher::Publisher(Options options)
    : m_options(std::move(options)), m_context(1), m_socket(m_context, zmq::socket_type::xpub) {
  if (m_options.endpoints.empty()) {
    throw ConfigError("publish: no endpoint to bind");
  }
  if (m_options.queue_capacity == 0) {
    throw ConfigError("publish: queue_capacity must be at least 1");
  }
  m_socket.set(zmq::sockopt::sndhwm, m_options.send_high_water_mark);
  m_socket.set(zmq::sockopt::linger, static_cast<int>(m_options.linger.count()));
  // VERBOSE passes every subscribe, not only the first for a prefix; VERBOSER does the same for
  // unsubscribes, so subscriptions() can count both ways.
  m_socket.set(zmq::sockopt::xpub_verbose, 1);
  m_socket.set(zmq::sockopt::xpub_verboser, 1);
  if (m_options.curve) {
    // The handler must be there before the first handshake: without one libzmq lets every
    // CURVE client in.
    m_zap.emplace(m_context, m_options.curve->allowed_clients);
    make_curve_server(m_socket, *m_options.curve);
  }
  for (const std::string& endpoint : m_options.endpoints) {
    try {
      m_socket.bind(endpoint);
    } catch (const zmq::error_t& e) {
      throw ConfigError("publish: cannot bind ZeroMQ endpoint '" + endpoint + "': " + e.what());
    }
    m_endpoints.push_back(m_socket.get(zmq::sockopt::last_endpoint));
  }

  m_wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (m_wake_fd < 0) {
    throw FatalError("publish: eventfd: " + errno_text(errno));
  }
  try {
    m_thread = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    ::close(m_wake_fd);
    throw FatalError(std::string("publish: cannot start the publisher thread: ") + e.what());
  }
}

Publisher::~Publisher() {
  stop();
  ::close(m_wake_fd);
}

bool Publisher::publish(Message message) {
  return enqueue(std::move(message), Blocking::wait);
}

bool Publisher::try_publish(Message message) {
  return enqueue(std::move(message), Blocking::refuse);
}

bool Publisher::enqueue(Message message, Blocking blocking) {
  bool was_empty = false;
  {
    std::unique_lock lock(m_mutex);
    if (blocking == Blocking::wait) {
      m_not_full.wait(lock,
                      [this] { return m_stopping || m_queue.size() < m_options.queue_capacity; });
    }
    if (!m_failure.empty()) {
      throw FatalError(m_failure);
    }
    if (m_stopping || m_queue.size() >= m_options.queue_capacity) {
      return false;
    }
    was_empty = m_queue.empty();
    m_queue.push_back(std::move(message));
    ++m_enqueued;
  }
  // Only the first message into an empty queue needs to wake the thread: it takes the whole
  // queue when it wakes, and a later message finds the queue non-empty until then.
  if (was_empty) {
    wake();
  }
  return true;
}

bool Publisher::wait_for_subscribers(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  return m_progress.wait_for(lock, timeout, [this] {
    return m_subscriptions_seen > 0 || m_thread_done;
  }) && m_subscriptions_seen > 0;
}

void Publisher::flush() {
  std::unique_lock lock(m_mutex);
  const std::uint64_t target = m_enqueued;
  m_progress.wait(lock, [this, target] { return m_handed >= target || m_thread_done; });
}

void Publisher::stop() {
  std::lock_guard stop_lock(m_stop_mutex);
  if (!m_thread.joinable()) {
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_not_full.notify_all();
  wake();
  m_thread.join();
  // The socket is closed; the ZAP handler's socket must be too before the context can end.
  if (m_zap) {
    m_zap->stop();
  }
  // zmq_ctx_term: returns once the socket's queued messages are out or its linger has passed.
  m_context.close();
}

std::vector<std::string> Publisher::endpoints() const {
  return m_endpoints;
}

std::size_t Publisher::queued() const {
  const std::lock_guard lock(m_mutex);
  return m_queue.size();
}

std::uint64_t Publisher::sent() const {
  std::lock_guard lock(m_mutex);
  return m_sent;
}

std::int64_t Publisher::handed_seq() const {
  std::lock_guard lock(m_mutex);
  return m_handed_seq;
}

std::uint64_t Publisher::dropped() const {
  std::lock_guard lock(m_mutex);
  return m_dropped;
}

std::size_t Publisher::subscriptions() const {
  std::lock_guard lock(m_mutex);
  return m_subscriptions;
}

void Publisher::wake() const noexcept {
  const std::uint64_t one = 1;
  // EAGAIN means the counter is already non-zero, which wakes the thread just as well.
  [[maybe_unused]] const ssize_t n = ::write(m_wake_fd, &one, sizeof one);
}

void Publisher::run() noexcept {
  try {
    // Sleeps in zmq_poll until a subscription arrives or publish()/stop() signals the eventfd;
    // no timeout, so an idle publisher costs nothing.
    zmq_pollitem_t items[2] = {{m_socket.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, m_wake_fd, ZMQ_POLLIN, 0}};
    std::deque<Message> batch;
    for (;;) {
      if (poll_items(items, 2, -1) == 0) {
        continue; // EINTR
      }
      if ((items[1].revents & ZMQ_POLLIN) != 0) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = ::read(m_wake_fd, &count, sizeof count);
      }
      if ((items[0].revents & ZMQ_POLLIN) != 0) {
        read_subscriptions();
      }
      bool stopping = false;
      bool was_full = false;
      {
        std::lock_guard lock(m_mutex);
        was_full = m_queue.size() >= m_options.queue_capacity;
        batch.swap(m_queue);
        stopping = m_stopping;
      }
      if (was_full) {
        m_not_full.notify_all();
      }
      if (!batch.empty()) {
        send_batch(batch);
      }
      // publish() refuses new messages once m_stopping is set, and the swap above ran under the
      // same lock that saw it, so this batch was the last.
      if (stopping) {
        break;
      }
    }
    m_socket.close();
    std::lock_guard lock(m_mutex);
    m_thread_done = true;
  } catch (const std::exception& e) {
    m_socket.close();
    std::lock_guard lock(m_mutex);
    m_failure = std::string("publish: the publisher thread failed: ") + e.what();
    m_stopping = true;
    m_thread_done = true;
  }
  m_not_full.notify_all();
  m_progress.notify_all();
}

void Publisher::read_subscriptions() {
  for (;;) {
    zmq::message_t frame;
    if (!m_socket.recv(frame, zmq::recv_flags::dontwait)) {
      return;
    }
    const auto* data = static_cast<const unsigned char*>(frame.data());
    if (frame.more() || frame.size() == 0 || (data[0] != k_subscribe && data[0] != k_unsubscribe)) {
      // Not a subscription (a SUB does not send such things); skip it and any later frames.
      while (frame.more() && m_socket.recv(frame, zmq::recv_flags::dontwait)) {
      }
      continue;
    }
    SubscriptionChange change{
        std::string(reinterpret_cast<const char*>(data) + 1, frame.size() - 1),
        data[0] == k_subscribe};
    {
      std::lock_guard lock(m_mutex);
      if (change.is_subscribe) {
        ++m_subscriptions;
        ++m_subscriptions_seen;
      } else if (m_subscriptions > 0) {
        --m_subscriptions;
      }
    }
    m_progress.notify_all();
    if (m_options.on_subscription) {
      m_options.on_subscription(change);
    }
  }
}

void Publisher::send_batch(std::deque<Message>& batch) {
  std::uint64_t sent = 0;
  std::uint64_t dropped = 0;
  // Only this thread writes m_handed_seq, so it reads it without the lock.
  std::int64_t handed_seq = m_handed_seq;
  void* socket = m_socket.handle();
  for (Message& message : batch) {
    if (message.make_body) {
      message.body = message.make_body(handed_seq);
    }
    handed_seq = std::max(handed_seq, message.seq);
    // XPUB never blocks and never returns EAGAIN without ZMQ_XPUB_NODROP: a subscriber past its
    // high-water mark silently loses the message. Any failure here is counted, not retried.
    if (zmq_send(socket, message.topic.data(), message.topic.size(), ZMQ_SNDMORE | ZMQ_DONTWAIT) <
            0 ||
        zmq_send(socket, message.body.data(), message.body.size(), ZMQ_DONTWAIT) < 0) {
      ++dropped;
    } else {
      ++sent;
    }
  }
  const std::uint64_t handed = batch.size();
  batch.clear();
  {
    std::lock_guard lock(m_mutex);
    m_handed += handed;
    m_handed_seq = std::max(m_handed_seq, handed_seq);
    m_sent += sent;
    m_dropped += dropped;
  }
  m_progress.notify_all();
}

} // namespace fw::publish
