// Isolated plugins against real processes: the real feedwired binary runs as --plugin-host and
// loads real shared objects from tests/plugins, some of which crash, abort, exit, hang or leak.

#include "child_process.hpp"
#include "plugin_host/isolated.hpp"
#include "plugin_host/plugin.hpp"
#include "plugin_host/sample_story.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using fw::plugin_host::Additions;
using fw::plugin_host::HostDirs;
using fw::plugin_host::IsolatedPlugin;
using fw::plugin_host::IsolationOptions;
using fw::plugin_host::Outcome;
using fw::plugin_host::Plugin;
using fw::plugin_host::StoryView;
using fw::plugin_host::Tag;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

const std::filesystem::path k_dir = FW_TEST_PLUGIN_DIR;
const std::filesystem::path k_host = FW_BINARY_DIR "/bin/feedwired";

IsolationOptions options() {
  IsolationOptions o;
  o.host_program = k_host;
  o.timeout = milliseconds(2000);
  o.backoff_min = milliseconds(50);
  o.backoff_max = milliseconds(1000);
  return o;
}

IsolatedPlugin start(const std::string& plugin, IsolationOptions o = options(),
                     const std::string& config = "{}") {
  return IsolatedPlugin::start("p", k_dir / (plugin + ".so"), {}, config, std::move(o));
}

struct Fixture {
  fw::model::Story story;
  StoryView view;
  explicit Fixture(std::string title = "Summit ends") {
    story.title = std::move(title);
    story.categories = {"World News", "Asia"};
    view.story = &story;
    view.story_id = "0123456789abcdef";
    view.feed_id = "wire";
  }
};

// True once `pid` is gone and reaped: a zombie still answers kill(pid, 0).
bool is_gone(pid_t pid) {
  return ::kill(pid, 0) == -1 && errno == ESRCH;
}

std::string warning_of(const Additions& add) {
  for (const auto& [key, value] : add.attrs) {
    if (key == "p.warning") {
      return value;
    }
  }
  return "(no warning)";
}

// The in-process error for a plugin that does not load or create, to compare with isolation's.
std::string in_process_error(const std::filesystem::path& path, const std::string& config) {
  try {
    Plugin p = Plugin::load("p", path);
    p.create(config);
  } catch (const fw::ConfigError& e) {
    return e.what();
  }
  return "(started)";
}

std::string isolated_error(const std::filesystem::path& path, const std::string& config,
                           IsolationOptions o = options()) {
  try {
    IsolatedPlugin::start("p", path, {}, config, std::move(o));
  } catch (const fw::ConfigError& e) {
    return e.what();
  }
  return "(started)";
}

