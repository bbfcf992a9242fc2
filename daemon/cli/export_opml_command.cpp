#include "cli/export_opml_command.hpp"

#include "config/config.hpp"
#include "config/opml.hpp"
#include "util/errors.hpp"

#include <iostream>
#include <string>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire export-opml [--config FILE]\n"
    "\n"
    "Prints every feed of the config (its [[feed]] tables and the OPML files it reads) as an\n"
    "OPML 2.0 subscription list on stdout, for another feed reader: one outline per feed with\n"
    "its title and URL, its tags in the `category` attribute. `feedwire import-opml` reads it\n"
    "back. The config defaults to $FEEDWIRE_CONFIG, else /etc/feedwire/feedwire.toml.\n"
    "\n"
    "Exit status: 0 success, 1 usage error, 2 a config with problems (printed on stderr).\n";

} // namespace

int export_opml_command(std::span<const std::string_view> args) {
  std::string file = config::default_config_file();
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << k_usage;
      return 0;
    }
    if ((args[i] == "--config" || args[i] == "-c") && i + 1 < args.size()) {
      file = args[++i];
      continue;
    }
    std::cerr << "feedwire export-opml: unexpected argument '" << args[i] << "'\n" << k_usage;
    return 1;
  }
  try {
    const config::Config c = config::load_config(file);
    std::cout << config::feeds_to_opml(c.feeds, "feedwire feeds (" + c.file.string() + ")");
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}

} // namespace fw::cli
