// The journal end to end, with the real feedwired binary: heartbeats carry the last seq, the
// replay endpoint returns what was published, and rows journalled but not sent before a crash go
// out at the next start.

#include "child_process.hpp"
#include "http_server.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

namespace fw {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Frames {
  std::string topic;
  std::string body;
  [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body); }
};

std::string rss(const std::vector<std::string>& guids) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Journal feed"
                    "</title><link>https://example.org/</link>";
  for (const std::string& guid : guids) {
    out += "<item><guid>" + guid + "</guid><title>Title " + guid +
           "</title><link>https://example.org/" + guid + "</link></item>";
  }
  return out + "</channel></rss>";
}

enum class Run { serve, once };

// feedwired in a child process; SIGKILLed at scope exit unless stopped.
test::ChildProcess start_feedwired(const std::filesystem::path& config, Run run) {
  std::vector<std::string> argv = {FW_FEEDWIRED, "--config", config.string(), "--log-level",
                                   "error"};
  if (run == Run::once) {
    argv.emplace_back("--once");
  }
  return test::ChildProcess(std::move(argv));
}

// How long a daemon gets to exit: after SIGTERM, or at the end of a --once run.
constexpr std::chrono::milliseconds k_exit_limit = 10s;

class JournalTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_pub = "ipc://" + (m_dir.path() / "pub").string();
    m_replay = "ipc://" + (m_dir.path() / "replay").string();
  }

  std::filesystem::path write_config(const std::string& feeds, const std::string& publish_extra) {
    const std::filesystem::path file = m_dir.path() / "feedwire.toml";
    std::ofstream(file) << "state_dir = \"state\"\nlog_level = \"error\"\n"
                        << "[service]\nmetrics_listen = \"127.0.0.1:0\"\n"
                        << "[schedule]\ndefault_interval = 1\nmin_interval = 1\nadaptive = false\n"
                        << "[fetch]\nper_host_max_concurrent = 16\nper_host_min_interval_ms = 0\n"
                        << "[publish]\nendpoints = [\"" << m_pub << "\"]\nreplay_endpoint = \""
                        << m_replay << "\"\nonce_wait_subscribers_ms = 3000\n"
                        << publish_extra << feeds;
    return file;
  }

  std::string feed(const std::string& id, const std::string& path) const {
    return "[[feed]]\nid = \"" + id + "\"\nurl = \"" + server.url(path) + "\"\n";
  }

  std::filesystem::path db_file() const { return m_dir.path() / "state" / "feedwire.db"; }

  // A SUB socket on the publish endpoint, subscribed to everything; it connects before the daemon
  // binds and ZeroMQ retries until it can.
  zmq::socket_t subscriber() {
    zmq::socket_t sub(m_zmq, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::subscribe, "");
    sub.set(zmq::sockopt::rcvtimeo, 100);
    sub.set(zmq::sockopt::reconnect_ivl, 20);
    sub.connect(m_pub);
    return sub;
  }

  // Receives into `got` until `done(got)` holds or 10 s have passed.
  template <class Done>
  bool receive_until(zmq::socket_t& sub, std::vector<Frames>& got, Done done) {
    const auto deadline = Clock::now() + 10s;
    while (!done(got) && Clock::now() < deadline) {
      zmq::message_t topic;
      if (!sub.recv(topic)) {
        continue;
      }
      zmq::message_t body;
      EXPECT_TRUE(sub.recv(body));
      got.push_back({topic.to_string(), body.to_string()});
    }
    return done(got);
  }

  // Asks the replay endpoint for everything after `since`; the messages up to and including the
  // end marker or error.
  std::vector<Frames> replay(std::int64_t since) {
    zmq::socket_t dealer(m_zmq, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::rcvtimeo, 5000);
    dealer.connect(m_replay);
    const std::string request = "{\"since\":" + std::to_string(since) + "}";
    dealer.send(zmq::buffer(request), zmq::send_flags::none);
    std::vector<Frames> got;
    for (;;) {
      zmq::message_t topic;
      zmq::message_t body;
      if (!dealer.recv(topic) || !dealer.recv(body)) {
        ADD_FAILURE() << "the replay did not end";
        return got;
      }
      got.push_back({topic.to_string(), body.to_string()});
      if (got.back().topic.starts_with("sys.replay.")) {
        return got;
      }
    }
  }

  test::HttpServer server;
  std::string m_pub;
  std::string m_replay;

