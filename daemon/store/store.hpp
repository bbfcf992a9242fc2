#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The daemon's persistent state in one SQLite file (WAL mode): the poll state of every feed, the
// set of story ids already seen per feed, and daemon-wide counters. See store.cpp for the schema.
namespace fw::store {

// Stored as integer milliseconds since the Unix epoch (UTC).
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

// What the daemon remembers about one feed between polls and across restarts.
struct FeedState {
  std::string feed_id;
  // URL polled now (differs from the config after a permanent move).
  std::string url;
  // URL in the config when this state was written: if the config's URL changes, the daemon
  // resets `url`.
  std::string configured_url;
  std::optional<std::string> etag, last_modified;
  std::optional<TimePoint> next_due, last_attempt, last_success;
  int error_count = 0;            // consecutive failures
  std::optional<int> last_status; // HTTP status of the last response
  std::string last_error;         // empty when the last poll succeeded
  std::optional<std::string> redirect_target;
  int redirect_count = 0;                // consecutive permanent redirects to redirect_target
  std::optional<std::string> moved_from; // set when url was changed by redirects
  bool disabled = false;
  std::string disabled_reason;  // e.g. "410 Gone"
  bool polled_once = false;     // at least one successful poll (on_first_poll)
  std::string schedule_explain; // JSON text from the scheduler: why next_due is what it is
  std::int64_t stories_seen = 0;

  friend bool operator==(const FeedState&, const FeedState&) = default;
};

// One connection to the state database.
//
// Threads: a Store is used by one thread at a time. The daemon hands it to a single strand on
// the pool and every call goes through that strand; the object itself takes no lock, so two
// threads calling into the same Store at once is a bug. Calls block on disk I/O: never call them
// on the io thread.
//
// Errors: open() throws fw::ConfigError (the caller is main, at startup). Every later SQLite
// failure throws fw::FatalError naming the file, what the statement was for and sqlite3_errmsg;
// a write that throws has been rolled back completely, and the Store stays usable.
//
// A moved-from Store may only be destroyed or assigned to.
class Store {
public:
  // The schema this binary writes; files at a lower version are migrated by open().
  static constexpr int k_schema_version = 1;

  // Opens `db_file` (normally <state_dir>/feedwire.db), creating it and its parent directories
  // when missing, switches it to WAL mode and applies any pending migrations in one transaction.
  // Throws fw::ConfigError naming the path when the directory or file cannot be created, the
  // file is not an SQLite database or is damaged, or its schema is newer than k_schema_version.
  static Store open(const std::filesystem::path& db_file);

  // A private database in memory that disappears with the object, for tests. Same schema and
  // behaviour as open(), without WAL.
  static Store open_in_memory();

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  // The state saved for `feed_id`, or std::nullopt when there is none.
  [[nodiscard]] std::optional<FeedState> load_feed(std::string_view feed_id);

  // Every saved feed state, ordered by feed_id.
  [[nodiscard]] std::vector<FeedState> load_feeds();

  // Inserts `state`, or replaces every field of the row with the same feed_id.
  void save_feed(const FeedState& state);

  // The seen set: keys are story ids (opaque byte strings of at most 64 bytes) scoped by feed.
  // Inserts, in one transaction, the keys not present yet with first_seen = `when`, and returns
  // for each input key (same order) whether it was new. When a key occurs more than once in
  // `keys`, only its first occurrence counts as new.
  std::vector<bool> insert_seen(std::string_view feed_id, const std::vector<std::string>& keys,
                                TimePoint when);

  // True when `key` is in the seen set of `feed_id`.
  [[nodiscard]] bool is_seen(std::string_view feed_id, std::string_view key);

  // is_seen() for each of `keys`, in one transaction (one lock instead of one per key).
  [[nodiscard]] std::vector<bool> are_seen(std::string_view feed_id,
                                           const std::vector<std::string>& keys);

  // A counter to store along with a poll (commit_poll's last argument).
  struct CounterValue {
    std::string_view name;
    std::int64_t value = 0;
  };

  // The end of a poll in one transaction: save_feed(state), insert_seen(state.feed_id, keys,
  // when) and, when given, save_counter(counter). Either all are stored or, when it throws,
  // none. Returns what insert_seen returns.
  std::vector<bool> commit_poll(const FeedState& state, const std::vector<std::string>& keys,
                                TimePoint when, std::optional<CounterValue> counter = {});

  // Daemon-wide counters that must survive restarts (the message sequence number).
  // load_counter returns 0 for a counter never saved.
  [[nodiscard]] std::int64_t load_counter(std::string_view name);
  void save_counter(std::string_view name, std::int64_t value);

  // The schema version of the open file (PRAGMA user_version); k_schema_version after open().
  [[nodiscard]] int schema_version();

  // The database file, or ":memory:" for open_in_memory(). Valid as long as the Store.
  [[nodiscard]] const std::filesystem::path& path() const noexcept;

private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> m_impl;
};

} // namespace fw::store
