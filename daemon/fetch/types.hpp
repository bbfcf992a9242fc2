#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fw::fetch {

// Bounds applied to every transfer of one Fetcher.
struct Limits {
  std::chrono::milliseconds connect_timeout{10000}, timeout{60000};
  // A transfer slower than low_speed_limit_bytes per second for low_speed_time is abandoned.
  std::int64_t low_speed_limit_bytes = 100;
  std::chrono::seconds low_speed_time{30};
  std::int64_t max_body_bytes = 16 * 1024 * 1024; // enforced while streaming, on decoded bytes
  int max_redirects = 5;
  // Unset: libcurl reads http_proxy, https_proxy and no_proxy itself. Empty: no proxy at all.
  std::optional<std::string> proxy{};
  std::string user_agent{}; // default for requests that set none; empty: no User-Agent header
};

// One GET. Validators from the previous response make it conditional.
struct Request {
  std::string url{};
  // Sent as If-None-Match / If-Modified-Since (both when both are known).
  std::optional<std::string> etag{}, last_modified{};
  std::vector<std::pair<std::string, std::string>> headers{}; // extra request headers
  std::optional<std::string> user_agent{};                    // overrides Limits::user_agent
};

enum class ErrorKind {
  none,
  timeout,            // total, connect or low-speed limit
  too_large,          // body (decoded) over Limits::max_body_bytes, or a decompression bomb
  resolve,            // host (or proxy) name did not resolve
  connect,            // refused, unreachable
  tls,                // handshake or certificate failure
  too_many_redirects, // more than Limits::max_redirects hops
  bad_scheme,         // a URL or redirect to anything but http(s)
  protocol,           // malformed or truncated HTTP, reset connection, bad content encoding
  cancelled,          // the awaiting coroutine was cancelled, or cancel_all()
  other
};

// The outcome of one transfer. HTTP error statuses are not errors here: a 404 or 503 arrives as
// `status` with `error == ErrorKind::none`.
struct Response {
  long status = 0;             // final HTTP status, 0 when none arrived
  std::string effective_url{}; // after redirects
  // = effective_url when every hop was 301/308 (and there was at least one) and the transfer
  // succeeded: the feed has moved for good.
  std::optional<std::string> permanent_redirect{};
  // Decoded (gzip/deflate/br/zstd). After a failure it holds what arrived before it, never more
  // than Limits::max_body_bytes.
  std::string body{};
  // The final response's headers (comma-joined when repeated).
  std::optional<std::string> content_type{}, etag{}, last_modified{}, retry_after{},
      cache_control{}, expires{}, date{};
  ErrorKind error = ErrorKind::none;
  std::string error_message{}; // curl's message (or ours), one line; empty when error is none
  std::chrono::milliseconds elapsed{0};
};

// A short phrase for operators, as logs and feed state show it ("timeout", "too large",
// "cannot resolve host", ...).
[[nodiscard]] const char* to_string(ErrorKind kind) noexcept;

} // namespace fw::fetch
