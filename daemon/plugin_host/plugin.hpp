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

using Tag = model::Tag;
using Additions = model::Additions;

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
  // Empty, except from an isolated plugin (isolated.hpp) whose process failed around the call:
  // a short cause such as "crashed (SIGSEGV)" or "timed out after 2000 ms", for logs and
  // counters.
  std::string failure;
};

// "FW_ERR_FAILED" and the like; "status N" for a value plugin.h does not define.
[[nodiscard]] std::string status_name(fw_status status);

// Limits of what one plugin may add to one story (beyond them: FW_ERR_LIMIT).
inline constexpr std::size_t k_max_tags_per_call = 64;
inline constexpr std::size_t k_max_summary_bytes = 64 * 1024;
inline constexpr std::size_t k_max_attr_bytes = 64 * 1024;

// The folders a plugin learns through its host table (plugin.h): its own folder, made by load()
// when it does not exist, and the config file's folder. Empty: the plugin is told there is none.
struct HostDirs {
  std::filesystem::path plugin_dir;
  std::filesystem::path config_dir;
};

// A loaded plugin with its state. Not copyable; not thread-safe unless the plugin says it is
// (concurrent()).
class Plugin {
public:
  // Opens `path` with dlopen(RTLD_NOW | RTLD_LOCAL), calls its fw_plugin_entry_v1 and checks its
  // description. Throws fw::ConfigError "plugin NAME (PATH): REASON" when the file cannot be
  // opened, has no entry point, was built for a newer minor ABI, or describes itself wrongly,
  // or when dirs.plugin_dir cannot be made.
  static Plugin load(std::string name, const std::filesystem::path& path, HostDirs dirs = {});

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
