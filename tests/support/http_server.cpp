#include "http_server.hpp"

#include <algorithm>
// GCC 12 reports null dereferences inside Asio's scheduler (thread_info) that cannot happen.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
#include <cctype>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <variant>
#include <zlib.h>

namespace fw::test {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
constexpr auto k_tuple = net::as_tuple(net::use_awaitable);

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// A response ready to send: the body already carries its content encoding.
struct Prepared {
  Response response;
};

Prepared prepare(Response response) {
  if (lower(response.content_encoding) == "gzip") {
    response.body = gzip(response.body);
  } else if (!response.content_encoding.empty()) {
    throw std::invalid_argument("fw::test::HttpServer supports only gzip, not " +
                                response.content_encoding);
  }
  return Prepared{std::move(response)};
}

using Handler = std::function<Response(const RecordedRequest&)>;
using Route = std::variant<Prepared, Handler>;

// Everything the serving thread shares with the test thread, behind one mutex.
class State {
public:
  void set_route(std::string path, Route route) {
    std::lock_guard lock(m_mutex);
    m_routes.insert_or_assign(std::move(path), std::move(route));
  }

  void record(RecordedRequest request) {
    std::lock_guard lock(m_mutex);
    m_requests.push_back(std::move(request));
  }

  void count_connection() {
    std::lock_guard lock(m_mutex);
    ++m_connections;
  }

  std::size_t connections() const {
    std::lock_guard lock(m_mutex);
    return m_connections;
  }

  std::vector<RecordedRequest> requests(std::string_view path) const {
    std::lock_guard lock(m_mutex);
    std::vector<RecordedRequest> out;
    for (const RecordedRequest& r : m_requests) {
      if (path.empty() || path_of(r.target) == path) {
        out.push_back(r);
      }
    }
    return out;
  }

  // The answer for `request`; the handler of a dynamic route runs outside the lock so that it
  // may call back into the server (hits(), route()).
  Prepared answer(const RecordedRequest& request) const {
    Route route;
    {
      std::lock_guard lock(m_mutex);
      auto it = m_routes.find(path_of(request.target));
      if (it == m_routes.end()) {
        return Prepared{Response{.status = 404, .body = "not found"}};
      }
      route = it->second;
    }
    if (auto* fixed = std::get_if<Prepared>(&route)) {
      return *fixed;
    }
    try {
      return prepare(std::get<Handler>(route)(request));
    } catch (const std::exception& e) {
      return Prepared{Response{.status = 500, .body = e.what()}};
    }
  }

private:
  mutable std::mutex m_mutex;
  std::map<std::string, Route, std::less<>> m_routes;
  std::vector<RecordedRequest> m_requests;
  std::size_t m_connections = 0;
};

template <typename Message> void add_headers(Message& message, const Response& response) {
  for (const auto& [name, value] : response.headers) {
    message.insert(name, value);
  }
  if (!response.content_encoding.empty()) {
    message.set(http::field::content_encoding, response.content_encoding);
  }
}

// Returns false when the connection is no longer usable.
net::awaitable<bool> send(tcp::socket& socket, const Response& response, unsigned version,
                          bool keep_alive) {
  if (response.chunk_bytes == 0) {
    http::response<http::string_body> message{static_cast<http::status>(response.status), version};
    add_headers(message, response);
    message.body() = response.body;
    message.keep_alive(keep_alive);
    message.prepare_payload();
    auto [ec, n] = co_await http::async_write(socket, message, k_tuple);
    co_return !ec;
  }
  http::response<http::empty_body> head{static_cast<http::status>(response.status), version};
  add_headers(head, response);
  head.keep_alive(keep_alive);
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  if (auto [ec, n] = co_await http::async_write_header(socket, serializer, k_tuple); ec) {
    co_return false;
  }
  net::steady_timer pause(socket.get_executor());
  const bool is_endless = response.endless && !response.body.empty();
  for (std::size_t at = 0, chunks = 0; is_endless || at < response.body.size(); ++chunks) {
    if (at == response.body.size()) {
      at = 0; // endless: the body once more
    }
    if (chunks > 0 && response.chunk_delay.count() > 0) {
      pause.expires_after(response.chunk_delay);
      if (auto [ec] = co_await pause.async_wait(k_tuple); ec) {
        co_return false;
      }
    }
    const std::size_t n = std::min(response.chunk_bytes, response.body.size() - at);
    auto chunk = http::make_chunk(net::buffer(response.body.data() + at, n));
    if (auto [ec, written] = co_await net::async_write(socket, chunk, k_tuple); ec) {
      co_return false;
    }
    at += n;
  }
  auto [ec, n] = co_await net::async_write(socket, http::make_chunk_last(), k_tuple);
  co_return !ec;
}

net::awaitable<void> session(tcp::socket socket, State& state) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(1024 * 1024);
    if (auto [ec, n] = co_await http::async_read_header(socket, buffer, parser, k_tuple); ec) {
      co_return;
    }
    RecordedRequest recorded;
    recorded.arrived = std::chrono::steady_clock::now();
    {
      const auto& head = parser.get();
      recorded.method = std::string(head.method_string());
      recorded.target = std::string(head.target());
      for (const auto& field : head) {
        recorded.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
      }
    }
    state.record(recorded);
    if (auto [ec, n] = co_await http::async_read(socket, buffer, parser, k_tuple); ec) {
      co_return;
    }
    const unsigned version = parser.get().version();
    const bool keep_alive = parser.get().keep_alive();

