// Crash safety of the whole daemon: 200 growing feeds, feedwired killed with SIGKILL at random
// moments 20 times and restarted on the same state directory, while a subscriber with gap
// recovery (fw::publish::subscribe_and_print, as `feedwire sub` runs it) records everything.
// At the end every story that any feed served has been delivered, and no story went out as
// story.new under two different seqs.
//
// The kill moments come from a seeded generator; the seed is printed, and FW_CRASH_SEED=<seed>
// repeats a run.

#include "child_process.hpp"
#include "http_server.hpp"
#include "publish/subscriber.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace fw {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int k_feed_count = 200;
constexpr int k_kills = 20;
// Items a document keeps: with at most two new ones per request, an item stays in its feed for
// 20 requests, more than the kills can take from it.
constexpr int k_window = 40;
constexpr std::chrono::milliseconds k_min_life{150};
constexpr std::chrono::milliseconds k_max_life{1800};

// feedwired in a child process, SIGKILLed and reaped at scope exit unless already reaped.
test::ChildProcess start_feedwired(const std::filesystem::path& config) {
  return test::ChildProcess({FW_FEEDWIRED, "--config", config.string(), "--log-level", "error"});
}

// Deterministic words, so that no two stories look alike to a near-duplicate detector.
std::string words_for(std::uint64_t key) {
  static constexpr std::array<std::string_view, 32> k_words = {
      "amber",  "basil",   "cedar",   "delta",  "ember", "fjord",  "garnet",  "harbor",
      "indigo", "juniper", "kelp",    "lagoon", "maple", "nectar", "orchid",  "pepper",
      "quartz", "raven",   "saffron", "tundra", "umber", "violet", "walnut",  "xenon",
      "yarrow", "zephyr",  "bison",   "comet",  "dune",  "falcon", "glacier", "heron"};
  std::string out;
  for (int i = 0; i < 8; ++i) {
    // splitmix64 steps
    key += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = key;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    out += (i > 0 ? " " : "") + std::string(k_words[z % k_words.size()]);
  }
  return out;
}

std::string guid(int feed, int item) {
  return "f" + std::to_string(feed) + "-" + std::to_string(item);
}

// 200 feeds on the test server whose every request adds one or two items (the count per
// request is a function of the feed and how many requests it had), until freeze().
class GrowingFeeds {
public:
  explicit GrowingFeeds(test::HttpServer& server) : m_feeds(k_feed_count) {
    for (int i = 0; i < k_feed_count; ++i) {
      server.route("/f" + std::to_string(i) + ".xml",
                   [this, i](const test::RecordedRequest&) { return answer(i); });
    }
  }

  void freeze() {
    std::lock_guard lock(m_mutex);
    m_is_frozen = true;
  }
  [[nodiscard]] int requests(int feed) const {
    std::lock_guard lock(m_mutex);
    return m_feeds[static_cast<std::size_t>(feed)].requests;
  }
  // Items 0..items-1 of the feed have been in a document it served.
  [[nodiscard]] int items(int feed) const {
    std::lock_guard lock(m_mutex);
    return m_feeds[static_cast<std::size_t>(feed)].items;
  }

private:
  struct Feed {
    int requests = 0;
    int items = 0;
  };

  test::Response answer(int feed) {
    std::lock_guard lock(m_mutex);
    Feed& f = m_feeds[static_cast<std::size_t>(feed)];
    if (!m_is_frozen) {
      f.items += 1 + (feed + f.requests) % 2;
    }
    ++f.requests;
    std::string body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed " +
                       std::to_string(feed) + "</title><link>https://example.org/</link>";
    for (int j = f.items - 1; j >= std::max(0, f.items - k_window); --j) {
      const std::string id = guid(feed, j);
      body += "<item><guid>" + id + "</guid><title>" +
              words_for(static_cast<std::uint64_t>(feed) * 1'000'000 + j) +
              "</title><link>https://example.org/" + id + "</link></item>";
    }
    return test::Response{.body = body + "</channel></rss>"};
  }

  mutable std::mutex m_mutex;
  std::vector<Feed> m_feeds;
  bool m_is_frozen = false;
};

struct Delivery {
  std::string topic;
  std::string feed_id;
  std::string id;
  std::string story_id;
  std::int64_t seq = 0;
};

