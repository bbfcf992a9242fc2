#include "service/daemon.hpp"

#include "dedupe/canonical_url.hpp"
#include "dedupe/deduper.hpp"
#include "dedupe/guid_health.hpp"
#include "dedupe/identity.hpp"
#include "dedupe/text_signature.hpp"
#include "dedupe/update.hpp"
#include "fetch/fetcher.hpp"
#include "metrics/http_server.hpp"
#include "normalize/html_urls.hpp"
#include "normalize/json_output.hpp"
#include "normalize/normalize.hpp"
#include "parse/date.hpp"
#include "parse/feed_parser.hpp"
#include "plugin_host/chain.hpp"
#include "publish/curve.hpp"
#include "publish/publisher.hpp"
#include "publish/replay_server.hpp"
#include "publish/sub_format.hpp"
#include "scheduler/scheduler.hpp"
#include "service/control.hpp"
#include "service/daemon_metrics.hpp"
#include "service/notify.hpp"
#include "store/store.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <cstdio>
#include <deque>
#include <exception>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <thread>
#include <unistd.h>

namespace fw::service {
namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = std::chrono::sys_time<milliseconds>;

namespace {

TimePoint now_ms() {
  return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

// The host name a URL's requests go to, lowercased: the unit of politeness.
std::string host_of(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  return parsed ? util::to_lower(parsed->encoded_host()) : std::string();
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) {
      out += separator;
    }
    out += p;
  }
  return out;
}

// What dedupe needs of one story, computed on the worker pool.
struct StoryFeatures {
  // What makes two stories of different feeds the same story outright: the canonical URL of its
  // link, else, for a story without a link, its id when that is unique by construction.
  std::optional<std::string> exact_key;
  bool key_is_id = false;
  dedupe::TextSignature signature;
  dedupe::ContentFingerprint fingerprint;
  std::optional<std::int64_t> time_s; // published, else updated (seconds since the epoch)
};

// What the worker pool makes of a 200 response.
struct Processed {
  bool is_feed = false;
  std::string error; // why not, when !is_feed
  // When !is_feed: the feeds an HTML page announces (autodiscovery).
  std::vector<normalize::FeedLink> feed_links;
  // A feed found through the page `discovered_from` announcing it at `discovered_url`.
  std::string discovered_from;
  std::string discovered_url;
  model::FeedDocument doc;
  std::vector<std::string> story_ids;  // per item of doc.items, IdentityMode::id
  std::vector<std::string> link_ids;   // the same in IdentityMode::link (feeds with bad guids)
  std::vector<StoryFeatures> features; // per item of doc.items
  std::vector<TimePoint> item_times;
};

// The key under which a story's id matches the same id in other feeds, for ids that are unique
// by construction: URLs (canonicalised), tag: and urn: URIs. Others ("1234") are only unique
// within their feed.
std::optional<std::string> global_id_key(std::string_view id, const dedupe::UrlOptions& urls) {
  if (auto url = dedupe::canonical_url(id, urls)) {
    return "id:" + *url;
  }
  const std::string lower = util::to_lower(id.substr(0, 4));
  if (lower == "tag:" || lower == "urn:") {
    return "id:" + std::string(id);
  }
  return std::nullopt;
}

Processed process_body(const std::string& feed_id, const std::string& body,
                       const parse::ParseOptions& options, const dedupe::UrlOptions& urls) {
  Processed out;
  Result<parse::ParsedFeed> parsed = parse::parse_feed(body, options);
  if (!parsed) {
    out.error = parsed.error().message;
    out.feed_links = normalize::discover_feed_links(body, options.base_url);
    if (out.feed_links.empty() && out.error.starts_with("not a feed: an HTML page")) {
      out.error = "not a feed: an HTML page announcing no feed (no <link rel=\"alternate\"> of a "
                  "feed type)";
    }
    return out;
  }
  out.is_feed = true;
  out.doc = normalize::normalize_feed(std::move(parsed).value());
  out.story_ids.reserve(out.doc.items.size());
  out.link_ids.reserve(out.doc.items.size());
  out.features.reserve(out.doc.items.size());
  for (const model::Story& s : out.doc.items) {
    out.story_ids.push_back(dedupe::story_id(feed_id, s, dedupe::IdentityMode::id));
    out.link_ids.push_back(dedupe::story_id(feed_id, s, dedupe::IdentityMode::link));
    StoryFeatures f;
    if (s.link) {
      f.exact_key = dedupe::canonical_url(*s.link, urls);
    }
    if (!f.exact_key && s.id) {
      f.exact_key = global_id_key(*s.id, urls);
      f.key_is_id = f.exact_key.has_value();
    }
    f.signature = dedupe::text_signature(s.title.value_or(""), s.text.value_or(""));
    f.fingerprint = dedupe::content_fingerprint(s, urls);
    if (const auto& t = s.published ? s.published : s.updated) {
      out.item_times.push_back(std::chrono::time_point_cast<milliseconds>(*t));
      f.time_s = t->time_since_epoch().count();
    }
    out.features.push_back(std::move(f));
  }
  return out;
}

// The pool side of a poll. Parameters by value: they live in the coroutine frame. `urls` is the
// daemon's, which outlives every poll.
asio::awaitable<Processed> process_job(std::string feed_id, std::string body,
                                       std::string content_type, std::string base_url,
                                       const dedupe::UrlOptions* urls) {
  parse::ParseOptions options;
  options.base_url = std::move(base_url);
  options.content_type = std::move(content_type);
  co_return process_body(feed_id, body, options, *urls);
}

// A content fingerprint as stored in the seen set: 32 bits of each hash, so that a change of
// title and a change of text can still be told apart.
std::int64_t pack_fingerprint(const dedupe::ContentFingerprint& f) {
  const std::uint64_t packed = (f.title << 32) | (f.text & 0xffff'ffffULL);
  return static_cast<std::int64_t>(packed);
}

dedupe::ContentFingerprint unpack_fingerprint(std::int64_t stored) {
  const auto packed = static_cast<std::uint64_t>(stored);
  return dedupe::ContentFingerprint{packed >> 32, packed & 0xffff'ffffULL};
}

dedupe::DedupeOptions dedupe_options(const config::DedupeConfig& c) {
  dedupe::DedupeOptions o;
  o.window = c.window;
  o.jaccard_threshold = c.jaccard_threshold.value_or(o.jaccard_threshold);
  o.containment_threshold = c.containment_threshold.value_or(o.containment_threshold);
  return o;
}

dedupe::UrlOptions url_options(const config::DedupeConfig& c) {
  dedupe::UrlOptions o;
  if (c.tracking_params) {
    o.tracking_params = *c.tracking_params;
  }
  return o;
}

// A `feed.status.<id>` event decided on the io thread, published with the poll's commit.
struct StatusEvent {
  std::string event; // failed, recovered, moved, gone
  nlohmann::json fields;
};

// Everything the store strand does at the end of one poll, in order: choose the new stories, then
// record state, seen keys and the journalled messages in one transaction, and only then hand the
// messages to the publisher.
// A story a poll publishes: on which topic, with what envelope, and what plugins made of it.
struct Outgoing {
  std::size_t index = 0; // into PollCommit::stories
  std::string_view kind; // "story.new.", "story.dup." or "story.update."
  normalize::MessageEnvelope env;
  model::Additions additions;
  bool dropped = false; // by a plugin: recorded as seen, not published
};

struct PollCommit {
  store::FeedState state;
  std::optional<std::string> feed_title;
  std::optional<std::string> feed_language;
  std::vector<std::string> feed_tags; // [[feed]] tags: every story of the feed carries them
  bool publishes_stories = true;      // false on a first poll with on_first_poll = "mark_seen"
  std::vector<model::Story> stories;
  std::vector<std::string> story_ids;
  std::vector<std::string> link_ids;
  std::vector<StoryFeatures> features;
  bool has_document = false; // a 200 that parsed: story_ids is the feed's current content
  std::shared_ptr<plugin_host::Chain> chain; // the plugins of the poll's feed, when it has any
  std::vector<StatusEvent> events;
  TimePoint fetched_at;

  // Set by decide(), on the store strand: the ids the stories are known by (story_ids or
  // link_ids), what goes out, and the poll's writes so far.
  bool decided = false;
  std::vector<std::string> keys;
  std::vector<Outgoing> outgoing;
  std::size_t recorded = 0;
  store::Store::PollWrite write;
};

// What one commit did: stories new to the seen set, and how many of them went out.
struct CommitCounts {
  std::size_t recorded = 0;
  std::size_t published = 0; // story.new and story.dup; 0 with on_first_poll = "mark_seen"
  std::size_t duplicates = 0;
  std::size_t updates = 0;
  std::size_t dropped = 0;    // by plugins
  std::string identity_state; // the feed's GuidHealth after the poll
};

constexpr std::string_view k_story_new = "story.new.";
constexpr std::string_view k_story_dup = "story.dup.";
constexpr std::string_view k_story_update = "story.update.";

// A feed being polled: io thread only. Polls hold it by shared_ptr, so a reload may drop it while
// one is in flight (`removed`), and that poll then ends without a commit.
struct FeedRuntime {
  config::FeedConfig config;
  store::FeedState state;
  bool removed = false; // by a reload: the poll in flight ends without touching the store
  bool paused = false;  // by `feedwire ctl pause`: out of the schedule until resumed
  bool in_flight = false;
  std::uint64_t generation = 0; // bumped when a reload changes the URL: a poll in flight is stale
};

// Whether two feed or plugin tables say the same thing: where they were written does not count.
template <typename Table> bool same_table(const Table& a, const Table& b) {
  Table copy = a;
  copy.origin = b.origin;
  return copy == b;
}

template <typename Table>
bool same_tables(const std::vector<Table>& a, const std::vector<Table>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_table<Table>);
}

// The state a configured feed starts from: the stored one, unless the operator changed its URL,
// since whatever was learnt about the old URL no longer holds.
store::FeedState initial_state(const config::FeedConfig& fc,
                               std::optional<store::FeedState> stored) {
  if (stored && stored->configured_url == fc.url) {
    return std::move(*stored);
  }
  if (stored) {
    spdlog::info("feed={} url={} previous_url={} state reset: the configured URL changed", fc.id,
                 fc.url, stored->url);
  }
  store::FeedState st;
  st.feed_id = fc.id;
  st.url = fc.url;
  st.configured_url = fc.url;
  return st;
}

nlohmann::json control_ok(nlohmann::json result) {
  return {{"ok", true}, {"result", std::move(result)}};
}

nlohmann::json control_error(std::string error) {
  return {{"ok", false}, {"error", std::move(error)}};
}

// How often STATUS= is refreshed, and the window of the stories/min figure.
constexpr std::chrono::seconds k_status_period{10};
constexpr std::chrono::seconds k_rate_window{60};
// While the state store refuses writes (a full disk), how often a write is tried again.
constexpr std::chrono::seconds k_store_retry{2};
// ... once the state directory's file system has this much room again.
constexpr std::uint64_t k_store_min_free_bytes = 1024 * 1024;
// How long a control request waits for the io thread.
constexpr std::chrono::seconds k_control_timeout{10};

// Journal rows and seen entries are deleted this many at a time, each batch its own transaction
// and its own turn on the store strand, so that a large purge never holds polls back for long.
constexpr std::size_t k_purge_batch = 1000;
// Journal rows re-sent at start are read this many at a time.
constexpr std::size_t k_resend_batch = 1000;
// How often the journal is trimmed and expired seen entries are purged (also once at start).
constexpr std::chrono::hours k_maintenance_interval{1};

constexpr std::string_view k_heartbeat_topic = "sys.heartbeat";

enum class PollResult { ok, failed, cancelled };

struct PollReport {
  PollResult result = PollResult::ok;
  std::string detail;
};

// The [security] keys, read before any socket is bound: a missing or unsafe key file stops the
// start (fw::ConfigError naming the file).
std::optional<publish::CurveServer> curve_server(const config::Config& c) {
  if (!c.security.curve()) {
    return std::nullopt;
  }
  return publish::load_curve_server(c.security.curve_secret_key_file,
                                    c.security.curve_allowed_clients_file);
}

} // namespace

struct Daemon::Impl {
  Impl(config::Config c, RunOptions o)
      : cfg(std::move(c)), options(std::move(o)),
        plugins(std::make_shared<plugin_host::Chain>(load_plugins(cfg, options, metrics))),
        pool(worker_count(cfg)), store_strand(pool.get_executor()),
        store(store::Store::open(cfg.state_dir / "feedwire.db")), curve(curve_server(cfg)),
        publisher(publisher_options(cfg, curve)), fetcher(io, fetch_limits(cfg)),
        sched(schedule_policy(cfg), now_ms, std::random_device{}()), wake_timer(io), idle_timer(io),
        heartbeat_timer(io), maintenance_timer(io), signals(io, SIGINT, SIGTERM), hangup(io),
        watchdog_timer(io), status_timer(io), drain_timer(io), store_retry_timer(io),
        urls(url_options(cfg.dedupe)), deduper(dedupe_options(cfg.dedupe)) {
    // The counter and the journal are written in the same transactions; the maximum covers a
    // journal written by hand or restored from elsewhere.
    seq = std::max(store.load_counter(store::k_seq_counter), store.journal_last_seq().value_or(0));
    first_seq_of_run = seq;
    last_journalled_seq = seq;
    stored_sent_seq = store.load_counter(store::k_sent_counter);
    // A --once run is a batch job: it serves no replays (the next daemon does), which also keeps
    // two --once runs from competing for the replay port.
    if (options.mode == RunMode::forever && !cfg.publish.replay_endpoint.empty()) {
      publish::ReplayOptions ro;
      ro.endpoint = cfg.publish.replay_endpoint;
      ro.db_file = store.path();
      ro.curve = curve;
      replay.emplace(std::move(ro));
    }
    register_gauges();
    if (options.mode == RunMode::forever && !cfg.service.metrics_listen.empty()) {
      http.emplace(cfg.service.metrics_listen, metrics.registry, [this] { return readiness(); });
    }
    if (options.mode == RunMode::forever) {
      if (const std::string endpoint = config::resolve_control_endpoint(cfg); !endpoint.empty()) {
        control.emplace(
            endpoint,
            [this](const std::string& command, const std::vector<std::string>& args) {
              return handle_control(command, args);
            },
            curve);
      }
    }
  }

