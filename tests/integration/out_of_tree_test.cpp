// A plugin author's path, end to end: `cmake --install` this build into a temp prefix, build
// plugins/example as a project of its own against it (find_package(feedwire), and again with
// pkg-config and a bare compiler), then run the installed feedwired on a real HTTP feed with
// those plugins and one found in the installed plugin folder, and read what it publishes.

#include "child_process.hpp"
#include "http_server.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace fw {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path k_source = FW_SOURCE_DIR;
const std::filesystem::path k_binary = FW_BINARY_DIR;

// Runs a program to completion with its output on the test's own; true when it exits 0.
bool run(std::vector<std::string> argv) {
  std::string line;
  for (const std::string& a : argv) {
    line += a + " ";
  }
  test::ChildProcess child(std::move(argv));
  const std::optional<int> status = child.wait_for(240s);
  EXPECT_TRUE(status.has_value()) << "still running: " << line;
  const bool ok = status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  EXPECT_TRUE(ok) << line;
  return ok;
}

// The output of a shell command line (for pkg-config's flags), trimmed.
std::string output_of(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr) {
      out += buf;
    }
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

class OutOfTreePluginTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::random_device rd;
    m_dir = std::filesystem::temp_directory_path() / ("feedwire-oot-" + std::to_string(rd()));
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }

  std::filesystem::path m_dir;
};

TEST_F(OutOfTreePluginTest, ExampleBuiltAgainstAnInstalledTreeRunsInTheInstalledDaemon) {
  const std::filesystem::path prefix = m_dir / "prefix";
  ASSERT_TRUE(run({"/usr/bin/cmake", "--install", k_binary.string(), "--prefix", prefix.string()}));
  ASSERT_TRUE(std::filesystem::exists(prefix / "include/feedwire/plugin.h"));
  ASSERT_TRUE(std::filesystem::exists(prefix / "bin/feedwired"));

  // 1. CMake: find_package(feedwire) against the prefix, nothing from the source tree but the
  //    example's own folder (copied, as an author would).
  const std::filesystem::path project = m_dir / "my-plugin";
  std::filesystem::copy(k_source / "plugins/example", project,
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE(run({"/usr/bin/cmake", "-S", project.string(), "-B", (project / "build").string(),
                   "-DCMAKE_PREFIX_PATH=" + prefix.string(), "-DCMAKE_BUILD_TYPE=Release"}));
  ASSERT_TRUE(run({"/usr/bin/cmake", "--build", (project / "build").string()}));
  const std::filesystem::path cmake_so = project / "build/example.so";
  ASSERT_TRUE(std::filesystem::exists(cmake_so));

  // 2. pkg-config and the compiler alone.
  const std::string cflags =
      output_of("PKG_CONFIG_PATH=" + (prefix / "lib/pkgconfig").string() + ":" +
                (prefix / "share/pkgconfig").string() + " pkg-config --cflags feedwire");
  ASSERT_TRUE(cflags.starts_with("-I")) << cflags;
  ASSERT_TRUE(std::filesystem::equivalent(cflags.substr(2), prefix / "include")) << cflags;
  const std::filesystem::path pc_so = m_dir / "example-pc.so";
  ASSERT_TRUE(run({"/usr/bin/cc", "-shared", "-fPIC", "-fvisibility=hidden", cflags,
                   (project / "example.c").string(), "-o", pc_so.string()}));

  // 3. The installed feedwired, with both builds and the summarizer from the installed plugin
  //    folder (no path: found by name).
  test::HttpServer server;
  std::string words;
  for (int i = 0; i < 120; ++i) { // 1,200 words
    words += "Plugins run on every story that the daemon publishes today. ";
  }
  server.route("/f.xml",
               test::Response{.body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
                                      "<title>T</title><link>https://example.org/</link><item>"
                                      "<guid>g1</guid><title>Long one</title><description>" +
                                      words + "</description></item></channel></rss>"});
  const std::filesystem::path config = m_dir / "feedwire.toml";
  std::ofstream(config) << "state_dir = \"state\"\nlog_level = \"warn\"\n"
                        << "[publish]\nendpoints = [\"tcp://127.0.0.1:*\"]\n"
                        << "once_wait_subscribers_ms = 0\nreplay_endpoint = \"\"\n"
                        << "[[feed]]\nid = \"f\"\nurl = \"" << server.url("/f.xml") << "\"\n"
                        << "[[plugin]]\nname = \"example\"\npath = \"" << cmake_so.string()
                        << "\"\nconfig = { long_read_words = 1000 }\n"
                        << "[[plugin]]\nname = \"example-pc\"\npath = \"" << pc_so.string()
                        << "\"\n[[plugin]]\nname = \"summarizer\"\n";
  test::ChildProcess daemon(
      {(prefix / "bin/feedwired").string(), "--once", "--stdout", "--config", config.string()},
      test::ChildStdout::pipe);
  std::vector<nlohmann::json> messages;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (auto line = daemon.read_line(deadline)) {
    messages.push_back(nlohmann::json::parse(*line));
  }
  const std::optional<int> status = daemon.wait_for(10s);
  ASSERT_TRUE(status && WIFEXITED(*status)) << "feedwired did not exit";
  EXPECT_EQ(WEXITSTATUS(*status), 0);

  std::map<std::string, nlohmann::json> by_topic;
  for (const nlohmann::json& m : messages) {
    by_topic[m["topic"].get<std::string>()] = m["message"];
  }
  ASSERT_TRUE(by_topic.count("story.new.f")) << nlohmann::json(messages).dump();
  const nlohmann::json& story = by_topic["story.new.f"];
  EXPECT_EQ(story["attrs"]["example.words"], 1200);
  EXPECT_EQ(story["attrs"]["example.reading_minutes"], 6);
  EXPECT_EQ(story["attrs"]["example-pc.words"], 1200);
  ASSERT_TRUE(story["tags"].is_array());
  ASSERT_FALSE(story["tags"].empty());
  EXPECT_EQ(story["tags"][0]["tag"], "long-read");
  EXPECT_TRUE(story["summary"].is_string());
  EXPECT_TRUE(by_topic.count("tag.long-read"));
}

} // namespace
} // namespace fw
