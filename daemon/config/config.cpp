#include "config/config.hpp"

#include "config/detail.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <sstream>
#include <toml++/toml.h>

#ifndef FW_VERSION
#error "FW_VERSION must be defined (daemon/config/CMakeLists.txt passes PROJECT_VERSION)"
#endif

namespace fw::config {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 15> k_top_keys{
    "state_dir", "log_level", "workers",  "on_first_poll", "opml",
    "publish",   "service",   "security", "fetch",         "schedule",
    "journal",   "dedupe",    "feed",     "plugin_path",   "plugin"};
constexpr std::array<std::string_view, 3> k_service_keys{"control_endpoint", "metrics_listen",
                                                         "drain_timeout_ms"};
constexpr std::array<std::string_view, 2> k_security_keys{"curve_secret_key_file",
                                                          "curve_allowed_clients_file"};
constexpr std::array<std::string_view, 7> k_plugin_keys{
    "name", "path", "config", "isolate", "timeout", "memory_limit_mb", "feeds"};
constexpr std::array<std::string_view, 6> k_publish_keys{
    "endpoints",       "once_wait_subscribers_ms", "queue_capacity", "send_high_water_mark",
    "replay_endpoint", "heartbeat_interval_ms"};
constexpr std::array<std::string_view, 2> k_journal_keys{"retention", "max_bytes"};
constexpr std::array<std::string_view, 6> k_dedupe_keys{
    "window",  "retention",         "tracking_params",
    "publish", "jaccard_threshold", "containment_threshold"};
constexpr std::array<std::string_view, 3> k_dedupe_decisions{"new", "dup", "update"};
constexpr std::array<std::string_view, 12> k_fetch_keys{"max_concurrent",
                                                        "per_host_max_concurrent",
                                                        "per_host_min_interval_ms",
                                                        "connect_timeout_ms",
                                                        "timeout_ms",
                                                        "low_speed_limit_bytes",
                                                        "low_speed_time_s",
                                                        "max_body_bytes",
                                                        "max_redirects",
                                                        "user_agent",
                                                        "proxy",
                                                        "retry_after_scope"};
constexpr std::array<std::string_view, 6> k_schedule_keys{
    "default_interval", "min_interval", "max_interval", "adaptive", "jitter", "max_backoff"};
constexpr std::array<std::string_view, 9> k_feed_keys{
    "id", "url", "title", "interval", "tags", "headers", "user_agent", "enabled", "on_first_poll"};
constexpr std::array<std::string_view, 7> k_log_levels{"trace", "debug",    "info", "warn",
                                                       "error", "critical", "off"};

constexpr std::array<std::pair<std::string_view, OnFirstPoll>, 2> k_on_first_poll{{
    {"publish", OnFirstPoll::publish},
    {"mark_seen", OnFirstPoll::mark_seen},
}};
constexpr std::array<std::pair<std::string_view, RetryAfterScope>, 2> k_retry_after_scopes{{
    {"feed", RetryAfterScope::feed},
    {"host", RetryAfterScope::host},
}};

constexpr std::int64_t k_max_duration_s = 365LL * 86400;
constexpr std::int64_t k_day_ms = 86400LL * 1000;
constexpr std::int64_t k_int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t k_int_max = std::numeric_limits<int>::max();
constexpr std::string_view k_duration_help =
    "use whole seconds (900) or a string like \"90s\", \"15m\", \"2h\", \"1d\", \"1h30m\"";

std::string join_key(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) {
    return std::string(key);
  }
  std::string out(prefix);
  out += '.';
  out += key;
  return out;
}

std::string indexed_key(std::string_view key, std::size_t index) {
  return std::string(key) + "[" + std::to_string(index) + "]";
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string list_of(Keys words) {
  std::string out;
  for (auto w : words) {
    out += out.empty() ? "" : ", ";
    out += w;
  }
  return out;
}

std::string type_phrase(const toml::node& node) {
  switch (node.type()) {
  case toml::node_type::table:
    return "a table";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a float";
  case toml::node_type::boolean:
    return "a boolean";
  case toml::node_type::date:
    return "a date";
  case toml::node_type::time:
    return "a time";
  case toml::node_type::date_time:
    return "a date-time";
  case toml::node_type::none:
    break;
  }
  return "nothing";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean "timeout_ms"?" for a near miss, else "".
std::string suggestion(std::string_view key, Keys allowed) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (auto candidate : allowed) {
    std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best.empty() ? "" : "; did you mean " + in_quotes(best) + "?";
}

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// RFC 9110 token characters, the only ones allowed in a header name.
bool is_header_name(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  constexpr std::string_view k_token_punct = "!#$%&'*+-.^_`|~";
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           k_token_punct.find(c) != std::string_view::npos;
  });
}

// Whole seconds from "90s", "15m", "2h", "1d", "1h30m"; std::nullopt when malformed or over
// k_max_duration_s.
std::optional<std::int64_t> parse_duration(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t digits_start = i;
    std::int64_t value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i] - '0');
      if (value > k_max_duration_s) {
        return std::nullopt;
      }
      ++i;
    }
    if (i == digits_start || i == s.size()) {
      return std::nullopt;
    }
    std::int64_t unit = 0;
    switch (s[i]) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
    }
    ++i;
    total += value * unit;
    if (total > k_max_duration_s) {
      return std::nullopt;
    }
  }
  return total;
}

std::string format_duration(std::chrono::seconds d) {
  auto s = d.count();
  std::string out;
  for (auto [unit, letter] : {std::pair{86400LL, 'd'}, {3600LL, 'h'}, {60LL, 'm'}, {1LL, 's'}}) {
    if (s >= unit) {
      out += std::to_string(s / unit) + letter;
      s %= unit;
    }
  }
  return out.empty() ? "0s" : out;
}

