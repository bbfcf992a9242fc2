#include "exec/exec.hpp"

#include "config_json.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <system_error>
#include <time.h>
#include <unistd.h>

extern char** environ;

namespace feedwire::exec {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One read or write moves at most this much; a pipe holds 64 KiB on Linux by default.
constexpr std::size_t k_chunk = 64 * 1024;

// An owned file descriptor.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) noexcept : m_fd(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  [[nodiscard]] int get() const noexcept { return m_fd; }
  [[nodiscard]] bool is_open() const noexcept { return m_fd >= 0; }
  void reset() noexcept {
    if (m_fd >= 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }

private:
  int m_fd = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

// Close-on-exec, so that a command started by another thread meanwhile does not inherit our end
// and keep the pipe open after our child exits.
Pipe make_pipe() {
  int fds[2] = {-1, -1};
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    throw std::system_error(errno, std::generic_category(), "fcntl O_NONBLOCK");
  }
}

// Blocks SIGPIPE in this thread while it lives, and discards the SIGPIPE a write to a closed
// pipe raised meanwhile, so that a command which stops reading early cannot kill feedwired (or a
// test binary that never set SIGPIPE to SIG_IGN). The signal is thread-directed, so blocking it
// here is enough.
class SigpipeBlock {
public:
  SigpipeBlock() noexcept {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &m_old);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    m_was_pending = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    if (m_raised && !m_was_pending) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  SigpipeBlock(SigpipeBlock&&) = delete;
  SigpipeBlock& operator=(SigpipeBlock&&) = delete;

  void note_epipe() noexcept { m_raised = true; }

private:
  sigset_t m_old{};
  bool m_was_pending = false;
  bool m_raised = false;
};

// The child and its process group, killed and reaped on every way out of run(), exceptions
// included.
class Child {
public:
  explicit Child(pid_t pid) noexcept : m_pid(pid) {}
  ~Child() {
    if (m_pid > 0) {
      kill_group();
      (void)reap();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&&) = delete;
  Child& operator=(Child&&) = delete;

  // True once the child has exited; it stays a zombie (WNOWAIT) so that its pid, and with it
  // the process group id, cannot be reused before kill_group().
  [[nodiscard]] bool has_exited() const noexcept {
    for (;;) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
        return info.si_pid == m_pid;
      }
      if (errno != EINTR) {
        return true; // ECHILD: nothing left to wait for
      }
    }
  }

  void kill_group() const noexcept { ::kill(-m_pid, SIGKILL); }

  // Waits for the child and returns its wait status (0 if it cannot be had).
  int reap() noexcept {
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0) {
      if (errno != EINTR) {
        status = 0;
        break;
      }
    }
    m_pid = -1;
    return status;
  }

private:
  pid_t m_pid;
};

class SpawnActions {
public:
  SpawnActions() { posix_spawn_file_actions_init(&m_actions); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&m_actions); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  SpawnActions(SpawnActions&&) = delete;
  SpawnActions& operator=(SpawnActions&&) = delete;
  posix_spawn_file_actions_t* get() noexcept { return &m_actions; }

private:
  posix_spawn_file_actions_t m_actions{};
};

class SpawnAttr {
public:
  SpawnAttr() { posix_spawnattr_init(&m_attr); }
  ~SpawnAttr() { posix_spawnattr_destroy(&m_attr); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
  SpawnAttr(SpawnAttr&&) = delete;
  SpawnAttr& operator=(SpawnAttr&&) = delete;
  posix_spawnattr_t* get() noexcept { return &m_attr; }

private:
  posix_spawnattr_t m_attr{};
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) {
    out.push_back(const_cast<char*>(s.c_str())); // posix_spawn's signature predates const
  }
  out.push_back(nullptr);
  return out;
}

