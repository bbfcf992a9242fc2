// The state database, schema version 3.
//
// feed_state  one row per feed; the columns are the fields of FeedState one to one, in the same
//             order, but for identity_state. Times are INTEGER milliseconds since the Unix
//             epoch, UTC (`*_ms`); booleans are 0/1. NULL stands for std::nullopt and is allowed
//             only in the optional columns. Every poll rewrites its feed's row: keep it small.
// feed_identity (feed_id, state) WITHOUT ROWID: FeedState::identity_state when not empty,
//             written only when it changes (a document's ids do).
// seen        (feed_id, key, first_seen, last_seen, content_hash) PRIMARY KEY (feed_id, key)
//             WITHOUT ROWID; first_seen and last_seen are in milliseconds like the *_ms columns.
//             The seen set is the biggest table (every story id of every feed) and is looked up
//             by its whole primary key. In a rowid table each key would be stored twice, in the
//             table and in the primary-key index, and every lookup would search two b-trees;
//             WITHOUT ROWID keeps the small row inside the primary-key b-tree. No foreign key to
//             feed_state: dedupe may record keys before a feed's first state is saved, and
//             removing a feed's state must not forget what it has already published. last_seen
//             is refreshed by every poll whose document holds the key, and is indexed for the
//             retention purge (purge_seen), which counts the entries of a feed's latest document
//             as seen at its last_attempt_ms; content_hash is NULL until dedupe sets one.
// counter     (name, value) WITHOUT ROWID: daemon-wide counters such as the message sequence.
// journal     (seq, topic, body, at_ms): every message, written in the transaction that decides
//             it (the outbox). seq is the rowid, so reading "after seq N" and min/max are b-tree
//             seeks. body is a BLOB so that length(body) is its size in bytes, which max_bytes
//             counts (length() of TEXT counts characters).
// window      (story_key, feed_id, at_s, cluster, signature): the near-duplicate window the
//             dedupe engine rebuilds at start. Quoted in SQL: WINDOW is a keyword.
//
// The version is PRAGMA user_version. k_migrations[v] turns a version v-1 file into version v;
// open() applies the missing scripts and sets user_version in one transaction, so a crash
// half-way leaves the file at its old version. To change the schema, append a script and bump
// Store::k_schema_version; never edit a script that has shipped.

#include "store/store.hpp"

#include "util/errors.hpp"

#include <array>
#include <cstddef>
#include <limits>
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
    // 2: seen-set retention, the journal, the near-duplicate window. Entries of a version 1 file
    // start with last_seen = first_seen: their retention runs from when they were first seen
    // until a poll finds them again.
    R"sql(
ALTER TABLE seen ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
UPDATE seen SET last_seen = first_seen;
ALTER TABLE seen ADD COLUMN content_hash INTEGER;
CREATE INDEX seen_by_last_seen ON seen (last_seen);
ALTER TABLE feed_state ADD COLUMN identity_state TEXT NOT NULL DEFAULT '';
CREATE TABLE journal (
  seq   INTEGER NOT NULL PRIMARY KEY,
  topic TEXT    NOT NULL,
  body  BLOB    NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE TABLE "window" (
  story_key INTEGER NOT NULL PRIMARY KEY,
  feed_id   TEXT    NOT NULL,
  at_s      INTEGER NOT NULL,
  cluster   INTEGER,
  signature BLOB
);
CREATE INDEX window_by_at ON "window" (at_s);
)sql",
    // 3: identity_state moves to a table of its own. Every poll rewrites its feed's feed_state
    // row; the identity (some 700 bytes) made those rows five times larger, so that a round of
    // polls dirtied five times as many pages, while it changes only when a document does.
    R"sql(
