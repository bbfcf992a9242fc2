#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fw::test {

// What a route answers. The defaults give a plain "200 OK" with an empty body; every member has
// a default so that designated initializers may name only what a test cares about.
struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::chrono::milliseconds delay{0};       // before sending anything
  std::size_t chunk_bytes = 0;              // >0: send the body in chunks (chunked encoding)...
  std::chrono::milliseconds chunk_delay{0}; // ...with this pause between chunks (slow server)
  bool endless = false;                     // ...again and again, no last chunk (endless body)
  bool stall = false;                       // accept and never answer (until the server stops)
  std::string content_encoding{};           // "gzip": compress body and set Content-Encoding
  // Set: these bytes go out exactly as they are (status, headers and body above are ignored),
  // after `delay`, and the connection is then closed: malformed or truncated HTTP.
  std::optional<std::string> raw{};
  bool reset = false; // with `raw`: close with a TCP reset (RST) instead of a FIN
};

// One request as the server saw it, recorded when its head arrived (before any delay).
struct RecordedRequest {
  std::string method, target;                               // target includes the query
  std::vector<std::pair<std::string, std::string>> headers; // names lowercased
  std::chrono::steady_clock::time_point arrived;

  // The first header with this name (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

// A real HTTP/1.1 server on 127.0.0.1 for tests, serving on its own thread (one coroutine per
// connection, keep-alive supported). Unknown paths answer 404; path matching ignores the query.
// Every public member is thread-safe: routes may change while requests are being served.
class HttpServer {
public:
  // Binds 127.0.0.1:0 and starts serving. Throws boost::system::system_error if it cannot bind.
  HttpServer();
  // Binds `ipv4_address`:0 instead, e.g. "127.0.0.2": on Linux every 127.x.y.z is the loopback
  // interface, and a URL naming another address is another host to a client's per-host limits.
  // Throws boost::system::system_error if the address is malformed or cannot be bound.
  explicit HttpServer(std::string_view ipv4_address);
  // Stops serving, closes every connection (stalled ones too) and joins the thread.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // "http://<address>:<port><path>", the address 127.0.0.1 unless the constructor named another.
  std::string url(std::string_view path) const;

  // Answers `path` with a fixed response; a gzip body is compressed once, here.
  void route(std::string path, Response response);
  // Answers `path` with whatever `handler` returns; it runs on the server thread, and an
  // exception from it becomes a 500 whose body is the exception's message.
  void route(std::string path, std::function<Response(const RecordedRequest&)> handler);

  // Requests in arrival order: those for `path` (query ignored), or all when `path` is empty.
  std::vector<RecordedRequest> requests(std::string_view path = {}) const;
  std::size_t hits(std::string_view path) const;
  // TCP connections accepted so far (tells keep-alive reuse from new connections).
  std::size_t connections() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// gzip (RFC 1952) of `data` with zlib; throws std::runtime_error if zlib fails.
std::string gzip(std::string_view data);

// gzip of `count` copies of `byte`, compressed as it streams (no `count`-byte buffer): for gzip
// bombs, served pre-compressed with a "Content-Encoding: gzip" header.
std::string gzip_repeated(char byte, std::size_t count);

} // namespace fw::test
