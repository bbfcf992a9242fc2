#include "fetch_harness.hpp"
#include "util/strings.hpp"

#include <vector>

namespace fw::fetch::testing {
namespace {

using ServerResponse = fw::test::Response;

TEST_F(FetchTest, ServerAnswersUnknownPathsWith404) {
  const Response r = get(m_server.url("/nowhere"));
  EXPECT_EQ(r.error, ErrorKind::none);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(m_server.hits("/nowhere"), 1u);
}

TEST_F(FetchTest, ServerMatchesPathsWithoutTheQueryAndRecordsTheTarget) {
  m_server.route("/feed", ServerResponse{.headers = {{"X-Test", "yes"}}, .body = "q"});
  const Response r = get(m_server.url("/feed?page=2&x=1"));
  EXPECT_EQ(r.body, "q");
  const auto seen = m_server.requests("/feed");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/feed?page=2&x=1");
  EXPECT_EQ(seen[0].header("HOST"), "127.0.0.1:" + std::to_string(m_server.port()));
  for (const auto& [name, value] : seen[0].headers) {
    EXPECT_EQ(name, util::to_lower(name));
  }
  EXPECT_EQ(m_server.requests().size(), 1u);
}

TEST_F(FetchTest, ServerRecordsARequestBeforeItsDelay) {
  m_server.route("/late", ServerResponse{.body = "late", .delay = 200ms});
  const auto sent = std::chrono::steady_clock::now();
  const Response r = get(m_server.url("/late"));
  EXPECT_EQ(r.body, "late");
  EXPECT_GE(r.elapsed, 190ms);
  EXPECT_LT(m_server.requests("/late").at(0).arrived - sent, 150ms);
}

TEST_F(FetchTest, ServerRoutesMayChangeBetweenRequests) {
  m_server.route("/v", ServerResponse{.body = "one"});
  Fetcher& f = fetcher();
  EXPECT_EQ(run(f.fetch(Request{.url = m_server.url("/v")})).body, "one");
  m_server.route("/v", ServerResponse{.status = 503, .headers = {{"Retry-After", "5"}}});
  const Response second = run(f.fetch(Request{.url = m_server.url("/v")}));
  EXPECT_EQ(second.status, 503);
  EXPECT_EQ(second.retry_after, "5");
  EXPECT_EQ(m_server.hits("/v"), 2u);
}

TEST_F(FetchTest, ServerSendsChunkedBodies) {
  const std::string body(100000, 'k');
  m_server.route("/chunks", ServerResponse{.body = body, .chunk_bytes = 4096});
  const Response r = get(m_server.url("/chunks"));
  EXPECT_EQ(r.error, ErrorKind::none) << r.error_message;
  EXPECT_EQ(r.body, body);
}

TEST_F(FetchTest, ServerTurnsAThrowingHandlerInto500) {
  m_server.route("/boom", [](const fw::test::RecordedRequest&) -> ServerResponse {
    throw std::runtime_error("handler failed");
  });
  const Response r = get(m_server.url("/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "handler failed");
}

TEST_F(FetchTest, ServerBindsAnotherLoopbackAddress) {
  fw::test::HttpServer other("127.0.0.2");
  other.route("/f", ServerResponse{.body = "elsewhere"});
  EXPECT_EQ(other.url("/f"), "http://127.0.0.2:" + std::to_string(other.port()) + "/f");
  const Response r = get(other.url("/f"));
  EXPECT_EQ(r.error, ErrorKind::none) << r.error_message;
  EXPECT_EQ(r.body, "elsewhere");
  EXPECT_EQ(other.requests("/f").at(0).header("host"), "127.0.0.2:" + std::to_string(other.port()));
  EXPECT_EQ(m_server.requests().size(), 0u);
}

TEST_F(FetchTest, ServerSendsAnEndlessBodyUntilTheClientGivesUp) {
  m_server.route("/endless",
                 ServerResponse{.body = "0123456789", .chunk_bytes = 4, .endless = true});
  Limits limits = test_limits();
  limits.max_body_bytes = 100000;
  const Response r = get(m_server.url("/endless"), limits);
  EXPECT_EQ(r.error, ErrorKind::too_large) << r.error_message;
}

TEST(HttpServer, StopsPromptlyWithStalledConnectionsOpen) {
  net::io_context io{1};
  auto server = std::make_unique<fw::test::HttpServer>();
  server->route("/stall", ServerResponse{.stall = true});
  Fetcher fetcher(io, test_limits());
  std::future<Response> pending =
      net::co_spawn(io, fetcher.fetch(Request{.url = server->url("/stall")}), net::use_future);
  while (server->hits("/stall") == 0) {
    io.run_one_for(10ms);
  }
  const auto start = std::chrono::steady_clock::now();
  server.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  // The client sees the connection close instead of waiting for its 5 s timeout.
  while (pending.wait_for(0s) != std::future_status::ready) {
    io.run_one_for(10ms);
  }
  const Response r = pending.get();
  EXPECT_EQ(r.error, ErrorKind::protocol) << r.error_message;
  EXPECT_LT(r.elapsed, 2000ms);
}

} // namespace
} // namespace fw::fetch::testing
