// feedwire plugin ABI, C++ side: a header-only wrapper over plugin.h and one macro.
//
//   #include <feedwire/plugin.hpp>
//
//   class Shout {
//   public:
//     static constexpr std::string_view name = "shout";
//     static constexpr std::string_view version = "1.0";
//     // The [[plugin]] table's `config` as JSON. Throw feedwire::ConfigError to refuse it.
//     Shout(feedwire::Host host, std::string_view config_json);
//     // Throwing fails the call: the story goes on as it was.
//     fw_verdict process(feedwire::Story& story);
//   };
//   FEEDWIRE_PLUGIN(Shout)
//
// Optional: `static constexpr std::uint32_t flags = FW_PLUGIN_CONCURRENT;` when process() may
// run on several threads at once. No exception ever leaves the plugin through the C boundary:
// the wrapper turns them into status codes (ConfigError -> FW_ERR_CONFIG, std::bad_alloc ->
// FW_ERR_NO_MEMORY, anything else -> FW_ERR_FAILED or, from the constructor, FW_ERR_CONFIG),
// logging the message.
#pragma once

#include "feedwire/plugin.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace feedwire {

inline std::string_view view(fw_str s) noexcept {
  return s.ptr != nullptr ? std::string_view(s.ptr, s.len) : std::string_view();
}

inline fw_str str(std::string_view s) noexcept {
  return fw_str{s.data(), s.size()};
}

// A string the host may not have: nullopt for {NULL, 0}.
inline std::optional<std::string_view> optional_view(fw_str s) noexcept {
  if (s.ptr == nullptr) {
    return std::nullopt;
  }
  return std::string_view(s.ptr, s.len);
}

// Thrown by a plugin's constructor to refuse its configuration: feedwired does not start, and
// its log names the plugin and this message.
class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The host's services that do not concern one story.
class Host {
public:
  explicit Host(const fw_host_v1* host) noexcept : m_host(host) {}

  void log(std::int32_t level, std::string_view message) const noexcept {
    m_host->log(m_host, level, str(message));
  }
  void debug(std::string_view message) const noexcept { log(FW_LOG_DEBUG, message); }
  void info(std::string_view message) const noexcept { log(FW_LOG_INFO, message); }
  void warn(std::string_view message) const noexcept { log(FW_LOG_WARN, message); }
  void error(std::string_view message) const noexcept { log(FW_LOG_ERROR, message); }

  [[nodiscard]] std::uint32_t abi_minor() const noexcept { return m_host->abi_minor; }

  // The plugin's own folder for what it keeps across restarts, or nullopt when there is none.
  [[nodiscard]] std::optional<std::string_view> plugin_dir() const noexcept {
    return optional_view(m_host->plugin_dir(m_host));
  }
  // The folder of feedwired's config file, or nullopt when unknown.
  [[nodiscard]] std::optional<std::string_view> config_dir() const noexcept {
    return optional_view(m_host->config_dir(m_host));
  }
  // `path` resolved against config_dir() when it is relative and the folder is known.
  [[nodiscard]] std::string resolve(std::string_view path) const {
    const std::optional<std::string_view> dir = config_dir();
    if (path.empty() || path.front() == '/' || !dir) {
      return std::string(path);
    }
    std::string out(*dir);
    if (!out.empty() && out.back() != '/') {
      out.push_back('/');
    }
    out.append(path);
    return out;
  }
  [[nodiscard]] const fw_host_v1* raw() const noexcept { return m_host; }

private:
  const fw_host_v1* m_host;
};

// The story of one process() call. Views it returns are valid until the story changes or the
// call returns.
class Story {
public:
  Story(const fw_host_v1* host, fw_story* story) noexcept : m_host(host), m_story(story) {}

  // The field, or nullopt when the story does not have it.
  [[nodiscard]] std::optional<std::string_view> field(fw_field f) const noexcept {
    return optional_view(m_host->story_field(m_story, f));
  }
  // The field, or "" when the story does not have it.
  [[nodiscard]] std::string_view get(fw_field f) const noexcept { return field(f).value_or(""); }
  [[nodiscard]] std::string_view story_id() const noexcept { return get(FW_FIELD_STORY_ID); }
  [[nodiscard]] std::string_view feed_id() const noexcept { return get(FW_FIELD_FEED_ID); }
  [[nodiscard]] std::string_view title() const noexcept { return get(FW_FIELD_TITLE); }
  [[nodiscard]] std::string_view link() const noexcept { return get(FW_FIELD_LINK); }
  [[nodiscard]] std::string_view text() const noexcept { return get(FW_FIELD_TEXT); }