    const Prepared prepared = state.answer(recorded);
    const Response& response = prepared.response;
    if (response.stall) {
      // Hold the connection without answering until the client gives up or the server stops.
      char sink[512];
      for (;;) {
        auto [ec, n] = co_await socket.async_read_some(net::buffer(sink), k_tuple);
        if (ec) {
          co_return;
        }
      }
    }
    if (response.delay.count() > 0) {
      net::steady_timer timer(socket.get_executor(), response.delay);
      if (auto [ec] = co_await timer.async_wait(k_tuple); ec) {
        co_return;
      }
    }
    if (response.raw) {
      if (!response.raw->empty()) {
        co_await net::async_write(socket, net::buffer(*response.raw), k_tuple);
      }
      boost::system::error_code ignored;
      if (response.reset) {
        socket.set_option(tcp::socket::linger(true, 0), ignored);
      }
      socket.close(ignored);
      co_return;
    }
    if (!co_await send(socket, response, version, keep_alive) || !keep_alive) {
      boost::system::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

void report_failure(std::exception_ptr error) {
  if (!error) {
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::cerr << "fw::test::HttpServer: connection failed: " << e.what() << '\n';
  }
}

net::awaitable<void> listen(tcp::acceptor& acceptor, State& state) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(k_tuple);
    if (ec == net::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // Out of descriptors or similar: back off briefly instead of spinning on the error.
      net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(10));
      co_await pause.async_wait(k_tuple);
      continue;
    }
    state.count_connection();
    net::co_spawn(acceptor.get_executor(), session(std::move(socket), state), report_failure);
  }
}

} // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) {
      return value;
    }
  }
  return std::nullopt;
}

struct HttpServer::Impl {
  explicit Impl(std::string_view ipv4_address)
      : address(net::ip::make_address_v4(ipv4_address)), acceptor(io, tcp::endpoint(address, 0)),
        port(acceptor.local_endpoint().port()) {}

  // Declared before the io_context: coroutine frames destroyed with it still refer to the state.
  State state;
  net::io_context io{1};
  net::ip::address_v4 address;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::thread thread;
};

HttpServer::HttpServer() : HttpServer("127.0.0.1") {}

HttpServer::HttpServer(std::string_view ipv4_address)
    : m_impl(std::make_unique<Impl>(ipv4_address)) {
  m_impl->acceptor.listen(net::socket_base::max_listen_connections);
  net::co_spawn(m_impl->io, listen(m_impl->acceptor, m_impl->state), report_failure);
  m_impl->thread = std::thread([impl = m_impl.get()] { impl->io.run(); });
}

HttpServer::~HttpServer() {
  // Stopping abandons every pending operation; destroying the io_context then destroys the
  // suspended session coroutines, and with them their sockets, stalled ones included.
  m_impl->io.stop();
  m_impl->thread.join();
}

std::uint16_t HttpServer::port() const {
  return m_impl->port;
}

std::string HttpServer::url(std::string_view path) const {
  return "http://" + m_impl->address.to_string() + ":" + std::to_string(m_impl->port) +
         std::string(path);
}

void HttpServer::route(std::string path, Response response) {
  m_impl->state.set_route(std::move(path), prepare(std::move(response)));
}

void HttpServer::route(std::string path, std::function<Response(const RecordedRequest&)> handler) {
  m_impl->state.set_route(std::move(path), std::move(handler));
}

std::vector<RecordedRequest> HttpServer::requests(std::string_view path) const {
  return m_impl->state.requests(path);
}

std::size_t HttpServer::hits(std::string_view path) const {
  return m_impl->state.requests(path).size();
}

std::size_t HttpServer::connections() const {
  return m_impl->state.connections();
}

namespace {

// Feeds `next(chunk)` pieces through one deflate stream until `next` returns an empty view.
template <typename Next> std::string deflate_gzip(Next next) {
  z_stream stream{};
  // 15 window bits + 16 asks zlib for a gzip wrapper instead of a zlib one. Run-length matching
  // only: tests compress large synthetic bodies (a 50 MB gzip bomb) and need them fast, not small.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_RLE) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  char buffer[64 * 1024];
  int rc = Z_OK;
  for (std::string_view piece = next(); rc != Z_STREAM_END;) {
    const int flush = piece.empty() ? Z_FINISH : Z_NO_FLUSH;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    stream.avail_in = static_cast<uInt>(piece.size());
    do {
      stream.next_out = reinterpret_cast<Bytef*>(buffer);
      stream.avail_out = sizeof buffer;
      rc = deflate(&stream, flush);
      if (rc == Z_STREAM_ERROR) {
        deflateEnd(&stream);
        throw std::runtime_error("deflate failed");
      }
      out.append(buffer, sizeof buffer - stream.avail_out);
    } while (stream.avail_out == 0);
    if (!piece.empty()) {
      piece = next();
    }
  }
  deflateEnd(&stream);
  return out;
}

} // namespace

std::string gzip(std::string_view data) {
  constexpr std::size_t k_piece = 1 << 30; // avail_in is 32 bits wide
  return deflate_gzip([&]() {
    const std::string_view piece = data.substr(0, k_piece);
    data.remove_prefix(piece.size());
    return piece;
  });
}

std::string gzip_repeated(char byte, std::size_t count) {
  const std::string block(64 * 1024, byte);
  return deflate_gzip([&]() {
    const std::size_t n = std::min(count, block.size());
    count -= n;
    return std::string_view(block.data(), n);
  });
}

} // namespace fw::test
