#include "service/daemon.hpp"

#include "dedupe/identity.hpp"
#include "fetch/fetcher.hpp"
#include "normalize/json_output.hpp"
#include "normalize/normalize.hpp"
#include "parse/date.hpp"
#include "parse/feed_parser.hpp"
#include "publish/publisher.hpp"
#include "publish/sub_format.hpp"
#include "scheduler/scheduler.hpp"
#include "store/store.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <cstdio>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <thread>

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

// What the worker pool makes of a 200 response.
struct Processed {
  bool is_feed = false;
  std::string error; // why not, when !is_feed
  model::FeedDocument doc;
  std::vector<std::string> story_ids; // per item of doc.items
  std::vector<TimePoint> item_times;
};

Processed process_body(const std::string& feed_id, const std::string& body,
                       const parse::ParseOptions& options) {
  Processed out;
  Result<parse::ParsedFeed> parsed = parse::parse_feed(body, options);
  if (!parsed) {
    out.error = parsed.error().message;
    return out;
  }
  out.is_feed = true;
  out.doc = normalize::normalize_feed(std::move(parsed).value());
  out.story_ids.reserve(out.doc.items.size());
  for (const model::Story& s : out.doc.items) {
    out.story_ids.push_back(dedupe::story_id(feed_id, s));
    if (const auto& t = s.published ? s.published : s.updated) {
      out.item_times.push_back(std::chrono::time_point_cast<milliseconds>(*t));
    }
  }
  return out;
}

// The pool side of a poll. Parameters by value: they live in the coroutine frame.
asio::awaitable<Processed> process_job(std::string feed_id, std::string body,
                                       std::string content_type, std::string base_url) {
  parse::ParseOptions options;
  options.base_url = std::move(base_url);
  options.content_type = std::move(content_type);
  co_return process_body(feed_id, body, options);
}

// A `feed.status.<id>` event decided on the io thread, published with the poll's commit.
struct StatusEvent {
  std::string event; // failed, recovered, moved, gone
  nlohmann::json fields;
};

// Everything the store strand does at the end of one poll, in order: choose the new stories,
// publish them and the status events, then record state and seen keys in one transaction.
struct PollCommit {
  store::FeedState state;
  std::optional<std::string> feed_title;
  bool publishes_stories = true; // false on a first poll with on_first_poll = "mark_seen"
  std::vector<model::Story> stories;
  std::vector<std::string> story_ids;
  std::vector<StatusEvent> events;
  TimePoint fetched_at;
};

// What one commit did: stories new to the seen set, and how many of them went out.
struct CommitCounts {
  std::size_t recorded = 0;
  std::size_t published = 0; // 0 on a first poll with on_first_poll = "mark_seen"
};

struct FeedRuntime {
  config::FeedConfig config;
  store::FeedState state;
};

enum class PollResult { ok, failed, cancelled };

struct PollReport {
  PollResult result = PollResult::ok;
  std::string detail;
};

} // namespace

struct Daemon::Impl {
  Impl(config::Config c, RunOptions o)
      : cfg(std::move(c)), options(o), pool(worker_count(cfg)), store_strand(pool.get_executor()),
        store(store::Store::open(cfg.state_dir / "feedwire.db")), publisher(publisher_options(cfg)),
        fetcher(io, fetch_limits(cfg)), sched(schedule_policy(cfg), now_ms, std::random_device{}()),
        wake_timer(io), idle_timer(io), signals(io, SIGINT, SIGTERM) {
    seq = store.load_counter("seq");
    first_seq_of_run = seq;
  }

  static std::size_t worker_count(const config::Config& c) {
    if (c.workers > 0) {
      return static_cast<std::size_t>(c.workers);
    }
    return std::max(1U, std::thread::hardware_concurrency());
  }

