#include "cli/sub_command.hpp"

#include "publish/curve.hpp"
#include "publish/subscriber.hpp"
#include "util/errors.hpp"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <sys/eventfd.h>
#include <unistd.h>
#include <utility>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire sub [--endpoint E]... [--pretty] [--count N] [--timeout-ms MS]\n"
    "                    [--since SEQ] [--replay-endpoint E | --no-replay]\n"
    "                    [--heartbeat-ms MS] [--server-key KEY|FILE --client-key FILE]\n"
    "                    [TOPIC-PREFIX...]\n"
    "\n"
    "Subscribes to a feedwire publisher and prints each message as one JSON object per line:\n"
    "{\"topic\":\"<topic>\",\"message\":<body>} (the body as JSON, or as a string when it is\n"
    "not JSON).\n"
    "\n"
    "Every message is printed once, in seq order: a gap in seq (messages ZeroMQ dropped, a\n"
    "daemon restart) or a heartbeat ahead of the last seq is filled from the daemon's replay\n"
    "endpoint before newer messages are printed, and duplicates are dropped. To see every seq,\n"
    "it receives every topic and prints those matching the prefixes. Lost messages (older than\n"
    "the daemon's journal keeps), a replay endpoint that does not answer (it is asked until it\n"
    "does) and a silent daemon are reported on stderr.\n"
    "\n"
    "  --endpoint E         ZeroMQ endpoint to connect to; repeat for several endpoints of the\n"
    "                       same daemon (default tcp://127.0.0.1:7701)\n"
    "  --pretty             indent the JSON (one object then spans several lines)\n"
    "  --count N            exit after N messages\n"
    "  --timeout-ms MS      exit after MS milliseconds without a message\n"
    "  --since SEQ          first print every message after SEQ (e.g. the last seq a previous\n"
    "                       run printed), then go on live\n"
    "  --replay-endpoint E  the daemon's [publish] replay_endpoint\n"
    "                       (default tcp://127.0.0.1:7702)\n"
    "  --no-replay          no recovery: receive only the prefixes and print what arrives, as\n"
    "                       it arrives, gaps and duplicates included\n"
    "  --heartbeat-ms MS    the daemon's [publish] heartbeat_interval_ms (default 2000); three\n"
    "                       periods without one are reported on stderr, 0 never\n"
    "  --server-key KEY|FILE\n"
    "                       the CURVE public key of a daemon with [security] keys: the\n"
    "                       40-character Z85 key or the .pub file (docs/security.md)\n"
    "  --client-key FILE    this client's key file (feedwire keygen --out NAME writes NAME.key;\n"
    "                       mode 0600); its public key must be in the daemon's\n"
    "                       curve_allowed_clients_file, or nothing arrives. Both go together\n"
    "  TOPIC-PREFIX         print only topics starting with it, e.g. story.new. or tag.\n"
    "                       (default: every topic but the sys.heartbeat heartbeats; name\n"
    "                       sys. to see those)\n"
    "\n"
    "Exit status: 0 after --count, --timeout-ms, SIGINT or SIGTERM; 1 usage or I/O error, or a\n"
    "key file that cannot be used.\n";

constexpr std::string_view k_default_endpoint = "tcp://127.0.0.1:7701";
// zmq_poll's timeout is a long, and INT_MAX milliseconds (24 days) is plenty for an idle limit.
constexpr std::uint64_t k_max_timeout_ms = std::numeric_limits<int>::max();

// The signal handler's way into the poll loop: zmq_poll wakes on this eventfd, so a signal that
// lands just before the loop goes to sleep is not lost.
int g_signal_fd = -1;

extern "C" void on_stop_signal(int) {
  const std::uint64_t one = 1;
  // write() is async-signal-safe; if it fails the counter is already non-zero.
  [[maybe_unused]] const ssize_t n = ::write(g_signal_fd, &one, sizeof one);
}

// Routes SIGINT and SIGTERM to g_signal_fd while it lives; puts the previous handlers back.
class StopSignals {
public:
  explicit StopSignals(int fd) {
    g_signal_fd = fd;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &m_old_int);
    ::sigaction(SIGTERM, &action, &m_old_term);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &m_old_int, nullptr);
    ::sigaction(SIGTERM, &m_old_term, nullptr);
    g_signal_fd = -1;
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

private:
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
};

class Fd {
public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return m_fd; }

private:
  int m_fd;
};