std::string format_number(double d) {
  std::ostringstream out;
  out << d;
  return out.str();
}

struct Problem {
  toml::source_position where;
  std::string text;
};

// Reads values out of toml++ tables into plain structs, noting every problem on the way instead
// of stopping at the first, so that one run shows the operator everything to fix.
class Reader {
public:
  explicit Reader(std::string label) : m_label(std::move(label)) {}

  [[nodiscard]] const std::string& label() const { return m_label; }

  void problem(toml::source_position where, std::string_view key, std::string_view what) {
    std::string text =
        m_label + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": ";
    if (!key.empty()) {
      text += key;
      text += ": ";
    }
    text += what;
    m_problems.push_back({where, std::move(text)});
  }

  // The problems so far, in file order.
  [[nodiscard]] std::vector<std::string> problems() const {
    std::vector<Problem> sorted = m_problems;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Problem& a, const Problem& b) {
      return a.where.line != b.where.line ? a.where.line < b.where.line
                                          : a.where.column < b.where.column;
    });
    std::vector<std::string> out;
    for (auto& p : sorted) {
      out.push_back(std::move(p.text));
    }
    return out;
  }

  void check_keys(const toml::table& table, std::string_view prefix, Keys allowed,
                  std::string_view scope) {
    for (auto&& [key, node] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        problem(key.source().begin, join_key(prefix, key.str()),
                "unknown key" + suggestion(key.str(), allowed) + " (allowed " + std::string(scope) +
                    ": " + list_of(allowed) + ")");
      }
    }
  }

  // The node at `key` when it has type T; otherwise nullptr, and a problem when it exists.
  template <typename T>
  const T* typed(const toml::node* node, std::string_view path, std::string_view expected) {
    if (node == nullptr) {
      return nullptr;
    }
    if (const T* typed_node = node->as<T>()) {
      return typed_node;
    }
    problem(node->source().begin, path,
            "expected " + std::string(expected) + ", found " + type_phrase(*node));
    return nullptr;
  }

  template <typename Int>
  void read_int(const toml::table& table, std::string_view prefix, std::string_view key,
                std::int64_t lo, std::int64_t hi, Int& out) {
    std::string path = join_key(prefix, key);
    const auto* value = typed<toml::value<std::int64_t>>(table.get(key), path, "an integer");
    if (value == nullptr) {
      return;
    }
    std::int64_t v = value->get();
    if (v < lo || v > hi) {
      std::string allowed = hi == k_int64_max
                                ? "at least " + std::to_string(lo)
                                : "between " + std::to_string(lo) + " and " + std::to_string(hi);
      problem(value->source().begin, path, "must be " + allowed + ", got " + std::to_string(v));
      return;
    }
    out = static_cast<Int>(v);
  }

  template <typename Duration>
  void read_count(const toml::table& table, std::string_view prefix, std::string_view key,
                  std::int64_t lo, std::int64_t hi, Duration& out) {
    auto count = static_cast<std::int64_t>(out.count());
    read_int(table, prefix, key, lo, hi, count);
    out = Duration{count};
  }

  void read_bool(const toml::table& table, std::string_view prefix, std::string_view key,
                 bool& out) {
    if (const auto* value =
            typed<toml::value<bool>>(table.get(key), join_key(prefix, key), "a boolean")) {
      out = value->get();
    }
  }

  enum class Empty { allowed, refused };

  // Strings that end up in HTTP headers or paths: no control characters.
  bool read_string(const toml::table& table, std::string_view prefix, std::string_view key,
                   Empty empty, std::string& out) {
    std::string path = join_key(prefix, key);
    const auto* value = typed<toml::value<std::string>>(table.get(key), path, "a string");
    if (value == nullptr) {
      return false;
    }
    const std::string& s = value->get();
    if (s.empty() && empty == Empty::refused) {
      problem(value->source().begin, path, "must not be empty");
      return false;
    }
    if (has_control_char(s)) {
      problem(value->source().begin, path, "must not contain control characters");
      return false;
    }
    out = s;
    return true;
  }

  bool read_string(const toml::table& table, std::string_view prefix, std::string_view key,
                   Empty empty, std::optional<std::string>& out) {
    std::string s;
    if (!read_string(table, prefix, key, empty, s)) {
      return false;
    }
    out = std::move(s);
    return true;
  }

  template <typename E, std::size_t N>
  bool read_enum(const toml::table& table, std::string_view prefix, std::string_view key,
                 const std::array<std::pair<std::string_view, E>, N>& choices, E& out) {
    std::string path = join_key(prefix, key);
    const auto* value = typed<toml::value<std::string>>(table.get(key), path, "a string");
    if (value == nullptr) {
      return false;
    }
    std::string names;
    for (const auto& [name, e] : choices) {
      if (name == value->get()) {
        out = e;
        return true;
      }
      names += names.empty() ? "" : " or ";
      names += in_quotes(name);
    }
    problem(value->source().begin, path,
            "unknown value " + in_quotes(value->get()) + "; allowed: " + names);
    return false;
  }

  template <typename E, std::size_t N>
  void read_enum(const toml::table& table, std::string_view prefix, std::string_view key,
                 const std::array<std::pair<std::string_view, E>, N>& choices,
                 std::optional<E>& out) {
    E e{};
    if (read_enum(table, prefix, key, choices, e)) {
      out = e;
    }
  }

  bool read_duration(const toml::table& table, std::string_view prefix, std::string_view key,
                     std::chrono::seconds& out) {
    std::string path = join_key(prefix, key);
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      return false;
    }
    if (const auto* integer = node->as_integer()) {
      if (integer->get() < 1 || integer->get() > k_max_duration_s) {
        problem(node->source().begin, path,
                "must be between 1 second and 365 days, got " + std::to_string(integer->get()));
        return false;
      }
      out = std::chrono::seconds{integer->get()};
      return true;
    }
    if (const auto* text = node->as_string()) {
      auto seconds = parse_duration(text->get());
      if (!seconds) {
        problem(node->source().begin, path,
                in_quotes(text->get()) + " is not a duration of at most 365 days; " +
                    std::string(k_duration_help));
        return false;
      }
      if (*seconds < 1) {
        problem(node->source().begin, path, "must be at least 1 second");
        return false;
      }
      out = std::chrono::seconds{*seconds};
      return true;
    }
    problem(node->source().begin, path,
            "expected a duration, found " + type_phrase(*node) + "; " +
                std::string(k_duration_help));
    return false;
  }

  bool read_duration(const toml::table& table, std::string_view prefix, std::string_view key,
                     std::optional<std::chrono::seconds>& out) {
    std::chrono::seconds d{};
    if (!read_duration(table, prefix, key, d)) {
      return false;
    }
    out = d;
    return true;
  }

  // A number (integer or float) at `key` within [lo, hi]; NaN is refused.
  bool read_number(const toml::table& table, std::string_view prefix, std::string_view key,
                   double lo, double hi, std::string_view meaning, double& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      return false;
    }
    std::string path = join_key(prefix, key);
    std::string allowed = format_number(lo) + " to " + format_number(hi);
    std::optional<double> number;
    if (const auto* f = node->as_floating_point()) {
      number = f->get();
    } else if (const auto* i = node->as_integer()) {
      number = static_cast<double>(i->get());
    } else {
      problem(node->source().begin, path,
              "expected a number, found " + type_phrase(*node) + "; allowed: " + allowed);
      return false;
    }
    // Written so that NaN fails too.
    if (!(*number >= lo && *number <= hi)) {
      problem(node->source().begin, path,
              "must be between " + format_number(lo) + " and " + format_number(hi) + " (" +
                  std::string(meaning) + "), got " + format_number(*number));
      return false;
    }
    out = *number;
    return true;
  }

  bool read_number(const toml::table& table, std::string_view prefix, std::string_view key,
                   double lo, double hi, std::string_view meaning, std::optional<double>& out) {
    double d = 0;
    if (!read_number(table, prefix, key, lo, hi, meaning, d)) {
      return false;
    }
    out = d;
    return true;
  }

  // A ZeroMQ endpoint string at `node` (an element of an array, or a value): "tcp://...",
  // "ipc://...". Empty strings are refused unless `empty` allows them.
  bool read_endpoint(const toml::node& node, const std::string& path, Empty empty,
                     std::string& out) {
    const auto* s = typed<toml::value<std::string>>(&node, path, "a string");
    if (s == nullptr) {
      return false;
    }
    if (s->get().empty() && empty == Empty::allowed) {
      out.clear();
      return true;
    }
    if (s->get().find("://") == std::string::npos || has_control_char(s->get())) {
      problem(node.source().begin, path,
              in_quotes(s->get()) +
                  " is not a ZeroMQ endpoint; use e.g. \"tcp://127.0.0.1:7701\" or "
                  "\"ipc:///run/feedwire/pub\"");
      return false;
    }
    out = s->get();
    return true;
  }

  // An array of strings at `key`, each accepted by `valid` (which reports its own problems).
  template <typename Valid>
  bool read_string_list(const toml::table& table, std::string_view prefix, std::string_view key,
                        Valid valid, std::vector<std::string>& out) {
    std::string path = join_key(prefix, key);
    const auto* array = typed<toml::array>(table.get(key), path, "an array of strings");
    if (array == nullptr) {
      return false;
    }
    std::vector<std::string> list;
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& node = *array->get(i);
      std::string element_path = indexed_key(path, i);
      const auto* s = typed<toml::value<std::string>>(&node, element_path, "a string");
      if (s == nullptr || !valid(node, element_path, s->get())) {
        ok = false;
      } else {
        list.push_back(s->get());
      }
    }
    if (ok) {
      out = std::move(list);
    }
    return ok;
  }

  // A [table] (or inline table) at `key`, or nullptr (with a problem when something else).
  const toml::table* sub_table(const toml::table& parent, std::string_view key) {
    return typed<toml::table>(parent.get(key), key,
                              "a table ([" + std::string(key) + "] or " + std::string(key) +
                                  " = { ... })");
  }