CREATE TABLE feed_identity (
  feed_id TEXT NOT NULL PRIMARY KEY,
  state   TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO feed_identity (feed_id, state)
  SELECT feed_id, identity_state FROM feed_state WHERE identity_state != '';
ALTER TABLE feed_state DROP COLUMN identity_state;
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
  savepoint,
  release,
  rollback_to,
  user_version,
  load_feed,
  load_feeds,
  save_feed,
  save_identity,
  delete_identity,
  insert_seen,
  refresh_seen,
  is_seen,
  set_content_hash,
  content_hash,
  purge_seen,
  load_counter,
  save_counter,
  append_journal,
  read_journal,
  journal_bounds,
  journal_bytes,
  journal_head_sizes,
  journal_head_times,
  add_journal_bytes,
  delete_journal_through,
  save_window,
  load_window,
  purge_window,
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
// A FeedState: its feed_state row and its identity.
#define FW_FEED_SELECT                                                                             \
  "SELECT " FW_FEED_COLUMNS ", coalesce((SELECT state FROM feed_identity AS i "                    \
  "WHERE i.feed_id = feed_state.feed_id), '') FROM feed_state "

constexpr std::array k_queries = {
    // IMMEDIATE takes the write lock up front. A deferred transaction that reads first and then
    // writes can fail with SQLITE_BUSY at once in WAL mode, without waiting for busy_timeout.
    QueryText{Query::begin, "starting a transaction", "BEGIN IMMEDIATE"},
    QueryText{Query::commit, "committing a transaction", "COMMIT"},
    QueryText{Query::rollback, "rolling back a transaction", "ROLLBACK"},
    // Inside a batch (begin_batch()), each Transaction is a savepoint of the batch's one.
    QueryText{Query::savepoint, "starting a write in a batch", "SAVEPOINT fw_write"},
    QueryText{Query::release, "ending a write in a batch", "RELEASE fw_write"},
    QueryText{Query::rollback_to, "undoing a write in a batch", "ROLLBACK TO fw_write"},
    QueryText{Query::user_version, "reading the schema version", "PRAGMA user_version"},
    QueryText{Query::load_feed, "loading the state of a feed", FW_FEED_SELECT "WHERE feed_id = ?1"},
    QueryText{Query::load_feeds, "loading the state of all feeds",
              FW_FEED_SELECT "ORDER BY feed_id"},
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
    // Written only when it changed: an unchanged identity costs a look-up, not a page write.
    QueryText{Query::save_identity, "saving the identity state of a feed",
              "INSERT INTO feed_identity (feed_id, state) VALUES (?1, ?2) "
              "ON CONFLICT (feed_id) DO UPDATE SET state = excluded.state "
              "WHERE state IS NOT excluded.state"},
    QueryText{Query::delete_identity, "clearing the identity state of a feed",
              "DELETE FROM feed_identity WHERE feed_id = ?1"},
    // OR IGNORE plus sqlite3_changes() tells new from old keys in one statement per key.
    QueryText{Query::insert_seen, "recording seen stories",
              "INSERT OR IGNORE INTO seen (feed_id, key, first_seen, last_seen) "
              "VALUES (?1, ?2, ?3, ?3)"},
    // Only forward: a poll that is committed late must not make an entry look older.
    QueryText{Query::refresh_seen, "refreshing seen stories",
              "UPDATE seen SET last_seen = ?3 WHERE feed_id = ?1 AND key = ?2 AND last_seen < ?3"},
    QueryText{Query::is_seen, "looking up a seen story",
              "SELECT 1 FROM seen WHERE feed_id = ?1 AND key = ?2"},
    QueryText{Query::set_content_hash, "recording the content hash of a story",
              "INSERT INTO seen (feed_id, key, first_seen, last_seen, content_hash) "
              "VALUES (?1, ?2, ?4, ?4, ?3) "
              "ON CONFLICT (feed_id, key) DO UPDATE SET content_hash = excluded.content_hash"},
    QueryText{Query::content_hash, "reading the content hash of a story",
              "SELECT content_hash FROM seen WHERE feed_id = ?1 AND key = ?2"},
    // The entries of a feed's latest document (its newest last_seen) count as seen at the
    // feed's last poll, whatever that poll brought: a 304 costs no write to the seen set. Only
    // the rows the age test selects (through seen_by_last_seen) pay for the two look-ups.
    QueryText{Query::purge_seen, "purging expired seen stories",
              "DELETE FROM seen WHERE (feed_id, key) IN "
              "(SELECT s.feed_id, s.key FROM seen AS s WHERE s.last_seen < ?1 AND NOT ("
              "s.last_seen = (SELECT max(m.last_seen) FROM seen AS m WHERE m.feed_id = s.feed_id) "
              "AND coalesce((SELECT f.last_attempt_ms FROM feed_state AS f "
              "WHERE f.feed_id = s.feed_id), 0) >= ?1) LIMIT ?2)"},
    QueryText{Query::load_counter, "loading a counter",
              "SELECT value FROM counter WHERE name = ?1"},
    QueryText{Query::save_counter, "saving a counter",
              "INSERT INTO counter (name, value) VALUES (?1, ?2) "
              "ON CONFLICT (name) DO UPDATE SET value = excluded.value"},
    QueryText{Query::append_journal, "journalling a message",
              "INSERT INTO journal (seq, topic, body, at_ms) VALUES (?1, ?2, ?3, ?4)"},
    QueryText{Query::read_journal, "reading the journal",
              "SELECT seq, topic, body, at_ms FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2"},
    // Two subqueries: SQLite answers min() or max() from the b-tree's ends only when it is the
    // query's single aggregate; "SELECT min(seq), max(seq)" scans the whole journal.
    QueryText{Query::journal_bounds, "reading the journal's first and last seq",
              "SELECT (SELECT min(seq) FROM journal), (SELECT max(seq) FROM journal)"},
    QueryText{Query::journal_bytes, "measuring the journal",
              "SELECT coalesce(sum(length(CAST(topic AS BLOB)) + length(body)), 0) FROM journal"},
    // Sizes only: length() of a BLOB column reads the record header, not the overflow pages a
    // large body spills into; at_ms, stored after the body, needs them.
    QueryText{Query::journal_head_sizes, "reading the sizes of the oldest journal entries",
              "SELECT seq, length(CAST(topic AS BLOB)) + length(body) FROM journal "
              "WHERE seq <= ?1 ORDER BY seq LIMIT ?2"},
    QueryText{Query::journal_head_times, "reading the times of the oldest journal entries",
              "SELECT seq, at_ms, length(CAST(topic AS BLOB)) + length(body) FROM journal "
              "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3"},
    // The running total of journal_bytes, kept in the transactions that change the journal.
    // Without its row (a file from before it, or a fresh one) appends leave it alone and
    // journal_bytes() counts the journal once and inserts it.
    QueryText{Query::add_journal_bytes, "counting the journal's bytes",
              "UPDATE counter SET value = value + ?2 WHERE name = ?1"},
    QueryText{Query::delete_journal_through, "trimming the journal",
              "DELETE FROM journal WHERE seq <= ?1"},
    QueryText{Query::save_window, "saving the near-duplicate window",
              "INSERT INTO \"window\" (story_key, feed_id, at_s, cluster, signature) "
              "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (story_key) DO UPDATE SET "
              "feed_id = excluded.feed_id, at_s = excluded.at_s, cluster = excluded.cluster, "
              "signature = excluded.signature"},
    QueryText{Query::load_window, "loading the near-duplicate window",
              "SELECT story_key, feed_id, at_s, cluster, signature FROM \"window\" "
              "ORDER BY at_s, story_key"},
    QueryText{Query::purge_window, "purging the near-duplicate window",
              "DELETE FROM \"window\" WHERE story_key IN "
              "(SELECT story_key FROM \"window\" WHERE at_s < "
              "(SELECT max(at_s) FROM \"window\") - ?1 LIMIT ?2)"},
};

#undef FW_FEED_COLUMNS
#undef FW_FEED_SELECT

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
  // Bytes as a BLOB, SQLITE_STATIC like text.
  void bind_blob(int index, std::string_view bytes) {
    // A null pointer would bind SQL NULL, not an empty BLOB.
    const char* data = bytes.data() != nullptr ? bytes.data() : "";
    check(sqlite3_bind_blob64(m_stmt, index, data, bytes.size(), SQLITE_STATIC));
  }
  void bind(int index, std::int64_t value) { check(sqlite3_bind_int64(m_stmt, index, value)); }
  void bind(int index, std::size_t value) { bind(index, static_cast<std::int64_t>(value)); }
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
  [[nodiscard]] std::string blob(int col) const {
    const void* bytes = sqlite3_column_blob(m_stmt, col);
    if (bytes == nullptr) {
      return {};
    }
    return std::string(static_cast<const char*>(bytes),
                       static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)));
  }
  [[nodiscard]] std::optional<std::int64_t> optional_int64(int col) const noexcept {
    if (is_null(col)) {
      return std::nullopt;
    }
    return int64(col);
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
  s.identity_state = row.text(19);
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

JournalEntry read_journal_entry(const Cursor& row) {
  return JournalEntry{row.int64(0), row.text(1), row.blob(2), from_ms(row.int64(3))};
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
  // One transaction, or inside a batch a savepoint of the batch's transaction: either way all
  // of it or, when it is destroyed uncommitted, none of it.
  class Transaction {
  public:
    explicit Transaction(Impl& impl) : m_impl(impl), m_nested(impl.m_batch_open) {
      if (!m_nested) {
        m_impl.run(Query::begin);
        return;
      }
      // After some errors (SQLITE_FULL, SQLITE_IOERR ...) SQLite rolls back the whole
      // transaction: the batch's earlier writes are gone, and this one must not go in alone.
      if (sqlite3_get_autocommit(m_impl.m_db) != 0) {
        throw FatalError(m_impl.m_name +
                         ": the batch's transaction was rolled back by an earlier error");
      }
      m_impl.run(Query::savepoint);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
      // After some errors (SQLITE_FULL, SQLITE_IOERR ...) SQLite has already rolled back, and a
      // second ROLLBACK would fail. A failing ROLLBACK cannot be reported from here; the
      // connection then reports the same problem on its next statement.
      if (m_committed || sqlite3_get_autocommit(m_impl.m_db) != 0) {
        return;
      }
      if (m_nested) {
        m_impl.run_quietly(Query::rollback_to);
        m_impl.run_quietly(Query::release);
      } else {
        m_impl.run_quietly(Query::rollback);
      }
    }
    void commit() {
      m_impl.run(m_nested ? Query::release : Query::commit);
      m_committed = true;
    }

  private:
    Impl& m_impl;
    bool m_nested;
    bool m_committed = false;
  };

  // Runs a statement from a destructor, where its failure cannot be reported.
  void run_quietly(Query q) {
    const auto i = static_cast<std::size_t>(q);
    sqlite3_stmt* stmt = m_stmts[i];
    if (stmt != nullptr) {
      sqlite3_step(stmt);
      sqlite3_reset(stmt);
    } else {
      sqlite3_exec(m_db, k_queries[i].sql, nullptr, nullptr, nullptr);
    }
  }

  bool m_batch_open = false;

  void save_feed_in_transaction(const FeedState& state) {
    Cursor c = cursor(Query::save_feed);
    bind_feed(c, state);
    c.step();
    Cursor i = cursor(state.identity_state.empty() ? Query::delete_identity : Query::save_identity);
    i.bind(1, std::string_view{state.feed_id});
    if (!state.identity_state.empty()) {
      i.bind(2, std::string_view{state.identity_state});
    }
    i.step();
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
    Cursor refresh = cursor(Query::refresh_seen);
    refresh.bind(1, feed_id);
    refresh.bind(3, when);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (!is_new[i]) {
        refresh.bind(2, std::string_view{keys[i]});
        refresh.step();
        refresh.rewind();
      }
    }
    return is_new;
  }

  void save_counter_in_transaction(std::string_view name, std::int64_t value) {
    Cursor c = cursor(Query::save_counter);
    c.bind(1, name);
    c.bind(2, value);
    c.step();
  }

  void append_journal_in_transaction(const std::vector<JournalEntry>& entries) {
    if (entries.empty()) {
      return;
    }
    std::int64_t bytes = 0;
    {
      Cursor c = cursor(Query::append_journal);
      for (const JournalEntry& e : entries) {
        c.bind(1, e.seq);
        c.bind(2, std::string_view{e.topic});
        c.bind_blob(3, e.body);
        c.bind(4, e.at);
        c.step();
        c.rewind();
        bytes += static_cast<std::int64_t>(e.topic.size() + e.body.size());
      }
    }
    add_journal_bytes(bytes);
  }

  void add_journal_bytes(std::int64_t delta) {
    Cursor c = cursor(Query::add_journal_bytes);
    c.bind(1, k_journal_bytes_counter);
    c.bind(2, delta);
    c.step();
  }

  // journal_bytes(), inside a transaction.
  std::int64_t journal_bytes_in_transaction() {
    {
      Cursor c = cursor(Query::load_counter);
      c.bind(1, k_journal_bytes_counter);
      if (c.step()) {
        return c.int64(0);
      }
    }
    std::int64_t bytes = 0;
    {
      Cursor c = cursor(Query::journal_bytes);
      bytes = c.step() ? c.int64(0) : 0;
    }
    save_counter_in_transaction(k_journal_bytes_counter, bytes);
    return bytes;
  }

  void save_window_in_transaction(const std::vector<WindowEntry>& entries) {
    Cursor c = cursor(Query::save_window);
    for (const WindowEntry& e : entries) {
      c.bind(1, e.story_key);
      c.bind(2, std::string_view{e.feed_id});
      c.bind(3, static_cast<std::int64_t>(e.at.time_since_epoch().count()));
      c.bind(4, e.cluster);
      c.bind_blob(5, e.signature);
      c.step();
      c.rewind();
    }
  }

  std::size_t changes() const noexcept { return static_cast<std::size_t>(sqlite3_changes(m_db)); }

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
  constexpr std::string_view damaged =
      "; `feedwire state check` shows what can be read of it and `feedwire state repair` saves "
      "that (stop feedwired first); a file that is not feedwired's: point state_dir elsewhere";
  try {
    impl->set_up(true);
    // Every page once: a damaged file is reported now, not at some poll's commit.
    if (const std::string found = impl->pragma_text("PRAGMA quick_check(1)", "checking the file");
        found != "ok") {
      throw ConfigError(name + ": the state file is damaged (" + found + ")" +
                        std::string(damaged));
    }
  } catch (const FatalError& e) {
    throw ConfigError(std::string(e.what()) + std::string(damaged));
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
    m_impl->save_counter_in_transaction(counter->name, counter->value);
  }
  tx.commit();
  return is_new;
}

