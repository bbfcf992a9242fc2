// The state database, schema version 1.
//
// feed_state  one row per feed; the columns are the fields of FeedState one to one, in the same
//             order. Times are INTEGER milliseconds since the Unix epoch, UTC (`*_ms`); booleans
//             are 0/1. NULL stands for std::nullopt and is allowed only in the optional columns.
// seen        (feed_id, key, first_seen) PRIMARY KEY (feed_id, key) WITHOUT ROWID; first_seen is
//             in milliseconds like the *_ms columns. The seen set is the biggest table (every story
//             id of every feed) and is only ever looked up by its whole primary key. In a rowid
//             table each key would be stored twice, in the table and in the primary-key index, and
//             every lookup would search two b-trees; WITHOUT ROWID keeps the small row inside the
//             primary-key b-tree. No foreign key to feed_state: dedupe may record keys before a
//             feed's first state is saved, and removing a feed's state must not forget what it has
//             already published.
// counter     (name, value) WITHOUT ROWID: daemon-wide counters such as the message sequence.
//
// The version is PRAGMA user_version. k_migrations[v] turns a version v-1 file into version v;
// open() applies the missing scripts and sets user_version in one transaction, so a crash
// half-way leaves the file at its old version. To change the schema, append a script and bump
// Store::k_schema_version; never edit a script that has shipped.

#include "store/store.hpp"

#include "util/errors.hpp"

#include <array>
#include <cstddef>
#include <sqlite3.h>
#include <string>
#include <system_error>
#include <utility>

