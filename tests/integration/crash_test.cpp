// Crash safety of the whole daemon: 200 growing feeds, feedwired killed with SIGKILL at random
// moments 20 times and restarted on the same state directory, while a subscriber with gap
// recovery (fw::publish::subscribe_and_print, as `feedwire sub` runs it) records everything.
// At the end every story that any feed served has been delivered, and no story went out as
// story.new under two different seqs.
//
// The kill moments come from a seeded generator; the seed is printed, and FW_CRASH_SEED=<seed>
// repeats a run.

#include "child_process.hpp"
#include "eventually.hpp"
#include "growing_feeds.hpp"
#include "http_server.hpp"
#include "publish/subscriber.hpp"
#include "subscriber_recorder.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <utility>
#include <vector>

namespace fw {
namespace {

using namespace std::chrono_literals;

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

// k_feed_count feeds whose every request adds one or two items (the count per request is a
// function of the feed and how many requests it had), until freeze().
test::GrowingFeeds::Options crash_feeds() {
  return {.feeds = k_feed_count,
          .prefix = "f",
          .site = "https://example.org/",
          .window = k_window,
          .description_words = 0,
          .new_items = [](int feed, int request) { return 1 + (feed + request) % 2; }};
}

std::uint64_t seed_of_run() {
  if (const char* s = std::getenv("FW_CRASH_SEED"); s != nullptr && *s != '\0') {
    return std::strtoull(s, nullptr, 10);
  }
  return std::random_device{}();
}

class CrashTest : public ::testing::Test {
protected:
  const std::filesystem::path& dir() const { return m_dir.path(); }

private:
  test::TempDir m_dir;
};

TEST_F(CrashTest, TwentyKillsLoseNoStoryAndPublishNoneTwice) {
  const std::uint64_t seed = seed_of_run();
  std::cout << "crash test seed " << seed << " (FW_CRASH_SEED=" << seed << " repeats it)\n";
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);

  test::HttpServer server;
  test::GrowingFeeds feeds(server, crash_feeds());
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
      out << "[[feed]]\nid = \"" << feeds.feed_id(i) << "\"\nurl = \"" << server.url(feeds.path(i))
          << "\"\n";
    }
  }

  publish::SubscribeOptions options;
  options.endpoints = {pub_endpoint};
  options.replay_endpoint = replay_endpoint;
  options.prefixes = {"story."};
  options.since = 0; // the whole journal: nothing is missed however late the first poll is
  options.heartbeat_interval = 500ms;
  options.replay_timeout = 1000ms;
  test::SubscriberRecorder recorder(options);

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
  std::vector<int> before = feeds.requests();
  ASSERT_TRUE(test::eventually(20s, [&] { return feeds.polled_since(before, 1); }))
      << "the restarted daemon did not poll every feed";
  feeds.freeze();
  before = feeds.requests();
  ASSERT_TRUE(test::eventually(20s, [&] { return feeds.polled_since(before, 2); }))
      << "the daemon did not poll every frozen feed twice";

  const std::vector<std::pair<std::string, std::string>> served = feeds.served();
  auto missing = [&] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& key : served) {
      if (!recorder.has(key.first, key.second)) {
        out.push_back(key);
      }
    }
    return out;
  };
  (void)test::eventually(15s, [&] { return missing().empty(); });
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
  const std::vector<test::Delivery> deliveries = recorder.deliveries();
  std::map<std::string, std::set<std::int64_t>> seqs_of_story;
  std::int64_t previous_seq = 0;
  std::size_t out_of_order = 0;
  for (const test::Delivery& d : deliveries) {
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
