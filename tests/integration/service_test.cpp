// feedwired as systemd runs it: the notification protocol, SIGHUP reloads, the SIGTERM drain and
// the control socket, against the real binary, a real HTTP server and `feedwire ctl`.

#include "daemon_fixture.hpp"
#include "prometheus_text.hpp"
#include "publish/curve.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <set>
#include <sqlite3.h>
#include <sstream>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace fw {
namespace {

struct CtlResult {
  int status = -1; // exit status
  std::string out; // stdout
};

class ServiceTest : public DaemonTest {
protected:
  std::filesystem::path config_file() const { return state_dir().parent_path() / "feedwire.toml"; }

  void write_config(const std::string& text) const { std::ofstream(config_file()) << text; }

  // Quick schedules: every feed is polled within a second of its start and then every second.
  std::string service_config(const std::string& feeds, const std::string& extra = "") const {
    return config_text(feeds, extra + "[schedule]\ndefault_interval = 1\nmin_interval = 1\n"
                                      "adaptive = false\njitter = 0\n");
  }

  test::ChildProcess start(std::vector<std::string> extra_args = {}) const {
    std::vector<std::string> argv{FW_FEEDWIRED, "--config", config_file().string(), "--stdout"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    return test::ChildProcess(std::move(argv), test::ChildStdout::pipe);
  }

  // Reads the daemon's --stdout lines into `lines` until `done()` or the deadline.
  bool read_until(test::ChildProcess& daemon, const std::function<bool()>& done,
                  std::chrono::milliseconds limit = 15s) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() > deadline) {
        return false;
      }
      if (std::optional<std::string> line =
              daemon.read_line(std::min(deadline, Clock::now() + 100ms))) {
        lines.push_back(nlohmann::json::parse(*line));
      }
    }
    return true;
  }

  // The story.new messages read so far, by title.
  std::vector<nlohmann::json> stories(const std::string& feed_id) const {
    std::vector<nlohmann::json> out;
    for (const nlohmann::json& l : lines) {
      if (l["topic"] == "story.new." + feed_id) {
        out.push_back(l["message"]);
      }
    }
    return out;
  }

  bool has_story(const std::string& feed_id, const std::string& title) const {
    const std::vector<nlohmann::json> s = stories(feed_id);
    return std::any_of(s.begin(), s.end(),
                       [&](const nlohmann::json& m) { return m["title"] == title; });
  }

  nlohmann::json story(const std::string& feed_id, const std::string& title) const {
    for (const nlohmann::json& m : stories(feed_id)) {
      if (m["title"] == title) {
        return m;
      }
    }
    return nullptr;
  }

  // `feedwire ctl` on the control socket's default place (state_dir; no $RUNTIME_DIRECTORY here).
  CtlResult ctl(std::vector<std::string> args) const {
    std::vector<std::string> argv{FW_FEEDWIRE, "ctl", "--endpoint",
                                  "ipc://" + (state_dir() / "control.sock").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    test::ChildProcess p(std::move(argv), test::ChildStdout::pipe);
    CtlResult r;
    const auto deadline = Clock::now() + 20s;
    while (std::optional<std::string> line = p.read_line(deadline)) {
      r.out += *line + "\n";
    }
    const std::optional<int> status = p.wait_for(20s);
    r.status = status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    return r;
  }

  static std::vector<std::string> tag_names(const nlohmann::json& message) {
    std::vector<std::string> out;
    for (const nlohmann::json& t : message.value("tags", nlohmann::json::array())) {
      out.push_back(t["tag"]);
    }
    return out;
  }

  std::vector<nlohmann::json> lines;
};

