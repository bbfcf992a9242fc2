// The exec plugin against real processes: /bin/sh and python3 scripts written to a temporary
// folder, and the example script shipped in plugins/exec/examples; on stories served by
// feedwired's own host table (plugin_host::HostTable), as feedwired serves them.

#include "exec/exec.hpp"
#include "plugin_host/plugin.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using feedwire::ConfigError;
using feedwire::exec::Ending;
using feedwire::exec::parse_config;
using feedwire::exec::parse_response;
using feedwire::exec::Plugin;
using fw::plugin_host::Additions;
using fw::plugin_host::HostDirs;
using fw::plugin_host::HostTable;
using fw::plugin_host::Outcome;
using fw::plugin_host::StoryView;
using fw::plugin_host::Tag;
using nlohmann::json;
using namespace std::chrono_literals;
using Attr = std::pair<std::string, std::string>;

// feedwired's host table for a plugin named "exec", logging to feedwired's log, for tests that
// look at neither the log nor a story.
feedwire::Host host() {
  static const HostTable table("exec");
  return feedwire::Host(table.get());
}

// A story as feedwired hands it to the plugin; `additions` holds what earlier plugins added,
// and after a successful call what the call added too.
struct Input {
  fw::model::Story item;
  Additions additions;

  [[nodiscard]] StoryView view() const {
    return StoryView{&item, "0123456789abcdef", "wire", "", ""};
  }
};

Input story(std::string title, std::string text = "") {
  Input s;
  s.item.title = std::move(title);
  s.item.text = std::move(text);
  return s;
}

// True while `pid` runs; a zombie waiting for init to reap it does not count.
bool is_running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return false;
  }
  const std::size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

// True once `pid` has stopped running, within `limit` (a SIGKILL lands asynchronously).
bool stops_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (is_running(pid)) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// No child of this test process is left, running or as a zombie.
bool has_no_children() {
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

class ExecTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fw-exec-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
    EXPECT_TRUE(has_no_children());
  }

  // feedwired's host table for the plugin, its log() lines kept in `log`.
  [[nodiscard]] feedwire::Host host() const { return feedwire::Host(table.get()); }
  // From now on the host tells the plugin that the config file is in `config_dir`.
  void use_config_dir(const fs::path& config_dir) {
    table = HostTable("exec", HostDirs{{}, config_dir}, keep_log());
  }
  bool logged(std::string_view text) const {
    return std::any_of(log.begin(), log.end(), [&](const auto& line) {
      return line.second.find(text) != std::string::npos;
    });
  }

  // A script in the temporary folder, executable, run by its #! line.
  std::string script(const std::string& name, const std::string& body) {
    const fs::path path = dir / name;
    std::ofstream(path) << body;
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }

  // A config running `sh_code` with /bin/sh, and extra keys.
  static std::string sh(const std::string& sh_code, const std::string& extra = "") {
    json command = json::array({"/bin/sh", "-c", sh_code});
    return R"({"command": )" + command.dump() + extra + "}";
  }

  // Runs `p` on `s` through the host table, as the plugin's entry point does. What process()
  // throws propagates, or, with `error`, is kept there and fails the call.
  Outcome run(Plugin& p, Input& s, std::string* error = nullptr) const {
    return table.run(s.view(), s.additions,
                     [&](const fw_host_v1* h, fw_story* story, fw_verdict* verdict) {
                       feedwire::Story view(h, story);
                       try {
                         *verdict = p.process(view);
                       } catch (const std::runtime_error& e) {
                         if (error == nullptr) {
                           throw;
                         }
                         *error = e.what();
                         return FW_ERR_FAILED;
                       }
                       return FW_OK;
                     });
  }

  // Runs a plugin with `config` on `s` and returns the error message, or "" on success.
  std::string failure(const std::string& config, Input& s) const {
    Plugin p(host(), config);
    std::string why;
    const Outcome out = run(p, s, &why);
    EXPECT_EQ(out.status, why.empty() ? FW_OK : FW_ERR_FAILED);
    return why;
  }

  fw_verdict process(const std::string& config, Input& s) const {
    Plugin p(host(), config);
    return verdict_of(run(p, s));
  }
  static fw_verdict verdict_of(const Outcome& out) {
    EXPECT_EQ(out.status, FW_OK) << fw::plugin_host::status_name(out.status);
    return out.drop ? FW_DROP : FW_KEEP;
  }

  fs::path dir;
  std::vector<std::pair<std::int32_t, std::string>> log;
  HostTable table{"exec", {}, keep_log()};

