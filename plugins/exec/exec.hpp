#pragma once

// The exec plugin: runs a command for every story and applies what it prints.
//
// Configuration (the [[plugin]] table's `config`, as JSON):
//
//   {"command": ["python3", "scripts/keywords.py"],  // argv, required; no shell
//    "timeout": "5s",                                // per story; default 5s
//    "env": {"KEYWORDS_MAX": "8"},                   // added to feedwired's environment
//    "max_output": 1048576}                          // bytes of stdout; default 1 MiB
//
// command[0] without a '/' is looked up on PATH (the PATH of `env` when it sets one); with a
// '/' it is a path, relative ones taken from the config file's folder. It must be an executable
// file when the plugin starts (else feedwire::ConfigError). The command runs in the config file's
// folder when the host knows it, so relative paths among its arguments work the same way.
// `timeout` is a duration such as "200ms", "5s", "1m" or "1m30s", or a number of seconds.
//
// Protocol, for each story (plugins/exec/README.md has the details):
//   stdin   one JSON object: story_id, feed_id, feed_title, id, link, title, text,
//           summary_html, content_html, published, updated, language, image, comments (strings,
//           or null when the story has none), categories, authors, enclosures, tags (lists of
//           strings; tags are those of earlier plugins), summary (an earlier plugin's, or null).
//           Then stdin is closed.
//   stdout  nothing (the story goes on unchanged), or one JSON object, every key optional:
//             "tags":    a list of "tag" strings (score 1) or {"tag": ..., "label": ...,
//                        "score": 0..1} objects
//             "summary": a string
//             "attrs":   an object of any JSON values, published as "<plugin name>.<key>"
//             "verdict": "keep" or "drop"
//   stderr  logged (its end, shortened) when the call fails.
// The call fails, and the story goes on as it was, when the command cannot start, exits with a
// status other than 0 or through a signal, runs past `timeout` (its process group is then
// killed), prints more than `max_output` bytes, or prints anything but the object above.
//
// The command runs in a process group of its own; whatever is left in it when the command exits
// is killed, so a script cannot leave processes behind. Every child is reaped before the call
// returns.

#include "feedwire/plugin.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedwire::exec {

// A configuration, checked.
struct Config {
  std::vector<std::string> argv;       // as configured; argv[0] is what the command sees
  std::string program;                 // the file to execute: absolute, or as resolved
  std::optional<std::string> work_dir; // the child's working directory (the config folder)
  std::chrono::milliseconds timeout{5000};
  std::vector<std::string> environment; // "KEY=VALUE", feedwired's with `env` applied
  std::size_t max_output = 1024 * 1024;
};

// Checks `config_json` (the format above) and finds the program. Throws feedwire::ConfigError
// naming the key at fault, or saying where the program was looked for.
[[nodiscard]] Config parse_config(const Host& host, std::string_view config_json);

// How one run of the command ended.
enum class Ending {
  exited,       // exited by itself: see exit_status
  signaled,     // killed by a signal it did not get from us: see signal
  timed_out,    // ran past the timeout; we killed it
  output_limit, // wrote more than max_output bytes to stdout; we killed it
  not_started   // posix_spawn failed: see spawn_error
};

struct RunResult {
  Ending ending = Ending::not_started;
  int exit_status = 0; // Ending::exited
  int signal = 0;      // Ending::signaled
  int spawn_error = 0; // Ending::not_started: an errno value
  std::string out;     // stdout, up to max_output bytes
  std::string err;     // the last k_stderr_kept bytes of stderr
  std::chrono::milliseconds elapsed{0};
};

// How much of stderr run() keeps: the end, where a traceback says what went wrong.
inline constexpr std::size_t k_stderr_kept = 8 * 1024;

// Runs config's command once with `input` on its stdin and waits for it, for at most
// config.timeout. Writes stdin and reads stdout and stderr together, so that a command that
// answers while it reads cannot deadlock on full pipes; a command that stops reading early is
// not an error. SIGPIPE is blocked in the calling thread while writing, whatever feedwired's
// disposition. Returns with the child and its process group reaped or killed. Throws
// std::system_error only when a pipe cannot be made. Not reentrant for one Config.
[[nodiscard]] RunResult run(const Config& config, std::string_view input);

// What a command printed, checked.
struct Tag {
  std::string tag;
  std::string label;
  double score = 1.0;
};
struct Response {
  std::vector<Tag> tags;
  std::optional<std::string> summary;
  std::vector<std::pair<std::string, std::string>> attrs; // key, compact JSON text
  fw_verdict verdict = FW_KEEP;
};

// Parses a command's stdout (format above). Empty or white-space-only output is an empty
// Response. Throws std::runtime_error saying what is wrong.
[[nodiscard]] Response parse_response(std::string_view out);

// The JSON object a command reads on stdin for `story`.
[[nodiscard]] std::string story_json(const Story& story);

// The plugin (FEEDWIRE_PLUGIN(Plugin) in plugin.cpp). Not concurrent: the host runs one story at
// a time through it.
class Plugin {
public:
  static constexpr std::string_view name = "exec";
  static constexpr std::string_view version = "1.0";

  Plugin(Host host, std::string_view config_json);

  // Runs the command on `story` and applies its response. Throws std::runtime_error when the
  // command fails or answers wrongly (logged at warn with the story, the cause and the end of
  // stderr), or when the host refuses a tag, summary or attribute.
  fw_verdict process(Story& story);

  [[nodiscard]] const Config& config() const noexcept { return m_config; }

private:
  Host m_host;
  Config m_config;
};

} // namespace feedwire::exec
