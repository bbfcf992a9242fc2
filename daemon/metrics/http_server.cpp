#include "metrics/http_server.hpp"

#include "metrics/registry.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <exception>
#include <mutex>
#include <set>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <thread>
#include <utility>

namespace fw::metrics {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
constexpr auto k_tuple = net::as_tuple(net::use_awaitable);

constexpr std::string_view k_metrics_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view k_text_type = "text/plain; charset=utf-8";
// After an error response, how long (and how much) a request body still arriving is read and
// dropped before closing: closing with unread input makes the kernel send RST, which may
// destroy the response before the client has read it.
constexpr std::chrono::milliseconds k_linger{1000};
constexpr std::size_t k_linger_bytes = 1024 * 1024;

// "HOST:PORT" with an IPv4 host or a bracketed IPv6 one. Throws ConfigError.
tcp::endpoint parse_listen(std::string_view listen) {
  auto fail = [&](std::string_view why) {
    return ConfigError("metrics: cannot listen on '" + std::string(listen) +
                       "': " + std::string(why));
  };
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    throw fail("expected HOST:PORT, as in 127.0.0.1:7703 or [::1]:7703");
  }
  const std::string_view host = listen.substr(0, colon);
  const std::string_view port_text = listen.substr(colon + 1);
  std::uint16_t port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size()) {
    throw fail("the port must be a number from 0 to 65535");
  }
  boost::system::error_code bad;
  net::ip::address address;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    address = net::ip::make_address_v6(std::string(host.substr(1, host.size() - 2)), bad);
  } else {
    address = net::ip::make_address_v4(std::string(host), bad);
  }
  if (bad) {
    throw fail("the host must be an IPv4 address or an IPv6 address in brackets");
  }
  return tcp::endpoint(address, port);
}

// What a request gets, before HEAD drops the body.
struct Reply {
  http::status status = http::status::ok;
  std::string_view content_type = k_text_type;
  std::string body;
};

void log_failure(std::string_view task, std::exception_ptr error) {
  if (!error) {
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("metrics: {} failed error=\"{}\"", task, e.what());
  }
}

} // namespace

struct HttpServer::Impl {
  Impl(const Registry& r, ReadinessCheck check, HttpServerOptions o)
      : registry(r), readiness(std::move(check)), options(o) {}

  Reply answer(const http::request<http::empty_body>& request) const;
  net::awaitable<void> accept_loop();
  net::awaitable<void> session(tcp::socket socket);
  net::awaitable<void> send(beast::tcp_stream& stream, Reply reply, unsigned version,
                            bool head_only, bool keep_alive);
  net::awaitable<void> reject(beast::tcp_stream& stream, http::status status,
                              std::string_view body);
  void shut_down();

  const Registry& registry;
  const ReadinessCheck readiness;
  const HttpServerOptions options;
  // Touched only on the server thread. Declared before the io_context: a session coroutine
  // destroyed with it would still update them.
  bool is_stopping = false;
  std::size_t connections = 0;          // sessions spawned and not yet ended
  std::set<beast::tcp_stream*> streams; // the open connections, for shut_down()

  net::io_context io{1};
  tcp::acceptor acceptor{io};
  std::uint16_t port = 0;
  std::thread thread;
  std::mutex stop_mutex; // serialises stop() callers
};

Reply HttpServer::Impl::answer(const http::request<http::empty_body>& request) const {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const bool is_known = path == "/metrics" || path == "/healthz" || path == "/readyz";
  if (!is_known) {
    return {http::status::not_found, k_text_type, "not found\n"};
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    return {http::status::method_not_allowed, k_text_type, "method not allowed\n"};
  }
  if (path == "/healthz") {
    return {http::status::ok, k_text_type, "ok\n"};
  }
  if (path == "/readyz") {
    Readiness state;
    if (readiness) {
      try {
        state = readiness();
      } catch (const std::exception& e) {
        state = {false, std::string("readiness check failed: ") + e.what()};
      }
    }
    if (state.ready) {
      return {http::status::ok, k_text_type, "ready\n"};
    }
    std::string reason = state.reason.empty() ? "not ready" : std::move(state.reason);
    if (!reason.ends_with('\n')) {
      reason += '\n';
    }
    return {http::status::service_unavailable, k_text_type, std::move(reason)};
  }
  try {
    return {http::status::ok, k_metrics_type, registry.render()};
  } catch (const std::exception& e) {
    // A gauge callback threw: a bug in the daemon, worth a line in its log, not a crash.
    spdlog::error("metrics: rendering /metrics failed error=\"{}\"", e.what());
    return {http::status::internal_server_error, k_text_type,
            std::string("rendering metrics failed: ") + e.what() + "\n"};
  }
}

net::awaitable<void> HttpServer::Impl::send(beast::tcp_stream& stream, Reply reply,
                                            unsigned version, bool head_only, bool keep_alive) {
  stream.expires_after(options.request_timeout);
  auto fill = [&](auto& message) {
    message.set(http::field::content_type, reply.content_type);
    if (reply.status == http::status::method_not_allowed) {
      message.set(http::field::allow, "GET, HEAD");
    }
    message.keep_alive(keep_alive);
  };
  if (head_only) {
    // The headers GET would send, Content-Length included, and no body (RFC 9110 §9.3.2).
    http::response<http::empty_body> message{reply.status, version};
    fill(message);
    message.content_length(reply.body.size());
    co_await http::async_write(stream, message, k_tuple);
  } else {
    http::response<http::string_body> message{reply.status, version, std::move(reply.body)};
    fill(message);
    message.prepare_payload();
    co_await http::async_write(stream, message, k_tuple);
  }
}

