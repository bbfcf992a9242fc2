#include "plugin_host/plugin.hpp"

#include "feedwire/plugin.hpp"
#include "feedwire/slug.hpp"
#include "parse/date.hpp"
#include "util/errors.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstring>
#include <dlfcn.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <type_traits>

// The story a plugin call works on: plugin.h declares it opaque. It points at the input and
// collects what the call adds, which call_with_story() merges only when the call succeeds.
struct fw_story {
  const fw::plugin_host::StoryView* view = nullptr;
  const std::string* plugin = nullptr; // the [[plugin]] name, for tags and attributes
  const fw::plugin_host::Additions* before = nullptr;
  fw::plugin_host::Additions added; // by this call only
  // The story's dates as text, made for this call: valid until it returns.
  std::optional<std::string> published, updated;
};

namespace fw::plugin_host {
namespace {

struct HostState;

// The table a plugin gets, followed by the way back to its owner. Standard layout with the table
// first: the pointer a plugin gets back is the pointer to the whole. (HostState itself holds a
// LogSink, which is not standard layout.)
struct OwnedTable {
  fw_host_v1 table{};
  const HostState* owner = nullptr;
};
static_assert(std::is_standard_layout_v<OwnedTable>);

// A host table per plugin, so that log() knows whose line it writes. It never moves (it lives
// behind a Plugin's or a HostTable's pointer): plugins keep the table's address.
struct HostState {
  OwnedTable t;
  std::string name;       // the [[plugin]] name, for log lines, tags and attributes
  std::string plugin_dir; // empty: none
  std::string config_dir; // empty: unknown
  LogSink log;            // empty: feedwired's log

