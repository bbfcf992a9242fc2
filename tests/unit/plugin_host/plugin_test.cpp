// The plugin host against real shared objects built from tests/plugins (one in C that works,
// and broken ones), loaded with dlopen as feedwired loads them.

#include "feedwire/slug.hpp"
#include "plugin_host/plugin.hpp"
#include "util/errors.hpp"

#include <gtest/gtest.h>
#include <string>

using fw::plugin_host::Additions;
using fw::plugin_host::Plugin;
using fw::plugin_host::StoryView;
using fw::plugin_host::Tag;

namespace {

const std::filesystem::path k_dir = FW_TEST_PLUGIN_DIR;

std::string load_error(const std::string& name, const std::filesystem::path& path) {
  try {
    Plugin::load(name, path);
  } catch (const fw::ConfigError& e) {
    return e.what();
  }
  return "(loaded)";
}

struct Fixture {
  fw::model::Story story;
  StoryView view;
  Fixture() {
    story.title = "Summit ends";
    story.categories = {"World News", "Asia"};
    view.story = &story;
    view.story_id = "0123456789abcdef";
    view.feed_id = "wire";
  }
};

Plugin good() {
  Plugin p = Plugin::load("tagger1", k_dir / "good.so");
  p.create("{}");
  return p;
}

TEST(PluginHost, LoadsAPluginAndReadsItsDescription) {
  const Plugin p = Plugin::load("tagger1", k_dir / "good.so");
  EXPECT_EQ(p.name(), "tagger1");
  EXPECT_EQ(p.plugin_name(), "good");
  EXPECT_EQ(p.plugin_version(), "1.2.3");
  EXPECT_EQ(p.abi_minor(), 0U);
  EXPECT_FALSE(p.concurrent());
}

TEST(PluginHost, ProcessAddsTagsSummaryAndAttributes) {
  Plugin p = good();
  Fixture f;
  Additions add;
  const fw::plugin_host::Outcome out = p.process(f.view, add);
  EXPECT_EQ(out.status, FW_OK);
  EXPECT_FALSE(out.drop);
  ASSERT_EQ(add.tags.size(), 3U);
  EXPECT_EQ(add.tags[0], (Tag{"wire", "wire", 0.9, "tagger1"}));
  EXPECT_EQ(add.tags[1], (Tag{"world-news", "World News", 0.5, "tagger1"}));
  EXPECT_EQ(add.tags[2].tag, "asia");
  EXPECT_EQ(add.summary, "About: Summit ends");
  ASSERT_EQ(add.attrs.size(), 1U);
  EXPECT_EQ(add.attrs[0], (std::pair<std::string, std::string>{"tagger1.categories", "2"}));
}

// A failing call leaves the story as it was, even what it added before failing.
TEST(PluginHost, AFailingCallLeavesTheStoryAsItWas) {
  Plugin p = good();
  Fixture f;
  Additions add;
  add.summary = "earlier";
  const Additions before = add;
  f.story.title = "fail";
  EXPECT_EQ(p.process(f.view, add).status, FW_ERR_FAILED);
  EXPECT_EQ(add, before);
  f.story.title = "bad score";
  EXPECT_EQ(p.process(f.view, add).status, FW_ERR_INVALID) << "the host refuses a score of 2";
  EXPECT_EQ(add, before);
}

TEST(PluginHost, APluginMayDropAStory) {
  Plugin p = good();
  Fixture f;
  f.story.title = "drop";
  Additions add;
  const fw::plugin_host::Outcome out = p.process(f.view, add);
  EXPECT_EQ(out.status, FW_OK);
  EXPECT_TRUE(out.drop);
}

TEST(PluginHost, ARefusedConfigIsAnErrorNamingPluginAndFile) {
  Plugin p = Plugin::load("tagger1", k_dir / "good.so");
  try {
    p.create(R"({"refuse": true})");
    FAIL() << "create succeeded";
  } catch (const fw::ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("plugin tagger1"), std::string::npos) << message;
    EXPECT_NE(message.find("good.so"), std::string::npos) << message;
    EXPECT_NE(message.find("FW_ERR_CONFIG"), std::string::npos) << message;
  }
}

TEST(PluginHost, BrokenPluginsAreStartupErrorsThatSayWhy) {
  const std::string missing = load_error("x", k_dir / "nothing-here.so");
  EXPECT_NE(missing.find("plugin x ("), std::string::npos) << missing;
  EXPECT_NE(missing.find("cannot be loaded"), std::string::npos) << missing;

  const std::string no_entry = load_error("y", k_dir / "no_entry.so");
  EXPECT_NE(no_entry.find("no entry point fw_plugin_entry_v1"), std::string::npos) << no_entry;

  const std::string newer = load_error("z", k_dir / "newer_minor.so");
  EXPECT_NE(newer.find("built for plugin ABI 1.1, newer than this feedwired's 1.0"),
            std::string::npos)
      << newer;
}

TEST(PluginHost, FindsPluginsByNameOnTheSearchPath) {
  EXPECT_EQ(fw::plugin_host::find_plugin("good", {"/nonexistent", k_dir}), k_dir / "good.so");
  EXPECT_EQ(fw::plugin_host::find_plugin("absent", {k_dir}), std::nullopt);
}

TEST(Slugify, MakesTagSlugs) {
  using feedwire::slugify;
  EXPECT_EQ(slugify("Kim Jong Un's"), "kim-jong-un");
  EXPECT_EQ(slugify("Kim Jong Un\u2019s visit"), "kim-jong-un-visit");
  EXPECT_EQ(slugify("  North   Korea!! "), "north-korea");
  EXPECT_EQ(slugify("U.S. economy"), "u-s-economy");
  EXPECT_EQ(slugify("don't"), "dont");
  EXPECT_EQ(slugify("São Paulo"), "são-paulo");
  EXPECT_EQ(slugify("?!"), "");
}

} // namespace
