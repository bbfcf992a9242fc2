#pragma once

#include "feedwire/plugin.h"
#include "model/story.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The host side of include/feedwire/plugin.h: loading a plugin's shared object, making its
// state, and running it on stories.
namespace fw::plugin_host {

// A tag a plugin gave a story. `tag` is a slug; `by` the plugin's [[plugin]] name.
struct Tag {
  std::string tag;
  std::string label;
  double score = 0;
  std::string by;
  friend bool operator==(const Tag&, const Tag&) = default;
};

// What plugins added to one story, published with it (docs/messages.md).
struct Additions {
  std::vector<Tag> tags; // one per slug, highest score first
  std::optional<std::string> summary;
  // "<plugin>.<key>" -> one JSON value, as text; in the order first set.
  std::vector<std::pair<std::string, std::string>> attrs;
  friend bool operator==(const Additions&, const Additions&) = default;
};

// A story as plugins see it.
struct StoryView {
  const model::Story* story = nullptr;
  std::string_view story_id;
  std::string_view feed_id;
  std::string_view feed_title;
  std::string_view language;
};

// The outcome of one process() call.
struct Outcome {
  fw_status status = FW_OK; // anything else: `additions` were left as they were
  bool drop = false;        // the plugin dropped the story (only with FW_OK)
};

// Limits of what one plugin may add to one story (beyond them: FW_ERR_LIMIT).
inline constexpr std::size_t k_max_tags_per_call = 64;
inline constexpr std::size_t k_max_summary_bytes = 64 * 1024;
inline constexpr std::size_t k_max_attr_bytes = 64 * 1024;

// Lower case, words joined by single hyphens, possessive "'s" dropped, no leading or trailing
// hyphen: "Kim Jong Un's" -> "kim-jong-un". Letters outside ASCII are kept as written. Empty
// when nothing is left.
[[nodiscard]] std::string slugify(std::string_view text);

// A loaded plugin with its state. Not copyable; not thread-safe unless the plugin says it is
// (concurrent()).
class Plugin {
public:
  // Opens `path` with dlopen(RTLD_NOW | RTLD_LOCAL), calls its fw_plugin_entry_v1 and checks its
  // description. Throws fw::ConfigError "plugin NAME (PATH): REASON" when the file cannot be
  // opened, has no entry point, was built for a newer minor ABI, or describes itself wrongly.
  static Plugin load(std::string name, const std::filesystem::path& path);

  // Makes the plugin's state from its configuration (a JSON object). Throws fw::ConfigError
  // naming the plugin, the file and the status when create() fails.
  void create(std::string_view config_json);

  // Runs the plugin on one story. On FW_OK what it added joins `additions` (tags by slug, the
  // higher score kept); on any other status `additions` is left as it was.
  Outcome process(const StoryView& story, Additions& additions);

  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const std::filesystem::path& path() const noexcept;
  // The plugin's own name and version, as it describes itself.
  [[nodiscard]] std::string_view plugin_name() const noexcept;
  [[nodiscard]] std::string_view plugin_version() const noexcept;
  [[nodiscard]] std::uint32_t abi_minor() const noexcept;
  [[nodiscard]] bool concurrent() const noexcept;

  Plugin(Plugin&&) noexcept;
  Plugin& operator=(Plugin&&) noexcept;
  ~Plugin(); // destroy(state), then dlclose

private:
  struct Impl;
  explicit Plugin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// The file plugin `name` is found in: `name`.so in the first folder of `search_path` that has
// it; nullopt when none does.
[[nodiscard]] std::optional<std::filesystem::path>
find_plugin(std::string_view name, const std::vector<std::filesystem::path>& search_path);

} // namespace fw::plugin_host
