// The soak (issue 7): feedwired polls 2,000 feeds with changing content for 10 minutes while a
// gap-recovering subscriber (fw::publish::subscribe_and_print, as `feedwire sub` runs it)
// receives everything. Its memory and descriptors are sampled every 2 s into a CSV file.
//
// Criteria:
//   - memory: the peak VmRSS after the warm-up is less than 5 % above the warm-up's own level,
//     taken as the highest VmRSS of its last poll interval (30 s): RSS swings with the poll
//     cycle, and a leak shows as the cycle's peaks rising. One thing grows by design: the
//     dedupe window keeps about 200 bytes of each story of the last 72 h (of story time) in
//     memory, and the 4,000 stories of the 8 minutes after the warm-up add about 2 % (a soak of
//     hours would need a larger margin, or a warm-up as long as the window);
//   - descriptors: the count at rest (the lowest of each minute) stays the same after the
//     warm-up, within the connections a poll cycle may leave open;
//   - delivery: every message journalled reached the subscriber, and every item any feed served
//     is in a story it received.
//
// Opt-in: not part of the default ctest run; the CMake option FEEDWIRE_SOAK_TESTS registers it
// with the label `soak` (README.md, "Building by hand"). Environment:
//   FW_SOAK_SECONDS          how long the feeds change (default 600)
//   FW_SOAK_WARMUP_SECONDS   the warm-up at the start (default 120, at most half the run)
//   FW_SOAK_CSV              where the samples go (default $TMPDIR/feedwire-soak-<pid>.csv)
//
// The feeds come from ../shared/bench/gen_feeds.py (realistic RSS and Atom, 0.5-8 KB bodies,
// odd dates, syndicated near-duplicates, exact mirrors), served by the test's HTTP server:
//   feeds    0-199   a new item on every poll (a second corpus with 40 items a feed; past that,
//                    its items come round again under new ids, as reposts)
//   feeds  200-399   a new item every 5th poll, ETag and Last-Modified, 304 in between
//   feeds  400-1399  unchanging, with an ETag: 304
//   feeds 1400-1959  unchanging, no validators: the whole document every time
//   feeds 1960-1979  a 503 on every 4th request (failed, recovered, and their feed.status)
//   feeds 1980-1999  unchanging, each answer 1.5 s late
// Every feed is polled every 30 s (+-10 %), 67 polls a second in all; 127.0.0.1 is one host, so
// the per-host budget is opened up as a farm's operator would (see isolation_test.cpp).

#include "child_process.hpp"
#include "eventually.hpp"
#include "http_server.hpp"
#include "proc_status.hpp"
#include "publish/subscriber.hpp"
#include "store/store.hpp"
#include "subscriber_recorder.hpp"
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
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>
#include <zmq.hpp>

namespace fw {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int k_feed_count = 2000;
constexpr int k_active = 200;     // a new item on every poll
constexpr int k_occasional = 200; // a new item every 5th poll
constexpr int k_static_etag = 1000;
constexpr int k_static_plain = 560;
constexpr int k_flaky = 20;
constexpr int k_window = 10; // items a document shows
constexpr std::chrono::seconds k_interval{30};
constexpr std::chrono::seconds k_sample_every{2};
constexpr double k_max_rss_growth = 0.05;
// Descriptors a poll cycle may leave open at rest beyond the warm-up's: curl keeps idle
// connections to reuse, up to its cache's size.
constexpr int k_fd_tolerance = 8;

std::chrono::seconds env_seconds(const char* name, std::chrono::seconds fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return fallback;
  }
  return std::chrono::seconds(std::stoll(value));
}

// One generated document cut into the part before the first item, the items (newest first, as
// gen_feeds.py writes them) and the rest.
struct Document {
  std::string head;
  std::vector<std::string> items;
  std::vector<std::string> ids; // the <guid> or <id> of each item, as written
  std::string tail;
};

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string unescape_xml(std::string s) {
  const std::pair<std::string_view, std::string_view> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) {
      s.replace(at, from.size(), to);
    }
  }
  return s;
}

