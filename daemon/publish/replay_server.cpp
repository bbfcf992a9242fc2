#include "publish/replay_server.hpp"

#include "publish/zmq_poll.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

namespace fw::publish {
namespace {

constexpr int k_schema = 1;

// A ROUTER_MANDATORY socket polls writable as soon as any one client has room, not the client
// that has data waiting. So when every client with data was at its high-water mark, the server
// first waits for POLLOUT (with one client, that is exactly its room coming back); if that wakes
// it without progress (another, idle client has room), it waits this long without POLLOUT
// before trying again, rather than spinning.
constexpr std::chrono::milliseconds k_blocked_retry{1};

struct Outgoing {
  std::string topic;
  std::string body;
  std::int64_t seq = 0; // 0 for the end marker and errors
};

// One replay in progress. `queue` holds at most one chunk of rows; it is refilled from the
// journal when it runs dry, and the end marker follows the last row.
struct Session {
  std::int64_t since = 0;
  std::int64_t after = 0; // the last seq read from the journal for this client
  std::int64_t last_sent = 0;
  std::deque<Outgoing> queue;
  bool final_out = false; // the end marker or an error is queued or sent
};

std::string error_body(std::string_view error, std::int64_t oldest_seq) {
  return nlohmann::json{{"schema", k_schema}, {"error", error}, {"oldest_seq", oldest_seq}}.dump();
}

std::string end_body(std::int64_t last_seq) {
  return nlohmann::json{{"schema", k_schema}, {"last_seq", last_seq}}.dump();
}

// The N of {"since": N}, or why the request is not one.
std::optional<std::int64_t> parse_since(std::string_view request, std::string& why) {
  const nlohmann::json j = nlohmann::json::parse(request, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    why = "malformed request: expected one frame holding a JSON object such as {\"since\": 0}";
    return std::nullopt;
  }
  const auto it = j.find("since");
  if (it == j.end()) {
    why = "malformed request: \"since\" is missing";
    return std::nullopt;
  }
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() <=
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(it->get<std::uint64_t>());
  }
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0) {
    return it->get<std::int64_t>();
  }
  why = "malformed request: \"since\" must be an integer >= 0";
  return std::nullopt;
}

} // namespace

ReplayServer::ReplayServer(ReplayOptions options)
    : m_options(std::move(options)), m_reader(store::JournalReader::open(m_options.db_file)),
      m_context(1), m_socket(m_context, zmq::socket_type::router) {
  if (m_options.chunk_rows == 0 || m_options.max_clients == 0) {
    throw ConfigError("replay: chunk_rows and max_clients must be at least 1");
  }
  m_socket.set(zmq::sockopt::sndhwm, m_options.send_high_water_mark);
  // EHOSTUNREACH for a client that has gone, EAGAIN for one at its high-water mark, instead of
  // ROUTER's default of dropping the message silently.
  m_socket.set(zmq::sockopt::router_mandatory, 1);
  m_socket.set(zmq::sockopt::linger, 0);
  if (m_options.curve) {
    // Before the bind: without a ZAP handler libzmq lets every CURVE client in.
    m_zap.emplace(m_context, m_options.curve->allowed_clients);
    make_curve_server(m_socket, *m_options.curve);
  }
  try {
    m_socket.bind(m_options.endpoint);
  } catch (const zmq::error_t& e) {
    throw ConfigError("replay: cannot bind ZeroMQ endpoint '" + m_options.endpoint +
                      "': " + e.what());
  }
  m_endpoint = m_socket.get(zmq::sockopt::last_endpoint);
  m_wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (m_wake_fd < 0) {
    throw FatalError(std::string("replay: eventfd: ") + std::strerror(errno));
  }
  try {
    m_thread = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    ::close(m_wake_fd);
    throw FatalError(std::string("replay: cannot start the replay thread: ") + e.what());
  }
}

ReplayServer::~ReplayServer() {
  stop();
  ::close(m_wake_fd);
}

