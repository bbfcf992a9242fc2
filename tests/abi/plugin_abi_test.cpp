// plugin.hpp against a host table written here: the daemon's host (daemon/plugin_host) is what
// plugins meet in production; this one is only as much of a host as the wrapper's promises need.

#include "feedwire/plugin.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// The opaque story of plugin.h, as this test host keeps it.
struct fw_story {
  std::map<fw_field, std::string> fields;
  std::vector<std::string> categories;
  std::vector<std::pair<std::string, double>> tags;
  std::string summary;
  std::map<std::string, std::string> attrs;
};

namespace {

std::vector<std::pair<std::int32_t, std::string>> g_log;

fw_host_v1 test_host() {
  fw_host_v1 h{};
  h.struct_size = sizeof(fw_host_v1);
  h.abi_minor = FW_ABI_MINOR;
  h.log = [](const fw_host_v1*, std::int32_t level, fw_str message) {
    g_log.emplace_back(level, std::string(feedwire::view(message)));
  };
  h.story_field = [](const fw_story* s, fw_field f) {
    const auto it = s->fields.find(f);
    return it == s->fields.end() ? fw_str{nullptr, 0} : feedwire::str(it->second);
  };
  h.story_list_size = [](const fw_story* s, fw_list list) {
    return list == FW_LIST_CATEGORIES ? s->categories.size() : std::size_t{0};
  };
  h.story_list_item = [](const fw_story* s, fw_list list, std::size_t i) {
    return list == FW_LIST_CATEGORIES && i < s->categories.size() ? feedwire::str(s->categories[i])
                                                                  : fw_str{nullptr, 0};
  };
  h.story_add_tag = [](fw_story* s, fw_str tag, fw_str, double score) -> fw_status {
    if (!(score >= 0.0 && score <= 1.0)) {
      return FW_ERR_INVALID;
    }
    s->tags.emplace_back(std::string(feedwire::view(tag)), score);
    return FW_OK;
  };
  h.story_set_summary = [](fw_story* s, fw_str text) -> fw_status {
    s->summary = std::string(feedwire::view(text));
    return FW_OK;
  };
  h.story_set_attr = [](fw_story* s, fw_str key, fw_str json) -> fw_status {
    s->attrs[std::string(feedwire::view(key))] = std::string(feedwire::view(json));
    return FW_OK;
  };
  return h;
}

// Tags every category, drops stories titled "drop", fails on "fail", runs out of memory on
// "oom"; its config is a number of tags at most, and "bad" is refused.
class Categories {
public:
  static constexpr std::string_view name = "categories";
  static constexpr std::string_view version = "0.1";
  static constexpr std::uint32_t flags = FW_PLUGIN_CONCURRENT;

  Categories(feedwire::Host host, std::string_view config) : m_host(host) {
    if (config == "bad") {
      throw feedwire::ConfigError("config: expected an object, got bad");
    }
  }

  fw_verdict process(feedwire::Story& story) {
    const std::string_view title = story.title();
    if (title == "drop") {
      return FW_DROP;
    }
    if (title == "fail") {
      throw std::runtime_error("cannot tag this");
    }
    if (title == "oom") {
      throw std::bad_alloc();
    }
    for (std::size_t i = 0; i < story.list_size(FW_LIST_CATEGORIES); ++i) {
      story.add_tag(story.list_item(FW_LIST_CATEGORIES, i), 0.5);
    }
    story.set_summary("about " + std::string(story.get(FW_FIELD_LINK)));
    story.set_attr("count", std::to_string(story.list_size(FW_LIST_CATEGORIES)));
    m_host.debug("tagged");
    return FW_KEEP;
  }

private:
  feedwire::Host m_host;
};

} // namespace

FEEDWIRE_PLUGIN(Categories)

