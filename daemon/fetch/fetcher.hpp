#pragma once

#include "fetch/freshness.hpp"
#include "fetch/types.hpp"

// GCC 12 at -O2 reports null dereferences in Asio's scheduler (thread_info) that cannot happen;
// the state at the headers' first inclusion is what counts, so users include this header first.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#pragma GCC diagnostic pop
#include <cstddef>
#include <memory>

namespace fw::fetch {

// HTTP(S) GETs on one libcurl multi handle driven by the io thread's Asio reactor: curl's socket
// and timer callbacks become Asio waits, so there is no thread per transfer and no polling.
// Transfers share connections (keep-alive, HTTP/2 multiplexing) and the DNS cache. Redirects
// are followed within http and https only; TLS peers are verified.
//
// Thread: every member, and every coroutine returned by fetch(), runs on the thread that runs
// `io` (concurrency hint 1); nothing here blocks it (names resolve on curl's resolver threads).
class Fetcher {
public:
  // Owns a new curl multi handle bound to `io`, which must outlive the Fetcher. Throws
  // fw::FatalError if curl cannot be initialised.
  Fetcher(boost::asio::io_context& io, Limits limits);
  // Ends transfers still running with ErrorKind::cancelled; their coroutines resume with that
  // (a coroutine from fetch() must have started before the Fetcher goes).
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Performs one GET of `request.url` and completes on the io thread when it ends. Never
  // throws for network or HTTP failures: they come back in Response::error and ::status
  // (std::bad_alloc may still escape). Cancelling the awaiting coroutine (any cancellation
  // type) or cancel_all() ends the transfer with ErrorKind::cancelled.
  boost::asio::awaitable<Response> fetch(Request request);

  // Ends every running transfer with ErrorKind::cancelled.
  void cancel_all();

  // Transfers started and not yet ended.
  [[nodiscard]] std::size_t active() const;

private:
  class Multi;
  std::unique_ptr<Multi> m_multi;
};

} // namespace fw::fetch
