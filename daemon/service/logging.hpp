#pragma once

#include <string>

namespace fw::service {

// Sends spdlog's default logger to stderr, one event a line. Under systemd with stderr connected
// to the journal ($JOURNAL_STREAM names stderr's device and inode), each line starts with its
// sd-daemon(3) priority prefix ("<3>" for errors) and carries no timestamp, which journald adds;
// elsewhere it starts with an ISO 8601 time and the level. `name` is the logger's name.
void setup_logging(const std::string& name);

// Whether $JOURNAL_STREAM says that stderr is connected to the journal.
[[nodiscard]] bool stderr_is_journal();

} // namespace fw::service