namespace {

fw_plugin_v1 describe(const fw_host_v1& host) {
  fw_plugin_v1 p{};
  p.struct_size = sizeof(p);
  EXPECT_EQ(fw_plugin_entry_v1(&host, &p), FW_OK);
  return p;
}

TEST(PluginHpp, TheEntryPointDescribesThePlugin) {
  const fw_host_v1 host = test_host();
  const fw_plugin_v1 p = describe(host);
  EXPECT_EQ(p.struct_size, sizeof(fw_plugin_v1));
  EXPECT_EQ(p.abi_minor, std::uint32_t{FW_ABI_MINOR});
  EXPECT_EQ(feedwire::view(p.name), "categories");
  EXPECT_EQ(feedwire::view(p.version), "0.1");
  EXPECT_EQ(p.flags, std::uint32_t{FW_PLUGIN_CONCURRENT});
  EXPECT_NE(p.create, nullptr);
  EXPECT_NE(p.process, nullptr);
  EXPECT_NE(p.destroy, nullptr);
}

// A host that knows a shorter fw_plugin_v1 (say, only up to `flags`) gets no byte more.
TEST(PluginHpp, TheDescriptionNeverOverrunsTheHostsStruct) {
  const fw_host_v1 host = test_host();
  std::array<unsigned char, sizeof(fw_plugin_v1) + 16> buffer{};
  buffer.fill(0xAB);
  fw_plugin_v1 head{};
  head.struct_size = offsetof(fw_plugin_v1, create);
  std::memcpy(buffer.data(), &head, sizeof(std::uint32_t));
  ASSERT_EQ(fw_plugin_entry_v1(&host, reinterpret_cast<fw_plugin_v1*>(buffer.data())), FW_OK);
  for (std::size_t i = offsetof(fw_plugin_v1, create); i < buffer.size(); ++i) {
    ASSERT_EQ(buffer[i], 0xAB) << "byte " << i << " written";
  }
  std::uint32_t written_size = 0;
  std::memcpy(&written_size, buffer.data(), sizeof(written_size));
  EXPECT_EQ(written_size, sizeof(fw_plugin_v1)) << "the plugin states its own size";

  fw_plugin_v1 tiny{};
  tiny.struct_size = 4;
  EXPECT_EQ(fw_plugin_entry_v1(&host, &tiny), FW_ERR_INVALID);
  EXPECT_EQ(fw_plugin_entry_v1(nullptr, &tiny), FW_ERR_INVALID);
}

TEST(PluginHpp, ProcessReadsTheStoryAndWritesThroughTheHost) {
  const fw_host_v1 host = test_host();
  const fw_plugin_v1 p = describe(host);
  void* state = nullptr;
  ASSERT_EQ(p.create(&host, feedwire::str("{}"), &state), FW_OK);
  fw_story story;
  story.fields[FW_FIELD_TITLE] = "Summit ends";
  story.fields[FW_FIELD_LINK] = "https://example.org/a";
  story.categories = {"World", "Asia"};
  fw_verdict verdict = FW_DROP;
  g_log.clear();
  EXPECT_EQ(p.process(state, &story, &verdict), FW_OK);
  EXPECT_EQ(verdict, FW_KEEP);
  ASSERT_EQ(story.tags.size(), 2U);
  EXPECT_EQ(story.tags[0].first, "World");
  EXPECT_EQ(story.summary, "about https://example.org/a");
  EXPECT_EQ(story.attrs.at("count"), "2");
  ASSERT_EQ(g_log.size(), 1U);
  EXPECT_EQ(g_log[0], (std::pair<std::int32_t, std::string>{FW_LOG_DEBUG, "tagged"}));
  p.destroy(state);
}

TEST(PluginHpp, AbsentAndEmptyFieldsDiffer) {
  const fw_host_v1 host = test_host();
  fw_story story;
  story.fields[FW_FIELD_TITLE] = "";
  const feedwire::Story s(&host, &story);
  EXPECT_EQ(s.field(FW_FIELD_TITLE), std::optional<std::string_view>(""));
  EXPECT_EQ(s.field(FW_FIELD_LINK), std::nullopt);
  EXPECT_EQ(s.get(FW_FIELD_LINK), "");
  EXPECT_EQ(s.list_item(FW_LIST_CATEGORIES, 9), "");
}

// No exception crosses the C boundary: each becomes a status, and the verdict is untouched.
TEST(PluginHpp, ExceptionsBecomeStatusCodes) {
  const fw_host_v1 host = test_host();
  const fw_plugin_v1 p = describe(host);
  void* state = nullptr;
  g_log.clear();
  EXPECT_EQ(p.create(&host, feedwire::str("bad"), &state), FW_ERR_CONFIG);
  ASSERT_EQ(g_log.size(), 1U);
  EXPECT_EQ(g_log[0].first, FW_LOG_ERROR);
  EXPECT_EQ(g_log[0].second, "config: expected an object, got bad");

  ASSERT_EQ(p.create(&host, feedwire::str("{}"), &state), FW_OK);
  fw_story story;
  fw_verdict verdict = FW_KEEP;
  story.fields[FW_FIELD_TITLE] = "drop";
  EXPECT_EQ(p.process(state, &story, &verdict), FW_OK);
  EXPECT_EQ(verdict, FW_DROP);
  verdict = FW_KEEP;
  story.fields[FW_FIELD_TITLE] = "fail";
  EXPECT_EQ(p.process(state, &story, &verdict), FW_ERR_FAILED);
  story.fields[FW_FIELD_TITLE] = "oom";
  EXPECT_EQ(p.process(state, &story, &verdict), FW_ERR_NO_MEMORY);
  EXPECT_EQ(verdict, FW_KEEP);
  p.destroy(state);
}

TEST(PluginHpp, HostHasChecksTheTablesSize) {
  fw_host_v1 host = test_host();
  EXPECT_TRUE(FW_HOST_HAS(&host, story_set_attr));
  host.struct_size = offsetof(fw_host_v1, story_set_attr); // a host from before that member
  EXPECT_FALSE(FW_HOST_HAS(&host, story_set_attr));
  EXPECT_TRUE(FW_HOST_HAS(&host, story_set_summary));
  host.story_set_summary = nullptr;
  EXPECT_FALSE(FW_HOST_HAS(&host, story_set_summary));
}

} // namespace
