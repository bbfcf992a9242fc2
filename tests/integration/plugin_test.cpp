// Plugins in the daemon: [[plugin]] tables → plugins run between dedupe and publish → what they
// add in the published bodies and on tag.<slug>; isolation of broken plugins; startup errors; a
// plugin built out of tree against an installed feedwire.

#include "daemon_fixture.hpp"
#include "util/errors.hpp"

#include <cstdlib>
#include <set>

namespace fw {
namespace {

const std::filesystem::path k_test_plugins = FW_TEST_PLUGIN_DIR;

std::string plugin(const std::string& name, const std::string& extra = "") {
  return "[[plugin]]\nname = \"" + name + "\"\n" + extra;
}

std::string plugin_at(const std::string& name, const std::filesystem::path& so,
                      const std::string& extra = "") {
  return plugin(name, "path = \"" + so.string() + "\"\n" + extra);
}

// An RSS item with categories and a longer text, for plugins to work on.
std::string article_feed(const std::vector<std::pair<std::string, std::string>>& items,
                         const std::string& text) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>"
                    "<link>https://example.org/</link><language>en</language>";
  for (const auto& [guid, title] : items) {
    out += "<item><guid>" + guid + "</guid><title>" + title + "</title><link>https://example.org/" +
           guid + "</link><category>World</category><category>Asia</category><description>" + text +
           "</description><pubDate>Fri, 27 Nov 2026 10:00:00 GMT</pubDate></item>";
  }
  return out + "</channel></rss>";
}

constexpr std::string_view k_article =
    "North Korea fired a ballistic missile into the sea off its east coast on Tuesday, the "
    "South Korean military said, days after Kim Jong Un vowed to expand the country's nuclear "
    "arsenal.&lt;p&gt;The launch was the third this month. Officials in Seoul said the missile "
    "flew about 600 kilometres before falling into the water outside Japan's exclusive economic "
    "zone. The U.S. State Department condemned the test and urged Pyongyang to return to "
    "talks.&lt;/p&gt;&lt;p&gt;Kim Jong Un's sister, Kim Yo Jong, said in a statement carried by "
    "state media that North Korea would not be intimidated by joint military drills held by "
    "South Korea and the United States. Analysts said Pyongyang was testing new engines for "
    "longer range missiles.&lt;/p&gt;&lt;p&gt;Share this article&lt;/p&gt;&lt;p&gt;Subscribe to "
    "our newsletter&lt;/p&gt;";

class PluginDaemonTest : public DaemonTest {
protected:
  static void SetUpTestSuite() {
    DaemonTest::SetUpTestSuite();
    test::let_children_crash();
  }
};

const plugin_host::PluginStats* stats_of(const std::vector<plugin_host::PluginStats>& all,
                                         const std::string& name) {
  for (const plugin_host::PluginStats& s : all) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

TEST_F(PluginDaemonTest, WhatPluginsAddIsPublishedWithTheStoryAndOnTagTopics) {
  server.route("/a.xml",
               test::Response{.body = article_feed({{"g1", "First"}, {"g2", "Second"}}, "Body")});
  const std::string text =
      config_text(feed("alpha", "/a.xml") + plugin_at("good", k_test_plugins / "good.so"));
  ASSERT_EQ(run_once(text), 0);

  const std::vector<Received> stories = topics_starting("story.new.");
  ASSERT_EQ(stories.size(), 2U);
  const nlohmann::json& body = stories[0].body;
  // good.so tags the feed id (0.9) and each category (0.5), highest score first.
  ASSERT_TRUE(body["tags"].is_array());
  ASSERT_EQ(body["tags"].size(), 3U);
  EXPECT_EQ(body["tags"][0],
            (nlohmann::json{{"tag", "alpha"}, {"label", "alpha"}, {"score", 0.9}, {"by", "good"}}));
  EXPECT_EQ(body["tags"][1]["tag"], "world");
  EXPECT_EQ(body["tags"][1]["label"], "World");
  EXPECT_EQ(body["tags"][1]["score"], 0.5);
  EXPECT_EQ(body["tags"][2]["tag"], "asia");
  EXPECT_EQ(body["summary"], "About: First");
  EXPECT_EQ(body["attrs"], (nlohmann::json{{"good.categories", 2}}));
  // The plugin's fields come after the item's.
  const std::string dumped = body.dump();
  EXPECT_LT(dumped.find("\"comments\""), dumped.find("\"tags\""));

  // Each tag of each story on tag.<slug>, the same body with a seq of its own.
  const std::vector<Received> tagged = topics_starting("tag.");
  ASSERT_EQ(tagged.size(), 6U);
  std::set<std::int64_t> seqs;
  for (const Received& r : received) {
    EXPECT_TRUE(seqs.insert(r.body["seq"].get<std::int64_t>()).second) << r.topic;
  }
  EXPECT_EQ(*seqs.rbegin() - *seqs.begin() + 1, static_cast<std::int64_t>(seqs.size()))
      << "seqs are contiguous";
  const std::vector<Received> world = topics_starting("tag.world");
  ASSERT_EQ(world.size(), 2U);
  nlohmann::json same = world[0].body;
  same["seq"] = body["seq"];
  EXPECT_EQ(same, body);

  ASSERT_NE(stats_of(last_plugin_stats, "good"), nullptr);
  EXPECT_EQ(stats_of(last_plugin_stats, "good")->calls, 2U);
}

TEST_F(PluginDaemonTest, AFeedsTagsGoOutWithItsStoriesWithoutAnyPlugin) {
  server.route("/a.xml", test::Response{.body = article_feed({{"g1", "First"}}, "Body")});
  const std::string text = config_text(feed("alpha", "/a.xml") + "tags = [\"news\", \"asia\"]\n");
  ASSERT_EQ(run_once(text), 0);
  const std::vector<Received> stories = topics_starting("story.new.");
  ASSERT_EQ(stories.size(), 1U);
  EXPECT_EQ(stories[0].body["tags"],
            (nlohmann::json::array(
                {{{"tag", "news"}, {"label", "news"}, {"score", 1.0}, {"by", "feed"}},
                 {{"tag", "asia"}, {"label", "asia"}, {"score", 1.0}, {"by", "feed"}}})));
  EXPECT_FALSE(stories[0].body.contains("summary"));
  EXPECT_FALSE(stories[0].body.contains("attrs"));
  EXPECT_EQ(topics_starting("tag.news").size(), 1U);
  EXPECT_EQ(topics_starting("tag.asia").size(), 1U);
}

TEST_F(PluginDaemonTest, ADroppedStoryIsRecordedButNeverPublished) {
  server.route("/a.xml",
               test::Response{.body = article_feed({{"g1", "Kept"}, {"g2", "drop"}}, "Body")});
  const std::string text =
      config_text(feed("alpha", "/a.xml") + plugin_at("good", k_test_plugins / "good.so"));
  ASSERT_EQ(run_once(text), 0);
  std::vector<Received> stories = topics_starting("story.new.");
  ASSERT_EQ(stories.size(), 1U);
  EXPECT_EQ(stories[0].body["title"], "Kept");
  EXPECT_EQ(state_of("alpha").stories_seen, 2);
  EXPECT_EQ(stats_of(last_plugin_stats, "good")->drops, 1U);

  received.clear();
  ASSERT_EQ(run_once(text), 0);
  EXPECT_TRUE(topics_starting("story.").empty());
}

TEST_F(PluginDaemonTest, AFailingCallLeavesTheStoryAsItWasAndIsCounted) {
  // "fail" makes good.so add a tag and then fail: the tag must not survive.
  server.route("/a.xml",
               test::Response{.body = article_feed({{"g1", "fail"}, {"g2", "Fine"}}, "Body")});
  const std::string text =
      config_text(feed("alpha", "/a.xml") + plugin_at("good", k_test_plugins / "good.so"));
  ASSERT_EQ(run_once(text), 0);
  const std::vector<Received> stories = topics_starting("story.new.");
  ASSERT_EQ(stories.size(), 2U);
  EXPECT_FALSE(stories[0].body.contains("tags"));
  EXPECT_FALSE(stories[0].body.contains("summary"));
  EXPECT_TRUE(stories[1].body.contains("tags"));
  const plugin_host::PluginStats* s = stats_of(last_plugin_stats, "good");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->failures, 1U);
  EXPECT_EQ(s->causes.begin()->second, 1U);
}

TEST_F(PluginDaemonTest, APluginRunsOnlyOnTheFeedsOfItsScope) {
  server.route("/a.xml", test::Response{.body = article_feed({{"a1", "A"}}, "Body")});
  server.route("/b.xml", test::Response{.body = article_feed({{"b1", "B"}}, "Body")});
  const std::string text =
      config_text(feed("alpha", "/a.xml") + feed("beta", "/b.xml") +
                  plugin_at("good", k_test_plugins / "good.so", "feeds = [\"beta\"]\n"));
  ASSERT_EQ(run_once(text), 0);
  const std::vector<Received> stories = topics_starting("story.new.");
  ASSERT_EQ(stories.size(), 2U);
  for (const Received& r : stories) {
    EXPECT_EQ(r.body.contains("tags"), r.body["feed_id"] == "beta") << r.topic;
  }
}

// AddressSanitizer and ThreadSanitizer reserve terabytes of address space for their shadow
// memory, which no RLIMIT_AS leaves room for: under them the leaking plugin runs without a limit.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
const std::string k_leak_limit;
#else
const std::string k_leak_limit = "memory_limit_mb = 64\n";
#endif

// Broken plugins run with isolate = true, all in one chain: one crashes on "crash" titles, one
// hangs on "loop" titles, one aborts on every story, one leaks 8 MB a call against a 64 MiB
// limit. Every story still goes out, with what the healthy calls added and a warning from each
// plugin that failed on it; the daemon stays up; the failures are counted.
TEST_F(PluginDaemonTest, BrokenIsolatedPluginsNeverCostAStory) {
  std::vector<std::pair<std::string, std::string>> items;
  for (int i = 0; i < 12; ++i) {
    const std::string n = std::to_string(i);
    items.emplace_back("g" + n, i == 2 ? "crash " + n : i == 5 ? "loop " + n : "story " + n);
  }
  server.route("/a.xml", test::Response{.body = article_feed(items, "Body")});
  // A crash is seen at once (the socket closes), whatever the timeout; only the hang waits
  // for it.
  const std::string isolated = "isolate = true\ntimeout = \"10s\"\n";
  const std::string text = config_text(
      feed("alpha", "/a.xml") + plugin_at("segv", k_test_plugins / "segfault.so", isolated) +
      plugin_at("hang", k_test_plugins / "loop.so", "isolate = true\ntimeout = \"300ms\"\n") +
      plugin_at("abort", k_test_plugins / "abort.so", isolated) +
      plugin_at("leak", k_test_plugins / "leak.so", isolated + k_leak_limit) +
      plugin_at("good", k_test_plugins / "good.so"));
  ASSERT_EQ(run_once(text), 0);

  const std::vector<Received> stories = topics_starting("story.new.");
  ASSERT_EQ(stories.size(), items.size()) << "every story is published";
  for (std::size_t i = 0; i < stories.size(); ++i) {
    const nlohmann::json& body = stories[i].body;
    const nlohmann::json& attrs = body["attrs"];
    EXPECT_EQ(body["title"], items[i].second);
    // abort.so fails every call: always a warning, never anything else of its own.
    EXPECT_TRUE(attrs["abort.warning"].is_string()) << body.dump();
    // The plugins after a failing one still run.
    EXPECT_EQ(attrs["good.categories"], 2) << body.dump();
    if (i == 2) {
      EXPECT_NE(attrs["segv.warning"].get<std::string>().find("crashed (SIGSEGV)"),
                std::string::npos)
          << body.dump();
    } else if (i == 5) {
      EXPECT_NE(attrs["hang.warning"].get<std::string>().find("timed out after 300 ms"),
                std::string::npos)
          << body.dump();
    }
  }
  EXPECT_FALSE(stories[0].body["attrs"].contains("segv.warning"));
  EXPECT_EQ(stories[0].body["attrs"]["segv.calls"], 1);

  const plugin_host::PluginStats* segv = stats_of(last_plugin_stats, "segv");
  const plugin_host::PluginStats* hang = stats_of(last_plugin_stats, "hang");
  const plugin_host::PluginStats* abrt = stats_of(last_plugin_stats, "abort");
  const plugin_host::PluginStats* leak = stats_of(last_plugin_stats, "leak");
  ASSERT_TRUE(segv && hang && abrt && leak);
  EXPECT_TRUE(segv->isolated);
  EXPECT_EQ(segv->calls, items.size());
  EXPECT_GE(segv->causes.at("crashed (SIGSEGV)"), 1U);
  EXPECT_EQ(hang->causes.at("timed out after 300 ms"), 1U);
  EXPECT_EQ(abrt->failures, items.size());
  EXPECT_GE(abrt->causes.count("aborted (SIGABRT)"), 1U);
  if (!k_leak_limit.empty()) {
    EXPECT_GE(leak->failures, 1U) << "64 MiB is spent within 8 calls of 8 MB";
  }
}

// The message of the ConfigError that starting the daemon on `text` gives ("" when none).
std::string startup_error(const std::string& text, const std::filesystem::path& file) {
  try {
    config::Config c = config::parse_config(text, file);
    service::Daemon daemon(std::move(c),
                           service::RunOptions{service::RunMode::once, false, FW_FEEDWIRED, {}});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST_F(PluginDaemonTest, StartupErrorsNameThePluginTheFileAndTheReason) {
  const std::filesystem::path file = state_dir().parent_path() / "feedwire.toml";
  const std::string feeds = feed("alpha", "/a.xml");

  std::string e = startup_error(config_text(feeds + plugin("nosuchplugin")), file);
  EXPECT_NE(e.find("plugin nosuchplugin"), std::string::npos) << e;
  EXPECT_NE(e.find("nosuchplugin.so"), std::string::npos) << e;
  EXPECT_NE(e.find("plugin_path"), std::string::npos) << e;

  e = startup_error(config_text(feeds + plugin_at("nm", k_test_plugins / "newer_minor.so")), file);
  EXPECT_NE(e.find("plugin nm ("), std::string::npos) << e;
  EXPECT_NE(e.find("newer_minor.so"), std::string::npos) << e;
  EXPECT_NE(e.find("upgrade feedwired"), std::string::npos) << e;

  for (const char* so : {"no_entry.so", "wrong_abi.so"}) {
    e = startup_error(config_text(feeds + plugin_at("ne", k_test_plugins / so)), file);
    EXPECT_NE(e.find("no entry point fw_plugin_entry_v1"), std::string::npos) << e;
  }

  e = startup_error(config_text(feeds + plugin_at("good", k_test_plugins / "good.so",
                                                  "config = { refuse = true }\n")),
                    file);
  EXPECT_NE(e.find("plugin good ("), std::string::npos) << e;
  EXPECT_NE(e.find("FW_ERR_CONFIG"), std::string::npos) << e;

  // The same errors when the plugin is isolated: the child reports them.
  e = startup_error(config_text(feeds + plugin_at("good", k_test_plugins / "good.so",
                                                  "isolate = true\nconfig = { refuse = true }\n")),
                    file);
  EXPECT_NE(e.find("plugin good ("), std::string::npos) << e;
  EXPECT_NE(e.find("FW_ERR_CONFIG"), std::string::npos) << e;
}

// The first line `argv` prints on stdout, and its exit status.
std::pair<std::string, int> run_program(std::vector<std::string> argv) {
  test::ChildProcess child(std::move(argv), test::ChildStdout::pipe);
  std::string first = child.read_line(Clock::now() + 30s).value_or("");
  while (child.read_line(Clock::now() + 30s)) {
  }
  const std::optional<int> status = child.wait_for(30s);
  return {first, status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1};
}

TEST_F(PluginDaemonTest, CheckConfigLoadsThePluginsAndWritesNothing) {
  const std::filesystem::path dir = state_dir().parent_path();
  const std::filesystem::path good = dir / "good.toml";
  std::ofstream(good) << config_text(
      feed("alpha", "/a.xml") + plugin_at("good", k_test_plugins / "good.so") +
      plugin_at("iso", k_test_plugins / "good.so", "isolate = true\n"));
  const std::string ok = good.string() + ": OK: 1 feeds (1 enabled), 2 plugins: good, iso";
  EXPECT_EQ(run_program({FW_FEEDWIRED, "--check-config", "--config", good.string()}),
            std::make_pair(ok, 0));
  EXPECT_EQ(run_program({FW_FEEDWIRE, "check-config", good.string()}), std::make_pair(ok, 0));
  EXPECT_FALSE(std::filesystem::exists(state_dir())) << "a check writes nothing";

  // What would stop the daemon stops the check: a plugin built for a newer feedwired.
  const std::filesystem::path bad = dir / "bad.toml";
  std::ofstream(bad) << config_text(feed("alpha", "/a.xml") +
                                    plugin_at("nm", k_test_plugins / "newer_minor.so"));
  EXPECT_EQ(run_program({FW_FEEDWIRED, "--check-config", "--config", bad.string()}).second, 2);
  EXPECT_EQ(run_program({FW_FEEDWIRE, "check-config", bad.string()}).second, 2);
}

} // namespace
} // namespace fw
