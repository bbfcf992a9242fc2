#include "plugin_host/isolated.hpp"

#include "plugin_host/wire.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

extern char** environ;

namespace fw::plugin_host {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Exit statuses of run_plugin_host besides 0 (2 is feedwired's usage error, for a bad FD).
constexpr int k_exit_malformed = 1;
constexpr int k_exit_no_memory = 4;

// How long a child that closed its end of the socket gets to finish exiting before SIGKILL.
// Closing comes first in exit, so a dying child is usually gone a moment later; a core dump can
// take longer, and one that outlasts this is cut short.
constexpr milliseconds k_exit_grace{1000};

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// The cause, as Outcome::failure gives it, of a child's end with wait status `status`.
std::string describe_end(int status) {
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    return code == k_exit_no_memory ? "ran out of memory (exited with status 4)"
                                    : "exited with status " + std::to_string(code);
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    switch (sig) {
    case SIGABRT:
      return "aborted (SIGABRT)";
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGSYS:
    case SIGTRAP:
      return "crashed (" + signal_name(sig) + ")";
    case SIGKILL:
      // Nobody in feedwired sent it (a timeout is reported as such): most likely the kernel's
      // OOM killer, else an operator.
      return "killed (SIGKILL, out of memory?)";
    default:
      return "killed (" + signal_name(sig) + ")";
    }
  }
  return "ended with wait status " + std::to_string(status);
}

// How a child ended, as reap() saw it.
struct End {
  std::optional<int> status; // nullopt: not ours to reap (SIGCHLD ignored reaps by itself)
  bool killed = false;       // we sent the SIGKILL after the grace ran out
};

// Waits up to `grace` for child `pid` to end, then kills it with SIGKILL; reaps it either way,
// so that no zombie is left.
End reap(pid_t pid, milliseconds grace) noexcept {
  const Clock::time_point deadline = Clock::now() + grace;
  End end;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      end.status = status;
      return end;
    }
    if (r < 0 && errno != EINTR) {
      return end;
    }
    if (r == 0) {
      if (Clock::now() >= deadline) {
        break;
      }
      ::poll(nullptr, 0, 1);
    }
  }
  end.killed = true;
  ::kill(pid, SIGKILL);
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, 0);
    if (r == pid) {
      end.status = status;
      return end;
    }
    if (r < 0 && errno != EINTR) {
      return end;
    }
  }
}

std::string describe_end(const End& end) {
  if (end.killed) {
    return "closed its connection but did not exit (killed with SIGKILL)";
  }
  return end.status ? describe_end(*end.status) : "exited (status unknown)";
}

struct Child {
  pid_t pid = 0;
  int fd = -1; // our end of the socketpair, non-blocking
};

// Runs `program --plugin-host FD`. Returns an empty string, or why the child could not be made.
std::string spawn(const std::filesystem::path& program, Child& out) {
  int fds[2] = {-1, -1};
  // CLOEXEC on both ends: other children of the daemon (and this one's later siblings) must not
  // inherit them, or the child would never see EOF when its parent closes its end.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return "socketpair: " + errno_text(errno);
  }
  if (::fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return "fcntl: " + errno_text(error);
  }
  // dup2 onto another number yields a descriptor without CLOEXEC, in the child only. Everything
  // above it is closed as well, in case a library in the daemon opened files without CLOEXEC.
  const int child_fd = fds[1] == 3 ? 4 : 3;
  const std::string fd_arg = std::to_string(child_fd);
  const std::string program_arg = program.string();
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_adddup2(&actions, fds[1], child_fd);
  // The plugin's stray printf() must not mix into feedwired --stdout's message stream.
  ::posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  ::posix_spawn_file_actions_addclosefrom_np(&actions, child_fd + 1);
  // The spawning pool thread may block signals; the child starts with none blocked.
  sigset_t none;
  sigemptyset(&none);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  char* argv[] = {const_cast<char*>(program_arg.c_str()), const_cast<char*>("--plugin-host"),
                  const_cast<char*>(fd_arg.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, program_arg.c_str(), &actions, &attr, argv, environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return "cannot run " + program_arg + ": " + errno_text(rc);
  }
  out = Child{pid, fds[0]};
  return {};
}