// Starts the command with its stdio on the given pipe ends; the pid, or an errno value.
std::pair<pid_t, int> spawn(const Config& config, int in, int out, int err) {
  SpawnActions actions;
  posix_spawn_file_actions_adddup2(actions.get(), in, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), out, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), err, STDERR_FILENO);
  if (config.work_dir) {
    posix_spawn_file_actions_addchdir_np(actions.get(), config.work_dir->c_str());
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // feedwired's own descriptors (sockets, the database) are no business of the command's.
  posix_spawn_file_actions_addclosefrom_np(actions.get(), STDERR_FILENO + 1);
#endif

  SpawnAttr attr;
  // A process group of its own, so that a timeout kills what the command started too (the
  // `sleep` under `sh -c`). Signals feedwired ignores (SIGPIPE) or blocks are reset: ignored
  // dispositions and the mask would otherwise survive exec.
  posix_spawnattr_setflags(attr.get(),
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(attr.get(), 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(attr.get(), &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(attr.get(), &all);

  std::vector<char*> argv = c_strings(config.argv);
  std::vector<char*> envp = c_strings(config.environment);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, config.program.c_str(), actions.get(), attr.get(), argv.data(),
                               envp.data());
  return {rc == 0 ? pid : -1, rc};
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<decltype(left)>(left, 0, std::numeric_limits<int>::max()));
}

// Reads what is available, stopping early once `into` holds more than `limit` bytes; false at
// end of file (or on an error, which ends the stream too).
bool drain(int fd, std::string& into, std::size_t limit) {
  char buffer[k_chunk];
  while (into.size() <= limit) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

// A duration such as "200ms", "5s", "1m30s" or "1h".
std::optional<milliseconds> parse_timeout(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t n = 0;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n > 1'000'000'000) {
        return std::nullopt;
      }
      n = n * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start || pos == text.size()) {
      return std::nullopt;
    }
    std::int64_t unit = 0;
    if (text.substr(pos, 2) == "ms") {
      unit = 1;
      pos += 2;
    } else if (text[pos] == 's') {
      unit = 1000;
      ++pos;
    } else if (text[pos] == 'm') {
      unit = 60'000;
      ++pos;
    } else if (text[pos] == 'h') {
      unit = 3'600'000;
      ++pos;
    } else {
      return std::nullopt;
    }
    total += n * unit;
  }
  return milliseconds(total);
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::string> find_on_path(std::string_view name, std::string_view path) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    // An empty entry means the current directory, as in execvp.
    std::string dir(path.substr(start, end - start));
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + std::string(name);
    if (is_executable_file(candidate)) {
      return candidate;
    }
    if (end == path.size()) {
      return std::nullopt;
    }
    start = end + 1;
  }
}

std::string_view key_of(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

bool has_nul(const std::string& s) {
  return s.find('\0') != std::string::npos;
}

const char* status_name(fw_status s) {
  switch (s) {
  case FW_ERR_INVALID:
    return "invalid";
  case FW_ERR_NO_MEMORY:
    return "no memory";
  case FW_ERR_LIMIT:
    return "over a host limit";
  default:
    return "error";
  }
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// The end of stderr for a log line: one line, at most `limit` bytes, cut on a UTF-8 boundary.
std::string stderr_excerpt(std::string_view err, std::size_t limit) {
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r' || err.back() == ' ')) {
    err.remove_suffix(1);
  }
  bool cut = false;
  if (err.size() > limit) {
    err.remove_prefix(err.size() - limit);
    while (!err.empty() && (static_cast<unsigned char>(err.front()) & 0xC0) == 0x80) {
      err.remove_prefix(1);
    }
    cut = true;
  }
  std::string out = cut ? "..." : "";
  for (const char c : err) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? ' ' : c);
  }
  return out;
}

} // namespace

