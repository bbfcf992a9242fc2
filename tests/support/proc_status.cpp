#include "proc_status.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace fw::test {

std::optional<ProcStatus> proc_status(pid_t pid) {
  const std::filesystem::path dir = "/proc/" + std::to_string(pid);
  std::ifstream status(dir / "status");
  if (!status) {
    return std::nullopt;
  }
  ProcStatus out;
  bool has_rss = false;
  bool has_hwm = false;
  // Lines such as "VmRSS:\t   12345 kB".
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) {
      out.rss_kb = std::stoll(line.substr(6));
      has_rss = true;
    } else if (line.starts_with("VmHWM:")) {
      out.hwm_kb = std::stoll(line.substr(6));
      has_hwm = true;
    }
  }
  if (!has_rss || !has_hwm) {
    return std::nullopt; // a zombie has no memory lines
  }
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir / "fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++out.open_fds;
  }
  if (ec) {
    return std::nullopt;
  }
  return out;
}

} // namespace fw::test
