#pragma once

#include <span>
#include <string_view>

namespace fw::cli {

// `feedwire plugin-check PATH.so [--name NAME] [--config JSON] [--story FILE.json] [--isolate]
// [--state-dir DIR] [--calls N]`: loads a plugin the way feedwired does, prints its name, version
// and ABI, runs it on a sample story (or the one in FILE.json), prints what it made of it as JSON
// and the time per call. Returns 0 when the plugin loaded and its call succeeded, 1 when it did
// not (the reason on stderr), 2 for usage errors.
int plugin_check_command(std::span<const std::string_view> args);

} // namespace fw::cli
