#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The daemon's persistent state in one SQLite file (WAL mode): the poll state of every feed, the
// set of story ids already seen per feed, the journal of messages (the outbox the publisher sends
// from and the replay endpoint reads), the near-duplicate window, and daemon-wide counters. See
// store.cpp for the schema.
namespace fw::store {

// Stored as integer milliseconds since the Unix epoch (UTC).
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

// Names of the counters the daemon keeps (load_counter / save_counter).
inline constexpr std::string_view k_seq_counter = "seq"; // the last seq journalled
// The highest seq known to have been handed to ZeroMQ; rows above it are sent again at start.
inline constexpr std::string_view k_sent_counter = "sent_seq";
// The running total of journal_bytes() (kept by the store itself).
inline constexpr std::string_view k_journal_bytes_counter = "journal_bytes";

// One journalled message: what the publisher sends (topic and body frames) under its seq.
struct JournalEntry {
  std::int64_t seq = 0; // > 0, unique, increasing with every message
  std::string topic;
  std::string body;
  TimePoint at; // when it was journalled: the age that retention is measured from

  friend bool operator==(const JournalEntry&, const JournalEntry&) = default;
};

// One story of the near-duplicate window, as the dedupe engine saves it to rebuild the window at
// start. The store does not interpret cluster or signature.
struct WindowEntry {
  std::int64_t story_key = 0; // the engine's key for the story, unique
  std::string feed_id;
  std::chrono::sys_seconds at;
  std::optional<std::int64_t> cluster;
  std::string signature; // opaque bytes

  friend bool operator==(const WindowEntry&, const WindowEntry&) = default;
};

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
  // How the feed's stories are told apart (dedupe::GuidHealth::save()): empty until a poll has
  // been observed; records a switch from ids to links for feeds whose ids are unreliable.
  std::string identity_state;

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
  static constexpr int k_schema_version = 3;

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
  // Inserts, in one transaction, the keys not present yet with first_seen = last_seen = `when`,
  // moves last_seen of the keys already present forward to `when`, and returns for each input
  // key (same order) whether it was new. When a key occurs more than once in `keys`, only its
  // first occurrence counts as new.
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

  // Everything one poll writes, stored by commit() in one transaction.
  struct PollWrite {
    FeedState state;
    std::vector<std::string> seen_keys; // as insert_seen(state.feed_id, seen_keys, when)
    TimePoint when;
    // Set on entries of state.feed_id's seen set after seen_keys went in (a key not in the set
    // is added); the dedupe engine's hash of a story's content, to tell updates.
    std::vector<std::pair<std::string, std::int64_t>> content_hashes;
    std::vector<WindowEntry> window;   // as save_window()
    std::vector<JournalEntry> journal; // appended; each seq above every seq already journalled
    std::vector<CounterValue> counters;
  };

  // Stores `write` in one transaction: either all of it or, when it throws, none (a journal seq
  // that is already taken throws fw::FatalError too). Returns what insert_seen returns for
  // write.seen_keys.
  std::vector<bool> commit(const PollWrite& write);

  // Group commit. Between begin_batch() and commit_batch() every write above (commit(),
  // save_feed(), the purges ...) is a savepoint inside one transaction: it still goes in whole
  // or not at all, later reads see it, but nothing is durable, nor visible to other
  // connections, until commit_batch(). One transaction for many polls writes each shared page
  // once instead of once per poll. commit_batch() throws fw::FatalError, and leaves no
  // transaction open, when the commit fails or when an error made SQLite roll the batch back
  // earlier (every write of the batch is then lost, including the ones that returned).
  void begin_batch();
  void commit_batch();
  [[nodiscard]] bool batch_open() const noexcept;

  // content_hash of each of `keys` in the seen set of `feed_id`, same order: nullopt for a key
  // not seen or seen without a hash.
  [[nodiscard]] std::vector<std::optional<std::int64_t>>
  content_hashes(std::string_view feed_id, const std::vector<std::string>& keys);

  // Deletes up to `max_rows` seen entries, of any feed, whose last_seen is before `older_than`,
  // in one transaction; returns how many. The entries of a feed's latest document (those with
  // its newest last_seen) count as seen at the feed's last_attempt, since a poll that brings no
  // document (304 Not Modified, or a failure) leaves them in the feed: a feed answering 304 for
  // longer than the retention keeps its current stories, and does not publish them again when
  // it next changes. Call repeatedly until it returns less than max_rows, letting other work run
  // in between.
  std::size_t purge_seen(TimePoint older_than, std::size_t max_rows);

  // The journal. The publisher sends from it; the replay endpoint reads it (JournalReader).
  // Appends `entries` in one transaction (commit() is what the daemon uses).
  void append_journal(const std::vector<JournalEntry>& entries);
  // Up to `max_rows` entries with seq > `after_seq`, in seq order.
  [[nodiscard]] std::vector<JournalEntry> read_journal(std::int64_t after_seq,
                                                       std::size_t max_rows);
  // The lowest and highest seq journalled, or nullopt when the journal is empty.
  [[nodiscard]] std::optional<std::int64_t> journal_oldest_seq();
  [[nodiscard]] std::optional<std::int64_t> journal_last_seq();
  // The sum of topic and body sizes in bytes over the whole journal (what max_bytes limits):
  // a counter the journal's writes keep, counted from the journal itself the first time.
  [[nodiscard]] std::int64_t journal_bytes();

  // Deletes, oldest first and in one transaction, up to `max_rows` journal entries that are
  // older than `older_than` or whose removal is needed to bring journal_bytes() down to
  // `max_bytes`; never an entry with seq > `keep_after_seq` (not yet sent). Returns how many went.
  // Call repeatedly until it returns less than max_rows.
  std::size_t trim_journal(TimePoint older_than, std::int64_t max_bytes,
                           std::int64_t keep_after_seq, std::size_t max_rows);

  // The near-duplicate window. save_window inserts or replaces (by story_key) in one
  // transaction; load_window returns every entry ordered by (at, story_key); purge_window
  // deletes up to `max_rows` entries whose `at` is more than `keep` before the newest entry's
  // (story times, never the clock: an archive fetched today keeps its window) and returns how
  // many.
  void save_window(const std::vector<WindowEntry>& entries);
  [[nodiscard]] std::vector<WindowEntry> load_window();
  std::size_t purge_window(std::chrono::seconds keep, std::size_t max_rows);

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

// A read-only connection to the journal of a state file, beside the daemon's Store: in WAL mode
// readers neither wait for the writer nor hold it up. The replay endpoint uses one per server.
//
// Threads: one thread at a time, like Store. Errors: open() throws fw::ConfigError when the file
// cannot be opened or is not at Store::k_schema_version (open it with Store::open first); later
// SQLite failures throw fw::FatalError naming the file.
class JournalReader {
public:
  static JournalReader open(const std::filesystem::path& db_file);

  JournalReader(JournalReader&&) noexcept;
  JournalReader& operator=(JournalReader&&) noexcept;
  ~JournalReader();

  // One consistent look at the journal (a single read transaction).
  struct Chunk {
    // The lowest seq journalled; when the journal is empty, the seq the next message will get.
    std::int64_t oldest_seq = 1;
    std::int64_t last_seq = 0;         // the highest seq journalled, or the seq counter when empty
    std::vector<JournalEntry> entries; // up to max_rows with seq > after_seq, in seq order
  };
  [[nodiscard]] Chunk read_after(std::int64_t after_seq, std::size_t max_rows);

private:
  struct Impl;
  explicit JournalReader(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> m_impl;
};

} // namespace fw::store
