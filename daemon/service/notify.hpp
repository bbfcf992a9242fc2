#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace fw::service {

// The systemd notification protocol (sd_notify(3)) for Type=notify units: READY, STATUS,
// WATCHDOG, RELOADING and STOPPING. Without $NOTIFY_SOCKET (not started by systemd) every call
// does nothing. Thread-safe; never throws.
class Notifier {
public:
  Notifier();

  // Whether $NOTIFY_SOCKET is set: there is someone to tell.
  [[nodiscard]] bool enabled() const noexcept { return m_enabled; }

  // Half of $WATCHDOG_USEC when systemd asked for keep-alives (WatchdogSec=) and $WATCHDOG_PID,
  // if set, is this process: how often to send watchdog().
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_period() const noexcept {
    return m_watchdog_period;
  }

  void ready(std::string_view status) const;
  void status(std::string_view status) const;
  void watchdog() const;
  // Before a reload; ready() ends it. Carries MONOTONIC_USEC, which systemd 253+ requires.
  void reloading(std::string_view status) const;
  void stopping(std::string_view status) const;

private:
  void send(const std::string& state) const;

  bool m_enabled = false;
  std::optional<std::chrono::microseconds> m_watchdog_period;
};

} // namespace fw::service
