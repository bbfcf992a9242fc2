#include "cli/plugin_check_command.hpp"

#include "normalize/html_text.hpp"
#include "parse/date.hpp"
#include "plugin_host/chain.hpp"
#include "plugin_host/isolated.hpp"
#include "plugin_host/plugin.hpp"
#include "plugin_host/sample_story.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire plugin-check PATH.so [options]\n"
    "\n"
    "Loads a plugin the way feedwired does, prints its name, version and ABI, runs it on a\n"
    "story and prints the result (verdict, tags, summary, attributes) as JSON, then the time\n"
    "per call.\n"
    "\n"
    "  --name NAME        the [[plugin]] name it runs under (default: the file name without .so)\n"
    "  --config JSON      its config, a JSON object (default: {})\n"
    "  --story FILE.json  the story: an item of `feedwire parse` output or a published story\n"
    "                     body (title, link, text, content_html, summary_html, published,\n"
    "                     categories, authors, feed_id, language, ...); default: a built-in\n"
    "                     news article of about 5 KB with boilerplate lines\n"
    "  --isolate          run it in a child process, as isolate = true does\n"
    "  --timeout MS       an isolated call's timeout (default 5000)\n"
    "  --state-dir DIR    give it DIR/plugins/NAME as its own folder (default: none)\n"
    "  --calls N          calls to time (default: as many as fit in about one second)\n"
    "\n"
    "Exit status: 0 the plugin loaded and its call succeeded, 1 it did not (reason on stderr),\n"
    "2 usage error.\n";

std::optional<std::string> text_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

struct Sample {
  model::Story story;
  std::string story_id = "0123456789abcdef";
  std::string feed_id = "sample";
  std::string feed_title = "Sample feed";
  std::string language = "en";
};

Sample built_in_sample() {
  Sample s;
  s.story = plugin_host::sample_story();
  return s;
}

// The story of a JSON file: an item of `feedwire parse` or a published story body.
Sample sample_from(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ConfigError(file + ": cannot be read");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(file + ": not JSON: " + e.what());
  }
  if (!j.is_object()) {
    throw ConfigError(file + ": expected a JSON object (one story)");
  }
  Sample s;
  model::Story& st = s.story;
  st.id = text_of(j, "id");
  st.link = text_of(j, "link");
  st.title = text_of(j, "title");
  st.summary_html = text_of(j, "summary_html");
  st.content_html = text_of(j, "content_html");
  st.text = text_of(j, "text");
  if (!st.text && (st.content_html || st.summary_html)) {
    st.text = normalize::html_to_text(st.content_html ? *st.content_html : *st.summary_html);
  }
  st.image = text_of(j, "image");
  st.comments = text_of(j, "comments");
  if (auto p = text_of(j, "published")) {
    st.published = parse::parse_date(*p);
  }
  if (auto u = text_of(j, "updated")) {
    st.updated = parse::parse_date(*u);
  }
  if (const auto it = j.find("categories"); it != j.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (c.is_string()) {
        st.categories.push_back(c.get<std::string>());
      }
    }
  }
  if (const auto it = j.find("authors"); it != j.end() && it->is_array()) {
    for (const auto& a : *it) {
      if (a.is_object()) {
        st.authors.push_back(
            model::Author{text_of(a, "name"), text_of(a, "email"), text_of(a, "uri")});
      }
    }
  }
  s.story_id = text_of(j, "story_id").value_or(s.story_id);
  s.feed_id = text_of(j, "feed_id").value_or(s.feed_id);
  s.feed_title = text_of(j, "feed_title").value_or(s.feed_title);
  s.language = text_of(j, "language").value_or(s.language);
  return s;
}

nlohmann::json result_json(const plugin_host::Outcome& o, const plugin_host::Additions& a) {
  nlohmann::json j;
  j["status"] = o.status == FW_OK ? "FW_OK" : "error " + std::to_string(o.status);
  if (!o.failure.empty()) {
    j["failure"] = o.failure;
  }
  j["verdict"] = o.drop ? "drop" : "keep";
  j["tags"] = nlohmann::json::array();
  for (const model::Tag& t : a.tags) {
    j["tags"].push_back({{"tag", t.tag}, {"label", t.label}, {"score", t.score}, {"by", t.by}});
  }
  if (a.summary) {
    j["summary"] = *a.summary;
  }
  j["attrs"] = nlohmann::json::object();
  for (const auto& [key, value] : a.attrs) {
    j["attrs"][key] = nlohmann::json::parse(value);
  }
  return j;
}

struct Options {
  std::string path;
  std::string name;
  std::string config = "{}";
  std::optional<std::string> story_file;
  bool isolate = false;
  std::chrono::milliseconds timeout{5000};
  std::string state_dir;
  std::optional<long> calls;
};

int usage_error(const std::string& message) {
  std::cerr << "feedwire plugin-check: " << message << "\n" << k_usage;
  return 2;
}

} // namespace

