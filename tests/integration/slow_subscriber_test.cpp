// A slow subscriber (issue 7): one that reads a message a second while feedwired publishes
// thousands of stories does not grow the daemon's memory past what the high-water marks allow,
// holds nobody else up, and recovers everything it missed through the replay endpoint.
//
// What the daemon may hold for a subscriber that does not read (daemon/publish/publisher.hpp,
// replay_server.hpp): ZeroMQ queues at most [publish] send_high_water_mark messages per
// subscriber and drops the rest for that subscriber (XPUB never blocks); the publisher's own
// queue holds at most queue_capacity messages, and its thread as many again while it sends them.
// So a lagging subscriber costs at most
//
//   (send_high_water_mark + 2 * queue_capacity) * the largest message
//
// and once its queue is full that much is held, and no more, however much more is published.
// A replay in progress holds at most the replay socket's high-water mark (1000 messages) plus
// one chunk of 256 journal rows per client. The test sets send_high_water_mark and
// queue_capacity to 200, so that the mark is reached within seconds, and publishes several times
// as much as the bound allows after that.
//
// The subscriber here is written out (not fw::publish's) so that what it recovers is counted:
// it takes seq 1, 2, 3... from the PUB socket; a message past the next seq expected is a gap,
// and it asks the replay endpoint for everything after the last seq it holds; messages it
// already holds are duplicates and dropped.

#include "child_process.hpp"
#include "eventually.hpp"
#include "growing_feeds.hpp"
#include "http_server.hpp"
#include "proc_status.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

namespace fw {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool k_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool k_asan = true;
#else
constexpr bool k_asan = false;
#endif
#else
constexpr bool k_asan = false;
#endif

constexpr int k_feeds = 40;
constexpr int k_new_per_poll = 8; // items each request adds, while the feeds grow
constexpr int k_window = 20;      // items a document keeps
constexpr int k_text_words = 600; // about 4 KB of description: a message of about 9 KB
constexpr int k_high_water_mark = 200;
constexpr int k_queue_capacity = 200;
// How long the subscriber reads a message a second while the feeds grow.
constexpr std::chrono::seconds k_slow_phase{25};
// Messages published before memory is taken as warmed up: by then the slow subscriber's queue
// in the daemon (200), its socket buffers (a 64 KiB receive buffer here, and the daemon's send
// buffer) and its own receive queue (10) are full, and ZeroMQ drops what comes next for it.
constexpr std::size_t k_warmup_messages = 1500;
// Growth allowed after the warm-up, beyond the bounds above: the dedupe window (about 200 bytes
// a story), allocator slack, SQLite's page caches filling up (2 MiB per connection by default).
// Twice that under AddressSanitizer, whose allocator pads and caches more.
constexpr std::int64_t k_slack_kb = (k_asan ? 16 : 8) * 1024;
// The replay socket's high-water mark and chunk (daemon/publish/replay_server.hpp).
constexpr std::int64_t k_replay_messages_in_hand = 1000 + 256;

// k_feeds feeds whose every request adds k_new_per_poll items, until freeze().
test::GrowingFeeds::Options slow_feeds() {
  return {.feeds = k_feeds,
          .prefix = "s",
          .site = "https://slow.example/",
          .window = k_window,
          .description_words = k_text_words,
          .new_items = [](int, int) { return k_new_per_poll; }};
}

struct Frames {
  std::string topic;
  std::string body;
  bool operator==(const Frames&) const = default;
};

// The "seq" of a message body ({"schema":1,"seq":N,...}), or -1: cheaper than parsing the JSON
// of every 9 KB message.
std::int64_t seq_of(std::string_view body) {
  const std::size_t at = body.find("\"seq\":");
  if (at == std::string_view::npos) {
    return -1;
  }
  std::int64_t seq = 0;
  for (std::size_t i = at + 6; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i) {
    seq = seq * 10 + (body[i] - '0');
  }
  return seq;
}

// A subscriber that detects gaps by seq and fills them from the replay endpoint (see the top of
// the file). Used from one thread at a time; the atomics may be read from any.
class GapRecoveringSubscriber {
public:
  GapRecoveringSubscriber(zmq::context_t& context, const std::string& publish_endpoint,
                          std::string replay_endpoint, int receive_hwm, int receive_buffer)
      : m_sub(context, zmq::socket_type::sub), m_dealer(context, zmq::socket_type::dealer),
        m_replay_endpoint(std::move(replay_endpoint)) {
    m_sub.set(zmq::sockopt::linger, 0);
    m_sub.set(zmq::sockopt::rcvhwm, receive_hwm);
    if (receive_buffer > 0) {
      m_sub.set(zmq::sockopt::rcvbuf, receive_buffer);
    }
    m_sub.set(zmq::sockopt::subscribe, "");
    m_sub.set(zmq::sockopt::reconnect_ivl, 20);
    m_sub.connect(publish_endpoint);
    m_dealer.set(zmq::sockopt::linger, 0);
    m_dealer.set(zmq::sockopt::rcvtimeo, 10000);
    m_dealer.connect(m_replay_endpoint);
  }