private:
  test::TempDir m_dir;
  zmq::context_t m_zmq;
};

std::vector<Frames> with_prefix(const std::vector<Frames>& all, std::string_view prefix) {
  std::vector<Frames> out;
  for (const Frames& f : all) {
    if (f.topic.starts_with(prefix)) {
      out.push_back(f);
    }
  }
  return out;
}

TEST_F(JournalTest, HeartbeatsCarryTheLastJournalledSeq) {
  server.route("/a.xml", test::Response{.body = rss({"g1", "g2", "g3"})});
  const auto config = write_config(feed("alpha", "/a.xml"), "heartbeat_interval_ms = 100\n");
  zmq::socket_t sub = subscriber();
  test::ChildProcess daemon = start_feedwired(config, Run::serve);
  // The first poll may go out before the subscription is through; the heartbeat tells.
  std::vector<Frames> got;
  ASSERT_TRUE(receive_until(sub, got, [](const std::vector<Frames>& g) {
    const std::vector<Frames> beats = with_prefix(g, "sys.heartbeat");
    return !beats.empty() && beats.back().json()["last_seq"] == 3;
  })) << "no heartbeat announced seq 3";
  const std::vector<Frames> beats = with_prefix(got, "sys.heartbeat");
  ASSERT_GE(beats.size(), 1U);
  const nlohmann::json beat = beats.back().json();
  EXPECT_EQ(beat["schema"], 1);
  EXPECT_FALSE(beat.contains("seq")) << "heartbeats have no seq of their own";
  const std::string at = beat["at"];
  EXPECT_EQ(at.size(), 20U) << at;
  EXPECT_EQ(at.back(), 'Z') << at;
  // Several beats at the configured 100 ms.
  got.clear();
  const auto start = Clock::now();
  ASSERT_TRUE(receive_until(sub, got, [](const std::vector<Frames>& g) {
    return with_prefix(g, "sys.heartbeat").size() >= 3;
  }));
  EXPECT_LT(Clock::now() - start, 2s);
  const std::optional<int> status = daemon.stop(SIGTERM, k_exit_limit);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  store::Store store = store::Store::open(db_file());
  EXPECT_EQ(store.load_counter(store::k_sent_counter), 3) << "a clean stop records what was sent";
}

TEST_F(JournalTest, ReplayReturnsEveryPublishedMessageByteForByte) {
  server.route("/a.xml", test::Response{.body = rss({"a1", "a2"})});
  server.route("/b.xml", test::Response{.body = rss({"b1"})});
  server.route("/gone.xml", test::Response{.status = 410});
  const auto config =
      write_config(feed("alpha", "/a.xml") + feed("beta", "/b.xml") + feed("gone", "/gone.xml"),
                   "heartbeat_interval_ms = 100\n");
  zmq::socket_t sub = subscriber();
  test::ChildProcess daemon = start_feedwired(config, Run::serve);
  std::vector<Frames> got;
  ASSERT_TRUE(receive_until(sub, got, [](const std::vector<Frames>& g) {
    const std::vector<Frames> beats = with_prefix(g, "sys.heartbeat");
    return !beats.empty() && beats.back().json()["last_seq"] == 4;
  })) << "no heartbeat announced seq 4";

  const std::vector<Frames> all = replay(0);
  ASSERT_EQ(all.size(), 5U);
  std::vector<std::int64_t> seqs;
  for (std::size_t i = 0; i < 4; ++i) {
    seqs.push_back(all[i].json()["seq"]);
    // Whatever the live subscriber got is the same bytes.
    for (const Frames& live : got) {
      if (live.topic == all[i].topic && live.json()["seq"] == seqs.back()) {
        EXPECT_EQ(live.body, all[i].body);
      }
    }
  }
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(with_prefix(all, "story.new.").size(), 3U);
  EXPECT_EQ(with_prefix(all, "feed.status.gone").size(), 1U);
  EXPECT_EQ(all.back().topic, "sys.replay.end");
  EXPECT_EQ(all.back().json()["last_seq"], 4);

  const std::vector<Frames> tail = replay(3);
  ASSERT_EQ(tail.size(), 2U);
  EXPECT_EQ(tail[0].body, all[3].body);

  const std::vector<Frames> none = replay(4);
  ASSERT_EQ(none.size(), 1U);
  EXPECT_EQ(none[0].topic, "sys.replay.end");
}

