#include "publish/subscriber.hpp"

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

namespace fw::publish {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view k_heartbeat_topic = "sys.heartbeat";
constexpr std::string_view k_control_prefix = "sys.";
constexpr std::string_view k_replay_end_topic = "sys.replay.end";
constexpr std::string_view k_replay_error_topic = "sys.replay.error";
// Heartbeat periods without a sign of life before the daemon is reported silent.
constexpr int k_silent_periods = 3;
// feedwired's heartbeat announces the last seq sent before it, so a higher one means messages
// were lost on the way; a quarter of its period still lets messages arrive before a replay is
// asked for, as a publisher that announced what it had journalled but not yet sent needs.
constexpr int k_heartbeat_grace_divisor = 4;
// A daemon whose heartbeats say less than we have seen, this many times in a row, has started
// over (a new state file). One is not enough: a publisher that reads its last seq before it
// queues the heartbeat can be overtaken by messages queued meanwhile.
constexpr int k_heartbeats_behind_for_reset = 2;

// Receives one whole message if one is waiting; nullopt when none is.
std::optional<std::vector<zmq::message_t>> receive_waiting(zmq::socket_t& socket) {
  zmq::message_t frame;
  if (!socket.recv(frame, zmq::recv_flags::dontwait)) {
    return std::nullopt;
  }
  std::vector<zmq::message_t> frames;
  bool has_more = frame.more();
  frames.push_back(std::move(frame));
  // ZeroMQ delivers a multipart message whole, so the other frames are already here.
  while (has_more) {
    zmq::message_t next;
    if (!socket.recv(next)) {
      break;
    }
    has_more = next.more();
    frames.push_back(std::move(next));
  }
  return frames;
}

// The body as a JSON object, or a discarded/non-object value when it is not one.
nlohmann::json parse_body(std::string_view body) {
  return nlohmann::json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
}

std::optional<std::int64_t> integer_field(const nlohmann::json& body, const char* key) {
  if (!body.is_object()) {
    return std::nullopt;
  }
  const auto it = body.find(key);
  if (it == body.end() || !it->is_number_integer()) {
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

std::string seq_range(std::int64_t first, std::int64_t last) {
  return first == last ? "seq " + std::to_string(first)
                       : "seqs " + std::to_string(first) + ".." + std::to_string(last);
}

// One run of subscribe_and_print. Recovery state: m_last is the highest seq accounted for
// (printed, filtered out, or reported lost); a replay, while it runs, is the only socket read.
class Session {
public:
  Session(const SubscribeOptions& options, int stop_fd,
          const std::function<bool(std::string_view line)>& on_line)
      : m_options(options), m_stop_fd(stop_fd), m_on_line(on_line),
        m_sub(make_socket(zmq::socket_type::sub)) {}

  Result<SubscribeEnd> run();

private:
  enum class Step { go_on, done };
  struct Held {
    std::string topic;
    std::string body;
    std::int64_t seq = 0;
  };

  [[nodiscard]] bool is_recovering() const { return !m_options.replay_endpoint.empty(); }
  [[nodiscard]] bool wants(std::string_view topic) const;
  [[nodiscard]] long poll_timeout_ms(Clock::time_point now) const;

  Step print(std::string_view topic, std::string_view body);
  Step handle_live(std::string_view topic, std::string_view body);
  Step handle_heartbeat(std::string_view topic, std::string_view body);
  Step deliver(std::string_view topic, std::string_view body, std::int64_t seq);
  Step handle_replayed(std::string_view topic, std::string_view body);
  // After a replay: the held message, and what the replay could not fill, reported as lost.
  Step settle_gap(std::string_view why);
  Step on_replay_timeout();
  Step check_timers();
  void start_replay();
  void ask_replay();
  void lose(std::int64_t first, std::int64_t last, std::string_view why);
  void note_sign_of_life();
  void notice(const std::string& text) const;
  // A socket of ours, made a CURVE client when the options ask for it; call before connect().
  zmq::socket_t make_socket(zmq::socket_type type);

  const SubscribeOptions& m_options;
  int m_stop_fd;
  const std::function<bool(std::string_view line)>& m_on_line;
  zmq::context_t m_context{1};
  zmq::socket_t m_sub;
  zmq::socket_t m_replay; // DEALER; a new one for every request, so no late answer mixes in
  std::optional<Result<SubscribeEnd>> m_end;
  std::uint64_t m_printed = 0;
  Clock::time_point m_idle_deadline;

  std::optional<std::int64_t> m_last;
  std::optional<Held> m_held; // the live message that revealed a gap
  bool m_is_replaying = false;
  int m_replay_attempts = 0;
  bool m_has_reported_stall = false; // one notice per gap for a silent or refusing server
  Clock::time_point m_replay_deadline;
  std::optional<std::int64_t> m_heartbeat_target; // a heartbeat's last_seq not yet reached
  Clock::time_point m_heartbeat_check_at;
  int m_heartbeats_behind = 0;
  Clock::time_point m_last_sign_of_life;
  bool m_is_silent = false;
};

bool Session::wants(std::string_view topic) const {
  const bool is_control = topic.starts_with(k_control_prefix);
  if (m_options.prefixes.empty()) {
    return !is_control;
  }
  return std::any_of(m_options.prefixes.begin(), m_options.prefixes.end(),
                     [&](const std::string& prefix) {
                       return topic.starts_with(prefix) && !(is_control && prefix.empty());
                     });
}

long Session::poll_timeout_ms(Clock::time_point now) const {
  std::optional<Clock::time_point> wake;
  auto consider = [&](Clock::time_point t) { wake = wake ? std::min(*wake, t) : t; };
  if (m_options.idle_timeout) {
    consider(m_idle_deadline);
  }
  if (m_is_replaying) {
    consider(m_replay_deadline);
  } else if (m_heartbeat_target) {
    consider(m_heartbeat_check_at);
  }
  if (is_recovering() && !m_is_silent && m_options.heartbeat_interval.count() > 0) {
    consider(m_last_sign_of_life + k_silent_periods * m_options.heartbeat_interval);
  }
  if (!wake) {
    return -1;
  }
  return static_cast<long>(
      std::max(std::chrono::ceil<std::chrono::milliseconds>(*wake - now).count(), std::int64_t{0}));
}

Session::Step Session::print(std::string_view topic, std::string_view body) {
  if (!m_on_line(format_sub_line(topic, body, m_options.layout))) {
    m_end = Error{"cannot write the output"};
    return Step::done;
  }
  ++m_printed;
  if (m_options.idle_timeout) {
    m_idle_deadline = Clock::now() + *m_options.idle_timeout;
  }
  if (m_options.max_messages && m_printed >= *m_options.max_messages) {
    m_end = SubscribeEnd::max_messages;
    return Step::done;
  }
  return Step::go_on;
}

Session::Step Session::handle_live(std::string_view topic, std::string_view body) {
  if (!is_recovering()) {
    return wants(topic) ? print(topic, body) : Step::go_on;
  }
  if (topic == k_heartbeat_topic) {
    return handle_heartbeat(topic, body);
  }
  const std::optional<std::int64_t> seq = integer_field(parse_body(body), "seq");
  if (!seq) {
    return wants(topic) ? print(topic, body) : Step::go_on;
  }
  note_sign_of_life();
  if (!m_last) {
    m_last = *seq - 1;
  }
  if (*seq <= *m_last) {
    return Step::go_on; // a duplicate: re-sent after a crash, or seen on two endpoints
  }
  if (*seq == *m_last + 1) {
    return deliver(topic, body, *seq);
  }
  m_held = Held{std::string(topic), std::string(body), *seq};
  start_replay();
  return Step::go_on;
}

Session::Step Session::handle_heartbeat(std::string_view topic, std::string_view body) {
  note_sign_of_life();
  if (wants(topic) && print(topic, body) == Step::done) {
    return Step::done;
  }
  const std::optional<std::int64_t> last_seq = integer_field(parse_body(body), "last_seq");
  if (!last_seq) {
    return Step::go_on;
  }
  if (!m_last) {
    m_last = *last_seq;
    return Step::go_on;
  }
  if (*last_seq > *m_last) {
    m_heartbeats_behind = 0;
    if (!m_heartbeat_target) {
      m_heartbeat_check_at =
          Clock::now() + m_options.heartbeat_interval / k_heartbeat_grace_divisor;
    }
    m_heartbeat_target = std::max(m_heartbeat_target.value_or(*last_seq), *last_seq);
  } else if (*last_seq < *m_last) {
    if (++m_heartbeats_behind >= k_heartbeats_behind_for_reset) {
      notice("the daemon's last seq is " + std::to_string(*last_seq) + ", below the " +
             std::to_string(*m_last) +
             " seen before (was its state file replaced?); following it from there");
      m_last = *last_seq;
      m_heartbeats_behind = 0;
      m_heartbeat_target.reset();
    }
  } else {
    m_heartbeats_behind = 0;
  }
  return Step::go_on;
}

Session::Step Session::deliver(std::string_view topic, std::string_view body, std::int64_t seq) {
  m_last = seq;
  if (m_heartbeat_target && *m_heartbeat_target <= seq) {
    m_heartbeat_target.reset();
  }
  return wants(topic) ? print(topic, body) : Step::go_on;
}

Session::Step Session::handle_replayed(std::string_view topic, std::string_view body) {
  if (topic == k_replay_end_topic) {
    m_is_replaying = false;
    return settle_gap("not in the daemon's journal");
  }
  const nlohmann::json json = parse_body(body);
  if (topic == k_replay_error_topic) {
    const std::string error =
        json.is_object() && json.contains("error") && json["error"].is_string()
            ? json["error"].get<std::string>()
            : std::string(body);
    const std::optional<std::int64_t> oldest = integer_field(json, "oldest_seq");
    if (oldest && *oldest - 1 > *m_last) {
      // Older than the journal keeps: take what is still there.
      lose(*m_last + 1, *oldest - 1, "no longer in the daemon's journal (" + error + ")");
      m_replay_attempts = 1;
      ask_replay();
      return Step::go_on;
    }
    // A busy server, say: asked again once the timeout has passed, as if it had not answered.
    if (!m_has_reported_stall) {
      m_has_reported_stall = true;
      notice("the replay after seq " + std::to_string(*m_last) + " was refused (" + error +
             "); asking again");
    }
    m_replay_deadline = Clock::now() + m_options.replay_timeout;
    return Step::go_on;
  }
  m_replay_deadline = Clock::now() + m_options.replay_timeout;
  m_replay_attempts = 1; // it answers: a later stall gets every attempt again
  const std::optional<std::int64_t> seq = integer_field(json, "seq");
  if (!seq || *seq <= *m_last) {
    return Step::go_on;
  }
  lose(*m_last + 1, *seq - 1, "not in the daemon's journal");
  return deliver(topic, body, *seq);
}

Session::Step Session::settle_gap(std::string_view why) {
  std::optional<Held> held = std::move(m_held);
  m_held.reset();
  if (held) {
    // Live messages past it are still queued in ZeroMQ and come next.
    m_heartbeat_target.reset();
    if (held->seq <= *m_last) {
      return Step::go_on;
    }
    lose(*m_last + 1, held->seq - 1, why);
    return deliver(held->topic, held->body, held->seq);
  }
  if (m_heartbeat_target) {
    lose(*m_last + 1, *m_heartbeat_target, why);
    m_heartbeat_target.reset();
  }
  return Step::go_on;
}

Session::Step Session::on_replay_timeout() {
  const int limit = m_options.replay_attempts;
  if (limit <= 0 || m_replay_attempts < limit) {
    if (!m_has_reported_stall) {
      m_has_reported_stall = true;
      notice("the replay endpoint " + m_options.replay_endpoint +
             " does not answer (is the daemon down, or its replay_endpoint another or \"\"?); "
             "asking again");
    }
    ++m_replay_attempts;
    ask_replay();
    return Step::go_on;
  }
  m_is_replaying = false;
  m_replay = zmq::socket_t();
  return settle_gap("the replay endpoint " + m_options.replay_endpoint + " did not answer " +
                    std::to_string(limit) + " requests");
}

Session::Step Session::check_timers() {
  const Clock::time_point now = Clock::now();
  if (m_is_replaying && now >= m_replay_deadline && on_replay_timeout() == Step::done) {
    return Step::done;
  }
  if (!m_is_replaying && m_heartbeat_target && now >= m_heartbeat_check_at) {
    if (*m_heartbeat_target > *m_last) {
      start_replay();
    } else {
      m_heartbeat_target.reset();
    }
  }
  if (is_recovering() && !m_is_silent && m_options.heartbeat_interval.count() > 0 &&
      now - m_last_sign_of_life >= k_silent_periods * m_options.heartbeat_interval) {
    m_is_silent = true;
    notice("no heartbeat for " +
           std::to_string(
               std::chrono::duration_cast<std::chrono::milliseconds>(now - m_last_sign_of_life)
                   .count()) +
           " ms; waiting for the daemon (what it sends meanwhile will be replayed)");
  }
  if (m_options.idle_timeout && now >= m_idle_deadline) {
    m_end = SubscribeEnd::idle_timeout;
    return Step::done;
  }
  return Step::go_on;
}

void Session::start_replay() {
  m_is_replaying = true;
  m_replay_attempts = 1;
  m_has_reported_stall = false;
  ask_replay();
}

void Session::ask_replay() {
  m_replay = make_socket(zmq::socket_type::dealer);
  m_replay.connect(m_options.replay_endpoint);
  const std::string request = nlohmann::json{{"since", *m_last}}.dump();
  // A DEALER queues the request until it connects; should that fail, the timeout asks again.
  [[maybe_unused]] const zmq::send_result_t sent =
      m_replay.send(zmq::buffer(request), zmq::send_flags::dontwait);
  m_replay_deadline = Clock::now() + m_options.replay_timeout;
}

void Session::lose(std::int64_t first, std::int64_t last, std::string_view why) {
  if (first > last) {
    return;
  }
  notice(seq_range(first, last) + " lost: " + std::string(why));
  m_last = std::max(*m_last, last);
}

void Session::note_sign_of_life() {
  m_last_sign_of_life = Clock::now();
  if (m_is_silent) {
    m_is_silent = false;
    notice("the daemon is heard again");
  }
}

void Session::notice(const std::string& text) const {
  if (m_options.on_notice) {
    m_options.on_notice(text);
  }
}

zmq::socket_t Session::make_socket(zmq::socket_type type) {
  zmq::socket_t socket(m_context, type);
  socket.set(zmq::sockopt::linger, 0);
  if (m_options.curve) {
    make_curve_client(socket, m_options.curve->server_public_key, m_options.curve->client_keys);
  }
  return socket;
}

Result<SubscribeEnd> Session::run() {
  for (const std::string& endpoint : m_options.endpoints) {
    try {
      m_sub.connect(endpoint);
    } catch (const zmq::error_t& e) {
      return Error{"cannot connect to '" + endpoint + "': " + e.what()};
    }
  }
  if (is_recovering()) {
    // Every topic: seq counts them all, so only the whole stream shows a real gap.
    m_sub.set(zmq::sockopt::subscribe, "");
    try {
      // Checked now so that a malformed endpoint is an error at once, not at the first gap.
      zmq::socket_t probe = make_socket(zmq::socket_type::dealer);
      probe.connect(m_options.replay_endpoint);
    } catch (const zmq::error_t& e) {
      return Error{"cannot connect to '" + m_options.replay_endpoint + "': " + e.what()};
    }
  } else if (m_options.prefixes.empty()) {
    m_sub.set(zmq::sockopt::subscribe, "");
  }
  if (!is_recovering()) {
    for (const std::string& prefix : m_options.prefixes) {
      m_sub.set(zmq::sockopt::subscribe, prefix);
    }
  }

  const Clock::time_point start = Clock::now();
  m_idle_deadline = start + m_options.idle_timeout.value_or(std::chrono::milliseconds{0});
  m_last_sign_of_life = start;
  if (is_recovering() && m_options.since) {
    m_last = *m_options.since;
    start_replay();
  }
  for (;;) {
    // While a replay runs, live messages wait in ZeroMQ's queue (bounded by the high-water
    // marks; what overflows is a gap that the next replay fills).
    zmq_pollitem_t items[2] = {
        {m_is_replaying ? m_replay.handle() : m_sub.handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, m_stop_fd, ZMQ_POLLIN, 0}};
    const int item_count = m_stop_fd >= 0 ? 2 : 1;
    if (zmq_poll(items, item_count, poll_timeout_ms(Clock::now())) < 0) {
      // A signal: its handler has signalled stop_fd if it means us to stop.
      if (zmq_errno() == EINTR) {
        continue;
      }
      return Error{std::string("zmq_poll: ") + zmq_strerror(zmq_errno())};
    }
    if (item_count == 2 && (items[1].revents & ZMQ_POLLIN) != 0) {
      return SubscribeEnd::stop_requested;
    }
    if ((items[0].revents & ZMQ_POLLIN) != 0) {
      const bool is_replay = m_is_replaying;
      zmq::socket_t& socket = is_replay ? m_replay : m_sub;
      // A replay that ends or restarts (a new socket) stops this batch; the next poll goes on.
      while (m_is_replaying == is_replay && socket.handle() == items[0].socket) {
        std::optional<std::vector<zmq::message_t>> frames = receive_waiting(socket);
        if (!frames) {
          break;
        }
        // A publisher sends topic and body; anything else is shown as well as it can be. A
        // replay may pack several [topic, body] pairs into one message.
        const std::size_t pairs = is_replay ? std::max<std::size_t>(frames->size() / 2, 1) : 1;
        for (std::size_t i = 0; i < pairs && m_is_replaying == is_replay; ++i) {
          const std::string_view topic = frames->at(2 * i).to_string_view();
          const std::string_view body =
              frames->size() > 2 * i + 1 ? frames->at(2 * i + 1).to_string_view() : "";
          const Step step = is_replay ? handle_replayed(topic, body) : handle_live(topic, body);
          if (step == Step::done) {
            return std::move(*m_end);
          }
        }
      }
    }
    if (check_timers() == Step::done) {
      return std::move(*m_end);
    }
  }
}

} // namespace

Result<SubscribeEnd>
subscribe_and_print(const SubscribeOptions& options, int stop_fd,
                    const std::function<bool(std::string_view line)>& on_line) {
  try {
    Session session(options, stop_fd, on_line);
    return session.run();
  } catch (const zmq::error_t& e) {
    return Error{std::string("ZeroMQ: ") + e.what()};
  }
}

} // namespace fw::publish