namespace fw::store {
namespace {

constexpr std::array<const char*, Store::k_schema_version + 1> k_migrations = {
    // 0: the empty file SQLite creates.
    "",
    // 1
    R"sql(
CREATE TABLE feed_state (
  feed_id          TEXT    NOT NULL PRIMARY KEY,
  url              TEXT    NOT NULL,
  configured_url   TEXT    NOT NULL,
  etag             TEXT,
  last_modified    TEXT,
  next_due_ms      INTEGER,
  last_attempt_ms  INTEGER,
  last_success_ms  INTEGER,
  error_count      INTEGER NOT NULL DEFAULT 0,
  last_status      INTEGER,
  last_error       TEXT    NOT NULL DEFAULT '',
  redirect_target  TEXT,
  redirect_count   INTEGER NOT NULL DEFAULT 0,
  moved_from       TEXT,
  disabled         INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  disabled_reason  TEXT    NOT NULL DEFAULT '',
  polled_once      INTEGER NOT NULL DEFAULT 0 CHECK (polled_once IN (0, 1)),
  schedule_explain TEXT    NOT NULL DEFAULT '',
  stories_seen     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE seen (
  feed_id    TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (feed_id, key)
) WITHOUT ROWID;
CREATE TABLE counter (
  name  TEXT    NOT NULL PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};

// Long enough to ride out another process's checkpoint or a `sqlite3` shell an operator left
// inside a transaction for a moment; short enough that a stuck lock shows up as an error.
constexpr int k_busy_timeout_ms = 5000;

constexpr const char* k_in_memory = ":memory:";

enum class Query : std::size_t {
  begin,
  commit,
  rollback,
  user_version,
  load_feed,
  load_feeds,
  save_feed,
  insert_seen,
  is_seen,
  load_counter,
  save_counter,
};

struct QueryText {
  Query id;
  const char* purpose; // completes "<path>: <purpose>: <sqlite3_errmsg>"
  const char* sql;
};

#define FW_FEED_COLUMNS                                                                            \
  "feed_id, url, configured_url, etag, last_modified, next_due_ms, last_attempt_ms, "              \
  "last_success_ms, error_count, last_status, last_error, redirect_target, redirect_count, "       \
  "moved_from, disabled, disabled_reason, polled_once, schedule_explain, stories_seen"

constexpr std::array k_queries = {
    // IMMEDIATE takes the write lock up front. A deferred transaction that reads first and then
    // writes can fail with SQLITE_BUSY at once in WAL mode, without waiting for busy_timeout.
    QueryText{Query::begin, "starting a transaction", "BEGIN IMMEDIATE"},
    QueryText{Query::commit, "committing a transaction", "COMMIT"},
    QueryText{Query::rollback, "rolling back a transaction", "ROLLBACK"},
    QueryText{Query::user_version, "reading the schema version", "PRAGMA user_version"},
    QueryText{Query::load_feed, "loading the state of a feed",
              "SELECT " FW_FEED_COLUMNS " FROM feed_state WHERE feed_id = ?1"},
    QueryText{Query::load_feeds, "loading the state of all feeds",
              "SELECT " FW_FEED_COLUMNS " FROM feed_state ORDER BY feed_id"},
    // An upsert, not INSERT OR REPLACE: REPLACE deletes the old row first, which would fire
    // ON DELETE actions of any table a later schema points at feed_state.
    QueryText{Query::save_feed, "saving the state of a feed",
              "INSERT INTO feed_state (" FW_FEED_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
              "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
              "ON CONFLICT (feed_id) DO UPDATE SET url = excluded.url, "
              "configured_url = excluded.configured_url, etag = excluded.etag, "
              "last_modified = excluded.last_modified, next_due_ms = excluded.next_due_ms, "
              "last_attempt_ms = excluded.last_attempt_ms, "
              "last_success_ms = excluded.last_success_ms, error_count = excluded.error_count, "
              "last_status = excluded.last_status, last_error = excluded.last_error, "
              "redirect_target = excluded.redirect_target, "
              "redirect_count = excluded.redirect_count, moved_from = excluded.moved_from, "
              "disabled = excluded.disabled, disabled_reason = excluded.disabled_reason, "
              "polled_once = excluded.polled_once, schedule_explain = excluded.schedule_explain, "
              "stories_seen = excluded.stories_seen"},
    // OR IGNORE plus sqlite3_changes() tells new from old keys in one statement per key.
    QueryText{Query::insert_seen, "recording seen stories",
              "INSERT OR IGNORE INTO seen (feed_id, key, first_seen) VALUES (?1, ?2, ?3)"},
    QueryText{Query::is_seen, "looking up a seen story",
              "SELECT 1 FROM seen WHERE feed_id = ?1 AND key = ?2"},
    QueryText{Query::load_counter, "loading a counter",
              "SELECT value FROM counter WHERE name = ?1"},
    QueryText{Query::save_counter, "saving a counter",
              "INSERT INTO counter (name, value) VALUES (?1, ?2) "
              "ON CONFLICT (name) DO UPDATE SET value = excluded.value"},
};

#undef FW_FEED_COLUMNS

constexpr std::size_t k_query_count = k_queries.size();

constexpr bool queries_in_enum_order() {
  for (std::size_t i = 0; i < k_query_count; ++i) {
    if (static_cast<std::size_t>(k_queries[i].id) != i) {
      return false;
    }
  }
  return true;
}
static_assert(queries_in_enum_order(), "k_queries must list the queries in the order of Query");

[[noreturn]] void fail(sqlite3* db, const std::string& name, std::string_view purpose) {
  std::string message = name;
  message += ": ";
  message += purpose;
  message += ": ";
  message += sqlite3_errmsg(db);
  throw FatalError(message);
}

std::int64_t to_ms(TimePoint t) noexcept {
  return t.time_since_epoch().count();
}

TimePoint from_ms(std::int64_t ms) noexcept {
  return TimePoint{std::chrono::milliseconds{ms}};
}

// One use of a cached prepared statement: binds parameters, steps, reads columns, and on
// destruction resets the statement and drops its bindings, so that no cached statement keeps a
// read transaction open or points at a caller's string.
class Cursor {
public:
  Cursor(sqlite3* db, sqlite3_stmt* stmt, const std::string& name, const char* purpose) noexcept
      : m_db(db), m_stmt(stmt), m_name(name), m_purpose(purpose) {}
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }

  // Text is bound SQLITE_STATIC: the caller's string outlives the step, and the destructor
  // clears the binding before the string can go away.
  void bind(int index, std::string_view text) {
    // A null pointer would bind SQL NULL; an empty view may have one.
    const char* data = text.data() != nullptr ? text.data() : "";
    check(sqlite3_bind_text64(m_stmt, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  void bind(int index, std::int64_t value) { check(sqlite3_bind_int64(m_stmt, index, value)); }
  void bind(int index, int value) { check(sqlite3_bind_int(m_stmt, index, value)); }
  void bind(int index, bool value) { bind(index, value ? 1 : 0); }
  void bind(int index, TimePoint value) { bind(index, to_ms(value)); }
  template <typename T> void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      check(sqlite3_bind_null(m_stmt, index));
    }
  }

  // True when a row is ready to read, false when the statement has finished.
  bool step() {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc != SQLITE_DONE) {
      fail(m_db, m_name, m_purpose);
    }
    return false;
  }

  // Makes the statement ready to run again; bindings are kept.
  void rewind() noexcept { sqlite3_reset(m_stmt); }

  [[nodiscard]] bool is_null(int col) const noexcept {
    return sqlite3_column_type(m_stmt, col) == SQLITE_NULL;
  }
  [[nodiscard]] std::string text(int col) const {
    const auto* bytes = sqlite3_column_text(m_stmt, col);
    if (bytes == nullptr) {
      return {};
    }
    // column_bytes after column_text: the length of the UTF-8 form just fetched.
    return std::string(reinterpret_cast<const char*>(bytes),
                       static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)));
  }
  [[nodiscard]] std::int64_t int64(int col) const noexcept {
    return sqlite3_column_int64(m_stmt, col);
  }
  [[nodiscard]] int int32(int col) const noexcept { return sqlite3_column_int(m_stmt, col); }
  [[nodiscard]] std::optional<std::string> optional_text(int col) const {
    if (is_null(col)) {
      return std::nullopt;
    }
    return text(col);
  }
  [[nodiscard]] std::optional<TimePoint> optional_time(int col) const noexcept {
    if (is_null(col)) {
      return std::nullopt;
    }
    return from_ms(int64(col));
  }
  [[nodiscard]] std::optional<int> optional_int32(int col) const noexcept {
    if (is_null(col)) {
      return std::nullopt;
    }
    return int32(col);
  }

private:
  void check(int rc) const {
    if (rc != SQLITE_OK) {
      fail(m_db, m_name, m_purpose);
    }
  }

  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
  const std::string& m_name;
  const char* m_purpose;
};

FeedState read_feed(const Cursor& row) {
  FeedState s;
  s.feed_id = row.text(0);
  s.url = row.text(1);
  s.configured_url = row.text(2);
  s.etag = row.optional_text(3);
  s.last_modified = row.optional_text(4);
  s.next_due = row.optional_time(5);
  s.last_attempt = row.optional_time(6);
  s.last_success = row.optional_time(7);
  s.error_count = row.int32(8);
  s.last_status = row.optional_int32(9);
  s.last_error = row.text(10);
  s.redirect_target = row.optional_text(11);
  s.redirect_count = row.int32(12);
  s.moved_from = row.optional_text(13);
  s.disabled = row.int32(14) != 0;
  s.disabled_reason = row.text(15);
  s.polled_once = row.int32(16) != 0;
  s.schedule_explain = row.text(17);
  s.stories_seen = row.int64(18);
  return s;
}

void bind_feed(Cursor& c, const FeedState& s) {
  c.bind(1, std::string_view{s.feed_id});
  c.bind(2, std::string_view{s.url});
  c.bind(3, std::string_view{s.configured_url});
  c.bind(4, s.etag);
  c.bind(5, s.last_modified);
  c.bind(6, s.next_due);
  c.bind(7, s.last_attempt);
  c.bind(8, s.last_success);
  c.bind(9, s.error_count);
  c.bind(10, s.last_status);
  c.bind(11, std::string_view{s.last_error});
  c.bind(12, s.redirect_target);
  c.bind(13, s.redirect_count);
  c.bind(14, s.moved_from);
  c.bind(15, s.disabled);
  c.bind(16, std::string_view{s.disabled_reason});
  c.bind(17, s.polled_once);
  c.bind(18, std::string_view{s.schedule_explain});
  c.bind(19, s.stories_seen);
}

} // namespace

