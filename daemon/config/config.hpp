#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fw::config {

// What a feed's first successful poll does with the items it finds: publish them as new
// stories, or only remember them as seen so that subscribers hear about later items only.
enum class OnFirstPoll { publish, mark_seen };

// Whom a Retry-After header (429/503) holds back: the one feed, or every feed on its host.
enum class RetryAfterScope { feed, host };

// "feedwire/<version> (+https://github.com/feedwire/feedwire)": the User-Agent sent when neither
// the feed nor [fetch] sets one. Never throws (beyond std::bad_alloc).
[[nodiscard]] std::string default_user_agent();

// One [[feed]] table, or one OPML outline with an xmlUrl.
struct FeedConfig {
  std::string id;  // slug [a-z0-9._-]+, unique across all feeds (TOML and OPML)
  std::string url; // absolute http or https URL
  std::optional<std::string> title;
  std::optional<std::chrono::seconds> interval; // overrides schedule.default_interval
  std::vector<std::string> tags;                // slugs, no duplicates, in the order given
  std::vector<std::pair<std::string, std::string>> headers; // extra request headers, in order
  std::optional<std::string> user_agent;                    // overrides fetch.user_agent
  bool enabled = true;
  std::optional<OnFirstPoll> on_first_poll; // overrides Config::on_first_poll
  std::string origin;                       // where it was defined, "path:line" (for messages)

  bool operator==(const FeedConfig&) const = default;
};

struct FetchConfig {
  int max_concurrent = 64;                               // transfers in flight, all hosts together
  int per_host_max_concurrent = 2;                       // transfers in flight to one host
  std::chrono::milliseconds per_host_min_interval{1000}; // between two requests to one host
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{60000}; // whole transfer
  std::int64_t low_speed_limit_bytes = 100; // abort below this many bytes per second ...
  std::chrono::seconds low_speed_time{30};  // ... sustained for this long
  std::int64_t max_body_bytes = 16 * 1024 * 1024;
  int max_redirects = 5;
  std::string user_agent = default_user_agent();
  // Unset: libcurl's usual environment variables (http_proxy, https_proxy, no_proxy).
  // An empty string turns proxies off even when those variables are set.
  std::optional<std::string> proxy;
  RetryAfterScope retry_after_scope = RetryAfterScope::feed;

  bool operator==(const FetchConfig&) const = default;
};

struct ScheduleConfig {
  std::chrono::seconds default_interval{900};
  std::chrono::seconds min_interval{60};
  std::chrono::seconds max_interval{86400};
  bool adaptive = true; // move each feed's interval towards how often it really changes
  double jitter = 0.1;  // random spread of each due time, as a fraction 0..0.5 of the interval
  std::chrono::seconds max_backoff{86400}; // longest wait after repeated failures

  bool operator==(const ScheduleConfig&) const = default;
};

struct PublishConfig {
  std::vector<std::string> endpoints{"tcp://127.0.0.1:7701"}; // ZeroMQ PUB bind addresses
  std::chrono::milliseconds once_wait_subscribers{1000};
  std::size_t queue_capacity = 10000; // messages waiting for the publisher thread
  int send_high_water_mark = 100000;  // ZMQ_SNDHWM per subscriber
  // ZeroMQ ROUTER where subscribers ask for journalled messages they missed; "" = none.
  std::string replay_endpoint = "tcp://127.0.0.1:7702";
  std::chrono::milliseconds heartbeat_interval{2000}; // sys.heartbeat period; 0 = none

  bool operator==(const PublishConfig&) const = default;
};

// How feedwired runs as a service: its control socket, its HTTP endpoints, its shutdown.
struct ServiceConfig {
  // ZeroMQ REP endpoint `feedwire ctl` talks to. "" (the default): "ipc://control.sock" in
  // $RUNTIME_DIRECTORY when systemd sets it, else in state_dir (resolve_control_endpoint());
  // "off": no control socket.
  std::string control_endpoint;
  // "HOST:PORT" of the HTTP server for /metrics, /healthz and /readyz; "" = none.
  std::string metrics_listen = "127.0.0.1:7703";
  // After SIGTERM, how long fetches in flight may take to finish before they are cancelled.
  std::chrono::milliseconds drain_timeout{8000};

  bool operator==(const ServiceConfig&) const = default;
};

// CURVE encryption and authentication of the PUB, replay and control sockets.
struct SecurityConfig {
  // The server's key pair as `feedwire keygen` writes it (absolute; anchored at the config's
  // folder); empty: no CURVE, plain ZeroMQ.
  std::filesystem::path curve_secret_key_file;
  // The client public keys allowed to connect, one Z85 key per line (absolute); required with
  // curve_secret_key_file.
  std::filesystem::path curve_allowed_clients_file;
  [[nodiscard]] bool curve() const noexcept { return !curve_secret_key_file.empty(); }