// A datagram socket in the test's folder, standing in for systemd's $NOTIFY_SOCKET.
class NotifySocket {
public:
  explicit NotifySocket(const std::filesystem::path& path) : m_path(path) {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    EXPECT_EQ(::bind(m_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  }
  ~NotifySocket() { ::close(m_fd); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // Reads datagrams, appending each assignment (one per line), until `key` arrives: true, or
  // false after `limit`.
  bool read_until(std::string_view assignment, std::chrono::milliseconds limit = 15s) {
    const auto deadline = Clock::now() + limit;
    std::size_t from = m_seen.size();
    for (;;) {
      for (std::size_t i = from; i < m_seen.size(); ++i) {
        if (m_seen[i].starts_with(assignment)) {
          return true;
        }
      }
      from = m_seen.size();
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        return false;
      }
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        continue;
      }
      char buf[4096];
      const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
      if (n <= 0) {
        continue;
      }
      std::string text(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        m_seen.push_back(text.substr(start, end - start));
        start = end + 1;
      }
    }
  }

  // Where `assignment` first arrived, or SIZE_MAX.
  [[nodiscard]] std::size_t first(std::string_view assignment, std::size_t from = 0) const {
    for (std::size_t i = from; i < m_seen.size(); ++i) {
      if (m_seen[i].starts_with(assignment)) {
        return i;
      }
    }
    return SIZE_MAX;
  }

  [[nodiscard]] const std::vector<std::string>& seen() const { return m_seen; }

private:
  std::filesystem::path m_path;
  int m_fd = -1;
  std::vector<std::string> m_seen;
};

TEST_F(ServiceTest, NotifiesReadyStatusWatchdogReloadingStoppingInOrder) {
  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}})});
  write_config(service_config(feed("a", "/a.xml")));
  NotifySocket notify(state_dir().parent_path() / "notify");
  // The child inherits the environment: set it for the start only.
  ::setenv("NOTIFY_SOCKET", (state_dir().parent_path() / "notify").c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1); // WatchdogSec=0.2s: a keep-alive every 100 ms
  test::ChildProcess daemon = start();
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");

  ASSERT_TRUE(notify.read_until("READY=1"));
  ASSERT_TRUE(notify.read_until("WATCHDOG=1"));
  ASSERT_TRUE(daemon.signal(SIGHUP));
  ASSERT_TRUE(notify.read_until("RELOADING=1"));
  const std::size_t reloading = notify.first("RELOADING=1");
  ASSERT_TRUE(notify.read_until("READY=1")); // the reload is over
  ASSERT_TRUE(daemon.signal(SIGTERM));
  ASSERT_TRUE(notify.read_until("STOPPING=1"));
  const std::optional<int> status = daemon.wait_for(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);

  std::string all;
  for (const std::string& s : notify.seen()) {
    all += s + " | ";
  }
  const std::size_t ready = notify.first("READY=1");
  const std::size_t status_line = notify.first("STATUS=");
  const std::size_t watchdog = notify.first("WATCHDOG=1");
  const std::size_t stopping = notify.first("STOPPING=1");
  EXPECT_LT(ready, status_line) << all;
  EXPECT_LT(status_line, watchdog) << all;
  EXPECT_LT(watchdog, reloading) << all;
  EXPECT_LT(reloading, notify.first("READY=1", reloading)) << all;
  EXPECT_LT(notify.first("READY=1", reloading), stopping) << all;
  // "1 feeds, 0 failing, 0 paused, 0.0 stories/min" (std::regex trips GCC 12's warnings under
  // the sanitizers).
  const std::string& status_text = notify.seen()[status_line];
  EXPECT_TRUE(status_text.starts_with("STATUS=1 feeds, 0 failing, 0 paused, ") &&
              status_text.ends_with(" stories/min"))
      << status_text;
  // MONOTONIC_USEC comes with RELOADING=1 (systemd 253+ requires it).
  EXPECT_TRUE(notify.seen()[reloading + 1].starts_with("MONOTONIC_USEC=")) << all;
}

