// The tagger plugin: the ABI glue around tagger::Tagger. Tags each story with rule tags,
// named entities and keywords; see tagger.hpp and examples/rules.toml.
#include "feedwire/plugin.hpp"

#include "tagger/config.hpp"
#include "tagger/rules.hpp"
#include "tagger/tagger.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedwire::tagger {
namespace {

RuleSet rules_of(const Host& host, const Config& config) {
  if (config.rules.empty()) {
    return RuleSet();
  }
  return RuleSet::load(host.resolve(config.rules));
}

std::optional<std::filesystem::path> state_dir_of(const Host& host) {
  const std::optional<std::string_view> dir = host.plugin_dir();
  if (!dir || dir->empty()) {
    return std::nullopt;
  }
  return std::filesystem::path(*dir);
}

class TaggerPlugin {
public:
  static constexpr std::string_view name = "tagger";
  static constexpr std::string_view version = "1.0.0";
  // Not FW_PLUGIN_CONCURRENT: every story updates the DF table.

  TaggerPlugin(Host host, std::string_view config_json)
      : TaggerPlugin(host, parse_config(config_json)) {}

  fw_verdict process(Story& story) {
    const std::vector<TagResult> tags =
        m_tagger.tag(story.title(), story.text(), story.get(FW_FIELD_LANGUAGE));
    bool has_entity = false;
    for (const TagResult& t : tags) {
      // FW_ERR_LIMIT cannot happen below 64 tags; FW_ERR_INVALID (text that is not UTF-8
      // after all) loses that one tag, not the others.
      if (story.add_tag(t.tag, t.score, t.label) == FW_ERR_LIMIT) {
        break;
      }
      has_entity = has_entity || t.kind == TagKind::entity;
    }
    if (has_entity) {
      story.set_attr("entities", entities_json(tags));
    }
    return FW_KEEP;
  }

private:
  TaggerPlugin(Host host, const Config& config)
      : m_tagger(config, rules_of(host, config), state_dir_of(host),
                 [host](std::string_view message) { host.warn(message); }) {}

  Tagger m_tagger;
};

} // namespace
} // namespace feedwire::tagger

FEEDWIRE_PLUGIN(feedwire::tagger::TaggerPlugin)
