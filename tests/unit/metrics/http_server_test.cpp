#include "metrics/http_server.hpp"
#include "metrics/registry.hpp"
#include "prometheus_text.hpp"
#include "util/errors.hpp"

#include <atomic>
// GCC 12 at -O2 reports null dereferences inside Asio's scheduler (thread_info) that cannot happen.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace fw::metrics {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// Generous: only reached when a test is failing.
constexpr auto k_wait = 5s;

struct Reply {
  unsigned status = 0;
  std::string content_type;
  std::optional<std::size_t> content_length;
  std::string allow;
  std::string body;
  bool keep_alive = false;
};

// A blocking HTTP/1.1 client on its own io_context; every read has a deadline, so a server that
// never answers fails the test instead of hanging it.
class Client {
public:
  explicit Client(std::uint16_t port, net::ip::address address = net::ip::address_v4::loopback())
      : m_stream(m_io) {
    m_stream.connect(tcp::endpoint(address, port));
  }

  void write_raw(std::string_view bytes) {
    net::write(m_stream.socket(), net::buffer(bytes.data(), bytes.size()));
  }

  Reply request(http::verb verb, std::string_view target) {
    http::request<http::empty_body> request{verb, target, 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(m_stream.socket(), request);
    return read_reply(verb == http::verb::head);
  }

  Reply get(std::string_view target) { return request(http::verb::get, target); }

  Reply read_reply(bool is_head = false) {
    http::response_parser<http::string_body> parser;
    parser.skip(is_head);
    parser.body_limit(16 * 1024 * 1024);
    m_stream.expires_after(k_wait);
    boost::system::error_code result;
    http::async_read(m_stream, m_buffer, parser,
                     [&](boost::system::error_code ec, std::size_t) { result = ec; });
    run();
    if (result) {
      throw boost::system::system_error(result);
    }
    const auto& message = parser.get();
    Reply reply;
    reply.status = message.result_int();
    reply.content_type = std::string(message[http::field::content_type]);
    reply.allow = std::string(message[http::field::allow]);
    if (message.has_content_length()) {
      reply.content_length = std::stoul(std::string(message[http::field::content_length]));
    }
    reply.body = message.body();
    reply.keep_alive = message.keep_alive();
    return reply;
  }

  // Waits up to `within` for the server to close the connection; true if it did.
  bool is_closed_by_server(std::chrono::milliseconds within) {
    m_stream.expires_after(within);
    char byte = 0;
    boost::system::error_code result;
    m_stream.async_read_some(net::buffer(&byte, 1),
                             [&](boost::system::error_code ec, std::size_t) { result = ec; });
    run();
    return result == net::error::eof || result == net::error::connection_reset;
  }

private:
  void run() {
    m_io.restart();
    m_io.run();
  }

  net::io_context m_io;
  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
};

class MetricsServerTest : public ::testing::Test {
protected:
  MetricsServerTest() {
    m_registry.counter("fw_polls_total", "Polls.", {"result"}).with({"ok"}).inc(3);
    m_registry.histogram("fw_fetch_seconds", "Fetch time.").with({}).observe(0.2);
  }

  HttpServer start(HttpServerOptions options = {}) {
    return HttpServer(
        "127.0.0.1:0", m_registry,
        [this] {
          std::lock_guard lock(m_mutex);
          if (m_readiness_error) {
            throw std::runtime_error(*m_readiness_error);
          }
          return m_readiness;
        },
        options);
  }

  void set_readiness(Readiness readiness) {
    std::lock_guard lock(m_mutex);
    m_readiness = std::move(readiness);
  }

  Registry m_registry;
  std::mutex m_mutex;
  Readiness m_readiness;
  std::optional<std::string> m_readiness_error;
};

TEST_F(MetricsServerTest, MetricsServesTheRegistryAsPrometheusText) {
  HttpServer server = start();
  Client client(server.port());
  const Reply reply = client.get("/metrics");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const test::prometheus::Document doc = test::prometheus::parse(reply.body);
  EXPECT_EQ(doc.value("fw_polls_total", {{"result", "ok"}}), 3.0);
  EXPECT_EQ(doc.value("fw_fetch_seconds_count"), 1.0);
  EXPECT_EQ(reply.body, m_registry.render());
}

TEST_F(MetricsServerTest, MetricsIgnoresTheQuery) {
  HttpServer server = start();
  EXPECT_EQ(Client(server.port()).get("/metrics?x=1").status, 200u);
}

TEST_F(MetricsServerTest, MetricsAnswers500WhenRenderingThrows) {
  m_registry.gauge_callback("fw_broken", "Broken.",
                            []() -> double { throw std::runtime_error("queue gone"); });
  HttpServer server = start();
  Client client(server.port());
  const Reply reply = client.get("/metrics");
  EXPECT_EQ(reply.status, 500u);
  EXPECT_NE(reply.body.find("queue gone"), std::string::npos);
  EXPECT_EQ(client.get("/healthz").status, 200u) << "the connection stays usable";
}

TEST_F(MetricsServerTest, HealthzAnswersOk) {
  set_readiness({false, "store not open"});
  HttpServer server = start();
  const Reply reply = Client(server.port()).get("/healthz");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "ok\n");
  EXPECT_EQ(reply.content_type, "text/plain; charset=utf-8");
}