TEST_F(ServiceTest, ReloadAddsRemovesAndChangesFeedsAndPluginsAndKeepsStateAndBadConfigs) {
  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}})});
  server.route("/b.xml", test::Response{200, {}, rss({{"b1", "Bravo one"}})});
  server.route("/c.xml", test::Response{200, {}, rss({{"c1", "Charlie one"}})});
  write_config(service_config(feed("a", "/a.xml") + feed("b", "/b.xml")));
  test::ChildProcess daemon = start();
  ASSERT_TRUE(read_until(
      daemon, [&] { return has_story("a", "Alpha one") && has_story("b", "Bravo one"); }));
  EXPECT_TRUE(tag_names(story("a", "Alpha one")).empty());

  // v2: b goes, c comes, a gets tags, and the example plugin tags everything as a long read.
  const std::string plugin = "[[plugin]]\nname = \"example\"\nconfig = { long_read_words = 1 }\n";
  write_config(service_config(feed("a", "/a.xml") + "tags = [\"changed\"]\n" + feed("c", "/c.xml") +
                              plugin));
  const CtlResult reloaded = ctl({"reload"});
  EXPECT_EQ(reloaded.status, 0) << reloaded.out;
  EXPECT_NE(reloaded.out.find("feeds_added=1 feeds_removed=1 feeds_changed=1 plugins=reloaded"),
            std::string::npos)
      << reloaded.out;
  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}, {"a2", "Alpha two"}})});
  server.route("/b.xml", test::Response{200, {}, rss({{"b1", "Bravo one"}, {"b2", "Bravo two"}})});
  ASSERT_TRUE(read_until(
      daemon, [&] { return has_story("c", "Charlie one") && has_story("a", "Alpha two"); }));
  EXPECT_EQ(tag_names(story("c", "Charlie one")), std::vector<std::string>{"long-read"});
  const std::vector<std::string> a2_tags = tag_names(story("a", "Alpha two"));
  EXPECT_NE(std::find(a2_tags.begin(), a2_tags.end(), "changed"), a2_tags.end());
  EXPECT_NE(std::find(a2_tags.begin(), a2_tags.end(), "long-read"), a2_tags.end());
  // a kept its state: its first story is not new again.
  EXPECT_EQ(stories("a").size(), 2U);
  const CtlResult listed = ctl({"feeds"});
  EXPECT_EQ(listed.status, 0);
  EXPECT_NE(listed.out.find("\na "), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("\nc "), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("\nb "), std::string::npos) << listed.out;

  // v3: the plugin's config changes (nothing is long enough now); SIGHUP this time.
  write_config(
      service_config(feed("a", "/a.xml") + "tags = [\"changed\"]\n" + feed("c", "/c.xml") +
                     "[[plugin]]\nname = \"example\"\nconfig = { long_read_words = 100000 }\n"));
  ASSERT_TRUE(daemon.signal(SIGHUP));
  // The reload is done when ctl answers (it queues behind it on the io thread).
  EXPECT_EQ(ctl({"status"}).status, 0);
  server.route("/c.xml",
               test::Response{200, {}, rss({{"c1", "Charlie one"}, {"c2", "Charlie two"}})});
  ASSERT_TRUE(read_until(daemon, [&] { return has_story("c", "Charlie two"); }));
  EXPECT_TRUE(tag_names(story("c", "Charlie two")).empty());
  EXPECT_TRUE(story("c", "Charlie two")["attrs"].contains("example.words"));

  // Invalid configs change nothing: a TOML error, then a plugin that does not exist.
  write_config("[[feed]]\nid = \n");
  CtlResult refused = ctl({"reload"});
  EXPECT_EQ(refused.status, 1);
  ASSERT_TRUE(daemon.signal(SIGHUP)); // the same through the signal
  EXPECT_EQ(ctl({"status"}).status, 0);
  write_config(service_config(feed("a", "/a.xml") + "[[plugin]]\nname = \"no-such-plugin\"\n"));
  refused = ctl({"reload"});
  EXPECT_EQ(refused.status, 1);
  server.route(
      "/a.xml",
      test::Response{
          200, {}, rss({{"a1", "Alpha one"}, {"a2", "Alpha two"}, {"a3", "Alpha three"}})});
  ASSERT_TRUE(read_until(daemon, [&] { return has_story("a", "Alpha three"); }));
  const std::vector<std::string> a3_tags = tag_names(story("a", "Alpha three"));
  EXPECT_EQ(a3_tags, std::vector<std::string>{"changed"}); // v3's feed tags, v3's plugin
  EXPECT_FALSE(has_story("b", "Bravo two"));
  EXPECT_TRUE(story("a", "Alpha three")["attrs"].contains("example.words"));

  // v4: the plugin goes.
  write_config(
      service_config(feed("a", "/a.xml") + "tags = [\"changed\"]\n" + feed("c", "/c.xml")));
  const CtlResult removed = ctl({"reload"});
  EXPECT_EQ(removed.status, 0);
  EXPECT_NE(removed.out.find("feeds_changed=0 plugins=reloaded"), std::string::npos) << removed.out;
  server.route("/a.xml", test::Response{200,
                                        {},
                                        rss({{"a1", "Alpha one"},
                                             {"a2", "Alpha two"},
                                             {"a3", "Alpha three"},
                                             {"a4", "Alpha four"}})});
  ASSERT_TRUE(read_until(daemon, [&] { return has_story("a", "Alpha four"); }));
  EXPECT_FALSE(story("a", "Alpha four").contains("attrs"));
  EXPECT_EQ(stories("a").size(), 4U); // each once, across four reloads

  const std::optional<int> status = daemon.stop(SIGTERM, 10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

TEST_F(ServiceTest, ControlSocketPausesResumesPollsAndExplains) {
  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}})});
  write_config(config_text(feed("a", "/a.xml"))); // the default 15-minute interval
  test::ChildProcess daemon = start();
  const std::filesystem::path socket = state_dir() / "control.sock";
  const auto bound = Clock::now() + 10s;
  while (!std::filesystem::exists(socket) && Clock::now() < bound) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(std::filesystem::exists(socket));
  // Its first poll would come within a minute: `poll` asks for it now.
  EXPECT_EQ(ctl({"poll", "a"}).status, 0);
  ASSERT_TRUE(read_until(
      daemon, [&] { return has_story("a", "Alpha one"); }, 5s));
  EXPECT_EQ(std::filesystem::status(socket).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  // With --config, ctl finds the socket from the config.
  test::ChildProcess by_config({FW_FEEDWIRE, "ctl", "--config", config_file().string(), "status"},
                               test::ChildStdout::pipe);
  std::string status_out;
  while (std::optional<std::string> line = by_config.read_line(Clock::now() + 10s)) {
    status_out += *line + "\n";
  }
  const std::optional<int> by_config_status = by_config.wait_for(10s);
  ASSERT_TRUE(by_config_status.has_value());
  EXPECT_EQ(WEXITSTATUS(*by_config_status), 0) << status_out;
  CtlResult r = ctl({"status"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("1 feeds, 0 failing, 0 paused"), std::string::npos) << r.out;
  r = ctl({"--json", "feed", "a", "--explain"});
  ASSERT_EQ(r.status, 0) << r.out;
  const nlohmann::json a = nlohmann::json::parse(r.out);
  EXPECT_EQ(a["state"], "ok");
  EXPECT_EQ(a["explain"]["interval_s"], 900);

  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}, {"a2", "Alpha two"}})});
  EXPECT_EQ(ctl({"pause", "a"}).status, 0);
  EXPECT_EQ(ctl({"poll", "a"}).status, 1); // paused: resume first
  EXPECT_NE(ctl({"feeds"}).out.find("paused"), std::string::npos);
  EXPECT_EQ(ctl({"resume", "a"}).status, 0);
  EXPECT_EQ(ctl({"poll", "a"}).status, 0); // now, not in 15 minutes
  ASSERT_TRUE(read_until(
      daemon, [&] { return has_story("a", "Alpha two"); }, 5s));
  EXPECT_EQ(ctl({"poll", "nope"}).status, 1);
  EXPECT_EQ(ctl({"frobnicate"}).status, 2);

  const std::optional<int> status = daemon.stop(SIGTERM, 10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_EQ(ctl({"--timeout", "300", "status"}).status, 3); // nobody answers
}

