#pragma once

#include "plugin_host/plugin.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>

// A plugin configured with `isolate = true`: it runs in a child process, `feedwired
// --plugin-host FD`, which loads it with Plugin::load and serves process() calls over a socket
// (wire.hpp). A crash, abort, hang or leak in the plugin then costs the child, never the daemon:
// the story goes on unchanged with a warning attribute, and the child is started again.
namespace fw::plugin_host {

struct IsolationOptions {
  // The program run as `PROGRAM --plugin-host FD`: feedwired. Empty: /proc/self/exe, this very
  // program, which is right when it is feedwired itself.
  std::filesystem::path host_program;
  std::chrono::milliseconds timeout{2000};        // one process() call, round trip
  std::chrono::milliseconds start_timeout{30000}; // starting the child: load + create
  std::chrono::milliseconds backoff_min{100};     // first restart delay after a failure
  std::chrono::milliseconds backoff_max{30000};   // doubling up to this
  std::size_t memory_limit = 0; // bytes of address space for the child (RLIMIT_AS); 0 = none
};

// One plugin in its own process. Movable, not copyable. Thread-safe: calls from several threads
// take turns (an internal mutex), each holding the child for at most one round trip, or one
// restart (start_timeout) followed by one round trip.
class IsolatedPlugin {
public:
  // Starts the child, which loads the plugin (Plugin::load with the same name, path and dirs) and
  // creates it with `config_json`, waiting up to options.start_timeout. Throws fw::ConfigError
  // with the very message Plugin::load or Plugin::create gives when the plugin cannot be loaded
  // or refuses its config, and "plugin NAME (PATH): the isolated plugin host could not start:
  // WHY" when the child cannot run, dies while loading, or does not answer in time.
  static IsolatedPlugin start(std::string name, std::filesystem::path path, HostDirs dirs,
                              std::string config_json, IsolationOptions options);

  // Like Plugin::process, with the child doing the work. When the child crashes, aborts, exits,
  // is killed, or does not answer within options.timeout (it is then killed with SIGKILL), the
  // call returns status FW_ERR_FAILED with `failure` saying why ("crashed (SIGSEGV)", "aborted
  // (SIGABRT)", "timed out after 2000 ms", "exited with status 3", "killed (SIGKILL, out of
  // memory?)"), and `additions` as they were plus one attribute "<name>.warning", a JSON string
  // such as "plugin crashed (SIGSEGV); story left unchanged". The child is reaped at once and
  // started again (load + create) by the first call after a backoff: backoff_min after a first
  // failure, doubling up to backoff_max with each failure in a row, back to backoff_min after a
  // call the child answers. Calls during the backoff return at once with failure "restarting" (and
  // the warning); a restart that fails gives failure "could not restart: WHY" and another
  // backoff. A plugin that returns FW_ERR_NO_MEMORY keeps that status, with failure "out of
  // memory" and the warning, and its child is replaced as after a crash: a leak stays in a
  // process that is thrown away. A story too large for one message (wire.hpp) gives FW_ERR_LIMIT
  // and failure "story too large". Outcome::failure is empty exactly when no warning was added.
  // Never throws but std::bad_alloc.
  Outcome process(const StoryView& story, Additions& additions);

  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const std::filesystem::path& path() const noexcept;
  // The plugin's own name, version and ABI minor, as its first child read them.
  [[nodiscard]] std::string_view plugin_name() const noexcept;
  [[nodiscard]] std::string_view plugin_version() const noexcept;
  [[nodiscard]] std::uint32_t abi_minor() const noexcept;

  // How often the child died (crashed, aborted, exited, was killed, or gave a malformed reply)
  // and timed out in a call, and how many times a new child was started after the first.
  [[nodiscard]] std::uint64_t crashes() const noexcept;
  [[nodiscard]] std::uint64_t timeouts() const noexcept;
  [[nodiscard]] std::uint64_t restarts() const noexcept;
  // The current child's process id; 0 while there is none (after a failure, until the restart).
  [[nodiscard]] pid_t pid() const noexcept;

  IsolatedPlugin(IsolatedPlugin&&) noexcept;
  IsolatedPlugin& operator=(IsolatedPlugin&&) noexcept;
  // Closes the socket, on which the child destroys the plugin's state and exits; waits for that
  // up to options.timeout, then kills it with SIGKILL, and reaps it.
  ~IsolatedPlugin();

private:
  struct Impl;
  explicit IsolatedPlugin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// The child's side, `feedwired --plugin-host FD`: serves the requests that come over the socket
// `fd` (one init, then process calls, one at a time) until the parent closes it, then destroys
// the plugin. Call it first thing in main(), before any config is read; it sets up its own
// logging to stderr. Returns the exit status: 0 when the parent closed the socket, non-zero on a
// malformed request or when the host itself runs out of memory.
int run_plugin_host(int fd);

} // namespace fw::plugin_host