// Calls until a call succeeds (the restart after the backoff), at most for `limit`.
Outcome call_until_ok(IsolatedPlugin& p, const StoryView& view, milliseconds limit) {
  const Clock::time_point until = Clock::now() + limit;
  for (;;) {
    Additions add;
    Outcome out = p.process(view, add);
    if (out.status == FW_OK || Clock::now() > until) {
      return out;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

class Isolated : public ::testing::Test {
protected:
  static void SetUpTestSuite() { fw::test::let_children_crash(); }
};

TEST_F(Isolated, DescribesThePluginAsItsChildReadIt) {
  const IsolatedPlugin p = start("good");
  EXPECT_EQ(p.name(), "p");
  EXPECT_EQ(p.path(), k_dir / "good.so");
  EXPECT_EQ(p.plugin_name(), "good");
  EXPECT_EQ(p.plugin_version(), "1.2.3");
  EXPECT_EQ(p.abi_minor(), 0U);
  EXPECT_GT(p.pid(), 0);
  EXPECT_NE(p.pid(), ::getpid());
  EXPECT_EQ(p.crashes(), 0U);
  EXPECT_EQ(p.restarts(), 0U);
}

TEST_F(Isolated, GivesTheSameResultsAsInProcess) {
  Plugin local = Plugin::load("p", k_dir / "good.so");
  local.create("{}");
  IsolatedPlugin remote = start("good");
  for (const char* title : {"Summit ends", "drop", "fail", "bad score", ""}) {
    Fixture f(title);
    Additions a;
    a.tags = {Tag{"earlier", "Earlier", 0.7, "other"}};
    a.summary = "from before";
    a.attrs = {{"other.key", "1"}};
    Additions b = a;
    const Outcome in = local.process(f.view, a);
    const Outcome out = remote.process(f.view, b);
    EXPECT_EQ(out.status, in.status) << title;
    EXPECT_EQ(out.drop, in.drop) << title;
    EXPECT_EQ(out.failure, "") << title;
    EXPECT_EQ(b, a) << title;
  }
  EXPECT_EQ(remote.crashes(), 0U);
}

// Every field a plugin can read crosses the socket as it was: text with quotes, newlines and
// non-ASCII letters, absent against empty, dates, lists, earlier plugins' tags and summary.
TEST_F(Isolated, EveryFieldAPluginCanReadReachesTheChild) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("fw-isolated-" + std::to_string(::getpid()));
  const HostDirs dirs{dir / "plugins" / "p", dir};
  Plugin local = Plugin::load("p", k_dir / "echo.so", dirs);
  local.create("{}");
  IsolatedPlugin remote = IsolatedPlugin::start("p", k_dir / "echo.so", dirs, "{}", options());

  fw::model::Story s;
  s.id = "urn:uuid:1";
  s.link = "https://example.com/a?b=1&c=\"2\"";
  s.title = "Zürich \"quoted\" \\ back\nslash";
  s.authors = {{"Ada", "ada@example.com", std::nullopt},
               {std::nullopt, "anon@example.com", std::nullopt},
               {"Grace", std::nullopt, std::nullopt}};
  s.published = fw::model::Timestamp(std::chrono::seconds(1694599200));
  s.updated = fw::model::Timestamp(std::chrono::seconds(-86400));
  s.summary_html = "";
  s.content_html = std::string(300 * 1024, 'x') + "<p>end</p>";
  s.text = "para one\npara two\t\x01";
  s.categories = {"A", "", "Ünïcode"};
  s.enclosures = {{"https://example.com/a.mp3", "audio/mpeg", 123}, {"https://e.com/b", {}, {}}};
  s.comments = "https://example.com/c";
  StoryView view{&s, "fedcba9876543210", "feed-1", "The Feed", "de-CH"};

  Additions a;
  a.tags = {Tag{"x", "X", 0.25, "q"}, Tag{"y-z", "Y Z", 1.0, "q"}};
  a.summary = "earlier summary";
  Additions b = a;
  ASSERT_EQ(local.process(view, a).status, FW_OK);
  const Outcome out = remote.process(view, b);
  ASSERT_EQ(out.status, FW_OK) << out.failure;
  EXPECT_EQ(b, a);
  ASSERT_FALSE(b.attrs.empty());
  EXPECT_NE(b.attrs.back().second.find("\"config_dir\":\"" + dir.string() + "\""),
            std::string::npos);
  EXPECT_NE(b.attrs.back().second.find("\"image\":null"), std::string::npos);
  EXPECT_NE(b.attrs.back().second.find("\"summary_html\":\"\""), std::string::npos);
  EXPECT_NE(b.attrs.back().second.find("\"authors\":[\"Ada\",\"Grace\"]"), std::string::npos);
  EXPECT_NE(b.attrs.back().second.find("\"content_html\":{\"bytes\":307210,"), std::string::npos);

  // A story without a feed title, language, dates or optional fields at all.
  fw::model::Story bare;
  StoryView bare_view{&bare, "0000000000000000", "f", "", ""};
  Additions c;
  Additions d;
  ASSERT_EQ(local.process(bare_view, c).status, FW_OK);
  ASSERT_EQ(remote.process(bare_view, d).status, FW_OK);
  EXPECT_EQ(d, c);
  std::filesystem::remove_all(dir);
}

TEST_F(Isolated, ASegfaultLeavesTheStoryUnchangedButForAWarning) {
  IsolatedPlugin p = start("segfault");
  const pid_t child = p.pid();
  Fixture f("please crash now");
  Additions add;
  add.tags = {Tag{"earlier", "Earlier", 0.7, "other"}};
  add.summary = "from before";
  Additions before = add;
  const Outcome out = p.process(f.view, add);
  EXPECT_EQ(out.status, FW_ERR_FAILED);
  EXPECT_FALSE(out.drop);
  EXPECT_EQ(out.failure, "crashed (SIGSEGV)");
  EXPECT_EQ(warning_of(add), R"("plugin crashed (SIGSEGV); story left unchanged")");
  before.attrs.emplace_back("p.warning", warning_of(add));
  EXPECT_EQ(add, before);
  EXPECT_EQ(p.crashes(), 1U);
  EXPECT_EQ(p.timeouts(), 0U);
  EXPECT_EQ(p.pid(), 0);
  EXPECT_TRUE(is_gone(child)) << "the crashed child is reaped";
}

TEST_F(Isolated, RestartsAfterTheBackoffWithFreshState) {
  IsolationOptions o = options();
  o.backoff_min = milliseconds(300);
  IsolatedPlugin p = start("segfault", o);
  const pid_t first = p.pid();
  Fixture ok("fine");
  Additions add;
  ASSERT_EQ(p.process(ok.view, add).status, FW_OK);
  ASSERT_EQ(p.process(ok.view, add).status, FW_OK);
  EXPECT_EQ(add.attrs.at(0), (std::pair<std::string, std::string>{"p.calls", "2"}));

  Fixture crash("crash");
  Additions lost;
  const Clock::time_point crashed_at = Clock::now();
  ASSERT_EQ(p.process(crash.view, lost).failure, "crashed (SIGSEGV)");

  // During the backoff: no child, an answer at once.
  Additions waiting;
  const Outcome restarting = p.process(ok.view, waiting);
  if (Clock::now() - crashed_at < milliseconds(300)) {
    EXPECT_EQ(restarting.status, FW_ERR_FAILED);
    EXPECT_EQ(restarting.failure, "restarting");
    EXPECT_EQ(warning_of(waiting), R"("plugin restarting after a crash; story left unchanged")");
    EXPECT_EQ(p.pid(), 0);
  }

  const Outcome back = call_until_ok(p, ok.view, milliseconds(5000));
  EXPECT_EQ(back.status, FW_OK) << back.failure;
  EXPECT_GE(Clock::now() - crashed_at, milliseconds(300)) << "not before the backoff";
  EXPECT_EQ(p.restarts(), 1U);
  EXPECT_GT(p.pid(), 0);
  EXPECT_NE(p.pid(), first);
  Additions fresh;
  ASSERT_EQ(p.process(ok.view, fresh).status, FW_OK);
  EXPECT_EQ(fresh.attrs.at(0), (std::pair<std::string, std::string>{"p.calls", "2"}))
      << "the state was made again: the call that restarted it was its first";
}

// Each failure in a row doubles the wait up to backoff_max; a success starts it over. Lower
// bounds are exact: the wait starts inside the crashing call, after it began. Upper bounds take
// the gap from the end of the crashing call to the start of the call that restarts; they leave
// hundreds of ms for a loaded machine and still fail for the wait a wrong backoff would give.
TEST_F(Isolated, TheBackoffDoublesUpToItsLimitAndResetsAfterASuccess) {
  IsolationOptions o = options();
  o.backoff_min = milliseconds(25);
  o.backoff_max = milliseconds(400);
  IsolatedPlugin p = start("segfault", o);
  Fixture ok("fine");
  Fixture crash("crash");
  Additions add;
  Clock::time_point began = Clock::now();
  ASSERT_EQ(p.process(crash.view, add).failure, "crashed (SIGSEGV)");
  Clock::time_point ended = Clock::now();
  // Each pass: the calls during the backoff say "restarting"; the first after it starts a child,
  // which crashes on the same story.
  std::vector<milliseconds> gaps;
  for (const milliseconds backoff : {milliseconds(25), milliseconds(50), milliseconds(100),
                                     milliseconds(200), milliseconds(400), milliseconds(400)}) {
    Outcome out;
    Clock::time_point call = Clock::now();
    for (;;) {
      add = Additions{};
      call = Clock::now();
      out = p.process(crash.view, add);
      if (out.failure != "restarting") {
        break;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    EXPECT_EQ(out.failure, "crashed (SIGSEGV)");
    EXPECT_GE(Clock::now() - began, backoff);
    gaps.push_back(std::chrono::duration_cast<milliseconds>(call - ended));
    began = call;
    ended = Clock::now();
  }
  EXPECT_LT(gaps.back(), milliseconds(700)) << "capped at 400 ms, not doubled to 800";
  EXPECT_EQ(p.crashes(), 7U);
  EXPECT_EQ(p.restarts(), 6U);

  ASSERT_EQ(call_until_ok(p, ok.view, milliseconds(5000)).status, FW_OK);
  began = Clock::now();
  ASSERT_EQ(p.process(crash.view, add).failure, "crashed (SIGSEGV)");
  ended = Clock::now();
  Clock::time_point call = ended;
  for (;;) {
    add = Additions{};
    call = Clock::now();
    if (p.process(ok.view, add).status == FW_OK) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_GE(Clock::now() - began, milliseconds(25));
  EXPECT_LT(call - ended, milliseconds(300)) << "back to backoff_min, not 400 ms";
}

TEST_F(Isolated, AnAbortIsReportedAsOne) {
  IsolatedPlugin p = start("abort");
  Fixture f;
  Additions add;
  const Outcome out = p.process(f.view, add);
  EXPECT_EQ(out.status, FW_ERR_FAILED);
  EXPECT_EQ(out.failure, "aborted (SIGABRT)");
  EXPECT_EQ(warning_of(add), R"("plugin aborted (SIGABRT); story left unchanged")");
  EXPECT_EQ(add.attrs.size(), 1U);
  EXPECT_EQ(p.crashes(), 1U);
}

TEST_F(Isolated, AnExitIsReportedWithItsStatus) {
  IsolatedPlugin p = start("abort");
  Fixture f("time to exit");
  Additions add;
  const Outcome out = p.process(f.view, add);
  EXPECT_EQ(out.status, FW_ERR_FAILED);
  EXPECT_EQ(out.failure, "exited with status 3");
  EXPECT_EQ(warning_of(add), R"("plugin exited with status 3; story left unchanged")");
}

TEST_F(Isolated, AChildKilledBetweenCallsIsNoticedByTheNextCall) {
  IsolatedPlugin p = start("good");
  const pid_t child = p.pid();
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  Fixture f;
  Additions add;
  const Outcome out = p.process(f.view, add);
  EXPECT_EQ(out.status, FW_ERR_FAILED);
  EXPECT_EQ(out.failure, "killed (SIGKILL, out of memory?)");
  EXPECT_EQ(p.crashes(), 1U);
  EXPECT_TRUE(is_gone(child));
}

TEST_F(Isolated, AHungPluginIsKilledAtTheTimeoutAndReaped) {
  IsolationOptions o = options();
  o.timeout = milliseconds(300);
  IsolatedPlugin p = start("loop", o);
  const pid_t child = p.pid();
  Fixture f("loop forever");
  Additions add;
  const Clock::time_point before = Clock::now();
  const Outcome out = p.process(f.view, add);
  const auto took = Clock::now() - before;
  EXPECT_EQ(out.status, FW_ERR_FAILED);
  EXPECT_EQ(out.failure, "timed out after 300 ms");
  EXPECT_EQ(warning_of(add), R"("plugin timed out after 300 ms; story left unchanged")");
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(300) + milliseconds(2000)) << "it must not wait much longer";
  EXPECT_EQ(p.timeouts(), 1U);
  EXPECT_EQ(p.crashes(), 0U);
  EXPECT_TRUE(is_gone(child)) << "killed and reaped, no zombie";

  Fixture ok("fine");
  const Outcome back = call_until_ok(p, ok.view, milliseconds(5000));
  EXPECT_EQ(back.status, FW_OK) << back.failure;
  EXPECT_EQ(p.restarts(), 1U);
}

// The leak stays in the child: it runs into its memory_limit, says FW_ERR_NO_MEMORY, and is
// replaced by a fresh child, while this process does not grow.
TEST_F(Isolated, ALeakingPluginIsReplacedAtItsMemoryLimit) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ASan's and TSan's shadow memory do not fit under RLIMIT_AS";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  GTEST_SKIP() << "ASan's and TSan's shadow memory do not fit under RLIMIT_AS";
#endif
#endif
  IsolationOptions o = options();
  o.memory_limit = std::size_t{512} * 1024 * 1024;
  IsolatedPlugin p = start("leak", o);
  const pid_t first = p.pid();
  const std::size_t resident_before = resident_bytes();
  Fixture f;
  int succeeded = 0;
  Outcome failed;
  for (int i = 0; i < 200 && failed.failure.empty(); ++i) {
    Additions add;
    const Outcome out = p.process(f.view, add);
    if (out.status == FW_OK) {
      ++succeeded;
    } else {
      failed = out;
      EXPECT_EQ(warning_of(add), R"("plugin ran out of memory; story left unchanged")");
    }
  }
  EXPECT_GT(succeeded, 10) << "8 MB a call: dozens of calls fit under 512 MB";
  EXPECT_LT(succeeded, 64) << "but not 512 MB worth";
  EXPECT_EQ(failed.status, FW_ERR_NO_MEMORY);
  EXPECT_EQ(failed.failure, "out of memory");
  EXPECT_TRUE(is_gone(first));

  Additions add;
  const Outcome back = call_until_ok(p, f.view, milliseconds(5000));
  ASSERT_EQ(back.status, FW_OK) << back.failure;
  EXPECT_EQ(p.restarts(), 1U);
  ASSERT_EQ(p.process(f.view, add).status, FW_OK);
  EXPECT_EQ(add.attrs.at(0), (std::pair<std::string, std::string>{"p.leaked_mb", "16"}))
      << "a fresh child, leaking from zero";
  EXPECT_LT(resident_bytes(), resident_before + std::size_t{64} * 1024 * 1024);
}

TEST_F(Isolated, BrokenPluginsFailToStartWithTheInProcessMessage) {
  for (const char* name : {"no_entry", "wrong_abi", "short_struct", "newer_minor", "absent"}) {
    const std::filesystem::path path = k_dir / (std::string(name) + ".so");
    const std::string expected = in_process_error(path, "{}");
    EXPECT_NE(expected, "(started)") << name;
    EXPECT_EQ(isolated_error(path, "{}"), expected) << name;
  }
  const std::string refused = in_process_error(k_dir / "good.so", R"({"refuse": true})");
  EXPECT_NE(refused.find("FW_ERR_CONFIG"), std::string::npos) << refused;
  EXPECT_EQ(isolated_error(k_dir / "good.so", R"({"refuse": true})"), refused);
  EXPECT_NE(isolated_error(k_dir / "wrong_abi.so", "{}").find("no entry point fw_plugin_entry_v1"),
            std::string::npos);
  EXPECT_NE(
      isolated_error(k_dir / "short_struct.so", "{}").find("lacks create, process or destroy"),
      std::string::npos);
}

TEST_F(Isolated, AChildThatCannotRunOrDiesLoadingIsAStartError) {
  const std::string crash = isolated_error(k_dir / "segfault.so", R"({"crash_in_create": 1})");
  EXPECT_EQ(crash, "plugin p (" + (k_dir / "segfault.so").string() +
                       "): the isolated plugin host could not start: crashed (SIGSEGV) while "
                       "loading the plugin");

  IsolationOptions missing = options();
  missing.host_program = "/nonexistent/feedwired";
  const std::string no_program = isolated_error(k_dir / "good.so", "{}", missing);
  EXPECT_NE(no_program.find("the isolated plugin host could not start: cannot run "
                            "/nonexistent/feedwired: No such file or directory"),
            std::string::npos)
      << no_program;

  IsolationOptions not_feedwired = options();
  not_feedwired.host_program = "/bin/true";
  const std::string wrong_program = isolated_error(k_dir / "good.so", "{}", not_feedwired);
  EXPECT_NE(wrong_program.find("could not start: exited with status 0 while loading the plugin"),
            std::string::npos)
      << wrong_program;
}

TEST_F(Isolated, TheDestructorEndsAndReapsTheChild) {
  pid_t child = 0;
  {
    IsolatedPlugin p = start("good");
    child = p.pid();
    ASSERT_GT(child, 0);
    EXPECT_FALSE(is_gone(child));
  }
  EXPECT_TRUE(is_gone(child));

  // A moved-from plugin leaves the child to the one it moved to.
  IsolatedPlugin a = start("good");
  child = a.pid();
  {
    IsolatedPlugin b = std::move(a);
    Fixture f;
    Additions add;
    EXPECT_EQ(b.process(f.view, add).status, FW_OK);
    EXPECT_FALSE(is_gone(child));
  }
  EXPECT_TRUE(is_gone(child));

  // One stuck in a plugin call is killed rather than waited for.
  IsolationOptions o = options();
  o.timeout = milliseconds(200);
  pid_t hung = 0;
  {
    IsolatedPlugin p = start("loop", o);
    hung = p.pid();
  }
  EXPECT_TRUE(is_gone(hung));
}

TEST_F(Isolated, AThousandCallsInARowAllSucceed) {
  Plugin local = Plugin::load("p", k_dir / "good.so");
  local.create("{}");
  IsolatedPlugin p = start("good");
  const fw::model::Story story = fw::plugin_host::sample_story();
  const StoryView view{&story, "0123456789abcdef", "wire", "Wire", "en"};
  Additions expected;
  ASSERT_EQ(local.process(view, expected).status, FW_OK);
  std::vector<double> local_micros;
  for (int i = 0; i < 1000; ++i) {
    Additions add;
    const Clock::time_point before = Clock::now();
    (void)local.process(view, add);
    local_micros.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - before).count());
  }
  std::vector<double> micros;
  micros.reserve(1000);
  int ok = 0;
  for (int i = 0; i < 1000; ++i) {
    Additions add;
    const Clock::time_point before = Clock::now();
    const Outcome out = p.process(view, add);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - before).count());
    ok += out.status == FW_OK && add == expected ? 1 : 0;
  }
  EXPECT_EQ(ok, 1000);
  EXPECT_EQ(p.crashes() + p.timeouts() + p.restarts(), 0U);
  std::sort(micros.begin(), micros.end());
  std::sort(local_micros.begin(), local_micros.end());
  std::printf("isolated round trip, %zu-byte story: median %.1f us, p90 %.1f us, p99 %.1f us "
              "(in process: median %.1f us)\n",
              story.content_html.value_or("").size() + story.text.value_or("").size(), micros[500],
              micros[900], micros[990], local_micros[500]);
}

TEST_F(Isolated, CallsFromSeveralThreadsTakeTurns) {
  IsolatedPlugin p = start("segfault");
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&p, &ok, t] {
      Fixture f("fine");
      for (int i = 0; i < 100; ++i) {
        Additions add;
        ok[static_cast<std::size_t>(t)] += p.process(f.view, add).status == FW_OK ? 1 : 0;
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (int n : ok) {
    EXPECT_EQ(n, 100);
  }
  Fixture f("fine");
  Additions add;
  ASSERT_EQ(p.process(f.view, add).status, FW_OK);
  EXPECT_EQ(add.attrs.at(0), (std::pair<std::string, std::string>{"p.calls", "401"}))
      << "one state saw every call";
}

} // namespace
