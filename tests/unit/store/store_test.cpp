#include "store/store.hpp"
#include "store_test_support.hpp"
#include "util/errors.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using fw::store::FeedState;
using fw::store::Store;
using fw::store::TimePoint;
using namespace std::chrono_literals;
using fw::store::test::bare_state;
using fw::store::test::RawDb;
using fw::store::test::TempDirTest;

constexpr TimePoint k_when{1'700'000'000'123ms};

FeedState full_state(std::string feed_id) {
  FeedState s;
  s.feed_id = std::move(feed_id);
  s.url = "https://new.example.org/feed.xml";
  s.configured_url = "https://example.org/feed.xml";
  s.etag = "\"abc-123\"";
  s.last_modified = "Tue, 24 Nov 2026 10:00:00 GMT";
  s.next_due = k_when + 15min;
  s.last_attempt = k_when;
  s.last_success = k_when - 1h;
  s.error_count = 3;
  s.last_status = 503;
  s.last_error = "HTTP 503 Service Unavailable";
  s.redirect_target = "https://elsewhere.example.org/feed.xml";
  s.redirect_count = 2;
  s.moved_from = "https://example.org/feed.xml";
  s.disabled = true;
  s.disabled_reason = "410 Gone";
  s.polled_once = true;
  s.schedule_explain = R"({"interval_s":900,"reason":"backoff"})";
  s.stories_seen = 9'000'000'000;
  s.identity_state = "link\nguids changed on 2 polls in a row";
  return s;
}

class StoreFile : public TempDirTest {
protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    m_db = m_dir / "state" / "feedwire.db";
  }

  // Expects open() to fail with a ConfigError and returns its message.
  std::string open_error() {
    try {
      static_cast<void>(Store::open(m_db));
    } catch (const fw::ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "Store::open(" << m_db << ") did not throw ConfigError";
    return {};
  }

  fs::path m_db;
};

TEST(Store, RoundTripsEveryFeedStateField) {
  Store store = Store::open_in_memory();
  const FeedState saved = full_state("full");
  store.save_feed(saved);
  EXPECT_EQ(store.load_feed("full"), saved);
}

TEST(Store, RoundTripsEmptyOptionalsAsEmpty) {
  Store store = Store::open_in_memory();
  const FeedState saved = bare_state("bare");
  store.save_feed(saved);
  const auto loaded = store.load_feed("bare");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, saved);
  EXPECT_FALSE(loaded->etag.has_value());
  EXPECT_FALSE(loaded->last_modified.has_value());
  EXPECT_FALSE(loaded->next_due.has_value());
  EXPECT_FALSE(loaded->last_attempt.has_value());
  EXPECT_FALSE(loaded->last_success.has_value());
  EXPECT_FALSE(loaded->last_status.has_value());
  EXPECT_FALSE(loaded->redirect_target.has_value());
  EXPECT_FALSE(loaded->moved_from.has_value());
}

TEST(Store, KeepsEmptyStringsApartFromMissingValues) {
  Store store = Store::open_in_memory();
  FeedState saved = bare_state("empty-etag");
  saved.etag = "";
  saved.last_status = 0;
  saved.next_due = TimePoint{};
  store.save_feed(saved);
  EXPECT_EQ(store.load_feed("empty-etag"), saved);
}

TEST(Store, RoundTripsArbitraryBytesAndTimesBeforeTheEpoch) {
  Store store = Store::open_in_memory();
  FeedState saved = bare_state(std::string("odd\0id\xff", 7));
  saved.last_error = std::string("nul\0inside", 10);
  saved.last_success = TimePoint{-86'400'001ms};
  store.save_feed(saved);
  EXPECT_EQ(store.load_feed(saved.feed_id), saved);
  EXPECT_FALSE(store.load_feed("odd").has_value());
}

TEST(Store, LoadFeedOfAnUnknownIdIsEmpty) {
  Store store = Store::open_in_memory();
  EXPECT_FALSE(store.load_feed("nope").has_value());
  EXPECT_TRUE(store.load_feeds().empty());
}

TEST(Store, SaveFeedReplacesEveryFieldOfTheSameFeed) {
  Store store = Store::open_in_memory();
  store.save_feed(full_state("a"));
  const FeedState second = bare_state("a");
  store.save_feed(second);
  EXPECT_EQ(store.load_feed("a"), second);
  EXPECT_EQ(store.load_feeds().size(), 1U);
}