  bool operator==(const SecurityConfig&) const = default;
};

// The journal of published messages, kept for replay; trimmed by age and by size.
struct JournalConfig {
  std::chrono::seconds retention{7 * 86400};
  std::int64_t max_bytes = 256LL * 1024 * 1024; // topics and bodies together

  bool operator==(const JournalConfig&) const = default;
};

// Which dedupe decisions are published, and how stories are matched across feeds.
struct DedupeConfig {
  std::chrono::seconds window{72 * 3600};     // near-duplicates are looked for this far apart
  std::chrono::seconds retention{90 * 86400}; // a seen story is forgotten this long after it
                                              // was last in its feed
  // Query parameters dropped from links before comparing them ("utm_*" is a prefix). Unset:
  // the built-in list (fw::dedupe::default_tracking_params()).
  std::optional<std::vector<std::string>> tracking_params;
  bool publish_new = true;    // story.new.<feed>
  bool publish_dup = true;    // story.dup.<feed>
  bool publish_update = true; // story.update.<feed>
  // Similarity thresholds in [0, 1]; unset: the measured defaults of the dedupe engine.
  std::optional<double> jaccard_threshold;
  std::optional<double> containment_threshold;

  bool operator==(const DedupeConfig&) const = default;
};

// One [[plugin]] table: a plugin run on every story (of its feeds) after dedupe, before
// publish, in the order of the tables.
struct PluginConfig {
  std::string name;               // [a-z0-9_-]+, unique; names its tags' "by" and attributes
  std::filesystem::path path;     // absolute; unset in the file: empty, found by name on
                                  // Config::plugin_path when the daemon starts
  std::string config_json = "{}"; // the table's `config`, as a JSON object
  bool isolate = false;           // run it in a child process (feedwired --plugin-host)
  std::chrono::milliseconds timeout{5000};       // one call, isolated plugins only
  std::int64_t memory_limit_bytes = 0;           // isolated plugins' address space; 0 = no limit
  std::optional<std::vector<std::string>> feeds; // feed ids it runs on; unset: every feed
  std::string origin;                            // "path:line" of its table (for messages)

  bool operator==(const PluginConfig&) const = default;
};

struct Config {
  std::filesystem::path file;      // absolute path of the config file
  std::filesystem::path state_dir; // absolute; a relative value is anchored at file's folder
  std::string log_level = "info";  // trace debug info warn error critical off
  int workers = 0;                 // parse/normalize threads; 0 = number of cores
  OnFirstPoll on_first_poll = OnFirstPoll::publish;
  FetchConfig fetch;
  ScheduleConfig schedule;
  PublishConfig publish;
  ServiceConfig service;
  SecurityConfig security;
  JournalConfig journal;
  DedupeConfig dedupe;
  std::vector<std::filesystem::path> opml; // absolute, anchored at file's folder
  std::vector<FeedConfig> feeds;           // [[feed]] tables first, then the OPML feeds
  // Folders searched in order for "<name>.so" of a [[plugin]] without `path` (absolute,
  // anchored at file's folder), before the installed and the build's plugin folders.
  std::vector<std::filesystem::path> plugin_path;
  std::vector<PluginConfig> plugins; // in the order of the [[plugin]] tables
};

// Reads and validates the TOML config `file` and the OPML files it names. Throws
// fw::ConfigError when the file cannot be read (the message names the path) or holds any
// problem; the message then has one line per problem, all found in one pass, each starting with
// "path:line:column: key:" (dotted key such as `feed[3].interval`, indices from 0) and saying
// what is allowed. Call at startup, from any one thread; touches no global state.
[[nodiscard]] Config load_config(const std::filesystem::path& file);

// The control socket's endpoint for `config`: service.control_endpoint, or its default (see
// ServiceConfig); "" when it is "off". Reads $RUNTIME_DIRECTORY.
[[nodiscard]] std::string resolve_control_endpoint(const Config& config);

// The config file used when none is named on the command line: $FEEDWIRE_CONFIG when set and
// not empty, else /etc/feedwire/feedwire.toml.
[[nodiscard]] std::string default_config_file();

// load_config on a document already in memory. `file` names the messages and anchors relative
// paths (state_dir, opml); it need not exist. OPML files are read from disk.
[[nodiscard]] Config parse_config(std::string_view toml_text, const std::filesystem::path& file);

} // namespace fw::config
