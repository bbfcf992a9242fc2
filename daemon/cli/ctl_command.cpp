#include "cli/ctl_command.hpp"

#include "config/config.hpp"
#include "publish/curve.hpp"
#include "service/control.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire ctl [--config FILE | --endpoint E] [--timeout MS] [--json]\n"
    "                    [--server-key KEY|FILE --client-key FILE] COMMAND [ID]\n"
    "\n"
    "Talks to a running feedwired over its control socket.\n"
    "\n"
    "commands:\n"
    "  status            version, feeds, failing and paused feeds, stories/min, last seq\n"
    "  feeds             every feed: state (new ok failing polling paused), errors, next poll\n"
    "  feed ID           one feed; with --explain, why its next poll is when it is\n"
    "  poll ID           poll the feed now\n"
    "  pause ID          take the feed out of the schedule until `resume` (or a restart)\n"
    "  resume ID         put a paused feed back on its schedule\n"
    "  reload            re-read the config, as SIGHUP does; prints what changed or why not\n"
    "\n"
    "options:\n"
    "  --config FILE     find the control socket from this config's [service] control_endpoint\n"
    "                    (default: $FEEDWIRE_CONFIG, else /etc/feedwire/feedwire.toml)\n"
    "  --endpoint E      the control socket itself, e.g. ipc:///run/feedwire/control.sock\n"
    "  --timeout MS      how long to wait for an answer (default 15000)\n"
    "  --json            print the daemon's answer as JSON\n"
    "  --server-key KEY|FILE, --client-key FILE\n"
    "                    CURVE keys for a daemon with [security] keys, as for `feedwire sub`\n"
    "                    (docs/security.md); an unknown client gets no answer\n"
    "\n"
    "Exit status: 0 done, 1 the daemon refused (reason printed), 2 usage or config error,\n"
    "3 no answer.\n";

constexpr std::array<std::string_view, 7> k_commands{"status", "feeds",  "feed",  "poll",
                                                     "pause",  "resume", "reload"};

std::string text_of(const nlohmann::json& j) {
  return j.is_string() ? j.get<std::string>() : j.is_null() ? std::string("-") : j.dump();
}

void print_feeds(const nlohmann::json& feeds) {
  std::printf("%-24s %-8s %6s %-20s %s\n", "ID", "STATE", "ERRORS", "NEXT POLL", "URL");
  for (const nlohmann::json& f : feeds) {
    std::printf("%-24s %-8s %6s %-20s %s\n", text_of(f["id"]).c_str(), text_of(f["state"]).c_str(),
                text_of(f["errors"]).c_str(), text_of(f["next_due"]).c_str(),
                text_of(f["url"]).c_str());
  }
}

void print_result(const std::string& command, const nlohmann::json& result) {
  if (command == "status") {
    std::printf("feedwired %s (pid %s), config %s\n%s\nlast seq %s\n",
                text_of(result["version"]).c_str(), text_of(result["pid"]).c_str(),
                text_of(result["config"]).c_str(), text_of(result["status"]).c_str(),
                text_of(result["last_seq"]).c_str());
  } else if (command == "feeds") {
    print_feeds(result);
  } else if (result.is_string()) {
    std::printf("%s\n", result.get<std::string>().c_str());
  } else {
    std::printf("%s\n", result.dump(2).c_str());
  }
}

} // namespace