Config parse_config(const Host& host, std::string_view config_json) {
  const json config = parse_config_object(config_json);
  Config out;
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& [key, value] : config.items()) {
    if (key == "command") {
      if (!value.is_array() || value.empty()) {
        throw ConfigError("command: expected a non-empty list of strings, the program and its "
                          "arguments (no shell: use [\"sh\", \"-c\", \"...\"] for one)");
      }
      for (const json& arg : value) {
        if (!arg.is_string() || has_nul(arg.get<std::string>())) {
          throw ConfigError("command: every entry must be a string without NUL characters");
        }
        out.argv.push_back(arg.get<std::string>());
      }
      if (out.argv[0].empty()) {
        throw ConfigError("command[0]: the program is empty");
      }
    } else if (key == "timeout") {
      std::optional<milliseconds> t;
      if (value.is_string()) {
        t = parse_timeout(value.get<std::string>());
      } else if (value.is_number()) {
        const double seconds = value.get<double>();
        if (std::isfinite(seconds) && seconds > 0 && seconds < 1e9) {
          t = milliseconds(std::llround(seconds * 1000));
        }
      }
      if (!t || t->count() <= 0) {
        throw ConfigError("timeout: expected a duration such as \"200ms\", \"5s\" or \"1m30s\", or "
                          "a number of seconds, greater than zero");
      }
      out.timeout = *t;
    } else if (key == "env") {
      if (!value.is_object()) {
        throw ConfigError("env: expected an object of strings, {\"NAME\": \"value\"}");
      }
      for (const auto& [name, v] : value.items()) {
        if (name.empty() || name.find('=') != std::string::npos || has_nul(name)) {
          throw ConfigError("env: \"" + name + "\" is not a variable name");
        }
        if (!v.is_string() || has_nul(v.get<std::string>())) {
          throw ConfigError("env." + name + ": expected a string without NUL characters");
        }
        env.emplace_back(name, v.get<std::string>());
      }
    } else if (key == "max_output") {
      if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) {
        throw ConfigError("max_output: expected a number of bytes greater than zero");
      }
      out.max_output = value.get<std::size_t>();
    } else {
      throw ConfigError("unknown key \"" + key +
                        "\" (the configuration has command, timeout, env and max_output)");
    }
  }
  if (out.argv.empty()) {
    throw ConfigError("command: missing; it is the program and its arguments, e.g. "
                      "[\"python3\", \"keywords.py\"]");
  }

  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const bool overridden = std::any_of(env.begin(), env.end(),
                                        [&](const auto& kv) { return kv.first == key_of(entry); });
    if (!overridden) {
      out.environment.emplace_back(entry);
    }
  }
  std::optional<std::string> path_variable;
  for (const auto& [name, v] : env) {
    out.environment.push_back(name + "=" + v);
    if (name == "PATH") {
      path_variable = v;
    }
  }
  if (!path_variable) {
    const char* p = std::getenv("PATH");
    path_variable = p != nullptr ? p : "/usr/local/bin:/usr/bin:/bin";
  }

  if (const std::optional<std::string_view> dir = host.config_dir()) {
    out.work_dir = std::string(*dir);
  }
  const std::string& program = out.argv[0];
  if (program.find('/') != std::string::npos) {
    out.program = host.resolve(program);
    if (!is_executable_file(out.program)) {
      throw ConfigError("command[0]: " + out.program +
                        " is not an executable file (check the "
                        "path, and chmod +x a script with a #! line)");
    }
  } else {
    std::optional<std::string> found = find_on_path(program, *path_variable);
    if (!found) {
      throw ConfigError("command[0]: \"" + program + "\" is not found on PATH (" + *path_variable +
                        "); give its full path or set PATH in env");
    }
    out.program = std::move(*found);
  }
  return out;
}

