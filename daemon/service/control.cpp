#include "service/control.hpp"

#include "publish/zmq_poll.hpp"
#include "util/errors.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

namespace fw::service {
namespace {

// How long the control thread sleeps in zmq_poll before it looks at the stop flag again.
constexpr std::chrono::milliseconds k_poll_period{100};
// Requests larger than this are refused unread: a control request is a command and an id.
constexpr std::int64_t k_max_request_bytes = 64 * 1024;

nlohmann::json error_reply(std::string message) {
  return {{"ok", false}, {"error", std::move(message)}};
}

} // namespace

ControlServer::ControlServer(const std::string& endpoint, Handler handler,
                             const std::optional<publish::CurveServer>& curve)
    : m_handler(std::move(handler)) {
  m_socket.set(zmq::sockopt::linger, 0);
  m_socket.set(zmq::sockopt::maxmsgsize, k_max_request_bytes);
  if (curve) {
    m_zap.emplace(m_context, curve->allowed_clients);
    publish::make_curve_server(m_socket, *curve);
  }
  try {
    m_socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    throw ConfigError("service.control_endpoint: cannot bind '" + endpoint + "': " + e.what());
  }
  m_endpoint = m_socket.get(zmq::sockopt::last_endpoint);
  constexpr std::string_view k_ipc = "ipc://";
  if (m_endpoint.starts_with(k_ipc)) {
    const std::string path = m_endpoint.substr(k_ipc.size());
    if (::chmod(path.c_str(), S_IRUSR | S_IWUSR) != 0) {
      throw ConfigError("service.control_endpoint: cannot make '" + path +
                        "' mode 0600: " + std::strerror(errno));
    }
  }
  m_thread = std::thread([this] { run(); });
}

ControlServer::~ControlServer() {
  stop();
}

void ControlServer::stop() {
  m_stop = true;
  if (m_thread.joinable()) {
    m_thread.join();
  }
  if (m_socket) {
    m_socket.close();
  }
  if (m_zap) {
    m_zap->stop();
  }
}

void ControlServer::run() {
  while (!m_stop) {
    zmq_pollitem_t item{m_socket.handle(), 0, ZMQ_POLLIN, 0};
    try {
      if (publish::poll_items(&item, 1, static_cast<long>(k_poll_period.count())) == 0) {
        continue;
      }
      zmq::message_t request;
      if (!m_socket.recv(request, zmq::recv_flags::dontwait)) {
        continue;
      }
      // A REP socket must answer before it can receive again: every path below replies.
      nlohmann::json reply;
      while (request.more()) { // only one frame is meant; drop the rest
        zmq::message_t extra;
        (void)m_socket.recv(extra);
      }
      const Result<ControlRequest> parsed = parse_control_request(request.to_string_view());
      if (!parsed) {
        reply = error_reply(parsed.error().message);
      } else {
        try {
          reply = m_handler(parsed->command, parsed->args);
        } catch (const std::exception& e) {
          reply = error_reply(std::string("internal error: ") + e.what());
        }
      }
      const std::string text = reply.dump();
      m_socket.send(zmq::buffer(text), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) {
        return;
      }
      spdlog::warn("event=control_error error=\"{}\"", e.what());
    }
  }
}

std::string control_request(const std::string& command, const std::vector<std::string>& args) {
  return nlohmann::json{{"command", command}, {"args", args}}.dump();
}

Result<ControlRequest> parse_control_request(std::string_view frame) {
  // Without exceptions: the frame comes from any client that can reach the socket. Past the
  // depth limit each value is dropped as it is read, so that nothing deep is ever built.
  bool too_deep = false;
  const auto limit_depth = [&too_deep](int depth, nlohmann::json::parse_event_t event,
                                       nlohmann::json&) {
    if (depth > k_control_max_depth && (event == nlohmann::json::parse_event_t::object_start ||
                                        event == nlohmann::json::parse_event_t::array_start)) {
      too_deep = true;
    }
    return !too_deep;
  };
  const nlohmann::json j = nlohmann::json::parse(frame, limit_depth, false);
  if (too_deep) {
    return Error{fmt::format("malformed request: arrays and objects nested deeper than {} levels",
                             k_control_max_depth)};
  }
  const Error malformed{"malformed request: expected {\"command\": \"...\", \"args\": [...]}"};
  if (!j.is_object()) { // a parse error leaves j discarded, which is no object either
    return malformed;
  }
  const auto command = j.find("command");
  if (command == j.end() || !command->is_string()) {
    return malformed;
  }
  ControlRequest request;
  request.command = command->get<std::string>();
  if (const auto args = j.find("args"); args != j.end() && args->is_array()) {
    request.args.reserve(args->size());
    for (const nlohmann::json& a : *args) {
      request.args.push_back(a.is_string() ? a.get<std::string>() : a.dump());
    }
  }
  return request;
}

} // namespace fw::service
