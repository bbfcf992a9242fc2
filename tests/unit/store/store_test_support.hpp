#pragma once

// What the store's test files share: a feed state with only its keys, a raw SQLite connection
// for what the Store API does not expose, and a fixture owning a temporary directory.

#include "store/store.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string>
#include <system_error>

namespace fw::store::test {

inline FeedState bare_state(std::string feed_id) {
  FeedState s;
  s.feed_id = std::move(feed_id);
  s.url = "https://example.org/" + s.feed_id;
  s.configured_url = s.url;
  return s;
}

// A raw connection for what the Store API does not expose: planting triggers, reading pragmas,
// making files at other schema versions.
class RawDb {
public:
  explicit RawDb(const std::filesystem::path& file) {
    if (sqlite3_open(file.string().c_str(), &m_db) != SQLITE_OK) {
      ADD_FAILURE() << "sqlite3_open " << file << ": " << sqlite3_errmsg(m_db);
    }
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close(m_db); }

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (error != nullptr ? error : "?");
    }
    sqlite3_free(error);
  }

  std::string text(const std::string& sql) {
    std::string result;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(m_db);
      return result;
    }
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return result;
  }

private:
  sqlite3* m_db = nullptr;
};

// A fresh directory per test in m_dir, removed afterwards.
class TempDirTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "fw_store_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    m_dir = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }

  std::filesystem::path m_dir;
};

} // namespace fw::store::test
