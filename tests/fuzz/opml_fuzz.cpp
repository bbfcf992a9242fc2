// libFuzzer target for OPML import: config::parse_opml on the input, the code path read_opml and
// the config's `opml` files take after reading the file. Besides crashes and sanitizer reports
// it checks:
// - the only exception is fw::ConfigError, whose message has one line per problem, each starting
//   with the file's label;
// - imported feeds round-trip: opml_to_toml writes TOML that parse_config reads back into the
//   same feeds (`feedwire import-opml`), and feeds_to_opml writes OPML that parse_opml reads back
//   into the same URLs, titles and tags (`feedwire export-opml`).
//
// Dictionary: opml_fuzz.dict. Seeds: tests/fuzz/corpus/opml/ plus tests/fixtures/**/*.opml,
// gathered by tests/fuzz/run_fuzz.sh.

#include "config/config.hpp"
#include "config/opml.hpp"
#include "util/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

namespace {

const std::string k_label = "fuzz.opml";

[[noreturn]] void contract_broken(const char* what, std::string_view detail) {
  std::fprintf(stderr, "opml_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void check_message(std::string_view input, std::string_view message) {
  if (message.empty()) {
    contract_broken("empty ConfigError message", input);
  }
  std::size_t begin = 0;
  while (begin <= message.size()) {
    std::size_t end = message.find('\n', begin);
    if (end == std::string_view::npos) {
      end = message.size();
    }
    if (!message.substr(begin, end - begin).starts_with(k_label + ":")) {
      contract_broken("a ConfigError line does not start with the file's label",
                      std::string(message) + "\n--- input:\n" + std::string(input));
    }
    begin = end + 1;
  }
}

void check_toml_round_trip(std::string_view input,
                           const std::vector<fw::config::FeedConfig>& feeds) {
  const std::string toml = fw::config::opml_to_toml(feeds);
  std::vector<fw::config::FeedConfig> again;
  try {
    again = fw::config::parse_config(toml, "/nonexistent/feedwire.toml").feeds;
  } catch (const fw::ConfigError& e) {
    contract_broken("opml_to_toml wrote feeds that parse_config refuses",
                    std::string(e.what()) + "\n--- toml:\n" + toml + "--- input:\n" +
                        std::string(input));
  }
  bool same = again.size() == feeds.size();
  for (std::size_t i = 0; same && i < again.size(); ++i) {
    fw::config::FeedConfig a = again[i];
    a.origin = feeds[i].origin;
    same = a == feeds[i];
  }
  if (!same) {
    contract_broken("feeds differ after opml_to_toml and parse_config",
                    "--- toml:\n" + toml + "--- input:\n" + std::string(input));
  }
}

void check_opml_round_trip(std::string_view input,
                           const std::vector<fw::config::FeedConfig>& feeds) {
  const std::string opml = fw::config::feeds_to_opml(feeds, "fuzz");
  std::vector<fw::config::FeedConfig> again;
  try {
    again = fw::config::parse_opml(opml, k_label);
  } catch (const fw::ConfigError& e) {
    contract_broken("feeds_to_opml wrote OPML that parse_opml refuses",
                    std::string(e.what()) + "\n--- opml:\n" + opml + "--- input:\n" +
                        std::string(input));
  }
  bool same = again.size() == feeds.size();
  for (std::size_t i = 0; same && i < again.size(); ++i) {
    // Without a title the id is written as one.
    same = again[i].url == feeds[i].url && again[i].tags == feeds[i].tags &&
           again[i].title == feeds[i].title.value_or(feeds[i].id);
  }
  if (!same) {
    contract_broken("URLs, titles or tags differ after feeds_to_opml and parse_opml",
                    "--- opml:\n" + opml + "--- input:\n" + std::string(input));
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const std::vector<fw::config::FeedConfig> feeds = fw::config::parse_opml(text, k_label);
    check_toml_round_trip(text, feeds);
    check_opml_round_trip(text, feeds);
  } catch (const fw::ConfigError& e) {
    check_message(text, e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "opml_fuzz: %s: %s\n", typeid(e).name(), e.what());
    contract_broken("parse_opml threw something else than fw::ConfigError", text);
  }
  return 0;
}