  // Loads the [[plugin]]s before anything touches the network: a plugin that cannot be found,
  // loaded or configured stops the start (fw::ConfigError).
  static plugin_host::Chain load_plugins(const config::Config& c, const RunOptions& run,
                                         DaemonMetrics& metrics) {
    plugin_host::ChainOptions o = plugin_host::chain_options(c, run.plugin_host_program, true);
    o.on_call = [&metrics](const std::string& plugin, std::chrono::nanoseconds took,
                           std::string_view outcome) {
      metrics.plugin_calls.with({plugin}).inc();
      metrics.plugin_seconds.with({plugin}).observe(std::chrono::duration<double>(took).count());
      if (outcome == "dropped") {
        metrics.plugin_drops.with({plugin}).inc();
      } else if (outcome != "ok") {
        metrics.plugin_errors.with({plugin, outcome}).inc();
      }
    };
    return plugin_host::Chain::load(c.plugins, o);
  }

  // A control request still waiting for the io thread (run() never came) gives up at once.
  ~Impl() { control_closing = true; }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  static std::size_t worker_count(const config::Config& c) {
    if (c.workers > 0) {
      return static_cast<std::size_t>(c.workers);
    }
    return std::max(1U, std::thread::hardware_concurrency());
  }

  // Plain TCP reachable from other hosts: anyone there may subscribe or replay the journal.
  void warn_about_open_endpoints() const {
    if (curve) {
      return;
    }
    std::vector<std::string> endpoints = publisher.endpoints();
    if (replay) {
      endpoints.push_back(replay->endpoint());
    }
    if (control) {
      endpoints.push_back(control->endpoint());
    }
    for (const std::string& e : endpoints) {
      if (!publish::is_loopback_endpoint(e)) {
        spdlog::warn("event=open_endpoint endpoint={}: reachable from other hosts without CURVE; "
                     "set the [security] keys (docs/security.md)",
                     e);
      }
    }
  }

  static publish::Options publisher_options(const config::Config& c,
                                            const std::optional<publish::CurveServer>& curve) {
    publish::Options o;
    o.curve = curve;
    o.endpoints = c.publish.endpoints;
    o.queue_capacity = c.publish.queue_capacity;
    o.send_high_water_mark = c.publish.send_high_water_mark;
    return o;
  }

  static fetch::Limits fetch_limits(const config::Config& c) {
    fetch::Limits l;
    l.connect_timeout = c.fetch.connect_timeout;
    l.timeout = c.fetch.timeout;
    l.low_speed_limit_bytes = c.fetch.low_speed_limit_bytes;
    l.low_speed_time = c.fetch.low_speed_time;
    l.max_body_bytes = c.fetch.max_body_bytes;
    l.max_redirects = c.fetch.max_redirects;
    l.proxy = c.fetch.proxy;
    l.user_agent = c.fetch.user_agent;
    return l;
  }

  static scheduler::Policy schedule_policy(const config::Config& c) {
    scheduler::Policy p;
    p.default_interval = c.schedule.default_interval;
    p.min_interval = c.schedule.min_interval;
    p.max_interval = c.schedule.max_interval;
    p.adaptive = c.schedule.adaptive;
    p.jitter = c.schedule.jitter;
    p.max_backoff = c.schedule.max_backoff;
    p.max_concurrent = c.fetch.max_concurrent;
    p.per_host_max_concurrent = c.fetch.per_host_max_concurrent;
    p.per_host_min_interval = c.fetch.per_host_min_interval;
    p.retry_after_per_host = c.fetch.retry_after_scope == config::RetryAfterScope::host;
    return p;
  }

  // ---- startup -------------------------------------------------------------------------------

  void load_feeds() {
    const TimePoint now = now_ms();
    // One read of every stored state: a transaction per feed costs file locking each time.
    std::map<std::string, store::FeedState, std::less<>> stored_states;
    for (store::FeedState& st : store.load_feeds()) {
      std::string id = st.feed_id;
      stored_states.emplace(std::move(id), std::move(st));
    }
    for (const config::FeedConfig& fc : cfg.feeds) {
      if (!fc.enabled) {
        continue;
      }
      const auto stored = stored_states.find(fc.id);
      add_feed(fc,
               initial_state(fc, stored != stored_states.end()
                                     ? std::optional<store::FeedState>(std::move(stored->second))
                                     : std::nullopt),
               options.mode == RunMode::once ? std::optional<TimePoint>(now) : std::nullopt);
    }
    once_pending = feeds.size();
  }

  // Schedules a configured feed: at `due`, else when its state says. A feed its server said is
  // gone (410) stays out until its URL changes.
  void add_feed(const config::FeedConfig& fc, store::FeedState st, std::optional<TimePoint> due) {
    if (st.disabled) {
      spdlog::warn("feed={} url={} disabled: {}; change its url in {} to poll it again", fc.id,
                   st.url, st.disabled_reason, fc.origin);
      return;
    }
    auto runtime = std::make_shared<FeedRuntime>(FeedRuntime{fc, std::move(st)});
    sched.add(spec_of(*runtime), due ? due : runtime->state.next_due, runtime->state.error_count);
    feeds.emplace(fc.id, std::move(runtime));
  }

  static scheduler::FeedSpec spec_of(const FeedRuntime& f) {
    return scheduler::FeedSpec{f.config.id, host_of(f.state.url), f.config.interval};
  }

  // Sends again what was journalled but not handed to ZeroMQ before the last run ended (a crash,
  // or a kill between commit and send): at-least-once. A message whose send was not recorded
  // goes out twice with the same seq, which subscribers drop. Main thread, before the io thread
  // and the pool start.
  void resend_unsent() {
    std::int64_t after = stored_sent_seq;
    std::size_t resent = 0;
    for (;;) {
      const std::vector<store::JournalEntry> rows = store.read_journal(after, k_resend_batch);
      if (rows.empty()) {
        break;
      }
      if (resent == 0) {
        wait_for_subscribers_once();
      }
      for (const store::JournalEntry& row : rows) {
        send(row.topic, row.body, row.seq);
      }
      resent += rows.size();
      after = rows.back().seq;
    }
    if (resent > 0) {
      spdlog::info("event=resent messages={} first_seq={} last_seq={}: journalled, not sent before "
                   "the restart",
                   resent, stored_sent_seq + 1, after);
    }
  }

  // Rebuilds the near-duplicate window from the stories of the last window recorded before the
  // restart, oldest first. Store strand, before the first decision: a run in which no feed
  // brings a new story (all 304s) never pays for it.
  void restore_window() {
    if (window_restored) {
      return;
    }
    window_restored = true;
    // Oldest first, as load_window returns them.
    const std::vector<store::WindowEntry> rows = store.load_window();
    deduper.reserve(rows.size());
    std::size_t restored = 0;
    std::size_t stale = 0;
    for (const store::WindowEntry& row : rows) {
      const std::optional<dedupe::TextSignature> sig = dedupe::deserialize_signature(row.signature);
      if (!sig) {
        ++stale; // stored by a build with another signature layout
        continue;
      }
      dedupe::Candidate cand;
      cand.story_id = static_cast<std::uint64_t>(row.story_key);
      cand.feed_id = row.feed_id;
      cand.time_s = row.at.time_since_epoch().count();
      cand.signature = &*sig;
      deduper.restore(cand, static_cast<std::uint64_t>(row.cluster.value_or(row.story_key)));
      ++restored;
    }
    if (!rows.empty()) {
      spdlog::info("event=window_restored stories={} in_memory={}{}", restored, deduper.size(),
                   stale > 0 ? fmt::format(" skipped_old_layout={}", stale) : std::string());
    }
  }

  // ---- the io thread -------------------------------------------------------------------------

