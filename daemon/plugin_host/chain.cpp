#include "plugin_host/chain.hpp"

#include "plugin_host/isolated.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <spdlog/spdlog.h>
#include <utility>

namespace fw::plugin_host {
namespace {

// How a failure with `status` is logged and counted.
std::string status_cause(fw_status status) {
  std::string cause = status_name(status);
  if (status == FW_ERR_INVALID) {
    cause += " (a bad argument to a host function, or a bad verdict)";
  } else if (status == FW_ERR_LIMIT) {
    cause += " (too many tags, or a summary or attribute too large)";
  }
  return cause;
}

} // namespace

// One configured plugin, in process or isolated, with its scope and its counters.
// Why a call failed: what the host found (an isolated plugin's crash), else its status code.
std::string failure_cause(const Outcome& outcome) {
  return outcome.failure.empty() ? status_cause(outcome.status) : outcome.failure;
}

struct Entry {
  config::PluginConfig config;
  std::optional<Plugin> in_process;
  std::optional<IsolatedPlugin> isolated;
  std::optional<std::set<std::string, std::less<>>> feeds; // unset: every feed
  bool concurrent = false;
  std::mutex call_mutex; // serialises a plugin that is not concurrent (isolated ones lock inside)

  mutable std::mutex stats_mutex;
  PluginStats stats;
  std::set<std::string> logged_causes; // each failure cause is logged once

  [[nodiscard]] bool covers(std::string_view feed_id) const {
    return !feeds || feeds->find(feed_id) != feeds->end();
  }

  Outcome call(const StoryView& view, Additions& additions) {
    if (isolated) {
      return isolated->process(view, additions);
    }
    if (concurrent) {
      return in_process->process(view, additions);
    }
    const std::lock_guard lock(call_mutex);
    return in_process->process(view, additions);
  }