  [[nodiscard]] std::size_t list_size(fw_list list) const noexcept {
    return m_host->story_list_size(m_story, list);
  }
  [[nodiscard]] std::string_view list_item(fw_list list, std::size_t index) const noexcept {
    return view(m_host->story_list_item(m_story, list, index));
  }

  fw_status add_tag(std::string_view tag, double score, std::string_view label = {}) noexcept {
    return m_host->story_add_tag(m_story, str(tag), str(label), score);
  }
  fw_status set_summary(std::string_view text) noexcept {
    return m_host->story_set_summary(m_story, str(text));
  }
  // `json` must be one JSON value: set_attr("lang", "\"en\""), set_attr("words", "412").
  fw_status set_attr(std::string_view key, std::string_view json) noexcept {
    return m_host->story_set_attr(m_story, str(key), str(json));
  }

  [[nodiscard]] fw_story* raw() const noexcept { return m_story; }

private:
  const fw_host_v1* m_host;
  fw_story* m_story;
};

namespace detail {

template <class P> struct Instance {
  Instance(const fw_host_v1* h, std::string_view config) : host(h), plugin(Host(h), config) {}
  const fw_host_v1* host;
  P plugin;
};

template <class P> constexpr std::uint32_t flags_of() noexcept {
  if constexpr (requires { P::flags; }) {
    return static_cast<std::uint32_t>(P::flags);
  } else {
    return 0;
  }
}

template <class P> fw_status create(const fw_host_v1* host, fw_str config, void** state) noexcept {
  const Host h(host);
  try {
    *state = new Instance<P>(host, view(config));
    return FW_OK;
  } catch (const std::bad_alloc&) {
    h.error("out of memory while starting");
    return FW_ERR_NO_MEMORY;
  } catch (const std::exception& e) {
    h.error(e.what());
    return FW_ERR_CONFIG;
  } catch (...) {
    h.error("the plugin failed to start");
    return FW_ERR_CONFIG;
  }
}

template <class P> fw_status process(void* state, fw_story* story, fw_verdict* verdict) noexcept {
  auto* instance = static_cast<Instance<P>*>(state);
  const Host h(instance->host);
  try {
    Story s(instance->host, story);
    *verdict = instance->plugin.process(s);
    return FW_OK;
  } catch (const std::bad_alloc&) {
    return FW_ERR_NO_MEMORY;
  } catch (const std::exception& e) {
    h.debug(e.what());
    return FW_ERR_FAILED;
  } catch (...) {
    return FW_ERR_FAILED;
  }
}

template <class P> void destroy(void* state) noexcept {
  delete static_cast<Instance<P>*>(state);
}

// The body of fw_plugin_entry_v1 for plugin class P (see plugin.h on struct_size).
template <class P> fw_status entry(const fw_host_v1* host, fw_plugin_v1* out) noexcept {
  if (host == nullptr || out == nullptr || out->struct_size < sizeof(std::uint32_t) * 2) {
    return FW_ERR_INVALID;
  }
  fw_plugin_v1 self{};
  self.struct_size = sizeof(fw_plugin_v1);
  self.abi_minor = FW_ABI_MINOR;
  self.name = str(P::name);
  self.version = str(P::version);
  self.flags = flags_of<P>();
  self.create = &create<P>;
  self.process = &process<P>;
  self.destroy = &destroy<P>;
  const std::size_t room = out->struct_size < sizeof(self) ? out->struct_size : sizeof(self);
  std::memcpy(static_cast<void*>(out), &self, room);
  out->struct_size = sizeof(self);
  return FW_OK;
}

} // namespace detail
} // namespace feedwire

// Defines the plugin's one exported symbol for class `Class` (see the top of this file).
#define FEEDWIRE_PLUGIN(Class)                                                                     \
  extern "C" FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host,                 \
                                                           fw_plugin_v1* out) {                    \
    return ::feedwire::detail::entry<Class>(host, out);                                            \
  }