struct Store::Impl {
  Impl(std::filesystem::path path, sqlite3* db) : m_path(std::move(path)), m_db(db) {
    m_name = m_path.string();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    for (sqlite3_stmt* stmt : m_stmts) {
      sqlite3_finalize(stmt);
    }
    // Closing the last connection checkpoints the WAL into the main file and removes it.
    sqlite3_close_v2(m_db);
  }

  // Statements are prepared on first use and kept for the life of the connection, so that a
  // poll's fifty INSERTs reuse one compiled statement.
  Cursor cursor(Query q) {
    const auto i = static_cast<std::size_t>(q);
    if (m_stmts[i] == nullptr) {
      if (sqlite3_prepare_v3(m_db, k_queries[i].sql, -1, SQLITE_PREPARE_PERSISTENT, &m_stmts[i],
                             nullptr) != SQLITE_OK) {
        fail(m_db, m_name, std::string("preparing: ") + k_queries[i].purpose);
      }
    }
    return Cursor(m_db, m_stmts[i], m_name, k_queries[i].purpose);
  }

  void run(Query q) {
    Cursor c = cursor(q);
    while (c.step()) {
    }
  }

  void exec(const std::string& sql, std::string_view purpose) {
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      fail(m_db, m_name, purpose);
    }
  }

  // The single-row, single-column result of a PRAGMA that is run once.
  std::string pragma_text(const char* sql, std::string_view purpose) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(m_db, sql, -1, &raw, nullptr) != SQLITE_OK) {
      fail(m_db, m_name, purpose);
    }
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
    const int rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      fail(m_db, m_name, purpose);
    }
    const auto* text = rc == SQLITE_ROW ? sqlite3_column_text(stmt.get(), 0) : nullptr;
    return text == nullptr ? std::string{} : std::string(reinterpret_cast<const char*>(text));
  }

  int user_version() {
    Cursor c = cursor(Query::user_version);
    return c.step() ? c.int32(0) : 0;
  }

  void require_known_version(int found) const {
    if (found > k_schema_version) {
      throw ConfigError(m_name + ": state schema version " + std::to_string(found) +
                        " is newer than this feedwired understands (" +
                        std::to_string(k_schema_version) +
                        "); upgrade feedwired or point state_dir elsewhere");
    }
    if (found < 0) {
      throw ConfigError(m_name + ": state schema version " + std::to_string(found) +
                        " is not one feedwired ever wrote; point state_dir elsewhere");
    }
  }

  // Throws ConfigError for a newer or unknown schema, FatalError for SQLite failures (open()
  // turns those into ConfigError).
  void set_up(bool wal) {
    sqlite3_busy_timeout(m_db, k_busy_timeout_ms);
    // Reading the header first rejects a foreign or newer file before anything is written to it.
    require_known_version(user_version());
    if (wal) {
      const std::string mode = pragma_text("PRAGMA journal_mode = WAL", "switching to WAL mode");
      if (mode != "wal") {
        throw ConfigError(m_name + ": cannot switch the state database to WAL mode (it stays in '" +
                          mode + "' mode); put state_dir on a local file system");
      }
    }
    // NORMAL is durable across process crashes in WAL mode; only a power loss can lose the last
    // commits, which costs a re-published story at worst.
    exec("PRAGMA synchronous = NORMAL", "setting synchronous = NORMAL");
    exec("PRAGMA foreign_keys = ON", "enabling foreign keys");
    migrate();
    // Compile every statement now, so that a file whose tables do not match its user_version
    // is reported at startup rather than at the first poll.
    for (std::size_t i = 0; i < k_query_count; ++i) {
      static_cast<void>(cursor(static_cast<Query>(i)));
    }
  }

  void migrate() {
    if (user_version() == k_schema_version) {
      return;
    }
    Transaction tx(*this);
    // Again under the write lock: another feedwired may have migrated the file meanwhile.
    const int found = user_version();
    require_known_version(found);
    for (int v = found + 1; v <= k_schema_version; ++v) {
      exec(k_migrations[static_cast<std::size_t>(v)],
           "migrating the schema to version " + std::to_string(v));
    }
    exec("PRAGMA user_version = " + std::to_string(k_schema_version), "setting the schema version");
    tx.commit();
  }

  // BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
  class Transaction {
  public:
    explicit Transaction(Impl& impl) : m_impl(impl) { m_impl.run(Query::begin); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
      // After some errors (SQLITE_FULL, SQLITE_IOERR ...) SQLite has already rolled back, and a
      // second ROLLBACK would fail. A failing ROLLBACK cannot be reported from here; the
      // connection then reports the same problem on its next statement.
      if (!m_committed && sqlite3_get_autocommit(m_impl.m_db) == 0) {
        const auto i = static_cast<std::size_t>(Query::rollback);
        sqlite3_stmt* stmt = m_impl.m_stmts[i];
        if (stmt != nullptr) {
          sqlite3_step(stmt);
          sqlite3_reset(stmt);
        } else {
          sqlite3_exec(m_impl.m_db, k_queries[i].sql, nullptr, nullptr, nullptr);
        }
      }
    }
    void commit() {
      m_impl.run(Query::commit);
      m_committed = true;
    }

  private:
    Impl& m_impl;
    bool m_committed = false;
  };

  void save_feed_in_transaction(const FeedState& state) {
    Cursor c = cursor(Query::save_feed);
    bind_feed(c, state);
    c.step();
  }

  std::vector<bool> insert_seen_in_transaction(std::string_view feed_id,
                                               const std::vector<std::string>& keys,
                                               TimePoint when) {
    std::vector<bool> is_new;
    is_new.reserve(keys.size());
    Cursor c = cursor(Query::insert_seen);
    // feed_id and first_seen are the same for every key and survive the rewinds.
    c.bind(1, feed_id);
    c.bind(3, when);
    for (const std::string& key : keys) {
      c.bind(2, std::string_view{key});
      c.step();
      is_new.push_back(sqlite3_changes(m_db) == 1);
      c.rewind();
    }
    return is_new;
  }

  std::filesystem::path m_path;
  std::string m_name; // m_path as text, for messages
  sqlite3* m_db;
  std::array<sqlite3_stmt*, k_query_count> m_stmts{};
};

