#include "store/repair.hpp"

#include "store/store.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <sqlite3.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace fw::store {
namespace {

// feedwired's tables, in the order their rows are worth most when a file is damaged.
constexpr std::array<std::string_view, 6> k_tables = {"feed_state", "counter", "seen",
                                                      "journal",    "window",  "feed_identity"};

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

struct ValueFree {
  void operator()(sqlite3_value* v) const { sqlite3_value_free(v); }
};
using Value = std::unique_ptr<sqlite3_value, ValueFree>;

std::string sql_name(std::string_view identifier) {
  std::string out = "\"";
  for (const char c : identifier) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

Db open_db(const std::filesystem::path& file, int flags, std::string& error) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    error = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return nullptr;
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

// The statement, or nullptr with `error` set.
Stmt prepare(sqlite3* db, const std::string& sql, std::string& error) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
    sqlite3_finalize(raw);
    return nullptr;
  }
  return Stmt(raw);
}

// Runs `sql` (no rows expected); false with `error` set when it fails.
bool exec(sqlite3* db, const char* sql, std::string& error) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    error = message != nullptr ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    return false;
  }
  return true;
}

struct TableShape {
  std::vector<std::string> columns;
  std::vector<std::string> key; // what orders the rows: rowid, or the primary key's columns
};

// The columns of `table` (all of them, or those `keep` names too), and its ordering key.
std::optional<TableShape> shape_of(sqlite3* db, std::string_view table, std::string& error,
                                   const std::vector<std::string>* keep = nullptr) {
  Stmt info = prepare(db, "PRAGMA table_info(" + sql_name(table) + ")", error);
  if (!info) {
    return std::nullopt;
  }
  TableShape shape;
  std::vector<std::pair<int, std::string>> pk;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(info.get())) == SQLITE_ROW) {
    const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(info.get(), 1));
    if (keep == nullptr || std::find(keep->begin(), keep->end(), name) != keep->end()) {
      shape.columns.push_back(name);
    }
    if (const int pk_index = sqlite3_column_int(info.get(), 5); pk_index > 0) {
      pk.emplace_back(pk_index, name);
    }
  }
  if (rc != SQLITE_DONE) {
    error = sqlite3_errmsg(db);
    return std::nullopt;
  }
  if (shape.columns.empty()) {
    error = "no such table";
    return std::nullopt;
  }
  std::string no_rowid;
  if (prepare(db, "SELECT rowid FROM " + sql_name(table) + " LIMIT 0", no_rowid)) {
    shape.key = {"rowid"};
  } else {
    std::sort(pk.begin(), pk.end());
    for (auto& [index, name] : pk) {
      shape.key.push_back(std::move(name));
    }
  }
  return shape;
}

std::string joined(const std::vector<std::string>& names, std::string_view suffix = "") {
  std::string out;
  for (const std::string& n : names) {
    out += (out.empty() ? "" : ", ") + (n == "rowid" ? n : sql_name(n)) + std::string(suffix);
  }
  return out;
}

// Reads every row of `table` it can: forward in key order until the end or an error, then, after
// an error, backward from the last row down to the last row read forward. Calls on_row(stmt) with
// the selected columns (shape.columns, then the key) for each row.
template <typename OnRow>
TableReport read_table(sqlite3* db, std::string_view table, const TableShape& shape, OnRow on_row) {
  TableReport report;
  report.table = std::string(table);
  const std::string select =
      "SELECT " + joined(shape.columns) + ", " + joined(shape.key) + " FROM " + sql_name(table);
  const int first_key = static_cast<int>(shape.columns.size());
  const int key_count = static_cast<int>(shape.key.size());
  std::vector<Value> last_key;
  std::string error;
  Stmt forward = prepare(db, select + " ORDER BY " + joined(shape.key, " ASC"), error);
  if (!forward) {
    report.damaged = true;
    report.error = error;
    return report;
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(forward.get())) == SQLITE_ROW) {
    on_row(forward.get());
    ++report.rows;
    last_key.clear();
    for (int k = 0; k < key_count; ++k) {
      last_key.emplace_back(sqlite3_value_dup(sqlite3_column_value(forward.get(), first_key + k)));
    }
  }
  if (rc == SQLITE_DONE) {
    return report;
  }
  report.damaged = true;
  report.error = sqlite3_errmsg(db);
  forward.reset();
  std::string where;
  if (!last_key.empty()) {
    std::string marks;
    for (int k = 0; k < key_count; ++k) {
      marks += k == 0 ? "?" : ", ?";
    }
    where = " WHERE (" + joined(shape.key) + ") > (" + marks + ")";
  }
  Stmt backward = prepare(db, select + where + " ORDER BY " + joined(shape.key, " DESC"), error);
  if (!backward) {
    return report;
  }
  for (int k = 0; k < static_cast<int>(last_key.size()); ++k) {
    sqlite3_bind_value(backward.get(), k + 1, last_key[static_cast<std::size_t>(k)].get());
  }
  while (sqlite3_step(backward.get()) == SQLITE_ROW) {
    on_row(backward.get());
    ++report.rows;
  }
  return report;
}

