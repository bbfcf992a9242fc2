#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace fw::store {

// What could be read of one table of a state file.
struct TableReport {
  std::string table;
  std::size_t rows = 0; // rows read (by a repair: rows saved)
  bool damaged = false; // reading stopped at an error before the end, in either direction
  std::string error;    // SQLite's message for the first error, when damaged
};

// `feedwire state check`: what SQLite's integrity check finds in a state file, and how much of
// each table can be read. Opens the file read-only and changes nothing.
struct CheckReport {
  std::filesystem::path file;
  int schema_version = 0;
  std::vector<std::string> problems; // PRAGMA integrity_check's lines; empty when "ok"
  std::vector<TableReport> tables;   // feedwired's tables, in schema order
  std::string open_error;            // set when the file cannot be opened or read at all
  [[nodiscard]] bool ok() const { return open_error.empty() && problems.empty(); }
};

// Never throws for a damaged file: what went wrong is in the report.
[[nodiscard]] CheckReport check_state_file(const std::filesystem::path& db_file);

// `feedwire state repair`: copies every row that can still be read into a new state file of the
// current schema, reading each table forward from its first row and, when that stops at damage,
// backward from its last, so that only the damaged pages' rows are lost. Then fixes the message
// sequence counters (never behind the journal, so that subscribers never see a seq again), moves
// the damaged file (and its -wal and -shm) aside as `<file>.damaged-<UTC time>`, and puts the new
// one in its place.
struct RepairReport {
  std::filesystem::path damaged_copy; // where the damaged file went
  std::vector<TableReport> tables;
  std::vector<std::string> notes; // what was assumed (counters rebuilt ...)
};

// Throws fw::ConfigError when the file cannot be repaired: it does not exist, feedwired holds it
// (stop feedwired first), nothing in it is readable, or the new file cannot be written.
[[nodiscard]] RepairReport repair_state_file(const std::filesystem::path& db_file);

} // namespace fw::store
