// libFuzzer target for the config loader: config::parse_config on the input as TOML, the code
// path load_config takes after reading the file. Besides crashes and sanitizer reports it checks:
// - the only exception is fw::ConfigError, whose message has one line per problem, each starting
//   with the file it is about ("path:line:column: ...");
// - a config that loads gives feeds that config::opml_to_toml writes and parse_config reads back
//   the same (every field but origin), as `feedwire import-opml` relies on.
//
// The config "lives" in a temp folder holding one OPML file, feeds.opml, so that
// `opml = ["feeds.opml"]` takes the path that merges OPML feeds into the [[feed]] ones.
// Inputs naming device or kernel files are skipped: the loader reads every OPML file it is given,
// and /dev/zero or a FIFO would never end.
//
// Dictionary: config_fuzz.dict. Seeds: tests/fuzz/corpus/config/ plus config/feedwire.toml and
// tests/fixtures/config/*.toml, gathered by tests/fuzz/run_fuzz.sh.

#include "config/config.hpp"
#include "config/opml.hpp"
#include "util/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_opml = R"(<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>fuzz</title></head>
  <body>
    <outline text="News">
      <outline type="rss" text="Example World" xmlUrl="https://example.com/world.xml"/>
      <outline type="rss" text="a" xmlUrl="https://example.com/a.xml" category="/x/y,z"/>
    </outline>
    <outline type="rss" xmlUrl="http://example.org/feed"/>
  </body>
</opml>
)";

fs::path g_folder;
fs::path g_config;

[[noreturn]] void contract_broken(const char* what, std::string_view detail) {
  std::fprintf(stderr, "config_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void remove_folder() {
  std::error_code ec;
  fs::remove_all(g_folder, ec);
}

bool names_special_files(std::string_view text) {
  for (const std::string_view dir : {"/dev/", "/proc/", "/sys/", "/run/"}) {
    if (text.find(dir) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

// One line per problem, each about the config file or an OPML file in its folder.
void check_message(std::string_view input, std::string_view message) {
  const std::string config_label = g_config.string() + ":";
  const std::string folder_label = g_folder.string() + "/";
  if (message.empty()) {
    contract_broken("empty ConfigError message", input);
  }
  std::size_t begin = 0;
  while (begin <= message.size()) {
    std::size_t end = message.find('\n', begin);
    if (end == std::string_view::npos) {
      end = message.size();
    }
    const std::string_view line = message.substr(begin, end - begin);
    if (!line.starts_with(config_label) && !line.starts_with(folder_label)) {
      contract_broken("a ConfigError line does not start with the file it is about",
                      std::string(message) + "\n--- input:\n" + std::string(input));
    }
    begin = end + 1;
  }
}

void check_round_trip(std::string_view input, const fw::config::Config& cfg) {
  // The same schedule bounds, so that the feeds' intervals are in range again.
  const fw::config::ScheduleConfig& s = cfg.schedule;
  const std::string toml =
      "[schedule]\ndefault_interval = " + std::to_string(s.default_interval.count()) +
      "\nmin_interval = " + std::to_string(s.min_interval.count()) +
      "\nmax_interval = " + std::to_string(s.max_interval.count()) + "\n\n" +
      fw::config::opml_to_toml(cfg.feeds);
  std::vector<fw::config::FeedConfig> again;
  try {
    again = fw::config::parse_config(toml, g_config).feeds;
  } catch (const fw::ConfigError& e) {
    contract_broken("opml_to_toml wrote feeds that parse_config refuses",
                    std::string(e.what()) + "\n--- toml:\n" + toml + "--- input:\n" +
                        std::string(input));
  }
  bool same = again.size() == cfg.feeds.size();
  for (std::size_t i = 0; same && i < again.size(); ++i) {
    fw::config::FeedConfig a = again[i];
    a.origin = cfg.feeds[i].origin;
    same = a == cfg.feeds[i];
  }
  if (!same) {
    contract_broken("feeds differ after opml_to_toml and parse_config",
                    "--- toml:\n" + toml + "--- input:\n" + std::string(input));
  }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  std::string folder = (fs::temp_directory_path() / "feedwire-config-fuzz.XXXXXX").string();
  if (::mkdtemp(folder.data()) == nullptr) {
    std::perror("config_fuzz: mkdtemp");
    std::abort();
  }
  g_folder = folder;
  g_config = g_folder / "feedwire.toml";
  std::ofstream(g_folder / "feeds.opml", std::ios::binary) << k_opml;
  std::atexit(remove_folder);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (names_special_files(text)) {
    return 0;
  }
  try {
    const fw::config::Config cfg = fw::config::parse_config(text, g_config);
    check_round_trip(text, cfg);
  } catch (const fw::ConfigError& e) {
    check_message(text, e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "config_fuzz: %s: %s\n", typeid(e).name(), e.what());
    contract_broken("parse_config threw something else than fw::ConfigError", text);
  }
  return 0;
}
