#pragma once

#include <span>
#include <string_view>

namespace fw::cli {

// `feedwire import-opml FILE`: prints the feeds of an OPML subscription list as [[feed]] tables
// for feedwire.toml on stdout. Returns the process exit status: 0 on success, 1 for usage errors
// and for a file that cannot be read or holds problems (one line on stderr naming the file).
// `args` are the arguments after the command name.
int import_opml_command(std::span<const std::string_view> args);

} // namespace fw::cli