private:
  fw::plugin_host::LogSink keep_log() {
    return [this](std::int32_t level, std::string_view line) { log.emplace_back(level, line); };
  }
};

TEST_F(ExecTest, AppliesTagsSummaryAndAttributes) {
  Input s = story("Volcano erupts");
  const fw_verdict v = process(sh(R"(cat >/dev/null; cat <<'EOF'
{"tags": ["plain", {"tag": "Volcano", "label": "Volcano!", "score": 0.8}],
 "summary": "A volcano erupted.", "attrs": {"n": 3, "nested": {"a": [1, "x"]}},
 "verdict": "keep"}
EOF
)"),
                               s);
  EXPECT_EQ(v, FW_KEEP);
  const Additions& added = s.additions;
  ASSERT_EQ(added.tags.size(), 2U);
  EXPECT_EQ(added.tags[0], (Tag{"plain", "plain", 1.0, "exec"}));
  EXPECT_EQ(added.tags[1], (Tag{"volcano", "Volcano!", 0.8, "exec"}));
  EXPECT_EQ(added.summary, "A volcano erupted.");
  ASSERT_EQ(added.attrs.size(), 2U);
  EXPECT_EQ(added.attrs[0], (Attr("exec.n", "3")));
  EXPECT_EQ(added.attrs[1], (Attr("exec.nested", R"({"a":[1,"x"]})")));
}

TEST_F(ExecTest, DropVerdictDropsTheStory) {
  Input s = story("Sponsored");
  EXPECT_EQ(process(sh(R"(cat >/dev/null; echo '{"verdict": "drop", "tags": ["x"]}')"), s),
            FW_DROP);
}

TEST_F(ExecTest, EmptyOutputLeavesTheStoryUnchanged) {
  Input s = story("Quiet");
  EXPECT_EQ(process(sh("cat >/dev/null; echo"), s), FW_KEEP);
  EXPECT_TRUE(s.additions.empty());
}

TEST_F(ExecTest, CommandReadsTheStoryAsJsonOnStdin) {
  Input s = story("Title \"quoted\"", "Line one\nLine two");
  s.item.published = std::chrono::sys_days(2024y / 5 / 10) + 12h;
  s.item.categories = {"World", "Asia"};
  s.additions.summary = "Earlier summary";
  s.additions.tags = {Tag{"volcano", "Volcano", 1.0, "tagger"}};
  // The command hands its stdin back as an attribute, so the test sees exactly what it read.
  const std::string config = sh(R"(printf '{"attrs": {"story": '; cat; printf '}}')");
  ASSERT_EQ(process(config, s), FW_KEEP);
  ASSERT_EQ(s.additions.attrs.size(), 1U);
  EXPECT_EQ(s.additions.attrs[0].first, "exec.story");
  const json input = json::parse(s.additions.attrs[0].second);
  EXPECT_EQ(input["story_id"], "0123456789abcdef");
  EXPECT_EQ(input["feed_id"], "wire");
  EXPECT_EQ(input["title"], "Title \"quoted\"");
  EXPECT_EQ(input["text"], "Line one\nLine two");
  EXPECT_EQ(input["published"], "2024-05-10T12:00:00Z");
  EXPECT_TRUE(input["updated"].is_null());
  EXPECT_TRUE(input["link"].is_null());
  EXPECT_EQ(input["categories"], json::array({"World", "Asia"}));
  EXPECT_EQ(input["authors"], json::array());
  EXPECT_EQ(input["tags"], json::array({"volcano"}));
  EXPECT_EQ(input["summary"], "Earlier summary");
  for (const char* key :
       {"feed_title", "id", "summary_html", "content_html", "language", "enclosures"}) {
    EXPECT_TRUE(input.contains(key)) << key;
  }
}