bool has_table(sqlite3* db, std::string_view table) {
  std::string error;
  Stmt s = prepare(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", error);
  if (!s) {
    return false;
  }
  sqlite3_bind_text(s.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
  return sqlite3_step(s.get()) == SQLITE_ROW;
}

std::optional<std::int64_t> single_int(sqlite3* db, const std::string& sql) {
  std::string error;
  Stmt s = prepare(db, sql, error);
  if (!s || sqlite3_step(s.get()) != SQLITE_ROW || sqlite3_column_type(s.get(), 0) == SQLITE_NULL) {
    return std::nullopt;
  }
  return sqlite3_column_int64(s.get(), 0);
}

std::string utc_stamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// Moves `from` (and its -wal and -shm, when present) to `to`.
void move_with_sidecars(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::rename(from, to);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::path side = from;
    side += suffix;
    std::error_code ec;
    if (std::filesystem::exists(side, ec)) {
      std::filesystem::path dest = to;
      dest += suffix;
      std::filesystem::rename(side, dest);
    }
  }
}

} // namespace

CheckReport check_state_file(const std::filesystem::path& db_file) {
  CheckReport report;
  report.file = db_file;
  if (!std::filesystem::exists(db_file)) {
    report.open_error = "no such file";
    return report;
  }
  std::string error;
  Db db = open_db(db_file, SQLITE_OPEN_READONLY, error);
  if (!db) {
    report.open_error = error;
    return report;
  }
  const std::optional<std::int64_t> version = single_int(db.get(), "PRAGMA user_version");
  if (!version) {
    report.open_error = sqlite3_errmsg(db.get());
    return report;
  }
  report.schema_version = static_cast<int>(*version);
  if (Stmt check = prepare(db.get(), "PRAGMA integrity_check(100)", error)) {
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(check.get())) == SQLITE_ROW) {
      const std::string line = reinterpret_cast<const char*>(sqlite3_column_text(check.get(), 0));
      if (line != "ok") {
        report.problems.push_back(line);
      }
    }
    if (rc != SQLITE_DONE) {
      report.problems.push_back(std::string("the check stopped: ") + sqlite3_errmsg(db.get()));
    }
  } else {
    report.problems.push_back("the check cannot run: " + error);
  }
  for (const std::string_view table : k_tables) {
    if (!has_table(db.get(), table)) {
      if (report.schema_version >= Store::k_schema_version) {
        report.tables.push_back({std::string(table), 0, true, "the table is missing"});
      }
      continue;
    }
    std::optional<TableShape> shape = shape_of(db.get(), table, error);
    if (!shape) {
      report.tables.push_back({std::string(table), 0, true, error});
      continue;
    }
    report.tables.push_back(read_table(db.get(), table, *shape, [](sqlite3_stmt*) {}));
  }
  return report;
}

