// examples/python/subscribe.py against the real feedwired binary: a subscriber that is killed
// and started again with --since prints every story once, the ones published while it was gone
// included.

#include "child_process.hpp"
#include "http_server.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace fw {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto k_wait = 15s;

std::string rss(int item_count) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Python</title>"
                    "<link>https://example.org/</link>";
  for (int i = item_count; i >= 1; --i) {
    const std::string guid = "g" + std::to_string(i);
    out += "<item><guid>" + guid + "</guid><title>Story " + std::to_string(i) +
           "</title><link>https://example.org/" + guid + "</link></item>";
  }
  return out + "</channel></rss>";
}

class PythonSubscriberTest : public ::testing::Test {
protected:
  void SetUp() override {
    pub_endpoint = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
    replay_endpoint = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  }

  std::filesystem::path write_config() const {
    const std::filesystem::path config = m_dir.path() / "feedwire.toml";
    std::ofstream(config) << "state_dir = \"state\"\nlog_level = \"error\"\n"
                          << "[service]\nmetrics_listen = \"127.0.0.1:0\"\n"
                          << "[publish]\nendpoints = [\"" << pub_endpoint << "\"]\n"
                          << "replay_endpoint = \"" << replay_endpoint << "\"\n"
                          << "heartbeat_interval_ms = 200\n"
                          << "[schedule]\ndefault_interval = 1\nmin_interval = 1\n"
                          << "adaptive = false\njitter = 0\n"
                          << "[fetch]\nper_host_max_concurrent = 4\nper_host_min_interval_ms = 0\n"
                          << "[[feed]]\nid = \"py\"\nurl = \"" << server.url("/py.xml") << "\"\n";
    return config;
  }

  std::vector<std::string> python_command(std::optional<std::int64_t> since) const {
    std::vector<std::string> argv = {FW_PYTHON3,   FW_SUBSCRIBE_PY,     "--endpoint",
                                     pub_endpoint, "--replay-endpoint", replay_endpoint};
    if (since) {
      argv.insert(argv.end(), {"--since", std::to_string(*since)});
    }
    argv.emplace_back("story.new.");
    return argv;
  }

  test::HttpServer server;
  std::string pub_endpoint;
  std::string replay_endpoint;

private:
  test::TempDir m_dir;
};

TEST_F(PythonSubscriberTest, ARestartWithSinceGetsWhatWasPublishedMeanwhileOnce) {
  std::atomic<int> item_count = 3;
  server.route("/py.xml", [&](const test::RecordedRequest&) {
    return test::Response{.body = rss(item_count)};
  });
  // The test's own witness of what the daemon published, connected before it starts.
  zmq::context_t context;
  zmq::socket_t witness(context, zmq::socket_type::sub);
  witness.set(zmq::sockopt::subscribe, "story.new.");
  witness.set(zmq::sockopt::rcvtimeo, 100);
  witness.connect(pub_endpoint);
  test::ChildProcess daemon(
      {FW_FEEDWIRED, "--config", write_config().string(), "--log-level", "error"});

  // First run: --since 0 takes the whole journal, however late it starts.
  std::vector<nlohmann::json> printed;
  {
    test::ChildProcess python(python_command(0), test::ChildStdout::pipe);
    const auto deadline = Clock::now() + k_wait;
    while (printed.size() < 3) {
      const std::optional<std::string> line = python.read_line(deadline);
      ASSERT_TRUE(line) << "subscribe.py printed " << printed.size() << " of 3 stories";
      printed.push_back(nlohmann::json::parse(*line));
    }
    python.kill_and_reap(SIGKILL);
  }
  const std::int64_t last_seq = printed.back()["message"]["seq"];

  // While it is gone, three more stories.
  item_count = 6;
  bool has_seen_g6 = false;
  for (const auto deadline = Clock::now() + k_wait; !has_seen_g6 && Clock::now() < deadline;) {
    zmq::message_t topic;
    zmq::message_t body;
    if (witness.recv(topic) && witness.recv(body)) {
      has_seen_g6 = nlohmann::json::parse(body.to_string())["id"] == "g6";
    }
  }
  ASSERT_TRUE(has_seen_g6) << "the daemon did not publish the new stories";

  // Second run from the last seq printed: exactly the three it missed, then nothing.
  {
    test::ChildProcess python(python_command(last_seq), test::ChildStdout::pipe);
    const auto deadline = Clock::now() + k_wait;
    while (printed.size() < 6) {
      const std::optional<std::string> line = python.read_line(deadline);
      ASSERT_TRUE(line) << "subscribe.py printed " << printed.size() - 3 << " of 3 stories";
      printed.push_back(nlohmann::json::parse(*line));
    }
    // Heartbeats and re-polls go on meanwhile; nothing else may be printed.
    EXPECT_FALSE(python.read_line(Clock::now() + 700ms));
  }

  ASSERT_EQ(printed.size(), 6U);
  std::vector<std::string> first_ids;
  std::vector<std::string> second_ids;
  for (std::size_t i = 0; i < printed.size(); ++i) {
    EXPECT_EQ(printed[i]["topic"], "story.new.py");
    (i < 3 ? first_ids : second_ids).push_back(printed[i]["message"]["id"]);
    if (i > 0) {
      EXPECT_EQ(printed[i]["message"]["seq"],
                printed[i - 1]["message"]["seq"].get<std::int64_t>() + 1)
          << "printed in seq order, none twice, none left out";
    }
  }
  std::sort(first_ids.begin(), first_ids.end());
  std::sort(second_ids.begin(), second_ids.end());
  EXPECT_EQ(first_ids, (std::vector<std::string>{"g1", "g2", "g3"}));
  EXPECT_EQ(second_ids, (std::vector<std::string>{"g4", "g5", "g6"}));
}

} // namespace
} // namespace fw