TEST_F(ExecTest, TimeoutKillsTheProcessGroupQuickly) {
  const std::string pids = file("pids");
  Input s = story("Slow");
  Plugin p(host(), sh("echo $$ > " + pids + "; sleep 10 & echo $! >> " + pids + "; wait",
                      R"(, "timeout": "200ms")"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)run(p, s), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(logged("timed out after 200ms"));

  std::ifstream in(pids);
  pid_t shell = 0;
  pid_t sleeper = 0;
  ASSERT_TRUE(in >> shell >> sleeper);
  EXPECT_FALSE(is_running(shell));
  EXPECT_TRUE(stops_within(sleeper, 2s)); // the grandchild went with the process group
}

TEST_F(ExecTest, ProcessesLeftBehindAreKilledWhenTheCommandExits) {
  const std::string pid_file = file("bg");
  Input s = story("Leaky");
  ASSERT_EQ(process(sh("sleep 10 >/dev/null 2>&1 </dev/null & echo $! > " + pid_file +
                       "; cat >/dev/null; echo '{}'"),
                    s),
            FW_KEEP);
  pid_t background = 0;
  ASSERT_TRUE(std::ifstream(pid_file) >> background);
  EXPECT_TRUE(stops_within(background, 2s));
}

TEST_F(ExecTest, NonZeroExitFailsAndLogsTheEndOfStderr) {
  Input s = story("Broken");
  const std::string why = failure(
      sh("cat >/dev/null; echo 'Traceback: boom' >&2; echo '{\"tags\": [\"x\"]}'; exit 3"), s);
  EXPECT_EQ(why, "exited with status 3");
  EXPECT_TRUE(s.additions.tags.empty());
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().first, FW_LOG_WARN);
  EXPECT_NE(log.back().second.find("story=0123456789abcdef"), std::string::npos);
  EXPECT_NE(log.back().second.find("exited with status 3"), std::string::npos);
  EXPECT_NE(log.back().second.find("stderr=\"Traceback: boom\""), std::string::npos);
}

TEST_F(ExecTest, StderrInTheLogIsShortenedToItsEnd) {
  Input s = story("Chatty");
  const std::string why = failure(sh("head -c 20000 /dev/zero | tr '\\0' 'a' >&2; "
                                     "echo ' the end' >&2; exit 1"),
                                  s);
  EXPECT_EQ(why, "exited with status 1");
  ASSERT_FALSE(log.empty());
  const std::string& line = log.back().second;
  EXPECT_NE(line.find("stderr=\"...aaa"), std::string::npos);
  EXPECT_NE(line.find("the end\""), std::string::npos);
  EXPECT_LT(line.size(), 1200U);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST_F(ExecTest, DeathBySignalFails) {
  Input s = story("Crash");
  EXPECT_EQ(failure(sh("kill -SEGV $$"), s), "killed by SIGSEGV");
}

TEST_F(ExecTest, InvalidJsonFails) {
  Input s = story("Garbage");
  const std::string why = failure(sh("cat >/dev/null; echo 'tags: a, b'"), s);
  EXPECT_NE(why.find("answered wrongly: stdout is not one JSON object"), std::string::npos) << why;
}

TEST_F(ExecTest, WrongTypesFail) {
  Input s = story("Typed");
  const std::string why =
      failure(sh(R"(cat >/dev/null; echo '{"tags": [{"tag": "a", "score": 2}]}')"), s);
  EXPECT_NE(why.find("outside [0, 1]"), std::string::npos) << why;
  EXPECT_TRUE(s.additions.tags.empty());
}

TEST_F(ExecTest, OutputBeyondMaxOutputFailsWithoutWaitingForTheTimeout) {
  Input s = story("Endless");
  const auto start = std::chrono::steady_clock::now();
  const std::string why = failure(sh("exec yes", R"(, "max_output": 1000, "timeout": "20s")"), s);
  EXPECT_EQ(why, "wrote more than max_output=1000 bytes to stdout and was killed");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(ExecTest, RunKeepsOnlyMaxOutputBytes) {
  const feedwire::exec::Config config =
      parse_config(host(), sh("head -c 100000 /dev/zero", R"(, "max_output": 4096)"));
  const feedwire::exec::RunResult r = feedwire::exec::run(config, "{}");
  EXPECT_EQ(r.ending, Ending::output_limit);
  EXPECT_EQ(r.out.size(), 4096U);
}

TEST_F(ExecTest, LargeStoryDoesNotDeadlockACommandThatAnswersWhileReading) {
  // For every chunk it reads, the command writes as much to stdout (white space, which JSON
  // allows before the object) and to stderr: with blocking I/O on either side, all three pipes
  // would fill and both processes would wait forever.
  const std::string echo = script("echo.py", R"(#!/usr/bin/env python3
import json, sys
total = 0
while True:
    chunk = sys.stdin.buffer.read(65536)
    if not chunk:
        break
    total += len(chunk)
    sys.stdout.write(" " * len(chunk))
    sys.stderr.write("." * len(chunk))
print(json.dumps({"attrs": {"bytes": total}}))
)");
  Input s = story("Long read", std::string(1024 * 1024, 'x'));
  std::size_t input_size = 0;
  ASSERT_EQ(table
                .run(s.view(), s.additions,
                     [&](const fw_host_v1* h, fw_story* story, fw_verdict*) {
                       input_size = feedwire::exec::story_json(feedwire::Story(h, story)).size();
                       return FW_OK;
                     })
                .status,
            FW_OK);
  ASSERT_GT(input_size, 1024U * 1024U);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(
      process(R"({"command": [")" + echo + R"("], "max_output": 8388608, "timeout": "30s"})", s),
      FW_KEEP);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  ASSERT_EQ(s.additions.attrs.size(), 1U);
  EXPECT_EQ(s.additions.attrs[0], (Attr("exec.bytes", std::to_string(input_size))));
}

TEST_F(ExecTest, CommandThatStopsReadingStillAnswersAndSigpipeStaysHarmless) {
  // This test binary keeps SIGPIPE's default action (terminate): a write to the closed pipe
  // would end it, were SIGPIPE not blocked and discarded around the writes.
  struct sigaction old_action {};
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ASSERT_EQ(::sigaction(SIGPIPE, &default_action, &old_action), 0);
  Input s = story("Big", std::string(4 * 1024 * 1024, 'y'));
  EXPECT_EQ(process(sh(R"(exec 0<&-; echo '{"verdict": "drop"}')"), s), FW_DROP);

  sigset_t mask;
  sigemptyset(&mask);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, nullptr, &mask), 0);
  EXPECT_EQ(sigismember(&mask, SIGPIPE), 0); // unblocked again
  sigset_t pending;
  sigemptyset(&pending);
  ASSERT_EQ(::sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0); // and nothing left to deliver
  ::sigaction(SIGPIPE, &old_action, nullptr);
}

