#include "cli/check_config_command.hpp"

#include "config/config.hpp"
#include "plugin_host/chain.hpp"
#include "service/daemon.hpp"
#include "util/errors.hpp"

#include <iostream>
#include <string>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire check-config [FILE]\n"
    "\n"
    "Reads the config FILE as feedwired would (default: $FEEDWIRE_CONFIG, else\n"
    "/etc/feedwire/feedwire.toml) and loads every [[plugin]] it names, isolated ones in their\n"
    "child process. Writes nothing and fetches nothing. Prints \"FILE: OK: <summary>\" and exits\n"
    "0 when feedwired would start on it; prints every problem (file:line:column: key: what) and\n"
    "exits 2 when it would not; 1 for a usage error.\n";

} // namespace

int check_config_command(std::span<const std::string_view> args) {
  std::string file = config::default_config_file();
  bool named = false;
  for (const std::string_view a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << k_usage;
      return 0;
    }
    if ((!a.empty() && a.front() == '-') || named) {
      std::cerr << "feedwire check-config: unexpected argument '" << a << "'\n" << k_usage;
      return 1;
    }
    file = a;
    named = true;
  }
  try {
    const config::Config c = config::load_config(file);
    // Isolated plugins run in the feedwired installed beside this program.
    const std::string summary =
        service::check_config(c, plugin_host::self_program().parent_path() / "feedwired");
    std::cout << file << ": OK: " << summary << "\n";
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}

} // namespace fw::cli