int plugin_check_command(std::span<const std::string_view> args) {
  Options opt;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << k_usage;
      return 0;
    }
    const bool takes_value = a == "--name" || a == "--config" || a == "--story" ||
                             a == "--timeout" || a == "--state-dir" || a == "--calls";
    if (takes_value && i + 1 >= args.size()) {
      return usage_error(std::string(a) + " needs a value");
    }
    try {
      if (a == "--name") {
        opt.name = args[++i];
      } else if (a == "--config") {
        opt.config = args[++i];
      } else if (a == "--story") {
        opt.story_file = std::string(args[++i]);
      } else if (a == "--timeout") {
        opt.timeout = std::chrono::milliseconds{std::stol(std::string(args[++i]))};
      } else if (a == "--state-dir") {
        opt.state_dir = args[++i];
      } else if (a == "--calls") {
        opt.calls = std::stol(std::string(args[++i]));
      } else if (a == "--isolate") {
        opt.isolate = true;
      } else if (!a.empty() && a.front() == '-') {
        return usage_error("unknown option '" + std::string(a) + "'");
      } else if (opt.path.empty()) {
        opt.path = a;
      } else {
        return usage_error("one plugin at a time");
      }
    } catch (const std::exception&) {
      return usage_error(std::string(a) + " needs a number");
    }
  }
  if (opt.path.empty()) {
    return usage_error("which plugin? give the path of its .so");
  }
  if (opt.calls && *opt.calls < 1) {
    return usage_error("--calls needs a number of at least 1");
  }
  if (!nlohmann::json::accept(opt.config) || !nlohmann::json::parse(opt.config).is_object()) {
    return usage_error("--config must be a JSON object, e.g. '{\"sentences\": 2}'");
  }
  const std::filesystem::path path = std::filesystem::absolute(opt.path);
  if (opt.name.empty()) {
    opt.name = path.stem().string();
  }

  try {
    const Sample sample = opt.story_file ? sample_from(*opt.story_file) : built_in_sample();
    plugin_host::HostDirs dirs;
    if (!opt.state_dir.empty()) {
      dirs.plugin_dir = std::filesystem::absolute(opt.state_dir) / "plugins" / opt.name;
    }
    dirs.config_dir = std::filesystem::current_path();

    std::variant<std::monostate, plugin_host::Plugin, plugin_host::IsolatedPlugin> plugin;
    if (opt.isolate) {
      plugin_host::IsolationOptions io;
      io.host_program = plugin_host::self_program().parent_path() / "feedwired";
      io.timeout = opt.timeout;
      plugin = plugin_host::IsolatedPlugin::start(opt.name, path, dirs, opt.config, io);
    } else {
      plugin_host::Plugin p = plugin_host::Plugin::load(opt.name, path, dirs);
      p.create(opt.config);
      plugin = std::move(p);
    }
    auto call = [&](const plugin_host::StoryView& v, plugin_host::Additions& a) {
      return opt.isolate ? std::get<plugin_host::IsolatedPlugin>(plugin).process(v, a)
                         : std::get<plugin_host::Plugin>(plugin).process(v, a);
    };
    if (opt.isolate) {
      const auto& p = std::get<plugin_host::IsolatedPlugin>(plugin);
      std::cout << "plugin   " << p.plugin_name() << " " << p.plugin_version() << " (ABI 1."
                << p.abi_minor() << ", isolated, host ABI 1." << FW_ABI_MINOR << ")\n";
    } else {
      const auto& p = std::get<plugin_host::Plugin>(plugin);
      std::cout << "plugin   " << p.plugin_name() << " " << p.plugin_version() << " (ABI 1."
                << p.abi_minor() << ", host ABI 1." << FW_ABI_MINOR << ")"
                << (p.concurrent() ? ", concurrent" : "") << "\n";
    }
    std::cout << "file     " << path.string() << "\n"
              << "story    " << sample.story.title.value_or("(no title)") << " ("
              << sample.story.text.value_or("").size() << " bytes of text)\n";

    const plugin_host::StoryView view{&sample.story, sample.story_id, sample.feed_id,
                                      sample.feed_title, sample.language};
    plugin_host::Additions additions;
    const plugin_host::Outcome outcome = call(view, additions);
    std::cout << result_json(outcome, additions).dump(2) << "\n";
    if (outcome.status != FW_OK) {
      std::cerr << "feedwire plugin-check: the call failed ("
                << (outcome.failure.empty() ? "status " + std::to_string(outcome.status)
                                            : outcome.failure)
                << "); feedwired would publish the story as it was\n";
      return 1;
    }

    std::vector<double> micros;
    const auto budget = std::chrono::seconds{1};
    const auto start = std::chrono::steady_clock::now();
    while (opt.calls ? static_cast<long>(micros.size()) < *opt.calls
                     : std::chrono::steady_clock::now() - start < budget) {
      plugin_host::Additions a;
      const auto t0 = std::chrono::steady_clock::now();
      call(view, a);
      micros.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(micros.begin(), micros.end());
    const double median = micros[micros.size() / 2];
    const double p99 = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
    std::printf("time     median %.1f us, p99 %.1f us per call over %zu calls\n", median, p99,
                micros.size());
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << "feedwire plugin-check: " << e.what() << "\n";
    return 1;
  }
}

} // namespace fw::cli