TEST(Store, LoadFeedsReturnsEveryFeedOrderedById) {
  Store store = Store::open_in_memory();
  store.save_feed(bare_state("charlie"));
  store.save_feed(full_state("alpha"));
  store.save_feed(bare_state("bravo"));
  const auto feeds = store.load_feeds();
  ASSERT_EQ(feeds.size(), 3U);
  EXPECT_EQ(feeds[0], full_state("alpha"));
  EXPECT_EQ(feeds[1], bare_state("bravo"));
  EXPECT_EQ(feeds[2], bare_state("charlie"));
}

TEST(Store, InsertSeenTellsNewKeysFromKnownOnes) {
  Store store = Store::open_in_memory();
  EXPECT_EQ(store.insert_seen("f", {"a", "b"}, k_when), (std::vector<bool>{true, true}));
  EXPECT_EQ(store.insert_seen("f", {"b", "c", "a", "d"}, k_when + 1s),
            (std::vector<bool>{false, true, false, true}));
  EXPECT_TRUE(store.is_seen("f", "a"));
  EXPECT_TRUE(store.is_seen("f", "d"));
  EXPECT_FALSE(store.is_seen("f", "e"));
}

TEST(Store, DuplicateKeysInOneCallCountAsNewOnlyOnce) {
  Store store = Store::open_in_memory();
  EXPECT_EQ(store.insert_seen("f", {"x", "y", "x", "x", "y"}, k_when),
            (std::vector<bool>{true, true, false, false, false}));
}

TEST(Store, SeenKeysAreScopedByFeed) {
  Store store = Store::open_in_memory();
  EXPECT_EQ(store.insert_seen("one", {"k"}, k_when), std::vector<bool>{true});
  EXPECT_FALSE(store.is_seen("two", "k"));
  EXPECT_EQ(store.insert_seen("two", {"k"}, k_when), std::vector<bool>{true});
  EXPECT_TRUE(store.is_seen("two", "k"));
}

TEST(Store, InsertSeenOfNoKeysReturnsNothing) {
  Store store = Store::open_in_memory();
  EXPECT_TRUE(store.insert_seen("f", {}, k_when).empty());
}

TEST(Store, InsertSeenTakesLongBinaryKeys) {
  Store store = Store::open_in_memory();
  const std::string hash(64, '\xab');
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(store.insert_seen("f", {hash, with_nul, "a"}, k_when),
            (std::vector<bool>{true, true, true}));
  EXPECT_TRUE(store.is_seen("f", hash));
  EXPECT_TRUE(store.is_seen("f", with_nul));
  EXPECT_FALSE(store.is_seen("f", std::string(63, '\xab')));
}

TEST(Store, CommitPollStoresStateAndKeysTogether) {
  Store store = Store::open_in_memory();
  store.insert_seen("f", {"old"}, k_when);
  FeedState state = full_state("f");
  EXPECT_EQ(store.commit_poll(state, {"old", "new", "new"}, k_when + 1min),
            (std::vector<bool>{false, true, false}));
  EXPECT_EQ(store.load_feed("f"), state);
  EXPECT_TRUE(store.is_seen("f", "new"));
}

TEST(Store, CommitPollStoresACounterInTheSameTransaction) {
  Store store = Store::open_in_memory();
  store.commit_poll(full_state("f"), {"a"}, k_when, Store::CounterValue{"seq", 17});
  EXPECT_EQ(store.load_counter("seq"), 17);
  store.commit_poll(full_state("f"), {"b"}, k_when);
  EXPECT_EQ(store.load_counter("seq"), 17) << "no counter given, none changed";
}

TEST(Store, AreSeenAnswersForEveryKeyInOrder) {
  Store store = Store::open_in_memory();
  store.insert_seen("f", {"a", "c"}, k_when);
  store.insert_seen("g", {"b"}, k_when);
  EXPECT_EQ(store.are_seen("f", {"a", "b", "c", "a", "d"}),
            (std::vector<bool>{true, false, true, true, false}));
  EXPECT_TRUE(store.are_seen("f", {}).empty());
}

TEST(Store, CountersStartAtZeroAndKeepTheLastValue) {
  Store store = Store::open_in_memory();
  EXPECT_EQ(store.load_counter("seq"), 0);
  store.save_counter("seq", 41);
  store.save_counter("seq", 42);
  store.save_counter("other", -7);
  EXPECT_EQ(store.load_counter("seq"), 42);
  EXPECT_EQ(store.load_counter("other"), -7);
  store.save_counter("big", INT64_MAX);
  EXPECT_EQ(store.load_counter("big"), INT64_MAX);
}