private:
  std::string m_label;
  std::vector<Problem> m_problems;
};

// Where `key` sits in `table`, or where the table starts when the key is absent.
toml::source_position where_of(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  return node != nullptr ? node->source().begin : table.source().begin;
}

std::filesystem::path anchored(const std::filesystem::path& folder,
                               const std::filesystem::path& p) {
  return (p.is_absolute() ? p : folder / p).lexically_normal();
}

void read_publish(Reader& r, const toml::table& t, PublishConfig& out) {
  r.check_keys(t, "publish", k_publish_keys, "in [publish]");
  if (const auto* endpoints =
          r.typed<toml::array>(t.get("endpoints"), "publish.endpoints", "an array of strings")) {
    std::vector<std::string> list;
    bool ok = true;
    for (std::size_t i = 0; i < endpoints->size(); ++i) {
      std::string endpoint;
      if (r.read_endpoint(*endpoints->get(i), indexed_key("publish.endpoints", i),
                          Reader::Empty::refused, endpoint)) {
        list.push_back(std::move(endpoint));
      } else {
        ok = false;
      }
    }
    if (endpoints->empty()) {
      r.problem(endpoints->source().begin, "publish.endpoints",
                "must name at least one endpoint to bind, e.g. [\"tcp://127.0.0.1:7701\"]");
    } else if (ok) {
      out.endpoints = std::move(list);
    }
  }
  r.read_count(t, "publish", "once_wait_subscribers_ms", 0, 10 * 60 * 1000,
               out.once_wait_subscribers);
  r.read_int(t, "publish", "queue_capacity", 1, 100'000'000, out.queue_capacity);
  r.read_int(t, "publish", "send_high_water_mark", 0, k_int_max, out.send_high_water_mark);
  if (const toml::node* node = t.get("replay_endpoint")) {
    r.read_endpoint(*node, "publish.replay_endpoint", Reader::Empty::allowed, out.replay_endpoint);
  }
  r.read_count(t, "publish", "heartbeat_interval_ms", 0, k_day_ms, out.heartbeat_interval);
}

