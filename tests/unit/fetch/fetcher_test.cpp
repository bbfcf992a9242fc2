#include "fetch_harness.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#pragma GCC diagnostic pop
#include <variant>
#include <vector>

namespace fw::fetch::testing {
namespace {

using fw::test::RecordedRequest;
using ServerResponse = fw::test::Response;

// Fetches `url` into `out`, then appends `url` to `finished`. A named Request, not a temporary
// inside the co_await expression: GCC 12 destroys such temporaries twice.
net::awaitable<void> fetch_into(Fetcher& fetcher, std::string url, Response& out,
                                std::vector<std::string>& finished) {
  Request request;
  request.url = url;
  out = co_await fetcher.fetch(std::move(request));
  finished.push_back(std::move(url));
}

TEST_F(FetchTest, OkResponseCarriesBodyAndHeaders) {
  m_server.route("/feed.xml",
                 ServerResponse{.headers = {{"Content-Type", "application/rss+xml"},
                                            {"ETag", "\"v1\""},
                                            {"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"},
                                            {"Cache-Control", "max-age=600"},
                                            {"Expires", "Sun, 06 Nov 1994 09:49:37 GMT"},
                                            {"Date", "Sun, 06 Nov 1994 08:49:37 GMT"}},
                                .body = "<rss/>"});
  const Response r = get(m_server.url("/feed.xml"));
  EXPECT_EQ(r.error, ErrorKind::none) << r.error_message;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<rss/>");
  EXPECT_EQ(r.effective_url, m_server.url("/feed.xml"));
  EXPECT_FALSE(r.permanent_redirect);
  EXPECT_EQ(r.content_type, "application/rss+xml");
  EXPECT_EQ(r.etag, "\"v1\"");
  EXPECT_EQ(r.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(r.cache_control, "max-age=600");
  EXPECT_EQ(r.expires, "Sun, 06 Nov 1994 09:49:37 GMT");
  EXPECT_EQ(r.date, "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_FALSE(r.retry_after);
  EXPECT_TRUE(r.error_message.empty());
}

TEST_F(FetchTest, HttpErrorStatusIsNotAnError) {
  m_server.route("/gone", ServerResponse{.status = 410, .body = "gone"});
  const Response r = get(m_server.url("/gone"));
  EXPECT_EQ(r.error, ErrorKind::none);
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(r.body, "gone");
}

TEST_F(FetchTest, SendsBothValidatorsAndReads304) {
  m_server.route("/f", [](const RecordedRequest& req) {
    if (req.header("If-None-Match") == "\"abc\"") {
      return ServerResponse{.status = 304, .headers = {{"ETag", "\"abc\""}}};
    }
    return ServerResponse{.body = "full"};
  });
  Fetcher& f = fetcher();
  const Response r = run(f.fetch(Request{.url = m_server.url("/f"),
                                         .etag = "\"abc\"",
                                         .last_modified = "Sun, 06 Nov 1994 08:49:37 GMT"}));
  EXPECT_EQ(r.error, ErrorKind::none) << r.error_message;
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.etag, "\"abc\"");
  const RecordedRequest seen = m_server.requests("/f").at(0);
  EXPECT_EQ(seen.header("if-none-match"), "\"abc\"");
  EXPECT_EQ(seen.header("if-modified-since"), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST_F(FetchTest, SendsOnlyTheValidatorItHas) {
  m_server.route("/f", ServerResponse{.body = "x"});
  Fetcher& f = fetcher();
  (void)run(f.fetch(Request{.url = m_server.url("/f"), .etag = "W/\"1\""}));
  (void)run(f.fetch(
      Request{.url = m_server.url("/f"), .last_modified = "Mon, 07 Nov 1994 00:00:00 GMT"}));
  (void)run(f.fetch(Request{.url = m_server.url("/f")}));
  const std::vector<RecordedRequest> seen = m_server.requests("/f");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].header("if-none-match"), "W/\"1\"");
  EXPECT_FALSE(seen[0].header("if-modified-since"));
  EXPECT_FALSE(seen[1].header("if-none-match"));
  EXPECT_EQ(seen[1].header("if-modified-since"), "Mon, 07 Nov 1994 00:00:00 GMT");
  EXPECT_FALSE(seen[2].header("if-none-match"));
  EXPECT_FALSE(seen[2].header("if-modified-since"));
}

TEST_F(FetchTest, ChainOfPermanentRedirectsReportsTheNewUrl) {
  m_server.route("/a", ServerResponse{.status = 301, .headers = {{"Location", "/b"}}});
  m_server.route("/b", ServerResponse{.status = 308, .headers = {{"Location", "/c"}}});
  m_server.route("/c", ServerResponse{.headers = {{"ETag", "\"c\""}}, .body = "final"});
  const Response r = get(m_server.url("/a"));
  EXPECT_EQ(r.error, ErrorKind::none) << r.error_message;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "final");
  EXPECT_EQ(r.effective_url, m_server.url("/c"));
  EXPECT_EQ(r.permanent_redirect, m_server.url("/c"));
  EXPECT_EQ(r.etag, "\"c\"");
}

TEST_F(FetchTest, TemporaryRedirectInTheChainIsNotPermanent) {
  m_server.route("/a", ServerResponse{.status = 301, .headers = {{"Location", "/b"}}});
  m_server.route("/b", ServerResponse{.status = 302, .headers = {{"Location", "/c"}}});
  m_server.route("/c", ServerResponse{.body = "final"});
  const Response r = get(m_server.url("/a"));
  EXPECT_EQ(r.error, ErrorKind::none) << r.error_message;
  EXPECT_EQ(r.body, "final");
  EXPECT_EQ(r.effective_url, m_server.url("/c"));
  EXPECT_FALSE(r.permanent_redirect);
}

TEST_F(FetchTest, HeadersOfRedirectHopsDoNotLeakIntoTheFinalResponse) {
  m_server.route("/a", ServerResponse{.status = 301,
                                      .headers = {{"Location", "/b"},
                                                  {"ETag", "\"hop\""},
                                                  {"Cache-Control", "no-store"}}});
  m_server.route("/b", ServerResponse{.body = "final"});
  const Response r = get(m_server.url("/a"));
  EXPECT_EQ(r.body, "final");
  EXPECT_FALSE(r.etag);
  EXPECT_FALSE(r.cache_control);
}

TEST_F(FetchTest, SixRedirectsAreTooMany) {
  for (int i = 0; i < 6; ++i) {
    m_server.route(
        "/r" + std::to_string(i),
        ServerResponse{.status = 301, .headers = {{"Location", "/r" + std::to_string(i + 1)}}});
  }
  m_server.route("/r6", ServerResponse{.body = "never"});
  const Response r = get(m_server.url("/r0"));
  EXPECT_EQ(r.error, ErrorKind::too_many_redirects);
  EXPECT_FALSE(r.error_message.empty());
  EXPECT_FALSE(r.permanent_redirect);
  EXPECT_EQ(m_server.hits("/r6"), 0u);
}

TEST_F(FetchTest, RedirectToFtpIsABadScheme) {
  m_server.route("/ftp",
                 ServerResponse{.status = 302, .headers = {{"Location", "ftp://127.0.0.1/feed"}}});
  const Response r = get(m_server.url("/ftp"));
  EXPECT_EQ(r.error, ErrorKind::bad_scheme) << r.error_message;
}

TEST_F(FetchTest, NonHttpUrlIsABadScheme) {
  const Response r = get("file:///etc/passwd");
  EXPECT_EQ(r.error, ErrorKind::bad_scheme) << r.error_message;
  EXPECT_TRUE(r.body.empty());
}

TEST_F(FetchTest, StalledServerTimesOutWithoutHoldingUpAFastFetch) {
  m_server.route("/stall", ServerResponse{.stall = true});
  m_server.route("/fast", ServerResponse{.body = "quick", .delay = 50ms});
  Limits limits = test_limits();
  limits.timeout = 300ms;
  Fetcher& f = fetcher(limits);
  std::vector<std::string> finished;
  Response stalled, fast;
  const std::string stall_url = m_server.url("/stall");
  const std::string fast_url = m_server.url("/fast");
  auto both = [&]() -> net::awaitable<void> {
    using namespace boost::asio::experimental::awaitable_operators;
    co_await (fetch_into(f, stall_url, stalled, finished) &&
              fetch_into(f, fast_url, fast, finished));
  };
  run(both());
  ASSERT_EQ(finished, (std::vector<std::string>{fast_url, stall_url}));
  EXPECT_EQ(fast.error, ErrorKind::none) << fast.error_message;
  EXPECT_EQ(fast.body, "quick");
  EXPECT_EQ(stalled.error, ErrorKind::timeout);
  EXPECT_GE(stalled.elapsed, 290ms);
  EXPECT_LT(stalled.elapsed, 2000ms);
  EXPECT_EQ(f.active(), 0u);
}

TEST_F(FetchTest, SlowTrickleHitsTheLowSpeedLimit) {
  // 10 bytes every 100 ms is 100 B/s, under the 1000 B/s floor; the whole body would take 20 s.
  m_server.route(
      "/slow",
      ServerResponse{.body = std::string(2000, 'a'), .chunk_bytes = 10, .chunk_delay = 100ms});
  Limits limits = test_limits();
  limits.timeout = 10000ms;
  limits.low_speed_limit_bytes = 1000;
  limits.low_speed_time = std::chrono::seconds(1);
  const Response r = get(m_server.url("/slow"), limits);
  EXPECT_EQ(r.error, ErrorKind::timeout) << r.error_message;
  EXPECT_LT(r.elapsed, 3000ms);
  EXPECT_LT(r.body.size(), 2000u);
}

TEST_F(FetchTest, ContentLengthOverTheLimitIsTooLarge) {
  m_server.route("/big", ServerResponse{.body = std::string(5000, 'b')});
  Limits limits = test_limits();
  limits.max_body_bytes = 1000;
  const Response r = get(m_server.url("/big"), limits);
  EXPECT_EQ(r.error, ErrorKind::too_large) << r.error_message;
  EXPECT_EQ(r.status, 200);
  EXPECT_LE(r.body.size(), 1000u);
}

TEST_F(FetchTest, ChunkedBodyOverTheLimitStopsEarly) {
  // Sent in full, this body takes 256 chunks x 10 ms; the transfer must end near the limit.
  m_server.route("/chunked", ServerResponse{.body = std::string(4 * 1024 * 1024, 'c'),
                                            .chunk_bytes = 16 * 1024,
                                            .chunk_delay = 10ms});
  Limits limits = test_limits();
  limits.max_body_bytes = 64 * 1024;
  const Response r = get(m_server.url("/chunked"), limits);
  EXPECT_EQ(r.error, ErrorKind::too_large) << r.error_message;
  EXPECT_LE(r.body.size(), 64u * 1024u);
  EXPECT_LT(r.elapsed, 1000ms);
}

TEST_F(FetchTest, GzipBombIsTooLargeQuickly) {
  // 50 MB of zeros in about 50 KB.
  m_server.route("/bomb", ServerResponse{.headers = {{"Content-Encoding", "gzip"}},
                                         .body = fw::test::gzip_repeated('\0', 50 * 1024 * 1024)});
  Limits limits = test_limits();
  limits.max_body_bytes = 1024 * 1024;
  const Response r = get(m_server.url("/bomb"), limits);
  EXPECT_EQ(r.error, ErrorKind::too_large) << r.error_message;
  EXPECT_LE(r.body.size(), 1024u * 1024u);
  EXPECT_LT(r.elapsed, 1000ms);
}

// Under the default 16 MiB limit a bomb is stopped by what it inflates to: 1,000 times its
// compressed size where feeds compress 3 to 20 times.
TEST_F(FetchTest, GzipBombIsStoppedPastOneMebibyteWhateverTheLimit) {
  m_server.route("/bomb", ServerResponse{.headers = {{"Content-Encoding", "gzip"}},
                                         .body = fw::test::gzip_repeated(' ', 256 * 1024 * 1024)});
  const Response r = get(m_server.url("/bomb"));
  ASSERT_EQ(test_limits().max_body_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(r.error, ErrorKind::too_large) << r.error_message;
  EXPECT_NE(r.error_message.find("a decompression bomb"), std::string::npos) << r.error_message;
  // It stops once past 1 MiB at 100 times the bytes received so far, which a socket read of
  // 16 KiB (libcurl's buffer) takes to 1.6 MB.
  EXPECT_LE(r.body.size(), 2U * 1024U * 1024U);
}

// A big body that compresses as text does (here about 4 times) is read in full.
TEST_F(FetchTest, ALargeGzipBodyThatCompressesAsTextDoesIsRead) {
  std::string text = "<feed>";
  std::uint32_t x = 12345;
  while (text.size() < 8 * 1024 * 1024) {
    x = x * 1103515245U + 12345U;
    text += "<entry><title>item " + std::to_string(x % 1000003U) + "</title></entry>\n";
  }
  text += "</feed>";
  const std::string compressed = fw::test::gzip(text);
  ASSERT_GT(compressed.size() * 20, text.size()); // not more than 20 times
  m_server.route("/big.gz",
                 ServerResponse{.headers = {{"Content-Encoding", "gzip"}}, .body = compressed});
  const Response r = get(m_server.url("/big.gz"));
  EXPECT_EQ(r.error, ErrorKind::none) << r.error_message;
  EXPECT_EQ(r.body, text);
}

TEST_F(FetchTest, GzipBodyIsDecoded) {
  const std::string text = "<feed>" + std::string(10000, 'z') + "</feed>";
  m_server.route("/gz", ServerResponse{.body = text, .content_encoding = "gzip"});
  const Response r = get(m_server.url("/gz"));
  EXPECT_EQ(r.error, ErrorKind::none) << r.error_message;
  EXPECT_EQ(r.body, text);
  const auto accept = m_server.requests("/gz").at(0).header("accept-encoding");
  ASSERT_TRUE(accept);
  EXPECT_NE(accept->find("gzip"), std::string::npos);
}

TEST_F(FetchTest, TooManyRequestsReportsRetryAfterSeconds) {
  m_server.route("/busy", ServerResponse{.status = 429, .headers = {{"Retry-After", "120"}}});
  const Response r = get(m_server.url("/busy"));
  EXPECT_EQ(r.error, ErrorKind::none);
  EXPECT_EQ(r.status, 429);
  ASSERT_EQ(r.retry_after, "120");
  EXPECT_EQ(parse_retry_after(*r.retry_after, std::chrono::sys_seconds{}),
            std::chrono::seconds(120));
}

TEST_F(FetchTest, TooManyRequestsReportsRetryAfterDate) {
  m_server.route(
      "/busy",
      ServerResponse{.status = 429, .headers = {{"Retry-After", "Wed, 21 Oct 2015 07:30:00 GMT"}}});
  const Response r = get(m_server.url("/busy"));
  EXPECT_EQ(r.status, 429);
  ASSERT_EQ(r.retry_after, "Wed, 21 Oct 2015 07:30:00 GMT");
  const auto now = parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT");
  ASSERT_TRUE(now);
  EXPECT_EQ(parse_retry_after(*r.retry_after, *now), std::chrono::seconds(120));
}

TEST_F(FetchTest, RefusedConnectionIsAConnectError) {
  std::uint16_t port = 0;
  {
    // Bind, read the port, close: nothing listens there afterwards.
    net::ip::tcp::acceptor probe(m_io, net::ip::tcp::endpoint(net::ip::address_v4::loopback(), 0));
    port = probe.local_endpoint().port();
  }
  const Response r = get("http://127.0.0.1:" + std::to_string(port) + "/feed");
  EXPECT_EQ(r.error, ErrorKind::connect) << r.error_message;
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error_message.empty());
  EXPECT_EQ(r.error_message.find('\n'), std::string::npos);
}

TEST_F(FetchTest, UserAgentComesFromLimitsUnlessTheRequestSetsOne) {
  m_server.route("/ua", ServerResponse{.body = "x"});
  Limits limits = test_limits();
  limits.user_agent = "feedwire/0.1 (+https://example.invalid)";
  Fetcher& f = fetcher(limits);
  (void)run(f.fetch(Request{.url = m_server.url("/ua")}));
  (void)run(f.fetch(Request{.url = m_server.url("/ua"), .user_agent = "special/2"}));
  const auto seen = m_server.requests("/ua");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].header("user-agent"), "feedwire/0.1 (+https://example.invalid)");
  EXPECT_EQ(seen[1].header("user-agent"), "special/2");
}

