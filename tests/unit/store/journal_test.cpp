// Schema version 2: the journal (outbox), seen-set retention, content hashes, the near-duplicate
// window, the version 1 -> 2 migration and the separate journal reader.

#include "store/store.hpp"
#include "store_test_support.hpp"
#include "util/errors.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using fw::store::FeedState;
using fw::store::JournalEntry;
using fw::store::JournalReader;
using fw::store::Store;
using fw::store::TimePoint;
using fw::store::WindowEntry;
using namespace std::chrono_literals;
using fw::store::test::bare_state;
using fw::store::test::RawDb;
using fw::store::test::TempDirTest;

constexpr TimePoint k_t0{1'700'000'000'000ms};

JournalEntry entry(std::int64_t seq, TimePoint at = k_t0, std::size_t body_size = 10) {
  return JournalEntry{seq, "story.new.f", std::string(body_size, 'b'), at};
}

std::vector<std::int64_t> seqs(const std::vector<JournalEntry>& entries) {
  std::vector<std::int64_t> out;
  for (const JournalEntry& e : entries) {
    out.push_back(e.seq);
  }
  return out;
}

// The tables of schema version 1, as its shipped script made them.
constexpr const char* k_version_one_tables = R"sql(
CREATE TABLE feed_state (
  feed_id TEXT NOT NULL PRIMARY KEY, url TEXT NOT NULL, configured_url TEXT NOT NULL,
  etag TEXT, last_modified TEXT, next_due_ms INTEGER, last_attempt_ms INTEGER,
  last_success_ms INTEGER, error_count INTEGER NOT NULL DEFAULT 0, last_status INTEGER,
  last_error TEXT NOT NULL DEFAULT '', redirect_target TEXT,
  redirect_count INTEGER NOT NULL DEFAULT 0, moved_from TEXT,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  disabled_reason TEXT NOT NULL DEFAULT '',
  polled_once INTEGER NOT NULL DEFAULT 0 CHECK (polled_once IN (0, 1)),
  schedule_explain TEXT NOT NULL DEFAULT '', stories_seen INTEGER NOT NULL DEFAULT 0);
CREATE TABLE seen (feed_id TEXT NOT NULL, key TEXT NOT NULL, first_seen INTEGER NOT NULL,
  PRIMARY KEY (feed_id, key)) WITHOUT ROWID;
CREATE TABLE counter (name TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
)sql";

class StoreFileV2 : public TempDirTest {
protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    m_db = m_dir / "feedwire.db";
  }

  fs::path m_db;
};