// A crash between the commit and the send leaves journal rows above the sent watermark: here they
// are written into the state file before the start, as such a crash leaves them. The next run
// sends them, with their seqs, before anything new; the seq counter goes on after them.
TEST_F(JournalTest, RowsJournalledButNotSentAreSentAtTheNextStart) {
  {
    store::Store store = store::Store::open(db_file());
    store::Store::PollWrite w;
    w.state.feed_id = "alpha";
    w.state.url = server.url("/a.xml");
    w.state.configured_url = w.state.url;
    w.state.polled_once = true;
    w.seen_keys = {"k1", "k2", "k3"};
    w.when =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    for (std::int64_t seq = 1; seq <= 3; ++seq) {
      w.journal.push_back(
          {seq, "story.new.alpha", "{\"schema\":1,\"seq\":" + std::to_string(seq) + "}", w.when});
    }
    w.counters = {{store::k_seq_counter, 3}, {store::k_sent_counter, 1}};
    store.commit(w);
  }
  server.route("/a.xml", test::Response{.body = rss({"new"})});
  const auto config = write_config(feed("alpha", "/a.xml"), "");
  zmq::socket_t sub = subscriber();
  test::ChildProcess daemon = start_feedwired(config, Run::once);
  std::vector<Frames> got;
  receive_until(sub, got, [](const std::vector<Frames>& g) { return g.size() >= 3; });
  const std::optional<int> status = daemon.wait_for(k_exit_limit);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].body, "{\"schema\":1,\"seq\":2}");
  EXPECT_EQ(got[1].body, "{\"schema\":1,\"seq\":3}");
  EXPECT_EQ(got[2].topic, "story.new.alpha");
  EXPECT_EQ(got[2].json()["seq"], 4);
  EXPECT_EQ(got[2].json()["title"], "Title new");
  store::Store store = store::Store::open(db_file());
  EXPECT_EQ(store.load_counter(store::k_sent_counter), 4);
  EXPECT_EQ(store.journal_last_seq(), 4);
}

