// tagger.so through the C ABI, as feedwired drives it: a host table of our own, dlopen, the
// entry point, create/process/destroy.
#include "feedwire/plugin.h"

#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

struct fw_story {
  std::map<fw_field, std::string> fields;
  struct Tag {
    std::string tag;
    std::string label;
    double score = 0;
  };
  std::vector<Tag> tags;
  std::map<std::string, std::string> attrs;
};

namespace {

// What the fake host serves and records. One test at a time uses it.
struct HostState {
  std::string plugin_dir;
  std::string config_dir;
  std::vector<std::string> log;
};
HostState* g_host = nullptr;

std::string_view view(fw_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}
fw_str str(const std::string& s) {
  return s.empty() ? fw_str{nullptr, 0} : fw_str{s.data(), s.size()};
}

void host_log(const fw_host_v1*, int32_t, fw_str message) {
  g_host->log.emplace_back(view(message));
}
fw_str story_field(const fw_story* story, fw_field field) {
  const auto it = story->fields.find(field);
  return it == story->fields.end() ? fw_str{nullptr, 0}
                                   : fw_str{it->second.data(), it->second.size()};
}
size_t story_list_size(const fw_story*, fw_list) {
  return 0;
}
fw_str story_list_item(const fw_story*, fw_list, size_t) {
  return {nullptr, 0};
}
fw_status story_add_tag(fw_story* story, fw_str tag, fw_str label, double score) {
  if (score < 0 || score > 1) {
    return FW_ERR_INVALID;
  }
  story->tags.push_back({std::string(view(tag)), std::string(view(label)), score});
  return FW_OK;
}
fw_status story_set_summary(fw_story*, fw_str) {
  return FW_OK;
}
fw_status story_set_attr(fw_story* story, fw_str key, fw_str json) {
  story->attrs[std::string(view(key))] = std::string(view(json));
  return FW_OK;
}
fw_str plugin_dir(const fw_host_v1*) {
  return str(g_host->plugin_dir);
}
fw_str config_dir(const fw_host_v1*) {
  return str(g_host->config_dir);
}

const fw_host_v1 k_host = {sizeof(fw_host_v1), FW_ABI_MINOR,    host_log,      story_field,
                           story_list_size,    story_list_item, story_add_tag, story_set_summary,
                           story_set_attr,     plugin_dir,      config_dir};

class TaggerPlugin : public ::testing::Test {
protected:
  void SetUp() override {
    const std::filesystem::path so = std::filesystem::path(FW_BINARY_DIR) / "plugins/tagger.so";
    // tests/CMakeLists.txt builds the plugin before this test.
    ASSERT_TRUE(std::filesystem::exists(so)) << so << " is not built";
    m_handle = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(m_handle, nullptr) << ::dlerror();
    const auto entry =
        reinterpret_cast<fw_plugin_entry_v1_fn>(::dlsym(m_handle, FW_PLUGIN_ENTRY_V1_NAME));
    ASSERT_NE(entry, nullptr);
    m_plugin.struct_size = sizeof(m_plugin);
    ASSERT_EQ(entry(&k_host, &m_plugin), FW_OK);
    char pattern[] = "/tmp/fw-tagger-plugin-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    m_dir = pattern;
    std::filesystem::create_directories(m_dir / "state");
    m_state.plugin_dir = (m_dir / "state").string();
    m_state.config_dir = m_dir.string();
    g_host = &m_state;
  }

  void TearDown() override {
    g_host = nullptr;
    if (!m_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(m_dir, ec);
    }
    if (m_handle != nullptr) {
      ::dlclose(m_handle);
    }
  }

  fw_status create(const std::string& config, void** state) {
    return m_plugin.create(&k_host, fw_str{config.data(), config.size()}, state);
  }

