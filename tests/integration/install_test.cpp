// A packager's install: `DESTDIR=<tmp> cmake --install <build> --prefix /usr`. The staged tree has
// the programs, the shipped plugins, the plugin SDK, the systemd unit and the FHS config, and the
// installed programs accept the installed config: they find the installed plugins from their own
// location and load them. Nothing runs the daemon for real (its state would be /var/lib).

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace fw {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path k_source = FW_SOURCE_DIR;
const std::filesystem::path k_binary = FW_BINARY_DIR;
const std::filesystem::path k_libdir = FW_INSTALL_LIBDIR; // relative, e.g. "lib"

// A finished program: its exit code (-1 if it did not exit by itself in time) and its stdout.
struct Ran {
  int exit_code = -1;
  std::string out;
};

// Runs `argv` (argv[0] a path) to completion, stderr on the test's own, stdout captured.
Ran run(std::vector<std::string> argv) {
  test::ChildProcess child(std::move(argv), test::ChildStdout::pipe);
  Ran ran;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::optional<std::string> line = child.read_line(deadline)) {
    ran.out += *line + "\n";
  }
  const std::optional<int> status = child.wait_for(5s);
  if (status && WIFEXITED(*status)) {
    ran.exit_code = WEXITSTATUS(*status);
  }
  return ran;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.insert(line);
  }
  return lines;
}

class InstallTest : public ::testing::Test {
protected:
  // DESTDIR=<root> cmake --install <build> --prefix /usr; its output on failure.
  void install() {
    const Ran ran = run({"/usr/bin/env", "DESTDIR=" + m_root.string(), "/usr/bin/cmake",
                         "--install", k_binary.string(), "--prefix", "/usr"});
    ASSERT_EQ(ran.exit_code, 0) << ran.out;
  }

  test::TempDir m_dir;
  const std::filesystem::path m_root = m_dir.path() / "root";
  const std::filesystem::path m_config = m_root / "etc/feedwire/feedwire.toml";
};

TEST_F(InstallTest, DestdirInstallHasProgramsPluginsSdkUnitAndFhsConfig) {
  ASSERT_NO_FATAL_FAILURE(install());
  const std::filesystem::path usr = m_root / "usr";

  for (const char* program : {"bin/feedwired", "bin/feedwire"}) {
    const std::filesystem::path p = usr / program;
    ASSERT_TRUE(std::filesystem::is_regular_file(p)) << p;
    EXPECT_NE(std::filesystem::status(p).permissions() & std::filesystem::perms::owner_exec,
              std::filesystem::perms::none)
        << p;
  }
  for (const char* plugin : {"tagger.so", "summarizer.so"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(usr / k_libdir / "feedwire/plugins" / plugin))
        << plugin;
  }
  EXPECT_TRUE(std::filesystem::is_regular_file(usr / "include/feedwire/plugin.h"));
  EXPECT_TRUE(std::filesystem::is_regular_file(usr / "include/feedwire/plugin.hpp"));
  EXPECT_TRUE(
      std::filesystem::is_regular_file(usr / k_libdir / "cmake/feedwire/feedwire-config.cmake"));
  EXPECT_TRUE(std::filesystem::is_regular_file(usr / k_libdir /
                                               "cmake/feedwire/feedwire-config-version.cmake"));
  EXPECT_TRUE(
      std::filesystem::is_regular_file(usr / k_libdir / "cmake/feedwire/feedwire-targets.cmake"));
  EXPECT_TRUE(std::filesystem::is_regular_file(usr / k_libdir / "pkgconfig/feedwire.pc"));
  EXPECT_TRUE(std::filesystem::is_regular_file(usr / "share/doc/feedwire/README.md"));

  // The unit names the programs and the config of this install (/usr, /etc), not of the
  // configured prefix.
  const std::filesystem::path unit = usr / "lib/systemd/system/feedwire.service";
  ASSERT_TRUE(std::filesystem::is_regular_file(unit));
  const std::set<std::string> unit_lines = lines_of(read_text(unit));
  for (const char* line : {
           "Type=notify",
           "ExecStartPre=/usr/bin/feedwired --check-config --config /etc/feedwire/feedwire.toml",
           "ExecStart=/usr/bin/feedwired --config /etc/feedwire/feedwire.toml",
           "ExecReload=/bin/kill -HUP $MAINPID",
           "StateDirectory=feedwire",
           "RuntimeDirectory=feedwire",
       }) {
    EXPECT_TRUE(unit_lines.count(line)) << "no line \"" << line << "\" in " << unit;
  }
  for (const std::string& line : unit_lines) {
    EXPECT_EQ(line.find("@FW_"), std::string::npos) << "not substituted: " << line;
  }

  // The config is the checkout's, with the FHS state folder and nothing else changed.
  ASSERT_TRUE(std::filesystem::is_regular_file(m_config));
  std::string expected = read_text(k_source / "config/feedwire.toml");
  const std::string dev_line = "\nstate_dir = \"var\"\n";
  const std::size_t at = expected.find(dev_line);
  ASSERT_NE(at, std::string::npos);
  expected.replace(at, dev_line.size(), "\nstate_dir = \"/var/lib/feedwire\"\n");
  EXPECT_EQ(read_text(m_config), expected);
  EXPECT_TRUE(lines_of(read_text(m_config)).count("state_dir = \"/var/lib/feedwire\""));
}

TEST_F(InstallTest, InstalledProgramsAcceptTheInstalledConfigWithTheInstalledPlugins) {
  ASSERT_NO_FATAL_FAILURE(install());
  const std::filesystem::path feedwired = m_root / "usr/bin/feedwired";
  const std::filesystem::path feedwire = m_root / "usr/bin/feedwire";

  const Ran daemon = run({feedwired.string(), "--check-config", "--config", m_config.string()});
  EXPECT_EQ(daemon.exit_code, 0) << daemon.out;
  EXPECT_TRUE(daemon.out.starts_with(m_config.string() + ": OK: ")) << daemon.out;
  const Ran cli = run({feedwire.string(), "check-config", m_config.string()});
  EXPECT_EQ(cli.exit_code, 0) << cli.out;
  EXPECT_TRUE(cli.out.starts_with(m_config.string() + ": OK: ")) << cli.out;

  // The plugins that made it pass are the installed ones: without the installed tagger, the
  // config names a plugin that cannot be found (exit 2, a config error).
  const std::filesystem::path tagger = m_root / "usr" / k_libdir / "feedwire/plugins/tagger.so";
  std::filesystem::rename(tagger, m_dir.path() / "tagger.so");
  EXPECT_EQ(run({feedwired.string(), "--check-config", "--config", m_config.string()}).exit_code,
            2);
}

TEST_F(InstallTest, ReinstallKeepsAnEditedConfigAndPutsTheNewDefaultBesideIt) {
  ASSERT_NO_FATAL_FAILURE(install());
  const std::string fresh = read_text(m_config);
  const std::filesystem::path new_config = m_config.parent_path() / "feedwire.toml.new";

  ASSERT_NO_FATAL_FAILURE(install()); // unchanged: replaced in place, no .new
  EXPECT_EQ(read_text(m_config), fresh);
  EXPECT_FALSE(std::filesystem::exists(new_config));

  const std::string edited = fresh + "\n[[feed]]\nid = \"mine\"\nurl = \"https://example.org/\"\n";
  std::ofstream(m_config, std::ios::binary) << edited;
  ASSERT_NO_FATAL_FAILURE(install());
  EXPECT_EQ(read_text(m_config), edited);
  EXPECT_EQ(read_text(new_config), fresh);
}

} // namespace
} // namespace fw