std::vector<bool> Store::commit(const PollWrite& write) {
  Impl::Transaction tx(*m_impl);
  m_impl->save_feed_in_transaction(write.state);
  auto is_new =
      m_impl->insert_seen_in_transaction(write.state.feed_id, write.seen_keys, write.when);
  if (!write.content_hashes.empty()) {
    Cursor c = m_impl->cursor(Query::set_content_hash);
    c.bind(1, std::string_view{write.state.feed_id});
    c.bind(4, write.when);
    for (const auto& [key, hash] : write.content_hashes) {
      c.bind(2, std::string_view{key});
      c.bind(3, hash);
      c.step();
      c.rewind();
    }
  }
  m_impl->save_window_in_transaction(write.window);
  m_impl->append_journal_in_transaction(write.journal);
  for (const CounterValue& counter : write.counters) {
    m_impl->save_counter_in_transaction(counter.name, counter.value);
  }
  tx.commit();
  return is_new;
}

void Store::begin_batch() {
  if (m_impl->m_batch_open) {
    throw FatalError(m_impl->m_name + ": a batch is already open");
  }
  m_impl->run(Query::begin);
  m_impl->m_batch_open = true;
}

void Store::commit_batch() {
  if (!m_impl->m_batch_open) {
    throw FatalError(m_impl->m_name + ": no batch is open");
  }
  m_impl->m_batch_open = false;
  if (sqlite3_get_autocommit(m_impl->m_db) != 0) {
    throw FatalError(m_impl->m_name +
                     ": the batch's transaction was rolled back by an earlier error");
  }
  try {
    m_impl->run(Query::commit);
  } catch (const FatalError&) {
    if (sqlite3_get_autocommit(m_impl->m_db) == 0) {
      m_impl->run_quietly(Query::rollback);
    }
    throw;
  }
}

