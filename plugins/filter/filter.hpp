#pragma once

// The filter plugin: keeps or drops stories by rules on their fields.
//
// Configuration (the [[plugin]] table's `config`, as JSON):
//
//   {"rules": [
//      {"drop": true, "field": "title", "regex": "(?i)sponsored|advertorial"},
//      {"keep": true, "tag": "north-korea"},
//      {"drop": true, "max_age": "7d"},
//      {"drop": true, "language": ["de", "fr"]},
//      {"drop": true, "field": "text", "contains": "casino", "case_sensitive": false}],
//    "default": "keep"}
//
// `rules` (default: none) are tried in order and the first that matches decides; a story no
// rule matches gets `default` ("keep", the default, or "drop"). A rule has exactly one action,
// `"keep": true` or `"drop": true`, and one or more conditions, all of which must hold:
//
//   field + regex     the field matches the regular expression somewhere (Perl syntax as in
//                     Boost.Regex; anchor with ^ and $ for the whole field; (?i) ignores case)
//   field + contains  the field contains the text
//   field + equals    the field is the text
//                     `field` is one of title, link, text, summary (set by an earlier plugin),
//                     summary_html, content_html, feed_id, feed_title, id (the item's own id),
//                     author or category (lists: any entry may match). A missing text field
//                     reads as "". `case_sensitive` (default true) applies to all three; false
//                     folds ASCII letters only.
//   max_age           the story is older than this duration ("90s", "30m", "12h", "7d", "2w",
//                     or a sum such as "1d12h"): the story breaks this maximum age
//   min_age           the story is younger than this duration: it has not reached this age yet
//                     Age is measured from `published`, else `updated`; a story with neither
//                     (or neither readable) never matches an age condition.
//   language          a language tag prefix or a list of them: "de" matches "de", "de-AT" and
//                     "DE_at", not "dev"; a story whose feed states no language never matches
//   tag               a tag slug or a list of them: matches when a tag set by an earlier plugin
//                     or one of the story's categories has that slug ("World News" ->
//                     "world-news")
//
// `"invert": true` makes a rule match exactly when its conditions do not all hold. Every key is
// checked when the plugin starts: an unknown key or field, a bad regular expression or duration,
// a rule without an action or without a condition is a feedwire::ConfigError naming the rule
// ("rules[2].regex: ...").
//
// A story kept by a rule gets the attribute "rule" (published as "<plugin name>.rule") set to
// the rule's index; a dropped one is logged at debug with the rule that dropped it.

#include "feedwire/plugin.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedwire::filter {

using Clock = std::chrono::system_clock;
// Where a Filter reads the time for age conditions: Clock::now in the plugin, fixed in tests.
using NowFunction = std::function<Clock::time_point()>;

enum class Action { keep, drop };

// What a Filter decided for one story.
struct Decision {
  Action action = Action::keep;
  std::optional<std::size_t> rule; // the index of the rule that matched; nullopt: `default`
};

// The rules of one configuration, compiled. Not thread-safe: decide() counts matches.
class Filter {
public:
  // Compiles `config_json` (the format above). Throws feedwire::ConfigError naming the rule and
  // key at fault.
  explicit Filter(std::string_view config_json, NowFunction now = &Clock::now);
  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;

  // The decision for `story`. Throws std::runtime_error when a regular expression gives up on a
  // pathological input (Boost.Regex's complexity limit).
  [[nodiscard]] Decision decide(const Story& story);

  [[nodiscard]] std::size_t rule_count() const noexcept;
  // How many stories rule `index` decided so far.
  [[nodiscard]] std::uint64_t matches(std::size_t index) const noexcept;
  // How many stories no rule matched so far.
  [[nodiscard]] std::uint64_t defaulted() const noexcept;
  [[nodiscard]] Action default_action() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The plugin itself (FEEDWIRE_PLUGIN(Plugin) in plugin.cpp). On destruction it logs at info how
// many stories each rule decided, for tuning the rules.
class Plugin {
public:
  static constexpr std::string_view name = "filter";
  static constexpr std::string_view version = "1.0";

  Plugin(Host host, std::string_view config_json, NowFunction now = &Clock::now);
  ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;
  Plugin(Plugin&&) = delete;
  Plugin& operator=(Plugin&&) = delete;

  fw_verdict process(Story& story);

  [[nodiscard]] const Filter& filter() const noexcept { return m_filter; }

private:
  Host m_host;
  Filter m_filter;
};

// A duration as the configuration writes it: one or more <digits><unit> with units s, m, h, d
// and w ("90s", "1d12h"). nullopt for anything else, or when it overflows.
[[nodiscard]] std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// An RFC 3339 date-time ("2024-05-01T12:00:00Z", "...T12:00:00.5+02:00"), as the host gives
// `published` and `updated`. nullopt when it is not one.
[[nodiscard]] std::optional<Clock::time_point> parse_rfc3339(std::string_view text);

} // namespace feedwire::filter
