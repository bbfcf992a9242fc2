// The whole path: a real HTTP server on 127.0.0.1 (tests/support) → feedwired's Daemon in once
// mode → a real ZeroMQ subscriber, with a real SQLite state file in a temp dir.

#include "daemon_fixture.hpp"

#include <spdlog/sinks/ringbuffer_sink.h>

namespace fw {
namespace {

TEST_F(DaemonTest, NewStoriesArriveOnceAndARestartPublishesNothingOld) {
  server.route("/a.xml",
               test::Response{.body = rss({{"g1", "One"}, {"g2", "Two"}, {"g1", "One"}})});
  const std::string text = config_text(feed("alpha", "/a.xml"));
  ASSERT_EQ(run_once(text), 0);
  std::vector<Received> stories = topics_starting("story.new.");
  ASSERT_EQ(stories.size(), 2U) << "the guid repeated inside the document is one story";
  EXPECT_EQ(stories[0].topic, "story.new.alpha");
  EXPECT_EQ(stories[0].body["title"], "One");
  EXPECT_EQ(stories[1].body["title"], "Two");
  EXPECT_EQ(stories[0].body["schema"], 1);
  EXPECT_EQ(stories[0].body["feed_id"], "alpha");
  EXPECT_EQ(stories[0].body["feed_title"], "Test feed");
  EXPECT_EQ(stories[0].body["link"], "https://example.org/g1");
  EXPECT_EQ(stories[0].body["story_id"].get<std::string>().size(), 16U);
  EXPECT_TRUE(stories[0].body["fetched_at"].is_string());
  const std::int64_t seq1 = stories[0].body["seq"];
  EXPECT_EQ(stories[1].body["seq"], seq1 + 1);

  // A restart: same state file, same document → nothing.
  received.clear();
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(topics_starting("story.new.").empty());

  // One new item → exactly that one, and seq goes on where it stopped.
  server.route("/a.xml",
               test::Response{.body = rss({{"g3", "Three"}, {"g1", "One"}, {"g2", "Two"}})});
  received.clear();
  ASSERT_EQ(run_once(text), 0);
  stories = topics_starting("story.new.");
  ASSERT_EQ(stories.size(), 1U);
  EXPECT_EQ(stories[0].body["title"], "Three");
  EXPECT_EQ(stories[0].body["seq"], seq1 + 2);
  EXPECT_EQ(state_of("alpha").stories_seen, 3);
}

TEST_F(DaemonTest, MarkSeenOnFirstPollPublishesOnlyLaterStories) {
  server.route("/a.xml", test::Response{.body = rss({{"g1", "One"}})});
  const std::string text = config_text(feed("alpha", "/a.xml"), "on_first_poll = \"mark_seen\"\n");
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(topics_starting("story.new.").empty());
  server.route("/a.xml", test::Response{.body = rss({{"g2", "Two"}, {"g1", "One"}})});
  ASSERT_EQ(run_once(text), 0);
  const std::vector<Received> stories = topics_starting("story.new.");
  ASSERT_EQ(stories.size(), 1U);
  EXPECT_EQ(stories[0].body["title"], "Two");
}

TEST_F(DaemonTest, SendsValidatorsAndA304ParsesNothing) {
  server.route("/c.xml", [](const test::RecordedRequest& req) {
    if (req.header("if-none-match") == "\"v1\"") {
      return test::Response{.status = 304};
    }
    return test::Response{
        .headers = {{"ETag", "\"v1\""}, {"Last-Modified", "Wed, 25 Nov 2026 08:00:00 GMT"}},
        .body = rss({{"g1", "One"}})};
  });
  const std::string text = config_text(feed("cond", "/c.xml"));
  ASSERT_EQ(run_once(text), 0);
  ASSERT_EQ(topics_starting("story.new.").size(), 1U);
  received.clear();
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(received.empty());
  const std::vector<test::RecordedRequest> requests = server.requests("/c.xml");
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_FALSE(requests[0].header("if-none-match"));
  EXPECT_EQ(requests[1].header("if-none-match"), "\"v1\"");
  EXPECT_EQ(requests[1].header("if-modified-since"), "Wed, 25 Nov 2026 08:00:00 GMT");
  const store::FeedState st = state_of("cond");
  EXPECT_EQ(st.last_status, 304);
  EXPECT_EQ(st.etag, "\"v1\"");
}

TEST_F(DaemonTest, ThreePermanentRedirectsMoveTheFeed) {
  server.route("/old.xml", test::Response{.status = 301, .headers = {{"Location", "/new.xml"}}});
  server.route("/new.xml", test::Response{.body = rss({{"g1", "One"}})});
  const std::string text = config_text(feed("mover", "/old.xml"));
  for (int poll = 1; poll <= 3; ++poll) {
    received.clear();
    ASSERT_EQ(run_once(text), 0) << "poll " << poll;
    EXPECT_EQ(topics_starting("feed.status.").size(), poll == 3 ? 1U : 0U) << "poll " << poll;
  }
  const std::vector<Received> status = topics_starting("feed.status.mover");
  ASSERT_EQ(status.size(), 1U);
  EXPECT_EQ(status[0].body["event"], "moved");
  EXPECT_EQ(status[0].body["url"], server.url("/new.xml"));
  EXPECT_EQ(status[0].body["moved_from"], server.url("/old.xml"));
  EXPECT_EQ(state_of("mover").url, server.url("/new.xml"));
  // From now on the new URL is asked directly.
  ASSERT_EQ(run_once(text), 0);
  EXPECT_EQ(server.hits("/old.xml"), 3U);
  EXPECT_EQ(server.hits("/new.xml"), 4U);
}

TEST_F(DaemonTest, A302DoesNotMoveTheFeed) {
  server.route("/tmp.xml", test::Response{.status = 302, .headers = {{"Location", "/new.xml"}}});
  server.route("/new.xml", test::Response{.body = rss({{"g1", "One"}})});
  const std::string text = config_text(feed("temp", "/tmp.xml"));
  for (int poll = 1; poll <= 3; ++poll) {
    ASSERT_EQ(run_once(text), 0);
  }
  EXPECT_TRUE(topics_starting("feed.status.").empty());
  EXPECT_EQ(state_of("temp").url, server.url("/tmp.xml"));
}

TEST_F(DaemonTest, GoneDisablesTheFeed) {
  server.route("/gone.xml", test::Response{.status = 410});
  server.route("/ok.xml", test::Response{.body = rss({{"g1", "One"}})});
  const std::string text = config_text(feed("gone", "/gone.xml") + feed("ok", "/ok.xml"));
  EXPECT_EQ(run_once(text), 1) << "--once exits 1 when a feed failed";
  const std::vector<Received> status = topics_starting("feed.status.gone");
  ASSERT_EQ(status.size(), 1U);
  EXPECT_EQ(status[0].body["event"], "gone");
  EXPECT_EQ(topics_starting("story.new.ok").size(), 1U) << "the other feed is served";
  EXPECT_TRUE(state_of("gone").disabled);
  ASSERT_EQ(run_once(text), 0);
  EXPECT_EQ(server.hits("/gone.xml"), 1U) << "a disabled feed is not polled again";
}

TEST_F(DaemonTest, RetryAfterInSecondsAndAsADateDelaysTheNextPoll) {
  server.route("/busy.xml", test::Response{.status = 429, .headers = {{"Retry-After", "120"}}});
  const auto in_300s = std::chrono::system_clock::now() + 300s;
  server.route("/down.xml",
               test::Response{.status = 503, .headers = {{"Retry-After", http_date(in_300s)}}});
  const auto before = std::chrono::system_clock::now();
  EXPECT_EQ(run_once(config_text(feed("busy", "/busy.xml") + feed("down", "/down.xml"))), 1);
  const auto due_busy = state_of("busy").next_due.value();
  const auto due_down = state_of("down").next_due.value();
  EXPECT_GE(due_busy, before + 119s);
  EXPECT_LE(due_busy, std::chrono::system_clock::now() + 121s);
  EXPECT_GE(due_down, in_300s - 2s);
  EXPECT_LE(due_down, in_300s + 2s);
}

// Two at a time, 150 ms apart, each answered after 600 ms: starts at 0 and 150 ms, then each
// start waits for the request two places earlier to end (600, 750, 1200, 1350 ms). Arrival
// times at the server carry a few ms of connection noise, hence the margins.
TEST_F(DaemonTest, PerHostConcurrencyAndSpacingHold) {
  std::string feeds;
  for (int i = 0; i < 6; ++i) {
    const std::string path = "/h" + std::to_string(i) + ".xml";
    server.route(path,
                 test::Response{.body = rss({{"h" + std::to_string(i), "H"}}), .delay = 600ms});
    feeds += feed("h" + std::to_string(i), path);
  }
  const std::string extra =
      "[fetch]\nper_host_max_concurrent = 2\nper_host_min_interval_ms = 150\n";
  ASSERT_EQ(run_once(config_text(feeds, extra)), 0);
  std::vector<test::RecordedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 6U);
  for (std::size_t i = 1; i < requests.size(); ++i) {
    EXPECT_GE(requests[i].arrived - requests[i - 1].arrived, 120ms)
        << "spacing before request " << i;
  }
  // At most two at once: a request starts only after the one two places earlier ended.
  for (std::size_t i = 2; i < requests.size(); ++i) {
    EXPECT_GE(requests[i].arrived - requests[i - 2].arrived, 570ms) << "request " << i;
  }
  // And two did run at once: the second did not wait for the first to end.
  EXPECT_LT(requests[1].arrived - requests[0].arrived, 450ms);
}

TEST_F(DaemonTest, AStalledServerTimesOutWithoutDelayingOtherFeeds) {
  server.route("/stall.xml", test::Response{.stall = true});
  server.route("/fast.xml", test::Response{.body = rss({{"f1", "Fast"}})});
  const auto start = Clock::now();
  const std::string extra =
      "[fetch]\ntimeout_ms = 1500\nper_host_max_concurrent = 4\nper_host_min_interval_ms = 0\n";
  EXPECT_EQ(run_once(config_text(feed("stall", "/stall.xml") + feed("fast", "/fast.xml"), extra)),
            1);
  const std::vector<Received> fast = topics_starting("story.new.fast");
  ASSERT_EQ(fast.size(), 1U);
  EXPECT_LT(fast[0].at - start, 1000ms) << "the fast feed waited for the stalled one";
  EXPECT_GE(Clock::now() - start, 1400ms);
  EXPECT_NE(state_of("stall").last_error.find("timeout"), std::string::npos)
      << state_of("stall").last_error;
}

TEST_F(DaemonTest, OversizeBodiesAndGzipBombsAreCutOff) {
  server.route("/big.xml", test::Response{.body = std::string(3 * 1024 * 1024, 'x')});
  server.route("/bomb.xml", test::Response{.body = std::string(64 * 1024 * 1024, '\0'),
                                           .content_encoding = "gzip"});
  server.route("/ok.xml", test::Response{.body = rss({{"g1", "One"}})});
  const std::string extra = "[fetch]\nmax_body_bytes = 1048576\nper_host_max_concurrent = 4\n"
                            "per_host_min_interval_ms = 0\n";
  EXPECT_EQ(
      run_once(config_text(
          feed("big", "/big.xml") + feed("bomb", "/bomb.xml") + feed("ok", "/ok.xml"), extra)),
      1);
  EXPECT_NE(state_of("big").last_error.find("too large"), std::string::npos)
      << state_of("big").last_error;
  EXPECT_NE(state_of("bomb").last_error.find("too large"), std::string::npos)
      << state_of("bomb").last_error;
  EXPECT_EQ(topics_starting("story.new.ok").size(), 1U);
  const std::vector<Received> failed = topics_starting("feed.status.");
  EXPECT_EQ(failed.size(), 2U);
}

TEST_F(DaemonTest, StdoutGetsEveryMessageAsAJsonLine) {
  server.route("/a.xml", test::Response{.body = rss({{"g1", "One"}, {"g2", "Two"}})});
  ::testing::internal::CaptureStdout();
  const int status = run_once(config_text(feed("alpha", "/a.xml")), true);
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(status, 0);
  std::vector<nlohmann::json> lines;
  std::size_t at = 0;
  for (std::size_t nl = out.find('\n'); nl != std::string::npos; nl = out.find('\n', at)) {
    lines.push_back(nlohmann::json::parse(out.substr(at, nl - at)));
    at = nl + 1;
  }
  EXPECT_EQ(at, out.size()) << "every line ends in a newline";
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0]["topic"], "story.new.alpha");
  EXPECT_EQ(lines[0]["message"]["title"], "One");
  EXPECT_EQ(lines[1]["message"]["seq"], lines[0]["message"]["seq"].get<std::int64_t>() + 1);
  EXPECT_EQ(received.size(), 2U) << "and the same messages on ZeroMQ";
}

