#pragma once

#include "config/config.hpp"
#include "plugin_host/plugin.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

// The configured plugins, in order: what the daemon runs on every story between dedupe and
// publish.
namespace fw::plugin_host {

struct ChainOptions {
  // Where a plugin without `path` is looked for, in order (see plugin_search_path()).
  std::vector<std::filesystem::path> search_path;
  // Each plugin gets <state_dir>/plugins/<name>/ for its own files; empty: none.
  std::filesystem::path state_dir;
  std::filesystem::path config_dir; // the config file's folder
  // The program isolated plugins run in, as --plugin-host; empty: this program (feedwired).
  std::filesystem::path host_program;
  // Called after every plugin call, on the calling thread (so it must be thread-safe): the
  // plugin's name, how long the call took, and how it ended: "ok", "dropped" or the failure's
  // cause. The daemon's metrics count with it; unset: nothing is called.
  std::function<void(const std::string& plugin, std::chrono::nanoseconds took,
                     std::string_view outcome)>
      on_call;
};

// How one plugin has fared since the start.
struct PluginStats {
  std::string name;
  bool isolated = false;
  std::uint64_t calls = 0;
  std::uint64_t drops = 0;
  std::uint64_t failures = 0; // calls that left the story as it was
  std::map<std::string, std::uint64_t>
      causes;                       // failures by cause ("FW_ERR_FAILED", "crashed (SIGSEGV)")
  std::uint64_t restarts = 0;       // isolated: child processes started again
  std::chrono::nanoseconds busy{0}; // total time in process()
};

// What the plugins made of one story.
struct ChainResult {
  Additions additions;
  std::string dropped_by; // the plugin that dropped the story; empty: it goes out
};

class Chain {
public:
  Chain(); // no plugins
  // Finds, loads and creates every plugin, isolated ones in their child process. Throws
  // fw::ConfigError "plugin NAME (PATH): REASON" (or "plugin NAME: ..." when no file was found,
  // listing the folders searched) for the first that fails.
  static Chain load(const std::vector<config::PluginConfig>& plugins, const ChainOptions& options);

  [[nodiscard]] bool empty() const noexcept;
  // True when some plugin runs on the stories of `feed_id`.
  [[nodiscard]] bool runs_on(std::string_view feed_id) const noexcept;

  // Runs the plugins whose scope has view.feed_id, in config order, until one drops the story,
  // starting from `initial` (the feed's own tags).
  // A plugin that fails leaves the story as it was (an isolated one adds a "<name>.warning"
  // attribute); the failure is counted and logged once per plugin and cause. Thread-safe: a
  // plugin that is not concurrent runs one story at a time.
  ChainResult run(const StoryView& view, Additions initial = {});

  [[nodiscard]] std::vector<PluginStats> stats() const;
  // One line per plugin, for logs and the --once summary: "tagger calls=... failures=...".
  [[nodiscard]] std::vector<std::string> summary() const;

  Chain(Chain&&) noexcept;
  Chain& operator=(Chain&&) noexcept;
  ~Chain();

private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

// The folders searched for "<name>.so", in order: `configured` (the config's plugin_path), then
// the installed plugin folder and the build tree's plugins/ folder, both found from where the
// running program lives (<prefix>/bin/feedwired -> <prefix>/lib/.../feedwire/plugins;
// build/bin/feedwired -> build/plugins).
[[nodiscard]] std::vector<std::filesystem::path>
plugin_search_path(const std::vector<std::filesystem::path>& configured);

// How the daemon loads `c`'s plugins: the search path, the config folder, and, when
// `with_state` (the daemon; not a config check, which must write nothing), their folders under
// state_dir. `host_program` runs isolated plugins (empty: this program).
[[nodiscard]] ChainOptions chain_options(const config::Config& c,
                                         std::filesystem::path host_program, bool with_state);

// The running program's own path (/proc/self/exe); empty when it cannot be read.
[[nodiscard]] std::filesystem::path self_program();

} // namespace fw::plugin_host
