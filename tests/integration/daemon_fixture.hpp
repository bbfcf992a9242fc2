#pragma once

// The fixture of the daemon's integration tests: a real HTTP server on 127.0.0.1
// (tests/support), feedwired's Daemon in once mode in this process, a real ZeroMQ subscriber,
// and a real SQLite state file in a temp dir.

#include "child_process.hpp"
#include "config/config.hpp"
#include "http_server.hpp"
#include "service/daemon.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <random>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace fw {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Received {
  std::string topic;
  nlohmann::json body;
  Clock::time_point at;
};

inline std::string rss(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Test feed</title>"
                    "<link>https://example.org/</link>";
  for (const auto& [guid, title] : items) {
    out += "<item><guid>" + guid + "</guid><title>" + title + "</title><link>https://example.org/" +
           guid + "</link><description>Body of " + title +
           "</description><pubDate>Fri, 27 Nov 2026 10:00:00 GMT</pubDate></item>";
  }
  return out + "</channel></rss>";
}

inline std::string http_date(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

class DaemonTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    // The daemon logs through spdlog's default logger, which writes to stdout unless told
    // otherwise (feedwired's main points it at stderr, as here): stdout carries --stdout lines.
    if (!spdlog::get("feedwired-test")) {
      spdlog::set_default_logger(spdlog::stderr_logger_mt("feedwired-test"));
    }
  }

  // The config of every test: quick limits, an ephemeral publish port, per-host limits out of
  // the way unless a test sets them; `extra` goes before the feeds.
  std::string config_text(const std::string& feeds, const std::string& extra = "") const {
    std::string head = "state_dir = \"state\"\nlog_level = \"warn\"\n" + extra;
    if (extra.find("[publish]") == std::string::npos) {
      head += "[publish]\nendpoints = [\"tcp://127.0.0.1:*\"]\nonce_wait_subscribers_ms = 2000\n"
              "replay_endpoint = \"ipc://" +
              (m_dir.path() / "replay").string() + "\"\n";
    }
    // Tests run side by side: the HTTP endpoint takes any free port, never the default 7703.
    if (extra.find("metrics_listen") == std::string::npos) {
      const std::size_t service = head.find("[service]\n");
      if (service == std::string::npos) {
        head += "[service]\nmetrics_listen = \"127.0.0.1:0\"\n";
      } else {
        head.insert(service + 10, "metrics_listen = \"127.0.0.1:0\"\n");
      }
    }
    if (extra.find("[fetch]") == std::string::npos) {
      head += "[fetch]\nper_host_max_concurrent = 16\nper_host_min_interval_ms = 0\n"
              "timeout_ms = 5000\n";
    }
    return head + feeds;
  }

  std::string feed(const std::string& id, const std::string& path) const {
    return "[[feed]]\nid = \"" + id + "\"\nurl = \"" + server.url(path) + "\"\n";
  }

  // Runs `feedwired --once` in process on the config, with a SUB socket connected to it that
  // receives while it runs. Returns the exit status; the messages land in `received`.
  int run_once(const std::string& text, bool stdout_messages = false) {
    config::Config c = config::parse_config(text, m_dir.path() / "feedwire.toml");
    // Isolated plugins run in the real feedwired, as --plugin-host.
    service::Daemon daemon(
        std::move(c),
        service::RunOptions{service::RunMode::once, stdout_messages, FW_FEEDWIRED, {}});
    last_plugin_stats.clear();
    zmq::socket_t sub(m_zmq, zmq::socket_type::sub);
    sub.set(zmq::sockopt::subscribe, "");
    sub.set(zmq::sockopt::rcvtimeo, 100);
    sub.connect(daemon.endpoints().at(0));
    int status = -1;
    std::atomic<bool> done = false;
    std::thread runner([&] {
      status = daemon.run();
      done = true;
    });
    // Receive while the daemon runs, then until the line has been quiet for a moment.
    auto quiet_since = Clock::now();
    while (!done || Clock::now() - quiet_since < 300ms) {
      zmq::message_t topic;
      if (!sub.recv(topic)) {
        if (!done) {
          quiet_since = Clock::now();
        }
        continue;
      }
      zmq::message_t body;
      EXPECT_TRUE(sub.recv(body));
      received.push_back(
          {topic.to_string(), nlohmann::json::parse(body.to_string()), Clock::now()});
      quiet_since = Clock::now();
    }
    runner.join();
    last_plugin_stats = daemon.plugin_stats();
    return status;
  }

  std::vector<Received> topics_starting(std::string_view prefix) const {
    std::vector<Received> out;
    for (const Received& r : received) {
      if (r.topic.starts_with(prefix)) {
        out.push_back(r);
      }
    }
    return out;
  }

  std::filesystem::path state_dir() const { return m_dir.path() / "state"; }

  store::FeedState state_of(const std::string& id) const {
    store::Store s = store::Store::open(state_dir() / "feedwire.db");
    std::optional<store::FeedState> st = s.load_feed(id);
    EXPECT_TRUE(st.has_value()) << id;
    return st.value_or(store::FeedState{});
  }

  test::HttpServer server;
  std::vector<Received> received;
  std::vector<plugin_host::PluginStats> last_plugin_stats; // of the last run_once()

private:
  test::TempDir m_dir;
  zmq::context_t m_zmq;
};

} // namespace fw