TEST_F(ExecTest, EnvIsAddedToTheEnvironment) {
  Input s = story("Env");
  ::setenv("FW_EXEC_TEST_INHERITED", "kept", 1);
  ASSERT_EQ(
      process(
          sh(R"(cat >/dev/null; printf '{"summary": "%s %s"}' "$FW_GREETING" "$FW_EXEC_TEST_INHERITED")",
             R"(, "env": {"FW_GREETING": "hello"})"),
          s),
      FW_KEEP);
  ::unsetenv("FW_EXEC_TEST_INHERITED");
  EXPECT_EQ(s.additions.summary, "hello kept");
}

TEST_F(ExecTest, RelativePathsResolveAgainstTheConfigFolder) {
  use_config_dir(dir);
  std::ofstream(file("data.txt")) << "from the config folder";
  script("answer.sh",
         "#!/bin/sh\ncat >/dev/null\nprintf '{\"summary\": \"%s\"}' \"$(cat data.txt)\"\n");
  Input by_path = story("a");
  ASSERT_EQ(process(R"({"command": ["./answer.sh"]})", by_path), FW_KEEP);
  EXPECT_EQ(by_path.additions.summary, "from the config folder");
  // A bare name is looked up on PATH; its relative arguments are opened in the config folder.
  Input by_argument = story("b");
  ASSERT_EQ(process(R"({"command": ["sh", "answer.sh"]})", by_argument), FW_KEEP);
  EXPECT_EQ(by_argument.additions.summary, "from the config folder");
}

TEST_F(ExecTest, MissingProgramIsAConfigError) {
  try {
    Plugin p(host(), R"({"command": ["no-such-program-fw-exec"]})");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("\"no-such-program-fw-exec\" is not found on PATH"),
              std::string::npos)
        << e.what();
  }
  try {
    Plugin p(host(), R"({"command": [")" + file("absent.py") + R"("]})");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("is not an executable file"), std::string::npos)
        << e.what();
  }
  std::ofstream(file("data.txt")) << "not a program";
  EXPECT_THROW(Plugin(host(), R"({"command": [")" + file("data.txt") + R"("]})"), ConfigError);
}

