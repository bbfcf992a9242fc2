#pragma once

#include <span>
#include <string_view>

namespace fw::cli {

// `feedwire export-opml [--config FILE]`: prints the config's feeds ([[feed]] tables and OPML
// imports alike) as an OPML 2.0 subscription list for other readers. 0 on success, 2 when the
// config has problems (printed), 1 for usage errors.
int export_opml_command(std::span<const std::string_view> args);

} // namespace fw::cli