// At start, before the first hourly round, the daemon trims journal rows past their retention and
// forgets seen entries not seen for longer than theirs.
TEST_F(JournalTest, StartTrimsTheJournalAndExpiresTheSeenSet) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  {
    store::Store store = store::Store::open(db_file());
    std::vector<store::JournalEntry> rows;
    for (std::int64_t seq = 1; seq <= 5; ++seq) {
      rows.push_back({seq, "story.new.alpha", "{\"seq\":" + std::to_string(seq) + "}",
                      now - std::chrono::hours(24 * 30)});
    }
    store.append_journal(rows);
    store.save_counter(store::k_seq_counter, 5);
    store.save_counter(store::k_sent_counter, 5);
    store.insert_seen("alpha", {"ancient"}, now - std::chrono::hours(24 * 100));
    store.insert_seen("alpha", {"recent"}, now - std::chrono::hours(24 * 10));
  }
  server.route("/a.xml", test::Response{.status = 304});
  const auto config = write_config(feed("alpha", "/a.xml"), "heartbeat_interval_ms = 100\n"
                                                            "[journal]\nretention = \"7d\"\n"
                                                            "[dedupe]\nretention = \"90d\"\n");
  zmq::socket_t sub = subscriber();
  test::ChildProcess daemon = start_feedwired(config, Run::serve);
  std::vector<Frames> got;
  ASSERT_TRUE(receive_until(sub, got, [](const std::vector<Frames>& g) {
    return !with_prefix(g, "sys.heartbeat").empty();
  }));
  std::vector<Frames> reply;
  for (const auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
    reply = replay(0);
    if (reply.size() == 1 && reply[0].topic == "sys.replay.error") {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(reply.size(), 1U);
  EXPECT_EQ(reply[0].topic, "sys.replay.error");
  EXPECT_EQ(reply[0].json()["oldest_seq"], 6) << "an empty journal: the seq of the next message";
  const std::optional<int> status = daemon.stop(SIGTERM, k_exit_limit);
  ASSERT_TRUE(status);
  store::Store store = store::Store::open(db_file());
  EXPECT_FALSE(store.journal_oldest_seq());
  EXPECT_EQ(store.load_counter(store::k_seq_counter), 5);
  EXPECT_EQ(store.are_seen("alpha", {"ancient", "recent"}), (std::vector<bool>{false, true}));
}

// The outbox under kill -9: feeds that gain a story on every poll, the daemon killed at random
// moments and restarted. However the kills fall, the journal holds exactly one story.new per story
// marked seen (never one marked seen and lost, never one journalled twice), with seqs that run
// without a gap.
TEST_F(JournalTest, KillNineNeverLosesOrDoublesAJournalledStory) {
  constexpr int k_feeds = 20;
  std::string feeds;
  for (int f = 0; f < k_feeds; ++f) {
    const std::string path = "/f" + std::to_string(f) + ".xml";
    auto polls = std::make_shared<std::atomic<int>>(0);
    server.route(path, [polls, f](const test::RecordedRequest&) {
      std::vector<std::string> guids;
      const int n = ++*polls;
      for (int i = n; i > 0 && i > n - 10; --i) {
        guids.push_back("f" + std::to_string(f) + "-" + std::to_string(i));
      }
      return test::Response{.body = rss(guids)};
    });
    // Every poll that commits journals its stories, the first one too: a run that gets only
    // as far as its first poll (slow starts under sanitizers) still tests the outbox.
    feeds += feed("f" + std::to_string(f), path) + "on_first_poll = \"publish\"\n";
  }
  const auto config = write_config(feeds, "heartbeat_interval_ms = 50\n");
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(50, 400);
  for (int round = 0; round < 6; ++round) {
    test::ChildProcess daemon = start_feedwired(config, Run::serve);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)) + 300ms);
  } // the destructor's SIGKILL
  {
    // Longer than the feeds' interval: every feed is polled at least once more.
    test::ChildProcess daemon = start_feedwired(config, Run::serve);
    std::this_thread::sleep_for(1500ms);
    const std::optional<int> status = daemon.stop(SIGTERM, k_exit_limit);
    ASSERT_TRUE(status);
    EXPECT_EQ(WEXITSTATUS(*status), 0);
  }

  store::Store store = store::Store::open(db_file());
  std::vector<store::JournalEntry> rows;
  for (std::vector<store::JournalEntry> chunk = store.read_journal(0, 1000); !chunk.empty();
       chunk = store.read_journal(rows.back().seq, 1000)) {
    rows.insert(rows.end(), chunk.begin(), chunk.end());
  }
  ASSERT_FALSE(rows.empty()) << "nothing was ever committed";
  RecordProperty("journalled", static_cast<int>(rows.size()));
  std::map<std::string, std::set<std::string>> journalled; // feed -> story ids
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].seq, static_cast<std::int64_t>(i + 1)) << "a gap in the journal";
    const nlohmann::json body = nlohmann::json::parse(rows[i].body);
    ASSERT_EQ(body["seq"], rows[i].seq);
    ASSERT_TRUE(rows[i].topic.starts_with("story.new.")) << rows[i].topic;
    const std::string story_id = body["story_id"];
    EXPECT_TRUE(journalled[body["feed_id"]].insert(story_id).second)
        << story_id << " journalled twice";
  }
  EXPECT_EQ(store.load_counter(store::k_seq_counter), static_cast<std::int64_t>(rows.size()));
  EXPECT_EQ(store.load_counter(store::k_sent_counter), static_cast<std::int64_t>(rows.size()))
      << "the clean stop sent everything";
  std::int64_t seen_total = 0;
  for (const store::FeedState& st : store.load_feeds()) {
    seen_total += st.stories_seen;
    const std::set<std::string>& ids = journalled[st.feed_id];
    EXPECT_EQ(static_cast<std::size_t>(st.stories_seen), ids.size()) << st.feed_id;
    const std::vector<std::string> keys(ids.begin(), ids.end());
    for (const bool seen : store.are_seen(st.feed_id, keys)) {
      EXPECT_TRUE(seen);
    }
  }
  EXPECT_EQ(seen_total, static_cast<std::int64_t>(rows.size()));
}

} // namespace
} // namespace fw