enum class Io { ok, closed, timed_out };

// Waits until `fd` is ready for `events` or the deadline passes.
Io wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return Io::timed_out;
    }
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
    if (r > 0) {
      return Io::ok; // POLLHUP and POLLERR included: the send or recv that follows says which
    }
    if (r < 0 && errno != EINTR) {
      return Io::closed;
    }
  }
}

// MSG_NOSIGNAL: a child that died must give EPIPE here, not SIGPIPE to the daemon.
Io send_frame(int fd, std::string_view frame, Clock::time_point deadline) {
  while (!frame.empty()) {
    const ssize_t n = ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      frame.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return Io::closed;
    }
    if (const Io w = wait_for(fd, POLLOUT, deadline); w != Io::ok) {
      return w;
    }
  }
  return Io::ok;
}

// Reads one whole frame into `in`. Throws wire::Malformed on a frame over the size limit.
Io receive_frame(int fd, wire::FrameBuffer& in, Clock::time_point deadline) {
  in.clear();
  for (;;) {
    if (const Io w = wait_for(fd, POLLIN, deadline); w != Io::ok) {
      return w;
    }
    for (;;) {
      const long n = in.fill(fd, MSG_DONTWAIT);
      if (n > 0) {
        if (in.frame()) {
          return Io::ok;
        }
        continue;
      }
      if (n == 0) {
        return Io::closed;
      }
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break;
      }
      return Io::closed;
    }
  }
}

// The child's blocking side of the same framing. False when the parent has gone.
bool send_blocking(int fd, std::string_view frame) {
  while (!frame.empty()) {
    const ssize_t n = ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      frame.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno != EINTR) {
      return false;
    }
  }
  return true;
}

void handle_init(wire::Reader& r, wire::Writer& out, std::optional<Plugin>& plugin) {
  std::string name(r.str());
  const std::filesystem::path path(r.str());
  HostDirs dirs;
  dirs.plugin_dir = r.str();
  dirs.config_dir = r.str();
  const std::string config_json(r.str());
  const std::uint64_t memory_limit = r.varint();
  const std::uint64_t level = r.varint();
  if (!r.at_end() || plugin || level > spdlog::level::off) {
    throw wire::Malformed("malformed init request");
  }
  spdlog::set_level(static_cast<spdlog::level::level_enum>(level));
  // Before the plugin is loaded, so that its static initialisers count as well, and on the hard
  // limit too, so that the plugin cannot raise it.
  if (memory_limit != 0) {
    const rlimit limit{static_cast<rlim_t>(memory_limit), static_cast<rlim_t>(memory_limit)};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) {
      spdlog::warn("plugin={} memory_limit={} not applied: setrlimit: {}", name, memory_limit,
                   errno_text(errno));
    }
  }
  try {
    Plugin p = Plugin::load(std::move(name), path, std::move(dirs));
    p.create(config_json);
    plugin.emplace(std::move(p));
    out.begin(wire::Kind::ready);
    out.str(plugin->plugin_name());
    out.str(plugin->plugin_version());
    out.varint(plugin->abi_minor());
  } catch (const ConfigError& e) {
    out.begin(wire::Kind::refused);
    out.str(e.what());
  }
}

void handle_process(wire::Reader& r, wire::Writer& out, std::optional<Plugin>& plugin) {
  if (!plugin) {
    throw wire::Malformed("process request before init");
  }
  const wire::ReceivedStory story(r);
  Additions additions = wire::read_additions(r);
  if (!r.at_end()) {
    throw wire::Malformed("malformed process request");
  }
  const Outcome outcome = plugin->process(story.view, additions);
  out.begin(wire::Kind::processed);
  out.i64(outcome.status);
  out.u8(outcome.drop ? 1 : 0);
  if (outcome.status == FW_OK) {
    wire::write_additions(out, additions);
  }
}