// subscribe_and_print on its own thread, keeping every story.* message it prints.
class Recorder {
public:
  explicit Recorder(publish::SubscribeOptions options)
      : m_stop_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    options.on_notice = [this](std::string_view notice) {
      std::lock_guard lock(m_mutex);
      m_notices.emplace_back(notice);
    };
    m_end = std::async(std::launch::async, [this, options = std::move(options)] {
      return publish::subscribe_and_print(options, m_stop_fd, [this](std::string_view line) {
        const nlohmann::json json = nlohmann::json::parse(line);
        const nlohmann::json& m = json["message"];
        std::lock_guard lock(m_mutex);
        m_deliveries.push_back({json["topic"], m.value("feed_id", ""), m.value("id", ""),
                                m.value("story_id", ""), m.value("seq", std::int64_t{-1})});
        m_keys.emplace(m.value("feed_id", ""), m.value("id", ""));
        return true;
      });
    });
  }
  ~Recorder() {
    stop();
    ::close(m_stop_fd);
  }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Ends the subscriber: whether it ran until told to stop.
  bool stop() {
    if (!m_end.valid()) {
      return false;
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(m_stop_fd, &one, sizeof one);
    Result<publish::SubscribeEnd> end = m_end.get();
    if (!end) {
      ADD_FAILURE() << "the subscriber failed: " << end.error().message;
    }
    return end && end.value() == publish::SubscribeEnd::stop_requested;
  }

  [[nodiscard]] bool has(const std::string& feed_id, const std::string& id) const {
    std::lock_guard lock(m_mutex);
    return m_keys.contains({feed_id, id});
  }
  [[nodiscard]] std::vector<Delivery> deliveries() const {
    std::lock_guard lock(m_mutex);
    return m_deliveries;
  }
  [[nodiscard]] std::vector<std::string> notices() const {
    std::lock_guard lock(m_mutex);
    return m_notices;
  }

private:
  int m_stop_fd;
  mutable std::mutex m_mutex;
  std::vector<Delivery> m_deliveries;
  std::set<std::pair<std::string, std::string>> m_keys; // (feed_id, id)
  std::vector<std::string> m_notices;
  std::future<Result<publish::SubscribeEnd>> m_end;
};