TEST_F(ExecTest, ProgramRemovedAfterStartFailsTheCallClearly) {
  const std::string path = script("gone.sh", "#!/bin/sh\necho '{}'\n");
  Plugin p(host(), R"({"command": [")" + path + R"("]})");
  fs::remove(path);
  Input s = story("x");
  try {
    (void)run(p, s);
    ADD_FAILURE() << "succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot start " + path + ": No such file or directory");
  }
}

TEST_F(ExecTest, HostRefusalFailsTheCall) {
  Input s = story("x");
  const std::string why = failure(sh(R"(cat >/dev/null; echo '{"attrs": {"Not A Key": 1}}')"), s);
  EXPECT_NE(why.find("attribute \"Not A Key\", which the host refused (invalid)"),
            std::string::npos)
      << why;
}

TEST_F(ExecTest, ManyRunsLeaveNoZombies) {
  Plugin p(host(), sh("cat >/dev/null; echo '{\"tags\": [\"t\"]}'"));
  for (int i = 0; i < 20; ++i) {
    Input s = story("x");
    ASSERT_EQ(verdict_of(run(p, s)), FW_KEEP);
    ASSERT_EQ(s.additions.tags.size(), 1U);
  }
  EXPECT_TRUE(has_no_children());
}

TEST_F(ExecTest, PythonExampleTagsKeywords) {
  const std::string example = std::string(FW_SOURCE_DIR) + "/plugins/exec/examples/keywords.py";
  Input s = story("Volcano erupts near Naples",
                  "The volcano erupted at dawn. Residents of Naples fled as the volcano "
                  "spewed ash over the bay. Ash covered roofs across the city.");
  const Tag naples{"naples", "Naples", 0.5, "tagger"}; // an earlier plugin's: not repeated
  s.additions.tags = {naples};
  ASSERT_EQ(process(R"({"command": ["python3", ")" + example +
                        R"("], "env": {"KEYWORDS_MAX": "3"}, "timeout": "20s"})",
                    s),
            FW_KEEP)
      << (log.empty() ? "" : log.back().second);
  // The earlier tag as it was, and three of the command's: had it repeated "naples", there
  // would be three in all.
  const std::vector<Tag>& tags = s.additions.tags;
  ASSERT_EQ(tags.size(), 4U);
  EXPECT_EQ(tags[0], (Tag{"volcano", "Volcano", 1.0, "exec"}));
  EXPECT_EQ(std::count(tags.begin(), tags.end(), naples), 1);
  for (const Tag& t : tags) {
    EXPECT_GT(t.score, 0.0);
    EXPECT_LE(t.score, 1.0);
  }
  ASSERT_EQ(s.additions.attrs.size(), 1U);
  EXPECT_EQ(s.additions.attrs[0].first, "exec.words");
  EXPECT_EQ(s.additions.attrs[0].second, "23");
}

TEST_F(ExecTest, FailureThroughTheEntryPointIsFwErrFailed) {
  fw_plugin_v1 plugin{};
  plugin.struct_size = sizeof plugin;
  ASSERT_EQ(feedwire::detail::entry<Plugin>(table.get(), &plugin), FW_OK);
  EXPECT_EQ(plugin.name.len, 4U);
  EXPECT_EQ(plugin.flags, 0U); // one story at a time
  void* state = nullptr;
  const std::string config = sh("cat >/dev/null; echo \"$FW_ANSWER\"; test -n \"$FW_ANSWER\"",
                                R"(, "env": {"FW_ANSWER": "{\"tags\": [\"ok\"]}"})");
  ASSERT_EQ(plugin.create(table.get(), feedwire::str(config), &state), FW_OK);
  // process() through the host table; *verdict holds FW_DROP when it is called, so that a keep
  // shows that the plugin set it.
  const auto process_in = [&](Input& s) {
    return table.run(s.view(), s.additions,
                     [&](const fw_host_v1*, fw_story* story, fw_verdict* verdict) {
                       *verdict = FW_DROP;
                       return plugin.process(state, story, verdict);
                     });
  };
  Input good = story("good");
  const Outcome kept = process_in(good);
  EXPECT_EQ(kept.status, FW_OK);
  EXPECT_FALSE(kept.drop);
  EXPECT_EQ(good.additions.tags.size(), 1U);
  plugin.destroy(state);

  state = nullptr;
  ASSERT_EQ(plugin.create(table.get(), feedwire::str(sh("exit 1")), &state), FW_OK);
  Input bad = story("bad");
  EXPECT_EQ(process_in(bad).status, FW_ERR_FAILED);
  plugin.destroy(state);

  EXPECT_EQ(plugin.create(table.get(), feedwire::str(R"({"command": []})"), &state), FW_ERR_CONFIG);
}