  void count(const StoryView& view, const Outcome& outcome, std::chrono::nanoseconds took) {
    const std::lock_guard lock(stats_mutex);
    ++stats.calls;
    stats.busy += took;
    if (isolated) {
      stats.restarts = isolated->restarts();
    }
    if (outcome.status == FW_OK) {
      stats.drops += outcome.drop ? 1 : 0;
      return;
    }
    ++stats.failures;
    const std::string cause = failure_cause(outcome);
    ++stats.causes[cause];
    if (logged_causes.insert(cause).second) {
      spdlog::warn("plugin={} feed={} story={} error=\"{}\": the story goes on as it was; "
                   "further failures of this kind are counted, not logged",
                   config.name, view.feed_id, view.story_id, cause);
    }
  }
};

struct Chain::Impl {
  std::vector<std::unique_ptr<Entry>> entries;
  ChainOptions options;
};

Chain::Chain() : m(std::make_unique<Impl>()) {}
Chain::Chain(Chain&&) noexcept = default;
Chain& Chain::operator=(Chain&&) noexcept = default;
Chain::~Chain() = default;

Chain Chain::load(const std::vector<config::PluginConfig>& plugins, const ChainOptions& options) {
  Chain chain;
  chain.m->options = options;
  for (const config::PluginConfig& pc : plugins) {
    auto e = std::make_unique<Entry>();
    e->config = pc;
    if (e->config.path.empty()) {
      const std::optional<std::filesystem::path> found = find_plugin(pc.name, options.search_path);
      if (!found) {
        std::string folders;
        for (const std::filesystem::path& dir : options.search_path) {
          folders += (folders.empty() ? "" : ", ") + dir.string();
        }
        throw ConfigError("plugin " + pc.name + " (" + pc.origin + "): no file " + pc.name +
                          ".so in the plugin folders (" + folders +
                          "); set its path, or add its folder to plugin_path");
      }
      e->config.path = *found;
    }
    HostDirs dirs;
    if (!options.state_dir.empty()) {
      dirs.plugin_dir = options.state_dir / "plugins" / pc.name;
    }
    dirs.config_dir = options.config_dir;
    if (pc.isolate) {
      IsolationOptions io;
      io.host_program = options.host_program;
      io.timeout = pc.timeout;
      io.memory_limit = static_cast<std::size_t>(pc.memory_limit_bytes);
      e->isolated.emplace(IsolatedPlugin::start(pc.name, e->config.path, dirs, pc.config_json, io));
    } else {
      e->in_process.emplace(Plugin::load(pc.name, e->config.path, dirs));
      e->in_process->create(pc.config_json);
      e->concurrent = e->in_process->concurrent();
    }
    if (pc.feeds) {
      e->feeds.emplace(pc.feeds->begin(), pc.feeds->end());
    }
    e->stats.name = pc.name;
    e->stats.isolated = pc.isolate;
    const std::string_view plugin_name =
        e->isolated ? e->isolated->plugin_name() : e->in_process->plugin_name();
    const std::string_view version =
        e->isolated ? e->isolated->plugin_version() : e->in_process->plugin_version();
    spdlog::info("plugin={} loaded={} version={} path={}{}{}", pc.name, plugin_name, version,
                 e->config.path.string(), pc.isolate ? " isolated" : "",
                 pc.feeds ? " feeds=" + std::to_string(pc.feeds->size()) : std::string());
    chain.m->entries.push_back(std::move(e));
  }
  return chain;
}

bool Chain::empty() const noexcept {
  return m->entries.empty();
}

bool Chain::runs_on(std::string_view feed_id) const noexcept {
  return std::any_of(m->entries.begin(), m->entries.end(),
                     [&](const std::unique_ptr<Entry>& e) { return e->covers(feed_id); });
}

ChainResult Chain::run(const StoryView& view, Additions initial) {
  ChainResult result;
  result.additions = std::move(initial);
  for (const std::unique_ptr<Entry>& e : m->entries) {
    if (!e->covers(view.feed_id)) {
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    const Outcome outcome = e->call(view, result.additions);
    const std::chrono::nanoseconds took = std::chrono::steady_clock::now() - start;
    e->count(view, outcome, took);
    if (m->options.on_call) {
      const std::string cause = outcome.status != FW_OK ? failure_cause(outcome)
                                : outcome.drop          ? "dropped"
                                                        : "ok";
      m->options.on_call(e->config.name, took, cause);
    }
    if (outcome.status == FW_OK && outcome.drop) {
      result.dropped_by = e->config.name;
      break;
    }
  }
  return result;
}

std::vector<PluginStats> Chain::stats() const {
  std::vector<PluginStats> out;
  for (const std::unique_ptr<Entry>& e : m->entries) {
    const std::lock_guard lock(e->stats_mutex);
    out.push_back(e->stats);
  }
  return out;
}

std::vector<std::string> Chain::summary() const {
  std::vector<std::string> lines;
  for (const PluginStats& s : stats()) {
    const double avg_us = s.calls == 0 ? 0.0
                                       : std::chrono::duration<double, std::micro>(s.busy).count() /
                                             static_cast<double>(s.calls);
    std::string line = "plugin=" + s.name + " calls=" + std::to_string(s.calls) +
                       " drops=" + std::to_string(s.drops) +
                       " failures=" + std::to_string(s.failures) +
                       (s.isolated ? " restarts=" + std::to_string(s.restarts) : std::string()) +
                       " avg_us=" + std::to_string(static_cast<long long>(avg_us + 0.5));
    for (const auto& [cause, n] : s.causes) {
      line += " [" + cause + "]=" + std::to_string(n);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

ChainOptions chain_options(const config::Config& c, std::filesystem::path host_program,
                           bool with_state) {
  ChainOptions o;
  o.search_path = plugin_search_path(c.plugin_path);
  if (with_state) {
    o.state_dir = c.state_dir;
  }
  o.config_dir = c.file.parent_path();
  o.host_program = std::move(host_program);
  return o;
}

std::filesystem::path self_program() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : p;
}

std::vector<std::filesystem::path>
plugin_search_path(const std::vector<std::filesystem::path>& configured) {
  std::vector<std::filesystem::path> out = configured;
  const std::filesystem::path program = self_program();
  if (!program.empty()) {
    const std::filesystem::path prefix = program.parent_path().parent_path();
    out.push_back((prefix / FW_INSTALL_LIBDIR / "feedwire" / "plugins").lexically_normal());
    out.push_back((prefix / "plugins").lexically_normal());
  }
  return out;
}

} // namespace fw::plugin_host
