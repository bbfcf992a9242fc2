#pragma once

#include "config/config.hpp"
#include "plugin_host/chain.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace fw::service {

enum class RunMode {
  forever, // poll on schedule until SIGINT/SIGTERM
  once,    // poll every enabled feed once, deliver every message, exit
};

struct RunOptions {
  RunMode mode = RunMode::forever;
  bool stdout_messages = false; // also write every message as a JSON line to stdout
  // The program isolated plugins run in (as --plugin-host); empty: this program, feedwired.
  std::filesystem::path plugin_host_program;
  // --log-level: wins over the config's log_level, at start and on reload.
  std::string log_level_override;
};

// What `feedwired --check-config` and `feedwire check-config` do with a config that parsed:
// read the [security] key files and find, load and create every plugin as the daemon would
// (isolated ones in their child process), without state folders, the store or any network I/O.
// Throws fw::ConfigError as the daemon's start would; else returns a one-line summary ("12 feeds
// (11 enabled), 2 plugins: tagger, summarizer"). `host_program` runs isolated plugins (empty: this
// program).
[[nodiscard]] std::string check_config(const config::Config& config,
                                       const std::filesystem::path& host_program);

// The running daemon: scheduler, fetcher and store on one io thread, parsing on a worker pool,
// the publisher on its own thread (docs/architecture.md). Constructed on the main thread.
class Daemon {
public:
  // Opens the state store and binds the publish endpoints. Throws fw::ConfigError for what an
  // operator must fix (state file from a newer schema, endpoint in use), before any network I/O.
  Daemon(config::Config config, RunOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until SIGINT/SIGTERM or, in once mode, until every enabled feed was polled once and
  // every message was handed to ZeroMQ. Returns the process exit status: 0, or 1 in once mode
  // when a feed failed (a per-feed summary goes to stderr).
  int run();

  // The publish endpoints as bound (with the real port when the config asked for "*").
  [[nodiscard]] std::vector<std::string> endpoints() const;

  // How each [[plugin]] has fared so far. Thread-safe.
  [[nodiscard]] std::vector<plugin_host::PluginStats> plugin_stats() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

} // namespace fw::service