  // `sys.heartbeat` every heartbeat_interval, carrying the last seq sent before it. Not journalled
  // and without a seq of its own. try_publish: the io thread never blocks, and a heartbeat that
  // finds the queue full is skipped (the next one carries a later last_seq anyway).
  //
  // last_seq is filled in by the publisher thread as it sends the heartbeat (Message::make_body):
  // read here, it could miss messages queued between the read and the heartbeat, which would
  // then precede a heartbeat announcing less than they carry, and a subscriber that sees that
  // twice takes the daemon for one that started over. Everything journalled by earlier runs was
  // queued before the first heartbeat (resend_unsent), hence the floor.
  asio::awaitable<void> heartbeat_loop() {
    while (!background_done) {
      heartbeat_timer.expires_after(cfg.publish.heartbeat_interval);
      co_await heartbeat_timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (background_done) {
        break;
      }
      publish::Message heartbeat{std::string(k_heartbeat_topic), {}};
      heartbeat.make_body = [floor = first_seq_of_run,
                             at = parse::format_rfc3339(std::chrono::time_point_cast<seconds>(
                                 now_ms()))](std::int64_t handed_seq) {
        return nlohmann::json{{"schema", normalize::k_message_schema},
                              {"last_seq", std::max(floor, handed_seq)},
                              {"at", at}}
            .dump();
      };
      publisher.try_publish(std::move(heartbeat));
      asio::post(store_strand, [this] {
        // A watermark that could not be stored costs re-sent messages after a crash, nothing
        // more; the next heartbeat or commit tries again.
        try {
          save_sent_seq();
        } catch (const FatalError& e) {
          spdlog::error("event=watermark_failed error=\"{}\"", e.what());
        }
      });
    }
  }

  // Journal trimming and seen-set expiry, at start and then hourly, in batches on the store
  // strand.
  // One pass of journal trimming, seen-set expiry and window expiry, in batches on the store
  // strand.
  asio::awaitable<void> maintenance_pass() {
    const TimePoint now = now_ms();
    const TimePoint journal_cutoff = now - cfg.journal.retention;
    const TimePoint seen_cutoff = now - cfg.dedupe.retention;
    // Window rows only serve the rebuild at start, which keeps one window's worth before the
    // newest story: the second window is slack for stories whose dates lag their arrival.
    const seconds window_keep = 2 * cfg.dedupe.window;
    const std::size_t trimmed =
        co_await in_batches([&] { return trim_journal_batch(journal_cutoff); });
    const std::size_t purged = co_await in_batches([&] { return purge_seen_batch(seen_cutoff); });
    const std::size_t window_purged =
        co_await in_batches([&] { return purge_window_batch(window_keep); });
    if (trimmed > 0 || purged > 0 || window_purged > 0) {
      spdlog::info("event=maintenance journal_trimmed={} seen_expired={} window_expired={}",
                   trimmed, purged, window_purged);
    }
    if (replay) {
      if (std::string failure = replay->stats().failure; !failure.empty()) {
        spdlog::error(
            "event=replay_failed error=\"{}\": replays are unavailable until feedwired restarts",
            failure);
      }
    }
  }

  // A maintenance pass at start and then hourly. A --once run does one pass after its polls
  // instead (see schedule_loop), so that it leaves the state within its limits.
  asio::awaitable<void> maintenance_loop() {
    while (!background_done) {
      co_await maintenance_pass();
      if (background_done) {
        break; // stop_background() came while a batch ran: its cancel() found no wait
      }
      maintenance_timer.expires_after(k_maintenance_interval);
      co_await maintenance_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  // Runs `batch()` (an awaitable deleting at most k_purge_batch rows) on the store strand, one
  // turn at a time, until a turn deletes fewer or the daemon stops. Returns the rows deleted.
  template <typename Batch> asio::awaitable<std::size_t> in_batches(Batch batch) {
    std::size_t total = 0;
    for (std::size_t n = k_purge_batch; n == k_purge_batch && !background_done;) {
      n = co_await asio::co_spawn(store_strand, batch(), asio::use_awaitable);
      total += n;
    }
    co_return total;
  }

  // Ends the heartbeat and maintenance loops: the io_context runs out of work once the polls
  // are done.
  void stop_background() {
    background_done = true;
    heartbeat_timer.cancel();
    maintenance_timer.cancel();
    watchdog_timer.cancel();
    status_timer.cancel();
    store_retry_timer.cancel();
  }

  asio::awaitable<void> schedule_loop() {
    while (!stopping) {
      // Documents waiting for the store strand hold their stories in memory: while as many wait
      // as transfers may run, no new fetch starts (a commit ending wakes this loop). Fewer
      // would starve the strand: the fetches started when it wakes take a round trip to come.
      // Nor while the state store refuses writes: store_recovery_loop() wakes it.
      const bool strand_busy = pending_commits >= max_pending_commits() ||
                               (store_recovering && options.mode == RunMode::forever);
      for (std::string& id : strand_busy ? std::vector<std::string>{} : sched.take_ready()) {
        ++active_polls;
        asio::co_spawn(io, poll(id), [this, id](std::exception_ptr e) {
          --active_polls;
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              spdlog::error("feed={} event=poll_failed error=\"{}\"", id, ex.what());
            }
          }
          idle_timer.cancel();
        });
      }
      if (options.mode == RunMode::once && once_pending == 0) {
        break;
      }
      // Busy: feeds are due, but only a commit ending (which cancels the timer) may start them.
      const std::optional<TimePoint> wake = strand_busy ? std::nullopt : sched.next_wakeup();
      wake_timer.expires_at(wake ? *wake : now_ms() + std::chrono::hours(24));
      co_await wake_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    // Let the polls in flight finish (cancelled ones end quickly) before the process ends.
    while (active_polls > 0) {
      idle_timer.expires_at(asio::system_timer::time_point::max());
      co_await idle_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (options.mode == RunMode::once && !stopping) {
      co_await maintenance_pass();
    }
    stop_background();
    signals.cancel();
    hangup.cancel();
    drain_timer.cancel();
    control_closing = true;
  }

  // SIGTERM/SIGINT: no new poll starts; the fetches in flight get service.drain_timeout to finish
  // and are stored as usual, then the rest are cancelled (their stories stay new for the next
  // run). A second signal cancels at once. schedule_loop() ends the run once no poll is left.
  void request_stop() {
    if (stopping) {
      spdlog::warn("event=stop_now in_flight={}: second stop signal, cancelling the fetches",
                   active_polls);
      fetcher.cancel_all();
      return;
    }
    stopping = true;
    stop_requested = true;
    notifier.stopping(fmt::format("stopping: {} polls in flight", active_polls));
    spdlog::info("event=stopping in_flight={} drain_timeout_ms={}", active_polls,
                 cfg.service.drain_timeout.count());
    wake_timer.cancel();
    if (active_polls == 0) {
      return;
    }
    drain_timer.expires_after(cfg.service.drain_timeout);
    drain_timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && active_polls > 0) {
        spdlog::warn("event=drain_timeout in_flight={}: cancelling the fetches still running",
                     active_polls);
        fetcher.cancel_all();
      }
    });
  }

  struct Fetched {
    fetch::Response response;
    Processed processed; // of a 200 response
  };

  // One request and, for a 200, its body parsed on the worker pool.
  asio::awaitable<Fetched> fetch_and_process(const std::string& id, const fetch::Request& request) {
    const TimePoint started = now_ms();
    Fetched f;
    f.response = co_await fetcher.fetch(request);
    metrics.fetch_seconds.with({}).observe(
        std::chrono::duration<double>(now_ms() - started).count());
    metrics.fetched_bytes.with({}).inc(static_cast<double>(f.response.body.size()));
    if (f.response.error == fetch::ErrorKind::none && f.response.status == 200) {
      // Named locals rather than temporaries inside co_await expressions: GCC 12 destroys some
      // of those twice.
      std::string content_type = f.response.content_type.value_or("");
      asio::awaitable<Processed> job = process_job(
          id, std::move(f.response.body), std::move(content_type), f.response.effective_url, &urls);
      f.processed = co_await asio::co_spawn(pool, std::move(job), asio::use_awaitable);
    }
    co_return f;
  }

  // Why a fetch did not give a feed, in the words of feed.status messages.
  static std::string failure_of(const Fetched& f) {
    if (f.response.error != fetch::ErrorKind::none) {
      return std::string(fetch::to_string(f.response.error)) + ": " + f.response.error_message;
    }
    if (f.response.status != 200) {
      return "HTTP " + std::to_string(f.response.status);
    }
    return not_a_feed(f.processed.error);
  }

  // A parse error as the feed's error: parse errors mostly say "not a feed: ..." already.
  static std::string not_a_feed(const std::string& error) {
    return error.starts_with("not a feed") ? error : "not a feed: " + error;
  }

  asio::awaitable<void> poll(std::string id) {
    // Held for the whole poll: a reload may drop the feed from `feeds` meanwhile.
    const std::shared_ptr<FeedRuntime> runtime = feeds.at(id);
    FeedRuntime& feed = *runtime;
    feed.in_flight = true;
    const std::uint64_t generation = feed.generation;
    // What the feed's state goes back to when the poll's commit fails: its stories were not
    // stored, so they must be fetched again (without the response's validators).
    const store::FeedState state_before = feed.state;
    fetch::Request request;
    request.url = feed.state.url;
    request.etag = feed.state.etag;
    request.last_modified = feed.state.last_modified;
    request.headers = feed.config.headers;
    request.user_agent = feed.config.user_agent;

    const TimePoint started = now_ms();
    asio::awaitable<Fetched> first = fetch_and_process(id, request);
    Fetched fetched = co_await std::move(first);
    if (!fetched.processed.is_feed && !fetched.processed.feed_links.empty()) {
      // An HTML page that announces a feed: that feed, in this poll (one hop, no validators).
      fetch::Request follow = request;
      follow.url = fetched.processed.feed_links.front().url;
      follow.etag.reset();
      follow.last_modified.reset();
      asio::awaitable<Fetched> second = fetch_and_process(id, follow);
      Fetched found = co_await std::move(second);
      if (found.processed.is_feed) {
        found.processed.discovered_from = fetched.response.effective_url;
        found.processed.discovered_url = follow.url;
        fetched = std::move(found);
      } else if (found.response.error == fetch::ErrorKind::cancelled) {
        fetched = std::move(found);
      } else {
        fetched.processed.error = "not a feed: an HTML page announcing the feed " + follow.url +
                                  ", which failed: " + failure_of(found);
      }
    }
    fetch::Response& response = fetched.response;
    Processed& processed = fetched.processed;
    // A fetch that completed while feedwired drains is stored like any other: only a cancelled
    // one (past service.drain_timeout) is dropped, and its stories are still new next time.
    if (response.error == fetch::ErrorKind::cancelled) {
      metrics.polls.with({"cancelled"}).inc();
      feed.in_flight = false;
      record_once(id, PollReport{PollResult::cancelled, "cancelled"});
      co_return;
    }
    if (feed.removed || feed.generation != generation) {
      end_poll(id, feed, generation, true); // a reload dropped it or changed its URL: store nothing
      co_return;
    }

    PollCommit commit;
    commit.fetched_at = started;
    const PollReport report = apply_response(feed, response, processed, commit);
    metrics.polls.with({poll_outcome(response, processed)}).inc();
    if (processed.is_feed) {
      metrics.parse_warnings.with({}).inc(static_cast<double>(processed.doc.warnings.size()));
    } else if (response.error == fetch::ErrorKind::none && response.status == 200) {
      metrics.parse_errors.with({}).inc();
    }
    if (options.mode == RunMode::once) {
      // Polled once: finished() has rescheduled it, and with an interval shorter than the commit
      // takes it would be taken again before record_once().
      sched.remove(id);
    }
    commit.state = feed.state;
    commit.feed_title = feed.config.title ? feed.config.title : processed.doc.feed.title;
    commit.feed_language = processed.doc.feed.language;
    commit.feed_tags = feed.config.tags;
    commit.stories = std::move(processed.doc.items);
    commit.story_ids = std::move(processed.story_ids);
    commit.link_ids = std::move(processed.link_ids);
    commit.features = std::move(processed.features);
    commit.has_document = processed.is_feed;
    const config::OnFirstPoll first_poll = feed.config.on_first_poll.value_or(cfg.on_first_poll);
    commit.publishes_stories = feed.state.polled_once || first_poll == config::OnFirstPoll::publish;
    if (report.result == PollResult::ok && response.status == 200) {
      feed.state.polled_once = true;
      commit.state.polled_once = true;
    }

    if (commit.has_document && commit.publishes_stories && plugins->runs_on(id)) {
      commit.chain = plugins;
      // Plugins run on the worker pool between the decision and the journal, so that the store
      // strand never waits for them.
      asio::awaitable<PollCommit> decide_task = decide_job(std::move(commit));
      commit = co_await asio::co_spawn(store_strand, std::move(decide_task), asio::use_awaitable);
      if (!commit.outgoing.empty()) {
        asio::awaitable<PollCommit> plugin_task = plugin_job(std::move(commit));
        commit = co_await asio::co_spawn(pool, std::move(plugin_task), asio::use_awaitable);
      }
    }
    asio::awaitable<CommitCounts> commit_task = commit_job(std::move(commit));
    ++pending_commits;
    CommitCounts counts;
    std::string store_error;
    try {
      counts = co_await asio::co_spawn(store_strand, std::move(commit_task), asio::use_awaitable);
    } catch (const FatalError& e) {
      store_error = e.what();
    }
    if (pending_commits-- == max_pending_commits()) {
      wake_timer.cancel();
    }
    if (!store_error.empty()) {
      commit_failed(id, feed, generation, state_before, store_error);
      co_return;
    }
    // The same count the commit stored, so that the next poll's copy of the state carries it.
    if (feed.generation == generation) {
      feed.state.stories_seen += static_cast<std::int64_t>(counts.recorded);
      feed.state.identity_state = counts.identity_state;
    }
    const std::size_t published = counts.published;
    stories_published += published - counts.duplicates;
    end_poll(id, feed, generation, false);
    if (report.result == PollResult::ok) {
      spdlog::debug("feed={} status={} new={} dup={} update={} dropped={}", id, response.status,
                    published - counts.duplicates, counts.duplicates, counts.updates,
                    counts.dropped);
    }
    record_once(
        id, report.result == PollResult::ok
                ? PollReport{PollResult::ok, report.detail + " new=" + std::to_string(published)}
                : report);
  }