bool Store::batch_open() const noexcept {
  return m_impl->m_batch_open;
}

std::vector<std::optional<std::int64_t>>
Store::content_hashes(std::string_view feed_id, const std::vector<std::string>& keys) {
  std::vector<std::optional<std::int64_t>> hashes;
  hashes.reserve(keys.size());
  if (keys.empty()) {
    return hashes;
  }
  Impl::Transaction tx(*m_impl);
  for (const std::string& key : keys) {
    Cursor c = m_impl->cursor(Query::content_hash);
    c.bind(1, feed_id);
    c.bind(2, std::string_view{key});
    hashes.push_back(c.step() ? c.optional_int64(0) : std::nullopt);
  }
  tx.commit();
  return hashes;
}

std::size_t Store::purge_seen(TimePoint older_than, std::size_t max_rows) {
  Impl::Transaction tx(*m_impl);
  std::size_t purged = 0;
  {
    Cursor c = m_impl->cursor(Query::purge_seen);
    c.bind(1, older_than);
    c.bind(2, max_rows);
    c.step();
    purged = m_impl->changes();
  }
  tx.commit();
  return purged;
}

void Store::append_journal(const std::vector<JournalEntry>& entries) {
  Impl::Transaction tx(*m_impl);
  m_impl->append_journal_in_transaction(entries);
  tx.commit();
}