TEST_F(MetricsServerTest, ReadyzFollowsTheReadinessCheck) {
  HttpServer server = start();
  Client client(server.port());
  Reply reply = client.get("/readyz");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "ready\n");

  set_readiness({false, "replaying journal"});
  reply = client.get("/readyz");
  EXPECT_EQ(reply.status, 503u);
  EXPECT_EQ(reply.body, "replaying journal\n");

  set_readiness({true, {}});
  EXPECT_EQ(client.get("/readyz").status, 200u);
}

TEST_F(MetricsServerTest, ReadyzIs503WhenTheCheckThrows) {
  m_readiness_error = "store closed";
  HttpServer server = start();
  const Reply reply = Client(server.port()).get("/readyz");
  EXPECT_EQ(reply.status, 503u);
  EXPECT_EQ(reply.body, "readiness check failed: store closed\n");
}

TEST_F(MetricsServerTest, ReadyzWithoutCheckIsReady) {
  HttpServer server("127.0.0.1:0", m_registry);
  EXPECT_EQ(Client(server.port()).get("/readyz").status, 200u);
}

TEST_F(MetricsServerTest, UnknownPathIs404) {
  HttpServer server = start();
  Client client(server.port());
  EXPECT_EQ(client.get("/").status, 404u);
  EXPECT_EQ(client.get("/metrics/").status, 404u);
  EXPECT_EQ(client.request(http::verb::post, "/nowhere").status, 404u);
}

TEST_F(MetricsServerTest, MethodsOtherThanGetAndHeadAre405) {
  HttpServer server = start();
  Client client(server.port());
  for (const http::verb verb : {http::verb::post, http::verb::put, http::verb::delete_}) {
    const Reply reply = client.request(verb, "/metrics");
    EXPECT_EQ(reply.status, 405u);
    EXPECT_EQ(reply.allow, "GET, HEAD");
  }
}

TEST_F(MetricsServerTest, HeadSendsTheHeadersOfGetWithoutBody) {
  HttpServer server = start();
  Client client(server.port());
  const Reply head = client.request(http::verb::head, "/metrics");
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.content_length, m_registry.render().size());
  // The next response on the same connection is read whole: HEAD sent no stray body.
  const Reply get = client.get("/healthz");
  EXPECT_EQ(get.body, "ok\n");
}

TEST_F(MetricsServerTest, KeepAliveServesPipelinedRequestsOnOneConnection) {
  HttpServer server = start();
  Client client(server.port());
  client.write_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                   "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
                   "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(client.read_reply().body, "ok\n");
  EXPECT_EQ(client.read_reply().body, "ready\n");
  const Reply last = client.read_reply();
  EXPECT_EQ(last.body, "ok\n");
  EXPECT_FALSE(last.keep_alive);
  EXPECT_TRUE(client.is_closed_by_server(k_wait));
}

