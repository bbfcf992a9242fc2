#include "tagger/df_table.hpp"
#include "tagger/tagger.hpp"
#include "temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace feedwire::tagger {
namespace {

using fw::test::TempDir;

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

DfTable sample_table() {
  DfTable t(1000);
  t.add_story({"missile", "launch", "pyongyang"});
  t.add_story({"missile", "test"});
  t.add_story({"inflation", "missile"});
  return t;
}

TEST(TaggerDfTable, CountsStoriesPerTerm) {
  const DfTable t = sample_table();
  EXPECT_EQ(t.stories(), 3U);
  EXPECT_EQ(t.df("missile"), 3U);
  EXPECT_EQ(t.df("launch"), 1U);
  EXPECT_EQ(t.df("unknown"), 0U);
  EXPECT_EQ(t.size(), 5U);
}

TEST(TaggerDfTable, PruningKeepsTheMostFrequentTerms) {
  DfTable t(10);
  for (int story = 0; story < 5; ++story) {
    t.add_story({"common", "frequent"});
  }
  for (int i = 0; i < 20; ++i) {
    const std::string rare = "rare" + std::to_string(i);
    t.add_story({rare});
    EXPECT_LE(t.size(), 10U);
  }
  EXPECT_EQ(t.df("common"), 5U);
  EXPECT_EQ(t.df("frequent"), 5U);
  EXPECT_EQ(t.stories(), 25U);
  // The newest rare term always gets in; pruning makes room for it.
  EXPECT_EQ(t.df("rare19"), 1U);
}

TEST(TaggerDfTable, SavedTableLoadsBackEqual) {
  const TempDir dir;
  const std::filesystem::path file = dir.path() / "df.txt";
  const DfTable t = sample_table();
  t.save(file);
  const DfTable back = DfTable::load(file, 1000);
  EXPECT_EQ(back, t);
  EXPECT_EQ(back.stories(), 3U);
  EXPECT_EQ(back.df("missile"), 3U);
  // Only the file itself is left: the temporary was renamed over it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(TaggerDfTable, LoadingPrunesToASmallerBound) {
  const TempDir dir;
  const std::filesystem::path file = dir.path() / "df.txt";
  sample_table().save(file);
  const DfTable back = DfTable::load(file, 2);
  EXPECT_EQ(back.size(), 2U);
  EXPECT_EQ(back.df("missile"), 3U);
  EXPECT_EQ(back.stories(), 3U);
}

TEST(TaggerDfTable, MissingFileGivesAnEmptyTable) {
  const TempDir dir;
  const DfTable t = DfTable::load(dir.path() / "none.txt", 100);
  EXPECT_EQ(t.stories(), 0U);
  EXPECT_EQ(t.size(), 0U);
}

TEST(TaggerDfTable, CorruptFilesAreRefused) {
  const TempDir dir;
  const std::filesystem::path file = dir.path() / "df.txt";
  sample_table().save(file);
  const std::string good = read(file);

  write(file, "not a df file\n");
  EXPECT_THROW((void)DfTable::load(file, 100), DfFormatError);

  // Cut short: the checksum line is gone.
  write(file, good.substr(0, good.rfind("end ")));
  EXPECT_THROW((void)DfTable::load(file, 100), DfFormatError);

  // Cut in the middle of the terms.
  write(file, good.substr(0, good.size() / 2));
  EXPECT_THROW((void)DfTable::load(file, 100), DfFormatError);

  // One count changed: the checksum no longer matches.
  std::string edited = good;
  const std::size_t tab = edited.find('\t');
  ASSERT_NE(tab, std::string::npos);
  edited[tab - 1] = edited[tab - 1] == '1' ? '2' : '1';
  write(file, edited);
  EXPECT_THROW((void)DfTable::load(file, 100), DfFormatError);

  // A count larger than the number of stories.
  write(file, "feedwire-tagger-df 1\nstories 1\nterms 1\n5\tword\nend 0000000000000000\n");
  EXPECT_THROW((void)DfTable::load(file, 100), DfFormatError);
}

TEST(TaggerDfTable, TaggerPersistsItsTableAcrossInstances) {
  const TempDir dir;
  Config config;
  std::vector<std::string> warnings;
  const auto warn = [&](std::string_view m) { warnings.emplace_back(m); };
  DfTable before(1);
  {
    Tagger tagger(config, RuleSet(), dir.path(), warn);
    (void)tagger.tag("Missile test", "Pyongyang launched a missile on Tuesday.", "en");
    (void)tagger.tag("Rates held", "The central bank kept interest rates unchanged.", "en");
    (void)tagger.tag("Floods", "Heavy rain flooded the city centre overnight.", "en");
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "df.txt"));
    before = tagger.df();
  }
  ASSERT_TRUE(std::filesystem::exists(dir.path() / "df.txt"));
  const Tagger again(config, RuleSet(), dir.path(), warn);
  EXPECT_EQ(again.df().stories(), 3U);
  EXPECT_EQ(again.df(), before);
  EXPECT_EQ(again.df().df("missile"), 1U);
  EXPECT_TRUE(warnings.empty());
}

TEST(TaggerDfTable, TaggerSavesEverySaveEveryStories) {
  const TempDir dir;
  Config config;
  config.save_every = 2;
  Tagger tagger(config, RuleSet(), dir.path(), [](std::string_view) {});
  (void)tagger.tag("One", "The first story about the harbour.", "en");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "df.txt"));
  (void)tagger.tag("Two", "The second story about the harbour.", "en");
  ASSERT_TRUE(std::filesystem::exists(dir.path() / "df.txt"));
  EXPECT_EQ(DfTable::load(dir.path() / "df.txt", 1000).stories(), 2U);
}

TEST(TaggerDfTable, CorruptFileIsReportedAndTheTaggerStartsFresh) {
  const TempDir dir;
  write(dir.path() / "df.txt", "feedwire-tagger-df 1\nstories 12\nterms 3\n4\tmissile\n");
  std::vector<std::string> warnings;
  {
    Tagger tagger(Config(), RuleSet(), dir.path(),
                  [&](std::string_view m) { warnings.emplace_back(m); });
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_NE(warnings[0].find("df.txt"), std::string::npos) << warnings[0];
    EXPECT_EQ(tagger.df().stories(), 0U);
    (void)tagger.tag("Missile test", "Pyongyang launched a missile on Tuesday.", "en");
    EXPECT_EQ(tagger.df().stories(), 1U);
  }
  // The next save replaced the corrupt file with a good one.
  EXPECT_EQ(DfTable::load(dir.path() / "df.txt", 1000).stories(), 1U);
  EXPECT_EQ(warnings.size(), 1U);
}

TEST(TaggerDfTable, WithoutAFolderNothingIsWritten) {
  const TempDir dir;
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  {
    Tagger tagger(Config(), RuleSet(), std::nullopt, [](std::string_view) {});
    (void)tagger.tag("Missile test", "Pyongyang launched a missile on Tuesday.", "en");
    EXPECT_EQ(tagger.df().stories(), 1U);
    EXPECT_FALSE(tagger.df_file().has_value());
  }
  std::filesystem::current_path(cwd);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(TaggerDfTable, KeywordsOffLeavesTheTableAlone) {
  const TempDir dir;
  Config config;
  config.keywords = false;
  {
    Tagger tagger(config, RuleSet(), dir.path(), [](std::string_view) {});
    (void)tagger.tag("Missile test", "Pyongyang launched a missile on Tuesday.", "en");
    EXPECT_EQ(tagger.df().stories(), 0U);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "df.txt"));
}

} // namespace
} // namespace feedwire::tagger
