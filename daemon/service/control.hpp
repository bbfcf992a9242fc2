#pragma once

#include "publish/curve.hpp"
#include "util/result.hpp"

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace fw::service {

// The control socket `feedwire ctl` talks to: a ZeroMQ REP socket on its own thread. A request is
// one frame holding a JSON object {"command": "...", "args": [...]}; the reply is one frame,
// {"ok": true, "result": ...} or {"ok": false, "error": "..."} (docs/operations.md).
class ControlServer {
public:
  // Answers one request; runs on the control thread and may block (it waits for the io thread).
  using Handler = std::function<nlohmann::json(const std::string& command,
                                               const std::vector<std::string>& args)>;

  // Binds `endpoint` (an ipc:// socket file is made mode 0600) and starts serving; with `curve`,
  // only the allowed clients get in. Throws fw::ConfigError when the endpoint cannot be bound.
  ControlServer(const std::string& endpoint, Handler handler,
                const std::optional<publish::CurveServer>& curve = std::nullopt);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // The endpoint as bound.
  [[nodiscard]] const std::string& endpoint() const noexcept { return m_endpoint; }

  // Stops the thread and closes the socket (removing an ipc:// socket file). Idempotent.
  void stop();

private:
  void run();

  Handler m_handler;
  zmq::context_t m_context{1};
  zmq::socket_t m_socket{m_context, zmq::socket_type::rep};
  std::optional<publish::ZapHandler> m_zap; // with CURVE; stopped before the context closes
  std::string m_endpoint;
  std::atomic<bool> m_stop = false;
  std::thread m_thread;
};

// What `feedwire ctl` sends: the request frame for `command` and `args`.
[[nodiscard]] std::string control_request(const std::string& command,
                                          const std::vector<std::string>& args);

// One request as the control socket receives it.
struct ControlRequest {
  std::string command;
  std::vector<std::string> args; // a non-string element of "args" is kept as its JSON text

  bool operator==(const ControlRequest&) const = default;
};

// Reads one request frame, as sent by control_request(): a JSON object with a string "command"
// and optionally an array "args" (anything else under "args" is ignored). Returns the request,
// or an Error whose one-line message is the reply's "error" when the frame is not one, or when
// it nests arrays and objects deeper than k_control_max_depth (no command needs more, and a
// deeper value would be read back and written out recursively). Never throws but
// std::bad_alloc; any thread.
inline constexpr int k_control_max_depth = 32;
[[nodiscard]] Result<ControlRequest> parse_control_request(std::string_view frame);

} // namespace fw::service