TEST(Store, InMemoryStoreIsAtTheCurrentSchemaVersion) {
  Store store = Store::open_in_memory();
  EXPECT_EQ(store.schema_version(), Store::k_schema_version);
  EXPECT_EQ(store.path(), fs::path(":memory:"));
}

TEST(Store, MovedStoreKeepsItsData) {
  Store first = Store::open_in_memory();
  first.save_counter("seq", 5);
  Store second = std::move(first);
  EXPECT_EQ(second.load_counter("seq"), 5);
  Store third = Store::open_in_memory();
  third = std::move(second);
  EXPECT_EQ(third.load_counter("seq"), 5);
}

TEST_F(StoreFile, CreatesTheStateDirectoryAndTheFile) {
  ASSERT_FALSE(fs::exists(m_db.parent_path()));
  Store store = Store::open(m_db);
  EXPECT_TRUE(fs::exists(m_db));
  EXPECT_EQ(store.path(), m_db);
  EXPECT_EQ(store.schema_version(), Store::k_schema_version);
}

TEST_F(StoreFile, ReopeningTheFileKeepsEverything) {
  {
    Store store = Store::open(m_db);
    store.save_feed(full_state("a"));
    store.save_feed(bare_state("b"));
    store.insert_seen("a", {"s1", "s2"}, k_when);
    store.commit_poll(bare_state("c"), {"s3"}, k_when);
    store.save_counter("seq", 1234);
  }
  Store store = Store::open(m_db);
  EXPECT_EQ(store.schema_version(), Store::k_schema_version);
  EXPECT_EQ(store.load_feed("a"), full_state("a"));
  EXPECT_EQ(store.load_feeds().size(), 3U);
  EXPECT_EQ(store.load_feed("c"), bare_state("c"));
  EXPECT_EQ(store.insert_seen("a", {"s1", "s2", "s4"}, k_when),
            (std::vector<bool>{false, false, true}));
  EXPECT_TRUE(store.is_seen("c", "s3"));
  EXPECT_EQ(store.load_counter("seq"), 1234);
}

TEST_F(StoreFile, WritesAreVisibleToAnotherConnectionAtOnce) {
  Store store = Store::open(m_db);
  store.save_counter("seq", 77);
  store.insert_seen("f", {"k"}, k_when);
  RawDb raw(m_db);
  EXPECT_EQ(raw.text("SELECT value FROM counter WHERE name = 'seq'"), "77");
  EXPECT_EQ(raw.text("SELECT first_seen FROM seen WHERE feed_id = 'f' AND key = 'k'"),
            std::to_string(k_when.time_since_epoch().count()));
}

TEST_F(StoreFile, UsesWalMode) {
  Store store = Store::open(m_db);
  store.save_counter("seq", 1);
  RawDb raw(m_db);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_TRUE(fs::exists(m_db.string() + "-wal"));
}

TEST_F(StoreFile, SeenTableHasNoRowid) {
  static_cast<void>(Store::open(m_db));
  RawDb raw(m_db);
  const std::string sql = raw.text("SELECT sql FROM sqlite_schema WHERE name = 'seen'");
  EXPECT_NE(sql.find("WITHOUT ROWID"), std::string::npos) << sql;
}

// A trigger that fails on one key makes the second half of commit_poll fail after the feed state
// has been written: the state must be rolled back with the keys.
TEST_F(StoreFile, CommitPollWritesNothingWhenAKeyFails) {
  Store store = Store::open(m_db);
  const FeedState before = bare_state("f");
  store.save_feed(before);
  {
    RawDb raw(m_db);
    raw.exec("CREATE TRIGGER poison BEFORE INSERT ON seen WHEN NEW.key = 'poison' "
             "BEGIN SELECT RAISE(ABORT, 'poisoned key'); END");
  }
  try {
    store.commit_poll(full_state("f"), {"fine", "poison"}, k_when);
    ADD_FAILURE() << "commit_poll did not throw";
  } catch (const fw::FatalError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("poisoned key"), std::string::npos) << message;
    EXPECT_NE(message.find("recording seen stories"), std::string::npos) << message;
    EXPECT_NE(message.find(m_db.string()), std::string::npos) << message;
  }
  EXPECT_EQ(store.load_feed("f"), before);
  EXPECT_FALSE(store.is_seen("f", "fine"));

  // The failed transaction is over: the same Store goes on working.
  EXPECT_EQ(store.commit_poll(full_state("f"), {"fine"}, k_when), std::vector<bool>{true});
  EXPECT_EQ(store.load_feed("f"), full_state("f"));
}