bool parse_number(std::string_view text, std::uint64_t& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

// Parses the arguments into `options`; on a usage error prints one line on stderr and returns
// false. Sets `wants_help` for --help.
bool parse_args(std::span<const std::string_view> args, publish::SubscribeOptions& options,
                bool& wants_help) {
  bool options_ended = false;
  bool has_no_replay = false;
  bool has_replay_endpoint = false;
  std::optional<std::string> server_key;
  std::optional<std::string> client_key;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (options_ended || a.empty() || a[0] != '-' || a == "-") {
      options.prefixes.emplace_back(a);
      continue;
    }
    if (a == "--") {
      options_ended = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      wants_help = true;
      return true;
    }
    if (a == "--pretty") {
      options.layout = publish::Layout::pretty;
      continue;
    }
    if (a == "--no-replay") {
      has_no_replay = true;
      continue;
    }
    // The options that take a value, as "--name value" or "--name=value".
    std::string_view name = a.substr(0, a.find('='));
    std::optional<std::string_view> value;
    if (name.size() < a.size()) {
      value = a.substr(name.size() + 1);
    }
    if (name != "--endpoint" && name != "--count" && name != "--timeout-ms" && name != "--since" &&
        name != "--replay-endpoint" && name != "--heartbeat-ms" && name != "--server-key" &&
        name != "--client-key") {
      std::cerr << "feedwire sub: unknown option " << a << " (see feedwire sub --help)\n";
      return false;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        std::cerr << "feedwire sub: " << name << " needs a value\n";
        return false;
      }
      value = args[++i];
    }
    if (name == "--server-key" || name == "--client-key") {
      if (value->empty()) {
        std::cerr << "feedwire sub: " << name << " needs a value\n";
        return false;
      }
      (name == "--server-key" ? server_key : client_key) = std::string(*value);
      continue;
    }
    if (name == "--endpoint" || name == "--replay-endpoint") {
      if (value->empty()) {
        std::cerr << "feedwire sub: " << name << " needs a value\n";
        return false;
      }
      if (name == "--endpoint") {
        options.endpoints.emplace_back(*value);
      } else {
        has_replay_endpoint = true;
        options.replay_endpoint = std::string(*value);
      }
      continue;
    }
    std::uint64_t number = 0;
    if (name == "--count") {
      if (!parse_number(*value, number) || number == 0) {
        std::cerr << "feedwire sub: --count needs a positive whole number, not '" << *value
                  << "'\n";
        return false;
      }
      options.max_messages = number;
    } else if (name == "--since") {
      if (!parse_number(*value, number) ||
          number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        std::cerr << "feedwire sub: --since needs a seq (a whole number), not '" << *value << "'\n";
        return false;
      }
      options.since = static_cast<std::int64_t>(number);
    } else if (name == "--heartbeat-ms") {
      if (!parse_number(*value, number) || number > k_max_timeout_ms) {
        std::cerr << "feedwire sub: --heartbeat-ms needs a whole number of milliseconds up to "
                  << k_max_timeout_ms << ", not '" << *value << "'\n";
        return false;
      }
      options.heartbeat_interval = std::chrono::milliseconds(static_cast<std::int64_t>(number));
    } else {
      if (!parse_number(*value, number) || number > k_max_timeout_ms) {
        std::cerr << "feedwire sub: --timeout-ms needs a whole number of milliseconds up to "
                  << k_max_timeout_ms << ", not '" << *value << "'\n";
        return false;
      }
      options.idle_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(number));
    }
  }
  if (options.endpoints.empty()) {
    options.endpoints.emplace_back(k_default_endpoint);
  }
  if (has_no_replay) {
    if (has_replay_endpoint || options.since) {
      std::cerr << "feedwire sub: --no-replay cannot go with "
                << (options.since ? "--since" : "--replay-endpoint") << "\n";
      return false;
    }
    options.replay_endpoint.clear();
  }
  try {
    options.curve = publish::curve_client(server_key, client_key);
  } catch (const ConfigError& e) {
    std::cerr << "feedwire sub: " << e.what() << "\n";
    return false;
  }
  return true;
}

int run(publish::SubscribeOptions options) {
  Fd signal_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (signal_fd.get() < 0) {
    std::cerr << "feedwire sub: eventfd: " << std::strerror(errno) << "\n";
    return 1;
  }
  StopSignals stop_signals(signal_fd.get());
  int write_errno = 0;
  options.on_notice = [](std::string_view notice) {
    std::cerr << "feedwire sub: " << notice << "\n";
  };
  Result<publish::SubscribeEnd> end =
      publish::subscribe_and_print(options, signal_fd.get(), [&](std::string_view line) {
        // Flushed per line so that a reader at the other end of a pipe sees each message at once.
        if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() ||
            std::fputc('\n', stdout) == EOF || std::fflush(stdout) != 0) {
          write_errno = errno;
          return false;
        }
        return true;
      });
  if (!end) {
    if (write_errno != 0) {
      std::cerr << "feedwire sub: cannot write to standard output: " << std::strerror(write_errno)
                << "\n";
    } else {
      std::cerr << "feedwire sub: " << end.error().message << "\n";
    }
    return 1;
  }
  return 0;
}

} // namespace

int sub_command(std::span<const std::string_view> args) {
  publish::SubscribeOptions options;
  options.endpoints.clear();
  bool wants_help = false;
  if (!parse_args(args, options, wants_help)) {
    return 1;
  }
  if (wants_help) {
    std::cout << k_usage;
    return 0;
  }
  return run(std::move(options));
}

} // namespace fw::cli
