#include "cli/import_opml_command.hpp"

#include "config/opml.hpp"
#include "util/errors.hpp"

#include <iostream>
#include <string>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire import-opml FILE\n"
    "\n"
    "Reads an OPML subscription list and prints its feeds as [[feed]] tables to paste into\n"
    "feedwire.toml (or name the file in `opml = [...]` to read it at every start).\n"
    "Outlines with an xmlUrl become feeds; the titles of enclosing outlines and `category`\n"
    "attributes become tags; ids are made from titles and are unique.\n"
    "\n"
    "Exit status: 0 success, 1 usage error or a file that cannot be read or has problems.\n";

// ConfigError puts one problem per line; this command reports on one line.
std::string one_line(std::string message) {
  for (std::size_t at = message.find('\n'); at != std::string::npos; at = message.find('\n', at)) {
    message.replace(at, 1, "; ");
  }
  return message;
}

} // namespace

int import_opml_command(std::span<const std::string_view> args) {
  std::string_view path;
  for (std::string_view a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << k_usage;
      return 0;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << "feedwire import-opml: unknown option " << a << "\n" << k_usage;
      return 1;
    }
    if (!path.empty()) {
      std::cerr << "feedwire import-opml: one FILE at a time (got " << path << " and " << a
                << ")\n";
      return 1;
    }
    path = a;
  }
  if (path.empty()) {
    std::cerr << k_usage;
    return 1;
  }
  try {
    std::string toml = config::opml_to_toml(config::read_opml(std::string(path)));
    std::cout << "# [[feed]] tables from " << path << " (feedwire import-opml)\n\n" << toml;
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "feedwire import-opml: cannot write to standard output\n";
      return 1;
    }
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << "feedwire import-opml: " << one_line(e.what()) << "\n";
    return 1;
  }
}

} // namespace fw::cli
