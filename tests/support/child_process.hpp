#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fw::test {

// Where a child's stdout goes: the test's own stdout, or a pipe read with read_line().
enum class ChildStdout { inherit, pipe };

// A program in a child process (feedwired, python3), for tests that drive a real binary as a
// service manager or a user would. Owns the process: the destructor SIGKILLs and reaps it unless
// it has been reaped already, so a failing ASSERT never leaves a child behind. Movable, not
// copyable; use it from one thread.
class ChildProcess {
public:
  // Forks and execs argv[0] (a path: no PATH search) with `argv`, inheriting the environment and
  // stderr. A child that cannot exec exits with status 127, which wait_for() reports. Throws
  // std::system_error if the pipe or the fork fails.
  explicit ChildProcess(std::vector<std::string> argv, ChildStdout out = ChildStdout::inherit);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The child's pid, or -1 once it has been reaped.
  [[nodiscard]] pid_t pid() const { return m_pid; }

  // Sends `signal_number` without waiting; false once reaped or if kill(2) fails.
  bool signal(int signal_number);

  // Waits up to `limit` (polling every 10 ms) for the child to exit and reaps it: its wait status
  // (WIFEXITED and friends), or nullopt if it is still running or was reaped already.
  std::optional<int> wait_for(std::chrono::milliseconds limit);

  // signal(`signal_number`), then wait_for(`limit`): the wait status, or nullopt if the signal
  // could not be sent or the child did not exit in time (it stays owned, and the destructor kills
  // it).
  std::optional<int> stop(int signal_number, std::chrono::milliseconds limit);

  // Sends `signal_number` and blocks until the child has exited, then reaps it: the wait status, or
  // nullopt if the child had exited on its own before (no signal sent) or was reaped already.
  std::optional<int> kill_and_reap(int signal_number);

  // With ChildStdout::pipe: the next line of the child's stdout, without the newline; nullopt at
  // `deadline` or at end of file. Throws std::logic_error without a pipe.
  std::optional<std::string> read_line(std::chrono::steady_clock::time_point deadline);

private:
  pid_t m_pid = -1;
  int m_stdout = -1;
  std::string m_buffer;
};

// For tests whose child processes crash on purpose (isolated plugins): no core files, and a
// sanitized child dies by the signal instead of catching it to print a report (ASan's
// handle_segv and friends), and reports no leaks at exit. Children inherit both; call it once,
// before starting them.
void let_children_crash();

// A TCP port on 127.0.0.1 that was free a moment ago, for a daemon that must bind a known number
// (a subscriber connects before the daemon starts, or after it restarts). Another process may take
// it meanwhile; tests accept that small race. Throws std::system_error if no socket can be bound.
std::uint16_t free_tcp_port();

} // namespace fw::test
