#pragma once

#include <span>
#include <string_view>

namespace fw::cli {

// `feedwire check-config [FILE]`: reads the config as feedwired would and loads its plugins
// (service::check_config). Prints "FILE: OK: <summary>" and returns 0 when feedwired would
// start on it; prints every problem and returns 2 when it would not; 1 for usage errors.
int check_config_command(std::span<const std::string_view> args);

} // namespace fw::cli
