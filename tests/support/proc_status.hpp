#pragma once

#include <cstdint>
#include <optional>
#include <sys/types.h>

namespace fw::test {

// What the kernel says about a process's memory and descriptors, for tests that watch a daemon
// run (memory bounds, leaks).
struct ProcStatus {
  std::int64_t rss_kb = 0; // VmRSS of /proc/PID/status: resident now
  std::int64_t hwm_kb = 0; // VmHWM: the largest VmRSS so far
  int open_fds = 0;        // entries of /proc/PID/fd
};

// Reads /proc/`pid`/status and /proc/`pid`/fd: nullopt once the process is gone (or was never
// there, or /proc cannot be read).
std::optional<ProcStatus> proc_status(pid_t pid);

} // namespace fw::test