// Runs `feedwire ARGS...`: its exit status.
int run_feedwire(std::vector<std::string> args) {
  args.insert(args.begin(), FW_FEEDWIRE);
  test::ChildProcess p(std::move(args), test::ChildStdout::pipe);
  while (p.read_line(Clock::now() + 20s)) {
  }
  const std::optional<int> status = p.wait_for(20s);
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

// A SUB socket subscribed to story.new. with the given CURVE keys (none: plain ZeroMQ).
zmq::socket_t subscriber(zmq::context_t& context, const std::string& endpoint,
                         const std::optional<publish::CurveClient>& curve) {
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::rcvtimeo, 100);
  if (curve) {
    publish::make_curve_client(sub, curve->server_public_key, curve->client_keys);
  }
  sub.set(zmq::sockopt::subscribe, "story.new.");
  sub.connect(endpoint);
  return sub;
}

// Titles received on `sub` until `limit`.
std::set<std::string> titles_on(zmq::socket_t& sub, std::chrono::milliseconds limit) {
  std::set<std::string> titles;
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    zmq::message_t topic;
    if (!sub.recv(topic)) {
      continue;
    }
    zmq::message_t body;
    EXPECT_TRUE(sub.recv(body));
    titles.insert(nlohmann::json::parse(body.to_string())["title"].get<std::string>());
  }
  return titles;
}

// [security] keys from `feedwire keygen`: the allowed client gets the stories and the control
// socket's answers; a client with another key, or without CURVE, gets neither.
TEST_F(ServiceTest, CurveLetsOnlyTheAllowedClientSubscribeAndControl) {
  const std::filesystem::path dir = state_dir().parent_path();
  ASSERT_EQ(run_feedwire({"keygen", "--out", (dir / "server").string()}), 0);
  ASSERT_EQ(run_feedwire({"keygen", "--out", (dir / "client").string()}), 0);
  ASSERT_EQ(run_feedwire({"keygen", "--out", (dir / "stranger").string()}), 0);
  EXPECT_NE(run_feedwire({"keygen", "--out", (dir / "client").string()}), 0); // never replaced
  std::ofstream(dir / "allowed") << "# the one client\n"
                                 << publish::read_public_key((dir / "client.pub").string())
                                 << " client\n";
  const std::string pub = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}})});
  write_config(service_config(feed("a", "/a.xml"),
                              "[publish]\nendpoints = [\"" + pub +
                                  "\"]\nreplay_endpoint = \"ipc://" + (dir / "replay").string() +
                                  "\"\n[security]\ncurve_secret_key_file = \"server.key\"\n" +
                                  "curve_allowed_clients_file = \"allowed\"\n"));
  test::ChildProcess daemon = start();

  const std::string server_pub = publish::read_public_key((dir / "server.pub").string());
  zmq::context_t context;
  zmq::socket_t allowed = subscriber(
      context, pub, publish::CurveClient{server_pub, publish::read_key_file(dir / "client.key")});
  zmq::socket_t stranger = subscriber(
      context, pub, publish::CurveClient{server_pub, publish::read_key_file(dir / "stranger.key")});
  zmq::socket_t plain = subscriber(context, pub, std::nullopt);
  ASSERT_TRUE(read_until(daemon, [&] { return has_story("a", "Alpha one"); }));
  std::this_thread::sleep_for(500ms); // the handshakes are long done
  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}, {"a2", "Alpha two"}})});
  ASSERT_TRUE(read_until(daemon, [&] { return has_story("a", "Alpha two"); }));
  EXPECT_TRUE(titles_on(allowed, 2s).contains("Alpha two"));
  EXPECT_TRUE(titles_on(stranger, 500ms).empty());
  EXPECT_TRUE(titles_on(plain, 500ms).empty());

  const std::string endpoint = "ipc://" + (state_dir() / "control.sock").string();
  EXPECT_EQ(
      run_feedwire({"ctl", "--endpoint", endpoint, "--server-key", (dir / "server.pub").string(),
                    "--client-key", (dir / "client.key").string(), "status"}),
      0);
  EXPECT_EQ(run_feedwire({"ctl", "--endpoint", endpoint, "--timeout", "1000", "status"}), 3);
  EXPECT_EQ(run_feedwire({"ctl", "--endpoint", endpoint, "--timeout", "1000", "--server-key",
                          (dir / "server.pub").string(), "--client-key",
                          (dir / "stranger.key").string(), "status"}),
            3);

  const std::optional<int> status = daemon.stop(SIGTERM, 10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

struct HttpAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};

// GET http://127.0.0.1:PORT/PATH with a plain socket, Connection: close.
HttpAnswer http_get(std::uint16_t port, const std::string& path) {
  HttpAnswer answer;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return answer;
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string raw;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || head_end == std::string::npos) {
    return answer;
  }
  answer.status = std::stoi(raw.substr(9, 3));
  const std::string head = raw.substr(0, head_end);
  const std::size_t ct = head.find("Content-Type: ");
  if (ct != std::string::npos) {
    answer.content_type = head.substr(ct + 14, head.find("\r\n", ct) - ct - 14);
  }
  answer.body = raw.substr(head_end + 4);
  return answer;
}

// The sum of a counter's samples with these labels (any others).
double value_of(const test::prometheus::Document& doc, std::string_view name,
                const test::prometheus::Labels& labels = {}) {
  return doc.value(name, labels).value_or(-1);
}

