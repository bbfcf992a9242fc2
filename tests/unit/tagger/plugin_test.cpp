// tagger.so as feedwired drives it: loaded by the daemon's plugin host, with feedwired's own
// host table, create() and process() on a story, destroy() when the plugin goes.
#include "plugin_host/plugin.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using fw::plugin_host::Additions;
using fw::plugin_host::HostDirs;
using fw::plugin_host::Outcome;
using fw::plugin_host::Plugin;
using fw::plugin_host::StoryView;
using fw::plugin_host::Tag;

class TaggerPlugin : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/fw-tagger-plugin-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    m_dir = pattern;
    std::filesystem::create_directories(m_dir / "state");
    ASSERT_NO_FATAL_FAILURE(load(HostDirs{m_dir / "state", m_dir}));
  }

  void TearDown() override {
    m_plugin.reset();
    if (!m_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(m_dir, ec);
    }
  }

  void load(const HostDirs& dirs) {
    const std::filesystem::path so = std::filesystem::path(FW_BINARY_DIR) / "plugins/tagger.so";
    // tests/CMakeLists.txt builds the plugin before this test.
    ASSERT_TRUE(std::filesystem::exists(so)) << so << " is not built";
    m_plugin.reset();
    m_plugin.emplace(Plugin::load("tagger", so, dirs, [this](std::int32_t, std::string_view line) {
      m_log.emplace_back(line);
    }));
  }

  Outcome process(const fw::model::Story& story, std::string_view language, Additions& additions) {
    const StoryView view{&story, "0123456789abcdef", "wire", "", language};
    return m_plugin->process(view, additions);
  }

  std::filesystem::path m_dir;
  std::vector<std::string> m_log;
  std::optional<Plugin> m_plugin; // after m_log: its destroy() may still log
};

TEST_F(TaggerPlugin, DescribesItselfAsNotConcurrent) {
  EXPECT_EQ(m_plugin->plugin_name(), "tagger");
  EXPECT_EQ(m_plugin->plugin_version(), "1.0.0");
  EXPECT_EQ(m_plugin->abi_minor(), static_cast<uint32_t>(FW_ABI_MINOR));
  EXPECT_FALSE(m_plugin->concurrent());
}

TEST_F(TaggerPlugin, RefusesABadConfigurationNamingTheKey) {
  EXPECT_THROW(m_plugin->create(R"({"max_tags": 0})"), fw::ConfigError);
  ASSERT_FALSE(m_log.empty());
  EXPECT_NE(m_log.back().find("max_tags"), std::string::npos) << m_log.back();

  std::ofstream(m_dir / "bad.toml") << "[[rule]]\ntag = \"x\"\nregex = ['(']\n";
  EXPECT_THROW(m_plugin->create(R"({"rules": "bad.toml"})"), fw::ConfigError);
  EXPECT_NE(m_log.back().find("bad.toml"), std::string::npos) << m_log.back();
  EXPECT_NE(m_log.back().find("rule 1"), std::string::npos) << m_log.back();
}

TEST_F(TaggerPlugin, TagsAStoryAndKeepsItsFrequenciesInItsFolder) {
  std::ofstream(m_dir / "rules.toml") << "[[rule]]\ntag = \"north-korea\"\nlabel = \"North "
                                         "Korea\"\nphrases = [\"pyongyang\"]\n";
  m_plugin->create(R"({"rules": "rules.toml", "max_tags": 5})");

  fw::model::Story story;
  story.title = "Kim Jong Un oversees missile launch";
  story.text =
      "North Korean leader Kim Jong Un watched the launch of a new missile near Pyongyang on "
      "Tuesday, state media said.\nShare this article\nKim Jong Un's sister warned that "
      "Pyongyang would respond. The missile flew for 71 minutes.\nSource link\n";
  Additions additions;
  const Outcome out = process(story, "en", additions);
  ASSERT_EQ(out.status, FW_OK);
  EXPECT_FALSE(out.drop);

  ASSERT_GE(additions.tags.size(), 2U);
  EXPECT_LE(additions.tags.size(), 5U);
  EXPECT_EQ(additions.tags[0].tag, "north-korea");
  EXPECT_EQ(additions.tags[0].label, "North Korea");
  EXPECT_EQ(additions.tags[1].tag, "kim-jong-un");
  EXPECT_EQ(additions.tags[1].label, "Kim Jong Un");
  for (const Tag& t : additions.tags) {
    EXPECT_NE(t.tag, "share");
    EXPECT_NE(t.tag, "source");
    EXPECT_EQ(t.by, "tagger");
  }
  const auto attr = std::find_if(additions.attrs.begin(), additions.attrs.end(),
                                 [](const auto& kv) { return kv.first == "tagger.entities"; });
  ASSERT_NE(attr, additions.attrs.end());
  const nlohmann::json entities = nlohmann::json::parse(attr->second);
  ASSERT_TRUE(entities.is_array());
  ASSERT_FALSE(entities.empty());
  EXPECT_EQ(entities[0].at("name"), "Kim Jong Un");

  m_plugin.reset(); // destroy(), then dlclose
  EXPECT_TRUE(std::filesystem::exists(m_dir / "state/df.txt"));
}

TEST_F(TaggerPlugin, WithoutAFolderKeepsEverythingInMemory) {
  ASSERT_NO_FATAL_FAILURE(load(HostDirs{{}, m_dir}));
  m_plugin->create("{}");
  fw::model::Story story;
  story.text = "Heavy rain flooded Valencia. Valencia closed its schools.";
  Additions additions;
  const Outcome out = process(story, "", additions);
  EXPECT_EQ(out.status, FW_OK);
  EXPECT_FALSE(out.drop);
  m_plugin.reset();
  EXPECT_TRUE(std::filesystem::is_empty(m_dir / "state"));
}

} // namespace