int serve(int fd) {
  wire::FrameBuffer in;
  wire::Writer out;
  std::optional<Plugin> plugin; // destroyed (the plugin's destroy()) on every way out
  for (;;) {
    std::optional<std::string_view> payload;
    while (!(payload = in.frame())) {
      const long n = in.fill(fd, 0);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) {
        return 0; // the parent closed the socket, or died
      }
      if (n < 0 && errno != EINTR) {
        spdlog::error("plugin-host: recv: {}", errno_text(errno));
        return k_exit_malformed;
      }
    }
    wire::Reader r(*payload);
    switch (static_cast<wire::Kind>(r.u8())) {
    case wire::Kind::init:
      handle_init(r, out, plugin);
      break;
    case wire::Kind::process:
      handle_process(r, out, plugin);
      break;
    default:
      throw wire::Malformed("unknown request");
    }
    in.consume();
    if (!send_blocking(fd, out.finish())) {
      return 0;
    }
  }
}

// The warning's text may quote a plugin's error message or a path, which need not be UTF-8.
std::string json_string(std::string_view text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

struct IsolatedPlugin::Impl {
  std::string name;
  std::filesystem::path path;
  HostDirs dirs;
  std::string config_json;
  IsolationOptions options;
  std::string plugin_name;
  std::string plugin_version;
  std::uint32_t abi_minor = 0;

  std::atomic<pid_t> current_pid{0};
  std::atomic<std::uint64_t> crashes{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> restarts{0};

  std::mutex mutex; // guards everything below
  Child child;
  Clock::time_point retry_at{};
  milliseconds backoff{};
  // What the warning of a call during the backoff says the last child ended in.
  std::string_view last_failure = "a crash";
  wire::Writer out;
  wire::FrameBuffer in;

  ~Impl() {
    if (child.pid != 0) {
      end_child(options.timeout);
    }
  }

  // Closes the socket, which asks the child to destroy the plugin and exit, and reaps it,
  // killing it when it has not exited within `grace` (0: at once).
  End end_child(milliseconds grace) noexcept {
    ::close(child.fd);
    const End end = reap(child.pid, grace);
    child = Child{};
    current_pid = 0;
    return end;
  }

  // A failure: no child until retry_at, which moves further out with each failure in a row.
  void schedule_restart(std::string_view what) {
    retry_at = Clock::now() + backoff;
    backoff = std::min(backoff * 2, options.backoff_max);
    last_failure = what;
  }

  // The story goes on as it was, with a warning saying why.
  Outcome warn(Additions& additions, fw_status status, std::string failure,
               std::string_view text) const {
    std::string key = name + ".warning";
    std::string value = json_string(std::string(text) + "; story left unchanged");
    const auto same = std::find_if(additions.attrs.begin(), additions.attrs.end(),
                                   [&](const auto& kv) { return kv.first == key; });
    if (same == additions.attrs.end()) {
      additions.attrs.emplace_back(std::move(key), std::move(value));
    } else {
      same->second = std::move(value);
    }
    return Outcome{status, false, std::move(failure)};
  }

  Outcome child_died(Additions& additions) {
    const std::string cause = describe_end(end_child(k_exit_grace));
    ++crashes;
    schedule_restart("a crash");
    return warn(additions, FW_ERR_FAILED, cause, "plugin " + cause);
  }

  struct StartFailure {
    bool refused = false; // by the plugin: `text` is Plugin::load's or create()'s ConfigError
    std::string text;
  };

  // Spawns a child and has it load and create the plugin.
  std::optional<StartFailure> start_child() {
    const std::filesystem::path program =
        options.host_program.empty() ? "/proc/self/exe" : options.host_program;
    if (std::string error = spawn(program, child); !error.empty()) {
      return StartFailure{false, std::move(error)};
    }
    current_pid = child.pid;
    out.begin(wire::Kind::init);
    out.str(name);
    out.str(path.string());
    out.str(dirs.plugin_dir.string());
    out.str(dirs.config_dir.string());
    out.str(config_json);
    out.varint(options.memory_limit);
    out.varint(static_cast<std::uint64_t>(spdlog::get_level()));
    const Clock::time_point deadline = Clock::now() + options.start_timeout;
    Io io = Io::closed;
    std::optional<wire::Reader> reply;
    try {
      io = send_frame(child.fd, out.finish(), deadline);
      if (io == Io::ok) {
        io = receive_frame(child.fd, in, deadline);
      }
      if (io == Io::ok) {
        reply.emplace(*in.frame());
      }
    } catch (const wire::Malformed& e) {
      end_child(milliseconds(0));
      return StartFailure{false, std::string("malformed answer: ") + e.what()};
    }
    if (io == Io::timed_out) {
      end_child(milliseconds(0));
      return StartFailure{false, "no answer within " +
                                     std::to_string(options.start_timeout.count()) +
                                     " ms while loading the plugin"};
    }
    if (io == Io::closed) {
      return StartFailure{false,
                          describe_end(end_child(k_exit_grace)) + " while loading the plugin"};
    }
    try {
      switch (static_cast<wire::Kind>(reply->u8())) {
      case wire::Kind::refused: {
        StartFailure refused{true, std::string(reply->str())};
        end_child(options.timeout);
        return refused;
      }
      case wire::Kind::ready: {
        const std::string_view plugin = reply->str();
        const std::string_view version = reply->str();
        const std::uint64_t minor = reply->varint();
        if (!reply->at_end()) {
          throw wire::Malformed("trailing bytes");
        }
        if (plugin_name.empty() && plugin_version.empty()) {
          plugin_name = plugin;
          plugin_version = version;
          abi_minor = static_cast<std::uint32_t>(minor);
        }
        return std::nullopt;
      }
      default:
        throw wire::Malformed("unexpected answer to init");
      }
    } catch (const wire::Malformed& e) {
      end_child(milliseconds(0));
      return StartFailure{false, std::string("malformed answer: ") + e.what()};
    }
  }
};

IsolatedPlugin::IsolatedPlugin(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
IsolatedPlugin::IsolatedPlugin(IsolatedPlugin&&) noexcept = default;
IsolatedPlugin& IsolatedPlugin::operator=(IsolatedPlugin&&) noexcept = default;
IsolatedPlugin::~IsolatedPlugin() = default;

IsolatedPlugin IsolatedPlugin::start(std::string name, std::filesystem::path path, HostDirs dirs,
                                     std::string config_json, IsolationOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->path = std::move(path);
  impl->dirs = std::move(dirs);
  impl->config_json = std::move(config_json);
  impl->options = std::move(options);
  impl->backoff = impl->options.backoff_min;
  if (std::optional<Impl::StartFailure> failure = impl->start_child()) {
    if (failure->refused) {
      throw ConfigError(failure->text);
    }
    throw ConfigError("plugin " + impl->name + " (" + impl->path.string() +
                      "): the isolated plugin host could not start: " + failure->text);
  }
  return IsolatedPlugin(std::move(impl));
}

Outcome IsolatedPlugin::process(const StoryView& story, Additions& additions) {
  Impl& p = *m_impl;
  const std::lock_guard lock(p.mutex);
  if (p.child.pid == 0) {
    if (Clock::now() < p.retry_at) {
      return p.warn(additions, FW_ERR_FAILED, "restarting",
                    "plugin restarting after " + std::string(p.last_failure));
    }
    if (std::optional<Impl::StartFailure> failure = p.start_child()) {
      p.schedule_restart("a failed restart");
      return p.warn(additions, FW_ERR_FAILED, "could not restart: " + failure->text,
                    "plugin could not restart: " + failure->text);
    }
    ++p.restarts;
  }

  std::string_view frame;
  p.out.begin(wire::Kind::process);
  wire::write_story(p.out, story);
  wire::write_additions(p.out, additions);
  try {
    frame = p.out.finish();
  } catch (const wire::Malformed&) {
    return p.warn(additions, FW_ERR_LIMIT, "story too large",
                  "plugin not run: the story is too large to pass to its process");
  }

  const Clock::time_point deadline = Clock::now() + p.options.timeout;
  Io io = Io::closed;
  try {
    io = send_frame(p.child.fd, frame, deadline);
    if (io == Io::ok) {
      io = receive_frame(p.child.fd, p.in, deadline);
    }
  } catch (const wire::Malformed&) {
    p.end_child(milliseconds(0));
    ++p.crashes;
    p.schedule_restart("a crash");
    return p.warn(additions, FW_ERR_FAILED, "sent a malformed reply",
                  "plugin sent a malformed reply");
  }
  if (io == Io::timed_out) {
    p.end_child(milliseconds(0));
    ++p.timeouts;
    p.schedule_restart("a timeout");
    const std::string cause =
        "timed out after " + std::to_string(p.options.timeout.count()) + " ms";
    return p.warn(additions, FW_ERR_FAILED, cause, "plugin " + cause);
  }
  if (io == Io::closed) {
    return p.child_died(additions);
  }

  fw_status status = FW_OK;
  bool drop = false;
  Additions after;
  try {
    wire::Reader r(*p.in.frame());
    if (static_cast<wire::Kind>(r.u8()) != wire::Kind::processed) {
      throw wire::Malformed("unexpected answer to process");
    }
    status = static_cast<fw_status>(r.i64());
    drop = r.u8() != 0;
    if (status == FW_OK) {
      after = wire::read_additions(r);
    }
    if (!r.at_end()) {
      throw wire::Malformed("trailing bytes");
    }
  } catch (const wire::Malformed&) {
    p.end_child(milliseconds(0));
    ++p.crashes;
    p.schedule_restart("a crash");
    return p.warn(additions, FW_ERR_FAILED, "sent a malformed reply",
                  "plugin sent a malformed reply");
  }
  if (status == FW_ERR_NO_MEMORY) {
    // With memory_limit set this is how a leak ends; the child is replaced rather than kept
    // failing every call until the daemon restarts.
    p.end_child(p.options.timeout);
    p.schedule_restart("running out of memory");
    return p.warn(additions, FW_ERR_NO_MEMORY, "out of memory", "plugin ran out of memory");
  }
  p.backoff = p.options.backoff_min;
  if (status != FW_OK) {
    return Outcome{status, false, {}};
  }
  additions = std::move(after);
  return Outcome{FW_OK, drop, {}};
}

const std::string& IsolatedPlugin::name() const noexcept {
  return m_impl->name;
}
const std::filesystem::path& IsolatedPlugin::path() const noexcept {
  return m_impl->path;
}
std::string_view IsolatedPlugin::plugin_name() const noexcept {
  return m_impl->plugin_name;
}
std::string_view IsolatedPlugin::plugin_version() const noexcept {
  return m_impl->plugin_version;
}
std::uint32_t IsolatedPlugin::abi_minor() const noexcept {
  return m_impl->abi_minor;
}
std::uint64_t IsolatedPlugin::crashes() const noexcept {
  return m_impl->crashes;
}
std::uint64_t IsolatedPlugin::timeouts() const noexcept {
  return m_impl->timeouts;
}
std::uint64_t IsolatedPlugin::restarts() const noexcept {
  return m_impl->restarts;
}
pid_t IsolatedPlugin::pid() const noexcept {
  return m_impl->current_pid;
}

int run_plugin_host(int fd) {
  // The socket closing ends the child, but not while the plugin is stuck in a call; this does.
  // It fires when the spawning thread ends: the daemon's pool threads live as long as it does.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Ctrl-C in a terminal and systemd's SIGTERM reach the whole process group or cgroup. The
  // child must outlive them until the daemon, shutting down in order, closes the socket.
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  // Whatever the plugin runs (system(), popen()) must not inherit the socket: holding it open, it
  // would hide this process's death from the daemon until the call timed out.
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  auto logger = std::make_shared<spdlog::logger>("plugin-host",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  try {
    return serve(fd);
  } catch (const std::bad_alloc&) {
    return k_exit_no_memory;
  } catch (const wire::Malformed& e) {
    spdlog::error("plugin-host: {}; exiting", e.what());
    return k_exit_malformed;
  }
}

} // namespace fw::plugin_host