std::vector<JournalEntry> Store::read_journal(std::int64_t after_seq, std::size_t max_rows) {
  std::vector<JournalEntry> entries;
  Cursor c = m_impl->cursor(Query::read_journal);
  c.bind(1, after_seq);
  c.bind(2, max_rows);
  while (c.step()) {
    entries.push_back(read_journal_entry(c));
  }
  return entries;
}

std::optional<std::int64_t> Store::journal_oldest_seq() {
  Cursor c = m_impl->cursor(Query::journal_bounds);
  return c.step() ? c.optional_int64(0) : std::nullopt;
}

std::optional<std::int64_t> Store::journal_last_seq() {
  Cursor c = m_impl->cursor(Query::journal_bounds);
  return c.step() ? c.optional_int64(1) : std::nullopt;
}

std::int64_t Store::journal_bytes() {
  Impl::Transaction tx(*m_impl);
  const std::int64_t bytes = m_impl->journal_bytes_in_transaction();
  tx.commit();
  return bytes;
}

std::size_t Store::trim_journal(TimePoint older_than, std::int64_t max_bytes,
                                std::int64_t keep_after_seq, std::size_t max_rows) {
  Impl::Transaction tx(*m_impl);
  std::int64_t excess = m_impl->journal_bytes_in_transaction() - max_bytes;
  // Rows go oldest first, so one cut-off seq describes the batch: first the oldest rows that
  // bring the size down, then those past the retention.
  std::optional<std::int64_t> cut_through;
  std::int64_t freed = 0;
  std::size_t count = 0;
  if (excess > 0) {
    Cursor c = m_impl->cursor(Query::journal_head_sizes);
    c.bind(1, keep_after_seq);
    c.bind(2, max_rows);
    while (excess > 0 && c.step()) {
      cut_through = c.int64(0);
      excess -= c.int64(1);
      freed += c.int64(1);
      ++count;
    }
  }
  if (count < max_rows) {
    Cursor c = m_impl->cursor(Query::journal_head_times);
    c.bind(1, cut_through.value_or(std::numeric_limits<std::int64_t>::min()));
    c.bind(2, keep_after_seq);
    c.bind(3, max_rows - count);
    while (c.step() && from_ms(c.int64(1)) < older_than) {
      cut_through = c.int64(0);
      freed += c.int64(2);
      ++count;
    }
  }
  if (cut_through) {
    Cursor c = m_impl->cursor(Query::delete_journal_through);
    c.bind(1, *cut_through);
    c.step();
  }
  if (freed > 0) {
    m_impl->add_journal_bytes(-freed);
  }
  tx.commit();
  return count;
}