TEST_F(MetricsServerTest, Http10ConnectionIsClosedAfterTheResponse) {
  HttpServer server = start();
  Client client(server.port());
  client.write_raw("GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(client.read_reply().status, 200u);
  EXPECT_TRUE(client.is_closed_by_server(k_wait));
}

TEST_F(MetricsServerTest, RequestWithBodyIs413AndClosed) {
  HttpServer server = start();
  Client client(server.port());
  client.write_raw("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(client.read_reply().status, 413u);
  EXPECT_TRUE(client.is_closed_by_server(k_wait));
}

TEST_F(MetricsServerTest, ChunkedRequestIs413) {
  HttpServer server = start();
  Client client(server.port());
  client.write_raw("GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(client.read_reply().status, 413u);
}

TEST_F(MetricsServerTest, HugeHeadersAre431AndClosed) {
  HttpServer server = start();
  Client client(server.port());
  client.write_raw("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') +
                   "\r\n\r\n");
  EXPECT_EQ(client.read_reply().status, 431u);
  EXPECT_TRUE(client.is_closed_by_server(k_wait));
}

TEST_F(MetricsServerTest, MalformedRequestIs400) {
  HttpServer server = start();
  Client client(server.port());
  client.write_raw("GET /metrics HTTP/1.1\r\nBad Header\r\n\r\n");
  EXPECT_EQ(client.read_reply().status, 400u);
  EXPECT_TRUE(client.is_closed_by_server(k_wait));
}

TEST_F(MetricsServerTest, SlowClientIsTimedOut) {
  HttpServer server = start({.request_timeout = 200ms});
  Client client(server.port());
  client.write_raw("GET /metrics HTTP/1.1\r\nHo");
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.is_closed_by_server(k_wait));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(MetricsServerTest, IdleKeepAliveConnectionIsTimedOut) {
  HttpServer server = start({.request_timeout = 200ms});
  Client client(server.port());
  EXPECT_EQ(client.get("/healthz").status, 200u);
  EXPECT_TRUE(client.is_closed_by_server(k_wait));
}

TEST_F(MetricsServerTest, IdleConnectionDoesNotBlockOthers) {
  HttpServer server = start();
  Client idle(server.port());
  idle.write_raw("GET /metr");
  Client busy(server.port());
  EXPECT_EQ(busy.get("/healthz").status, 200u);
  idle.write_raw("ics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(idle.read_reply().status, 200u);
}

TEST_F(MetricsServerTest, ConnectionsPastTheLimitAreClosed) {
  HttpServer server = start({.max_connections = 1});
  Client first(server.port());
  EXPECT_EQ(first.get("/healthz").status, 200u);
  Client second(server.port());
  EXPECT_TRUE(second.is_closed_by_server(k_wait));
  EXPECT_EQ(first.get("/healthz").status, 200u);
}

TEST_F(MetricsServerTest, StopClosesAnIdleClientPromptly) {
  HttpServer server = start();
  Client connected(server.port());
  Client kept_alive(server.port());
  EXPECT_EQ(kept_alive.get("/healthz").status, 200u);

  const auto started = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_TRUE(connected.is_closed_by_server(k_wait));
  EXPECT_TRUE(kept_alive.is_closed_by_server(k_wait));
  EXPECT_THROW(Client{server.port()}, boost::system::system_error) << "no longer listening";
  server.stop(); // idempotent, and the destructor stops once more
}

TEST_F(MetricsServerTest, StopFromAnotherThreadWhileScraping) {
  HttpServer server = start();
  std::atomic<bool> is_stopped{false};
  auto scraper = std::async(std::launch::async, [&] {
    int served = 0;
    try {
      Client client(server.port());
      while (!is_stopped) {
        client.get("/metrics");
        ++served;
      }
    } catch (const boost::system::system_error&) {
      // The server went away mid-request: what this test provokes.
    }
    return served;
  });
  std::this_thread::sleep_for(50ms);
  server.stop();
  is_stopped = true;
  EXPECT_GE(scraper.get(), 0);
}

TEST_F(MetricsServerTest, PortZeroBindsAFreePort) {
  HttpServer a = start();
  HttpServer b = start();
  EXPECT_NE(a.port(), 0);
  EXPECT_NE(b.port(), 0);
  EXPECT_NE(a.port(), b.port());
}

TEST_F(MetricsServerTest, ServesOnIpv6Loopback) {
  std::optional<HttpServer> server;
  try {
    server.emplace("[::1]:0", m_registry);
  } catch (const ConfigError& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  Client client(server->port(), net::ip::address_v6::loopback());
  EXPECT_EQ(client.get("/healthz").body, "ok\n");
}

TEST_F(MetricsServerTest, BindConflictIsAConfigErrorNamingTheAddress) {
  HttpServer first = start();
  const std::string address = "127.0.0.1:" + std::to_string(first.port());
  try {
    HttpServer second(address, m_registry);
    FAIL() << "bound a port already listened on";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'" + address + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("in use"), std::string::npos) << message;
  }
}

TEST_F(MetricsServerTest, BadAddressesAreConfigErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"127.0.0.1", "HOST:PORT"},
      {"localhost:7703", "IPv4 address"},
      {"::1:7703", "IPv6 address in brackets"},
      {"[::1:7703", "IPv4 address"},
      {"127.0.0.1:", "port"},
      {"127.0.0.1:65536", "port"},
      {"127.0.0.1:-1", "port"},
      {"127.0.0.1:80x", "port"},
      {"192.0.2.1:0", "Cannot assign requested address"},
  };
  for (const auto& [address, reason] : cases) {
    try {
      HttpServer server(address, m_registry);
      ADD_FAILURE() << "accepted " << address;
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(std::string("'") + address + "'"), std::string::npos) << message;
      EXPECT_NE(message.find(reason), std::string::npos) << message;
    }
  }
}

} // namespace
} // namespace fw::metrics