  HostState() = default;
  HostState(const HostState&) = delete;
  HostState& operator=(const HostState&) = delete;
  HostState(HostState&&) = delete;
  HostState& operator=(HostState&&) = delete;
  ~HostState() = default;
};

const HostState& owner_of(const fw_host_v1* host) noexcept {
  return *reinterpret_cast<const OwnedTable*>(host)->owner;
}

fw_str optional_str(const std::optional<std::string>& s) noexcept {
  return s ? feedwire::str(*s) : fw_str{nullptr, 0};
}
fw_str nonempty_str(std::string_view s) noexcept {
  return s.empty() ? fw_str{nullptr, 0} : feedwire::str(s);
}

void host_log(const fw_host_v1* host, std::int32_t level, fw_str message) noexcept {
  const HostState& h = owner_of(host);
  const std::string_view text = feedwire::view(message);
  const spdlog::level::level_enum lvl = level <= FW_LOG_DEBUG  ? spdlog::level::debug
                                        : level == FW_LOG_INFO ? spdlog::level::info
                                        : level == FW_LOG_WARN ? spdlog::level::warn
                                                               : spdlog::level::err;
  try {
    if (h.log) {
      h.log(level, text);
    } else {
      spdlog::log(lvl, "plugin={} {}", h.name, text);
    }
  } catch (...) {
    // A log line that cannot be written is not the plugin's failure.
  }
}

fw_str host_plugin_dir(const fw_host_v1* host) noexcept {
  return nonempty_str(owner_of(host).plugin_dir);
}
fw_str host_config_dir(const fw_host_v1* host) noexcept {
  return nonempty_str(owner_of(host).config_dir);
}

// Adds `tag`, or, when its slug is there already, keeps whichever of the two scores higher.
void keep_best_tag(std::vector<Tag>& tags, Tag tag) {
  const auto same =
      std::find_if(tags.begin(), tags.end(), [&](const Tag& t) { return t.tag == tag.tag; });
  if (same == tags.end()) {
    tags.push_back(std::move(tag));
  } else if (tag.score > same->score) {
    *same = std::move(tag);
  }
}

// Sets attribute `key`, in place when it is there already.
void set_attr_value(std::vector<std::pair<std::string, std::string>>& attrs, std::string key,
                    std::string value) {
  const auto same =
      std::find_if(attrs.begin(), attrs.end(), [&](const auto& kv) { return kv.first == key; });
  if (same == attrs.end()) {
    attrs.emplace_back(std::move(key), std::move(value));
  } else {
    same->second = std::move(value);
  }
}

fw_str story_field(const fw_story* s, fw_field field) noexcept {
  const StoryView& v = *s->view;
  const model::Story& st = *v.story;
  switch (field) {
  case FW_FIELD_STORY_ID:
    return feedwire::str(v.story_id);
  case FW_FIELD_FEED_ID:
    return feedwire::str(v.feed_id);
  case FW_FIELD_FEED_TITLE:
    return nonempty_str(v.feed_title);
  case FW_FIELD_ID:
    return optional_str(st.id);
  case FW_FIELD_LINK:
    return optional_str(st.link);
  case FW_FIELD_TITLE:
    return optional_str(st.title);
  case FW_FIELD_SUMMARY_HTML:
    return optional_str(st.summary_html);
  case FW_FIELD_CONTENT_HTML:
    return optional_str(st.content_html);
  case FW_FIELD_TEXT:
    return optional_str(st.text);
  case FW_FIELD_PUBLISHED:
    return optional_str(s->published);
  case FW_FIELD_UPDATED:
    return optional_str(s->updated);
  case FW_FIELD_IMAGE:
    return optional_str(st.image);
  case FW_FIELD_COMMENTS:
    return optional_str(st.comments);
  case FW_FIELD_LANGUAGE:
    return nonempty_str(v.language);
  case FW_FIELD_SUMMARY:
    return s->added.summary ? feedwire::str(*s->added.summary) : optional_str(s->before->summary);
  default:
    return fw_str{nullptr, 0};
  }
}

// The tags a plugin sees: those of earlier plugins, then its own, each slug once.
std::vector<const Tag*> visible_tags(const fw_story* s) {
  std::vector<const Tag*> out;
  for (const Tag& t : s->before->tags) {
    out.push_back(&t);
  }
  for (const Tag& t : s->added.tags) {
    if (std::none_of(out.begin(), out.end(), [&](const Tag* o) { return o->tag == t.tag; })) {
      out.push_back(&t);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Tag* a, const Tag* b) { return a->score > b->score; });
  return out;
}

std::size_t story_list_size(const fw_story* s, fw_list list) noexcept {
  const model::Story& st = *s->view->story;
  switch (list) {
  case FW_LIST_CATEGORIES:
    return st.categories.size();
  case FW_LIST_AUTHORS:
    return static_cast<std::size_t>(std::count_if(st.authors.begin(), st.authors.end(),
                                                  [](const model::Author& a) { return a.name; }));
  case FW_LIST_ENCLOSURES:
    return st.enclosures.size();
  case FW_LIST_TAGS:
    try {
      return visible_tags(s).size();
    } catch (...) {
      return 0;
    }
  default:
    return 0;
  }
}

fw_str story_list_item(const fw_story* s, fw_list list, std::size_t index) noexcept {
  const model::Story& st = *s->view->story;
  switch (list) {
  case FW_LIST_CATEGORIES:
    return index < st.categories.size() ? feedwire::str(st.categories[index]) : fw_str{nullptr, 0};
  case FW_LIST_AUTHORS: {
    std::size_t k = 0;
    for (const model::Author& a : st.authors) {
      if (a.name && k++ == index) {
        return feedwire::str(*a.name);
      }
    }
    return fw_str{nullptr, 0};
  }
  case FW_LIST_ENCLOSURES:
    return index < st.enclosures.size() ? feedwire::str(st.enclosures[index].url)
                                        : fw_str{nullptr, 0};
  case FW_LIST_TAGS:
    try {
      const std::vector<const Tag*> tags = visible_tags(s);
      return index < tags.size() ? feedwire::str(tags[index]->tag) : fw_str{nullptr, 0};
    } catch (...) {
      return fw_str{nullptr, 0};
    }
  default:
    return fw_str{nullptr, 0};
  }
}

bool valid_text(fw_str s) noexcept {
  return (s.ptr != nullptr || s.len == 0) && util::is_valid_utf8(feedwire::view(s));
}

fw_status story_add_tag(fw_story* s, fw_str tag, fw_str label, double score) noexcept {
  if (!valid_text(tag) || !valid_text(label) || !(score >= 0.0 && score <= 1.0)) {
    return FW_ERR_INVALID;
  }
  try {
    std::string slug = feedwire::slugify(feedwire::view(tag));
    if (slug.empty()) {
      return FW_ERR_INVALID;
    }
    std::vector<Tag>& tags = s->added.tags; // this call's tags only
    if (tags.size() == k_max_tags_per_call &&
        std::none_of(tags.begin(), tags.end(), [&](const Tag& t) { return t.tag == slug; })) {
      return FW_ERR_LIMIT;
    }
    keep_best_tag(tags,
                  Tag{std::move(slug), std::string(feedwire::view(label.len > 0 ? label : tag)),
                      score, *s->plugin});
    return FW_OK;
  } catch (const std::bad_alloc&) {
    return FW_ERR_NO_MEMORY;
  }
}

fw_status story_set_summary(fw_story* s, fw_str text) noexcept {
  if (!valid_text(text)) {
    return FW_ERR_INVALID;
  }
  if (text.len > k_max_summary_bytes) {
    return FW_ERR_LIMIT;
  }
  try {
    s->added.summary = std::string(feedwire::view(text));
    return FW_OK;
  } catch (const std::bad_alloc&) {
    return FW_ERR_NO_MEMORY;
  }
}

bool valid_attr_key(std::string_view key) noexcept {
  return !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

fw_status story_set_attr(fw_story* s, fw_str key, fw_str json) noexcept {
  if (!valid_text(key) || !valid_text(json) || !valid_attr_key(feedwire::view(key))) {
    return FW_ERR_INVALID;
  }
  if (json.len > k_max_attr_bytes) {
    return FW_ERR_LIMIT;
  }
  try {
    if (!nlohmann::json::accept(feedwire::view(json))) {
      return FW_ERR_INVALID;
    }
    // Stored compact, so that the published body does not depend on the plugin's spacing.
    std::string value = nlohmann::json::parse(feedwire::view(json)).dump();
    std::string full = *s->plugin + "." + std::string(feedwire::view(key));
    set_attr_value(s->added.attrs, std::move(full), std::move(value));
    return FW_OK;
  } catch (const std::bad_alloc&) {
    return FW_ERR_NO_MEMORY;
  } catch (const std::exception&) {
    return FW_ERR_INVALID;
  }
}

// Fills in `h` for the plugin named `name`.
void init_host(HostState& h, std::string name, const HostDirs& dirs, LogSink log) {
  fw_host_v1& t = h.t.table;
  t.struct_size = sizeof(fw_host_v1);
  t.abi_minor = FW_ABI_MINOR;
  t.log = &host_log;
  t.story_field = &story_field;
  t.story_list_size = &story_list_size;
  t.story_list_item = &story_list_item;
  t.story_add_tag = &story_add_tag;
  t.story_set_summary = &story_set_summary;
  t.story_set_attr = &story_set_attr;
  t.plugin_dir = &host_plugin_dir;
  t.config_dir = &host_config_dir;
  h.t.owner = &h;
  h.name = std::move(name);
  h.plugin_dir = dirs.plugin_dir.string();
  h.config_dir = dirs.config_dir.string();
  h.log = std::move(log);
}

struct DlCloser {
  void operator()(void* handle) const noexcept { dlclose(handle); }
};

// Merges what one call added into `into`: tags by slug (the higher score wins), the summary,
// attributes by key; then orders the tags by score.
void merge(Additions& into, Additions&& added) {
  for (Tag& t : added.tags) {
    keep_best_tag(into.tags, std::move(t));
  }
  std::stable_sort(into.tags.begin(), into.tags.end(),
                   [](const Tag& a, const Tag& b) { return a.score > b.score; });
  if (added.summary) {
    into.summary = std::move(added.summary);
  }
  for (auto& [key, value] : added.attrs) {
    set_attr_value(into.attrs, std::move(key), std::move(value));
  }
}

// The one way a call runs against the host, for Plugin::process (where `call` is a lambda
// around the plugin's process(), inlined: no std::function per story) and HostTable::run: a
// story for this call only, the call, the verdict checked, and what it added merged on FW_OK.
template <class Call>
Outcome call_with_story(const HostState& host, const StoryView& view, Additions& additions,
                        Call&& call) {
  fw_story s;
  s.view = &view;
  s.plugin = &host.name;
  s.before = &additions;
  if (view.story->published) {
    s.published = parse::format_rfc3339(*view.story->published);
  }
  if (view.story->updated) {
    s.updated = parse::format_rfc3339(*view.story->updated);
  }
  fw_verdict verdict = FW_KEEP;
  const fw_status st = std::forward<Call>(call)(&host.t.table, &s, &verdict);
  if (st != FW_OK) {
    return Outcome{st, false, {}};
  }
  if (verdict != FW_KEEP && verdict != FW_DROP) {
    return Outcome{FW_ERR_INVALID, false, {}};
  }
  merge(additions, std::move(s.added));
  return Outcome{FW_OK, verdict == FW_DROP, {}};
}

} // namespace

struct HostTable::Impl {
  HostState host;
};

HostTable::HostTable(std::string name, const HostDirs& dirs, LogSink log)
    : m_impl(std::make_unique<Impl>()) {
  init_host(m_impl->host, std::move(name), dirs, std::move(log));
}
HostTable::HostTable(HostTable&&) noexcept = default;
HostTable& HostTable::operator=(HostTable&&) noexcept = default;
HostTable::~HostTable() = default;

const fw_host_v1* HostTable::get() const noexcept {
  return &m_impl->host.t.table;
}

Outcome HostTable::run(const StoryView& view, Additions& additions, const HostCall& call) const {
  return call_with_story(m_impl->host, view, additions, call);
}

Outcome run_with_host(const std::string& name, const HostDirs& dirs, const StoryView& view,
                      Additions& additions, const HostCall& call) {
  return HostTable(name, dirs).run(view, additions, call);
}

std::string status_name(fw_status status) {
  switch (status) {
  case FW_OK:
    return "FW_OK";
  case FW_ERR_INVALID:
    return "FW_ERR_INVALID";
  case FW_ERR_CONFIG:
    return "FW_ERR_CONFIG";
  case FW_ERR_FAILED:
    return "FW_ERR_FAILED";
  case FW_ERR_NO_MEMORY:
    return "FW_ERR_NO_MEMORY";
  case FW_ERR_UNSUPPORTED:
    return "FW_ERR_UNSUPPORTED";
  case FW_ERR_LIMIT:
    return "FW_ERR_LIMIT";
  default:
    return "status " + std::to_string(status);
  }
}

struct Plugin::Impl {
  std::string name;
  std::filesystem::path path;
  std::unique_ptr<void, DlCloser> handle;
  HostState host;
  fw_plugin_v1 desc{};
  std::string plugin_name;
  std::string plugin_version;
  void* state = nullptr;
  bool created = false;