// Waits up to `limit` for `condition`.
template <class Condition> bool eventually(std::chrono::milliseconds limit, Condition condition) {
  const auto deadline = Clock::now() + limit;
  while (!condition() && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

std::uint64_t seed_of_run() {
  if (const char* s = std::getenv("FW_CRASH_SEED"); s != nullptr && *s != '\0') {
    return std::strtoull(s, nullptr, 10);
  }
  return std::random_device{}();
}

class CrashTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::random_device rd;
    m_dir = std::filesystem::temp_directory_path() /
            ("feedwire-crash-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }

  std::filesystem::path dir() const { return m_dir; }

private:
  std::filesystem::path m_dir;
};

TEST_F(CrashTest, TwentyKillsLoseNoStoryAndPublishNoneTwice) {
  const std::uint64_t seed = seed_of_run();
  std::cout << "crash test seed " << seed << " (FW_CRASH_SEED=" << seed << " repeats it)\n";
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);

  test::HttpServer server;
  GrowingFeeds feeds(server);
  // The daemon must bind the same ports after every restart, so that the subscriber's
  // connections find it again.
  const std::string pub_endpoint = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  const std::string replay_endpoint = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  const std::filesystem::path config = dir() / "feedwire.toml";
  {
    std::ofstream out(config);
    out << "state_dir = \"state\"\nlog_level = \"error\"\n"
        << "[service]\nmetrics_listen = \"127.0.0.1:0\"\n"
        << "[publish]\nendpoints = [\"" << pub_endpoint << "\"]\n"
        << "replay_endpoint = \"" << replay_endpoint << "\"\nheartbeat_interval_ms = 500\n"
        << "[schedule]\ndefault_interval = 1\nmin_interval = 1\nadaptive = false\njitter = 0\n"
        << "[fetch]\nmax_concurrent = 64\nper_host_max_concurrent = 64\n"
        << "per_host_min_interval_ms = 0\ntimeout_ms = 5000\n";
    for (int i = 0; i < k_feed_count; ++i) {
      out << "[[feed]]\nid = \"f" << i << "\"\nurl = \""
          << server.url("/f" + std::to_string(i) + ".xml") << "\"\n";
    }
  }

  publish::SubscribeOptions options;
  options.endpoints = {pub_endpoint};
  options.replay_endpoint = replay_endpoint;
  options.prefixes = {"story."};
  options.since = 0; // the whole journal: nothing is missed however late the first poll is
  options.heartbeat_interval = 500ms;
  options.replay_timeout = 1000ms;
  Recorder recorder(options);

  std::uniform_int_distribution<std::int64_t> life_ms(k_min_life.count(), k_max_life.count());
  std::string lives;
  int early_exits = 0;
  for (int kill = 0; kill < k_kills; ++kill) {
    const std::chrono::milliseconds life{life_ms(rng)};
    lives += (kill > 0 ? " " : "") + std::to_string(life.count());
    test::ChildProcess daemon = start_feedwired(config);
    std::this_thread::sleep_for(life);
    if (!daemon.kill_and_reap(SIGKILL)) {
      ++early_exits;
    }
  }
  std::cout << "killed after (ms): " << lives << "\n";
  EXPECT_EQ(early_exits, 0) << "feedwired exited on its own before being killed";

  // The last run: once every feed has been polled by it, the feeds stop growing; a further
  // poll of each then reads its final document after the previous poll was committed.
  test::ChildProcess daemon = start_feedwired(config);
  std::vector<int> before(k_feed_count);
  for (int i = 0; i < k_feed_count; ++i) {
    before[static_cast<std::size_t>(i)] = feeds.requests(i);
  }
  auto every_feed_polled_since = [&](const std::vector<int>& counts, int times) {
    for (int i = 0; i < k_feed_count; ++i) {
      if (feeds.requests(i) < counts[static_cast<std::size_t>(i)] + times) {
        return false;
      }
    }
    return true;
  };
  ASSERT_TRUE(eventually(20s, [&] { return every_feed_polled_since(before, 1); }))
      << "the restarted daemon did not poll every feed";
  feeds.freeze();
  for (int i = 0; i < k_feed_count; ++i) {
    before[static_cast<std::size_t>(i)] = feeds.requests(i);
  }
  ASSERT_TRUE(eventually(20s, [&] { return every_feed_polled_since(before, 2); }))
      << "the daemon did not poll every frozen feed twice";

  std::vector<std::pair<std::string, std::string>> served;
  for (int i = 0; i < k_feed_count; ++i) {
    for (int j = 0; j < feeds.items(i); ++j) {
      served.emplace_back("f" + std::to_string(i), guid(i, j));
    }
  }
  auto missing = [&] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& key : served) {
      if (!recorder.has(key.first, key.second)) {
        out.push_back(key);
      }
    }
    return out;
  };
  (void)eventually(15s, [&] { return missing().empty(); });
  const std::optional<int> status = daemon.kill_and_reap(SIGTERM);
  ASSERT_TRUE(status) << "feedwired died before the end";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
  EXPECT_TRUE(recorder.stop());

  // Every story any feed served was delivered.
  const std::vector<std::pair<std::string, std::string>> lost = missing();
  EXPECT_TRUE(lost.empty()) << lost.size() << " of " << served.size()
                            << " served stories were never delivered, e.g. " << lost.front().first
                            << " " << lost.front().second;

  // None as story.new under two seqs; and the recorder printed seqs in order, each once.
  const std::vector<Delivery> deliveries = recorder.deliveries();
  std::map<std::string, std::set<std::int64_t>> seqs_of_story;
  std::int64_t previous_seq = 0;
  std::size_t out_of_order = 0;
  for (const Delivery& d : deliveries) {
    if (d.topic.starts_with("story.new.")) {
      seqs_of_story[d.story_id].insert(d.seq);
    }
    out_of_order += d.seq <= previous_seq ? 1 : 0;
    previous_seq = d.seq;
  }
  std::size_t published_twice = 0;
  std::string example;
  for (const auto& [story_id, seqs] : seqs_of_story) {
    if (seqs.size() > 1) {
      ++published_twice;
      example = story_id + " at seqs " + std::to_string(*seqs.begin()) + " and " +
                std::to_string(*seqs.rbegin());
    }
  }
  EXPECT_EQ(published_twice, 0U) << "stories published as story.new twice, e.g. " << example;
  EXPECT_EQ(out_of_order, 0U);
  EXPECT_GE(deliveries.size(), served.size());

  // The journal kept everything, so the subscriber never had to give a seq up.
  for (const std::string& notice : recorder.notices()) {
    EXPECT_EQ(notice.find("lost"), std::string::npos) << notice;
  }
  std::cout << served.size() << " stories served, " << deliveries.size() << " delivered, "
            << recorder.notices().size() << " subscriber notices\n";
}

} // namespace
} // namespace fw