// As gen_feeds.py escapes element text (xml.sax.saxutils.escape).
std::string escape_xml(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

Document cut(const std::string& xml) {
  const bool is_atom = xml.find("<feed ") != std::string::npos;
  const std::string open = is_atom ? "<entry>" : "<item>";
  const std::string close = is_atom ? "</entry>" : "</item>";
  const std::string id_open = is_atom ? "<id>" : "<guid";
  const std::string id_close = is_atom ? "</id>" : "</guid>";
  Document d;
  std::size_t at = xml.find(open);
  d.head = xml.substr(0, at);
  std::size_t end = at;
  while (at != std::string::npos) {
    end = xml.find(close, at) + close.size();
    std::string item = xml.substr(at, end - at);
    const std::size_t id_at = item.find(id_open);
    const std::size_t value_at = item.find('>', id_at) + 1;
    d.ids.push_back(unescape_xml(item.substr(value_at, item.find(id_close, value_at) - value_at)));
    d.items.push_back(std::move(item));
    at = xml.find(open, end);
  }
  d.tail = xml.substr(end);
  return d;
}

std::string feed_id(int i) {
  std::ostringstream out;
  out << "soak" << std::setw(4) << std::setfill('0') << i;
  return out.str();
}

// The 2,000 feeds on the test server; see the top of the file for what each range does.
class SoakFeeds {
public:
  SoakFeeds(test::HttpServer& server, std::vector<Document> corpus, std::vector<Document> active)
      : m_corpus(std::move(corpus)), m_active(std::move(active)), m_feeds(k_feed_count) {
    for (int i = 0; i < k_feed_count; ++i) {
      Feed& f = m_feeds[static_cast<std::size_t>(i)];
      if (i < k_active) {
        f.shown = k_window;
      } else if (i < k_active + k_occasional) {
        f.shown = k_window - 3;
      } else {
        f.shown = k_window;
      }
      server.route("/" + feed_id(i) + ".xml",
                   [this, i](const test::RecordedRequest& r) { return answer(i, r); });
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

  // (feed id, item id) of every item served so far.
  [[nodiscard]] std::set<std::pair<std::string, std::string>> served() const {
    std::lock_guard lock(m_mutex);
    std::set<std::pair<std::string, std::string>> out;
    for (int i = 0; i < k_feed_count; ++i) {
      const Feed& f = m_feeds[static_cast<std::size_t>(i)];
      for (int n = 0; n < f.shown && f.requests > 0; ++n) {
        out.emplace(feed_id(i), item_id(i, n));
      }
    }
    return out;
  }

private:
  struct Feed {
    int requests = 0;
    int shown = 0; // items revealed so far: the document shows the newest k_window of them
  };

  // The source of feed `i`: active feeds have a longer document of their own.
  const Document& source(int i) const {
    return i < k_active ? m_active[static_cast<std::size_t>(i)]
                        : m_corpus[static_cast<std::size_t>(i)];
  }

  // Revealed item n of feed i (0 = the first revealed, the oldest): the source's items from its
  // oldest up; past the source's end they come round again as reposts under a new id.
  std::pair<std::size_t, int> source_index(int i, int n) const {
    const int size = static_cast<int>(source(i).items.size());
    return {static_cast<std::size_t>(size - 1 - n % size), n / size};
  }

  std::string item_id(int i, int n) const {
    const auto [index, round] = source_index(i, n);
    const std::string& id = source(i).ids[index];
    return round == 0 ? id : id + "#repost-" + std::to_string(round);
  }

  std::string item_xml(int i, int n) const {
    const auto [index, round] = source_index(i, n);
    std::string item = source(i).items[index];
    if (round > 0) {
      // A repost: the id (and the link, which is the id for permalink guids) gets a suffix.
      const std::string id = escape_xml(source(i).ids[index]);
      const std::string repost = escape_xml(item_id(i, n));
      for (std::size_t at = item.find(id); at != std::string::npos;
           at = item.find(id, at + repost.size())) {
        item.replace(at, id.size(), repost);
      }
    }
    return item;
  }

  test::Response answer(int i, const test::RecordedRequest& request) {
    std::lock_guard lock(m_mutex);
    Feed& f = m_feeds[static_cast<std::size_t>(i)];
    ++f.requests;
    const bool is_active = i < k_active;
    const bool is_occasional = !is_active && i < k_active + k_occasional;
    const int flaky_from = k_active + k_occasional + k_static_etag + k_static_plain;
    const bool is_flaky = i >= flaky_from && i < flaky_from + k_flaky;
    const bool is_late = i >= flaky_from + k_flaky;
    const bool has_validators = is_occasional || (i >= k_active + k_occasional &&
                                                  i < k_active + k_occasional + k_static_etag);
    if (!m_is_frozen && f.requests > 1) {
      if (is_active || (is_occasional && f.requests % 5 == 0)) {
        ++f.shown;
      }
    }
    if (is_flaky && f.requests % 4 == 0) {
      return test::Response{.status = 503, .body = "busy"};
    }
    const std::string etag = "\"" + std::to_string(f.shown) + "\"";
    const std::string last_modified =
        "Mon, 04 Mar 2024 " + std::to_string(10 + f.shown % 10) + ":00:00 GMT";
    if (has_validators && request.header("if-none-match") == etag) {
      return test::Response{.status = 304, .headers = {{"ETag", etag}}};
    }
    const Document& d = source(i);
    std::string body = d.head;
    for (int n = f.shown - 1; n >= std::max(0, f.shown - k_window); --n) {
      body += item_xml(i, n);
    }
    body += d.tail;
    test::Response r{.body = std::move(body)};
    if (has_validators) {
      r.headers = {{"ETag", etag}, {"Last-Modified", last_modified}};
    }
    if (is_late) {
      r.delay = 1500ms;
    }
    return r;
  }

  std::vector<Document> m_corpus;
  std::vector<Document> m_active;
  mutable std::mutex m_mutex;
  std::vector<Feed> m_feeds;
  bool m_is_frozen = false;
};

// gen_feeds.py's documents, in manifest order.
std::vector<Document> generate(const std::filesystem::path& out, int feeds, int items, int seed) {
  const std::string command = std::string(FW_PYTHON3) + " " + FW_GEN_FEEDS + " --out " +
                              out.string() + " --feeds " + std::to_string(feeds) + " --items " +
                              std::to_string(items) + " --seed " + std::to_string(seed) +
                              " --subsets '' 2>/dev/null";
  if (std::system(command.c_str()) != 0) {
    ADD_FAILURE() << "failed: " << command;
    return {};
  }
  const nlohmann::json manifest = nlohmann::json::parse(read_file(out / "manifest.json"));
  std::vector<Document> docs;
  for (const nlohmann::json& f : manifest.at("feeds")) {
    docs.push_back(cut(read_file(out / "feeds" / f.at("file").get<std::string>())));
  }
  return docs;
}

struct Sample {
  double at_s = 0;
  test::ProcStatus status;
  std::int64_t last_seq = 0; // journalled, by the heartbeats
  std::size_t received = 0;  // messages the subscriber printed
  std::size_t polls = 0;     // requests the feeds had
};

class SoakTest : public ::testing::Test {
protected:
  test::TempDir m_dir;
};

TEST_F(SoakTest, TwoThousandChangingFeedsForTenMinutesLeakNothingAndLoseNothing) {
  const std::chrono::seconds duration = env_seconds("FW_SOAK_SECONDS", 600s);
  const std::chrono::seconds warmup =
      std::min(env_seconds("FW_SOAK_WARMUP_SECONDS", 120s), duration / 2);
  const char* csv_env = std::getenv("FW_SOAK_CSV");
  const std::filesystem::path csv_path =
      csv_env != nullptr && *csv_env != '\0'
          ? std::filesystem::path(csv_env)
          : std::filesystem::temp_directory_path() /
                ("feedwire-soak-" + std::to_string(::getpid()) + ".csv");
  std::cout << "soak: " << duration.count() << " s, warm-up " << warmup.count() << " s, samples in "
            << csv_path.string() << std::endl;

  std::vector<Document> corpus = generate(m_dir.path() / "corpus", k_feed_count, k_window, 7);
  std::vector<Document> active = generate(m_dir.path() / "active", k_active, 40, 8);
  ASSERT_EQ(corpus.size(), static_cast<std::size_t>(k_feed_count));
  ASSERT_EQ(active.size(), static_cast<std::size_t>(k_active));
  std::filesystem::remove_all(m_dir.path() / "corpus");
  std::filesystem::remove_all(m_dir.path() / "active");

  test::HttpServer server;
  SoakFeeds feeds(server, std::move(corpus), std::move(active));
  const std::string pub_endpoint = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  const std::string replay_endpoint = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  const std::filesystem::path config = m_dir.path() / "feedwire.toml";
  {
    std::ofstream out(config);
    out << "state_dir = \"state\"\nlog_level = \"error\"\n"
        << "[service]\nmetrics_listen = \"127.0.0.1:0\"\n"
        << "[publish]\nendpoints = [\"" << pub_endpoint << "\"]\nreplay_endpoint = \""
        << replay_endpoint << "\"\nheartbeat_interval_ms = 1000\n"
        << "[schedule]\ndefault_interval = \"" << k_interval.count()
        << "s\"\nmin_interval = \"10s\"\nadaptive = false\n"
        << "[fetch]\nper_host_max_concurrent = 16\nper_host_min_interval_ms = 0\n";
    for (int i = 0; i < k_feed_count; ++i) {
      out << "[[feed]]\nid = \"" << feed_id(i) << "\"\nurl = \""
          << server.url("/" + feed_id(i) + ".xml") << "\"\n";
    }
  }

  publish::SubscribeOptions options;
  options.endpoints = {pub_endpoint};
  options.replay_endpoint = replay_endpoint;
  options.since = 0; // the whole journal: nothing is missed however early the first poll is
  options.heartbeat_interval = 1000ms;
  test::SubscriberRecorder recorder(options);
  // The heartbeats, for the last seq journalled.
  zmq::context_t context;
  zmq::socket_t beats(context, zmq::socket_type::sub);
  beats.set(zmq::sockopt::linger, 0);
  beats.set(zmq::sockopt::subscribe, "sys.heartbeat");
  beats.connect(pub_endpoint);
  std::int64_t last_seq = 0;
  const auto read_beats = [&] {
    zmq::message_t topic;
    while (beats.recv(topic, zmq::recv_flags::dontwait)) {
      zmq::message_t body;
      if (beats.recv(body)) {
        last_seq = nlohmann::json::parse(body.to_string()).at("last_seq").get<std::int64_t>();
      }
    }
  };
  const auto total_polls = [&] {
    std::size_t n = 0;
    for (int i = 0; i < k_feed_count; ++i) {
      n += static_cast<std::size_t>(feeds.requests(i));
    }
    return n;
  };

  test::ChildProcess daemon({FW_FEEDWIRED, "--config", config.string(), "--log-level", "error"});
  const pid_t pid = daemon.pid();
  const auto started = Clock::now();
  std::ofstream csv(csv_path);
  csv << "elapsed_s,vm_rss_kb,vm_hwm_kb,open_fds,last_seq,received,polls\n";
  std::vector<Sample> samples;
  const auto sample = [&] {
    read_beats();
    const std::optional<test::ProcStatus> s = test::proc_status(pid);
    if (!s) {
      return false;
    }
    Sample row{std::chrono::duration<double>(Clock::now() - started).count(), *s, last_seq,
               recorder.count(), total_polls()};
    csv << row.at_s << ',' << row.status.rss_kb << ',' << row.status.hwm_kb << ','
        << row.status.open_fds << ',' << row.last_seq << ',' << row.received << ',' << row.polls
        << std::endl;
    samples.push_back(row);
    return true;
  };
  // From the first tick: at once, the child may not have exec'd yet (the test's own image).
  for (auto next = started + k_sample_every; Clock::now() - started < duration;
       next += k_sample_every) {
    std::this_thread::sleep_until(next);
    ASSERT_TRUE(sample()) << "feedwired is gone";
    const Sample& s = samples.back();
    if (samples.size() % 30 == 1) {
      std::cout << "t=" << static_cast<int>(s.at_s) << "s rss=" << s.status.rss_kb
                << "kB hwm=" << s.status.hwm_kb << "kB fds=" << s.status.open_fds
                << " last_seq=" << s.last_seq << " received=" << s.received << " polls=" << s.polls
                << std::endl;
    }
  }

  // The end: no more changes; once every feed has been polled twice more, the heartbeats' last
  // seq is the last one, and the subscriber must get there.
  feeds.freeze();
  std::vector<int> at_freeze(k_feed_count);
  for (int i = 0; i < k_feed_count; ++i) {
    at_freeze[static_cast<std::size_t>(i)] = feeds.requests(i);
  }
  EXPECT_TRUE(test::eventually(
      4 * k_interval + 30s,
      [&] {
        for (int i = 0; i < k_feed_count; ++i) {
          if (feeds.requests(i) < at_freeze[static_cast<std::size_t>(i)] + 2) {
            return false;
          }
        }
        return true;
      },
      100ms))
      << "not every feed was polled twice after the freeze";
  std::int64_t steady = -1;
  auto steady_since = Clock::now();
  ASSERT_TRUE(test::eventually(
      30s,
      [&] {
        read_beats();
        if (last_seq != steady) {
          steady = last_seq;
          steady_since = Clock::now();
        }
        return steady > 0 && Clock::now() - steady_since > 3s;
      },
      100ms));
  EXPECT_TRUE(test::eventually(
      60s, [&] { return recorder.last_seq() >= steady; }, 100ms))
      << "the subscriber got to seq " << recorder.last_seq() << " of " << steady;
  ASSERT_TRUE(sample());
  const std::optional<int> status = daemon.stop(SIGTERM, 20s);
  ASSERT_TRUE(status) << "feedwired did not stop within 20 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "wait status " << *status;
  EXPECT_TRUE(recorder.stop());

  // Delivery: every seq journalled, once and in order, and every item served.
  const std::vector<test::Delivery> deliveries = recorder.deliveries();
  std::int64_t journalled = 0;
  {
    store::Store store = store::Store::open(m_dir.path() / "state" / "feedwire.db");
    journalled = store.journal_last_seq().value_or(0);
  }
  EXPECT_EQ(journalled, steady) << "journalled after the heartbeats had settled";
  EXPECT_EQ(static_cast<std::int64_t>(deliveries.size()), journalled);
  std::int64_t expected_seq = 1;
  std::size_t out_of_line = 0;
  std::map<std::string, std::size_t> by_topic;
  std::set<std::pair<std::string, std::string>> stories;
  for (const test::Delivery& d : deliveries) {
    out_of_line += d.seq == expected_seq ? 0 : 1;
    expected_seq = d.seq + 1;
    by_topic[d.topic.substr(0, d.topic.find('.', d.topic.find('.') + 1))] += 1;
    if (d.topic.starts_with("story.new.") || d.topic.starts_with("story.dup.")) {
      stories.emplace(d.feed_id, d.id);
    }
  }
  EXPECT_EQ(out_of_line, 0U) << "seqs missing or repeated";
  std::size_t unseen = 0;
  std::string example;
  const std::set<std::pair<std::string, std::string>> served = feeds.served();
  for (const auto& key : served) {
    if (!stories.contains(key)) {
      ++unseen;
      example = key.first + " " + key.second;
    }
  }
  EXPECT_EQ(unseen, 0U) << "items served but never received, e.g. " << example;
  for (const std::string& notice : recorder.notices()) {
    EXPECT_EQ(notice.find("lost"), std::string::npos) << notice;
  }

  // Memory and descriptors after the warm-up.
  const double warm_s = static_cast<double>(warmup.count());
  const double cycle_s = static_cast<double>(k_interval.count());
  std::int64_t warm_rss = 0;
  std::int64_t peak_after = 0;
  std::int64_t hwm_at_warm = 0;
  int fds_min_after = std::numeric_limits<int>::max();
  int fds_max_after = 0;
  std::map<int, int> fds_floor_by_minute; // minute after the warm-up -> lowest count
  for (const Sample& s : samples) {
    if (s.at_s <= warm_s) {
      if (s.at_s > warm_s - cycle_s) {
        warm_rss = std::max(warm_rss, s.status.rss_kb);
      }
      hwm_at_warm = s.status.hwm_kb;
      continue;
    }
    peak_after = std::max(peak_after, s.status.rss_kb);
    fds_min_after = std::min(fds_min_after, s.status.open_fds);
    fds_max_after = std::max(fds_max_after, s.status.open_fds);
    const int minute = static_cast<int>((s.at_s - warm_s) / 60);
    const auto [it, inserted] = fds_floor_by_minute.emplace(minute, s.status.open_fds);
    it->second = std::min(it->second, s.status.open_fds);
  }
  ASSERT_GT(warm_rss, 0);
  ASSERT_FALSE(fds_floor_by_minute.empty());
  const double growth = static_cast<double>(peak_after - warm_rss) / static_cast<double>(warm_rss);
  std::string floors;
  for (const auto& [minute, n] : fds_floor_by_minute) {
    floors += (floors.empty() ? "" : " ") + std::to_string(n);
  }
  std::cout << "soak summary: " << samples.size() << " samples in " << csv_path.string() << "\n"
            << "  RSS at the warm-up's end (highest of its last " << k_interval.count()
            << " s): " << warm_rss << " kB; peak after: " << peak_after << " kB; growth "
            << growth * 100 << " %; VmHWM " << hwm_at_warm << " kB at the warm-up's end, "
            << samples.back().status.hwm_kb << " kB at the end\n"
            << "  open fds after the warm-up: min " << fds_min_after << " max " << fds_max_after
            << "; lowest per minute: " << floors << "\n"
            << "  polls " << samples.back().polls << "; published (journalled) " << journalled
            << "; received " << deliveries.size() << " (";
  for (const auto& [topic, n] : by_topic) {
    std::cout << topic << " " << n << ", ";
  }
  std::cout << served.size() << " items served)" << std::endl;
  RecordProperty("rss_warm_kb", static_cast<int>(warm_rss));
  RecordProperty("rss_peak_after_kb", static_cast<int>(peak_after));
  EXPECT_LT(growth, k_max_rss_growth)
      << "VmRSS grew from " << warm_rss << " kB to " << peak_after << " kB after the warm-up";
  const int first_floor = fds_floor_by_minute.begin()->second;
  for (const auto& [minute, n] : fds_floor_by_minute) {
    EXPECT_LE(n, first_floor + k_fd_tolerance)
        << "minute " << minute << " after the warm-up: at least " << n << " descriptors open, "
        << first_floor << " in the first";
  }
}

} // namespace
} // namespace fw
