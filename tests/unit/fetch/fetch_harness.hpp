#pragma once

// Shared by the fetch tests: a real io_context run on the test thread, a real Fetcher and the
// real HTTP server from tests/support.

#include "fetch/fetcher.hpp"
#include "http_server.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#pragma GCC diagnostic pop
#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <memory>
#include <stdexcept>
#include <string>

namespace fw::fetch::testing {

namespace net = boost::asio;
using namespace std::chrono_literals;

// Limits for tests: no proxy from the environment, and short enough that a bug fails fast.
inline Limits test_limits() {
  Limits limits;
  limits.proxy = "";
  limits.connect_timeout = 2000ms;
  limits.timeout = 5000ms;
  return limits;
}

class FetchTest : public ::testing::Test {
protected:
  // Runs the io_context on this thread until `task` ends (at most 20 s) and returns its value.
  template <typename T> T run(net::awaitable<T> task) {
    std::future<T> done = net::co_spawn(m_io, std::move(task), net::use_future);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (done.wait_for(0s) != std::future_status::ready) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("the io_context did not finish the task within 20 s");
      }
      if (m_io.run_one_for(100ms) == 0 && m_io.stopped()) {
        m_io.restart();
      }
    }
    return done.get();
  }

  Fetcher& fetcher(Limits limits = test_limits()) {
    m_fetcher = std::make_unique<Fetcher>(m_io, std::move(limits));
    return *m_fetcher;
  }

  Response get(std::string url, Limits limits = test_limits()) {
    Fetcher& f = fetcher(std::move(limits));
    return run(f.fetch(Request{.url = std::move(url)}));
  }

  net::awaitable<void> sleep(std::chrono::milliseconds duration) {
    net::steady_timer timer(m_io, duration);
    co_await timer.async_wait(net::use_awaitable);
  }

  fw::test::HttpServer m_server;
  net::io_context m_io{1};
  std::unique_ptr<Fetcher> m_fetcher;
};

} // namespace fw::fetch::testing
