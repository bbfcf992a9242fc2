// feedwired: polls the configured feeds and publishes every new story on ZeroMQ.
// The composition root: reads the config, sets up logging, and hands over to service::Daemon.

#include "config/config.hpp"
#include "plugin_host/isolated.hpp"
#include "service/daemon.hpp"
#include "service/logging.hpp"
#include "util/errors.hpp"

#include <charconv>
#include <cstdio>
#include <exception>
#include <iostream>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view k_usage =
    "usage: feedwired [--config FILE] [--check-config] [--once] [--stdout] [--log-level LEVEL]\n"
    "\n"
    "Polls every feed of the config on its schedule and publishes new stories on ZeroMQ.\n"
    "\n"
    "  --config FILE      the TOML config (default: $FEEDWIRE_CONFIG, else\n"
    "                     /etc/feedwire/feedwire.toml)\n"
    "  --check-config     read the config and load its plugins, then exit: status 0\n"
    "                     and a summary when feedwired would start, 2 and the problems\n"
    "                     when it would not (nothing is written, nothing is fetched)\n"
    "  --once             poll every enabled feed once, deliver every message, exit:\n"
    "                     status 0, or 1 when a feed failed (summary on stderr)\n"
    "  --stdout           also write every message to stdout as a JSON line\n"
    "  --log-level LEVEL  override log_level: trace debug info warn error critical off\n"
    "  --version          print the version\n"
    "\n"
    "Signals: SIGHUP re-reads the config (feeds and plugins change without a restart; a\n"
    "config with problems changes nothing); SIGTERM or SIGINT stop polling, let the fetches\n"
    "in flight finish for [service] drain_timeout_ms, store and publish what they brought,\n"
    "and exit 0 (a second signal cancels the fetches at once).\n"
    "\n"
    "Environment: FEEDWIRE_CONFIG (the config without --config); set by systemd:\n"
    "NOTIFY_SOCKET and WATCHDOG_USEC (Type=notify: READY, STATUS, WATCHDOG, RELOADING,\n"
    "STOPPING), RUNTIME_DIRECTORY (where the control socket goes), JOURNAL_STREAM (log lines\n"
    "carry journald priorities). `feedwire ctl` talks to a running feedwired; metrics are on\n"
    "http://127.0.0.1:7703/metrics by default (docs/operations.md).\n"
    "\n"
    "Exit status: 0 success, 1 a feed failed (--once), 2 usage or configuration error,\n"
    "3 an unexpected fatal error (the message says what).\n";

constexpr int k_exit_usage = 2;
constexpr int k_exit_fatal = 3;

} // namespace

int main(int argc, char** argv) {
  // Internal: `feedwired --plugin-host FD` is the child process an isolated plugin runs in,
  // started by feedwired itself (plugin_host/isolated.hpp). It reads no config, and serves the
  // socket FD until feedwired closes it.
  if (argc >= 2 && std::string_view(argv[1]) == "--plugin-host") {
    const std::string_view fd_text = argc == 3 ? argv[2] : "";
    int fd = -1;
    const auto [end, ec] = std::from_chars(fd_text.data(), fd_text.data() + fd_text.size(), fd);
    if (ec != std::errc() || end != fd_text.data() + fd_text.size() || fd < 0) {
      std::fprintf(stderr, "feedwired: --plugin-host FD is internal; feedwired starts it\n");
      return k_exit_usage;
    }
    return fw::plugin_host::run_plugin_host(fd);
  }

  const std::vector<std::string_view> args(argv + 1, argv + argc);
  std::string config_file = fw::config::default_config_file();
  fw::service::RunOptions options;
  std::string log_level;
  bool check_only = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "feedwired: %.*s needs a value\n", static_cast<int>(a.size()),
                     a.data());
        return std::nullopt;
      }
      return std::string(args[++i]);
    };
    if (a == "--help" || a == "-h") {
      std::cout << k_usage;
      return 0;
    }
    if (a == "--version") {
      std::cout << "feedwired " << FW_VERSION << "\n";
      return 0;
    }
    if (a == "--check-config") {
      check_only = true;
    } else if (a == "--once") {
      options.mode = fw::service::RunMode::once;
    } else if (a == "--stdout") {
      options.stdout_messages = true;
    } else if (a == "--config" || a == "-c") {
      const std::optional<std::string> v = value();
      if (!v) {
        return k_exit_usage;
      }
      config_file = *v;
    } else if (a == "--log-level") {
      const std::optional<std::string> v = value();
      if (!v) {
        return k_exit_usage;
      }
      log_level = *v;
      options.log_level_override = *v;
    } else {
      std::fprintf(stderr, "feedwired: unknown argument '%.*s'\n%s", static_cast<int>(a.size()),
                   a.data(), std::string(k_usage).c_str());
      return k_exit_usage;
    }
  }

  // Logs go to stderr, one event per line (with journald priorities under systemd); stdout is
  // left to --stdout messages.
  fw::service::setup_logging("feedwired");

  try {
    fw::config::Config config = fw::config::load_config(config_file);
    const std::string level = log_level.empty() ? config.log_level : log_level;
    const spdlog::level::level_enum parsed = spdlog::level::from_str(level);
    if (parsed == spdlog::level::off && level != "off") {
      std::fprintf(stderr,
                   "feedwired: unknown log level '%s' (trace debug info warn error "
                   "critical off)\n",
                   level.c_str());
      return k_exit_usage;
    }
    spdlog::set_level(parsed);
    if (check_only) {
      const std::string summary = fw::service::check_config(config, {});
      std::printf("%s: OK: %s\n", config.file.c_str(), summary.c_str());
      return 0;
    }
    fw::service::Daemon daemon(std::move(config), options);
    return daemon.run();
  } catch (const fw::ConfigError& e) {
    std::fprintf(stderr, "feedwired: %s\n", e.what());
    return k_exit_usage;
  } catch (const std::exception& e) {
    spdlog::critical("event=fatal error=\"{}\"", e.what());
    return k_exit_fatal;
  }
}