void ReplayServer::stop() {
  std::lock_guard stop_lock(m_stop_mutex);
  if (!m_thread.joinable()) {
    return;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(m_wake_fd, &one, sizeof one);
  m_thread.join();
  // The socket is closed; the ZAP handler's socket must be too before the context can end.
  if (m_zap) {
    m_zap->stop();
  }
  m_context.close();
}

const std::string& ReplayServer::endpoint() const noexcept {
  return m_endpoint;
}

ReplayServer::Stats ReplayServer::stats() const {
  std::lock_guard lock(m_mutex);
  return m_stats;
}

void ReplayServer::run() noexcept {
  std::map<std::string, Session> sessions; // by ZeroMQ routing id
  std::size_t buffered = 0;                // rows in every session's queue

  auto count = [this](auto update) {
    std::lock_guard lock(m_mutex);
    update(m_stats);
  };

  // Queues the rows of `chunk` for `s`, or its end marker when there are none.
  auto queue_chunk = [&](Session& s, store::JournalReader::Chunk chunk) {
    if (chunk.entries.empty()) {
      s.final_out = true;
      s.queue.push_back(
          {std::string(k_replay_end_topic), end_body(s.last_sent > 0 ? s.last_sent : s.since), 0});
      return;
    }
    s.after = chunk.entries.back().seq;
    for (store::JournalEntry& e : chunk.entries) {
      s.queue.push_back({std::move(e.topic), std::move(e.body), e.seq});
    }
    buffered += chunk.entries.size();
    count([&](Stats& st) {
      st.rows_read += chunk.entries.size();
      st.peak_buffered_rows = std::max(st.peak_buffered_rows, buffered);
    });
  };

  auto refill = [&](Session& s) {
    queue_chunk(s, m_reader.read_after(s.after, m_options.chunk_rows));
  };

  auto start = [&](const std::string& id, std::string_view request, bool well_framed) {
    count([](Stats& st) { ++st.requests; });
    if (auto old = sessions.find(id); old != sessions.end()) {
      // A new request from the same client replaces the replay it had in progress.
      for (const Outgoing& o : old->second.queue) {
        buffered -= o.seq > 0 ? 1 : 0;
      }
      sessions.erase(old);
    }
    Session s;
    std::string why;
    std::optional<std::int64_t> since;
    if (!well_framed) {
      why = "malformed request: expected exactly one frame, {\"since\": N}";
    } else {
      since = parse_since(request, why);
    }
    if (since && sessions.size() >= m_options.max_clients) {
      why = "too many replays in progress (" + std::to_string(m_options.max_clients) +
            "); try again shortly";
      since.reset();
    }
    // One look at the journal decides between rows and an error: the bounds and the first chunk
    // come from the same read transaction, so trimming cannot slip in between.
    store::JournalReader::Chunk chunk = m_reader.read_after(
        since.value_or(std::numeric_limits<std::int64_t>::max()), since ? m_options.chunk_rows : 0);
    // since + 1 < oldest_seq, written so that since = INT64_MAX cannot overflow.
    if (since && *since < chunk.oldest_seq - 1) {
      why = "seq " + std::to_string(*since + 1) +
            " is no longer journalled (retention); the oldest journalled seq is " +
            std::to_string(chunk.oldest_seq);
      since.reset();
    }
    if (!since) {
      s.final_out = true;
      s.queue.push_back({std::string(k_replay_error_topic), error_body(why, chunk.oldest_seq), 0});
    } else {
      s.since = *since;
      s.after = *since;
      queue_chunk(s, std::move(chunk));
    }
    sessions.emplace(id, std::move(s));
  };

  auto receive_requests = [&] {
    for (;;) {
      std::vector<zmq::message_t> frames;
      zmq::message_t frame;
      if (!m_socket.recv(frame, zmq::recv_flags::dontwait)) {
        return;
      }
      frames.push_back(std::move(frame));
      while (frames.back().more()) {
        zmq::message_t next;
        if (!m_socket.recv(next, zmq::recv_flags::dontwait)) {
          break;
        }
        frames.push_back(std::move(next));
      }
      // ROUTER puts the routing id first; a DEALER's request is the one frame after it.
      const bool well_framed = frames.size() == 2;
      const std::string id = frames[0].to_string();
      try {
        start(id, well_framed ? frames[1].to_string_view() : std::string_view{}, well_framed);
      } catch (const FatalError& e) {
        Session s;
        s.final_out = true;
        s.queue.push_back({std::string(k_replay_error_topic), error_body(e.what(), 0), 0});
        sessions.insert_or_assign(id, std::move(s));
      }
    }
  };

  // Sends what `s` has, refilling from the journal, up to one chunk per call so that every
  // client gets its turn. finished: all sent, or the client has gone.
  enum class SendResult { progressed, blocked, finished };
  auto send_some = [&](const std::string& id, Session& s) {
    void* socket = m_socket.handle();
    bool progressed = false;
    for (std::size_t sent = 0; sent < m_options.chunk_rows; ++sent) {
      if (s.queue.empty()) {
        if (s.final_out) {
          return SendResult::finished;
        }
        try {
          refill(s);
        } catch (const FatalError& e) {
          // The rows already sent stay valid; the client learns why the rest did not come.
          s.final_out = true;
          s.queue.push_back(
              {std::string(k_replay_error_topic), error_body(e.what(), s.after + 1), 0});
        }
      }
      const Outgoing& o = s.queue.front();
      if (zmq_send(socket, id.data(), id.size(), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        if (zmq_errno() == EAGAIN) {
          return progressed ? SendResult::progressed : SendResult::blocked;
        }
        // EHOSTUNREACH: the client has gone.
        return SendResult::finished;
      }
      // Past the routing id the message is accepted whole: the high-water mark counts messages.
      if (zmq_send(socket, o.topic.data(), o.topic.size(), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
          zmq_send(socket, o.body.data(), o.body.size(), ZMQ_DONTWAIT) < 0) {
        return SendResult::finished;
      }
      progressed = true;
      if (o.seq > 0) {
        s.last_sent = o.seq;
        --buffered;
        count([](Stats& st) { ++st.rows_sent; });
      }
      s.queue.pop_front();
    }
    return SendResult::progressed;
  };

  try {
    zmq_pollitem_t items[2] = {{m_socket.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, m_wake_fd, ZMQ_POLLIN, 0}};
    // Rounds in a row in which no client made progress.
    int idle_rounds = 0;
    for (;;) {
      const bool wants_out = !sessions.empty() && idle_rounds < 2;
      items[0].events = static_cast<short>(ZMQ_POLLIN | (wants_out ? ZMQ_POLLOUT : 0));
      const long timeout_ms =
          !sessions.empty() && idle_rounds >= 2 ? static_cast<long>(k_blocked_retry.count()) : -1;
      if (poll_items(items, 2, timeout_ms) == 0 && timeout_ms < 0) {
        continue; // EINTR
      }
      if ((items[1].revents & ZMQ_POLLIN) != 0) {
        break;
      }
      if ((items[0].revents & ZMQ_POLLIN) != 0) {
        receive_requests();
      }
      bool all_blocked = !sessions.empty();
      for (auto it = sessions.begin(); it != sessions.end();) {
        const SendResult r = send_some(it->first, it->second);
        if (r == SendResult::finished) {
          for (const Outgoing& o : it->second.queue) {
            buffered -= o.seq > 0 ? 1 : 0;
          }
          it = sessions.erase(it);
          all_blocked = false;
          continue;
        }
        if (r == SendResult::progressed) {
          all_blocked = false;
        }
        ++it;
      }
      idle_rounds = all_blocked ? std::min(idle_rounds + 1, 2) : 0;
      if (idle_rounds == 2 && (items[0].revents & ZMQ_POLLOUT) == 0) {
        // The short wait without POLLOUT is over: ask for POLLOUT again.
        idle_rounds = 1;
      }
    }
  } catch (const std::exception& e) {
    std::lock_guard lock(m_mutex);
    m_stats.failure = std::string("replay: the replay thread failed: ") + e.what();
  }
  m_socket.close();
}

} // namespace fw::publish
