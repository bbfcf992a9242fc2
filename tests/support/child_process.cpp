#include "child_process.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>

namespace fw::test {

namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, ChildStdout out) {
  if (argv.empty()) {
    throw std::invalid_argument("fw::test::ChildProcess needs a program to run");
  }
  // Built before fork: the test process has other threads, so the child must not allocate.
  std::vector<char*> args;
  for (std::string& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  int pipe_fds[2] = {-1, -1};
  if (out == ChildStdout::pipe && ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw_errno("pipe2");
  }
  m_pid = ::fork();
  if (m_pid == 0) {
    if (pipe_fds[1] >= 0) {
      ::dup2(pipe_fds[1], STDOUT_FILENO); // the duplicate does not inherit O_CLOEXEC
    }
    ::execv(args[0], args.data());
    _exit(127);
  }
  if (m_pid < 0) {
    const int fork_errno = errno;
    if (pipe_fds[0] >= 0) {
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
    }
    throw std::system_error(fork_errno, std::generic_category(), "fork");
  }
  if (pipe_fds[1] >= 0) {
    ::close(pipe_fds[1]);
    m_stdout = pipe_fds[0];
  }
}

ChildProcess::~ChildProcess() {
  kill_and_reap(SIGKILL);
  if (m_stdout >= 0) {
    ::close(m_stdout);
  }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1)), m_stdout(std::exchange(other.m_stdout, -1)),
      m_buffer(std::move(other.m_buffer)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap(SIGKILL);
    if (m_stdout >= 0) {
      ::close(m_stdout);
    }
    m_pid = std::exchange(other.m_pid, -1);
    m_stdout = std::exchange(other.m_stdout, -1);
    m_buffer = std::move(other.m_buffer);
  }
  return *this;
}

bool ChildProcess::signal(int signal_number) {
  return m_pid > 0 && ::kill(m_pid, signal_number) == 0;
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds limit) {
  if (m_pid <= 0) {
    return std::nullopt;
  }
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(m_pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() - start < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done != m_pid) {
    return std::nullopt;
  }
  m_pid = -1;
  return status;
}

std::optional<int> ChildProcess::stop(int signal_number, std::chrono::milliseconds limit) {
  if (!signal(signal_number)) {
    return std::nullopt;
  }
  return wait_for(limit);
}

std::optional<int> ChildProcess::kill_and_reap(int signal_number) {
  if (m_pid <= 0) {
    return std::nullopt;
  }
  int status = 0;
  const bool had_exited = ::waitpid(m_pid, &status, WNOHANG) == m_pid;
  if (!had_exited) {
    ::kill(m_pid, signal_number);
    ::waitpid(m_pid, &status, 0);
  }
  m_pid = -1;
  return had_exited ? std::nullopt : std::optional<int>(status);
}

std::optional<std::string> ChildProcess::read_line(std::chrono::steady_clock::time_point deadline) {
  if (m_stdout < 0) {
    throw std::logic_error("fw::test::ChildProcess::read_line without ChildStdout::pipe");
  }
  for (;;) {
    if (const std::size_t nl = m_buffer.find('\n'); nl != std::string::npos) {
      std::string line = m_buffer.substr(0, nl);
      m_buffer.erase(0, nl + 1);
      return line;
    }
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd item{m_stdout, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&item, 1, static_cast<int>(left.count())) <= 0) {
      return std::nullopt;
    }
    char chunk[4096];
    const ssize_t n = ::read(m_stdout, chunk, sizeof chunk);
    if (n <= 0) {
      return std::nullopt;
    }
    m_buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno("socket");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int bind_errno = errno;
    ::close(fd);
    throw std::system_error(bind_errno, std::generic_category(), "bind to 127.0.0.1:0");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

void let_children_crash() {
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  for (const char* name : {"ASAN_OPTIONS", "TSAN_OPTIONS"}) {
    const char* old = std::getenv(name);
    std::string value = old != nullptr ? std::string(old) + ":" : std::string();
    value += "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:detect_leaks=0";
    ::setenv(name, value.c_str(), 1);
  }
}

} // namespace fw::test