// Answers `status` with `body` (a literal: the caller awaits at once) and closes the connection.
net::awaitable<void> HttpServer::Impl::reject(beast::tcp_stream& stream, http::status status,
                                              std::string_view body) {
  // Named, not a temporary in the co_await expression: GCC 12 destroys such an aggregate twice
  // (GCC bug 101367).
  Reply reply{status, k_text_type, std::string(body)};
  co_await send(stream, std::move(reply), 11, false, false);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::min(options.request_timeout, k_linger));
  char sink[4096];
  for (std::size_t drained = 0; drained < k_linger_bytes && !is_stopping;) {
    auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), k_tuple);
    if (ec) {
      break;
    }
    drained += n;
  }
}

net::awaitable<void> HttpServer::Impl::session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  streams.insert(&stream);
  struct Leave {
    Impl& impl;
    beast::tcp_stream* stream;
    ~Leave() {
      impl.streams.erase(stream);
      --impl.connections;
    }
  } leave{*this, &stream};

  beast::flat_buffer buffer;
  // A session spawned just before shut_down() ran was not in `streams` to be closed.
  while (!is_stopping) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    // One deadline for the whole request, not per read: a client sending a byte a second
    // cannot keep the connection past it.
    stream.expires_after(options.request_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, k_tuple);
    if (ec == http::error::header_limit) {
      co_await reject(stream, http::status::request_header_fields_too_large,
                      "request headers too large\n");
      co_return;
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
      co_return; // the client closed the connection, between requests or within one
    }
    if (ec && ec.category() == make_error_code(http::error::bad_target).category()) {
      co_await reject(stream, http::status::bad_request, "bad request\n");
      co_return;
    }
    if (ec) {
      co_return; // timeout, reset, or shut_down() closed the stream
    }
    if (!parser.is_done()) {
      // Content-Length above 0 or chunked: no endpoint here takes a body.
      co_await reject(stream, http::status::payload_too_large, "request bodies not accepted\n");
      co_return;
    }
    const http::request<http::empty_body>& request = parser.get();
    const bool keep_alive = request.keep_alive() && !is_stopping;
    Reply reply = answer(request);
    co_await send(stream, std::move(reply), request.version(), request.method() == http::verb::head,
                  keep_alive);
    if (!keep_alive) {
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

net::awaitable<void> HttpServer::Impl::accept_loop() {
  bool is_failing = false;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(k_tuple);
    if (is_stopping) {
      co_return;
    }
    if (ec) {
      // Out of descriptors or similar: back off instead of spinning, and say so once a run.
      if (!is_failing) {
        spdlog::warn("metrics: accept failed error=\"{}\" retry_in=50ms", ec.message());
        is_failing = true;
      }
      net::steady_timer pause(io, std::chrono::milliseconds(50));
      co_await pause.async_wait(k_tuple);
      if (is_stopping) {
        co_return;
      }
      continue;
    }
    is_failing = false;
    if (connections >= options.max_connections) {
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++connections;
    net::co_spawn(io, session(std::move(socket)),
                  [](std::exception_ptr error) { log_failure("connection", error); });
  }
}

void HttpServer::Impl::shut_down() {
  is_stopping = true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  // Each pending operation completes with operation_aborted and its session ends; then run()
  // finds no work left and returns.
  for (beast::tcp_stream* stream : streams) {
    stream->close();
  }
}

HttpServer::HttpServer(std::string_view listen, const Registry& registry, ReadinessCheck readiness,
                       HttpServerOptions options)
    : m_impl(std::make_unique<Impl>(registry, std::move(readiness), options)) {
  const tcp::endpoint endpoint = parse_listen(listen);
  try {
    tcp::acceptor& acceptor = m_impl->acceptor;
    acceptor.open(endpoint.protocol());
    // Lets a restarted daemon bind while the old one's connections sit in TIME_WAIT; a port
    // another socket listens on still fails with "address in use".
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
    m_impl->port = acceptor.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    throw ConfigError("metrics: cannot listen on '" + std::string(listen) +
                      "': " + e.code().message());
  }
  net::co_spawn(m_impl->io, m_impl->accept_loop(),
                [](std::exception_ptr error) { log_failure("accept loop", error); });
  m_impl->thread = std::thread([impl = m_impl.get()] { impl->io.run(); });
}

HttpServer::~HttpServer() {
  stop();
}

std::uint16_t HttpServer::port() const noexcept {
  return m_impl->port;
}

void HttpServer::stop() noexcept {
  std::lock_guard lock(m_impl->stop_mutex);
  if (!m_impl->thread.joinable()) {
    return;
  }
  net::post(m_impl->io, [impl = m_impl.get()] { impl->shut_down(); });
  m_impl->thread.join();
}

} // namespace fw::metrics