void Store::save_window(const std::vector<WindowEntry>& entries) {
  Impl::Transaction tx(*m_impl);
  m_impl->save_window_in_transaction(entries);
  tx.commit();
}

std::vector<WindowEntry> Store::load_window() {
  std::vector<WindowEntry> entries;
  Cursor c = m_impl->cursor(Query::load_window);
  while (c.step()) {
    entries.push_back(WindowEntry{c.int64(0), c.text(1),
                                  std::chrono::sys_seconds{std::chrono::seconds{c.int64(2)}},
                                  c.optional_int64(3), c.blob(4)});
  }
  return entries;
}

std::size_t Store::purge_window(std::chrono::seconds keep, std::size_t max_rows) {
  Impl::Transaction tx(*m_impl);
  std::size_t purged = 0;
  {
    Cursor c = m_impl->cursor(Query::purge_window);
    c.bind(1, static_cast<std::int64_t>(keep.count()));
    c.bind(2, max_rows);
    c.step();
    purged = m_impl->changes();
  }
  tx.commit();
  return purged;
}

std::int64_t Store::load_counter(std::string_view name) {
  Cursor c = m_impl->cursor(Query::load_counter);
  c.bind(1, name);
  return c.step() ? c.int64(0) : 0;
}

void Store::save_counter(std::string_view name, std::int64_t value) {
  Impl::Transaction tx(*m_impl);
  m_impl->save_counter_in_transaction(name, value);
  tx.commit();
}