TEST_F(DaemonTest, ABrokenDocumentFailsOnlyItsFeed) {
  server.route("/junk.xml", test::Response{.body = "this is not a feed"});
  server.route("/ok.xml", test::Response{.body = rss({{"g1", "One"}})});
  EXPECT_EQ(run_once(config_text(feed("junk", "/junk.xml") + feed("ok", "/ok.xml"))), 1);
  EXPECT_NE(state_of("junk").last_error.find("not a feed"), std::string::npos);
  EXPECT_EQ(state_of("junk").error_count, 1);
  EXPECT_EQ(topics_starting("story.new.ok").size(), 1U);
}

// The real feedwired binary in a child process, as a service manager runs it; killed at scope
// exit unless stop() reaped it.
test::ChildProcess start_feedwired(const std::filesystem::path& config) {
  return test::ChildProcess({FW_FEEDWIRED, "--config", config.string(), "--log-level", "error"});
}

// Waits up to 10 s for `condition`.
template <class Condition> bool eventually(Condition condition) {
  const auto deadline = Clock::now() + 10s;
  while (!condition() && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

// A one-second schedule: a new feed's first poll comes within min(interval, 60 s).
const std::string k_fast_schedule = "[schedule]\ndefault_interval = 1\nmin_interval = 1\n"
                                    "adaptive = false\n";

// SIGTERM while a poll hangs ends the process with status 0 once service.drain_timeout has
// passed (500 ms here), cancelling that poll, and the state written so far survives.
TEST_F(DaemonTest, SigtermStopsTheDaemonCleanlyWhileAPollHangs) {
  server.route("/stall.xml", test::Response{.stall = true});
  server.route("/ok.xml", test::Response{.body = rss({{"g1", "One"}})});
  const std::filesystem::path config = state_dir().parent_path() / "daemon.toml";
  std::ofstream(config) << config_text(feed("stall", "/stall.xml") + feed("ok", "/ok.xml"),
                                       k_fast_schedule +
                                           "[fetch]\ntimeout_ms = 60000\nper_host_max_concurrent = "
                                           "4\nper_host_min_interval_ms = 0\n"
                                           "[service]\ndrain_timeout_ms = 500\n");
  test::ChildProcess daemon = start_feedwired(config);
  ASSERT_TRUE(eventually([&] {
    return server.hits("/stall.xml") > 0 && server.hits("/ok.xml") > 0;
  })) << "the daemon never polled";
  std::this_thread::sleep_for(200ms); // let the ok feed's poll finish and be recorded
  const auto sent = Clock::now();
  const std::optional<int> status = daemon.stop(SIGTERM, 5s);
  ASSERT_TRUE(status) << "feedwired did not stop within 5 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_LT(Clock::now() - sent, 2s);
  EXPECT_EQ(state_of("ok").last_status, 200);
  EXPECT_EQ(state_of("ok").stories_seen, 1);
}

// A long-running daemon polls the same feed many times: stories marked seen on the first poll
// ("mark_seen") stay counted in the feed's state through the polls that follow.
TEST_F(DaemonTest, StoriesMarkedSeenStayCountedAcrossPolls) {
  server.route("/a.xml", test::Response{.body = rss({{"g1", "One"}})});
  const std::filesystem::path config = state_dir().parent_path() / "daemon.toml";
  std::ofstream(config) << config_text(feed("alpha", "/a.xml"),
                                       "on_first_poll = \"mark_seen\"\n" + k_fast_schedule);
  test::ChildProcess daemon = start_feedwired(config);
  ASSERT_TRUE(eventually([&] { return server.hits("/a.xml") >= 1; }));
  server.route("/a.xml", test::Response{.body = rss({{"g2", "Two"}, {"g1", "One"}})});
  const std::size_t changed_at = server.hits("/a.xml");
  // Two more polls: one that sees g2, and one after it, whose commit starts from the state in
  // memory.
  ASSERT_TRUE(eventually([&] { return server.hits("/a.xml") >= changed_at + 2; }))
      << "the feed was not polled again on its one-second schedule";
  std::this_thread::sleep_for(200ms);
  const std::optional<int> status = daemon.stop(SIGTERM, 5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_EQ(state_of("alpha").stories_seen, 2);
}

// `feedwire state` reads what the daemon stored: the table of feeds, and for one feed the inputs
// of its schedule.
TEST_F(DaemonTest, StateCommandExplainsTheNextPoll) {
  server.route("/busy.xml", test::Response{.status = 429, .headers = {{"Retry-After", "120"}}});
  server.route("/ok.xml", test::Response{.body = rss({{"g1", "One"}})});
  const std::string text = config_text(feed("busy", "/busy.xml") + feed("ok", "/ok.xml"));
  EXPECT_EQ(run_once(text), 1);
  const std::filesystem::path config = state_dir().parent_path() / "feedwire.toml";
  std::ofstream(config) << text;
  auto run = [](const std::string& command) {
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    char buf[4096];
    for (std::size_t n = 0; pipe != nullptr && (n = fread(buf, 1, sizeof buf, pipe)) > 0;) {
      out.append(buf, n);
    }
    const int status = pipe != nullptr ? pclose(pipe) : -1;
    return std::pair{status, out};
  };
  const std::string cli = std::string(FW_FEEDWIRE) + " state --config " + config.string();
  const auto [table_status, table] = run(cli);
  EXPECT_EQ(table_status, 0);
  EXPECT_NE(table.find("busy"), std::string::npos) << table;
  EXPECT_NE(table.find("429"), std::string::npos) << table;
  EXPECT_NE(table.find("200"), std::string::npos) << table;
  const auto [explain_status, explain] = run(cli + " --explain busy");
  EXPECT_EQ(explain_status, 0);
  EXPECT_NE(explain.find("retry-after"), std::string::npos) << explain;
  EXPECT_NE(explain.find("120"), std::string::npos) << explain;
  const auto [unknown_status, unknown] = run(cli + " --explain nope 2>&1");
  EXPECT_NE(unknown_status, 0);
  EXPECT_NE(unknown.find("nope"), std::string::npos) << unknown;
}

// ---- dedupe: one story, once ------------------------------------------------------------------

struct Item {
  std::string guid;
  std::string title;
  std::string link;
  std::string text; // paragraphs separated by '\n'
  std::string date = "Fri, 27 Nov 2026 10:00:00 GMT";
};

std::string rss_items(const std::vector<Item>& items) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Test feed</title>"
                    "<link>https://example.org/</link>";
  for (const Item& it : items) {
    std::string html;
    for (std::size_t at = 0; at < it.text.size();) {
      const std::size_t nl = std::min(it.text.find('\n', at), it.text.size());
      html += "&lt;p&gt;" + it.text.substr(at, nl - at) + "&lt;/p&gt;";
      at = nl + 1;
    }
    out += "<item><guid isPermaLink=\"false\">" + it.guid + "</guid><title>" + it.title +
           "</title><link>" + it.link + "</link><description>" + html + "</description><pubDate>" +
           it.date + "</pubDate></item>";
  }
  return out + "</channel></rss>";
}

// A news-like text of `paragraphs` paragraphs, different for every seed.
std::string wire_text(unsigned seed, int paragraphs = 5) {
  static const std::vector<std::string> words = {
      "council", "budget",  "river",   "bridge",  "minister", "report",  "vote",     "energy",
      "prices",  "workers", "union",   "strike",  "talks",    "court",   "ruling",   "appeal",
      "harbour", "storm",   "flood",   "school",  "teachers", "plan",    "housing",  "rents",
      "railway", "station", "airport", "flights", "museum",   "exhibit", "festival", "season",
      "farmers", "crops",   "drought", "market",  "shares",   "bank",    "rates",    "growth"};
  std::mt19937 rng(seed);
  std::string out;
  for (int p = 0; p < paragraphs; ++p) {
    if (p > 0) {
      out += '\n';
    }
    for (int w = 0; w < 30; ++w) {
      out += (w > 0 ? " " : "") + words[rng() % words.size()];
    }
    out += '.';
  }
  return out;
}

TEST_F(DaemonTest, ASyndicatedCopyInAnotherFeedIsPublishedAsADuplicate) {
  const std::string story = wire_text(1);
  server.route(
      "/wire.xml",
      test::Response{
          .body = rss_items(
              {{"w1", "Harbour council agrees budget", "https://wire.example/harbour", story},
               {"w2", "Festival season opens", "https://wire.example/festival", wire_text(2)}})});
  // The outlet's copy: its own headline suffix, an intro line, a share footer and a tracked
  // link of its own; and a story of its own.
  server.route(
      "/outlet.xml",
      test::Response{.body = rss_items({{"o1", "Harbour council agrees budget | Daily Outlet",
                                         "https://outlet.example/news/harbour?utm_source=rss",
                                         "This story originally appeared on Wire.\n" + story +
                                             "\nShare this: Facebook | Twitter | Email",
                                         "Fri, 27 Nov 2026 11:30:00 GMT"},
                                        {"o2", "Rail strike talks resume",
                                         "https://outlet.example/news/rail", wire_text(3)}})});
  ASSERT_EQ(run_once(config_text(feed("wire", "/wire.xml") + feed("outlet", "/outlet.xml"))), 0);
  const std::vector<Received> fresh = topics_starting("story.new.");
  const std::vector<Received> dups = topics_starting("story.dup.");
  ASSERT_EQ(fresh.size(), 3U);
  ASSERT_EQ(dups.size(), 1U);
  // Either feed may finish first; the pair is one new story and one duplicate of it.
  const nlohmann::json& dup = dups[0].body;
  const auto original = std::find_if(fresh.begin(), fresh.end(), [&](const Received& r) {
    return r.body["story_id"] == dup["duplicate_of"];
  });
  ASSERT_NE(original, fresh.end()) << dup.dump();
  EXPECT_NE(original->body["feed_id"], dup["feed_id"]);
  EXPECT_EQ(dup["method"], "content");
  EXPECT_GE(dup["similarity"].get<double>(), 0.65);
  EXPECT_LE(dup["similarity"].get<double>(), 1.0);
  EXPECT_EQ(dup["cluster_id"], original->body["cluster_id"]);
  EXPECT_EQ(original->body["cluster_id"], original->body["story_id"]);
  EXPECT_FALSE(dup["text"].get<std::string>().empty()) << "a duplicate carries the full story";
  for (const Received& r : fresh) {
    EXPECT_FALSE(r.body.contains("duplicate_of")) << r.body.dump();
  }
}

TEST_F(DaemonTest, TheSameCanonicalUrlInTwoFeedsIsADuplicateByUrl) {
  server.route("/a.xml", test::Response{.body = rss_items({{"a1", "Bridge reopens",
                                                            "https://News.example:443/bridge#top",
                                                            wire_text(4)}})});
  server.route("/b.xml", test::Response{.body = rss_items({{"b1", "Bridge open again",
                                                            "https://news.example/bridge?fbclid=x1",
                                                            "A short aggregator note."}})});
  ASSERT_EQ(run_once(config_text(feed("a", "/a.xml") + feed("b", "/b.xml"))), 0);
  ASSERT_EQ(topics_starting("story.new.").size(), 1U);
  const std::vector<Received> dups = topics_starting("story.dup.");
  ASSERT_EQ(dups.size(), 1U);
  EXPECT_EQ(dups[0].body["method"], "url");
  EXPECT_EQ(dups[0].body["similarity"], 1.0);
}

TEST_F(DaemonTest, AGloballyUniqueIdInTwoFeedsIsADuplicateById) {
  // No links: the urn: id is the story's identity everywhere; a plain number is not.
  auto doc = [](const std::string& title, const std::string& text) {
    return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>"
           "<item><guid isPermaLink=\"false\">urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66</guid>"
           "<title>" +
           title + "</title><description>" + text +
           "</description></item><item><guid isPermaLink=\"false\">1234</guid><title>Local " +
           title +
           "</title><description>Other words entirely.</description></item>"
           "</channel></rss>";
  };
  server.route("/a.xml", test::Response{.body = doc("Energy prices fall", wire_text(8))});
  server.route("/b.xml", test::Response{.body = doc("Prices of energy fall", wire_text(9))});
  ASSERT_EQ(run_once(config_text(feed("a", "/a.xml") + feed("b", "/b.xml"))), 0);
  EXPECT_EQ(topics_starting("story.new.").size(), 3U);
  const std::vector<Received> dups = topics_starting("story.dup.");
  ASSERT_EQ(dups.size(), 1U);
  EXPECT_EQ(dups[0].body["method"], "id");
  EXPECT_EQ(dups[0].body["id"], "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66");
}

TEST_F(DaemonTest, DecisionsLeftOutOfThePublishListAreNotPublished) {
  const std::string story = wire_text(5);
  server.route("/a.xml", test::Response{.body = rss_items({{"a1", "Flood warning",
                                                            "https://a.example/flood", story}})});
  server.route("/b.xml", test::Response{.body = rss_items({{"b1", "Flood warning issued",
                                                            "https://b.example/flood", story}})});
  ASSERT_EQ(run_once(config_text(feed("a", "/a.xml") + feed("b", "/b.xml"),
                                 "[dedupe]\npublish = [\"new\"]\n")),
            0);
  EXPECT_EQ(topics_starting("story.new.").size(), 1U);
  EXPECT_TRUE(topics_starting("story.dup.").empty());
}

TEST_F(DaemonTest, AMeaningfulEditIsAnUpdateAndWhiteSpaceIsNot) {
  Item item{"g1", "Court rules on appeal", "https://example.org/court", wire_text(6)};
  server.route("/a.xml", test::Response{.body = rss_items({item})});
  const std::string text = config_text(feed("alpha", "/a.xml"));
  ASSERT_EQ(run_once(text), 0);
  ASSERT_EQ(topics_starting("story.new.").size(), 1U);
  const std::string story_id = topics_starting("story.new.")[0].body["story_id"];

  item.title = "  Court   rules on appeal ";
  server.route("/a.xml", test::Response{.body = rss_items({item})});
  received.clear();
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(received.empty()) << "white space is not an edit";

  item.title = "Court rejects the appeal";
  server.route("/a.xml", test::Response{.body = rss_items({item})});
  received.clear();
  ASSERT_EQ(run_once(text), 0);
  const std::vector<Received> updates = topics_starting("story.update.");
  ASSERT_EQ(updates.size(), 1U);
  EXPECT_EQ(updates[0].topic, "story.update.alpha");
  EXPECT_EQ(updates[0].body["story_id"], story_id);
  EXPECT_EQ(updates[0].body["changed"], nlohmann::json::array({"title"}));
  EXPECT_EQ(updates[0].body["title"], "Court rejects the appeal");
  EXPECT_TRUE(topics_starting("story.new.").empty());

  received.clear();
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(received.empty()) << "the edit is reported once";
}

TEST_F(DaemonTest, TheDedupeWindowSurvivesARestart) {
  const std::string story = wire_text(7);
  server.route("/a.xml", test::Response{.body = rss_items({{"a1", "Drought hits farmers",
                                                            "https://a.example/drought", story}})});
  server.route("/b.xml", test::Response{.body = rss_items({})});
  const std::string text = config_text(feed("a", "/a.xml") + feed("b", "/b.xml"));
  ASSERT_EQ(run_once(text), 0);
  ASSERT_EQ(topics_starting("story.new.").size(), 1U);
  const std::string original = topics_starting("story.new.")[0].body["story_id"];

  server.route("/b.xml", test::Response{.body = rss_items({{"b1", "Farmers hit by drought",
                                                            "https://b.example/drought", story}})});
  received.clear();
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(topics_starting("story.new.").empty());
  const std::vector<Received> dups = topics_starting("story.dup.b");
  ASSERT_EQ(dups.size(), 1U);
  EXPECT_EQ(dups[0].body["duplicate_of"], original);
  EXPECT_EQ(dups[0].body["cluster_id"], original);
}

TEST_F(DaemonTest, GuidsThatChangeOnEveryPollSwitchTheFeedToLinks) {
  auto document = [](int poll) {
    std::vector<Item> items;
    for (int i = 0; i < 4; ++i) {
      items.push_back({"p" + std::to_string(poll) + "-" + std::to_string(i),
                       "Story " + std::to_string(i), "https://example.org/s" + std::to_string(i),
                       wire_text(100 + static_cast<unsigned>(i))});
    }
    return rss_items(items);
  };
  const std::string text = config_text(feed("rot", "/rot.xml"));
  server.route("/rot.xml", test::Response{.body = document(1)});
  ASSERT_EQ(run_once(text), 0);
  EXPECT_EQ(topics_starting("story.new.").size(), 4U);
  // Poll 2: new guids, same links. Not yet a pattern; the stories are the same by URL.
  server.route("/rot.xml", test::Response{.body = document(2)});
  received.clear();
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(topics_starting("story.new.").empty());
  EXPECT_EQ(topics_starting("story.dup.").size(), 4U);
  // Poll 3: again. From now on the feed's stories are its links, with a status note.
  server.route("/rot.xml", test::Response{.body = document(3)});
  received.clear();
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(topics_starting("story.").empty());
  const std::vector<Received> status = topics_starting("feed.status.rot");
  ASSERT_EQ(status.size(), 1U);
  EXPECT_EQ(status[0].body["event"], "identity");
  EXPECT_EQ(status[0].body["identity"], "link");
  EXPECT_FALSE(status[0].body["reason"].get<std::string>().empty());
  EXPECT_FALSE(state_of("rot").identity_state.empty());
  // Poll 4: new guids again, and nothing is published.
  server.route("/rot.xml", test::Response{.body = document(4)});
  received.clear();
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(received.empty());
}

// An endpoint other hosts can reach, without CURVE, is named in a warning at the start.
TEST_F(DaemonTest, WarnsOfEndpointsOpenToOtherHostsWithoutCurve) {
  server.route("/a.xml", test::Response{.body = rss({{"g1", "One"}})});
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  spdlog::default_logger()->sinks().push_back(sink);
  const int status = run_once(config_text(
      feed("a", "/a.xml"), "[publish]\nendpoints = [\"tcp://0.0.0.0:*\", \"tcp://127.0.0.1:*\"]\n"
                           "once_wait_subscribers_ms = 0\nreplay_endpoint = \"\"\n"));
  spdlog::default_logger()->sinks().pop_back();
  EXPECT_EQ(status, 0);
  std::size_t warnings = 0;
  for (const std::string& line : sink->last_formatted()) {
    if (line.find("event=open_endpoint") != std::string::npos) {
      ++warnings;
      EXPECT_NE(line.find("endpoint=tcp://0.0.0.0:"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(warnings, 1U);
}

} // namespace
} // namespace fw