TEST_F(StoreFile, InsertSeenWritesNoKeyWhenOneFails) {
  Store store = Store::open(m_db);
  {
    RawDb raw(m_db);
    raw.exec("CREATE TRIGGER poison BEFORE INSERT ON seen WHEN NEW.key = 'poison' "
             "BEGIN SELECT RAISE(ABORT, 'poisoned key'); END");
  }
  EXPECT_THROW(store.insert_seen("f", {"a", "b", "poison", "c"}, k_when), fw::FatalError);
  EXPECT_FALSE(store.is_seen("f", "a"));
  EXPECT_FALSE(store.is_seen("f", "b"));
  EXPECT_EQ(store.insert_seen("f", {"a", "b"}, k_when), (std::vector<bool>{true, true}));
}

TEST_F(StoreFile, NewerSchemaIsAStartupError) {
  fs::create_directories(m_db.parent_path());
  {
    RawDb raw(m_db);
    raw.exec("CREATE TABLE future (x); PRAGMA user_version = 99");
  }
  const std::string message = open_error();
  EXPECT_NE(message.find(m_db.string()), std::string::npos) << message;
  EXPECT_NE(message.find("version 99 is newer"), std::string::npos) << message;
  EXPECT_NE(message.find("(" + std::to_string(Store::k_schema_version) + ")"), std::string::npos)
      << message;
  EXPECT_NE(message.find("upgrade feedwired or point state_dir elsewhere"), std::string::npos)
      << message;

  // Refusing the file leaves it untouched.
  RawDb raw(m_db);
  EXPECT_EQ(raw.text("PRAGMA user_version"), "99");
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "delete");
}

TEST_F(StoreFile, GarbageFileIsAStartupError) {
  fs::create_directories(m_db.parent_path());
  {
    std::ofstream out(m_db, std::ios::binary);
    for (int i = 0; i < 200; ++i) {
      out << "this is not an SQLite database, just some bytes. ";
    }
  }
  const std::string message = open_error();
  EXPECT_NE(message.find(m_db.string()), std::string::npos) << message;
  EXPECT_NE(message.find("not a database"), std::string::npos) << message;
}

TEST_F(StoreFile, DirectoryInPlaceOfTheFileIsAStartupError) {
  fs::create_directories(m_db);
  const std::string message = open_error();
  EXPECT_NE(message.find(m_db.string()), std::string::npos) << message;
}

TEST_F(StoreFile, FileInPlaceOfTheDirectoryIsAStartupError) {
  std::ofstream(m_db.parent_path()) << "a file, not a directory";
  const std::string message = open_error();
  EXPECT_NE(message.find(m_db.parent_path().string()), std::string::npos) << message;
}

TEST_F(StoreFile, TablesMissingFromACurrentVersionFileAreAStartupError) {
  fs::create_directories(m_db.parent_path());
  {
    RawDb raw(m_db);
    raw.exec("PRAGMA user_version = " + std::to_string(Store::k_schema_version));
  }
  const std::string message = open_error();
  EXPECT_NE(message.find(m_db.string()), std::string::npos) << message;
  EXPECT_NE(message.find("no such table"), std::string::npos) << message;
}

TEST_F(StoreFile, MigratesAHandMadeVersionZeroFile) {
  fs::create_directories(m_db.parent_path());
  {
    RawDb raw(m_db);
    // An empty database that SQLite has written a header for (page size set, no tables).
    raw.exec("PRAGMA page_size = 4096; VACUUM");
    EXPECT_EQ(raw.text("PRAGMA user_version"), "0");
  }
  ASSERT_GT(fs::file_size(m_db), 0U);
  {
    Store store = Store::open(m_db);
    EXPECT_EQ(store.schema_version(), Store::k_schema_version);
    store.save_feed(full_state("a"));
    EXPECT_EQ(store.insert_seen("a", {"k"}, k_when), std::vector<bool>{true});
  }
  RawDb raw(m_db);
  EXPECT_EQ(raw.text("PRAGMA user_version"), std::to_string(Store::k_schema_version));
  // feed_state, seen, counter, journal, window, feed_identity.
  EXPECT_EQ(raw.text("SELECT count(*) FROM sqlite_schema WHERE type = 'table'"), "6");
}

TEST_F(StoreFile, MigratesAnEmptyFile) {
  fs::create_directories(m_db.parent_path());
  std::ofstream{m_db};
  ASSERT_EQ(fs::file_size(m_db), 0U);
  Store store = Store::open(m_db);
  EXPECT_EQ(store.schema_version(), Store::k_schema_version);
  store.save_counter("seq", 9);
  EXPECT_EQ(store.load_counter("seq"), 9);
}

} // namespace
