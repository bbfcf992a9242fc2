#include "config/config.hpp"
#include "test_files.hpp"

#include <cstdlib>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using fw::config::Config;
using fw::config::FeedConfig;
using fw::config::load_config;
using fw::config::OnFirstPoll;
using fw::config::parse_config;
using fw::config::RetryAfterScope;
using fw::config::test::config_error;
using fw::config::test::fixture;
using fw::config::test::TempDir;
using testing::HasSubstr;
using testing::StartsWith;

const std::filesystem::path k_file = "/etc/feedwire/feedwire.toml";

std::string error_of(std::string_view toml) {
  return config_error([&] { (void)parse_config(toml, k_file); });
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

// The interval of the one feed in a config whose schedule allows any interval.
std::chrono::seconds interval_of(std::string_view value) {
  std::string toml = "[schedule]\nmin_interval = 1\nmax_interval = \"365d\"\n"
                     "[[feed]]\nid = \"a\"\nurl = \"https://example.com/\"\ninterval = " +
                     std::string(value) + "\n";
  Config cfg = parse_config(toml, k_file);
  EXPECT_EQ(cfg.feeds.size(), 1U);
  return cfg.feeds.at(0).interval.value();
}

TEST(Config, EmptyFileGivesDocumentedDefaults) {
  Config cfg = parse_config("", k_file);
  EXPECT_EQ(cfg.file, k_file);
  EXPECT_EQ(cfg.state_dir, std::filesystem::path("/etc/feedwire/var"));
  EXPECT_EQ(cfg.log_level, "info");
  EXPECT_EQ(cfg.workers, 0);
  EXPECT_EQ(cfg.on_first_poll, OnFirstPoll::publish);
  EXPECT_TRUE(cfg.opml.empty());
  EXPECT_TRUE(cfg.feeds.empty());

  EXPECT_EQ(cfg.fetch.max_concurrent, 64);
  EXPECT_EQ(cfg.fetch.per_host_max_concurrent, 2);
  EXPECT_EQ(cfg.fetch.per_host_min_interval, 1000ms);
  EXPECT_EQ(cfg.fetch.connect_timeout, 10s);
  EXPECT_EQ(cfg.fetch.timeout, 60s);
  EXPECT_EQ(cfg.fetch.low_speed_limit_bytes, 100);
  EXPECT_EQ(cfg.fetch.low_speed_time, 30s);
  EXPECT_EQ(cfg.fetch.max_body_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(cfg.fetch.max_redirects, 5);
  EXPECT_EQ(cfg.fetch.user_agent, fw::config::default_user_agent());
  EXPECT_FALSE(cfg.fetch.proxy.has_value());
  EXPECT_EQ(cfg.fetch.retry_after_scope, RetryAfterScope::feed);

  EXPECT_EQ(cfg.schedule.default_interval, 15min);
  EXPECT_EQ(cfg.schedule.min_interval, 1min);
  EXPECT_EQ(cfg.schedule.max_interval, 24h);
  EXPECT_TRUE(cfg.schedule.adaptive);
  EXPECT_DOUBLE_EQ(cfg.schedule.jitter, 0.1);
  EXPECT_EQ(cfg.schedule.max_backoff, 24h);

  EXPECT_EQ(cfg.publish.endpoints, std::vector<std::string>{"tcp://127.0.0.1:7701"});
  EXPECT_EQ(cfg.publish.once_wait_subscribers, 1000ms);
  EXPECT_EQ(cfg.publish.queue_capacity, 10000U);
  EXPECT_EQ(cfg.publish.send_high_water_mark, 100000);
}

TEST(Config, DefaultUserAgentNamesVersionAndProject) {
  EXPECT_THAT(
      fw::config::default_user_agent(),
      testing::MatchesRegex(
          R"(feedwire/[0-9]+\.[0-9]+\.[0-9]+ \(\+https://github\.com/feedwire/feedwire\))"));
}

TEST(Config, ReadsEveryKey) {
  const auto file = fixture("every_key.toml");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.file, file);
  EXPECT_EQ(cfg.state_dir, fixture("state/here"));
  EXPECT_EQ(cfg.log_level, "debug");
  EXPECT_EQ(cfg.workers, 3);
  EXPECT_EQ(cfg.on_first_poll, OnFirstPoll::mark_seen);
  EXPECT_EQ(cfg.opml, std::vector<std::filesystem::path>{fixture("nested.opml")});

  EXPECT_EQ(cfg.publish.endpoints,
            (std::vector<std::string>{"tcp://127.0.0.1:7801", "ipc:///tmp/feedwire-test.pub"}));
  EXPECT_EQ(cfg.publish.once_wait_subscribers, 250ms);
  EXPECT_EQ(cfg.publish.queue_capacity, 500U);
  EXPECT_EQ(cfg.publish.send_high_water_mark, 2000);

  EXPECT_EQ(cfg.service.control_endpoint, "ipc:///tmp/feedwire-test.ctl");
  EXPECT_EQ(cfg.service.metrics_listen, "[::1]:9100");
  EXPECT_EQ(cfg.service.drain_timeout, 3000ms);
  EXPECT_EQ(cfg.security.curve_secret_key_file, fixture("keys/server.key"));
  EXPECT_EQ(cfg.security.curve_allowed_clients_file, "/etc/feedwire/clients");
  EXPECT_TRUE(cfg.security.curve());

  EXPECT_EQ(cfg.fetch.max_concurrent, 8);
  EXPECT_EQ(cfg.fetch.per_host_max_concurrent, 3);
  EXPECT_EQ(cfg.fetch.per_host_min_interval, 250ms);
  EXPECT_EQ(cfg.fetch.connect_timeout, 2s);
  EXPECT_EQ(cfg.fetch.timeout, 15s);
  EXPECT_EQ(cfg.fetch.low_speed_limit_bytes, 10);
  EXPECT_EQ(cfg.fetch.low_speed_time, 5s);
  EXPECT_EQ(cfg.fetch.max_body_bytes, 1048576);
  EXPECT_EQ(cfg.fetch.max_redirects, 2);
  EXPECT_EQ(cfg.fetch.user_agent, "test-agent/1.0");
  EXPECT_EQ(cfg.fetch.proxy, "http://127.0.0.1:3128");
  EXPECT_EQ(cfg.fetch.retry_after_scope, RetryAfterScope::host);

  EXPECT_EQ(cfg.schedule.default_interval, 30min);
  EXPECT_EQ(cfg.schedule.min_interval, 30s);
  EXPECT_EQ(cfg.schedule.max_interval, 48h);
  EXPECT_FALSE(cfg.schedule.adaptive);
  EXPECT_DOUBLE_EQ(cfg.schedule.jitter, 0.25);
  EXPECT_EQ(cfg.schedule.max_backoff, 6h);

  // Two [[feed]] tables, then the five feeds of nested.opml.
  ASSERT_EQ(cfg.feeds.size(), 7U);
  const FeedConfig& first = cfg.feeds[0];
  EXPECT_EQ(first.id, "first");
  EXPECT_EQ(first.url, "https://example.com/first.xml");
  EXPECT_EQ(first.title, "First feed");
  EXPECT_EQ(first.interval, 90min);
  EXPECT_EQ(first.tags, (std::vector<std::string>{"news", "world"}));
  // In the order written, not toml++'s sorted order.
  EXPECT_EQ(first.headers, (std::vector<std::pair<std::string, std::string>>{
                               {"X-Token", "abc"}, {"Accept-Language", "en"}}));
  EXPECT_EQ(first.user_agent, "first-agent/2");
  EXPECT_FALSE(first.enabled);
  EXPECT_EQ(first.on_first_poll, OnFirstPoll::publish);
  EXPECT_EQ(first.origin, file.string() + ":36");

  const FeedConfig& second = cfg.feeds[1];
  EXPECT_EQ(second.id, "second");
  EXPECT_EQ(second.url, "http://example.org/feed");
  EXPECT_FALSE(second.title.has_value());
  EXPECT_FALSE(second.interval.has_value());
  EXPECT_TRUE(second.tags.empty());
  EXPECT_TRUE(second.headers.empty());
  EXPECT_FALSE(second.user_agent.has_value());
  EXPECT_TRUE(second.enabled);
  EXPECT_FALSE(second.on_first_poll.has_value());
  EXPECT_EQ(second.origin, file.string() + ":47");

  EXPECT_EQ(cfg.feeds[2].id, "example-world");
  // The OPML outline titled "First" must not take the [[feed]] id "first".
  EXPECT_EQ(cfg.feeds[3].id, "first-2");
  EXPECT_EQ(cfg.feeds[3].origin, fixture("nested.opml").string() + ":11");
}

TEST(Config, ControlEndpointDefaultsToTheRuntimeDirectoryThenTheStateDir) {
  Config cfg = parse_config("state_dir = \"/var/lib/fw\"\n", k_file);
  ::unsetenv("RUNTIME_DIRECTORY");
  EXPECT_EQ(resolve_control_endpoint(cfg), "ipc:///var/lib/fw/control.sock");
  ::setenv("RUNTIME_DIRECTORY", "/run/feedwire:/run/other", 1);
  EXPECT_EQ(resolve_control_endpoint(cfg), "ipc:///run/feedwire/control.sock");
  ::unsetenv("RUNTIME_DIRECTORY");
  cfg.service.control_endpoint = "tcp://127.0.0.1:7704";
  EXPECT_EQ(resolve_control_endpoint(cfg), "tcp://127.0.0.1:7704");
  cfg.service.control_endpoint = "off";
  EXPECT_EQ(resolve_control_endpoint(cfg), "");
}

TEST(Config, DurationsAcceptSecondsAndUnitStrings) {
  EXPECT_EQ(interval_of("900"), 900s);
  EXPECT_EQ(interval_of("\"90s\""), 90s);
  EXPECT_EQ(interval_of("\"15m\""), 15min);
  EXPECT_EQ(interval_of("\"2h\""), 2h);
  EXPECT_EQ(interval_of("\"1d\""), 24h);
  EXPECT_EQ(interval_of("\"1h30m\""), 90min);
  EXPECT_EQ(interval_of("\"1d2h3m4s\""), 24h + 2h + 3min + 4s);
  EXPECT_EQ(interval_of("\"365d\""), 365 * 24h);
}

TEST(Config, MalformedDurationsAreErrorsSayingWhatIsAllowed) {
  for (std::string_view bad : {"\"15\"", "\"m\"", "\"1x\"", "\"\"", "\"1h 30m\"", "\"-5m\"",
                               "\"0s\"", "\"366d\"", "0", "-1", "1.5", "true"}) {
    std::string toml = "[schedule]\ndefault_interval = " + std::string(bad) + "\n";
    std::string message = error_of(toml);
    EXPECT_THAT(message, StartsWith(k_file.string() + ":2:20: schedule.default_interval: ")) << bad;
    EXPECT_THAT(message, testing::AnyOf(HasSubstr("\"1h30m\""), HasSubstr("365 days"),
                                        HasSubstr("at least 1 second")))
        << message;
  }
}

struct ErrorCase {
  std::string toml;
  std::string message; // the whole message, after "<file>:"
};

TEST(Config, EachKindOfErrorNamesLineColumnKeyAndWhatIsAllowed) {
  const std::vector<ErrorCase> cases = {
      {"[fech]\nmax_concurrent = 3\n",
       "1:2: fech: unknown key; did you mean \"fetch\"? (allowed at the top level: state_dir, "
       "log_level, workers, on_first_poll, opml, publish, service, security, fetch, schedule, "
       "journal, dedupe, feed, plugin_path, plugin)"},
      {"[fetch]\ntimout_ms = 5\n",
       "2:1: fetch.timout_ms: unknown key; did you mean \"timeout_ms\"? (allowed in [fetch]: "
       "max_concurrent, per_host_max_concurrent, per_host_min_interval_ms, connect_timeout_ms, "
       "timeout_ms, low_speed_limit_bytes, low_speed_time_s, max_body_bytes, max_redirects, "
       "user_agent, proxy, retry_after_scope)"},
      {"workers = \"four\"\n", "1:11: workers: expected an integer, found a string"},
      {"fetch = 3\n",
       "1:9: fetch: expected a table ([fetch] or fetch = { ... }), found an integer"},
      {"[fetch]\nmax_concurrent = 0\n",
       "2:18: fetch.max_concurrent: must be between 1 and 100000, got 0"},
      {"[fetch]\ntimeout_ms = -5\n",
       "2:14: fetch.timeout_ms: must be between 1 and 86400000, got -5"},
      {"[fetch]\nmax_body_bytes = 0\n", "2:18: fetch.max_body_bytes: must be at least 1, got 0"},
      {"[fetch]\nretry_after_scope = \"everything\"\n",
       "2:21: fetch.retry_after_scope: unknown value \"everything\"; allowed: \"feed\" or "
       "\"host\""},
      {"[fetch]\nuser_agent = \"\"\n", "2:14: fetch.user_agent: must not be empty"},
      {"log_level = \"verbose\"\n",
       "1:13: log_level: unknown level \"verbose\"; allowed: trace, debug, info, warn, error, "
       "critical, off"},
      {"on_first_poll = \"skip\"\n",
       "1:17: on_first_poll: unknown value \"skip\"; allowed: \"publish\" or \"mark_seen\""},
      {"[service]\nmetrics_listen = \"localhost:7703\"\n",
       "2:18: service.metrics_listen: \"localhost:7703\" is not ADDRESS:PORT (an IP address, no "
       "name); use e.g. "
       "\"127.0.0.1:7703\" or \"[::1]:7703\", or \"\" for no HTTP endpoint"},
      {"[service]\nmetrics_listen = \"127.0.0.1:70000\"\n",
       "2:18: service.metrics_listen: \"127.0.0.1:70000\" is not ADDRESS:PORT (an IP address, no "
       "name); use e.g. "
       "\"127.0.0.1:7703\" or \"[::1]:7703\", or \"\" for no HTTP endpoint"},
      {"[service]\ncontrol_endpoint = \"/run/ctl\"\n",
       "2:20: service.control_endpoint: \"/run/ctl\" is not a ZeroMQ endpoint; use e.g. "
       "\"tcp://127.0.0.1:7701\" or \"ipc:///run/feedwire/pub\""},
      {"[security]\ncurve_secret_key_file = \"server.key\"\n",
       "1:1: security.curve_allowed_clients_file: must be set too: CURVE needs the server's key "
       "file and the allowed clients' public keys (see `feedwire keygen`)"},
      {"[publish]\nendpoints = []\n",
       "2:13: publish.endpoints: must name at least one endpoint to bind, e.g. "
       "[\"tcp://127.0.0.1:7701\"]"},
      {"[publish]\nendpoints = [\"tcp://127.0.0.1:1\", 5]\n",
       "2:35: publish.endpoints[1]: expected a string, found an integer"},
      {"[schedule]\nmin_interval = \"2h\"\nmax_interval = \"1h\"\n",
       "2:16: schedule.min_interval: min_interval (2h) must not exceed max_interval (1h)"},
      {"[schedule]\ndefault_interval = \"30s\"\n",
       "2:20: schedule.default_interval: 30s must lie between min_interval (1m) and max_interval "
       "(1d)"},
      {"[schedule]\njitter = 0.6\n",
       "2:10: schedule.jitter: must be between 0 and 0.5 (a fraction of the interval), got 0.6"},
      {"[publish]\nreplay_endpoint = \"7702\"\n",
       "2:19: publish.replay_endpoint: \"7702\" is not a ZeroMQ endpoint; use e.g. "
       "\"tcp://127.0.0.1:7701\" or \"ipc:///run/feedwire/pub\""},
      {"[journal]\nmax_bytes = 1000\n",
       "2:13: journal.max_bytes: must be at least 1048576, got 1000"},
      {"[dedupe]\nwindow = \"3 days\"\n",
       "2:10: dedupe.window: \"3 days\" is not a duration of at most 365 days; use whole seconds "
       "(900) or a string like \"90s\", \"15m\", \"2h\", \"1d\", \"1h30m\""},
      {"[dedupe]\npublish = [\"new\", \"dupes\"]\n",
       "2:19: dedupe.publish[1]: unknown decision \"dupes\"; allowed: new, dup, update"},
      {"[dedupe]\ntracking_params = [\"utm_*\", \"a*b\"]\n",
       "2:29: dedupe.tracking_params[1]: \"a*b\" is not a query parameter name; use a name "
       "(\"fbclid\") or a prefix ending in '*' (\"utm_*\")"},
      {"[dedupe]\njaccard_threshold = 1.5\n",
       "2:21: dedupe.jaccard_threshold: must be between 0 and 1 (a similarity), got 1.5"},
      {"[schedule]\nadaptive = \"yes\"\n",
       "2:12: schedule.adaptive: expected a boolean, found a string"},
      {"[[feed]]\nid = \"BBC World\"\nurl = \"https://example.com/\"\n",
       "2:6: feed[0].id: \"BBC World\" is not a valid id; use only a-z, 0-9, '.', '_' and '-' "
       "(e.g. \"bbc-world\")"},
      {"[[feed]]\nid = \"a\"\nurl = \"ftp://example.com/feed\"\n",
       "3:7: feed[0].url: \"ftp://example.com/feed\" must be an http:// or https:// URL (an "
       "absolute http:// or https:// URL)"},
      {"[[feed]]\nid = \"a\"\nurl = \"/feed.xml\"\n",
       "3:7: feed[0].url: \"/feed.xml\" is not a valid absolute URL (an absolute http:// or "
       "https:// URL)"},
      {"[[feed]]\nid = \"a\"\n",
       "1:1: feed[0]: missing required key \"url\" (the feed's http(s) URL)"},
      {"[[feed]]\nurl = \"https://example.com/\"\n",
       "1:1: feed[0]: missing required key \"id\" (a slug of a-z, 0-9, '.', '_', '-')"},
      {"[[feed]]\nid = \"a\"\nurl = \"https://example.com/\"\ninterval = \"30s\"\n",
       "4:12: feed[0].interval: 30s must lie between schedule.min_interval (1m) and "
       "schedule.max_interval (1d)"},
      {"[[feed]]\nid = \"a\"\nurl = \"https://example.com/\"\ntags = [\"World News\"]\n",
       "4:9: feed[0].tags[0]: \"World News\" is not a valid tag (tags become ZeroMQ topics); use "
       "only a-z, 0-9, '.', '_' and '-'"},
      {"[[feed]]\nid = \"a\"\nurl = \"https://example.com/\"\nheaders = { \"Bad Name\" = \"x\" }\n",
       "4:13: feed[0].headers.Bad Name: \"Bad Name\" is not a valid header name (letters, digits "
       "and !#$%&'*+-.^_`|~)"},
      {"[[feed]]\nid = \"a\"\nurl = \"https://example.com/\"\nheaders = { A = 1 }\n",
       "4:17: feed[0].headers.A: expected a string, found an integer"},
      {"[[feed]]\nid = \"a\"\nurl = \"https://example.com/\"\nenabled = 1\n",
       "4:11: feed[0].enabled: expected a boolean, found an integer"},
      {"[[feed]]\nid = \"a\"\nurl = \"https://example.com/\"\nintreval = 60\n",
       "4:1: feed[0].intreval: unknown key; did you mean \"interval\"? (allowed in [[feed]]: id, "
       "url, title, interval, tags, headers, user_agent, enabled, on_first_poll)"},
      {"[feed]\nid = \"a\"\n",
       "1:1: feed: expected an array of tables ([[feed]] sections), found a table"},
      {"opml = \"feeds.opml\"\n", "1:8: opml: expected an array of strings, found a string"},
      {"opml = [\"missing.opml\"]\n",
       "1:9: opml[0]: cannot read OPML file \"/etc/feedwire/missing.opml\": No such file or "
       "directory"},
      {"workers = 3\nlog_level = \n",
       "2:13: malformed TOML: Error while parsing key-value pair: expected value, saw '\\n'"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(error_of(c.toml), k_file.string() + ":" + c.message) << c.toml;
  }
}

TEST(Config, PerHostLimitAboveTotalLimitIsAccepted) {
  Config cfg = parse_config("[fetch]\nmax_concurrent = 2\nper_host_max_concurrent = 8\n", k_file);
  EXPECT_EQ(cfg.fetch.per_host_max_concurrent, 8);
}

TEST(Config, ReportsEveryProblemInOnePassInFileOrder) {
  std::string message = error_of("workers = -1\n"
                                 "log_level = \"loud\"\n"
                                 "[fetch]\n"
                                 "max_redirects = 500\n"
                                 "[[feed]]\n"
                                 "id = \"Upper\"\n"
                                 "url = \"https://example.com/\"\n"
                                 "color = \"red\"\n");
  auto lines = lines_of(message);
  ASSERT_EQ(lines.size(), 5U) << message;
  const std::string f = k_file.string();
  EXPECT_THAT(lines[0], StartsWith(f + ":1:11: workers: must be between 0 and 1024, got -1"));
  EXPECT_THAT(lines[1], StartsWith(f + ":2:13: log_level: unknown level \"loud\""));
  EXPECT_THAT(lines[2], StartsWith(f + ":4:17: fetch.max_redirects: must be between 0 and 100"));
  EXPECT_THAT(lines[3], StartsWith(f + ":6:6: feed[0].id: \"Upper\" is not a valid id"));
  EXPECT_THAT(lines[4], StartsWith(f + ":8:1: feed[0].color: unknown key"));
}

// Found by tests/fuzz/config_fuzz.cpp: toml++ quotes the character it stopped at, which may be a
// line break, and quoted keys and string values may hold any control character.
TEST(Config, EachProblemStaysOnItsLineWhateverTheFileHolds) {
  const std::string f = k_file.string();
  EXPECT_EQ(error_of("t0=i\n\n"),
            f + ":1:5: malformed TOML: Error while parsing floating-point: expected 'inf', saw "
                "'i\\n'");
  auto lines = lines_of(error_of("log_level = \"a\\nb\"\n\"x\\ty\\u001b\" = 1\n"));
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_THAT(lines[0], StartsWith(f + ":1:13: log_level: unknown level \"a\\nb\"; allowed: "));
  EXPECT_THAT(lines[1], StartsWith(f + ":2:1: x\\ty\\x1b: unknown key"));
}

TEST(Config, DuplicateIdNamesBothPlaces) {
  std::string message = error_of("[[feed]]\n"
                                 "id = \"news\"\n"
                                 "url = \"https://a.example/\"\n"
                                 "[[feed]]\n"
                                 "id = \"other\"\n"
                                 "url = \"https://b.example/\"\n"
                                 "[[feed]]\n"
                                 "id = \"news\"\n"
                                 "url = \"https://c.example/\"\n");
  const std::string f = k_file.string();
  EXPECT_EQ(message, f + ":8:6: feed[2].id: duplicate id \"news\", already used by feed[0].id at " +
                         f + ":2:6; feed ids must be unique");
}

TEST(Config, MissingConfigFileNamesThePath) {
  TempDir dir;
  auto missing = dir.path() / "nope.toml";
  EXPECT_EQ(config_error([&] { (void)load_config(missing); }),
            missing.string() + ": cannot read config file: No such file or directory");
}

TEST(Config, RelativeStateDirAndOpmlAreAnchoredAtTheConfigFolder) {
  TempDir dir;
  dir.write("lists/a.opml", R"(<opml version="2.0"><body>
<outline text="A" xmlUrl="https://a.example/feed"/></body></opml>)");
  auto file = dir.write("conf/feedwire.toml", "state_dir = \"../state\"\n"
                                              "opml = [\"../lists/a.opml\"]\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.file, file);
  EXPECT_EQ(cfg.state_dir, dir.path() / "state");
  EXPECT_EQ(cfg.opml, std::vector<std::filesystem::path>{dir.path() / "lists" / "a.opml"});
  ASSERT_EQ(cfg.feeds.size(), 1U);
  EXPECT_EQ(cfg.feeds[0].id, "a");
  EXPECT_EQ(cfg.feeds[0].origin, (dir.path() / "lists" / "a.opml").string() + ":2");
}

TEST(Config, AbsoluteStateDirIsKeptAsGiven) {
  Config cfg = parse_config("state_dir = \"/var/lib/feedwire\"\n", k_file);
  EXPECT_EQ(cfg.state_dir, std::filesystem::path("/var/lib/feedwire"));
}

TEST(Config, ProblemsInOpmlFilesAreReportedWithTheTomlOnes) {
  TempDir dir;
  auto opml =
      dir.write("bad.opml", "<opml><body>\n<outline xmlUrl=\"gopher://x/\"/></body></opml>");
  auto file = dir.write("feedwire.toml", "opml = [\"bad.opml\"]\nworkers = -3\n");
  auto lines = lines_of(config_error([&] { (void)load_config(file); }));
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_THAT(lines[0], StartsWith(file.string() + ":2:11: workers:"));
  EXPECT_THAT(lines[1], StartsWith(opml.string() + ":2:2: outline \"\": xmlUrl \"gopher://x/\""));
}

TEST(Config, DedupeAndJournalTablesAreRead) {
  const Config cfg = fw::config::parse_config(
      "[publish]\nreplay_endpoint = \"\"\nheartbeat_interval_ms = 0\n"
      "[journal]\nretention = \"2d\"\nmax_bytes = 2097152\n"
      "[dedupe]\nwindow = \"24h\"\nretention = \"30d\"\ntracking_params = [\"utm_*\", \"ref\"]\n"
      "publish = [\"new\", \"update\"]\njaccard_threshold = 0.7\ncontainment_threshold = 1\n",
      k_file);
  EXPECT_EQ(cfg.publish.replay_endpoint, "");
  EXPECT_EQ(cfg.publish.heartbeat_interval, std::chrono::milliseconds{0});
  EXPECT_EQ(cfg.journal.retention, std::chrono::hours{48});
  EXPECT_EQ(cfg.journal.max_bytes, 2097152);
  EXPECT_EQ(cfg.dedupe.window, std::chrono::hours{24});
  EXPECT_EQ(cfg.dedupe.retention, std::chrono::hours{24 * 30});
  EXPECT_EQ(cfg.dedupe.tracking_params, (std::vector<std::string>{"utm_*", "ref"}));
  EXPECT_TRUE(cfg.dedupe.publish_new);
  EXPECT_FALSE(cfg.dedupe.publish_dup);
  EXPECT_TRUE(cfg.dedupe.publish_update);
  EXPECT_EQ(cfg.dedupe.jaccard_threshold, 0.7);
  EXPECT_EQ(cfg.dedupe.containment_threshold, 1.0);
}

// The shipped config documents every key with its default; it must say what the code does.
TEST(Config, PluginTablesAreReadInOrderWithTheirConfigAsJson) {
  const Config cfg = parse_config(
      "plugin_path = [\"plugins\", \"/opt/fw\"]\n"
      "[[feed]]\nid = \"a\"\nurl = \"https://example.com/a\"\n"
      "[[feed]]\nid = \"b\"\nurl = \"https://example.com/b\"\n"
      "[[plugin]]\nname = \"tagger\"\nconfig = { max_tags = 5, rules = \"rules.toml\", "
      "nested = { on = true, list = [1, 2] } }\n"
      "[[plugin]]\nname = \"risky\"\npath = \"/opt/fw/risky.so\"\nisolate = true\n"
      "timeout = \"250ms\"\nmemory_limit_mb = 256\nfeeds = [\"b\"]\n"
      "[[plugin]]\nname = \"slow_one\"\ntimeout = \"1m\"\n",
      k_file);
  EXPECT_EQ(cfg.plugin_path,
            (std::vector<std::filesystem::path>{"/etc/feedwire/plugins", "/opt/fw"}));
  ASSERT_EQ(cfg.plugins.size(), 3U);
  const fw::config::PluginConfig& tagger = cfg.plugins[0];
  EXPECT_EQ(tagger.name, "tagger");
  EXPECT_TRUE(tagger.path.empty());
  EXPECT_FALSE(tagger.isolate);
  EXPECT_EQ(tagger.timeout, std::chrono::milliseconds{5000});
  EXPECT_FALSE(tagger.feeds.has_value());
  EXPECT_EQ(tagger.origin, "/etc/feedwire/feedwire.toml:8");
  const nlohmann::json json = nlohmann::json::parse(tagger.config_json);
  EXPECT_EQ(json, (nlohmann::json{{"max_tags", 5},
                                  {"rules", "rules.toml"},
                                  {"nested", {{"on", true}, {"list", {1, 2}}}}}));
  const fw::config::PluginConfig& risky = cfg.plugins[1];
  EXPECT_EQ(risky.path, "/opt/fw/risky.so");
  EXPECT_EQ(risky.config_json, "{}");
  EXPECT_TRUE(risky.isolate);
  EXPECT_EQ(risky.timeout, std::chrono::milliseconds{250});
  EXPECT_EQ(risky.memory_limit_bytes, 256LL * 1024 * 1024);
  EXPECT_EQ(risky.feeds, (std::vector<std::string>{"b"}));
  EXPECT_EQ(cfg.plugins[2].timeout, std::chrono::minutes{1});
}

TEST(Config, PluginErrorsNameTheKeyAndWhatIsAllowed) {
  const std::string message =
      error_of("[[feed]]\nid = \"a\"\nurl = \"https://example.com/a\"\n"
               // Each [[plugin]] table below starts on the line its comment gives.
               "[[plugin]]\npath = \"/x.so\"\n"                            // 4: no name
               "[[plugin]]\nname = \"Bad Name\"\n"                         // 6
               "[[plugin]]\nname = \"ok\"\npath = \"relative.so\"\n"       // 8
               "[[plugin]]\nname = \"ok\"\n"                               // 11: duplicate
               "[[plugin]]\nname = \"t\"\ntimeout = \"5ms\"\n"             // 13
               "[[plugin]]\nname = \"u\"\nfeeds = [\"a\", \"nope\"]\n"     // 16
               "[[plugin]]\nname = \"v\"\nconfig = 3\nisolated = true\n"); // 19
  const std::vector<std::string> lines = lines_of(message);
  ASSERT_EQ(lines.size(), 8U) << message;
  EXPECT_THAT(lines[0], HasSubstr(":4:1: plugin[0]: missing required key \"name\""));
  EXPECT_THAT(lines[1], HasSubstr(":7:8: plugin[1].name: \"Bad Name\" is not a valid plugin name"));
  EXPECT_THAT(lines[2],
              HasSubstr(":10:8: plugin[2].path: \"relative.so\" is not an absolute path"));
  EXPECT_THAT(lines[3], HasSubstr(":12:8: plugin[3].name: duplicate plugin name \"ok\""));
  EXPECT_THAT(lines[4], HasSubstr(":15:11: plugin[4].timeout: expected a duration from 10 ms"));
  EXPECT_THAT(lines[5], HasSubstr(":18:15: plugin[5].feeds[1]: no feed has the id \"nope\""));
  EXPECT_THAT(lines[6], HasSubstr(":21:10: plugin[6].config: expected a table"));
  EXPECT_THAT(lines[7],
              HasSubstr(":22:1: plugin[6].isolated: unknown key; did you mean \"isolate\""));
}

TEST(DefaultConfigFile, ParsesToTheStructDefaults) {
  const auto file = std::filesystem::path(FW_SOURCE_DIR) / "config" / "feedwire.toml";
  Config cfg = load_config(file);
  const Config defaults;
  EXPECT_EQ(cfg.state_dir, file.parent_path() / "var");
  EXPECT_EQ(cfg.log_level, defaults.log_level);
  EXPECT_EQ(cfg.workers, defaults.workers);
  EXPECT_EQ(cfg.on_first_poll, defaults.on_first_poll);
  EXPECT_TRUE(cfg.opml.empty());

  const fw::config::FetchConfig fetch;
  EXPECT_EQ(cfg.fetch.max_concurrent, fetch.max_concurrent);
  EXPECT_EQ(cfg.fetch.per_host_max_concurrent, fetch.per_host_max_concurrent);
  EXPECT_EQ(cfg.fetch.per_host_min_interval, fetch.per_host_min_interval);
  EXPECT_EQ(cfg.fetch.connect_timeout, fetch.connect_timeout);
  EXPECT_EQ(cfg.fetch.timeout, fetch.timeout);
  EXPECT_EQ(cfg.fetch.low_speed_limit_bytes, fetch.low_speed_limit_bytes);
  EXPECT_EQ(cfg.fetch.low_speed_time, fetch.low_speed_time);
  EXPECT_EQ(cfg.fetch.max_body_bytes, fetch.max_body_bytes);
  EXPECT_EQ(cfg.fetch.max_redirects, fetch.max_redirects);
  EXPECT_EQ(cfg.fetch.user_agent, fetch.user_agent);
  EXPECT_EQ(cfg.fetch.proxy, fetch.proxy);
  EXPECT_EQ(cfg.fetch.retry_after_scope, fetch.retry_after_scope);

  const fw::config::ScheduleConfig schedule;
  EXPECT_EQ(cfg.schedule.default_interval, schedule.default_interval);
  EXPECT_EQ(cfg.schedule.min_interval, schedule.min_interval);
  EXPECT_EQ(cfg.schedule.max_interval, schedule.max_interval);
  EXPECT_EQ(cfg.schedule.adaptive, schedule.adaptive);
  EXPECT_DOUBLE_EQ(cfg.schedule.jitter, schedule.jitter);
  EXPECT_EQ(cfg.schedule.max_backoff, schedule.max_backoff);

  const fw::config::PublishConfig publish;
  EXPECT_EQ(cfg.publish.endpoints, publish.endpoints);
  EXPECT_EQ(cfg.publish.once_wait_subscribers, publish.once_wait_subscribers);
  EXPECT_EQ(cfg.publish.queue_capacity, publish.queue_capacity);
  EXPECT_EQ(cfg.publish.send_high_water_mark, publish.send_high_water_mark);
  EXPECT_EQ(cfg.publish.replay_endpoint, publish.replay_endpoint);
  EXPECT_EQ(cfg.publish.heartbeat_interval, publish.heartbeat_interval);

  const fw::config::JournalConfig journal;
  EXPECT_EQ(cfg.journal.retention, journal.retention);
  EXPECT_EQ(cfg.journal.max_bytes, journal.max_bytes);

  const fw::config::DedupeConfig dedupe;
  EXPECT_EQ(cfg.dedupe.window, dedupe.window);
  EXPECT_EQ(cfg.dedupe.retention, dedupe.retention);
  EXPECT_EQ(cfg.dedupe.tracking_params, dedupe.tracking_params);
  EXPECT_EQ(cfg.dedupe.publish_new, dedupe.publish_new);
  EXPECT_EQ(cfg.dedupe.publish_dup, dedupe.publish_dup);
  EXPECT_EQ(cfg.dedupe.publish_update, dedupe.publish_update);
  EXPECT_EQ(cfg.dedupe.jaccard_threshold, dedupe.jaccard_threshold);
  EXPECT_EQ(cfg.dedupe.containment_threshold, dedupe.containment_threshold);

  EXPECT_TRUE(cfg.plugin_path.empty());
  ASSERT_EQ(cfg.plugins.size(), 2U);
  EXPECT_EQ(cfg.plugins[0].name, "tagger");
  EXPECT_EQ(cfg.plugins[1].name, "summarizer");
  const fw::config::PluginConfig plugin;
  for (const fw::config::PluginConfig& p : cfg.plugins) {
    EXPECT_EQ(p.config_json, plugin.config_json);
    EXPECT_EQ(p.isolate, plugin.isolate);
    EXPECT_EQ(p.timeout, plugin.timeout);
    EXPECT_EQ(p.memory_limit_bytes, plugin.memory_limit_bytes);
    EXPECT_EQ(p.feeds, plugin.feeds);
  }

  ASSERT_GE(cfg.feeds.size(), 5U);
  ASSERT_LE(cfg.feeds.size(), 6U);
  for (const FeedConfig& feed : cfg.feeds) {
    EXPECT_THAT(feed.url, StartsWith("https://")) << feed.id;
    EXPECT_FALSE(feed.tags.empty()) << feed.id;
    EXPECT_TRUE(feed.title.has_value()) << feed.id;
    EXPECT_TRUE(feed.enabled) << feed.id;
  }
}

TEST(DefaultConfigFile, ShowsEveryKey) {
  const auto file = std::filesystem::path(FW_SOURCE_DIR) / "config" / "feedwire.toml";
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::set<std::string> shown;
  for (const std::string& line : lines_of(text.str())) {
    std::string_view l = line;
    if (l.starts_with("# ")) {
      l.remove_prefix(2);
    }
    if (auto eq = l.find(" = "); eq != std::string_view::npos) {
      shown.insert(std::string(l.substr(0, eq)));
    }
  }
  for (const char* key : {"state_dir",
                          "log_level",
                          "workers",
                          "on_first_poll",
                          "opml",
                          "endpoints",
                          "once_wait_subscribers_ms",
                          "queue_capacity",
                          "send_high_water_mark",
                          "replay_endpoint",
                          "heartbeat_interval_ms",
                          "retention",
                          "max_bytes",
                          "window",
                          "tracking_params",
                          "publish",
                          "jaccard_threshold",
                          "containment_threshold",
                          "max_concurrent",
                          "per_host_max_concurrent",
                          "per_host_min_interval_ms",
                          "connect_timeout_ms",
                          "timeout_ms",
                          "low_speed_limit_bytes",
                          "low_speed_time_s",
                          "max_body_bytes",
                          "max_redirects",
                          "user_agent",
                          "proxy",
                          "retry_after_scope",
                          "default_interval",
                          "min_interval",
                          "max_interval",
                          "adaptive",
                          "jitter",
                          "max_backoff",
                          "id",
                          "url",
                          "title",
                          "interval",
                          "tags",
                          "headers",
                          "enabled",
                          "plugin_path",
                          "name",
                          "path",
                          "config",
                          "isolate",
                          "timeout",
                          "memory_limit_mb",
                          "feeds"}) {
    EXPECT_EQ(shown.count(key), 1U) << key << " is not shown in " << file;
  }
  // The commented-out user_agent line shows the real default.
  EXPECT_THAT(text.str(), HasSubstr("# user_agent = \"" + fw::config::default_user_agent() + "\""));
}

} // namespace

namespace {

TEST(DefaultConfigFile, IsTheEnvironmentVariableElseEtc) {
  const char* saved = std::getenv("FEEDWIRE_CONFIG");
  const std::string restore = saved != nullptr ? saved : "";
  ::setenv("FEEDWIRE_CONFIG", "/srv/feeds.toml", 1);
  EXPECT_EQ(fw::config::default_config_file(), "/srv/feeds.toml");
  ::setenv("FEEDWIRE_CONFIG", "", 1);
  EXPECT_EQ(fw::config::default_config_file(), "/etc/feedwire/feedwire.toml");
  ::unsetenv("FEEDWIRE_CONFIG");
  EXPECT_EQ(fw::config::default_config_file(), "/etc/feedwire/feedwire.toml");
  if (saved != nullptr) {
    ::setenv("FEEDWIRE_CONFIG", restore.c_str(), 1);
  }
}

} // namespace