namespace {

sqlite3* connect(const std::string& name, const char* filename) {
  sqlite3* db = nullptr;
  // No SQLITE_OPEN_FULLMUTEX / NOMUTEX: the library's default threading mode applies. Store's
  // own rule (one thread at a time, see store.hpp) is what keeps the connection safe.
  const int rc =
      sqlite3_open_v2(filename, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    throw ConfigError(name + ": cannot open the state database: " + reason);
  }
  return db;
}

} // namespace

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Store Store::open(const std::filesystem::path& db_file) {
  const std::string name = db_file.string();
  if (const auto dir = db_file.parent_path(); !dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      throw ConfigError(dir.string() + ": cannot create the state directory for " + name + ": " +
                        ec.message());
    }
  }
  auto impl = std::make_unique<Impl>(db_file, connect(name, name.c_str()));
  try {
    impl->set_up(true);
  } catch (const FatalError& e) {
    throw ConfigError(std::string(e.what()) +
                      "; if this file is damaged or not feedwired's, move it away or point "
                      "state_dir elsewhere");
  }
  return Store(std::move(impl));
}

Store Store::open_in_memory() {
  auto impl = std::make_unique<Impl>(k_in_memory, connect(k_in_memory, k_in_memory));
  impl->set_up(false);
  return Store(std::move(impl));
}