RepairReport repair_state_file(const std::filesystem::path& db_file) {
  const std::string name = db_file.string();
  if (!std::filesystem::exists(db_file)) {
    throw ConfigError(name + ": no such file");
  }
  std::string error;
  Db old = open_db(db_file, SQLITE_OPEN_READWRITE, error);
  if (!old) {
    throw ConfigError(name + ": cannot open it: " + error);
  }
  // Nothing is written to the damaged file, nor checkpointed into it on close.
  sqlite3_db_config(old.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  // Held until the end: a running feedwired keeps its connection, which makes this fail.
  if (!exec(old.get(), "PRAGMA locking_mode = EXCLUSIVE", error) ||
      !exec(old.get(), "BEGIN EXCLUSIVE", error)) {
    if ((sqlite3_extended_errcode(old.get()) & 0xff) == SQLITE_BUSY) {
      throw ConfigError(name + ": the file is in use; stop feedwired first");
    }
    throw ConfigError(name + ": nothing can be read from it: " + error);
  }

  std::filesystem::path fresh = db_file;
  fresh += ".repairing";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::path p = fresh;
    p += suffix;
    std::filesystem::remove(p);
  }
  { Store created = Store::open(fresh); } // the current schema, closed again
  Db out = open_db(fresh, SQLITE_OPEN_READWRITE, error);
  if (!out || !exec(out.get(), "BEGIN", error)) {
    throw ConfigError(fresh.string() + ": cannot write the repaired file: " + error);
  }

  RepairReport report;
  for (const std::string_view table : k_tables) {
    std::optional<TableShape> target = shape_of(out.get(), table, error);
    if (!target) {
      throw ConfigError(fresh.string() + ": " + std::string(table) + ": " + error);
    }
    if (!has_table(old.get(), table)) {
      continue; // an older schema without it
    }
    std::optional<TableShape> source = shape_of(old.get(), table, error, &target->columns);
    if (!source) {
      report.tables.push_back({std::string(table), 0, true, error});
      continue;
    }
    std::string marks;
    for (std::size_t i = 0; i < source->columns.size(); ++i) {
      marks += i == 0 ? "?" : ", ?";
    }
    Stmt insert = prepare(out.get(),
                          "INSERT OR IGNORE INTO " + sql_name(table) + " (" +
                              joined(source->columns) + ") VALUES (" + marks + ")",
                          error);
    if (!insert) {
      throw ConfigError(fresh.string() + ": " + error);
    }
    const int columns = static_cast<int>(source->columns.size());
    std::string insert_error;
    report.tables.push_back(read_table(old.get(), table, *source, [&](sqlite3_stmt* row) {
      for (int c = 0; c < columns; ++c) {
        sqlite3_bind_value(insert.get(), c + 1, sqlite3_column_value(row, c));
      }
      if (sqlite3_step(insert.get()) != SQLITE_DONE && insert_error.empty()) {
        insert_error = sqlite3_errmsg(out.get());
      }
      sqlite3_reset(insert.get());
    }));
    if (!insert_error.empty()) {
      throw ConfigError(fresh.string() + ": writing " + std::string(table) + ": " + insert_error);
    }
  }

  // The sequence never goes back: a subscriber that saw seq N must never see N again.
  const std::optional<std::int64_t> seq = single_int(
      out.get(), "SELECT value FROM counter WHERE name = '" + std::string(k_seq_counter) + "'");
  const std::optional<std::int64_t> top = single_int(out.get(), "SELECT max(seq) FROM journal");
  const std::optional<std::int64_t> sent = single_int(
      out.get(), "SELECT value FROM counter WHERE name = '" + std::string(k_sent_counter) + "'");
  const std::int64_t new_seq = std::max(seq.value_or(0), top.value_or(0));
  if (!seq && !top) {
    report.notes.push_back("the message sequence was lost with the counter and journal tables: "
                           "it starts again at 0, so subscribers must resynchronise");
  } else if (!seq || new_seq != *seq) {
    report.notes.push_back("the message sequence was set to " + std::to_string(new_seq) +
                           ", the last seq in the journal");
  }
  const std::int64_t new_sent = std::min(sent.value_or(new_seq), new_seq);
  if (!sent) {
    report.notes.push_back("the sent watermark was lost: every journalled message counts as "
                           "sent, none is sent again");
  }
  for (const auto& [counter, value] :
       {std::pair{k_seq_counter, new_seq}, std::pair{k_sent_counter, new_sent}}) {
    Stmt s =
        prepare(out.get(), "INSERT OR REPLACE INTO counter (name, value) VALUES (?, ?)", error);
    if (!s) {
      throw ConfigError(fresh.string() + ": " + error);
    }
    sqlite3_bind_text(s.get(), 1, counter.data(), static_cast<int>(counter.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(s.get(), 2, value);
    if (sqlite3_step(s.get()) != SQLITE_DONE) {
      throw ConfigError(fresh.string() + ": " + sqlite3_errmsg(out.get()));
    }
  }
  if (!exec(out.get(), "COMMIT", error)) {
    throw ConfigError(fresh.string() + ": cannot write the repaired file: " + error);
  }
  out.reset();

  // The repaired file takes the damaged one's owner and mode (a root repair of a service's file).
  struct stat st {};
  if (::stat(db_file.c_str(), &st) == 0) {
    ::chmod(fresh.c_str(), st.st_mode & 07777);
    if (::geteuid() == 0) {
      (void)::chown(fresh.c_str(), st.st_uid, st.st_gid);
    }
  }
  exec(old.get(), "ROLLBACK", error);
  old.reset();
  report.damaged_copy = db_file;
  report.damaged_copy += ".damaged-" + utc_stamp();
  move_with_sidecars(db_file, report.damaged_copy);
  move_with_sidecars(fresh, db_file);
  return report;
}

} // namespace fw::store