  // One live message (or heartbeat), waiting up to `limit`: false when none came.
  bool receive_one(std::chrono::milliseconds limit) {
    m_sub.set(zmq::sockopt::rcvtimeo, static_cast<int>(limit.count()));
    zmq::message_t topic;
    zmq::message_t body;
    if (!m_sub.recv(topic)) {
      return false;
    }
    if (!m_sub.recv(body)) {
      ADD_FAILURE() << "a message without its body";
      return false;
    }
    Frames f{topic.to_string(), body.to_string()};
    if (f.topic == "sys.heartbeat") {
      m_heartbeat_last_seq = nlohmann::json::parse(f.body).at("last_seq").get<std::int64_t>();
      return true;
    }
    ++m_live;
    const std::int64_t seq = seq_of(f.body);
    if (seq < m_next) {
      ++m_duplicates;
      return true;
    }
    if (seq > m_next) {
      ++m_gaps;
      m_missed += seq - m_next;
      replay_after(m_next - 1);
      if (seq < m_next) {
        ++m_duplicates; // the replay brought it already
        return true;
      }
    }
    take(seq, std::move(f));
    return true;
  }

  // Receives live until every seq up to `last_seq` (a heartbeat's) is held. A tail that was
  // dropped has no later message to reveal it: when a second passes without the next seq, the
  // replay brings what is missing. False after `limit`.
  bool catch_up(std::int64_t last_seq, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    std::int64_t next = m_next;
    auto stuck_since = Clock::now();
    while (m_next <= last_seq && Clock::now() < deadline) {
      receive_one(100ms);
      if (m_next != next) {
        next = m_next;
        stuck_since = Clock::now();
      } else if (Clock::now() - stuck_since > 1s) {
        ++m_tail_replays;
        replay_after(m_next - 1);
        stuck_since = Clock::now();
      }
    }
    return m_next > last_seq;
  }

  [[nodiscard]] const std::map<std::int64_t, Frames>& messages() const { return m_messages; }
  [[nodiscard]] std::int64_t heartbeat_last_seq() const { return m_heartbeat_last_seq; }
  [[nodiscard]] std::int64_t held() const { return m_next - 1; }
  [[nodiscard]] std::uint64_t live() const { return m_live; }
  [[nodiscard]] std::uint64_t replayed() const { return m_replayed; }
  [[nodiscard]] std::uint64_t duplicates() const { return m_duplicates; }
  [[nodiscard]] std::uint64_t gaps() const { return m_gaps; }
  [[nodiscard]] std::uint64_t missed() const { return m_missed; }
  [[nodiscard]] std::uint64_t replays() const { return m_replays; }
  [[nodiscard]] std::uint64_t tail_replays() const { return m_tail_replays; }

private:
  void take(std::int64_t seq, Frames f) {
    const bool inserted = m_messages.emplace(seq, std::move(f)).second;
    EXPECT_TRUE(inserted) << "seq " << seq << " taken twice";
    m_next = seq + 1;
  }