// "ADDRESS:PORT" with a numeric port; ADDRESS an IPv4 address or "[IPv6]" (the HTTP server
// resolves no names).
bool is_listen_address(std::string_view s) {
  const std::size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size()) {
    return false;
  }
  const std::string_view host = s.substr(0, colon);
  const std::string_view port = s.substr(colon + 1);
  if (port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(std::string(port)) > 65535) {
    return false;
  }
  if (host.front() == '[') {
    return host.size() > 2 && host.back() == ']';
  }
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

void read_service(Reader& r, const toml::table& t, ServiceConfig& out) {
  r.check_keys(t, "service", k_service_keys, "in [service]");
  if (const toml::node* node = t.get("control_endpoint")) {
    const auto* s = node->as_string();
    if (s != nullptr && s->get() == "off") {
      out.control_endpoint = "off";
    } else {
      r.read_endpoint(*node, "service.control_endpoint", Reader::Empty::allowed,
                      out.control_endpoint);
    }
  }
  std::string listen = out.metrics_listen;
  if (r.read_string(t, "service", "metrics_listen", Reader::Empty::allowed, listen)) {
    if (listen.empty() || is_listen_address(listen)) {
      out.metrics_listen = listen;
    } else {
      r.problem(where_of(t, "metrics_listen"), "service.metrics_listen",
                in_quotes(listen) + " is not ADDRESS:PORT (an IP address, no name); use e.g. "
                                    "\"127.0.0.1:7703\" or \"[::1]:7703\", or \"\" "
                                    "for no HTTP endpoint");
    }
  }
  r.read_count(t, "service", "drain_timeout_ms", 0, 10 * 60 * 1000, out.drain_timeout);
}

void read_security(Reader& r, const toml::table& t, const std::filesystem::path& folder,
                   SecurityConfig& out) {
  r.check_keys(t, "security", k_security_keys, "in [security]");
  std::string secret;
  std::string allowed;
  if (r.read_string(t, "security", "curve_secret_key_file", Reader::Empty::allowed, secret) &&
      !secret.empty()) {
    out.curve_secret_key_file = anchored(folder, secret);
  }
  if (r.read_string(t, "security", "curve_allowed_clients_file", Reader::Empty::allowed, allowed) &&
      !allowed.empty()) {
    out.curve_allowed_clients_file = anchored(folder, allowed);
  }
  if (out.curve_secret_key_file.empty() != out.curve_allowed_clients_file.empty()) {
    const std::string_view missing =
        out.curve_secret_key_file.empty() ? "curve_secret_key_file" : "curve_allowed_clients_file";
    r.problem(t.source().begin, "security." + std::string(missing),
              "must be set too: CURVE needs the server's key file and the allowed clients' "
              "public keys (see `feedwire keygen`)");
  }
}

void read_journal(Reader& r, const toml::table& t, JournalConfig& out) {
  r.check_keys(t, "journal", k_journal_keys, "in [journal]");
  r.read_duration(t, "journal", "retention", out.retention);
  r.read_int(t, "journal", "max_bytes", 1024 * 1024, k_int64_max, out.max_bytes);
}

void read_dedupe(Reader& r, const toml::table& t, DedupeConfig& out) {
  r.check_keys(t, "dedupe", k_dedupe_keys, "in [dedupe]");
  r.read_duration(t, "dedupe", "window", out.window);
  r.read_duration(t, "dedupe", "retention", out.retention);
  std::vector<std::string> params;
  if (r.read_string_list(
          t, "dedupe", "tracking_params",
          [&r](const toml::node& node, const std::string& path, const std::string& name) {
            // A parameter name, or a prefix ending in '*'; '=' and '&' cannot be in a name.
            const bool bad = name.empty() || name == "*" || has_control_char(name) ||
                             name.find_first_of("=&# ") != std::string::npos ||
                             name.find('*') < name.size() - 1;
            if (bad) {
              r.problem(node.source().begin, path,
                        in_quotes(name) +
                            " is not a query parameter name; use a name (\"fbclid\") or a "
                            "prefix ending in '*' (\"utm_*\")");
            }
            return !bad;
          },
          params)) {
    out.tracking_params = std::move(params);
  }
  std::vector<std::string> decisions;
  if (r.read_string_list(
          t, "dedupe", "publish",
          [&r](const toml::node& node, const std::string& path, const std::string& name) {
            const bool known = std::find(k_dedupe_decisions.begin(), k_dedupe_decisions.end(),
                                         name) != k_dedupe_decisions.end();
            if (!known) {
              r.problem(node.source().begin, path,
                        "unknown decision " + in_quotes(name) +
                            "; allowed: " + list_of(k_dedupe_decisions));
            }
            return known;
          },
          decisions)) {
    auto has = [&decisions](std::string_view d) {
      return std::find(decisions.begin(), decisions.end(), d) != decisions.end();
    };
    out.publish_new = has("new");
    out.publish_dup = has("dup");
    out.publish_update = has("update");
  }
  r.read_number(t, "dedupe", "jaccard_threshold", 0.0, 1.0, "a similarity", out.jaccard_threshold);
  r.read_number(t, "dedupe", "containment_threshold", 0.0, 1.0, "a similarity",
                out.containment_threshold);
}