int ctl_command(std::span<const std::string_view> args) {
  std::optional<std::string> config_file;
  std::optional<std::string> endpoint;
  std::optional<std::string> server_key;
  std::optional<std::string> client_key;
  int timeout_ms = 15000;
  bool json = false;
  std::vector<std::string> words;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    const auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        std::cerr << "feedwire ctl: " << a << " needs a value\n";
        return std::nullopt;
      }
      return std::string(args[++i]);
    };
    if (a == "--help" || a == "-h") {
      std::cout << k_usage;
      return 0;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "--config" || a == "--endpoint" || a == "--timeout" || a == "--server-key" ||
               a == "--client-key") {
      const std::optional<std::string> v = value();
      if (!v) {
        return 2;
      }
      if (a == "--config") {
        config_file = *v;
      } else if (a == "--server-key") {
        server_key = *v;
      } else if (a == "--client-key") {
        client_key = *v;
      } else if (a == "--endpoint") {
        endpoint = *v;
      } else {
        const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), timeout_ms);
        if (ec != std::errc() || end != v->data() + v->size() || timeout_ms <= 0) {
          std::cerr << "feedwire ctl: --timeout takes milliseconds, got '" << *v << "'\n";
          return 2;
        }
      }
    } else if (a == "--explain" && !words.empty() && words[0] == "feed") {
      words.emplace_back(a);
    } else if (!a.empty() && a.front() == '-') {
      std::cerr << "feedwire ctl: unknown option '" << a << "'\n" << k_usage;
      return 2;
    } else {
      words.emplace_back(a);
    }
  }
  if (words.empty() ||
      std::find(k_commands.begin(), k_commands.end(), words[0]) == k_commands.end()) {
    std::cerr << "feedwire ctl: "
              << (words.empty() ? "no command" : "unknown command '" + words[0] + "'") << "\n"
              << k_usage;
    return 2;
  }
  const bool needs_id =
      words[0] == "feed" || words[0] == "poll" || words[0] == "pause" || words[0] == "resume";
  const std::size_t plain = static_cast<std::size_t>(std::count_if(
      words.begin() + 1, words.end(), [](const std::string& w) { return w != "--explain"; }));
  if (plain != (needs_id ? 1U : 0U)) {
    std::cerr << "feedwire ctl: " << words[0] << (needs_id ? " takes one feed id" : " takes no id")
              << "\n";
    return 2;
  }
  if (!endpoint) {
    try {
      endpoint = config::resolve_control_endpoint(
          config::load_config(config_file.value_or(config::default_config_file())));
    } catch (const ConfigError& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
    if (endpoint->empty()) {
      std::cerr << "feedwire ctl: the config turns the control socket off "
                   "([service] control_endpoint = \"off\")\n";
      return 2;
    }
  }

  std::optional<publish::CurveClient> curve;
  try {
    curve = publish::curve_client(server_key, client_key);
  } catch (const ConfigError& e) {
    std::cerr << "feedwire ctl: " << e.what() << "\n";
    return 2;
  }
  const std::string command = words[0];
  words.erase(words.begin());
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::req);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, timeout_ms);
  socket.set(zmq::sockopt::sndtimeo, timeout_ms);
  if (curve) {
    publish::make_curve_client(socket, curve->server_public_key, curve->client_keys);
  }
  try {
    socket.connect(*endpoint);
    const std::string request = service::control_request(command, words);
    zmq::message_t reply;
    if (!socket.send(zmq::buffer(request), zmq::send_flags::none) ||
        !socket.recv(reply, zmq::recv_flags::none)) {
      std::cerr << "feedwire ctl: no answer from " << *endpoint << " within " << timeout_ms
                << " ms; is feedwired running?\n";
      return 3;
    }
    const nlohmann::json j = nlohmann::json::parse(reply.to_string_view(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("ok")) {
      std::cerr << "feedwire ctl: malformed answer from " << *endpoint << "\n";
      return 3;
    }
    if (!j["ok"].get<bool>()) {
      std::cerr << "feedwire ctl: " << text_of(j.value("error", nlohmann::json())) << "\n";
      return 1;
    }
    if (json) {
      std::cout << j["result"].dump(2) << "\n";
    } else {
      print_result(command, j["result"]);
    }
    return 0;
  } catch (const zmq::error_t& e) {
    std::cerr << "feedwire ctl: " << *endpoint << ": " << e.what() << "\n";
    return 3;
  }
}

} // namespace fw::cli