RunResult run(const Config& config, std::string_view input) {
  RunResult result;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + config.timeout;

  Pipe in = make_pipe();
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  const auto [pid, spawn_error] = spawn(config, in.read.get(), out.write.get(), err.write.get());
  if (pid < 0) {
    result.ending = Ending::not_started;
    result.spawn_error = spawn_error;
    return result;
  }
  Child child(pid);
  // Our copies of the child's ends: while they are open, we would never see end of file.
  in.read.reset();
  out.write.reset();
  err.write.reset();
  set_nonblocking(in.write.get());
  set_nonblocking(out.read.get());
  set_nonblocking(err.read.get());

  std::optional<Ending> ending;
  {
    SigpipeBlock sigpipe;
    std::size_t written = 0;
    if (input.empty()) {
      in.write.reset();
    }
    bool out_open = true;
    bool err_open = true;
    while ((out_open || err_open) && !ending) {
      const int wait_ms = remaining_ms(deadline);
      if (wait_ms == 0) {
        ending = Ending::timed_out;
        break;
      }
      pollfd fds[3] = {};
      nfds_t n = 0;
      int in_slot = -1;
      int out_slot = -1;
      int err_slot = -1;
      if (in.write.is_open()) {
        in_slot = static_cast<int>(n);
        fds[n++] = pollfd{in.write.get(), POLLOUT, 0};
      }
      if (out_open) {
        out_slot = static_cast<int>(n);
        fds[n++] = pollfd{out.read.get(), POLLIN, 0};
      }
      if (err_open) {
        err_slot = static_cast<int>(n);
        fds[n++] = pollfd{err.read.get(), POLLIN, 0};
      }
      const int ready = ::poll(fds, n, wait_ms);
      if (ready < 0) {
        if (errno == EINTR) {
          continue;
        }
        throw std::system_error(errno, std::generic_category(), "poll");
      }
      if (in_slot >= 0 && fds[in_slot].revents != 0) {
        while (written < input.size()) {
          const std::size_t len = std::min(input.size() - written, k_chunk);
          const ssize_t w = ::write(in.write.get(), input.data() + written, len);
          if (w > 0) {
            written += static_cast<std::size_t>(w);
            continue;
          }
          if (w < 0 && errno == EINTR) {
            continue;
          }
          if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
          }
          // EPIPE: the command stopped reading, which is its right; what it printed decides.
          if (w < 0 && errno == EPIPE) {
            sigpipe.note_epipe();
          }
          written = input.size();
        }
        if (written == input.size()) {
          in.write.reset(); // end of file for the command
        }
      }
      if (out_slot >= 0 && fds[out_slot].revents != 0) {
        out_open = drain(out.read.get(), result.out, config.max_output);
        if (result.out.size() > config.max_output) {
          ending = Ending::output_limit;
        }
      }
      if (err_slot >= 0 && fds[err_slot].revents != 0) {
        err_open = drain(err.read.get(), result.err, 2 * k_stderr_kept);
        if (result.err.size() > 2 * k_stderr_kept) {
          result.err.erase(0, result.err.size() - k_stderr_kept);
        }
      }
    }
  }
  in.write.reset();

  // Both streams ended: the command is exiting, or went on without them.
  unsigned sleep_ms = 1;
  while (!ending && !child.has_exited()) {
    const int left = remaining_ms(deadline);
    if (left == 0) {
      ending = Ending::timed_out;
      break;
    }
    ::poll(nullptr, 0, static_cast<int>(std::min<unsigned>(sleep_ms, static_cast<unsigned>(left))));
    sleep_ms = std::min(sleep_ms * 2, 20U);
  }
  child.kill_group();
  const int status = child.reap();
  result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);

  if (result.err.size() > k_stderr_kept) {
    result.err.erase(0, result.err.size() - k_stderr_kept);
  }
  if (ending) {
    result.ending = *ending;
    if (*ending == Ending::output_limit) {
      result.out.resize(config.max_output);
    }
  } else if (WIFEXITED(status)) {
    result.ending = Ending::exited;
    result.exit_status = WEXITSTATUS(status);
  } else {
    result.ending = Ending::signaled;
    result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return result;
}

Response parse_response(std::string_view out) {
  const std::size_t first = out.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return Response{};
  }
  json j;
  try {
    j = json::parse(out);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(std::string("stdout is not one JSON object: ") + e.what());
  }
  if (!j.is_object()) {
    throw std::runtime_error(std::string("stdout must be a JSON object, not ") + j.type_name());
  }
  Response r;
  for (const auto& [key, value] : j.items()) {
    if (key == "tags") {
      if (!value.is_array()) {
        throw std::runtime_error("tags: expected a list");
      }
      for (const json& item : value) {
        Tag tag;
        if (item.is_string()) {
          tag.tag = item.get<std::string>();
        } else if (item.is_object()) {
          for (const auto& [k, v] : item.items()) {
            if (k == "tag" && v.is_string()) {
              tag.tag = v.get<std::string>();
            } else if (k == "label" && v.is_string()) {
              tag.label = v.get<std::string>();
            } else if (k == "score" && v.is_number()) {
              tag.score = v.get<double>();
            } else {
              throw std::runtime_error("tags: \"" + k +
                                       "\" is not a tag key of that type (tag: "
                                       "string, label: string, score: number)");
            }
          }
        } else {
          throw std::runtime_error("tags: an entry is a string or an object, not a " +
                                   std::string(item.type_name()));
        }
        if (tag.tag.empty()) {
          throw std::runtime_error("tags: an entry has no tag");
        }
        if (!(tag.score >= 0.0 && tag.score <= 1.0)) {
          throw std::runtime_error("tags: the score of \"" + tag.tag + "\" is outside [0, 1]");
        }
        r.tags.push_back(std::move(tag));
      }
    } else if (key == "summary") {
      if (!value.is_string()) {
        throw std::runtime_error("summary: expected a string");
      }
      r.summary = value.get<std::string>();
    } else if (key == "attrs") {
      if (!value.is_object()) {
        throw std::runtime_error("attrs: expected an object");
      }
      for (const auto& [k, v] : value.items()) {
        r.attrs.emplace_back(k, v.dump());
      }
    } else if (key == "verdict") {
      if (value == "keep") {
        r.verdict = FW_KEEP;
      } else if (value == "drop") {
        r.verdict = FW_DROP;
      } else {
        throw std::runtime_error("verdict: expected \"keep\" or \"drop\"");
      }
    } else {
      throw std::runtime_error("unknown key \"" + key +
                               "\" (expected tags, summary, attrs, "
                               "verdict)");
    }
  }
  return r;
}