TEST(Journal, ReadsEntriesAfterASeqInOrderAndInChunks) {
  Store store = Store::open_in_memory();
  EXPECT_FALSE(store.journal_oldest_seq());
  EXPECT_FALSE(store.journal_last_seq());
  store.append_journal({entry(1), entry(2), entry(3)});
  store.append_journal({entry(4), JournalEntry{5, "feed.status.f", "", k_t0 + 1s}});
  EXPECT_EQ(store.journal_oldest_seq(), 1);
  EXPECT_EQ(store.journal_last_seq(), 5);
  EXPECT_EQ(seqs(store.read_journal(0, 100)), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(seqs(store.read_journal(2, 2)), (std::vector<std::int64_t>{3, 4}));
  EXPECT_TRUE(store.read_journal(5, 100).empty());
  const std::vector<JournalEntry> last = store.read_journal(4, 1);
  ASSERT_EQ(last.size(), 1U);
  EXPECT_EQ(last[0], (JournalEntry{5, "feed.status.f", "", k_t0 + 1s}))
      << "an empty body stays an empty body";
}

TEST(Journal, KeepsBodiesByteForByte) {
  Store store = Store::open_in_memory();
  const std::string body = std::string("{\"t\":\"\xc3\xa9\"}\0tail", 15);
  store.append_journal({JournalEntry{7, "tag.caf\xc3\xa9", body, k_t0}});
  const std::vector<JournalEntry> read = store.read_journal(0, 10);
  ASSERT_EQ(read.size(), 1U);
  EXPECT_EQ(read[0].body, body);
  EXPECT_EQ(read[0].topic, "tag.caf\xc3\xa9");
  EXPECT_EQ(store.journal_bytes(), static_cast<std::int64_t>(body.size() + 9))
      << "sizes are bytes, not characters";
}

TEST(Journal, CommitStoresStateSeenKeysJournalAndCountersTogether) {
  Store store = Store::open_in_memory();
  Store::PollWrite w;
  w.state = bare_state("f");
  w.seen_keys = {"a", "b"};
  w.when = k_t0;
  w.journal = {entry(1), entry(2)};
  w.counters = {{fw::store::k_seq_counter, 2}, {fw::store::k_sent_counter, 0}};
  EXPECT_EQ(store.commit(w), (std::vector<bool>{true, true}));
  EXPECT_EQ(store.load_feed("f"), bare_state("f"));
  EXPECT_TRUE(store.is_seen("f", "b"));
  EXPECT_EQ(store.journal_last_seq(), 2);
  EXPECT_EQ(store.load_counter("seq"), 2);
  EXPECT_EQ(store.load_counter("sent_seq"), 0);
}

// The outbox's promise: a story is never marked seen without its message being journalled. A seq
// already taken makes the journal insert fail after the state and the seen keys went in.
TEST(Journal, AFailingCommitLeavesNothingBehind) {
  Store store = Store::open_in_memory();
  store.append_journal({entry(1)});
  Store::PollWrite w;
  w.state = bare_state("f");
  w.seen_keys = {"a"};
  w.when = k_t0;
  w.content_hashes = {{"a", 42}};
  w.window = {WindowEntry{9, "f", std::chrono::sys_seconds{100s}, 3, "sig"}};
  w.journal = {entry(2), entry(1)};
  w.counters = {{fw::store::k_seq_counter, 2}};
  EXPECT_THROW(store.commit(w), fw::FatalError);
  EXPECT_FALSE(store.load_feed("f"));
  EXPECT_FALSE(store.is_seen("f", "a"));
  EXPECT_EQ(store.journal_last_seq(), 1);
  EXPECT_EQ(store.load_counter("seq"), 0);
  EXPECT_TRUE(store.load_window().empty());

  w.journal = {entry(2)};
  EXPECT_EQ(store.commit(w), std::vector<bool>{true});
  EXPECT_EQ(store.journal_last_seq(), 2);
  EXPECT_EQ(store.content_hashes("f", {"a"}), (std::vector<std::optional<std::int64_t>>{42}));
}

// Group commit: inside a batch each commit() is a savepoint. A failing one undoes only itself,
// the others go in together with commit_batch().
TEST(Batch, AFailingWriteUndoesOnlyItself) {
  Store store = Store::open_in_memory();
  store.begin_batch();
  EXPECT_TRUE(store.batch_open());
  Store::PollWrite a;
  a.state = bare_state("a");
  a.seen_keys = {"x"};
  a.when = k_t0;
  a.journal = {entry(1)};
  store.commit(a);
  EXPECT_TRUE(store.is_seen("a", "x")) << "later reads in the batch see its writes";

  Store::PollWrite bad;
  bad.state = bare_state("bad");
  bad.seen_keys = {"y"};
  bad.when = k_t0;
  bad.journal = {entry(1)}; // seq taken
  EXPECT_THROW(store.commit(bad), fw::FatalError);

  Store::PollWrite c;
  c.state = bare_state("c");
  c.when = k_t0;
  c.journal = {entry(2)};
  store.commit(c);
  store.commit_batch();
  EXPECT_FALSE(store.batch_open());
  EXPECT_TRUE(store.load_feed("a"));
  EXPECT_FALSE(store.load_feed("bad"));
  EXPECT_FALSE(store.is_seen("bad", "y"));
  EXPECT_TRUE(store.load_feed("c"));
  EXPECT_EQ(seqs(store.read_journal(0, 10)), (std::vector<std::int64_t>{1, 2}));
}

TEST(Batch, OpensOnceAndCommitsOnlyWhenOpen) {
  Store store = Store::open_in_memory();
  EXPECT_THROW(store.commit_batch(), fw::FatalError);
  store.begin_batch();
  EXPECT_THROW(store.begin_batch(), fw::FatalError);
  store.commit_batch();
  store.save_feed(bare_state("f")); // a plain transaction again
  EXPECT_TRUE(store.load_feed("f"));
}

TEST(Journal, TrimRemovesEntriesOlderThanTheRetention) {
  Store store = Store::open_in_memory();
  store.append_journal({entry(1, k_t0), entry(2, k_t0 + 1h), entry(3, k_t0 + 2h), entry(4)});
  EXPECT_EQ(store.trim_journal(k_t0 + 90min, 1'000'000, 100, 100), 2U);
  EXPECT_EQ(seqs(store.read_journal(0, 10)), (std::vector<std::int64_t>{3, 4}))
      << "trimming stops at the first young entry: seq order is journal order";
  EXPECT_EQ(store.trim_journal(k_t0 + 90min, 1'000'000, 100, 100), 0U);
}

TEST(Journal, TrimRemovesTheOldestEntriesBeyondTheSizeLimit) {
  Store store = Store::open_in_memory();
  // Each entry is 11 bytes of topic and 89 of body: 100 bytes.
  std::vector<JournalEntry> entries;
  for (std::int64_t seq = 1; seq <= 10; ++seq) {
    entries.push_back(entry(seq, k_t0, 89));
  }
  store.append_journal(entries);
  ASSERT_EQ(store.journal_bytes(), 1000);
  EXPECT_EQ(store.trim_journal(k_t0 - 1h, 650, 100, 100), 4U);
  EXPECT_EQ(store.journal_bytes(), 600);
  EXPECT_EQ(store.journal_oldest_seq(), 5);
  store.append_journal({entry(11, k_t0, 189)});
  EXPECT_EQ(store.journal_bytes(), 800) << "the running total follows appends";
}

// Size first, then age, in one pass: entries 1-2 go for the size, 3-4 for their age.
TEST(Journal, TrimCombinesTheSizeLimitAndTheRetention) {
  Store store = Store::open_in_memory();
  std::vector<JournalEntry> entries;
  for (std::int64_t seq = 1; seq <= 6; ++seq) {
    entries.push_back(entry(seq, seq <= 4 ? k_t0 : k_t0 + 2h, 89));
  }
  store.append_journal(entries);
  EXPECT_EQ(store.trim_journal(k_t0 + 1h, 450, 100, 100), 4U);
  EXPECT_EQ(store.journal_oldest_seq(), 5);
  EXPECT_EQ(store.journal_bytes(), 200);
}

TEST(Journal, TrimWorksInBoundedBatchesAndKeepsUnsentEntries) {
  Store store = Store::open_in_memory();
  std::vector<JournalEntry> entries;
  for (std::int64_t seq = 1; seq <= 10; ++seq) {
    entries.push_back(entry(seq, k_t0));
  }
  store.append_journal(entries);
  EXPECT_EQ(store.trim_journal(k_t0 + 1h, 1'000'000, 7, 3), 3U);
  EXPECT_EQ(store.trim_journal(k_t0 + 1h, 1'000'000, 7, 3), 3U);
  EXPECT_EQ(store.trim_journal(k_t0 + 1h, 1'000'000, 7, 3), 1U);
  EXPECT_EQ(store.trim_journal(k_t0 + 1h, 0, 7, 3), 0U)
      << "entries past the sent watermark stay, whatever their age or size";
  EXPECT_EQ(seqs(store.read_journal(0, 10)), (std::vector<std::int64_t>{8, 9, 10}));
}

TEST(SeenRetention, APollRefreshesLastSeenOfTheKeysItFinds) {
  Store store = Store::open_in_memory();
  store.insert_seen("f", {"old", "kept"}, k_t0);
  // Ninety days later the feed still carries "kept".
  EXPECT_EQ(store.commit_poll(bare_state("f"), {"kept", "new"}, k_t0 + 90 * 24h),
            (std::vector<bool>{false, true}));
  EXPECT_EQ(store.purge_seen(k_t0 + 1h, 100), 1U);
  EXPECT_FALSE(store.is_seen("f", "old"));
  EXPECT_TRUE(store.is_seen("f", "kept"));
  EXPECT_TRUE(store.is_seen("f", "new"));
}

// A feed that answers 304 for longer than the retention still holds the stories of its last
// document: those stay; what had already left the feed before that document expires.
TEST(SeenRetention, AnUnchangedFeedKeepsTheStoriesOfItsLastDocument) {
  Store store = Store::open_in_memory();
  store.insert_seen("f", {"gone"}, k_t0);
  store.commit_poll(bare_state("f"), {"a", "b"}, k_t0 + 1h);
  store.insert_seen("other", {"x"}, k_t0 + 1h);
  Store::PollWrite not_modified;
  not_modified.state = bare_state("f");
  not_modified.state.last_attempt = k_t0 + 100 * 24h;
  not_modified.when = k_t0 + 100 * 24h;
  store.commit(not_modified);
  EXPECT_EQ(store.purge_seen(k_t0 + 10 * 24h, 100), 2U);
  EXPECT_EQ(store.are_seen("f", {"gone", "a", "b"}), (std::vector<bool>{false, true, true}));
  EXPECT_FALSE(store.is_seen("other", "x")) << "other feeds are not kept";
  // Once the feed is no longer polled, its last stories expire a retention after its last poll.
  EXPECT_EQ(store.purge_seen(k_t0 + 99 * 24h, 100), 0U);
  EXPECT_EQ(store.purge_seen(k_t0 + 101 * 24h, 100), 2U);
  EXPECT_FALSE(store.is_seen("f", "a"));
}

TEST(SeenRetention, ALatePollDoesNotMoveLastSeenBack) {
  Store store = Store::open_in_memory();
  store.insert_seen("f", {"k"}, k_t0 + 10h);
  store.insert_seen("f", {"k"}, k_t0);
  EXPECT_EQ(store.purge_seen(k_t0 + 5h, 100), 0U);
  EXPECT_TRUE(store.is_seen("f", "k"));
}

TEST(SeenRetention, PurgeWorksInBoundedBatchesAcrossFeeds) {
  Store store = Store::open_in_memory();
  store.insert_seen("a", {"1", "2", "3"}, k_t0);
  store.insert_seen("b", {"1", "2"}, k_t0);
  store.insert_seen("b", {"fresh"}, k_t0 + 48h);
  EXPECT_EQ(store.purge_seen(k_t0 + 24h, 2), 2U);
  EXPECT_EQ(store.purge_seen(k_t0 + 24h, 2), 2U);
  EXPECT_EQ(store.purge_seen(k_t0 + 24h, 2), 1U);
  EXPECT_EQ(store.purge_seen(k_t0 + 24h, 2), 0U);
  EXPECT_EQ(store.are_seen("b", {"1", "fresh"}), (std::vector<bool>{false, true}));
}

TEST(ContentHash, IsEmptyUntilSetAndScopedByFeed) {
  Store store = Store::open_in_memory();
  store.insert_seen("f", {"a"}, k_t0);
  Store::PollWrite w;
  w.state = bare_state("g");
  w.when = k_t0;
  w.content_hashes = {{"a", -7}};
  store.commit(w);
  EXPECT_EQ(store.content_hashes("f", {"a", "zz"}),
            (std::vector<std::optional<std::int64_t>>{std::nullopt, std::nullopt}));
  EXPECT_EQ(store.content_hashes("g", {"a"}), (std::vector<std::optional<std::int64_t>>{-7}));
  EXPECT_TRUE(store.is_seen("g", "a")) << "a hash for an unseen key adds the key";
}

TEST(Window, SavesReplacesLoadsInTimeOrderAndPurges) {
  Store store = Store::open_in_memory();
  const std::chrono::sys_seconds t{1'700'000'000s};
  store.save_window({WindowEntry{1, "a", t + 20s, std::nullopt, std::string("\0\1", 2)},
                     WindowEntry{2, "b", t, 1, "s2"}, WindowEntry{3, "c", t + 10s, 1, ""}});
  store.save_window({WindowEntry{1, "a", t + 5s, 4, "s1"}});
  const std::vector<WindowEntry> loaded = store.load_window();
  ASSERT_EQ(loaded.size(), 3U);
  EXPECT_EQ(loaded[0], (WindowEntry{2, "b", t, 1, "s2"}));
  EXPECT_EQ(loaded[1], (WindowEntry{1, "a", t + 5s, 4, "s1"}));
  EXPECT_EQ(loaded[2], (WindowEntry{3, "c", t + 10s, 1, ""}));
  // The newest entry is at t + 10s: keeping 4 s drops the two before t + 6s.
  EXPECT_EQ(store.purge_window(4s, 1), 1U);
  EXPECT_EQ(store.purge_window(4s, 1), 1U);
  EXPECT_EQ(store.purge_window(4s, 1), 0U);
  ASSERT_EQ(store.load_window().size(), 1U);
  EXPECT_EQ(store.load_window()[0].story_key, 3);
}

// A state file written by the release before the journal (schema version 1, made here with that
// release's script) opens, migrates, and keeps its feeds, seen keys and counters.
TEST_F(StoreFileV2, MigratesAVersionOneFile) {
  RawDb(m_db).exec(std::string(k_version_one_tables) + R"sql(
INSERT INTO feed_state (feed_id, url, configured_url, stories_seen)
  VALUES ('f', 'https://example.org/f', 'https://example.org/f', 2);
INSERT INTO seen VALUES ('f', 'old', 1700000000000), ('f', 'recent', 1800000000000);
INSERT INTO counter VALUES ('seq', 41);
PRAGMA user_version = 1;
)sql");
  {
    Store store = Store::open(m_db);
    EXPECT_EQ(store.schema_version(), Store::k_schema_version);
    ASSERT_TRUE(store.load_feed("f"));
    EXPECT_EQ(store.load_feed("f")->stories_seen, 2);
    EXPECT_EQ(store.load_feed("f")->identity_state, "");
    EXPECT_EQ(store.load_counter("seq"), 41);
    EXPECT_EQ(store.are_seen("f", {"old", "recent"}), (std::vector<bool>{true, true}));
    // last_seen starts at first_seen.
    EXPECT_EQ(store.purge_seen(TimePoint{1'750'000'000'000ms}, 100), 1U);
    EXPECT_EQ(store.are_seen("f", {"old", "recent"}), (std::vector<bool>{false, true}));
    store.append_journal({entry(42)});
  }
  Store store = Store::open(m_db);
  EXPECT_EQ(store.journal_last_seq(), 42);
}

// A version 2 file (made here with the shipped scripts of versions 1 and 2) keeps each feed's
// identity state when it moves to feed_identity.
TEST_F(StoreFileV2, MigratesAVersionTwoFileKeepingIdentities) {
  RawDb(m_db).exec(std::string(k_version_one_tables) + R"sql(
ALTER TABLE seen ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE seen ADD COLUMN content_hash INTEGER;
CREATE INDEX seen_by_last_seen ON seen (last_seen);
ALTER TABLE feed_state ADD COLUMN identity_state TEXT NOT NULL DEFAULT '';
CREATE TABLE journal (seq INTEGER NOT NULL PRIMARY KEY, topic TEXT NOT NULL, body BLOB NOT NULL,
  at_ms INTEGER NOT NULL);
CREATE TABLE "window" (story_key INTEGER NOT NULL PRIMARY KEY, feed_id TEXT NOT NULL,
  at_s INTEGER NOT NULL, cluster INTEGER, signature BLOB);
CREATE INDEX window_by_at ON "window" (at_s);
INSERT INTO feed_state (feed_id, url, configured_url, identity_state)
  VALUES ('a', 'https://example.org/a', 'https://example.org/a', 'guid_health 1'),
         ('b', 'https://example.org/b', 'https://example.org/b', '');
PRAGMA user_version = 2;
)sql");
  Store store = Store::open(m_db);
  EXPECT_EQ(store.schema_version(), Store::k_schema_version);
  EXPECT_EQ(store.load_feed("a")->identity_state, "guid_health 1");
  EXPECT_EQ(store.load_feed("b")->identity_state, "");
  EXPECT_EQ(RawDb(m_db).text("SELECT count(*) FROM feed_identity"), "1");
}

// The identity lives in its own table, written only when it changes, and cleared with the state.
TEST(FeedIdentity, RoundTripsChangesAndClears) {
  Store store = Store::open_in_memory();
  FeedState s = bare_state("f");
  store.save_feed(s);
  EXPECT_EQ(store.load_feed("f")->identity_state, "");
  s.identity_state = "mode link";
  store.save_feed(s);
  store.save_feed(s);
  EXPECT_EQ(store.load_feed("f")->identity_state, "mode link");
  EXPECT_EQ(store.load_feeds().at(0).identity_state, "mode link");
  s.identity_state.clear();
  store.save_feed(s);
  EXPECT_EQ(store.load_feed("f")->identity_state, "");
}

TEST_F(StoreFileV2, ReaderSeesCommittedEntriesAndTheJournalBounds) {
  Store store = Store::open(m_db);
  JournalReader reader = JournalReader::open(m_db);
  JournalReader::Chunk empty = reader.read_after(0, 10);
  EXPECT_TRUE(empty.entries.empty());
  EXPECT_EQ(empty.oldest_seq, 1);
  EXPECT_EQ(empty.last_seq, 0);

  Store::PollWrite w;
  w.state = bare_state("f");
  w.when = k_t0;
  w.journal = {entry(1), entry(2), entry(3)};
  w.counters = {{fw::store::k_seq_counter, 3}};
  store.commit(w);
  JournalReader::Chunk chunk = reader.read_after(1, 1);
  EXPECT_EQ(seqs(chunk.entries), std::vector<std::int64_t>{2});
  EXPECT_EQ(chunk.oldest_seq, 1);
  EXPECT_EQ(chunk.last_seq, 3);

  // Everything trimmed: the bounds come from the seq counter.
  store.trim_journal(k_t0 + 1s, 1'000'000, 3, 100);
  chunk = reader.read_after(0, 10);
  EXPECT_TRUE(chunk.entries.empty());
  EXPECT_EQ(chunk.oldest_seq, 4);
  EXPECT_EQ(chunk.last_seq, 3);
}

TEST_F(StoreFileV2, ABatchIsInvisibleToOtherConnectionsUntilItCommits) {
  Store store = Store::open(m_db);
  JournalReader reader = JournalReader::open(m_db);
  store.begin_batch();
  Store::PollWrite w;
  w.state = bare_state("f");
  w.when = k_t0;
  w.journal = {entry(1)};
  store.commit(w);
  EXPECT_TRUE(reader.read_after(0, 10).entries.empty());
  store.commit_batch();
  EXPECT_EQ(seqs(reader.read_after(0, 10).entries), std::vector<std::int64_t>{1});
}

// A file whose counter row is missing (written before it existed) gets the journal counted.
TEST_F(StoreFileV2, JournalBytesAreCountedWhenTheCounterIsMissing) {
  {
    Store store = Store::open(m_db);
    store.append_journal({entry(1, k_t0, 89), entry(2, k_t0, 189)});
    EXPECT_EQ(store.journal_bytes(), 300);
  }
  RawDb(m_db).exec("DELETE FROM counter WHERE name = 'journal_bytes'");
  Store store = Store::open(m_db);
  store.append_journal({entry(3, k_t0, 89)}); // not counted: no row yet
  EXPECT_EQ(store.journal_bytes(), 400);
  store.append_journal({entry(4, k_t0, 89)});
  EXPECT_EQ(store.journal_bytes(), 500);
}

TEST_F(StoreFileV2, ReaderRefusesAFileAtAnotherVersion) {
  RawDb(m_db).exec("PRAGMA user_version = 1");
  try {
    static_cast<void>(JournalReader::open(m_db));
    ADD_FAILURE() << "JournalReader::open did not throw";
  } catch (const fw::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(m_db.string()), std::string::npos) << e.what();
  }
}

} // namespace