  // A poll whose commit failed (the state store refuses writes: a full disk, an I/O error).
  // Nothing of it was stored or sent, so the feed forgets the poll and is polled again once the
  // store accepts writes; until then no poll starts (schedule_loop), so that no story is fetched
  // that could not be kept. A --once run reports the feed as failed instead.
  void commit_failed(const std::string& id, FeedRuntime& feed, std::uint64_t generation,
                     const store::FeedState& state_before, const std::string& error) {
    metrics.store_failures.with({}).inc();
    if (feed.generation == generation) {
      feed.state = state_before;
    }
    end_poll(id, feed, generation, false);
    if (options.mode == RunMode::once) {
      record_once(id, PollReport{PollResult::failed, "state store: " + error});
      return;
    }
    unstored_feeds.insert(id);
    if (!store_recovering) {
      store_recovering = true;
      spdlog::error("event=store_failed feed={} error=\"{}\": no poll starts until the state store "
                    "accepts writes again (free space in {}); trying every {}s",
                    id, error, cfg.state_dir.string(), k_store_retry.count());
      asio::co_spawn(io, store_recovery_loop(), asio::detached);
    }
  }

  // Tries a write every k_store_retry until one succeeds, then polls again the feeds whose
  // commits failed. io thread.
  asio::awaitable<void> store_recovery_loop() {
    const auto since = std::chrono::steady_clock::now();
    bool recovered = false;
    while (!stopping && !recovered) {
      store_retry_timer.expires_after(k_store_retry);
      co_await store_retry_timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (stopping) {
        break;
      }
      asio::awaitable<bool> probe = probe_store_job();
      recovered = co_await asio::co_spawn(store_strand, std::move(probe), asio::use_awaitable);
    }
    store_recovering = false;
    if (!recovered) {
      co_return;
    }
    const auto waited =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - since);
    spdlog::info("event=store_recovered after_s={} repolling={}", waited.count(),
                 unstored_feeds.size());
    for (const std::string& id : unstored_feeds) {
      const auto it = feeds.find(id);
      if (it != feeds.end() && !it->second->paused && !it->second->in_flight) {
        sched.remove(id);
        sched.add(spec_of(*it->second), now_ms(), it->second->state.error_count);
      }
    }
    unstored_feeds.clear();
    wake_timer.cancel();
  }

  // One write to the store; when it succeeds, the near-duplicate window and the feeds' identity
  // states are read again from the store, since the polls whose commits failed had already
  // changed them in memory. Store strand.
  asio::awaitable<bool> probe_store_job() {
    if (open_batch) {
      co_return false; // a commit is under way: its outcome tells more than a probe would
    }
    // A small write fits in the pages the write-ahead log already has, full disk or not: wait
    // for some room first, so that the feeds are not fetched again only to fail once more.
    struct statvfs fs {};
    if (::statvfs(cfg.state_dir.c_str(), &fs) == 0 &&
        static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < k_store_min_free_bytes) {
      co_return false;
    }
    try {
      store.save_counter(store::k_seq_counter, seq);
    } catch (const FatalError& e) {
      spdlog::debug("event=store_probe error=\"{}\"", e.what());
      co_return false;
    }
    deduper = dedupe::Deduper(dedupe_options(cfg.dedupe));
    window_restored = false;
    restore_window();
    guid_health.clear();
    store_failed = false;
    co_return true;
  }

  // The end of a poll that was not cancelled: what a reload or `feedwire ctl pause` did to the feed
  // meanwhile takes effect. `unfinished`: the poll ended before scheduler.finished().
  void end_poll(const std::string& id, FeedRuntime& feed, std::uint64_t generation,
                bool unfinished) {
    feed.in_flight = false;
    if (unfinished) {
      scheduler::FetchOutcome outcome;
      outcome.kind = scheduler::FetchOutcome::Kind::not_modified;
      (void)sched.finished(id, outcome);
    }
    if (feed.removed) {
      sched.remove(id);
      feeds.erase(id); // `feed` lives on in the poll's shared_ptr
    } else if (feed.paused) {
      sched.remove(id);
    } else if (feed.generation != generation) {
      // Its URL changed while the poll ran: the new one is polled now.
      sched.remove(id);
      sched.add(spec_of(feed), now_ms(), 0);
    }
    wake_timer.cancel();
  }

  void record_once(const std::string& id, PollReport report) {
    if (options.mode != RunMode::once) {
      return;
    }
    once_reports.emplace(id, std::move(report));
    sched.remove(id);
    --once_pending;
    wake_timer.cancel();
  }

  // The outcome label of feedwire_polls_total.
  static std::string_view poll_outcome(const fetch::Response& r, const Processed& p) {
    switch (r.error) {
    case fetch::ErrorKind::none:
      break;
    case fetch::ErrorKind::timeout:
      return "timeout";
    case fetch::ErrorKind::too_large:
      return "too_large";
    case fetch::ErrorKind::resolve:
      return "resolve";
    case fetch::ErrorKind::connect:
      return "connect";
    case fetch::ErrorKind::tls:
      return "tls";
    case fetch::ErrorKind::too_many_redirects:
      return "too_many_redirects";
    case fetch::ErrorKind::bad_scheme:
      return "bad_scheme";
    case fetch::ErrorKind::protocol:
      return "protocol";
    case fetch::ErrorKind::cancelled:
      return "cancelled";
    case fetch::ErrorKind::other:
      return "other";
    }
    switch (r.status) {
    case 200:
      return p.is_feed ? "fetched" : "not_a_feed";
    case 304:
      return "not_modified";
    case 410:
      return "gone";
    case 429:
    case 503:
      return "retry_later";
    default:
      return "http_error";
    }
  }

  // Updates the feed's state from the response, tells the scheduler, and collects status events.
  PollReport apply_response(FeedRuntime& feed, const fetch::Response& r, const Processed& p,
                            PollCommit& commit) {
    store::FeedState& st = feed.state;
    const TimePoint now = now_ms();
    st.last_attempt = now;
    if (r.status > 0) {
      st.last_status = static_cast<int>(r.status);
    }
    scheduler::FetchOutcome outcome;
    outcome.max_age = fetch::freshness_lifetime(r);
    std::string error;
    if (r.error != fetch::ErrorKind::none) {
      outcome.kind = scheduler::FetchOutcome::Kind::failed;
      error = std::string(fetch::to_string(r.error)) + ": " + r.error_message;
    } else if (r.status == 200 && p.is_feed) {
      outcome.kind = scheduler::FetchOutcome::Kind::fetched;
      outcome.item_times = p.item_times;
      if (p.doc.feed.ttl_minutes && *p.doc.feed.ttl_minutes > 0) {
        outcome.ttl = seconds(*p.doc.feed.ttl_minutes * 60);
      }
      st.etag = r.etag;
      st.last_modified = r.last_modified;
    } else if (r.status == 200) {
      outcome.kind = scheduler::FetchOutcome::Kind::failed;
      error = not_a_feed(p.error);
    } else if (r.status == 304) {
      outcome.kind = scheduler::FetchOutcome::Kind::not_modified;
      if (r.etag) {
        st.etag = r.etag;
      }
      if (r.last_modified) {
        st.last_modified = r.last_modified;
      }
    } else if (r.status == 410) {
      outcome.kind = scheduler::FetchOutcome::Kind::gone;
      error = "HTTP 410 Gone";
    } else if (r.status == 429 || r.status == 503) {
      outcome.kind = scheduler::FetchOutcome::Kind::retry_later;
      if (r.retry_after) {
        outcome.retry_after = fetch::parse_retry_after(
            *r.retry_after,
            std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now()));
      }
      error = "HTTP " + std::to_string(r.status) +
              (r.retry_after ? " Retry-After: " + *r.retry_after : std::string());
    } else {
      outcome.kind = scheduler::FetchOutcome::Kind::failed;
      error = "HTTP " + std::to_string(r.status);
    }
    outcome.error = error;
    const bool ok = error.empty();

    if (ok) {
      if (st.error_count > 0) {
        commit.events.push_back({"recovered", {{"url", st.url}, {"after_errors", st.error_count}}});
        spdlog::info("feed={} url={} event=recovered after_errors={}", st.feed_id, st.url,
                     st.error_count);
      }
      st.error_count = 0;
      st.last_error.clear();
      st.last_success = now;
      if (!p.discovered_url.empty()) {
        move_to_discovered(feed, p, commit);
      }
      track_redirect(feed, r, commit);
    } else {
      ++st.error_count;
      st.last_error = error;
      if (st.error_count == 1 && outcome.kind != scheduler::FetchOutcome::Kind::gone) {
        commit.events.push_back({"failed", {{"url", st.url}, {"error", error}}});
      }
    }
    if (outcome.kind == scheduler::FetchOutcome::Kind::gone) {
      st.disabled = true;
      st.disabled_reason = error;
      commit.events.push_back({"gone", {{"url", st.url}, {"status", 410}}});
      spdlog::warn("feed={} url={} status=410 disabled: the server says the feed is gone",
                   st.feed_id, st.url);
    }

    const scheduler::Explanation why = sched.finished(st.feed_id, outcome);
    // The schedule changed (this feed's next poll, a freed budget): the loop's timer was set
    // for the schedule as it was, possibly for "nothing due" while this feed was in flight.
    wake_timer.cancel();
    st.schedule_explain = why.to_json();
    st.next_due = st.disabled ? std::nullopt : std::optional<TimePoint>(why.next_due);
    if (!ok && outcome.kind != scheduler::FetchOutcome::Kind::gone) {
      const auto retry_in = std::chrono::duration_cast<seconds>(why.next_due - now).count();
      spdlog::warn("feed={} url={} status={} error=\"{}\" errors={} retry_in={}s", st.feed_id,
                   st.url, r.status, error, st.error_count, retry_in);
    }
    return PollReport{ok ? PollResult::ok : PollResult::failed,
                      ok ? "HTTP " + std::to_string(r.status) : error};
  }

  // A feed read from the link of the HTML page configured as its URL lives at that link from now
  // on (kept across restarts while the config names the same page).
  void move_to_discovered(FeedRuntime& feed, const Processed& p, PollCommit& commit) {
    store::FeedState& st = feed.state;
    commit.events.push_back(
        {"discovered", {{"url", p.discovered_url}, {"page", p.discovered_from}}});
    spdlog::info("feed={} url={} event=discovered feed_url={}: the page announces this feed",
                 st.feed_id, st.url, p.discovered_url);
    st.moved_from = st.url;
    st.url = p.discovered_url;
    st.redirect_target.reset();
    st.redirect_count = 0;
    sched.set_host(st.feed_id, host_of(st.url));
  }

  // Three permanent redirects in a row to the same place move the feed there.
  void track_redirect(FeedRuntime& feed, const fetch::Response& r, PollCommit& commit) {
    store::FeedState& st = feed.state;
    if (!r.permanent_redirect) {
      st.redirect_target.reset();
      st.redirect_count = 0;
      return;
    }
    if (st.redirect_target == r.permanent_redirect) {
      ++st.redirect_count;
    } else {
      st.redirect_target = r.permanent_redirect;
      st.redirect_count = 1;
    }
    if (st.redirect_count < k_redirects_to_move) {
      return;
    }
    commit.events.push_back({"moved", {{"url", *r.permanent_redirect}, {"moved_from", st.url}}});
    spdlog::info("feed={} url={} event=moved moved_to={} permanent_redirects={}", st.feed_id,
                 st.url, *r.permanent_redirect, st.redirect_count);
    st.moved_from = st.url;
    st.url = *r.permanent_redirect;
    st.redirect_target.reset();
    st.redirect_count = 0;
    sched.set_host(st.feed_id, host_of(st.url));
  }

  // ---- metrics --------------------------------------------------------------------------------

  // The gauges read at scrape time, on the HTTP server's thread: only thread-safe sources.
  void register_gauges() {
    metrics.registry.gauge_callback("feedwire_publish_queue_depth",
                                    "Messages waiting for the publisher thread.",
                                    [this] { return static_cast<double>(publisher.queued()); });
    metrics.registry.gauge_callback(
        "feedwire_journal_lag_messages",
        "Messages journalled but not yet handed to ZeroMQ (last seq minus the sent watermark).",
        [this] {
          const std::int64_t lag = last_journalled_seq.load() - publisher.handed_seq();
          return static_cast<double>(std::max<std::int64_t>(0, lag));
        });
    metrics.registry.gauge_callback(
        "feedwire_store_writable",
        "1 while the state store accepts writes; 0 from a failed commit until a retried write "
        "succeeds (no poll starts meanwhile).",
        [this] { return store_failed ? 0.0 : 1.0; });
    metrics.registry.gauge_callback("feedwire_last_seq", "The last seq journalled.", [this] {
      return static_cast<double>(last_journalled_seq.load());
    });
    metrics.registry.gauge_callback(
        "feedwire_publish_subscriptions", "Subscriptions on the publish endpoints now.",
        [this] { return static_cast<double>(publisher.subscriptions()); });
    metrics.registry.gauge_callback(
        "feedwire_poll_not_modified_ratio",
        "Share of the polls answered 304 among those answered 200 or 304, since the start.",
        [this] {
          const double not_modified = metrics.polls.with({"not_modified"}).value();
          const double answered = not_modified + metrics.polls.with({"fetched"}).value() +
                                  metrics.polls.with({"not_a_feed"}).value();
          return answered > 0 ? not_modified / answered : 0.0;
        });
  }

  // /readyz, on the HTTP server's thread: up, the store writable, not stopping, and not every
  // feed failing.
  metrics::Readiness readiness() const {
    if (!serving) {
      return {false, "starting"};
    }
    if (stop_requested) {
      return {false, "stopping"};
    }
    if (store_failed) {
      return {false, "the state store refuses writes (disk full?): no poll starts until it "
                     "accepts them again (see the log)"};
    }
    const int total = feeds_total;
    if (total > 0 && feeds_failing == total) {
      return {false, "all " + std::to_string(total) + " feeds are failing"};
    }
    return {};
  }

  // Once a second on the io thread: the feed gauges, the scheduler's deferrals, and what
  // readiness() reads.
  void refresh_metrics() {
    const FeedCounts n = feed_counts();
    metrics.feeds.with({"new"}).set(static_cast<double>(n.fresh));
    metrics.feeds.with({"ok"}).set(
        static_cast<double>(n.total - n.fresh - n.failing - n.paused - n.polling));
    metrics.feeds.with({"failing"}).set(static_cast<double>(n.failing));
    metrics.feeds.with({"polling"}).set(static_cast<double>(n.polling));
    metrics.feeds.with({"paused"}).set(static_cast<double>(n.paused));
    feeds_total = static_cast<int>(n.total);
    feeds_failing = static_cast<int>(n.failing);
    for (const auto& [host, count] : sched.deferrals_by_host()) {
      std::uint64_t& seen = deferrals_seen[host];
      if (count > seen) {
        metrics.host_deferrals.with({host}).inc(static_cast<double>(count - seen));
      }
      seen = count;
    }
  }

  // ---- service: reload, status, control (io thread) -----------------------------------------

  struct ReloadOutcome {
    bool ok = false;
    std::string message;
  };

  // SIGHUP and `feedwire ctl reload`: reads the config file again and applies what can change
  // while running (feeds, plugins, plugin_path, on_first_poll, log_level). An invalid file, or
  // a plugin that fails to load, changes nothing.
  asio::awaitable<ReloadOutcome> reload() {
    if (reloading) {
      co_return ReloadOutcome{false, "a reload is already running"};
    }
    if (stopping) {
      co_return ReloadOutcome{false, "feedwired is stopping"};
    }
    reloading = true;
    notifier.reloading("reloading " + cfg.file.string());
    spdlog::info("event=reload file={}", cfg.file.string());
    ReloadOutcome out;
    try {
      out = co_await apply_reload();
    } catch (const std::exception& e) { // a config or plugin problem, or the store failing
      out = ReloadOutcome{false, e.what()};
    }
    reloading = false;
    metrics.reloads.with({out.ok ? "ok" : "failed"}).inc();
    if (out.ok) {
      spdlog::info("event=reloaded {}", out.message);
    } else {
      spdlog::error("event=reload_failed file={} error=\"{}\"; the running config stays",
                    cfg.file.string(), out.message);
    }
    notifier.ready(out.ok ? status_line()
                          : "reload failed, running the previous config: " + out.message);
    co_return out;
  }

  asio::awaitable<ReloadOutcome> apply_reload() {
    config::Config next = config::load_config(cfg.file);
    std::shared_ptr<plugin_host::Chain> next_chain;
    const bool plugins_changed =
        !same_tables(next.plugins, cfg.plugins) || next.plugin_path != cfg.plugin_path;
    if (plugins_changed) {
      next_chain = std::make_shared<plugin_host::Chain>(load_plugins(next, options, metrics));
    }
    // The stored states of the feeds to add, in one turn on the store strand.
    std::vector<std::string> added;
    for (const config::FeedConfig& fc : next.feeds) {
      if (fc.enabled && !feeds.contains(fc.id)) {
        added.push_back(fc.id);
      }
    }
    std::map<std::string, store::FeedState, std::less<>> stored;
    if (!added.empty()) {
      stored = co_await asio::co_spawn(store_strand, load_states(added), asio::use_awaitable);
    }
    if (stopping) {
      co_return ReloadOutcome{false, "feedwired is stopping"};
    }

    std::size_t n_added = 0;
    std::size_t n_removed = 0;
    std::size_t n_changed = 0;
    std::set<std::string, std::less<>> wanted;
    for (const config::FeedConfig& fc : next.feeds) {
      if (!fc.enabled) {
        continue;
      }
      wanted.insert(fc.id);
      const auto it = feeds.find(fc.id);
      if (it == feeds.end()) {
        const auto st = stored.find(fc.id);
        add_feed(fc,
                 initial_state(fc, st != stored.end()
                                       ? std::optional<store::FeedState>(std::move(st->second))
                                       : std::nullopt),
                 std::nullopt);
        n_added += feeds.contains(fc.id) ? 1 : 0;
        continue;
      }
      FeedRuntime& f = *it->second;
      const bool revived = f.removed; // removed by an earlier reload, its poll still running
      f.removed = false;
      if (same_table(f.config, fc) && !revived) {
        continue;
      }
      ++n_changed;
      const bool url_changed = f.config.url != fc.url;
      if (url_changed) {
        spdlog::info("feed={} url={} previous_url={} state reset: the configured URL changed",
                     fc.id, fc.url, f.state.url);
        f.state = initial_state(fc, std::nullopt);
        ++f.generation; // a poll of the old URL in flight stores nothing (end_poll)
      }
      f.config = fc;
      if (f.paused) {
        continue;
      }
      if (url_changed && !f.in_flight) {
        sched.remove(fc.id);
        sched.add(spec_of(f), now_ms(), 0);
      } else {
        sched.add(spec_of(f)); // a scheduled feed: new interval and host
      }
    }
    for (auto it = feeds.begin(); it != feeds.end();) {
      FeedRuntime& f = *it->second;
      if (wanted.contains(it->first) || f.removed) {
        ++it;
        continue;
      }
      ++n_removed;
      if (f.in_flight) {
        f.removed = true; // end_poll() takes it out
        ++it;
        continue;
      }
      sched.remove(it->first);
      it = feeds.erase(it);
    }
    if (plugins_changed) {
      const std::lock_guard lock(plugins_mutex);
      plugins = std::move(next_chain); // polls already past their decision keep the old chain
    }
    std::vector<std::string> restart;
    const auto compare = [&](bool same, std::string_view what) {
      if (!same) {
        restart.emplace_back(what);
      }
    };
    compare(next.state_dir == cfg.state_dir, "state_dir");
    compare(next.workers == cfg.workers, "workers");
    compare(next.publish == cfg.publish, "[publish]");
    compare(next.service == cfg.service, "[service]");
    compare(next.security == cfg.security, "[security]");
    compare(next.fetch == cfg.fetch, "[fetch]");
    compare(next.schedule == cfg.schedule, "[schedule]");
    compare(next.journal == cfg.journal, "[journal]");
    compare(next.dedupe == cfg.dedupe, "[dedupe]");
    if (!restart.empty()) {
      spdlog::warn("event=reload_needs_restart changed=\"{}\": these settings take effect when "
                   "feedwired restarts",
                   join(restart, ","));
    }
    cfg.feeds = std::move(next.feeds);
    cfg.opml = std::move(next.opml);
    cfg.plugins = std::move(next.plugins);
    cfg.plugin_path = std::move(next.plugin_path);
    cfg.on_first_poll = next.on_first_poll;
    cfg.log_level = next.log_level;
    if (options.log_level_override.empty()) {
      spdlog::set_level(spdlog::level::from_str(cfg.log_level));
    }
    wake_timer.cancel();
    co_return ReloadOutcome{
        true,
        fmt::format("feeds_added={} feeds_removed={} feeds_changed={} plugins={}{}", n_added,
                    n_removed, n_changed, plugins_changed ? "reloaded" : "unchanged",
                    restart.empty() ? std::string() : " restart_needed=" + join(restart, ","))};
  }

  asio::awaitable<std::map<std::string, store::FeedState, std::less<>>>
  load_states(std::vector<std::string> ids) {
    std::map<std::string, store::FeedState, std::less<>> out;
    for (const std::string& id : ids) {
      if (std::optional<store::FeedState> st = store.load_feed(id)) {
        out.emplace(id, std::move(*st));
      }
    }
    co_return out;
  }

  void listen_for_hangup() {
    hangup.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) {
        return;
      }
      spdlog::info("event=signal signal=SIGHUP");
      asio::co_spawn(io, reload(), asio::detached);
      listen_for_hangup();
    });
  }

  // Feeds by state, each in one: paused, else polling, else failing, else new, else ok.
  struct FeedCounts {
    std::size_t total = 0;
    std::size_t failing = 0;
    std::size_t paused = 0;
    std::size_t polling = 0;
    std::size_t fresh = 0; // not polled yet
  };

  FeedCounts feed_counts() const {
    FeedCounts n;
    for (const auto& [id, f] : feeds) {
      if (f->removed) {
        continue;
      }
      ++n.total;
      const std::string_view state = feed_state(*f);
      n.paused += state == "paused" ? 1 : 0;
      n.polling += state == "polling" ? 1 : 0;
      n.failing += state == "failing" ? 1 : 0;
      n.fresh += state == "new" ? 1 : 0;
    }
    return n;
  }

  static std::string_view feed_state(const FeedRuntime& f) {
    if (f.paused) {
      return "paused";
    }
    if (f.in_flight) {
      return "polling";
    }
    if (f.state.error_count > 0) {
      return "failing";
    }
    return f.state.last_attempt ? "ok" : "new";
  }

  // New stories over the last minute, from the samples status_loop() takes.
  double stories_per_minute() const {
    if (rate_samples.empty()) {
      return 0;
    }
    const auto& [at, total] = rate_samples.front();
    const double minutes =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - at).count() / 60.0;
    return minutes > 0 ? static_cast<double>(stories_published - total) / minutes : 0.0;
  }

  // The one-line summary of STATUS= and `feedwire ctl status`.
  std::string status_line() const {
    const FeedCounts n = feed_counts();
    return fmt::format("{} feeds, {} failing, {} paused, {:.1f} stories/min", n.total, n.failing,
                       n.paused, stories_per_minute());
  }

  // Every second: the metrics' gauges and the stories/min samples; every k_status_period the
  // STATUS= line.
  asio::awaitable<void> status_loop() {
    for (std::uint64_t tick = 0; !background_done; ++tick) {
      const auto now = std::chrono::steady_clock::now();
      rate_samples.emplace_back(now, stories_published);
      while (rate_samples.size() > 1 && now - rate_samples[1].first >= k_rate_window) {
        rate_samples.pop_front();
      }
      refresh_metrics();
      if (tick % k_status_period.count() == 0 && tick > 0 && !stopping && !reloading) {
        notifier.status(status_line());
      }
      status_timer.expires_after(seconds(1));
      co_await status_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  // WATCHDOG=1 from the io thread: when it hangs, systemd restarts feedwired.
  asio::awaitable<void> watchdog_loop(std::chrono::microseconds period) {
    while (!background_done) {
      notifier.watchdog();
      watchdog_timer.expires_after(period);
      co_await watchdog_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  // The control thread's handler: runs the command on the io thread and waits for its answer.
  nlohmann::json handle_control(const std::string& command, const std::vector<std::string>& args) {
    auto promise = std::make_shared<std::promise<nlohmann::json>>();
    std::future<nlohmann::json> answer = promise->get_future();
    asio::co_spawn(io, control_command(command, args),
                   [promise](std::exception_ptr e, nlohmann::json reply) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         reply = control_error(ex.what());
                       }
                     }
                     promise->set_value(std::move(reply));
                   });
    const auto deadline = std::chrono::steady_clock::now() + k_control_timeout;
    while (answer.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      if (control_closing || std::chrono::steady_clock::now() > deadline) {
        return control_error(control_closing ? "feedwired is stopping"
                                             : "feedwired did not answer within 10 s");
      }
    }
    return answer.get();
  }

  nlohmann::json feed_json(const FeedRuntime& f) const {
    const store::FeedState& st = f.state;
    const auto time = [](const std::optional<TimePoint>& t) -> nlohmann::json {
      return t ? nlohmann::json(parse::format_rfc3339(std::chrono::time_point_cast<seconds>(*t)))
               : nlohmann::json(nullptr);
    };
    return {{"id", f.config.id},
            {"url", st.url},
            {"state", feed_state(f)},
            {"last_status", st.last_status ? nlohmann::json(*st.last_status) : nullptr},
            {"errors", st.error_count},
            {"last_error", st.last_error},
            {"last_attempt", time(st.last_attempt)},
            {"last_success", time(st.last_success)},
            {"next_due", f.paused ? nlohmann::json(nullptr) : time(st.next_due)},
            {"stories_seen", st.stories_seen}};
  }

  asio::awaitable<nlohmann::json> control_command(std::string command,
                                                  std::vector<std::string> args) {
    if (command == "status") {
      const FeedCounts n = feed_counts();
      nlohmann::json plugin_names = nlohmann::json::array();
      for (const config::PluginConfig& p : cfg.plugins) {
        plugin_names.push_back(p.name);
      }
      co_return control_ok({{"version", FW_VERSION},
                            {"pid", ::getpid()},
                            {"config", cfg.file.string()},
                            {"status", status_line()},
                            {"feeds", n.total},
                            {"failing", n.failing},
                            {"paused", n.paused},
                            {"polling", n.polling},
                            {"stories_per_min", stories_per_minute()},
                            {"stories_published", stories_published},
                            {"last_seq", last_journalled_seq.load()},
                            {"plugins", plugin_names},
                            {"stopping", stopping}});
    }
    if (command == "feeds") {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& [id, f] : feeds) {
        if (!f->removed) {
          list.push_back(feed_json(*f));
        }
      }
      co_return control_ok(std::move(list));
    }
    if (command == "reload") {
      const ReloadOutcome r = co_await reload();
      co_return r.ok ? control_ok(r.message) : control_error(r.message);
    }
    static constexpr std::array<std::string_view, 4> k_feed_commands{"feed", "poll", "pause",
                                                                     "resume"};
    if (std::find(k_feed_commands.begin(), k_feed_commands.end(), command) ==
        k_feed_commands.end()) {
      co_return control_error("unknown command \"" + command +
                              "\"; commands: status, feeds, feed, poll, pause, resume, reload");
    }
    if (args.empty()) {
      co_return control_error(command + " needs a feed id");
    }
    const auto it = feeds.find(args[0]);
    if (it == feeds.end() || it->second->removed) {
      co_return control_error("no feed \"" + args[0] +
                              "\" is being polled; `feedwire ctl feeds` lists them");
    }
    FeedRuntime& f = *it->second;
    const std::string& id = f.config.id;
    if (command == "feed") {
      nlohmann::json j = feed_json(f);
      const bool explain = std::find(args.begin(), args.end(), "--explain") != args.end();
      if (explain) {
        const std::optional<scheduler::Explanation> why = sched.explain(id);
        j["explain"] =
            why ? nlohmann::json::parse(why->to_json(), nullptr, false) : nlohmann::json(nullptr);
      }
      co_return control_ok(std::move(j));
    }
    if (command == "pause") {
      if (!f.paused) {
        f.paused = true;
        if (!f.in_flight) {
          sched.remove(id);
          wake_timer.cancel();
        }
        spdlog::info("feed={} event=paused", id);
      }
      co_return control_ok("paused " + id);
    }
    if (command == "resume") {
      if (f.paused) {
        f.paused = false;
        if (!f.in_flight) {
          sched.add(spec_of(f), f.state.next_due, f.state.error_count);
          wake_timer.cancel();
        }
        spdlog::info("feed={} event=resumed", id);
      }
      co_return control_ok("resumed " + id);
    }
    // poll
    if (f.paused) {
      co_return control_error("feed " + id + " is paused; `feedwire ctl resume " + id + "` first");
    }
    if (f.in_flight) {
      co_return control_ok(id + " is being polled now");
    }
    sched.remove(id);
    sched.add(spec_of(f), now_ms(), f.state.error_count);
    wake_timer.cancel();
    co_return control_ok("polling " + id);
  }

  // ---- the store strand ----------------------------------------------------------------------

  // Group commit: the polls whose commits reach the store strand close together share one
  // transaction. The first opens it and posts flush_batch(), which the strand runs after the
  // commits queued before it; each poll's messages are sent, and the poll ends, only once that
  // transaction has committed. A poll's own writes are still all or nothing (a savepoint).
  struct CommitBatch {
    explicit CommitBatch(const asio::any_io_executor& ex)
        : done(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done; // cancelled by flush_batch()
    std::exception_ptr error;
    std::int64_t first_seq = 0;
    std::vector<store::JournalEntry> to_send;
    std::vector<CommitCounts> counts; // counted once the batch commits, before it is sent
  };

  asio::awaitable<CommitCounts> commit_job(PollCommit c) {
    if (!open_batch) {
      store.begin_batch();
      open_batch = std::make_shared<CommitBatch>(store_strand);
      open_batch->first_seq = seq;
      asio::post(store_strand, [this] { flush_batch(); });
    }
    const std::shared_ptr<CommitBatch> mine = open_batch;
    const CommitCounts counts = commit_poll(std::move(c), mine->to_send);
    mine->counts.push_back(counts);
    co_await mine->done.async_wait(asio::as_tuple(asio::use_awaitable));
    if (mine->error) {
      std::rethrow_exception(mine->error);
    }
    co_return counts;
  }

  void flush_batch() {
    const std::shared_ptr<CommitBatch> b = std::move(open_batch);
    try {
      store.commit_batch();
      // Counted before the sends, so that a story a subscriber has is in /metrics already.
      for (const CommitCounts& c : b->counts) {
        metrics.stories.with({"new"}).inc(static_cast<double>(c.published - c.duplicates));
        metrics.stories.with({"dup"}).inc(static_cast<double>(c.duplicates));
        metrics.stories.with({"update"}).inc(static_cast<double>(c.updates));
        metrics.stories.with({"dropped"}).inc(static_cast<double>(c.dropped));
      }
      for (store::JournalEntry& row : b->to_send) {
        send(std::move(row.topic), std::move(row.body), row.seq);
      }
      // After the sends were queued: a heartbeat never announces a seq queued behind it.
      last_journalled_seq = seq;
    } catch (const FatalError&) {
      store_failed = true;
      // Nothing of the batch was stored: its seqs are free again, its messages never go out.
      b->error = std::current_exception();
      seq = b->first_seq;
    }
    b->done.cancel();
  }

  // decide(), unless the poll's plugins made it run already, then record().
  CommitCounts commit_poll(PollCommit c, std::vector<store::JournalEntry>& to_send) {
    if (!c.decided) {
      decide(c);
    }
    return record(c, to_send);
  }

  // Chooses the poll's new stories, its duplicates and its updates, and queues their writes:
  // everything up to, not including, the journal. A poll with plugins runs them between this
  // and record(), off the store strand.
  void decide(PollCommit& c) {
    c.decided = true;
    const auto fetched_at = std::chrono::time_point_cast<seconds>(c.fetched_at);
    const bool switched_to_links = observe_identity(c);
    c.keys = guid_health.at(c.state.feed_id).mode() == dedupe::IdentityMode::link
                 ? std::move(c.link_ids)
                 : std::move(c.story_ids);
    const std::vector<std::string>& ids = c.keys;

    std::vector<std::size_t> fresh;
    std::vector<std::size_t> known;
    const std::vector<bool> seen = store.are_seen(c.state.feed_id, ids);
    for (const std::size_t i : dedupe::first_occurrences(ids)) {
      (seen[i] ? known : fresh).push_back(i);
    }

    const std::vector<std::vector<std::string>> changes = find_updates(c, ids, known, c.write);
    // A feed that has just switched to links gets new ids for stories already published under
    // the old ones: they are recorded, not published again.
    const bool publishes = c.publishes_stories && !switched_to_links;
    std::vector<dedupe::Verdict> verdicts;
    if (!switched_to_links) {
      verdicts = decide_fresh(c, ids, fresh, fetched_at, c.write);
    }
    for (const std::size_t i : fresh) {
      c.write.content_hashes.emplace_back(ids[i], pack_fingerprint(c.features[i].fingerprint));
    }
    c.recorded = fresh.size();
    if (!publishes) {
      return;
    }
    // The feed's own tags, before any plugin: plugins see them, and they go out on tag.<tag>.
    model::Additions feed_tags;
    for (const std::string& tag : c.feed_tags) {
      feed_tags.tags.push_back(model::Tag{tag, tag, 1.0, "feed"});
    }
    for (std::size_t k = 0; k < verdicts.size(); ++k) {
      const std::size_t i = fresh[k];
      const dedupe::Verdict& v = verdicts[k];
      normalize::MessageEnvelope env;
      env.cluster_id = dedupe::story_id_hex(v.cluster_id);
      if (!v.duplicate && cfg.dedupe.publish_new) {
        c.outgoing.push_back({i, k_story_new, std::move(env), feed_tags, false});
      } else if (v.duplicate && cfg.dedupe.publish_dup) {
        // An exact-key match of a story whose key is its id was a match by id.
        const std::string_view method = v.method == dedupe::Method::url && c.features[i].key_is_id
                                            ? std::string_view("id")
                                            : dedupe::to_string(v.method);
        env.duplicate = normalize::MessageEnvelope::Duplicate{dedupe::story_id_hex(v.duplicate_of),
                                                              std::string(method), v.similarity};
        c.outgoing.push_back({i, k_story_dup, std::move(env), feed_tags, false});
      }
    }
    for (std::size_t k = 0; k < known.size(); ++k) {
      if (changes[k].empty() || !cfg.dedupe.publish_update) {
        continue;
      }
      const std::size_t i = known[k];
      normalize::MessageEnvelope env;
      const std::uint64_t cluster = deduper.cluster_of(dedupe::story_id_value(ids[i]));
      env.cluster_id =
          dedupe::story_id_hex(cluster != 0 ? cluster : dedupe::story_id_value(ids[i]));
      env.changed = changes[k];
      c.outgoing.push_back({i, k_story_update, std::move(env), feed_tags, false});
    }
  }

  // Runs the plugins on the stories the poll publishes. Worker pool; the plugin chain is
  // thread-safe.
  asio::awaitable<PollCommit> plugin_job(PollCommit c) {
    const std::string_view feed_title = c.feed_title ? std::string_view(*c.feed_title) : "";
    const std::string_view language = c.feed_language ? std::string_view(*c.feed_language) : "";
    for (Outgoing& o : c.outgoing) {
      const plugin_host::StoryView view{&c.stories[o.index], c.keys[o.index], c.state.feed_id,
                                        feed_title, language};
      plugin_host::ChainResult r = c.chain->run(view, std::move(o.additions));
      o.additions = std::move(r.additions);
      if (!r.dropped_by.empty()) {
        o.dropped = true;
        spdlog::debug("feed={} story={} event=dropped plugin={}", c.state.feed_id, c.keys[o.index],
                      r.dropped_by);
      }
    }
    co_return c;
  }

  asio::awaitable<PollCommit> decide_job(PollCommit c) {
    decide(c);
    co_return c;
  }

  // The outbox: the messages are journalled in the transaction that marks their stories seen
  // and saves the feed state, and handed to the publisher only once it has committed. A crash
  // before the commit loses nothing (the stories are still new next time); a crash after it
  // leaves rows above the sent watermark, which resend_unsent() sends at the next start.
  // Appends the messages to send once the batch has committed to `to_send`.
  CommitCounts record(PollCommit& c, std::vector<store::JournalEntry>& to_send) {
    const std::string& feed_id = c.state.feed_id;
    store::Store::PollWrite& write = c.write;
    const auto fetched_at = std::chrono::time_point_cast<seconds>(c.fetched_at);
    const std::int64_t first_seq = seq;
    const TimePoint journalled_at = now_ms();
    CommitCounts counts;
    counts.recorded = c.recorded;
    for (Outgoing& o : c.outgoing) {
      if (o.dropped) {
        ++counts.dropped;
        continue;
      }
      normalize::MessageEnvelope& env = o.env;
      env.story_id = c.keys[o.index];
      env.feed_id = feed_id;
      env.feed_title = c.feed_title;
      env.fetched_at = fetched_at;
      env.additions = o.additions.empty() ? nullptr : &o.additions;
      env.seq = ++seq;
      write.journal.push_back({seq, std::string(o.kind) + feed_id,
                               normalize::story_message_json(c.stories[o.index], env),
                               journalled_at});
      if (o.kind == k_story_update) {
        ++counts.updates;
        continue;
      }
      ++counts.published;
      if (o.kind == k_story_dup) {
        ++counts.duplicates;
        continue;
      }
      // The same body on tag.<slug>, with a seq of its own (docs/messages.md).
      const std::size_t story_new = write.journal.size() - 1;
      for (const model::Tag& tag : o.additions.tags) {
        std::string body = normalize::with_seq(write.journal[story_new].body, ++seq);
        write.journal.push_back({seq, "tag." + tag.tag, std::move(body), journalled_at});
      }
    }
    if (!write.journal.empty() || !c.events.empty()) {
      wait_for_subscribers_once();
    }
    for (StatusEvent& e : c.events) {
      nlohmann::json body = {{"schema", normalize::k_message_schema},
                             {"seq", ++seq},
                             {"feed_id", feed_id},
                             {"event", e.event},
                             {"at", parse::format_rfc3339(fetched_at)}};
      body.update(e.fields);
      write.journal.push_back({seq, "feed.status." + feed_id, body.dump(), journalled_at});
    }
    c.state.stories_seen += static_cast<std::int64_t>(c.recorded);
    if (seq != first_seq) {
      write.counters.push_back({store::k_seq_counter, seq});
    }
    // The watermark rides along with the poll's transaction instead of costing one of its own.
    const std::int64_t handed = publisher.handed_seq();
    if (handed > stored_sent_seq) {
      write.counters.push_back({store::k_sent_counter, handed});
    }
    counts.identity_state = c.state.identity_state;
    write.state = std::move(c.state);
    write.seen_keys = std::move(c.keys);
    write.when = c.fetched_at;
    try {
      store.commit(write);
    } catch (const FatalError&) {
      // Nothing was journalled: the seqs handed out above are free again.
      seq = first_seq;
      throw;
    }
    if (handed > stored_sent_seq) {
      stored_sent_seq = handed;
    }
    std::move(write.journal.begin(), write.journal.end(), std::back_inserter(to_send));
    return counts;
  }

  // Feeds the poll's items to the feed's GuidHealth and records its state in c.state. Returns
  // true on the poll where the feed switches from ids to links (with a feed.status event).
  bool observe_identity(PollCommit& c) {
    auto [it, inserted] = guid_health.try_emplace(c.state.feed_id);
    if (inserted) {
      it->second = dedupe::GuidHealth::restore(c.state.identity_state);
    }
    dedupe::GuidHealth& health = it->second;
    if (!c.has_document) {
      return false;
    }
    const bool was_link = health.mode() == dedupe::IdentityMode::link;
    std::vector<dedupe::ItemKeys> keys;
    keys.reserve(c.stories.size());
    for (const model::Story& story : c.stories) {
      keys.push_back({story.id, story.link});
    }
    const dedupe::GuidHealth::Verdict verdict = health.observe(keys);
    c.state.identity_state = health.save();
    if (!verdict.use_link || was_link) {
      return false;
    }
    spdlog::warn("feed={} identity=link reason=\"{}\": its stories are told apart by their "
                 "links from now on",
                 c.state.feed_id, verdict.reason);
    c.events.push_back({"identity", {{"identity", "link"}, {"reason", verdict.reason}}});
    return true;
  }

  // Stories seen before whose title or text changed meaningfully: the changed fields per entry
  // of `known` (empty: no update). Queues the new fingerprints in `write`; a story stored
  // without one (seen before updates were tracked) gets it without counting as an update.
  std::vector<std::vector<std::string>> find_updates(const PollCommit& c,
                                                     const std::vector<std::string>& ids,
                                                     const std::vector<std::size_t>& known,
                                                     store::Store::PollWrite& write) {
    std::vector<std::vector<std::string>> changes(known.size());
    if (known.empty()) {
      return changes;
    }
    std::vector<std::string> keys;
    keys.reserve(known.size());
    for (const std::size_t i : known) {
      keys.push_back(ids[i]);
    }
    const std::vector<std::optional<std::int64_t>> stored =
        store.content_hashes(c.state.feed_id, keys);
    for (std::size_t k = 0; k < known.size(); ++k) {
      const std::int64_t now = pack_fingerprint(c.features[known[k]].fingerprint);
      if (stored[k] == now) {
        continue;
      }
      if (stored[k]) {
        changes[k] =
            dedupe::changed_fields(unpack_fingerprint(*stored[k]), unpack_fingerprint(now));
      }
      write.content_hashes.emplace_back(keys[k], now);
    }
    return changes;
  }

  // Cross-feed dedupe of the poll's new stories, in one batch (the order inside a poll does not
  // change the outcome). Queues their window entries in `write`, so that a restart rebuilds
  // the window. A story without a date counts as published when it was fetched, as does one
  // dated in the future.
  std::vector<dedupe::Verdict> decide_fresh(const PollCommit& c,
                                            const std::vector<std::string>& ids,
                                            const std::vector<std::size_t>& fresh,
                                            std::chrono::sys_seconds fetched_at,
                                            store::Store::PollWrite& write) {
    if (fresh.empty()) {
      return {}; // and a poll without new stories never pays for the window's rebuild
    }
    const std::int64_t fetched_s = fetched_at.time_since_epoch().count();
    std::vector<dedupe::Candidate> batch;
    batch.reserve(fresh.size());
    for (const std::size_t i : fresh) {
      const StoryFeatures& f = c.features[i];
      dedupe::Candidate cand;
      cand.story_id = dedupe::story_id_value(ids[i]);
      cand.feed_id = c.state.feed_id;
      if (f.exact_key) {
        cand.canonical_url = *f.exact_key;
      }
      cand.time_s = std::min(f.time_s.value_or(fetched_s), fetched_s);
      cand.signature = &f.signature;
      batch.push_back(cand);
    }
    restore_window();
    std::vector<dedupe::Verdict> verdicts = deduper.decide_batch(batch, fetched_s);
    for (std::size_t k = 0; k < fresh.size(); ++k) {
      write.window.push_back(store::WindowEntry{static_cast<std::int64_t>(batch[k].story_id),
                                                c.state.feed_id,
                                                std::chrono::sys_seconds{seconds{batch[k].time_s}},
                                                static_cast<std::int64_t>(verdicts[k].cluster_id),
                                                dedupe::serialize(c.features[fresh[k]].signature)});
    }
    return verdicts;
  }

  // In once mode the first message waits (once) for a subscriber to connect, so that a quick run
  // is not over before anyone listens. Store strand, or the main thread before it runs.
  void wait_for_subscribers_once() {
    if (options.mode != RunMode::once || waited_for_subscribers) {
      return;
    }
    waited_for_subscribers = true;
    if (!publisher.wait_for_subscribers(cfg.publish.once_wait_subscribers)) {
      spdlog::debug("event=no_subscriber waited_ms={}: publishing anyway",
                    cfg.publish.once_wait_subscribers.count());
    }
  }

  // Stores the sent watermark when the publisher has moved it. Store strand.
  void save_sent_seq() {
    const std::int64_t handed = publisher.handed_seq();
    if (handed > stored_sent_seq) {
      store.save_counter(store::k_sent_counter, handed);
      stored_sent_seq = handed;
    }
  }

  asio::awaitable<std::size_t> trim_journal_batch(TimePoint older_than) {
    // Only what has been handed over, in this run or (the stored mark) an earlier one: rows above
    // it are still to be sent.
    const std::int64_t sent = std::max(publisher.handed_seq(), stored_sent_seq);
    co_return store.trim_journal(older_than, cfg.journal.max_bytes, sent, k_purge_batch);
  }

  asio::awaitable<std::size_t> purge_seen_batch(TimePoint older_than) {
    co_return store.purge_seen(older_than, k_purge_batch);
  }

  asio::awaitable<std::size_t> purge_window_batch(seconds keep) {
    co_return store.purge_window(keep, k_purge_batch);
  }

  void send(std::string topic, std::string body, std::int64_t message_seq) {
    if (options.stdout_messages) {
      const std::string line =
          publish::format_sub_line(topic, body, publish::Layout::compact) + "\n";
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fflush(stdout);
    }
    publisher.publish(publish::Message{std::move(topic), std::move(body), message_seq});
  }

  // ---- run -----------------------------------------------------------------------------------

  // SIGINT/SIGTERM, each time: the first drains, a second cancels the fetches still running.
  void listen_for_stop() {
    signals.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) {
        return;
      }
      spdlog::info("event=signal signal={}", signo == SIGTERM ? "SIGTERM" : "SIGINT");
      request_stop();
      listen_for_stop();
    });
  }

  int run() {
    load_feeds();
    spdlog::info("event=started feeds={} state={} publish={} replay={} control={}", feeds.size(),
                 store.path().string(), join(publisher.endpoints(), ","),
                 replay ? replay->endpoint() : std::string("none"),
                 control ? control->endpoint() : std::string("none"));
    warn_about_open_endpoints();
    resend_unsent();
    listen_for_stop();
    const auto rethrow = [](std::exception_ptr e) {
      if (e) {
        std::rethrow_exception(e);
      }
    };
    if (options.mode == RunMode::forever) {
      // The io thread's first job: the state is loaded and every socket is bound.
      asio::post(io, [this] {
        refresh_metrics();
        serving = true;
        notifier.ready(status_line());
      });
    }
    asio::co_spawn(io, schedule_loop(), rethrow);
    if (options.mode == RunMode::forever && cfg.publish.heartbeat_interval.count() > 0) {
      asio::co_spawn(io, heartbeat_loop(), rethrow);
    }
    if (options.mode == RunMode::forever) {
      asio::co_spawn(io, maintenance_loop(), rethrow);
      hangup.add(SIGHUP);
      listen_for_hangup();
      asio::co_spawn(io, status_loop(), rethrow);
      if (const auto period = notifier.watchdog_period()) {
        asio::co_spawn(io, watchdog_loop(*period), rethrow);
      }
    }
    io.run();
    control_closing = true;
    if (control) {
      control->stop();
    }
    if (http) {
      http->stop();
    }
    pool.join();
    publisher.flush();
    // The pool has stopped: the store is this thread's now.
    save_sent_seq();
    if (replay) {
      replay->stop();
    }
    publisher.stop();
    if (options.mode != RunMode::once) {
      for (const std::string& line : plugins->summary()) {
        spdlog::info("{}", line);
      }
      spdlog::info("event=stopped");
      return 0;
    }
    for (const std::string& line : plugins->summary()) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    int failed = 0;
    for (const auto& [id, report] : once_reports) {
      const bool ok = report.result == PollResult::ok;
      failed += ok ? 0 : 1;
      std::fprintf(stderr, "%-24s %s %s\n", id.c_str(), ok ? "ok    " : "FAILED",
                   report.detail.c_str());
    }
    std::fprintf(stderr, "%zu feeds polled, %d failed, %lld messages published\n",
                 once_reports.size(), failed, static_cast<long long>(seq - first_seq_of_run));
    return failed > 0 ? 1 : 0;
  }

  static constexpr int k_redirects_to_move = 3;
  // Polls whose commit is queued on or running on the store strand, at most (see schedule_loop).
  std::size_t max_pending_commits() const noexcept {
    return static_cast<std::size_t>(std::max(1, cfg.fetch.max_concurrent));
  }

  std::shared_ptr<plugin_host::Chain> chain() const {
    const std::lock_guard lock(plugins_mutex);
    return plugins;
  }

  config::Config cfg; // io thread; a reload changes its feeds, plugins and log level
  RunOptions options;
  Notifier notifier;
  DaemonMetrics metrics;            // before `plugins`: the chain counts into it
  mutable std::mutex plugins_mutex; // guards `plugins` for readers off the io thread
  // The [[plugin]]s: the io thread swaps it on reload; each poll keeps the one it started with.
  std::shared_ptr<plugin_host::Chain> plugins;
  asio::io_context io{1};
  asio::thread_pool pool;
  asio::strand<asio::thread_pool::executor_type> store_strand;
  store::Store store;                              // store strand only (after construction)
  const std::optional<publish::CurveServer> curve; // [security]: the sockets' keys
  publish::Publisher publisher;                    // thread-safe
  fetch::Fetcher fetcher;                          // io thread only
  scheduler::Scheduler sched;                      // io thread only
  asio::system_timer wake_timer;                   // io thread only: the one schedule timer
  asio::system_timer idle_timer;                   // io thread only: wakes the shutdown wait
  asio::system_timer heartbeat_timer;              // io thread only
  asio::system_timer maintenance_timer;            // io thread only
  asio::signal_set signals;
  asio::signal_set hangup;                                   // SIGHUP: reload (forever mode)
  asio::steady_timer watchdog_timer;                         // io thread only
  asio::steady_timer status_timer;                           // io thread only
  asio::steady_timer drain_timer;                            // io thread only
  asio::steady_timer store_retry_timer;                      // io thread only
  std::optional<publish::ReplayServer> replay;               // its own thread; none in once mode
  std::map<std::string, std::shared_ptr<FeedRuntime>> feeds; // io thread only
  bool reloading = false;                                    // io thread only
  std::uint64_t stories_published = 0;                       // io thread only: story.new this run
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>>
      rate_samples;                                  // io thread only
  std::atomic<bool> control_closing = false;         // the io thread answers no more requests
  std::size_t active_polls = 0;                      // io thread only
  std::size_t pending_commits = 0;                   // io thread only
  bool store_recovering = false;                     // io thread only: store_recovery_loop runs
  std::set<std::string> unstored_feeds;              // io thread only: to poll after recovery
  bool stopping = false;                             // io thread only
  std::size_t once_pending = 0;                      // io thread only
  std::map<std::string, PollReport> once_reports;    // io thread only
  std::int64_t seq = 0;                              // store strand only: the last seq journalled
  std::atomic<std::int64_t> last_journalled_seq = 0; // seq, once its messages are queued
  std::int64_t stored_sent_seq = 0;                  // store strand only: the stored watermark
  std::shared_ptr<CommitBatch> open_batch;           // store strand only: the group commit
  bool background_done = false;                      // io thread only
  std::int64_t first_seq_of_run = 0;                 // seq at startup, for the --once summary
  bool waited_for_subscribers = false;               // store strand only
  const dedupe::UrlOptions urls;                     // immutable: any thread
  dedupe::Deduper deduper;                           // store strand only
  bool window_restored = false;                      // store strand only
  std::map<std::string, dedupe::GuidHealth> guid_health; // store strand only
  std::map<std::string, std::uint64_t> deferrals_seen;   // io thread only: per host, counted so far
  // What readiness() reads on the HTTP thread.
  std::atomic<bool> serving = false;        // READY was sent
  std::atomic<bool> stop_requested = false; // stopping, for other threads
  std::atomic<bool> store_failed = false;   // the last group commit failed
  std::atomic<int> feeds_total = 0;
  std::atomic<int> feeds_failing = 0;
  // Last: their threads call readiness() and handle_control(), which use the members above.
  std::optional<metrics::HttpServer> http;
  std::optional<ControlServer> control;
};

Daemon::Daemon(config::Config config, RunOptions options)
    : m(std::make_unique<Impl>(std::move(config), options)) {}

Daemon::~Daemon() = default;

int Daemon::run() {
  return m->run();
}

std::vector<std::string> Daemon::endpoints() const {
  return m->publisher.endpoints();
}

std::string check_config(const config::Config& config, const std::filesystem::path& host_program) {
  // The key files too: a missing or unsafe one would stop the start.
  (void)curve_server(config);
  const plugin_host::Chain chain = plugin_host::Chain::load(
      config.plugins, plugin_host::chain_options(config, host_program, false));
  const auto enabled = std::count_if(config.feeds.begin(), config.feeds.end(),
                                     [](const config::FeedConfig& f) { return f.enabled; });
  std::string names;
  for (const config::PluginConfig& p : config.plugins) {
    names += (names.empty() ? ": " : ", ") + p.name;
  }
  return std::to_string(config.feeds.size()) + " feeds (" + std::to_string(enabled) +
         " enabled), " + std::to_string(config.plugins.size()) + " plugins" + names;
}

std::vector<plugin_host::PluginStats> Daemon::plugin_stats() const {
  return m->chain()->stats();
}

} // namespace fw::service