TEST_F(FetchTest, ExtraRequestHeadersAreSent) {
  m_server.route("/h", ServerResponse{.body = "x"});
  Fetcher& f = fetcher();
  (void)run(
      f.fetch(Request{.url = m_server.url("/h"), .headers = {{"Accept", "application/atom+xml"}}}));
  EXPECT_EQ(m_server.requests("/h").at(0).header("accept"), "application/atom+xml");
}

TEST_F(FetchTest, TwoHundredConcurrentFetchesAllComplete) {
  // Each answer waits 20 ms: served one after another they would take 4 s.
  m_server.route("/feed", [](const RecordedRequest& req) {
    return ServerResponse{.body = "body for " + req.target, .delay = 20ms};
  });
  const auto start = std::chrono::steady_clock::now();
  Fetcher& f = fetcher();
  constexpr int k_count = 200;
  std::vector<Response> responses(k_count);
  std::vector<std::string> finished;
  for (int i = 0; i < k_count; ++i) {
    net::co_spawn(m_io,
                  fetch_into(f, m_server.url("/feed?n=" + std::to_string(i)),
                             responses[static_cast<std::size_t>(i)], finished),
                  net::detached);
  }
  EXPECT_EQ(f.active(), 0u); // nothing has started before the io_context runs
  run(sleep(0ms));
  while (finished.size() < static_cast<std::size_t>(k_count)) {
    run(sleep(10ms));
  }
  for (int i = 0; i < k_count; ++i) {
    const Response& r = responses[static_cast<std::size_t>(i)];
    EXPECT_EQ(r.error, ErrorKind::none) << i << ": " << r.error_message;
    EXPECT_EQ(r.body, "body for /feed?n=" + std::to_string(i));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);
  EXPECT_EQ(m_server.hits("/feed"), static_cast<std::size_t>(k_count));
  EXPECT_LE(m_server.connections(), static_cast<std::size_t>(k_count));

  // Afterwards, the cached connections serve new fetches.
  const std::size_t before = m_server.connections();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(run(f.fetch(Request{.url = m_server.url("/feed")})).error, ErrorKind::none);
  }
  EXPECT_EQ(m_server.connections(), before);
}