std::string config_error(const std::string& config) {
  try {
    (void)parse_config(host(), config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ExecConfig, DefaultsAndDurations) {
  const feedwire::exec::Config d = parse_config(host(), R"({"command": ["sh", "-c", "true"]})");
  EXPECT_EQ(d.timeout, 5s);
  EXPECT_EQ(d.max_output, 1024U * 1024U);
  EXPECT_EQ(d.argv, (std::vector<std::string>{"sh", "-c", "true"}));
  EXPECT_EQ(d.program.front(), '/'); // found on PATH
  const auto timeout_of = [](const std::string& value) {
    return parse_config(host(), R"({"command": ["sh"], "timeout": )" + value + "}").timeout;
  };
  EXPECT_EQ(timeout_of(R"("200ms")"), 200ms);
  EXPECT_EQ(timeout_of(R"("1m30s")"), 90s);
  EXPECT_EQ(timeout_of(R"("2h")"), 2h);
  EXPECT_EQ(timeout_of("0.5"), 500ms);
  EXPECT_EQ(timeout_of("3"), 3s);
}

TEST(ExecConfig, RefusesBadConfigurations) {
  EXPECT_NE(config_error("{}").find("command: missing"), std::string::npos);
  EXPECT_NE(config_error(R"({"command": []})").find("command: expected a non-empty list"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"command": "python3 x.py"})").find("no shell"), std::string::npos);
  EXPECT_NE(config_error(R"({"command": ["sh", 1]})").find("every entry must be a string"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"command": ["sh"], "timeout": "5 s"})").find("timeout:"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"command": ["sh"], "timeout": 0})").find("timeout:"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"command": ["sh"], "env": {"A": 1}})").find("env.A"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"command": ["sh"], "env": {"A=B": "x"}})").find("env:"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"command": ["sh"], "max_output": 0})").find("max_output"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"command": ["sh"], "cmd": 1})").find("unknown key \"cmd\""),
            std::string::npos);
  EXPECT_NE(config_error("[]").find("JSON object"), std::string::npos);
}

TEST(ExecResponse, AcceptsEveryOptionalKey) {
  EXPECT_TRUE(parse_response("").tags.empty());
  EXPECT_TRUE(parse_response(" \n").tags.empty());
  EXPECT_EQ(parse_response("{}").verdict, FW_KEEP);
  const feedwire::exec::Response r = parse_response(
      R"({"tags": ["a", {"tag": "b"}, {"tag": "c", "label": "C", "score": 0}],
          "summary": "", "attrs": {"k": null}, "verdict": "drop"})");
  ASSERT_EQ(r.tags.size(), 3U);
  EXPECT_EQ(r.tags[1].score, 1.0);
  EXPECT_EQ(r.tags[2].label, "C");
  EXPECT_EQ(r.summary, "");
  EXPECT_EQ(r.attrs[0].second, "null");
  EXPECT_EQ(r.verdict, FW_DROP);
}

TEST(ExecResponse, RefusesWrongShapes) {
  for (const char* bad :
       {"[]", "\"keep\"", "{} {}", R"({"tags": "a"})", R"({"tags": [1]})", R"({"tags": [{}]})",
        R"({"tags": [{"tag": "a", "score": "high"}]})", R"({"tags": [{"tag": "a", "x": 1}]})",
        R"({"tags": [""]})", R"({"summary": 1})", R"({"attrs": []})", R"({"verdict": "maybe"})",
        R"({"tag": ["a"]})"}) {
    EXPECT_THROW((void)parse_response(bad), std::runtime_error) << bad;
  }
}

} // namespace
