// example-cpp: the smallest useful feedwire plugin, in C++. Copy this file to start your own.
//
// It does what example.c does: counts the words of a story's plain text, sets the attributes
// "words" and "reading_minutes" (230 words a minute, rounded up; published as
// "<plugin name>.words" and so on), and tags stories of at least `long_read_words` words
// (default 1000) "long-read".
//
//   [[plugin]]
//   name = "example-cpp"
//   config = { long_read_words = 1500 }
//
// feedwire/plugin.hpp does the C ABI's chores: FEEDWIRE_PLUGIN below defines the one exported
// symbol, and no exception ever crosses into feedwired (the wrapper turns them into status
// codes). Build with -fvisibility=hidden so that the entry point stays the only export.
#include <cstdint>
#include <feedwire/plugin.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

constexpr std::uint64_t k_words_per_minute = 230;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// `"key": <whole number>` in the config JSON, or `fallback` when the key is absent. Throws
// ConfigError when the value is not a whole number from 1 on. A plugin with more settings should
// use a JSON library (the shipped ones use nlohmann/json); this keeps the example free of
// dependencies.
std::uint64_t config_number(std::string_view config, std::string_view key, std::uint64_t fallback) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (std::size_t at = config.find(quoted); at != std::string_view::npos;
       at = config.find(quoted, at + 1)) {
    const auto throw_bad = [&] {
      throw feedwire::ConfigError(std::string(key) +
                                  ": expected a whole number of words from 1 on, e.g. 1000");
    };
    std::size_t p = at + quoted.size();
    const auto skip_space = [&] {
      while (p < config.size() && is_space(config[p])) {
        ++p;
      }
    };
    skip_space();
    // A string value that happens to read "long_read_words" is followed by , or } instead.
    if (p == config.size() || config[p] != ':') {
      continue;
    }
    ++p;
    skip_space();
    std::uint64_t n = 0;
    std::size_t digits = 0;
    for (; p < config.size() && config[p] >= '0' && config[p] <= '9'; ++p, ++digits) {
      if (digits == 9) {
        throw_bad(); // a billion words or more: refuse rather than overflow
      }
      n = n * 10 + static_cast<std::uint64_t>(config[p] - '0');
    }
    skip_space();
    if (digits == 0 || n == 0 || p == config.size() || (config[p] != ',' && config[p] != '}')) {
      throw_bad(); // 0, a string, a negative or fractional number, null, ...
    }
    return n;
  }
  return fallback;
}

class Example {
public:
  // How the plugin describes itself: name is [a-z0-9_-]+ and names its attributes in the output.
  static constexpr std::string_view name = "example-cpp";
  static constexpr std::string_view version = "1.0";

  // Runs once per [[plugin]] table, before any story. Throwing ConfigError refuses the
  // configuration: feedwired does not start, and logs the message.
  Example(feedwire::Host /*host*/, std::string_view config_json)
      : m_long_read_words(config_number(config_json, "long_read_words", 1000)) {}

  // Runs for every story, one at a time (add `static constexpr std::uint32_t flags =
  // FW_PLUGIN_CONCURRENT;` once it is safe to run on several threads at once). Throwing fails
  // the call: the host forgets what it added, and the story goes on as it was.
  fw_verdict process(feedwire::Story& story) {
    // A view into the host's story: valid during this call only, so copy what you keep.
    const std::string_view text = story.text();
    std::uint64_t words = 0;
    bool in_word = false;
    for (const char c : text) {
      // A word is a run of anything but ASCII white space.
      if (!is_space(c) && !in_word) {
        ++words;
      }
      in_word = !is_space(c);
    }
    const std::uint64_t minutes = (words + k_words_per_minute - 1) / k_words_per_minute;

    // Attribute values are JSON text; the host copies them.
    check(story.set_attr("words", std::to_string(words)));
    check(story.set_attr("reading_minutes", std::to_string(minutes)));
    if (words >= m_long_read_words) {
      check(story.add_tag("long-read", 1.0, "Long read"));
    }
    return FW_KEEP; // FW_DROP would keep the story from being published
  }

private:
  static void check(fw_status status) {
    if (status != FW_OK) {
      throw std::runtime_error("the host refused a value: status " + std::to_string(status));
    }
  }

  std::uint64_t m_long_read_words;
};

} // namespace

FEEDWIRE_PLUGIN(Example)