TEST_F(FetchTest, SequentialFetchesReuseOneConnection) {
  m_server.route("/feed", ServerResponse{.body = "x"});
  Fetcher& f = fetcher();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(run(f.fetch(Request{.url = m_server.url("/feed")})).body, "x");
  }
  EXPECT_EQ(m_server.hits("/feed"), 5u);
  EXPECT_EQ(m_server.connections(), 1u);
}

TEST_F(FetchTest, CancellingTheAwaitingCoroutineCancelsTheTransfer) {
  m_server.route("/stall", ServerResponse{.stall = true});
  Fetcher& f = fetcher();
  auto race = [&]() -> net::awaitable<std::variant<Response, std::monostate>> {
    using namespace boost::asio::experimental::awaitable_operators;
    Request request;
    request.url = m_server.url("/stall");
    co_return co_await (f.fetch(std::move(request)) || sleep(100ms));
  };
  const auto winner = run(race());
  EXPECT_EQ(winner.index(), 1u);
  EXPECT_EQ(f.active(), 0u);
}

TEST_F(FetchTest, CancelledTransferReportsCancelled) {
  m_server.route("/stall", ServerResponse{.stall = true});
  Fetcher& f = fetcher();
  std::future<Response> pending =
      net::co_spawn(m_io, f.fetch(Request{.url = m_server.url("/stall")}), net::use_future);
  run(sleep(50ms));
  EXPECT_EQ(f.active(), 1u);
  f.cancel_all();
  run(sleep(0ms));
  ASSERT_EQ(pending.wait_for(0s), std::future_status::ready);
  const Response r = pending.get();
  EXPECT_EQ(r.error, ErrorKind::cancelled);
  EXPECT_EQ(f.active(), 0u);
}

TEST_F(FetchTest, DestroyingTheFetcherEndsItsTransfers) {
  m_server.route("/stall", ServerResponse{.stall = true});
  Fetcher& f = fetcher();
  std::future<Response> pending =
      net::co_spawn(m_io, f.fetch(Request{.url = m_server.url("/stall")}), net::use_future);
  run(sleep(50ms));
  m_fetcher.reset();
  run(sleep(0ms));
  ASSERT_EQ(pending.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(pending.get().error, ErrorKind::cancelled);
}

} // namespace
} // namespace fw::fetch::testing
