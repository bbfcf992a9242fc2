#pragma once

#include <span>
#include <string_view>

namespace fw::cli {

// `feedwire state [--config FILE] [--explain ID]`: reads the daemon's state file (state_dir of the
// config) and prints every configured feed's poll state, or, with --explain, why one feed's next
// poll is due when it is. Exit status 0; 1 for usage errors, an unreadable config or state file,
// or an unknown feed id (one line on stderr).
int state_command(std::span<const std::string_view> args);

} // namespace fw::cli
