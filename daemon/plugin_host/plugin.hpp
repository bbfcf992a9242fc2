#pragma once

#include "feedwire/plugin.h"
#include "model/story.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
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

// Takes a plugin's log() lines in place of feedwired's log: `level` is an FW_LOG_* value as the
// plugin gave it, `message` its text, borrowed for the call. Runs on the thread of the plugin
// call that logs, so it must be safe to call from several at once for a concurrent plugin. What
// it throws is swallowed: a line that cannot be written is not the plugin's failure.
using LogSink = std::function<void(std::int32_t level, std::string_view message)>;

// Plugin code run against feedwired's host: `host` is the table, `story` the story of this
// call (both valid until it returns); it sets *verdict (FW_KEEP when left alone) and returns
// what a plugin's process() would.
using HostCall =
    std::function<fw_status(const fw_host_v1* host, fw_story* story, fw_verdict* verdict)>;

// feedwired's own host table (plugin.h's fw_host_v1) for the [[plugin]] named `name`, without a
// shared object: for testing plugin code in process without its .so. It is the table
// Plugin::load hands a plugin: log() writes "plugin=NAME MESSAGE" to feedwired's log (to `log`
// when given), plugin_dir() and config_dir() answer `dirs` as given (nothing is made), and tags
// and attributes a call adds carry `name` ("by", "NAME.KEY"). Movable; get() stays the same
// pointer for the object's lifetime, moves included.
class HostTable {
public:
  explicit HostTable(std::string name, const HostDirs& dirs = {}, LogSink log = {});
  HostTable(HostTable&&) noexcept;
  HostTable& operator=(HostTable&&) noexcept;
  ~HostTable();

  // The table, for a plugin's entry point, create() and destroy() and for feedwire::Host.
  [[nodiscard]] const fw_host_v1* get() const noexcept;

  // Calls `call` with get() and a story for `view`, exactly as Plugin::process calls a plugin's
  // process(): the story reads `view` and, for FW_FIELD_SUMMARY and FW_LIST_TAGS, `additions`.
  // On FW_OK what the call added joins `additions` as a plugin's would; on any other status, or
  // a verdict other than FW_KEEP and FW_DROP (FW_ERR_INVALID), `additions` is left as it was.
  // An exception from `call` leaves `additions` as it was and propagates. Calls on one table
  // may run on several threads at once.
  Outcome run(const StoryView& view, Additions& additions, const HostCall& call) const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// HostTable(name, dirs).run(view, additions, call): one call with a table made for it, its log()
// going to feedwired's log.
Outcome run_with_host(const std::string& name, const HostDirs& dirs, const StoryView& view,
                      Additions& additions, const HostCall& call);

// A loaded plugin with its state. Not copyable; not thread-safe unless the plugin says it is
// (concurrent()).
class Plugin {
public:
  // Opens `path` with dlopen(RTLD_NOW | RTLD_LOCAL), calls its fw_plugin_entry_v1 and checks its
  // description. Throws fw::ConfigError "plugin NAME (PATH): REASON" when the file cannot be
  // opened, has no entry point, was built for a newer minor ABI, or describes itself wrongly,
  // or when dirs.plugin_dir cannot be made. The plugin's log() lines go to `log` when given,
  // else to feedwired's log; `log` must accept them until the Plugin is destroyed.
  static Plugin load(std::string name, const std::filesystem::path& path, HostDirs dirs = {},
                     LogSink log = {});

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
