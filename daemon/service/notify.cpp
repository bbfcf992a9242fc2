#include "service/notify.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace fw::service {
namespace {

// STATUS= is one line: a newline would start another assignment.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return out;
}

} // namespace

Notifier::Notifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  m_enabled = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is this process.
  if (m_enabled && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    m_watchdog_period = std::chrono::microseconds(usec / 2);
  }
}

void Notifier::ready(std::string_view status) const {
  send("READY=1\nSTATUS=" + one_line(status));
}

void Notifier::status(std::string_view status) const {
  send("STATUS=" + one_line(status));
}

void Notifier::watchdog() const {
  send("WATCHDOG=1");
}

void Notifier::reloading(std::string_view status) const {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<std::uint64_t>(now.tv_sec) * 1000000U +
                    static_cast<std::uint64_t>(now.tv_nsec) / 1000U;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=" + one_line(status));
}

void Notifier::stopping(std::string_view status) const {
  send("STOPPING=1\nSTATUS=" + one_line(status));
}

void Notifier::send(const std::string& state) const {
  if (!m_enabled) {
    return;
  }
  if (const int r = sd_notify(0, state.c_str()); r < 0) {
    spdlog::debug("sd_notify failed: {}", std::strerror(-r));
  }
}

} // namespace fw::service