  void* m_handle = nullptr;
  fw_plugin_v1 m_plugin{};
  HostState m_state;
  std::filesystem::path m_dir;
};

TEST_F(TaggerPlugin, DescribesItselfAsNotConcurrent) {
  EXPECT_EQ(view(m_plugin.name), "tagger");
  EXPECT_EQ(view(m_plugin.version), "1.0.0");
  EXPECT_EQ(m_plugin.abi_minor, static_cast<uint32_t>(FW_ABI_MINOR));
  EXPECT_EQ(m_plugin.flags & FW_PLUGIN_CONCURRENT, 0U);
}

TEST_F(TaggerPlugin, RefusesABadConfigurationNamingTheKey) {
  void* state = nullptr;
  EXPECT_EQ(create(R"({"max_tags": 0})", &state), FW_ERR_CONFIG);
  ASSERT_FALSE(m_state.log.empty());
  EXPECT_NE(m_state.log.back().find("max_tags"), std::string::npos) << m_state.log.back();

  std::ofstream(m_dir / "bad.toml") << "[[rule]]\ntag = \"x\"\nregex = ['(']\n";
  EXPECT_EQ(create(R"({"rules": "bad.toml"})", &state), FW_ERR_CONFIG);
  EXPECT_NE(m_state.log.back().find("bad.toml"), std::string::npos) << m_state.log.back();
  EXPECT_NE(m_state.log.back().find("rule 1"), std::string::npos) << m_state.log.back();
}

TEST_F(TaggerPlugin, TagsAStoryAndKeepsItsFrequenciesInItsFolder) {
  std::ofstream(m_dir / "rules.toml") << "[[rule]]\ntag = \"north-korea\"\nlabel = \"North "
                                         "Korea\"\nphrases = [\"pyongyang\"]\n";
  void* state = nullptr;
  ASSERT_EQ(create(R"({"rules": "rules.toml", "max_tags": 5})", &state), FW_OK);

  fw_story story;
  story.fields[FW_FIELD_TITLE] = "Kim Jong Un oversees missile launch";
  story.fields[FW_FIELD_TEXT] =
      "North Korean leader Kim Jong Un watched the launch of a new missile near Pyongyang on "
      "Tuesday, state media said.\nShare this article\nKim Jong Un's sister warned that "
      "Pyongyang would respond. The missile flew for 71 minutes.\nSource link\n";
  story.fields[FW_FIELD_LANGUAGE] = "en";
  fw_verdict verdict = FW_DROP;
  ASSERT_EQ(m_plugin.process(state, &story, &verdict), FW_OK);
  EXPECT_EQ(verdict, FW_KEEP);

  ASSERT_GE(story.tags.size(), 2U);
  EXPECT_LE(story.tags.size(), 5U);
  EXPECT_EQ(story.tags[0].tag, "north-korea");
  EXPECT_EQ(story.tags[0].label, "North Korea");
  EXPECT_EQ(story.tags[1].tag, "Kim Jong Un");
  for (const fw_story::Tag& t : story.tags) {
    EXPECT_NE(t.tag, "share");
    EXPECT_NE(t.tag, "source");
  }
  ASSERT_EQ(story.attrs.count("entities"), 1U);
  const nlohmann::json entities = nlohmann::json::parse(story.attrs["entities"]);
  ASSERT_TRUE(entities.is_array());
  ASSERT_FALSE(entities.empty());
  EXPECT_EQ(entities[0].at("name"), "Kim Jong Un");

  m_plugin.destroy(state);
  EXPECT_TRUE(std::filesystem::exists(m_dir / "state/df.txt"));
}

TEST_F(TaggerPlugin, WithoutAFolderKeepsEverythingInMemory) {
  m_state.plugin_dir.clear();
  void* state = nullptr;
  ASSERT_EQ(create("{}", &state), FW_OK);
  fw_story story;
  story.fields[FW_FIELD_TEXT] = "Heavy rain flooded Valencia. Valencia closed its schools.";
  fw_verdict verdict = FW_DROP;
  EXPECT_EQ(m_plugin.process(state, &story, &verdict), FW_OK);
  EXPECT_EQ(verdict, FW_KEEP);
  m_plugin.destroy(state);
  EXPECT_TRUE(std::filesystem::is_empty(m_dir / "state"));
}

} // namespace