int Store::schema_version() {
  return m_impl->user_version();
}

const std::filesystem::path& Store::path() const noexcept {
  return m_impl->m_path;
}

struct JournalReader::Impl {
  enum Statement : std::size_t { begin, commit, rollback, bounds, counter, read, count };

  Impl(std::filesystem::path path, sqlite3* db) : m_path(std::move(path)), m_db(db) {
    m_name = m_path.string();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    for (sqlite3_stmt* stmt : m_stmts) {
      sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(m_db);
  }

  void prepare() {
    // A deferred BEGIN: the snapshot starts with the first SELECT and holds no write lock.
    static constexpr std::array<QueryText, count> k_reader_queries = {
        QueryText{Query::begin, "starting a read transaction", "BEGIN"},
        QueryText{Query::commit, "ending a read transaction", "COMMIT"},
        QueryText{Query::rollback, "ending a read transaction", "ROLLBACK"},
        QueryText{Query::journal_bounds, "reading the journal's first and last seq",
                  "SELECT (SELECT min(seq) FROM journal), (SELECT max(seq) FROM journal)"},
        QueryText{Query::load_counter, "loading the seq counter",
                  "SELECT value FROM counter WHERE name = 'seq'"},
        QueryText{Query::read_journal, "reading the journal",
                  "SELECT seq, topic, body, at_ms FROM journal WHERE seq > ?1 ORDER BY seq "
                  "LIMIT ?2"},
    };
    for (std::size_t i = 0; i < count; ++i) {
      m_purposes[i] = k_reader_queries[i].purpose;
      if (sqlite3_prepare_v3(m_db, k_reader_queries[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
                             &m_stmts[i], nullptr) != SQLITE_OK) {
        fail(m_db, m_name, std::string("preparing: ") + k_reader_queries[i].purpose);
      }
    }
  }

  Cursor cursor(Statement s) { return Cursor(m_db, m_stmts[s], m_name, m_purposes[s]); }

  std::filesystem::path m_path;
  std::string m_name;
  sqlite3* m_db;
  std::array<sqlite3_stmt*, count> m_stmts{};
  std::array<const char*, count> m_purposes{};
};

JournalReader::JournalReader(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
JournalReader::JournalReader(JournalReader&&) noexcept = default;
JournalReader& JournalReader::operator=(JournalReader&&) noexcept = default;
JournalReader::~JournalReader() = default;

JournalReader JournalReader::open(const std::filesystem::path& db_file) {
  const std::string name = db_file.string();
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  auto impl = std::make_unique<Impl>(db_file, db);
  if (rc != SQLITE_OK) {
    throw ConfigError(name + ": cannot open the state database for reading: " +
                      (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db, k_busy_timeout_ms);
  try {
    std::string version;
    {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &raw, nullptr) != SQLITE_OK) {
        fail(db, name, "reading the schema version");
      }
      const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
      if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
        fail(db, name, "reading the schema version");
      }
      if (sqlite3_column_int(stmt.get(), 0) != Store::k_schema_version) {
        throw ConfigError(name + ": the journal reader needs schema version " +
                          std::to_string(Store::k_schema_version) + ", the file has " +
                          std::to_string(sqlite3_column_int(stmt.get(), 0)));
      }
    }
    impl->prepare();
  } catch (const FatalError& e) {
    throw ConfigError(e.what());
  }
  return JournalReader(std::move(impl));
}

JournalReader::Chunk JournalReader::read_after(std::int64_t after_seq, std::size_t max_rows) {
  Chunk chunk;
  {
    Cursor begin = m_impl->cursor(Impl::begin);
    begin.step();
  }
  // Ends the read transaction however this scope is left; a failed COMMIT of a read-only
  // transaction is followed by a ROLLBACK.
  struct End {
    Impl& impl;
    bool done = false;
    ~End() {
      if (!done && sqlite3_get_autocommit(impl.m_db) == 0) {
        sqlite3_step(impl.m_stmts[Impl::rollback]);
        sqlite3_reset(impl.m_stmts[Impl::rollback]);
      }
    }
  } end{*m_impl};
  std::optional<std::int64_t> oldest;
  std::optional<std::int64_t> last;
  {
    Cursor c = m_impl->cursor(Impl::bounds);
    if (c.step()) {
      oldest = c.optional_int64(0);
      last = c.optional_int64(1);
    }
  }
  if (oldest && last) {
    chunk.oldest_seq = *oldest;
    chunk.last_seq = *last;
  } else {
    Cursor c = m_impl->cursor(Impl::counter);
    chunk.last_seq = c.step() ? c.int64(0) : 0;
    chunk.oldest_seq = chunk.last_seq + 1;
  }
  {
    Cursor c = m_impl->cursor(Impl::read);
    c.bind(1, after_seq);
    c.bind(2, max_rows);
    while (c.step()) {
      chunk.entries.push_back(read_journal_entry(c));
    }
  }
  {
    Cursor commit = m_impl->cursor(Impl::commit);
    commit.step();
  }
  end.done = true;
  return chunk;
}

} // namespace fw::store