// /metrics parses as the Prometheus text format with a strict parser, and its counters follow
// the traffic; /healthz and /readyz answer, /readyz turning 503 once every feed fails.
TEST_F(ServiceTest, MetricsParseAsPrometheusTextAndFollowTheTraffic) {
  const std::uint16_t port = test::free_tcp_port();
  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}})});
  server.route("/b.xml", test::Response{404, {}, "no such feed"});
  write_config(
      service_config(feed("a", "/a.xml") + feed("b", "/b.xml") + "[[plugin]]\nname = \"example\"\n",
                     "[service]\nmetrics_listen = \"127.0.0.1:" + std::to_string(port) + "\"\n"));
  test::ChildProcess daemon = start();
  ASSERT_TRUE(read_until(daemon, [&] { return has_story("a", "Alpha one"); }));
  std::this_thread::sleep_for(1200ms); // the feed gauges refresh every second

  const auto scrape = [&] {
    const HttpAnswer a = http_get(port, "/metrics");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.content_type, "text/plain; version=0.0.4; charset=utf-8");
    try {
      return test::prometheus::parse(a.body);
    } catch (const test::prometheus::ParseError& e) {
      ADD_FAILURE() << "line " << e.line() << ": " << e.what() << "\n" << a.body;
      return test::prometheus::Document{};
    }
  };
  const test::prometheus::Document first = scrape();
  ASSERT_NE(first.family("feedwire_polls_total"), nullptr);
  EXPECT_EQ(first.family("feedwire_polls_total")->type, test::prometheus::Type::counter);
  EXPECT_GE(value_of(first, "feedwire_polls_total", {{"outcome", "fetched"}}), 1);
  EXPECT_GE(value_of(first, "feedwire_polls_total", {{"outcome", "http_error"}}), 1);
  EXPECT_EQ(value_of(first, "feedwire_stories_total", {{"kind", "new"}}), 1);
  EXPECT_GE(value_of(first, "feedwire_plugin_calls_total", {{"plugin", "example"}}), 1);
  EXPECT_GE(value_of(first, "feedwire_plugin_call_duration_seconds_count", {{"plugin", "example"}}),
            1);
  EXPECT_EQ(first.family("feedwire_plugin_call_duration_seconds")->type,
            test::prometheus::Type::histogram);
  EXPECT_GT(value_of(first, "feedwire_fetch_body_bytes_total"), 0);
  EXPECT_EQ(value_of(first, "feedwire_feeds", {{"state", "failing"}}), 1);
  EXPECT_GE(value_of(first, "feedwire_last_seq"), 1);
  EXPECT_GE(value_of(first, "feedwire_publish_queue_depth"), 0);
  EXPECT_GE(value_of(first, "feedwire_journal_lag_messages"), 0);
  EXPECT_EQ(http_get(port, "/healthz").status, 200);
  EXPECT_EQ(http_get(port, "/readyz").status, 200); // one of two feeds fails: still ready

  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}, {"a2", "Alpha two"}})});
  ASSERT_TRUE(read_until(daemon, [&] { return has_story("a", "Alpha two"); }));
  const test::prometheus::Document second = scrape();
  EXPECT_EQ(value_of(second, "feedwire_stories_total", {{"kind", "new"}}), 2);
  EXPECT_GT(value_of(second, "feedwire_polls_total", {{"outcome", "fetched"}}),
            value_of(first, "feedwire_polls_total", {{"outcome", "fetched"}}));
  EXPECT_GT(value_of(second, "feedwire_plugin_calls_total", {{"plugin", "example"}}),
            value_of(first, "feedwire_plugin_calls_total", {{"plugin", "example"}}));
  EXPECT_GT(value_of(second, "feedwire_fetch_duration_seconds_count"),
            value_of(first, "feedwire_fetch_duration_seconds_count"));

  server.route("/a.xml", test::Response{500, {}, "down"});
  const auto deadline = Clock::now() + 15s;
  HttpAnswer ready;
  while (Clock::now() < deadline && (ready = http_get(port, "/readyz")).status != 503) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("all 2 feeds are failing"), std::string::npos) << ready.body;
  EXPECT_EQ(http_get(port, "/healthz").status, 200); // alive all the same

  const std::optional<int> status = daemon.stop(SIGTERM, 10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

// Runs a program: its exit status and stdout.
CtlResult run_program(std::vector<std::string> argv) {
  test::ChildProcess p(std::move(argv), test::ChildStdout::pipe);
  CtlResult r;
  while (std::optional<std::string> line = p.read_line(Clock::now() + 20s)) {
    r.out += *line + "\n";
  }
  const std::optional<int> status = p.wait_for(20s);
  r.status = status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  return r;
}

// Every command `feedwire --help` lists has a --help of its own, and feedwired's names every
// option, signal and variable it reacts to.
TEST(Help, EveryCommandAndOptionIsDescribed) {
  const CtlResult top = run_program({FW_FEEDWIRE, "--help"});
  ASSERT_EQ(top.status, 0);
  std::istringstream lines(top.out.substr(top.out.find("commands:")));
  std::string line;
  std::getline(lines, line);
  std::vector<std::string> commands;
  while (std::getline(lines, line) && line.starts_with("  ")) {
    commands.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  EXPECT_GE(commands.size(), 10U) << top.out;
  for (const std::string& c : commands) {
    if (c == "version") {
      continue;
    }
    const CtlResult help = run_program({FW_FEEDWIRE, c, "--help"});
    EXPECT_EQ(help.status, 0) << c;
    EXPECT_TRUE(help.out.starts_with("usage: feedwire " + c)) << c << ":\n" << help.out;
  }
  const CtlResult daemon = run_program({FW_FEEDWIRED, "--help"});
  EXPECT_EQ(daemon.status, 0);
  for (const char* word : {"--config", "--check-config", "--once", "--stdout", "--log-level",
                           "--version", "SIGHUP", "SIGTERM", "FEEDWIRE_CONFIG", "NOTIFY_SOCKET",
                           "WATCHDOG_USEC", "RUNTIME_DIRECTORY", "JOURNAL_STREAM"}) {
    EXPECT_NE(daemon.out.find(word), std::string::npos) << word;
  }
}

// SIGTERM while 100 fetches are in flight: the 90 that answer within the drain timeout (the
// default, 8 s) are stored and published, the 10 that stall are cancelled when it ends, and
// feedwired exits 0 within 10 s. The next run publishes exactly the 10 it missed: nothing lost,
// nothing twice.
TEST_F(ServiceTest, SigtermDrainsOneHundredFetchesAndLosesNothing) {
  constexpr int k_feeds = 100;
  constexpr int k_stalled = 10;
  std::string feeds;
  for (int i = 0; i < k_feeds; ++i) {
    const std::string path = "/f" + std::to_string(i) + ".xml";
    test::Response r{200, {}, rss({{"s" + std::to_string(i), "Story " + std::to_string(i)}})};
    if (i < k_stalled) {
      r.stall = true;
    } else {
      r.delay = 1500ms;
    }
    server.route(path, r);
    feeds += feed("f" + std::to_string(i), path);
  }
  write_config(service_config(feeds, "[fetch]\nmax_concurrent = 128\nper_host_max_concurrent = "
                                     "128\nper_host_min_interval_ms = 0\ntimeout_ms = 60000\n"));
  test::ChildProcess daemon = start();
  const auto all_asked = Clock::now() + 15s;
  while (server.requests().size() < k_feeds && Clock::now() < all_asked) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(server.requests().size(), static_cast<std::size_t>(k_feeds));
  const auto stop_at = Clock::now();
  ASSERT_TRUE(daemon.signal(SIGTERM));
  // Read stdout while it drains, so that a full pipe never holds it up.
  read_until(
      daemon, [] { return false; }, 3s);
  std::optional<int> status;
  while (!(status = daemon.wait_for(10ms)) && Clock::now() - stop_at < 12s) {
    read_until(
        daemon, [] { return false; }, 50ms);
  }
  const auto took = Clock::now() - stop_at;
  while (std::optional<std::string> line = daemon.read_line(Clock::now() + 500ms)) {
    lines.push_back(nlohmann::json::parse(*line));
  }
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_LT(took, 10s);
  std::cout << "SIGTERM to exit: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";

  std::multiset<std::string> titles;
  for (int i = 0; i < k_feeds; ++i) {
    for (const nlohmann::json& m : stories("f" + std::to_string(i))) {
      titles.insert(m["title"].get<std::string>());
    }
  }
  EXPECT_EQ(titles.size(), static_cast<std::size_t>(k_feeds - k_stalled));

  for (int i = 0; i < k_stalled; ++i) {
    server.route(
        "/f" + std::to_string(i) + ".xml",
        test::Response{200, {}, rss({{"s" + std::to_string(i), "Story " + std::to_string(i)}})});
  }
  lines.clear();
  test::ChildProcess again = start({"--once"});
  while (std::optional<std::string> line = again.read_line(Clock::now() + 30s)) {
    lines.push_back(nlohmann::json::parse(*line));
  }
  ASSERT_TRUE(again.wait_for(10s).has_value());
  for (int i = 0; i < k_feeds; ++i) {
    for (const nlohmann::json& m : stories("f" + std::to_string(i))) {
      titles.insert(m["title"].get<std::string>());
    }
  }
  EXPECT_EQ(titles.size(), static_cast<std::size_t>(k_feeds));
  for (int i = 0; i < k_feeds; ++i) {
    EXPECT_EQ(titles.count("Story " + std::to_string(i)), 1U) << i;
  }
}

// A tmpfs of `megabytes` mounted on `dir` for the life of the object (mounting needs root, as
// CI runs; elsewhere mounted() is false and the test says it was skipped).
class SmallDisk {
public:
  SmallDisk(const std::filesystem::path& dir, int megabytes) : m_dir(dir) {
    std::filesystem::create_directories(dir);
    const std::string options = "size=" + std::to_string(megabytes) + "m,mode=0700";
    m_mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (m_mounted) {
      ::umount2(m_dir.c_str(), MNT_DETACH);
    }
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  [[nodiscard]] bool mounted() const { return m_mounted; }

  // Writes a file until the disk is full (ENOSPC); returns its size.
  std::size_t fill(const std::filesystem::path& file) const {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const std::string block(64 * 1024, 'x');
    std::size_t written = 0;
    for (ssize_t n; (n = ::write(fd, block.data(), block.size())) > 0;) {
      written += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return written;
  }

private:
  std::filesystem::path m_dir;
  bool m_mounted = false;
};

// The state directory on a small tmpfs fills up while a feed brings 200 new stories: the daemon
// keeps running, polls nothing more (rather than fetch stories it could not keep), and reports it
// on /readyz and /metrics. Once space returns, it polls the feed again and publishes each of the
// 200 stories once.
TEST_F(ServiceTest, AFullDiskStopsPollingLosesNothingAndRecovers) {
  SmallDisk disk(state_dir(), 8);
  if (!disk.mounted()) {
    GTEST_SKIP() << "mounting a tmpfs needs root (CI runs as root)";
  }
  const std::uint16_t port = test::free_tcp_port();
  server.route("/a.xml", test::Response{200, {}, rss({{"a0", "Story zero"}})});
  write_config(service_config(feed("a", "/a.xml"), "[service]\nmetrics_listen = \"127.0.0.1:" +
                                                       std::to_string(port) + "\"\n"));
  test::ChildProcess daemon = start();
  ASSERT_TRUE(read_until(daemon, [&] { return has_story("a", "Story zero"); }));

  const std::size_t filler = disk.fill(state_dir() / "filler");
  ASSERT_GT(filler, 0U);
  std::vector<std::pair<std::string, std::string>> items{{"a0", "Story zero"}};
  for (int i = 1; i <= 200; ++i) {
    items.emplace_back("a" + std::to_string(i),
                       "Story " + std::to_string(i) + " " + std::string(2000, 'y'));
  }
  server.route("/a.xml", test::Response{200, {}, rss(items)});

  // The commit fails: not ready, the failure counted, the store not writable.
  const auto deadline = Clock::now() + 15s;
  HttpAnswer ready;
  while (Clock::now() < deadline && (ready = http_get(port, "/readyz")).status != 503) {
    read_until(
        daemon, [] { return false; }, 100ms);
  }
  ASSERT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("refuses writes"), std::string::npos) << ready.body;
  const test::prometheus::Document during =
      test::prometheus::parse(http_get(port, "/metrics").body);
  EXPECT_GE(value_of(during, "feedwire_store_commit_failures_total"), 1);
  EXPECT_EQ(value_of(during, "feedwire_store_writable"), 0);
  // No poll starts while the disk is full (one in flight may still end), and nothing goes out.
  const std::size_t hits = server.hits("/a.xml");
  read_until(
      daemon, [] { return false; }, 3s);
  EXPECT_LE(server.hits("/a.xml"), hits + 1);
  EXPECT_EQ(stories("a").size(), 1U);
  EXPECT_EQ(http_get(port, "/healthz").status, 200);

  std::filesystem::remove(state_dir() / "filler");
  ASSERT_TRUE(read_until(
      daemon, [&] { return stories("a").size() >= 201; }, 20s))
      << stories("a").size() << " stories";
  read_until(
      daemon, [] { return false; }, 1500ms); // a second copy would arrive by now
  std::set<std::string> titles;
  for (const nlohmann::json& m : stories("a")) {
    EXPECT_TRUE(titles.insert(m["title"].get<std::string>()).second) << m["title"];
  }
  EXPECT_EQ(titles.size(), 201U);
  for (const nlohmann::json& l : lines) {
    EXPECT_NE(l["topic"].get<std::string>().rfind("story.dup.", 0), 0U) << l.dump();
  }
  EXPECT_EQ(http_get(port, "/readyz").status, 200);
  const test::prometheus::Document after = test::prometheus::parse(http_get(port, "/metrics").body);
  EXPECT_EQ(value_of(after, "feedwire_store_writable"), 1);

  const std::optional<int> status = daemon.stop(SIGTERM, 10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

// Overwrites `count` pages of 4 KiB of `file`, from page `first` on, with junk.
void damage_pages(const std::filesystem::path& file, std::size_t first, std::size_t count) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(first * 4096));
  const std::string junk(count * 4096, '\xab');
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

// The page numbers of `table`'s leaf pages, from SQLite's dbstat table.
std::vector<std::size_t> leaf_pages(const std::filesystem::path& db, const std::string& table) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  const std::unique_ptr<sqlite3, int (*)(sqlite3*)> conn(raw, sqlite3_close_v2);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(raw,
                               "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' "
                               "ORDER BY pageno",
                               -1, &stmt, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(raw);
  sqlite3_bind_text(stmt, 1, table.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<std::size_t> pages;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    pages.push_back(static_cast<std::size_t>(sqlite3_column_int64(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  return pages;
}

// The rows `feedwire state repair` printed as saved for `table`.
std::size_t saved_rows(const std::string& repair_output, const std::string& table) {
  std::istringstream in(repair_output);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(table + " ")) {
      return std::stoul(line.substr(table.size()));
    }
  }
  ADD_FAILURE() << table << " not in:\n" << repair_output;
  return 0;
}

// The highest seq among the messages read.
std::int64_t max_seq(const std::vector<nlohmann::json>& lines) {
  std::int64_t top = 0;
  for (const nlohmann::json& l : lines) {
    top = std::max<std::int64_t>(top, l["message"].value("seq", std::int64_t{0}));
  }
  return top;
}

// A state file damaged in the middle: feedwired refuses to start and says what to do;
// `feedwire state check` names the damage and what can be read; `feedwire state repair` (refused
// while a feedwired holds the file) saves the rest, and the next run goes on from it: the seq
// never goes back, and only the stories whose seen rows were lost are published again.
TEST_F(ServiceTest, ADamagedStateFileIsReportedAndRepairSavesWhatCanBeRead) {
  std::vector<std::pair<std::string, std::string>> items;
  for (int i = 0; i < 400; ++i) {
    items.emplace_back("s" + std::to_string(i), "Story " + std::to_string(i));
  }
  server.route("/a.xml", test::Response{200, {}, rss(items)});
  write_config(service_config(feed("a", "/a.xml")));
  const std::string daemon_cmd = std::string("exec ") + FW_FEEDWIRED + " --config " +
                                 config_file().string() + " --once --stdout 2>&1";
  const auto run_daemon = [&] { return run_program({"/bin/sh", "-c", daemon_cmd}); };
  const auto state = [&](const std::string& action) {
    return run_program({FW_FEEDWIRE, "state", action, "--config", config_file().string()});
  };
  CtlResult first = run_daemon();
  ASSERT_EQ(first.status, 0) << first.out;
  const std::filesystem::path db = state_dir() / "feedwire.db";
  ASSERT_FALSE(std::filesystem::exists(state_dir() / "feedwire.db-wal"));
  EXPECT_EQ(state("check").status, 0);

  // A running feedwired holds the file: repair refuses and changes nothing.
  {
    write_config(service_config(feed("a", "/a.xml")));
    test::ChildProcess running = start();
    std::this_thread::sleep_for(1s);
    const CtlResult refused = state("repair");
    EXPECT_EQ(refused.status, 1) << refused.out;
    ASSERT_TRUE(running.stop(SIGTERM, 10s).has_value());
  }

  // One leaf page of the seen set and one of the journal (page n is at offset (n - 1) * 4096).
  const std::vector<std::size_t> seen_leaves = leaf_pages(db, "seen");
  const std::vector<std::size_t> journal_leaves = leaf_pages(db, "journal");
  ASSERT_GE(seen_leaves.size(), 3U);
  ASSERT_GE(journal_leaves.size(), 3U);
  damage_pages(db, seen_leaves[1] - 1, 1);
  damage_pages(db, journal_leaves[1] - 1, 1);
  const CtlResult refused = run_daemon();
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.out.find("feedwire state check"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find(db.string()), std::string::npos) << refused.out;

  const CtlResult check = state("check");
  EXPECT_EQ(check.status, 1) << check.out;
  EXPECT_NE(check.out.find("problem"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("feedwire state repair"), std::string::npos) << check.out;
  std::cout << check.out;

  const CtlResult repaired = state("repair");
  ASSERT_EQ(repaired.status, 0) << repaired.out;
  EXPECT_NE(repaired.out.find("kept as"), std::string::npos) << repaired.out;
  std::cout << repaired.out;
  std::size_t kept = 0;
  for (const auto& entry : std::filesystem::directory_iterator(state_dir())) {
    const std::string name = entry.path().filename().string();
    kept += name.starts_with("feedwire.db.damaged-") && !name.ends_with("-wal") &&
                    !name.ends_with("-shm")
                ? 1
                : 0;
  }
  EXPECT_EQ(kept, 1U);
  EXPECT_EQ(state("check").status, 0);

  // Since the damage: every story known to be seen stays quiet, and the seq goes on.
  std::vector<nlohmann::json> before;
  for (std::istringstream in(first.out); std::getline(in, first.out);) {
    if (first.out.starts_with("{")) {
      before.push_back(nlohmann::json::parse(first.out));
    }
  }
  ASSERT_EQ(before.size(), 400U);
  const CtlResult again = run_daemon();
  EXPECT_EQ(again.status, 0) << again.out;
  std::vector<nlohmann::json> after;
  for (std::istringstream in(again.out); std::getline(in, first.out);) {
    if (first.out.starts_with("{")) {
      after.push_back(nlohmann::json::parse(first.out));
    }
  }
  // Exactly the stories whose seen rows were on the damaged page come again.
  const std::size_t seen_saved = saved_rows(repaired.out, "seen");
  EXPECT_LT(seen_saved, 400U);
  EXPECT_GT(seen_saved, 0U);
  EXPECT_LT(saved_rows(repaired.out, "journal"), before.size());
  EXPECT_EQ(after.size(), 400U - seen_saved);
  for (const nlohmann::json& l : after) {
    EXPECT_GT(l["message"]["seq"].get<std::int64_t>(), max_seq(before)) << l.dump();
  }
  std::size_t as_new = 0;
  for (const nlohmann::json& l : after) {
    as_new += l["topic"] == "story.new.a" ? 1 : 0;
  }
  std::cout << "republished after repair: " << after.size() << " of 400 (" << as_new
            << " as story.new)\n";
}

// A file that is not a database at all: a clear error at start, and `state check` says so.
TEST_F(ServiceTest, AStateFileThatIsNotADatabaseIsNamedAtStart) {
  server.route("/a.xml", test::Response{200, {}, rss({{"a1", "Alpha one"}})});
  write_config(service_config(feed("a", "/a.xml")));
  std::filesystem::create_directories(state_dir());
  std::ofstream(state_dir() / "feedwire.db") << std::string(8192, 'z');
  const CtlResult refused = run_program({"/bin/sh", "-c",
                                         std::string("exec ") + FW_FEEDWIRED + " --config " +
                                             config_file().string() + " --once 2>&1"});
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.out.find((state_dir() / "feedwire.db").string()), std::string::npos)
      << refused.out;
  EXPECT_NE(refused.out.find("not a database"), std::string::npos) << refused.out;
  const CtlResult check =
      run_program({FW_FEEDWIRE, "state", "check", "--config", config_file().string()});
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.out.find("unreadable"), std::string::npos) << check.out;
}

} // namespace
} // namespace fw
