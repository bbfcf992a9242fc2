// Hostile and broken servers, one misbehaviour per case, against feedwired's Daemon in once mode
// (tests/support's HTTP server plays the server). Each case states the outcome: the error class
// the feed's state records, whether a feed.status "failed" event goes out, and what is
// published. The slow cases use short limits ([fetch] below) so that the suite stays quick.

#include "daemon_fixture.hpp"
#include "scheduler/explanation.hpp"

#include <set>

namespace fw {
namespace {

// Quick limits: a 2 s transfer, a low-speed cut-off of 1000 bytes/s over 1 s, 1 MiB bodies,
// 3 redirects.
const std::string k_fault_limits =
    "[fetch]\nper_host_max_concurrent = 16\nper_host_min_interval_ms = 0\ntimeout_ms = 2000\n"
    "low_speed_limit_bytes = 1000\nlow_speed_time_s = 1\nmax_body_bytes = 1048576\n"
    "max_redirects = 3\n";

const std::string k_feed_body = rss({{"g1", "One"}, {"g2", "Two"}});

// A feed document of `bytes` bytes or more: items with 2000-byte titles.
std::string big_feed(std::size_t bytes) {
  std::vector<std::pair<std::string, std::string>> items;
  for (std::size_t i = 0; i <= bytes / 2000; ++i) {
    items.emplace_back("g" + std::to_string(i),
                       "Story " + std::to_string(i) + " " + std::string(2000, 'x'));
  }
  return rss(items);
}

// An HTML page announcing its feed at `href`, in <head> as blogs do.
std::string html_page(std::string_view href) {
  return "<!DOCTYPE html><html><head><title>A blog</title>"
         "<link rel=\"stylesheet\" href=\"/style.css\">"
         "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"RSS\" href=\"" +
         std::string(href) + "\"></head><body><h1>A blog</h1></body></html>";
}

struct FaultCase {
  std::string name;
  std::function<void(test::HttpServer&)> serve; // routes /f.xml (and whatever else it needs)
  std::string url_path = "/f.xml";              // or a full URL (http:// or https://)
  std::string error_prefix;                     // the feed's last_error starts with it; "" = ok
  std::size_t stories = 0;                      // story.new messages published
};

std::ostream& operator<<(std::ostream& out, const FaultCase& c) {
  return out << c.name;
}

// The raw bytes of a response head.
std::string head(std::string_view status_line, std::string_view headers = "") {
  return "HTTP/1.1 " + std::string(status_line) + "\r\n" + std::string(headers) + "\r\n";
}

std::vector<FaultCase> fault_cases() {
  std::vector<FaultCase> cases;
  const auto fixed = [](test::Response r) {
    return [r](test::HttpServer& s) { s.route("/f.xml", r); };
  };
  cases.push_back({"StallBeforeHeaders", fixed({.stall = true}), "/f.xml", "timeout"});
  cases.push_back({"StallMidBody",
                   fixed({.body = big_feed(8000), .chunk_bytes = 4000, .chunk_delay = 5000ms}),
                   "/f.xml", "timeout"});
  cases.push_back({"TrickleOneBytePerSecond",
                   fixed({.body = k_feed_body, .chunk_bytes = 1, .chunk_delay = 1000ms}), "/f.xml",
                   "timeout"});
  cases.push_back({"TruncatedChunkedBody",
                   fixed({.raw = head("200 OK", "Content-Type: application/rss+xml\r\n"
                                                "Transfer-Encoding: chunked\r\n") +
                                 "400\r\n" + k_feed_body.substr(0, 100)}),
                   "/f.xml", "protocol error"});
  cases.push_back({"ConnectionResetBeforeAnswering", fixed({.raw = "", .reset = true}), "/f.xml",
                   "protocol error"});
  cases.push_back({"ConnectionRefused", [](test::HttpServer&) {},
                   "http://127.0.0.1:" + std::to_string(test::free_tcp_port()) + "/f.xml",
                   "cannot connect"});
  // A name under .invalid (RFC 6761) never resolves; glibc asks the resolver and is told so.
  cases.push_back({"DnsFailure", [](test::HttpServer&) {}, "http://feedwire-test.invalid/f.xml",
                   "cannot resolve host"});
  cases.push_back({"TlsToAPlainHttpServer", fixed({.body = k_feed_body}), "https", "TLS error"});
  cases.push_back({"EndlessBody", fixed({.body = big_feed(3 * 1024 * 1024), .chunk_bytes = 65536}),
                   "/f.xml", "too large"});
  cases.push_back({"RedirectLoop", fixed({.status = 302, .headers = {{"Location", "/f.xml"}}}),
                   "/f.xml", "too many redirects"});
  cases.push_back({"RedirectToANonHttpScheme",
                   fixed({.status = 302, .headers = {{"Location", "ftp://127.0.0.1/f.xml"}}}),
                   "/f.xml", "redirect to a scheme other than http/https"});
  cases.push_back(
      {"InternalServerError", fixed({.status = 500, .body = "oops"}), "/f.xml", "HTTP 500"});
  cases.push_back({"Empty200", fixed({.body = ""}), "/f.xml", "not a feed"});
  cases.push_back({"HtmlPageAnnouncingNoFeed",
                   fixed({.headers = {{"Content-Type", "text/html"}},
                          .body = "<!DOCTYPE html><html><head><title>A blog</title></head>"
                                  "<body><p>No feed here.</p></body></html>"}),
                   "/f.xml", "not a feed: an HTML page"});
  cases.push_back({"HtmlPageAnnouncingAMissingFeed",
                   [](test::HttpServer& s) {
                     s.route("/f.xml", test::Response{.headers = {{"Content-Type", "text/html"}},
                                                      .body = html_page("/missing.xml")});
                   },
                   "/f.xml", "not a feed: an HTML page announcing the feed http://"});
  cases.push_back({"HugeHeaders",
                   fixed({.raw = head("200 OK", "X-Junk: " + std::string(400 * 1024, 'j') +
                                                    "\r\nContent-Length: 0\r\n")}),
                   "/f.xml", "protocol error"});
  // Misbehaviours a feed reader must shrug off: the stories still arrive.
  cases.push_back(
      {"WrongContentType",
       fixed({.headers = {{"Content-Type", "application/octet-stream"}}, .body = k_feed_body}),
       "/f.xml", "", 2});
  cases.push_back(
      {"HtmlContentTypeOnAFeed",
       fixed({.headers = {{"Content-Type", "text/html; charset=iso-8859-1"}}, .body = k_feed_body}),
       "/f.xml", "", 2});
  cases.push_back({"InvalidUtf8",
                   fixed({.headers = {{"Content-Type", "application/rss+xml; charset=utf-8"}},
                          .body = rss({{"g1", "Caf\xc3 \xff broken"}, {"g2", "Two"}})}),
                   "/f.xml", "", 2});
  cases.push_back({"LastModifiedInTheFuture",
                   fixed({.headers = {{"Last-Modified", "Fri, 01 Jan 2100 00:00:00 GMT"}},
                          .body = k_feed_body}),
                   "/f.xml", "", 2});
  cases.push_back(
      {"AChainOfPermanentRedirects",
       [](test::HttpServer& s) {
         s.route("/f.xml", test::Response{.status = 301, .headers = {{"Location", "/g.xml"}}});
         s.route("/g.xml", test::Response{.status = 301, .headers = {{"Location", "/h.xml"}}});
         s.route("/h.xml", test::Response{.body = k_feed_body});
       },
       "/f.xml", "", 2});
  return cases;
}

class FaultTest : public DaemonTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(FaultTest, OneFeedMisbehavesAndTheOtherIsServed) {
  const FaultCase& c = GetParam();
  c.serve(server);
  server.route("/healthy.xml", test::Response{.body = rss({{"h1", "Healthy"}})});
  std::string url = c.url_path;
  if (url == "https") {
    url = "https://127.0.0.1:" + std::to_string(server.port()) + "/f.xml";
  } else if (url.starts_with("/")) {
    url = server.url(url);
  }
  const auto started = Clock::now();
  const int status = run_once(
      config_text("[[feed]]\nid = \"f\"\nurl = \"" + url + "\"\n" + feed("healthy", "/healthy.xml"),
                  k_fault_limits));
  const auto took = Clock::now() - started;
  const bool fails = !c.error_prefix.empty();
  EXPECT_EQ(status, fails ? 1 : 0);
  const store::FeedState st = state_of("f");
  EXPECT_TRUE(st.last_error.starts_with(c.error_prefix)) << st.last_error;
  EXPECT_EQ(st.error_count, fails ? 1 : 0);
  EXPECT_FALSE(st.disabled);
  // A failure is announced once, with its error; a success has nothing to announce.
  const std::vector<Received> events = topics_starting("feed.status.f");
  ASSERT_EQ(events.size(), fails ? 1U : 0U);
  if (fails) {
    EXPECT_EQ(events[0].body["event"], "failed");
    EXPECT_EQ(events[0].body["error"], st.last_error);
    // The next poll backs off: basis "backoff", one interval for a first error (the retry
    // comes at the usual time in case it was a blip), and the error recorded with it.
    ASSERT_TRUE(st.next_due.has_value());
    const std::optional<scheduler::Explanation> why =
        scheduler::Explanation::from_json(st.schedule_explain);
    ASSERT_TRUE(why.has_value()) << st.schedule_explain;
    EXPECT_EQ(why->basis, "backoff");
    EXPECT_EQ(why->backoff, why->interval);
    EXPECT_EQ(why->error, st.last_error);
    EXPECT_GE(*st.next_due - why->decided_at, why->interval * 9 / 10); // jitter 0.1
  } else {
    const std::optional<scheduler::Explanation> why =
        scheduler::Explanation::from_json(st.schedule_explain);
    ASSERT_TRUE(why.has_value()) << st.schedule_explain;
    EXPECT_NE(why->basis, "backoff");
  }
  EXPECT_EQ(topics_starting("story.new.f").size(), c.stories);
  // The healthy feed is served whatever the other does, and within the limits.
  EXPECT_EQ(topics_starting("story.new.healthy").size(), 1U);
  EXPECT_EQ(state_of("healthy").error_count, 0);
  EXPECT_LT(took, 10s);
}

INSTANTIATE_TEST_SUITE_P(Servers, FaultTest, ::testing::ValuesIn(fault_cases()),
                         [](const ::testing::TestParamInfo<FaultCase>& param) {
                           return param.param.name;
                         });

// An ETag that changes on every response, over the same document: every poll is a 200, and
// still nothing is published twice.
TEST_F(DaemonTest, AnEtagThatChangesEveryTimePublishesNothingTwice) {
  std::atomic<int> n = 0;
  server.route("/f.xml", [&n](const test::RecordedRequest&) {
    return test::Response{.headers = {{"ETag", "\"v" + std::to_string(++n) + "\""}},
                          .body = k_feed_body};
  });
  const std::string config = config_text(feed("f", "/f.xml"), k_fault_limits);
  EXPECT_EQ(run_once(config), 0);
  EXPECT_EQ(run_once(config), 0);
  EXPECT_EQ(server.hits("/f.xml"), 2U);
  EXPECT_EQ(topics_starting("story.new.f").size(), 2U);
  EXPECT_EQ(state_of("f").etag, "\"v2\"");
}

// A server that answers 304 to a request without validators (it never sent any): nothing new,
// no error, and the feed is polled again later.
TEST_F(DaemonTest, A304WithoutValidatorsIsNothingNewNotAnError) {
  server.route("/f.xml", test::Response{.status = 304});
  EXPECT_EQ(run_once(config_text(feed("f", "/f.xml"), k_fault_limits)), 0);
  const store::FeedState st = state_of("f");
  EXPECT_EQ(st.error_count, 0);
  EXPECT_EQ(st.last_status, 304);
  EXPECT_TRUE(st.next_due.has_value());
  EXPECT_TRUE(topics_starting("story.").empty());
  EXPECT_TRUE(topics_starting("feed.status.").empty());
}

// An HTML page where a feed was expected (the site's address rather than its feed's): the feed
// its <link rel="alternate"> announces is read in the same poll, a feed.status "discovered"
// event names it, and from then on the feed itself is polled, not the page.
TEST_F(DaemonTest, AnHtmlPageLeadsToTheFeedItAnnounces) {
  server.route("/blog/", test::Response{.headers = {{"Content-Type", "text/html; charset=utf-8"}},
                                        .body = html_page("../feeds/blog.xml")});
  server.route("/feeds/blog.xml", test::Response{.body = k_feed_body});
  const std::string config = config_text(feed("f", "/blog/"), k_fault_limits);
  EXPECT_EQ(run_once(config), 0);
  EXPECT_EQ(topics_starting("story.new.f").size(), 2U);
  const std::vector<Received> events = topics_starting("feed.status.f");
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].body["event"], "discovered");
  EXPECT_EQ(events[0].body["url"], server.url("/feeds/blog.xml"));
  EXPECT_EQ(events[0].body["page"], server.url("/blog/"));
  store::FeedState st = state_of("f");
  EXPECT_EQ(st.url, server.url("/feeds/blog.xml"));
  EXPECT_EQ(st.moved_from, server.url("/blog/"));
  EXPECT_EQ(st.error_count, 0);