  static publish::Options publisher_options(const config::Config& c) {
    publish::Options o;
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
      store::FeedState st;
      if (auto stored = stored_states.find(fc.id); stored != stored_states.end()) {
        st = std::move(stored->second);
      } else {
        st.feed_id = fc.id;
        st.url = fc.url;
        st.configured_url = fc.url;
      }
      if (st.configured_url != fc.url) {
        // The operator changed the URL: whatever we learnt about the old one no longer holds.
        spdlog::info("feed={} url={} previous_url={} state reset: the configured URL changed",
                     fc.id, fc.url, st.url);
        st = store::FeedState{};
        st.feed_id = fc.id;
        st.url = fc.url;
        st.configured_url = fc.url;
      }
      if (st.disabled) {
        spdlog::warn("feed={} url={} disabled: {}; change its url in {} to poll it again", fc.id,
                     st.url, st.disabled_reason, fc.origin);
        continue;
      }
      std::optional<TimePoint> due = st.next_due;
      if (options.mode == RunMode::once) {
        due = now;
      }
      sched.add(scheduler::FeedSpec{fc.id, host_of(st.url), fc.interval}, due, st.error_count);
      feeds.emplace(fc.id, FeedRuntime{fc, std::move(st)});
    }
    once_pending = feeds.size();
  }

  // ---- the io thread -------------------------------------------------------------------------

  asio::awaitable<void> schedule_loop() {
    while (!stopping) {
      for (std::string& id : sched.take_ready()) {
        ++active_polls;
        asio::co_spawn(io, poll(id), [this, id](std::exception_ptr e) {
          --active_polls;
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              spdlog::error("feed={} poll task failed: {}", id, ex.what());
            }
          }
          idle_timer.cancel();
        });
      }
      if (options.mode == RunMode::once && once_pending == 0) {
        break;
      }
      const std::optional<TimePoint> wake = sched.next_wakeup();
      wake_timer.expires_at(wake ? *wake : now_ms() + std::chrono::hours(24));
      co_await wake_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    // Let the polls in flight finish (cancelled ones end quickly) before the process ends.
    while (active_polls > 0) {
      idle_timer.expires_at(asio::system_timer::time_point::max());
      co_await idle_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    signals.cancel();
  }

  void request_stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    spdlog::info("stopping: {} polls in flight", active_polls);
    fetcher.cancel_all();
    wake_timer.cancel();
  }

  asio::awaitable<void> poll(std::string id) {
    FeedRuntime& feed = feeds.at(id); // std::map: the node stays put, nothing is ever erased
    fetch::Request request;
    request.url = feed.state.url;
    request.etag = feed.state.etag;
    request.last_modified = feed.state.last_modified;
    request.headers = feed.config.headers;
    request.user_agent = feed.config.user_agent;

    const TimePoint started = now_ms();
    fetch::Response response = co_await fetcher.fetch(request);

    Processed processed;
    if (response.error == fetch::ErrorKind::none && response.status == 200) {
      // Named locals rather than temporaries inside co_await expressions: GCC 12 destroys some
      // of those twice.
      std::string content_type = response.content_type.value_or("");
      asio::awaitable<Processed> job = process_job(id, std::move(response.body),
                                                   std::move(content_type), response.effective_url);
      processed = co_await asio::co_spawn(pool, std::move(job), asio::use_awaitable);
    }
    if (response.error == fetch::ErrorKind::cancelled || stopping) {
      record_once(id, PollReport{PollResult::cancelled, "cancelled"});
      co_return;
    }

    PollCommit commit;
    commit.fetched_at = started;
    const PollReport report = apply_response(feed, response, processed, commit);
    commit.state = feed.state;
    commit.feed_title = feed.config.title ? feed.config.title : processed.doc.feed.title;
    commit.stories = std::move(processed.doc.items);
    commit.story_ids = std::move(processed.story_ids);
    const config::OnFirstPoll first_poll = feed.config.on_first_poll.value_or(cfg.on_first_poll);
    commit.publishes_stories = feed.state.polled_once || first_poll == config::OnFirstPoll::publish;
    if (report.result == PollResult::ok && response.status == 200) {
      feed.state.polled_once = true;
      commit.state.polled_once = true;
    }

    asio::awaitable<CommitCounts> commit_task = commit_job(std::move(commit));
    const CommitCounts counts =
        co_await asio::co_spawn(store_strand, std::move(commit_task), asio::use_awaitable);
    // The same count the commit stored, so that the next poll's copy of the state carries it.
    feed.state.stories_seen += static_cast<std::int64_t>(counts.recorded);
    const std::size_t published = counts.published;
    if (report.result == PollResult::ok) {
      spdlog::debug("feed={} status={} new={}", id, response.status, published);
    }
    record_once(
        id, report.result == PollResult::ok
                ? PollReport{PollResult::ok, report.detail + " new=" + std::to_string(published)}
                : report);
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
      error = "not a feed: " + p.error;
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
        spdlog::info("feed={} url={} recovered after {} failed polls", st.feed_id, st.url,
                     st.error_count);
      }
      st.error_count = 0;
      st.last_error.clear();
      st.last_success = now;
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
    spdlog::info("feed={} url={} moved_to={} after {} permanent redirects", st.feed_id, st.url,
                 *r.permanent_redirect, st.redirect_count);
    st.moved_from = st.url;
    st.url = *r.permanent_redirect;
    st.redirect_target.reset();
    st.redirect_count = 0;
    sched.set_host(st.feed_id, host_of(st.url));
  }

  // ---- the store strand ----------------------------------------------------------------------

  asio::awaitable<CommitCounts> commit_job(PollCommit c) { co_return commit_poll(std::move(c)); }

  CommitCounts commit_poll(PollCommit c) {
    std::vector<std::size_t> fresh;
    const std::vector<bool> seen = store.are_seen(c.state.feed_id, c.story_ids);
    for (const std::size_t i : dedupe::first_occurrences(c.story_ids)) {
      if (!seen[i]) {
        fresh.push_back(i);
      }
    }
    const bool publishes = c.publishes_stories && !fresh.empty();
    if ((publishes || !c.events.empty()) && options.mode == RunMode::once &&
        !waited_for_subscribers) {
      waited_for_subscribers = true;
      if (!publisher.wait_for_subscribers(cfg.publish.once_wait_subscribers)) {
        spdlog::debug("no subscriber after {} ms; publishing anyway",
                      cfg.publish.once_wait_subscribers.count());
      }
    }
    const std::int64_t first_seq = seq;
    const auto fetched_at = std::chrono::time_point_cast<seconds>(c.fetched_at);
    if (publishes) {
      for (const std::size_t i : fresh) {
        normalize::MessageEnvelope env;
        env.seq = ++seq;
        env.story_id = c.story_ids[i];
        env.feed_id = c.state.feed_id;
        env.feed_title = c.feed_title;
        env.fetched_at = fetched_at;
        send("story.new." + c.state.feed_id, normalize::story_message_json(c.stories[i], env));
      }
    }
    for (StatusEvent& e : c.events) {
      nlohmann::json body = {{"schema", normalize::k_message_schema},
                             {"seq", ++seq},
                             {"feed_id", c.state.feed_id},
                             {"event", e.event},
                             {"at", parse::format_rfc3339(fetched_at)}};
      body.update(e.fields);
      send("feed.status." + c.state.feed_id, body.dump());
    }
    c.state.stories_seen += static_cast<std::int64_t>(fresh.size());
    std::optional<store::Store::CounterValue> counter;
    if (seq != first_seq) {
      counter = store::Store::CounterValue{"seq", seq};
    }
    store.commit_poll(c.state, c.story_ids, c.fetched_at, counter);
    return CommitCounts{fresh.size(), publishes ? fresh.size() : 0};
  }

  void send(std::string topic, std::string body) {
    if (options.stdout_messages) {
      const std::string line =
          publish::format_sub_line(topic, body, publish::Layout::compact) + "\n";
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fflush(stdout);
    }
    publisher.publish(publish::Message{std::move(topic), std::move(body)});
  }

  // ---- run -----------------------------------------------------------------------------------

  int run() {
    load_feeds();
    spdlog::info("feedwired started: {} feeds, state {}, publishing on {}", feeds.size(),
                 store.path().string(), join(publisher.endpoints(), ","));
    signals.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (!ec) {
        spdlog::info("signal {} received", signo);
        request_stop();
      }
    });
    asio::co_spawn(io, schedule_loop(), [](std::exception_ptr e) {
      if (e) {
        std::rethrow_exception(e);
      }
    });
    io.run();
    pool.join();
    publisher.flush();
    publisher.stop();
    if (options.mode != RunMode::once) {
      return 0;
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

  config::Config cfg;
  RunOptions options;
  asio::io_context io{1};
  asio::thread_pool pool;
  asio::strand<asio::thread_pool::executor_type> store_strand;
  store::Store store;            // store strand only (after construction)
  publish::Publisher publisher;  // thread-safe
  fetch::Fetcher fetcher;        // io thread only
  scheduler::Scheduler sched;    // io thread only
  asio::system_timer wake_timer; // io thread only: the one schedule timer
  asio::system_timer idle_timer; // io thread only: wakes the shutdown wait
  asio::signal_set signals;
  std::map<std::string, FeedRuntime> feeds;       // io thread only
  std::size_t active_polls = 0;                   // io thread only
  bool stopping = false;                          // io thread only
  std::size_t once_pending = 0;                   // io thread only
  std::map<std::string, PollReport> once_reports; // io thread only
  std::int64_t seq = 0;                           // store strand only
  std::int64_t first_seq_of_run = 0;              // seq at startup, for the --once summary
  bool waited_for_subscribers = false;            // store strand only
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

} // namespace fw::service
