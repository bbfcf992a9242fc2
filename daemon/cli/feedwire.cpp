// feedwire: the command-line companion of the feedwired daemon.

#include "cli/check_config_command.hpp"
#include "cli/ctl_command.hpp"
#include "cli/export_opml_command.hpp"
#include "cli/import_opml_command.hpp"
#include "cli/keygen_command.hpp"
#include "cli/parse_command.hpp"
#include "cli/plugin_check_command.hpp"
#include "cli/state_command.hpp"
#include "cli/sub_command.hpp"
#include "service/logging.hpp"

#include <iostream>
#include <span>
#include <spdlog/spdlog.h>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view k_usage =
    "usage: feedwire COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  parse        parse one feed document and print it as JSON\n"
    "  sub          subscribe to feedwired's topics, print JSON lines\n"
    "  state        show the daemon's poll state; --explain ID; check / repair the file\n"
    "  ctl          ask a running feedwired: status, feeds, poll, pause, resume, reload\n"
    "  import-opml  print an OPML file's feeds as config TOML\n"
    "  export-opml  print a config's feeds as an OPML subscription list\n"
    "  check-config read a config and load its plugins as feedwired would\n"
    "  plugin-check load a plugin, run it on a sample story, time it\n"
    "  keygen       make a CURVE key pair for [security] and sub --client-key\n"
    "  version      print the version\n"
    "\n"
    "`feedwire COMMAND --help` describes each command.\n";

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << k_usage;
    return args.empty() ? 1 : 0;
  }
  // What the libraries log (a plugin loading, a plugin's own lines) goes to stderr, as
  // feedwired's does: stdout carries the command's output.
  fw::service::setup_logging("feedwire");
  std::string_view command = args[0];
  std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
  if (command == "parse") {
    return fw::cli::parse_command(rest);
  }
  if (command == "sub") {
    return fw::cli::sub_command(rest);
  }
  if (command == "ctl") {
    return fw::cli::ctl_command(rest);
  }
  if (command == "state") {
    return fw::cli::state_command(rest);
  }
  if (command == "import-opml") {
    return fw::cli::import_opml_command(rest);
  }
  if (command == "export-opml") {
    return fw::cli::export_opml_command(rest);
  }
  if (command == "check-config") {
    return fw::cli::check_config_command(rest);
  }
  if (command == "plugin-check") {
    return fw::cli::plugin_check_command(rest);
  }
  if (command == "keygen") {
    return fw::cli::keygen_command(rest);
  }
  if (command == "version" || command == "--version") {
    std::cout << "feedwire " << FW_VERSION << "\n";
    return 0;
  }
  std::cerr << "feedwire: unknown command '" << command << "'\n" << k_usage;
  return 1;
}
