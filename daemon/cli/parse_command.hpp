#pragma once

#include <span>
#include <string_view>

namespace fw::cli {

// `feedwire parse [--base-url URL] [--content-type TYPE] FILE|-`: prints the schema v1 JSON of
// one feed document on stdout. Returns the process exit status: 0 when a feed was recognised
// (even with warnings), 2 when the input is not a feed (reason on stderr, one line), 1 for usage
// and I/O errors.
int parse_command(std::span<const std::string_view> args);

} // namespace fw::cli
