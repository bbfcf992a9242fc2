#pragma once

#include <span>
#include <string_view>

namespace fw::cli {

// `feedwire ctl [--config FILE | --endpoint E] COMMAND [ID]`: asks a running feedwired over its
// control socket (status, feeds, feed ID [--explain], poll ID, pause ID, resume ID, reload).
// 0 when the daemon did it, 1 when it refused (the reason is printed), 2 for usage errors, 3 when
// no daemon answered.
int ctl_command(std::span<const std::string_view> args);

} // namespace fw::cli