void read_fetch(Reader& r, const toml::table& t, FetchConfig& out) {
  r.check_keys(t, "fetch", k_fetch_keys, "in [fetch]");
  r.read_int(t, "fetch", "max_concurrent", 1, 100'000, out.max_concurrent);
  r.read_int(t, "fetch", "per_host_max_concurrent", 1, 100'000, out.per_host_max_concurrent);
  r.read_count(t, "fetch", "per_host_min_interval_ms", 0, k_day_ms, out.per_host_min_interval);
  r.read_count(t, "fetch", "connect_timeout_ms", 1, k_day_ms, out.connect_timeout);
  r.read_count(t, "fetch", "timeout_ms", 1, k_day_ms, out.timeout);
  r.read_int(t, "fetch", "low_speed_limit_bytes", 0, k_int64_max, out.low_speed_limit_bytes);
  r.read_count(t, "fetch", "low_speed_time_s", 0, 86400, out.low_speed_time);
  r.read_int(t, "fetch", "max_body_bytes", 1, k_int64_max, out.max_body_bytes);
  r.read_int(t, "fetch", "max_redirects", 0, 100, out.max_redirects);
  r.read_string(t, "fetch", "user_agent", Reader::Empty::refused, out.user_agent);
  r.read_string(t, "fetch", "proxy", Reader::Empty::allowed, out.proxy);
  r.read_enum(t, "fetch", "retry_after_scope", k_retry_after_scopes, out.retry_after_scope);
}

void read_schedule(Reader& r, const toml::table& t, ScheduleConfig& out) {
  r.check_keys(t, "schedule", k_schedule_keys, "in [schedule]");
  r.read_duration(t, "schedule", "default_interval", out.default_interval);
  bool has_min = r.read_duration(t, "schedule", "min_interval", out.min_interval);
  bool has_max = r.read_duration(t, "schedule", "max_interval", out.max_interval);
  r.read_bool(t, "schedule", "adaptive", out.adaptive);
  r.read_number(t, "schedule", "jitter", 0.0, 0.5, "a fraction of the interval", out.jitter);
  r.read_duration(t, "schedule", "max_backoff", out.max_backoff);
  if (out.min_interval > out.max_interval) {
    std::string_view key = has_min || !has_max ? "min_interval" : "max_interval";
    r.problem(where_of(t, key), join_key("schedule", key),
              "min_interval (" + format_duration(out.min_interval) +
                  ") must not exceed max_interval (" + format_duration(out.max_interval) + ")");
  } else if (out.default_interval < out.min_interval || out.default_interval > out.max_interval) {
    r.problem(where_of(t, "default_interval"), "schedule.default_interval",
              format_duration(out.default_interval) + " must lie between min_interval (" +
                  format_duration(out.min_interval) + ") and max_interval (" +
                  format_duration(out.max_interval) + ")");
  }
}

struct SeenId {
  std::string where; // "path:line:column"
  std::string key;   // "feed[0].id"
};

class FeedReader {
public:
  FeedReader(Reader& r, const ScheduleConfig& schedule) : m_r(r), m_schedule(schedule) {}

  void read(const toml::node& feeds_node, std::vector<FeedConfig>& out) {
    const auto* feeds = feeds_node.as_array();
    if (feeds == nullptr || (!feeds->empty() && !feeds->is_array_of_tables())) {
      m_r.problem(feeds_node.source().begin, "feed",
                  "expected an array of tables ([[feed]] sections), found " +
                      (feeds == nullptr ? type_phrase(feeds_node) : std::string("an array")));
      return;
    }
    for (std::size_t i = 0; i < feeds->size(); ++i) {
      if (auto feed = read_one(*feeds->get(i)->as_table(), indexed_key("feed", i))) {
        out.push_back(std::move(*feed));
      }
    }
  }

  [[nodiscard]] std::set<std::string> ids() const {
    std::set<std::string> out;
    for (const auto& [id, seen] : m_seen) {
      out.insert(id);
    }
    return out;
  }

private:
  std::optional<FeedConfig> read_one(const toml::table& t, const std::string& prefix) {
    bool ok = true;
    FeedConfig feed;
    auto start = t.source().begin;
    feed.origin = m_r.label() + ":" + std::to_string(start.line);
    m_r.check_keys(t, prefix, k_feed_keys, "in [[feed]]");
    ok = read_id(t, prefix, feed.id) && ok;
    if (const auto* url = m_r.typed<toml::value<std::string>>(t.get("url"), join_key(prefix, "url"),
                                                              "a string")) {
      if (auto why = detail::url_problem(url->get())) {
        m_r.problem(url->source().begin, join_key(prefix, "url"),
                    in_quotes(url->get()) + " " + *why + " (an absolute http:// or https:// URL)");
        ok = false;
      } else {
        feed.url = url->get();
      }
    } else {
      if (t.get("url") == nullptr) {
        m_r.problem(start, prefix, "missing required key \"url\" (the feed's http(s) URL)");
      }
      ok = false;
    }
    if (const auto* title = m_r.typed<toml::value<std::string>>(
            t.get("title"), join_key(prefix, "title"), "a string")) {
      feed.title = title->get();
    }
    if (m_r.read_duration(t, prefix, "interval", feed.interval) &&
        (*feed.interval < m_schedule.min_interval || *feed.interval > m_schedule.max_interval)) {
      m_r.problem(where_of(t, "interval"), join_key(prefix, "interval"),
                  format_duration(*feed.interval) + " must lie between schedule.min_interval (" +
                      format_duration(m_schedule.min_interval) + ") and schedule.max_interval (" +
                      format_duration(m_schedule.max_interval) + ")");
      ok = false;
    }
    read_tags(t, prefix, feed.tags);
    read_headers(t, prefix, feed.headers);
    m_r.read_string(t, prefix, "user_agent", Reader::Empty::refused, feed.user_agent);
    m_r.read_bool(t, prefix, "enabled", feed.enabled);
    m_r.read_enum(t, prefix, "on_first_poll", k_on_first_poll, feed.on_first_poll);
    if (!ok) {
      return std::nullopt;
    }
    return feed;
  }

  bool read_id(const toml::table& t, const std::string& prefix, std::string& out) {
    std::string path = join_key(prefix, "id");
    const auto* id = m_r.typed<toml::value<std::string>>(t.get("id"), path, "a string");
    if (id == nullptr) {
      if (t.get("id") == nullptr) {
        m_r.problem(t.source().begin, prefix,
                    "missing required key \"id\" (a slug of a-z, 0-9, '.', '_', '-')");
      }
      return false;
    }
    auto where = id->source().begin;
    if (!detail::is_slug(id->get())) {
      m_r.problem(where, path,
                  in_quotes(id->get()) + " is not a valid id; use only a-z, 0-9, '.', '_' and '-'" +
                      (detail::slugify(id->get()).empty()
                           ? std::string()
                           : " (e.g. " + in_quotes(detail::slugify(id->get())) + ")"));
      return false;
    }
    std::string here =
        m_r.label() + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
    auto [it, inserted] = m_seen.try_emplace(id->get(), SeenId{here, path});
    if (!inserted) {
      m_r.problem(where, path,
                  "duplicate id " + in_quotes(id->get()) + ", already used by " + it->second.key +
                      " at " + it->second.where + "; feed ids must be unique");
      return false;
    }
    out = id->get();
    return true;
  }

  void read_tags(const toml::table& t, const std::string& prefix, std::vector<std::string>& out) {
    std::string path = join_key(prefix, "tags");
    const auto* tags = m_r.typed<toml::array>(t.get("tags"), path, "an array of strings");
    if (tags == nullptr) {
      return;
    }
    for (std::size_t i = 0; i < tags->size(); ++i) {
      std::string tag_path = indexed_key(path, i);
      const auto* tag = m_r.typed<toml::value<std::string>>(tags->get(i), tag_path, "a string");
      if (tag == nullptr) {
        continue;
      }
      if (!detail::is_slug(tag->get())) {
        m_r.problem(tag->source().begin, tag_path,
                    in_quotes(tag->get()) +
                        " is not a valid tag (tags become ZeroMQ topics); use only a-z, 0-9, '.', "
                        "'_' and '-'");
      } else if (std::find(out.begin(), out.end(), tag->get()) == out.end()) {
        out.push_back(tag->get());
      }
    }
  }

  void read_headers(const toml::table& t, const std::string& prefix,
                    std::vector<std::pair<std::string, std::string>>& out) {
    std::string path = join_key(prefix, "headers");
    const auto* headers = m_r.typed<toml::table>(t.get("headers"), path,
                                                 "a table of strings ({ \"Name\" = \"value\" })");
    if (headers == nullptr) {
      return;
    }
    // toml++ keeps keys sorted; requests should send them in the order the operator wrote.
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (auto&& [key, node] : *headers) {
      entries.emplace_back(&key, &node);
    }
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      auto pa = a.first->source().begin;
      auto pb = b.first->source().begin;
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    for (const auto& [key, node] : entries) {
      std::string header_path = join_key(path, key->str());
      if (!is_header_name(key->str())) {
        m_r.problem(key->source().begin, header_path,
                    in_quotes(key->str()) +
                        " is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)");
        continue;
      }
      const auto* value = m_r.typed<toml::value<std::string>>(node, header_path, "a string");
      if (value == nullptr) {
        continue;
      }
      if (has_control_char(value->get())) {
        m_r.problem(value->source().begin, header_path,
                    "must not contain control characters (line breaks, tabs)");
        continue;
      }
      out.emplace_back(key->str(), value->get());
    }
  }

  Reader& m_r;
  const ScheduleConfig& m_schedule;
  std::map<std::string, SeenId> m_seen;
};

// A plugin's timeout: a duration as elsewhere, or milliseconds written "500ms".
std::optional<std::chrono::milliseconds> parse_timeout(std::string_view s) {
  if (s.size() > 2 && s.substr(s.size() - 2) == "ms") {
    const std::string_view digits = s.substr(0, s.size() - 2);
    if (digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::chrono::milliseconds{std::stoll(std::string(digits))};
  }
  if (auto seconds = parse_duration(s)) {
    return std::chrono::seconds{*seconds};
  }
  return std::nullopt;
}

// The [[plugin]] tables. Feed scopes are checked against the feed ids once every feed (OPML
// included) is known.
class PluginReader {
public:
  explicit PluginReader(Reader& r) : m_r(r) {}

  void read(const toml::node& node, std::vector<PluginConfig>& out) {
    const auto* plugins = node.as_array();
    if (plugins == nullptr || (!plugins->empty() && !plugins->is_array_of_tables())) {
      m_r.problem(node.source().begin, "plugin",
                  "expected an array of tables ([[plugin]] sections), found " +
                      (plugins == nullptr ? type_phrase(node) : std::string("an array")));
      return;
    }
    for (std::size_t i = 0; i < plugins->size(); ++i) {
      const toml::table& t = *plugins->get(i)->as_table();
      if (auto plugin = read_one(t, indexed_key("plugin", i))) {
        out.push_back(std::move(*plugin));
        m_tables.emplace_back(i, &t);
      }
    }
  }

  // Refuses feed ids of `feeds =` that no feed has.
  void check_scopes(const std::vector<PluginConfig>& plugins, const std::set<std::string>& ids) {
    for (std::size_t i = 0; i < plugins.size(); ++i) {
      if (!plugins[i].feeds) {
        continue;
      }
      const auto [index, table] = m_tables[i];
      const auto* list = table->get("feeds")->as_array();
      for (std::size_t k = 0; k < list->size(); ++k) {
        const std::string& id = (*plugins[i].feeds)[k];
        if (ids.count(id) == 0) {
          m_r.problem(list->get(k)->source().begin,
                      indexed_key(join_key(indexed_key("plugin", index), "feeds"), k),
                      "no feed has the id " + in_quotes(id));
        }
      }
    }
  }

private:
  std::optional<PluginConfig> read_one(const toml::table& t, const std::string& prefix) {
    PluginConfig plugin;
    const auto start = t.source().begin;
    plugin.origin = m_r.label() + ":" + std::to_string(start.line);
    m_r.check_keys(t, prefix, k_plugin_keys, "in [[plugin]]");
    bool ok = read_name(t, prefix, plugin.name);
    std::string path;
    if (m_r.read_string(t, prefix, "path", Reader::Empty::refused, path)) {
      if (!std::filesystem::path(path).is_absolute()) {
        m_r.problem(where_of(t, "path"), join_key(prefix, "path"),
                    in_quotes(path) + " is not an absolute path; give the full path of the .so, "
                                      "or leave path out to find \"<name>.so\" on plugin_path");
        ok = false;
      } else {
        plugin.path = std::filesystem::path(path).lexically_normal();
      }
    }
    if (const auto* config = m_r.typed<toml::table>(t.get("config"), join_key(prefix, "config"),
                                                    "a table (config = { ... })")) {
      std::ostringstream json;
      json << toml::json_formatter{*config};
      plugin.config_json = json.str();
    }
    m_r.read_bool(t, prefix, "isolate", plugin.isolate);
    read_timeout(t, prefix, plugin.timeout);
    std::int64_t mb = 0;
    m_r.read_int(t, prefix, "memory_limit_mb", 0, 1024 * 1024, mb);
    plugin.memory_limit_bytes = mb * 1024 * 1024;
    std::vector<std::string> feeds;
    if (m_r.read_string_list(
            t, prefix, "feeds",
            [](const toml::node&, const std::string&, const std::string&) { return true; },
            feeds)) {
      plugin.feeds = std::move(feeds);
    }
    if (!ok) {
      return std::nullopt;
    }
    return plugin;
  }

  bool read_name(const toml::table& t, const std::string& prefix, std::string& out) {
    const std::string path = join_key(prefix, "name");
    const auto* name = m_r.typed<toml::value<std::string>>(t.get("name"), path, "a string");
    if (name == nullptr) {
      if (t.get("name") == nullptr) {
        m_r.problem(t.source().begin, prefix,
                    "missing required key \"name\" (the plugin's name, e.g. \"tagger\")");
      }
      return false;
    }
    const std::string& n = name->get();
    const bool valid = !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (!valid) {
      m_r.problem(name->source().begin, path,
                  in_quotes(n) + " is not a valid plugin name; use only a-z, 0-9, '_' and '-'");
      return false;
    }
    if (std::find(m_names.begin(), m_names.end(), n) != m_names.end()) {
      m_r.problem(name->source().begin, path,
                  "duplicate plugin name " + in_quotes(n) +
                      "; to run a plugin twice, copy its .so under a second name");
      return false;
    }
    m_names.push_back(n);
    out = n;
    return true;
  }

  void read_timeout(const toml::table& t, const std::string& prefix,
                    std::chrono::milliseconds& out) {
    const toml::node* node = t.get("timeout");
    if (node == nullptr) {
      return;
    }
    std::optional<std::chrono::milliseconds> timeout;
    if (const auto* integer = node->as_integer()) {
      timeout = std::chrono::seconds{integer->get()};
    } else if (const auto* text = node->as_string()) {
      timeout = parse_timeout(text->get());
    }
    if (!timeout || *timeout < std::chrono::milliseconds{10} ||
        *timeout > std::chrono::milliseconds{600000}) {
      m_r.problem(node->source().begin, join_key(prefix, "timeout"),
                  "expected a duration from 10 ms to 10 minutes, like \"5s\" or \"500ms\"");
      return;
    }
    out = *timeout;
  }

  Reader& m_r;
  std::vector<std::string> m_names;
  // The [[plugin]] index and table of each plugin read, in order.
  std::vector<std::pair<std::size_t, const toml::table*>> m_tables;
};

} // namespace

std::string default_user_agent() {
  return "feedwire/" FW_VERSION " (+https://github.com/feedwire/feedwire)";
}

std::string default_config_file() {
  if (const char* env = std::getenv("FEEDWIRE_CONFIG"); env != nullptr && *env != '\0') {
    return env;
  }
  return "/etc/feedwire/feedwire.toml";
}

Config parse_config(std::string_view toml_text, const std::filesystem::path& file) {
  Config cfg;
  std::error_code ec;
  cfg.file = std::filesystem::absolute(file, ec).lexically_normal();
  if (ec) {
    throw ConfigError(file.string() + ": cannot make the config path absolute: " + ec.message());
  }
  std::filesystem::path folder = cfg.file.parent_path();
  cfg.state_dir = folder / "var";
  std::string label = file.empty() ? std::string("<config>") : file.string();

  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view{label});
  } catch (const toml::parse_error& e) {
    // toml++ quotes the character it stopped at, which may be a line break.
    auto where = e.source().begin;
    detail::throw_problems({label + ":" + std::to_string(where.line) + ":" +
                            std::to_string(where.column) +
                            ": malformed TOML: " + std::string(e.description())});
  }

  Reader r(label);
  r.check_keys(root, "", k_top_keys, "at the top level");
  std::string state_dir;
  if (r.read_string(root, "", "state_dir", Reader::Empty::refused, state_dir)) {
    cfg.state_dir = anchored(folder, state_dir);
  }
  if (const auto* level =
          r.typed<toml::value<std::string>>(root.get("log_level"), "log_level", "a string")) {
    if (std::find(k_log_levels.begin(), k_log_levels.end(), level->get()) == k_log_levels.end()) {
      r.problem(level->source().begin, "log_level",
                "unknown level " + in_quotes(level->get()) + "; allowed: " + list_of(k_log_levels));
    } else {
      cfg.log_level = level->get();
    }
  }
  r.read_int(root, "", "workers", 0, 1024, cfg.workers);
  r.read_enum(root, "", "on_first_poll", k_on_first_poll, cfg.on_first_poll);
  if (const auto* t = r.sub_table(root, "publish")) {
    read_publish(r, *t, cfg.publish);
  }
  if (const auto* t = r.sub_table(root, "service")) {
    read_service(r, *t, cfg.service);
  }
  if (const auto* t = r.sub_table(root, "security")) {
    read_security(r, *t, folder, cfg.security);
  }
  if (const auto* t = r.sub_table(root, "fetch")) {
    read_fetch(r, *t, cfg.fetch);
  }
  if (const auto* t = r.sub_table(root, "schedule")) {
    read_schedule(r, *t, cfg.schedule);
  }
  if (const auto* t = r.sub_table(root, "journal")) {
    read_journal(r, *t, cfg.journal);
  }
  if (const auto* t = r.sub_table(root, "dedupe")) {
    read_dedupe(r, *t, cfg.dedupe);
  }

  FeedReader feeds(r, cfg.schedule);
  if (const toml::node* node = root.get("feed")) {
    feeds.read(*node, cfg.feeds);
  }

  // OPML files are opened in order after the TOML is read, so that their generated ids avoid
  // every [[feed]] id.
  struct OpmlFile {
    std::filesystem::path path;
    const toml::node* node;
    std::string key;
  };
  std::vector<OpmlFile> opml_files;
  if (const auto* list = r.typed<toml::array>(root.get("opml"), "opml", "an array of strings")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      std::string path = indexed_key("opml", i);
      const auto* s = r.typed<toml::value<std::string>>(list->get(i), path, "a string");
      if (s == nullptr) {
        continue;
      }
      if (s->get().empty()) {
        r.problem(s->source().begin, path, "must name an OPML file");
        continue;
      }
      cfg.opml.push_back(anchored(folder, s->get()));
      opml_files.push_back({cfg.opml.back(), s, path});
    }
  }
  std::set<std::string> taken_ids = feeds.ids();
  std::vector<std::string> opml_problems;
  for (const auto& [path, node, key] : opml_files) {
    auto text = detail::read_text_file(path);
    if (!text) {
      r.problem(node->source().begin, key,
                "cannot read OPML file " + in_quotes(path.string()) + ": " + text.error().message);
      continue;
    }
    detail::parse_opml(*text, path.string(), taken_ids, cfg.feeds, opml_problems);
  }

  if (const auto* list =
          r.typed<toml::array>(root.get("plugin_path"), "plugin_path", "an array of strings")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string path = indexed_key("plugin_path", i);
      const auto* s = r.typed<toml::value<std::string>>(list->get(i), path, "a string");
      if (s != nullptr && s->get().empty()) {
        r.problem(s->source().begin, path, "must name a folder");
      } else if (s != nullptr) {
        cfg.plugin_path.push_back(anchored(folder, s->get()));
      }
    }
  }
  PluginReader plugins(r);
  if (const toml::node* node = root.get("plugin")) {
    plugins.read(*node, cfg.plugins);
  }
  std::set<std::string> feed_ids;
  for (const FeedConfig& f : cfg.feeds) {
    feed_ids.insert(f.id);
  }
  plugins.check_scopes(cfg.plugins, feed_ids);

  std::vector<std::string> problems = r.problems();
  problems.insert(problems.end(), opml_problems.begin(), opml_problems.end());
  if (!problems.empty()) {
    detail::throw_problems(problems);
  }
  return cfg;
}

std::string resolve_control_endpoint(const Config& config) {
  const std::string& configured = config.service.control_endpoint;
  if (configured == "off") {
    return {};
  }
  if (!configured.empty()) {
    return configured;
  }
  const char* runtime = std::getenv("RUNTIME_DIRECTORY");
  // systemd may list several folders, separated by ':'; the first is ours.
  const std::string_view dirs = runtime != nullptr ? runtime : "";
  const std::string_view first = dirs.substr(0, dirs.find(':'));
  const std::filesystem::path folder =
      first.empty() ? config.state_dir : std::filesystem::path(first);
  return "ipc://" + (folder / "control.sock").string();
}

Config load_config(const std::filesystem::path& file) {
  auto text = detail::read_text_file(file);
  if (!text) {
    throw ConfigError(file.string() + ": cannot read config file: " + text.error().message);
  }
  return parse_config(*text, file);
}

} // namespace fw::config