std::string story_json(const Story& story) {
  nlohmann::ordered_json j;
  const auto text = [&](const char* key, fw_field f) {
    const std::optional<std::string_view> v = story.field(f);
    j[key] = v ? nlohmann::ordered_json(std::string(*v)) : nlohmann::ordered_json(nullptr);
  };
  const auto list = [&](const char* key, fw_list l) {
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    const std::size_t n = story.list_size(l);
    for (std::size_t i = 0; i < n; ++i) {
      items.push_back(std::string(story.list_item(l, i)));
    }
    j[key] = std::move(items);
  };
  text("story_id", FW_FIELD_STORY_ID);
  text("feed_id", FW_FIELD_FEED_ID);
  text("feed_title", FW_FIELD_FEED_TITLE);
  text("id", FW_FIELD_ID);
  text("link", FW_FIELD_LINK);
  text("title", FW_FIELD_TITLE);
  text("text", FW_FIELD_TEXT);
  text("summary_html", FW_FIELD_SUMMARY_HTML);
  text("content_html", FW_FIELD_CONTENT_HTML);
  text("published", FW_FIELD_PUBLISHED);
  text("updated", FW_FIELD_UPDATED);
  text("language", FW_FIELD_LANGUAGE);
  text("image", FW_FIELD_IMAGE);
  text("comments", FW_FIELD_COMMENTS);
  list("categories", FW_LIST_CATEGORIES);
  list("authors", FW_LIST_AUTHORS);
  list("enclosures", FW_LIST_ENCLOSURES);
  list("tags", FW_LIST_TAGS);
  text("summary", FW_FIELD_SUMMARY);
  // The host hands out UTF-8 only; replacing rather than throwing keeps one odd byte from
  // failing the story should that ever change.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Plugin::Plugin(Host host, std::string_view config_json)
    : m_host(host), m_config(parse_config(host, config_json)) {}

fw_verdict Plugin::process(Story& story) {
  const std::string input = story_json(story);
  const RunResult result = run(m_config, input);

  std::string failure;
  switch (result.ending) {
  case Ending::exited:
    if (result.exit_status != 0) {
      failure = "exited with status " + std::to_string(result.exit_status);
    }
    break;
  case Ending::signaled:
    failure = "killed by " + signal_name(result.signal);
    break;
  case Ending::timed_out:
    failure = "timed out after " + std::to_string(m_config.timeout.count()) +
              "ms and was killed; raise timeout or make the command faster";
    break;
  case Ending::output_limit:
    failure = "wrote more than max_output=" + std::to_string(m_config.max_output) +
              " bytes to stdout and was killed";
    break;
  case Ending::not_started:
    failure = "cannot start " + m_config.program + ": " + std::strerror(result.spawn_error);
    break;
  }
  Response response;
  if (failure.empty()) {
    try {
      response = parse_response(result.out);
    } catch (const std::runtime_error& e) {
      failure = std::string("answered wrongly: ") + e.what();
    }
  }
  const auto log_failure = [&](const std::string& why) {
    std::string line =
        "story=" + std::string(story.story_id()) + " command=" + m_config.argv[0] + " " + why;
    if (!result.err.empty()) {
      line += " stderr=\"" + stderr_excerpt(result.err, 1000) + "\"";
    }
    m_host.warn(line);
  };
  if (!failure.empty()) {
    log_failure(failure);
    throw std::runtime_error(failure);
  }

  if (response.verdict == FW_DROP) {
    return FW_DROP; // a dropped story is not published, so its additions would be lost anyway
  }
  const auto check = [&](fw_status s, const std::string& what) {
    if (s != FW_OK) {
      const std::string why =
          "answered with " + what + ", which the host refused (" + status_name(s) + ")";
      log_failure(why);
      throw std::runtime_error(why);
    }
  };
  for (const Tag& tag : response.tags) {
    check(story.add_tag(tag.tag, tag.score, tag.label), "tag \"" + tag.tag + "\"");
  }
  if (response.summary) {
    check(story.set_summary(*response.summary), "a summary");
  }
  for (const auto& [key, value] : response.attrs) {
    check(story.set_attr(key, value), "attribute \"" + key + "\"");
  }
  return FW_KEEP;
}

} // namespace feedwire::exec