  // Everything journalled after `since`, up to the replay's end marker.
  void replay_after(std::int64_t since) {
    ++m_replays;
    const std::string request = "{\"since\":" + std::to_string(since) + "}";
    m_dealer.send(zmq::buffer(request), zmq::send_flags::none);
    for (;;) {
      zmq::message_t topic;
      zmq::message_t body;
      if (!m_dealer.recv(topic) || !m_dealer.recv(body)) {
        ADD_FAILURE() << "the replay after seq " << since << " did not end within 10 s";
        return;
      }
      Frames f{topic.to_string(), body.to_string()};
      if (f.topic == "sys.replay.end") {
        return;
      }
      if (f.topic == "sys.replay.error") {
        ADD_FAILURE() << "replay after seq " << since << ": " << f.body;
        return;
      }
      const std::int64_t seq = seq_of(f.body);
      if (seq > m_next) {
        ADD_FAILURE() << "the replay skipped from seq " << m_next << " to " << seq;
      }
      if (seq >= m_next) {
        ++m_replayed;
        take(seq, std::move(f));
      }
    }
  }

  zmq::socket_t m_sub;
  zmq::socket_t m_dealer;
  std::string m_replay_endpoint;
  std::map<std::int64_t, Frames> m_messages;
  std::int64_t m_next = 1;
  std::atomic<std::int64_t> m_heartbeat_last_seq = 0;
  std::atomic<std::uint64_t> m_live = 0;
  std::uint64_t m_replayed = 0;
  std::uint64_t m_duplicates = 0;
  std::uint64_t m_gaps = 0;
  std::uint64_t m_missed = 0;
  std::uint64_t m_replays = 0;
  std::uint64_t m_tail_replays = 0;
};

struct Sample {
  Clock::time_point at;
  test::ProcStatus status;
  std::uint64_t fast_received = 0; // messages the fast subscriber had taken live by then
};

// feedwired on `config`. In an AddressSanitizer build the daemon runs without ASan's quarantine,
// which keeps freed memory resident on purpose (256 MiB by default) and would make its RSS grow
// with every allocation; without it RSS means what it means in a release build.
test::ChildProcess start_without_quarantine(const std::filesystem::path& config) {
  std::vector<std::string> argv{FW_FEEDWIRED, "--config", config.string(), "--log-level", "error"};
  if (!k_asan) {
    return test::ChildProcess(std::move(argv));
  }
  const char* before = std::getenv("ASAN_OPTIONS");
  const std::string saved = before != nullptr ? before : "";
  const std::string options =
      saved + (saved.empty() ? "" : ":") + "quarantine_size_mb=0:thread_local_quarantine_size_kb=0";
  ::setenv("ASAN_OPTIONS", options.c_str(), 1); // the child inherits the environment
  test::ChildProcess child(std::move(argv));
  if (before != nullptr) {
    ::setenv("ASAN_OPTIONS", saved.c_str(), 1);
  } else {
    ::unsetenv("ASAN_OPTIONS");
  }
  return child;
}

// Runs a function when it goes out of scope.
template <class F> class AtExit {
public:
  explicit AtExit(F f) : m_f(std::move(f)) {}
  ~AtExit() { m_f(); }
  AtExit(const AtExit&) = delete;
  AtExit& operator=(const AtExit&) = delete;

private:
  F m_f;
};

class SlowSubscriberTest : public ::testing::Test {
protected:
  test::TempDir m_dir;
};

TEST_F(SlowSubscriberTest, OneMessageASecondBoundsMemoryAndRecoversEverythingByReplay) {
  test::HttpServer server;
  test::GrowingFeeds feeds(server, slow_feeds());
  const std::string pub_endpoint = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  const std::string replay_endpoint = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  const std::filesystem::path config = m_dir.path() / "feedwire.toml";
  {
    std::ofstream out(config);
    out << "state_dir = \"state\"\nlog_level = \"error\"\n"
        << "[service]\nmetrics_listen = \"127.0.0.1:0\"\ncontrol_endpoint = \"off\"\n"
        << "[publish]\nendpoints = [\"" << pub_endpoint << "\"]\nreplay_endpoint = \""
        << replay_endpoint
        << "\"\nheartbeat_interval_ms = 250\nsend_high_water_mark = " << k_high_water_mark
        << "\nqueue_capacity = " << k_queue_capacity << "\n"
        << "[schedule]\ndefault_interval = 1\nmin_interval = 1\nadaptive = false\n"
        << "[fetch]\nper_host_max_concurrent = 16\nper_host_min_interval_ms = 0\n";
    for (int i = 0; i < k_feeds; ++i) {
      out << "[[feed]]\nid = \"" << feeds.feed_id(i) << "\"\nurl = \"" << server.url(feeds.path(i))
          << "\"\n";
    }
  }

  zmq::context_t context;
  // Both connect before the daemon binds; ZeroMQ retries until it can. The slow one keeps its
  // own buffers small, so that the daemon's queue for it fills soon.
  GapRecoveringSubscriber fast(context, pub_endpoint, replay_endpoint, 0, 0);
  GapRecoveringSubscriber slow(context, pub_endpoint, replay_endpoint, 10, 64 * 1024);
  std::atomic<bool> is_slow_phase = true;
  std::atomic<bool> is_publishing = true;
  std::atomic<std::int64_t> final_seq = -1;
  std::atomic<std::uint64_t> slow_reads = 0;
  std::atomic<bool> fast_done = false;
  std::atomic<bool> slow_done = false;

  test::ChildProcess daemon = start_without_quarantine(config);
  const pid_t pid = daemon.pid();

  std::thread fast_thread([&] {
    while (is_publishing) {
      fast.receive_one(100ms);
    }
    while (final_seq < 0) {
      std::this_thread::sleep_for(10ms);
    }
    fast_done = fast.catch_up(final_seq, 60s);
  });
  std::thread slow_thread([&] {
    // One message a second, however many wait.
    for (auto tick = Clock::now(); is_slow_phase; tick += 1s) {
      if (slow.receive_one(1000ms)) {
        ++slow_reads;
      }
      std::this_thread::sleep_until(tick + 1s);
    }
    while (final_seq < 0) {
      std::this_thread::sleep_for(10ms);
    }
    slow_done = slow.catch_up(final_seq, 60s);
  });
  // However the test ends (a failed ASSERT returns early), both threads end and are joined.
  const AtExit join_subscribers([&] {
    is_slow_phase = false;
    is_publishing = false;
    std::int64_t unset = -1;
    final_seq.compare_exchange_strong(unset, 0);
    for (std::thread* t : {&fast_thread, &slow_thread}) {
      if (t->joinable()) {
        t->join();
      }
    }
  });

  // The daemon's memory every 100 ms while the feeds grow and the slow subscriber lags.
  std::vector<Sample> samples;
  const auto sample = [&] {
    if (std::optional<test::ProcStatus> s = test::proc_status(pid)) {
      samples.push_back({Clock::now(), *s, fast.live()});
    }
  };
  const auto started = Clock::now();
  ASSERT_TRUE(test::eventually(20s, [&] { return fast.live() > 0; }))
      << "nothing published within 20 s of the start";
  const auto publishing_from = Clock::now();
  const std::vector<int> requests_before = feeds.requests();
  while (Clock::now() - publishing_from < k_slow_phase) {
    sample();
    std::this_thread::sleep_for(100ms);
  }
  feeds.freeze();
  const auto frozen_at = Clock::now();
  is_slow_phase = false;
  std::vector<int> polls_in_slow_phase = feeds.requests();
  for (std::size_t i = 0; i < polls_in_slow_phase.size(); ++i) {
    polls_in_slow_phase[i] -= requests_before[i];
  }
  const std::uint64_t read_slowly = slow_reads;
  // Every feed polled twice more (nothing new), then the heartbeats' last seq steady for a second:
  // everything is journalled, and that seq is the last.
  const std::vector<int> at_freeze = feeds.requests();
  ASSERT_TRUE(test::eventually(20s, [&] {
    sample();
    return feeds.polled_since(at_freeze, 2);
  })) << "the frozen feeds were not polled twice within 20 s";
  std::int64_t steady = -1;
  auto steady_since = Clock::now();
  ASSERT_TRUE(test::eventually(20s, [&] {
    sample();
    const std::int64_t now_seq = fast.heartbeat_last_seq();
    if (now_seq != steady) {
      steady = now_seq;
      steady_since = Clock::now();
    }
    return steady > 0 && Clock::now() - steady_since > 1s;
  }));
  final_seq = steady;
  is_publishing = false;
  // Catching up: the slow subscriber drains what waited for it and replays the rest.
  const auto catch_up_from = Clock::now();
  while (!(fast_done && slow_done) && Clock::now() - catch_up_from < 60s) {
    sample();
    std::this_thread::sleep_for(100ms);
  }
  fast_thread.join();
  slow_thread.join();
  const auto caught_up = Clock::now();
  sample();
  const std::optional<int> status = daemon.stop(SIGTERM, 15s);
  ASSERT_TRUE(status) << "feedwired did not stop within 15 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "wait status " << *status;

  // Everything published was received by both, each seq once, the same bytes.
  ASSERT_TRUE(fast_done) << "the fast subscriber holds seqs up to " << fast.held() << " of "
                         << final_seq;
  ASSERT_TRUE(slow_done) << "the slow subscriber holds seqs up to " << slow.held() << " of "
                         << final_seq;
  {
    store::Store store = store::Store::open(m_dir.path() / "state" / "feedwire.db");
    EXPECT_EQ(store.journal_last_seq().value_or(0), final_seq.load())
        << "a message was journalled after the heartbeats had settled";
  }
  ASSERT_EQ(static_cast<std::int64_t>(slow.messages().size()), final_seq.load());
  ASSERT_EQ(slow.messages().begin()->first, 1);
  EXPECT_TRUE(slow.messages() == fast.messages()) << "the subscribers hold different bytes";
  // Every item any feed served went out as story.new exactly once.
  std::set<std::pair<std::string, std::string>> stories;
  std::size_t story_messages = 0;
  for (const auto& [seq, f] : slow.messages()) {
    if (!f.topic.starts_with("story.new.")) {
      continue;
    }
    ++story_messages;
    const nlohmann::json m = nlohmann::json::parse(f.body);
    EXPECT_TRUE(stories.emplace(m.at("feed_id"), m.at("id")).second)
        << m.at("id") << " published twice";
  }
  const std::vector<std::pair<std::string, std::string>> served = feeds.served();
  for (const auto& key : served) {
    EXPECT_TRUE(stories.contains(key)) << key.second;
  }
  EXPECT_EQ(story_messages, served.size());

  // The slow subscriber was slow, missed messages (ZeroMQ dropped them at the high-water mark)
  // and found them all again through replays.
  EXPECT_LE(read_slowly, static_cast<std::uint64_t>(k_slow_phase.count()) + 1);
  EXPECT_GE(slow.gaps() + slow.tail_replays(), 1U);
  EXPECT_GT(slow.replayed(), 0U);
  EXPECT_EQ(slow.live() - slow.duplicates() + slow.replayed(),
            static_cast<std::uint64_t>(final_seq.load()));

  // The pipeline did not wait for it: every feed kept being polled about once a second, and the
  // fast subscriber got thousands of messages live meanwhile.
  for (int i = 0; i < k_feeds; ++i) {
    EXPECT_GE(polls_in_slow_phase[static_cast<std::size_t>(i)], k_slow_phase.count() / 2)
        << "feed s" << i << " polled only " << polls_in_slow_phase[static_cast<std::size_t>(i)]
        << " times in " << k_slow_phase.count() << " s";
  }

  // Memory. The largest message bounds what each queued message costs.
  std::size_t largest = 0;
  for (const auto& [seq, f] : slow.messages()) {
    largest = std::max(largest, f.topic.size() + f.body.size());
  }
  const std::int64_t largest_kb = static_cast<std::int64_t>(largest / 1024 + 1);
  const std::int64_t publish_bound_kb = (k_high_water_mark + 2 * k_queue_capacity) * largest_kb;
  const std::int64_t replay_bound_kb = 2 * k_replay_messages_in_hand * largest_kb; // 2 clients
  const auto warm = std::find_if(samples.begin(), samples.end(), [](const Sample& s) {
    return s.fast_received >= k_warmup_messages;
  });
  ASSERT_NE(warm, samples.end()) << "fewer than " << k_warmup_messages << " messages published";
  const auto frozen = std::find_if(samples.begin(), samples.end(),
                                   [&](const Sample& s) { return s.at >= frozen_at; });
  std::int64_t peak_slow_kb = warm->status.rss_kb;
  std::int64_t peak_all_kb = 0;
  for (auto it = samples.begin(); it != samples.end(); ++it) {
    peak_all_kb = std::max(peak_all_kb, it->status.rss_kb);
    if (it >= warm && it < frozen) {
      peak_slow_kb = std::max(peak_slow_kb, it->status.rss_kb);
    }
  }
  const std::uint64_t after_warmup =
      frozen == samples.end() ? 0 : (frozen - 1)->fast_received - warm->fast_received;
  const auto seconds_since = [&](Clock::time_point t) {
    return std::chrono::duration<double>(t - started).count();
  };
  std::cout << "published " << final_seq << " messages (" << story_messages << " stories, "
            << largest << " bytes the largest) in "
            << std::chrono::duration<double>(frozen_at - publishing_from).count() << " s\n"
            << "slow subscriber: read " << read_slowly << " in the slow phase; then " << slow.live()
            << " live in all, " << slow.duplicates() << " duplicates dropped, " << slow.gaps()
            << " gaps (" << slow.missed() << " seqs) and " << slow.tail_replays()
            << " tail checks, " << slow.replays() << " replays bringing " << slow.replayed() << "\n"
            << "fast subscriber: " << fast.live() << " live, " << fast.replayed() << " replayed, "
            << fast.gaps() << " gaps\n"
            << "RSS: first sample " << samples.front().status.rss_kb << " kB at "
            << seconds_since(samples.front().at) << " s; warm-up end (" << warm->fast_received
            << " messages) " << warm->status.rss_kb << " kB at " << seconds_since(warm->at)
            << " s; peak until the freeze " << peak_slow_kb << " kB (" << after_warmup
            << " messages after the warm-up, " << after_warmup * largest / 1024
            << " kB); peak overall " << peak_all_kb << " kB; catch-up took "
            << std::chrono::duration<double>(caught_up - catch_up_from).count() << " s\n"
            << "bounds: publish " << publish_bound_kb << " kB, replays " << replay_bound_kb
            << " kB, slack " << k_slack_kb << " kB\n";
  RecordProperty("rss_warm_kb", static_cast<int>(warm->status.rss_kb));
  RecordProperty("rss_peak_kb", static_cast<int>(peak_all_kb));
  // Enough went out after the warm-up that holding it would have shown, twice over.
  EXPECT_GT(static_cast<std::int64_t>(after_warmup * largest / 1024), 2 * k_slack_kb);
  // Flat while the slow subscriber lagged: its queue was full at the warm-up's end.
  EXPECT_LE(peak_slow_kb, warm->status.rss_kb + k_slack_kb);
  // And bounded through the catch-up, when the replays held their share.
  EXPECT_LE(peak_all_kb, warm->status.rss_kb + replay_bound_kb + k_slack_kb);
}

} // namespace
} // namespace fw
