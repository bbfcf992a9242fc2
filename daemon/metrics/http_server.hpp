#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace fw::metrics {

class Registry;

// What /readyz reports: 200 "ready\n", or 503 with `reason` as the body.
struct Readiness {
  bool ready = true;
  std::string reason{};
};

struct HttpServerOptions {
  // How long one request may take to arrive, counted from the end of the previous response (or
  // from the accept): an idle keep-alive connection or a client trickling its headers is closed
  // after this, so it cannot pin a connection slot.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  // Request line plus headers; larger requests get 431 and the connection is closed.
  std::size_t max_header_bytes = 8 * 1024;
  // Connections served at once; more are accepted and closed at once.
  std::size_t max_connections = 64;
};

// The daemon's HTTP endpoint for Prometheus and the supervisor, on its own thread and io_context
// (one coroutine per connection, HTTP/1.1 keep-alive):
//
//   GET /metrics  200, registry.render() as "text/plain; version=0.0.4; charset=utf-8"
//                 (500 with the message if rendering throws)
//   GET /healthz  200 "ok\n", answered by the server thread itself: the process is alive
//   GET /readyz   200 "ready\n", or 503 with the reason when `readiness` says not ready (or throws)
//
// HEAD works wherever GET does; other methods get 405, other paths 404 (the query is ignored).
// A request with a body gets 413, one with headers over the limit 431, a malformed one 400; each
// of those closes the connection.
class HttpServer {
public:
  using ReadinessCheck = std::function<Readiness()>;

  // Binds `listen`, "HOST:PORT" with HOST an IPv4 address or a bracketed IPv6 one
  // ("127.0.0.1:7703", "[::1]:7703", "0.0.0.0:7703"; port 0 takes any free port), and starts
  // serving. `registry` must outlive the server. `readiness` (empty: always ready) runs on the
  // server thread for each /readyz request: it must be thread-safe and quick.
  // Throws fw::ConfigError naming the address and the reason if it cannot parse or bind it.
  HttpServer(std::string_view listen, const Registry& registry, ReadinessCheck readiness = {},
             HttpServerOptions options = {});
  // Calls stop().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port bound (the one chosen when `listen` asked for port 0).
  [[nodiscard]] std::uint16_t port() const noexcept;

  // Stops accepting, closes every connection (idle ones too), and joins the thread once the
  // requests being answered have finished. Idempotent and thread-safe; must not be called from
  // the server thread (from `readiness` or a gauge callback).
  void stop() noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace fw::metrics