  // The next run polls the feed directly, and its stories are not new again.
  server.route("/feeds/blog.xml",
               test::Response{.body = rss({{"g1", "One"}, {"g2", "Two"}, {"g3", "Three"}})});
  received.clear();
  EXPECT_EQ(run_once(config), 0);
  EXPECT_EQ(server.hits("/blog/"), 1U);
  EXPECT_EQ(server.hits("/feeds/blog.xml"), 2U);
  const std::vector<Received> stories = topics_starting("story.new.f");
  ASSERT_EQ(stories.size(), 1U);
  EXPECT_EQ(stories[0].body["title"], "Three");
  EXPECT_TRUE(topics_starting("feed.status.f").empty());
}

// A feed that serves the same stories under new GUIDs on every poll (a CMS regenerating ids):
// feedwire notices the ids are not stable, tells the stories apart by their links, and publishes
// none of them twice.
TEST_F(DaemonTest, AFeedRepeatingItsItemsWithNewGuidsEveryPollPublishesNothingTwice) {
  std::atomic<int> poll = 0;
  const auto items = [](int n) {
    std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Churn</title>"
                      "<link>http://churn.example/</link>";
    for (int i = 0; i < 5; ++i) {
      xml += "<item><guid isPermaLink=\"false\">poll" + std::to_string(n) + "-item" +
             std::to_string(i) + "</guid><title>Story " + std::to_string(i) +
             "</title><link>http://churn.example/story/" + std::to_string(i) +
             "</link><description>Text of story " + std::to_string(i) + "</description></item>";
    }
    return xml + "</channel></rss>";
  };
  server.route("/f.xml",
               [&](const test::RecordedRequest&) { return test::Response{.body = items(++poll)}; });
  const std::string config = config_text(feed("f", "/f.xml"), k_fault_limits);
  for (int run = 0; run < 4; ++run) {
    EXPECT_EQ(run_once(config), 0);
  }
  EXPECT_EQ(server.hits("/f.xml"), 4U);
  std::set<std::string> titles;
  for (const Received& r : topics_starting("story.new.f")) {
    EXPECT_TRUE(titles.insert(r.body["title"].get<std::string>()).second) << r.body.dump();
  }
  EXPECT_EQ(titles.size(), 5U);
  EXPECT_TRUE(topics_starting("story.update.f").empty());
  EXPECT_EQ(state_of("f").error_count, 0);
}

} // namespace
} // namespace fw