std::optional<FeedState> Store::load_feed(std::string_view feed_id) {
  Cursor c = m_impl->cursor(Query::load_feed);
  c.bind(1, feed_id);
  if (!c.step()) {
    return std::nullopt;
  }
  return read_feed(c);
}

std::vector<FeedState> Store::load_feeds() {
  std::vector<FeedState> feeds;
  Cursor c = m_impl->cursor(Query::load_feeds);
  while (c.step()) {
    feeds.push_back(read_feed(c));
  }
  return feeds;
}

void Store::save_feed(const FeedState& state) {
  Impl::Transaction tx(*m_impl);
  m_impl->save_feed_in_transaction(state);
  tx.commit();
}

std::vector<bool> Store::insert_seen(std::string_view feed_id, const std::vector<std::string>& keys,
                                     TimePoint when) {
  if (keys.empty()) {
    return {};
  }
  Impl::Transaction tx(*m_impl);
  auto is_new = m_impl->insert_seen_in_transaction(feed_id, keys, when);
  tx.commit();
  return is_new;
}

bool Store::is_seen(std::string_view feed_id, std::string_view key) {
  Cursor c = m_impl->cursor(Query::is_seen);
  c.bind(1, feed_id);
  c.bind(2, key);
  return c.step();
}

std::vector<bool> Store::are_seen(std::string_view feed_id, const std::vector<std::string>& keys) {
  std::vector<bool> seen;
  seen.reserve(keys.size());
  if (keys.empty()) {
    return seen;
  }
  Impl::Transaction tx(*m_impl);
  for (const std::string& key : keys) {
    Cursor c = m_impl->cursor(Query::is_seen);
    c.bind(1, feed_id);
    c.bind(2, key);
    seen.push_back(c.step());
  }
  tx.commit();
  return seen;
}

std::vector<bool> Store::commit_poll(const FeedState& state, const std::vector<std::string>& keys,
                                     TimePoint when, std::optional<CounterValue> counter) {
  Impl::Transaction tx(*m_impl);
  m_impl->save_feed_in_transaction(state);
  auto is_new = m_impl->insert_seen_in_transaction(state.feed_id, keys, when);
  if (counter) {
    Cursor c = m_impl->cursor(Query::save_counter);
    c.bind(1, counter->name);
    c.bind(2, counter->value);
    c.step();
  }
  tx.commit();
  return is_new;
}

std::int64_t Store::load_counter(std::string_view name) {
  Cursor c = m_impl->cursor(Query::load_counter);
  c.bind(1, name);
  return c.step() ? c.int64(0) : 0;
}

void Store::save_counter(std::string_view name, std::int64_t value) {
  Impl::Transaction tx(*m_impl);
  {
    Cursor c = m_impl->cursor(Query::save_counter);
    c.bind(1, name);
    c.bind(2, value);
    c.step();
  }
  tx.commit();
}

int Store::schema_version() {
  return m_impl->user_version();
}

const std::filesystem::path& Store::path() const noexcept {
  return m_impl->m_path;
}

} // namespace fw::store