  ~Impl() {
    if (created && desc.destroy != nullptr) {
      desc.destroy(state);
    }
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw ConfigError("plugin " + name + " (" + path.string() + "): " + reason);
  }
};

Plugin::Plugin(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Plugin::Plugin(Plugin&&) noexcept = default;
Plugin& Plugin::operator=(Plugin&&) noexcept = default;
Plugin::~Plugin() = default;

Plugin Plugin::load(std::string name, const std::filesystem::path& path, HostDirs dirs,
                    LogSink log) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->path = path;
  if (!dirs.plugin_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dirs.plugin_dir, ec);
    if (ec) {
      impl->fail("its folder " + dirs.plugin_dir.string() + " cannot be made: " + ec.message());
    }
  }
  init_host(impl->host, impl->name, dirs, std::move(log));
  dlerror();
  impl->handle.reset(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!impl->handle) {
    const char* why = dlerror();
    impl->fail(std::string("cannot be loaded: ") + (why != nullptr ? why : "dlopen failed"));
  }
  dlerror();
  void* symbol = dlsym(impl->handle.get(), FW_PLUGIN_ENTRY_V1_NAME);
  if (symbol == nullptr) {
    impl->fail("no entry point " FW_PLUGIN_ENTRY_V1_NAME
               " (a plugin for another major version of the ABI, or not a feedwire plugin)");
  }
  impl->desc.struct_size = sizeof(fw_plugin_v1);
  fw_plugin_entry_v1_fn entry = nullptr;
  static_assert(sizeof(entry) == sizeof(symbol));
  std::memcpy(&entry, &symbol, sizeof(entry)); // POSIX: dlsym's result is callable
  if (const fw_status st = entry(&impl->host.t.table, &impl->desc); st != FW_OK) {
    impl->fail("its entry point returned " + status_name(st));
  }
  const fw_plugin_v1& d = impl->desc;
  if (d.abi_minor > FW_ABI_MINOR) {
    impl->fail("built for plugin ABI 1." + std::to_string(d.abi_minor) + ", newer than this " +
               "feedwired's 1." + std::to_string(FW_ABI_MINOR) + "; upgrade feedwired");
  }
  if (d.struct_size < offsetof(fw_plugin_v1, destroy) + sizeof(d.destroy) || d.create == nullptr ||
      d.process == nullptr || d.destroy == nullptr) {
    impl->fail("its description lacks create, process or destroy");
  }
  if ((d.name.ptr == nullptr && d.name.len != 0) ||
      (d.version.ptr == nullptr && d.version.len != 0) ||
      !util::is_valid_utf8(feedwire::view(d.name)) ||
      !util::is_valid_utf8(feedwire::view(d.version))) {
    impl->fail("its name or version is not UTF-8 text");
  }
  impl->plugin_name = std::string(feedwire::view(d.name));
  impl->plugin_version = std::string(feedwire::view(d.version));
  return Plugin(std::move(impl));
}

void Plugin::create(std::string_view config_json) {
  Impl& p = *m_impl;
  if (p.created) {
    p.desc.destroy(p.state);
    p.created = false;
    p.state = nullptr;
  }
  const fw_status st = p.desc.create(&p.host.t.table, feedwire::str(config_json), &p.state);
  if (st != FW_OK) {
    p.fail("create() returned " + status_name(st) +
           (st == FW_ERR_CONFIG ? " (its log line above says what is wrong with its config)" : ""));
  }
  p.created = true;
}

Outcome Plugin::process(const StoryView& story, Additions& additions) {
  Impl& p = *m_impl;
  if (!p.created) {
    return Outcome{FW_ERR_FAILED, false, {}};
  }
  return call_with_story(p.host, story, additions,
                         [&p](const fw_host_v1*, fw_story* s, fw_verdict* verdict) {
                           return p.desc.process(p.state, s, verdict);
                         });
}

const std::string& Plugin::name() const noexcept {
  return m_impl->name;
}
const std::filesystem::path& Plugin::path() const noexcept {
  return m_impl->path;
}
std::string_view Plugin::plugin_name() const noexcept {
  return m_impl->plugin_name;
}
std::string_view Plugin::plugin_version() const noexcept {
  return m_impl->plugin_version;
}
std::uint32_t Plugin::abi_minor() const noexcept {
  return m_impl->desc.abi_minor;
}
bool Plugin::concurrent() const noexcept {
  return (m_impl->desc.flags & FW_PLUGIN_CONCURRENT) != 0;
}

std::optional<std::filesystem::path>
find_plugin(std::string_view name, const std::vector<std::filesystem::path>& search_path) {
  for (const std::filesystem::path& dir : search_path) {
    std::filesystem::path candidate = dir / (std::string(name) + ".so");
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) {
      return candidate;
    }
  }
  return std::nullopt;
}

} // namespace fw::plugin_host
