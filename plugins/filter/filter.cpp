#include "filter/filter.hpp"

#include "config_json.hpp"
#include "feedwire/slug.hpp"

#include <algorithm>
#include <array>
#include <boost/regex.hpp>
#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

namespace feedwire::filter {
namespace {

using nlohmann::json;

// A story field a rule can test: a text field, or a list whose entries are tested one by one.
struct FieldSpec {
  std::string_view name;
  bool is_list;
  std::int32_t id; // fw_field or fw_list
};

constexpr std::array k_fields{
    FieldSpec{"title", false, FW_FIELD_TITLE},
    FieldSpec{"link", false, FW_FIELD_LINK},
    FieldSpec{"text", false, FW_FIELD_TEXT},
    FieldSpec{"summary", false, FW_FIELD_SUMMARY},
    FieldSpec{"summary_html", false, FW_FIELD_SUMMARY_HTML},
    FieldSpec{"content_html", false, FW_FIELD_CONTENT_HTML},
    FieldSpec{"feed_id", false, FW_FIELD_FEED_ID},
    FieldSpec{"feed_title", false, FW_FIELD_FEED_TITLE},
    FieldSpec{"id", false, FW_FIELD_ID},
    FieldSpec{"author", true, FW_LIST_AUTHORS},
    FieldSpec{"category", true, FW_LIST_CATEGORIES},
};

constexpr std::string_view k_rule_keys = "keep, drop, field, regex, contains, equals, "
                                         "case_sensitive, max_age, min_age, language, tag, invert";

enum class Match { regex, contains, equals };

struct TextCondition {
  FieldSpec field{};
  Match match = Match::contains;
  bool case_sensitive = true;
  std::string text;   // contains / equals; folded when !case_sensitive
  boost::regex regex; // regex
};

struct Rule {
  Action action = Action::keep;
  bool invert = false;
  std::optional<TextCondition> text;
  std::optional<std::chrono::seconds> max_age;
  std::optional<std::chrono::seconds> min_age;
  std::vector<std::string> languages; // lower case, '-' between subtags
  std::vector<std::string> tags;      // slugs
};

std::string fold_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// "de_AT" and "DE-at" are the same tag; BCP 47 compares case-insensitively.
std::string normalize_language(std::string_view s) {
  std::string out = fold_ascii(s);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

[[noreturn]] void fail(std::size_t index, std::string_view key, const std::string& why) {
  std::string where = "rules[" + std::to_string(index) + "]";
  if (!key.empty()) {
    where += ".";
    where += key;
  }
  throw ConfigError(where + ": " + why);
}

// A string, or a non-empty list of strings, each non-empty.
std::vector<std::string> string_list(const json& value, std::size_t index, std::string_view key) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_array() && !value.empty()) {
    for (const json& item : value) {
      if (!item.is_string()) {
        fail(index, key, "expected a string or a list of strings");
      }
      out.push_back(item.get<std::string>());
    }
  } else {
    fail(index, key, "expected a string or a non-empty list of strings");
  }
  for (const std::string& s : out) {
    if (s.empty()) {
      fail(index, key, "an empty string matches nothing useful");
    }
  }
  return out;
}

std::chrono::seconds duration_of(const json& value, std::size_t index, std::string_view key) {
  if (!value.is_string()) {
    fail(index, key, "expected a duration such as \"30m\", \"12h\" or \"7d\"");
  }
  const std::optional<std::chrono::seconds> d = parse_duration(value.get<std::string>());
  if (!d) {
    fail(index, key,
         "\"" + value.get<std::string>() +
             "\" is not a duration (digits and a unit s, m, h, d or w, e.g. \"7d\" or \"1d12h\")");
  }
  return *d;
}

bool boolean_of(const json& value, std::size_t index, std::string_view key) {
  if (!value.is_boolean()) {
    fail(index, key, "expected true or false");
  }
  return value.get<bool>();
}

Rule compile_rule(const json& spec, std::size_t index) {
  if (!spec.is_object()) {
    fail(index, "", "expected an object such as {\"drop\": true, \"max_age\": \"7d\"}");
  }
  Rule rule;
  std::optional<Action> action;
  std::optional<std::string> field_name;
  std::optional<std::pair<Match, std::string>> match; // the matcher and its key's value
  std::optional<bool> case_sensitive;

  for (const auto& [key, value] : spec.items()) {
    if (key == "keep" || key == "drop") {
      if (!boolean_of(value, index, key)) {
        fail(index, key, "an action is written as true; to invert a rule, use \"invert\": true");
      }
      if (action) {
        fail(index, key, "a rule has one action: keep or drop, not both");
      }
      action = key == "keep" ? Action::keep : Action::drop;
    } else if (key == "field") {
      if (!value.is_string()) {
        fail(index, key, "expected a field name");
      }
      field_name = value.get<std::string>();
    } else if (key == "regex" || key == "contains" || key == "equals") {
      if (!value.is_string()) {
        fail(index, key, "expected a string");
      }
      if (match) {
        fail(index, key, "a rule has one of regex, contains and equals; use one rule for each");
      }
      const Match m = key == "regex"      ? Match::regex
                      : key == "contains" ? Match::contains
                                          : Match::equals;
      if (m != Match::equals && value.get<std::string>().empty()) {
        fail(index, key, "an empty pattern matches every story; use \"default\" instead");
      }
      match.emplace(m, value.get<std::string>());
    } else if (key == "case_sensitive") {
      case_sensitive = boolean_of(value, index, key);
    } else if (key == "max_age") {
      rule.max_age = duration_of(value, index, key);
    } else if (key == "min_age") {
      rule.min_age = duration_of(value, index, key);
    } else if (key == "language") {
      for (const std::string& s : string_list(value, index, key)) {
        rule.languages.push_back(normalize_language(s));
      }
    } else if (key == "tag") {
      for (const std::string& s : string_list(value, index, key)) {
        std::string slug = feedwire::slugify(s);
        if (slug.empty()) {
          fail(index, key, "\"" + s + "\" has no letters or digits, so no tag has its slug");
        }
        rule.tags.push_back(std::move(slug));
      }
    } else if (key == "invert") {
      rule.invert = boolean_of(value, index, key);
    } else {
      fail(index, key, "unknown key (a rule has " + std::string(k_rule_keys) + ")");
    }
  }

  if (!action) {
    fail(index, "", "needs an action: \"keep\": true or \"drop\": true");
  }
  rule.action = *action;
  if (field_name && !match) {
    fail(index, "field", "needs one of regex, contains or equals");
  }
  if (match && !field_name) {
    const Match m = match->first;
    fail(index,
         m == Match::regex      ? "regex"
         : m == Match::contains ? "contains"
                                : "equals",
         "needs a \"field\" to look at");
  }
  if (case_sensitive && !match) {
    fail(index, "case_sensitive", "applies to regex, contains and equals only");
  }
  if (field_name) {
    const auto* spec_it = std::find_if(k_fields.begin(), k_fields.end(),
                                       [&](const FieldSpec& f) { return f.name == *field_name; });
    if (spec_it == k_fields.end()) {
      std::string names;
      for (const FieldSpec& f : k_fields) {
        names += names.empty() ? "" : ", ";
        names += f.name;
      }
      fail(index, "field", "unknown field \"" + *field_name + "\" (known: " + names + ")");
    }
    TextCondition cond;
    cond.field = *spec_it;
    cond.match = match->first;
    cond.case_sensitive = case_sensitive.value_or(true);
    if (cond.match == Match::regex) {
      try {
        const boost::regex::flag_type flags =
            cond.case_sensitive ? boost::regex::perl : boost::regex::perl | boost::regex::icase;
        cond.regex.assign(match->second, flags);
      } catch (const boost::regex_error& e) {
        fail(index, "regex",
             "\"" + match->second + "\" is not a valid regular expression: " + e.what());
      }
    } else {
      cond.text = cond.case_sensitive ? match->second : fold_ascii(match->second);
    }
    rule.text = std::move(cond);
  }
  if (!rule.text && !rule.max_age && !rule.min_age && rule.languages.empty() && rule.tags.empty()) {
    fail(index, "",
         "has no condition (field, max_age, min_age, language or tag); a story no rule "
         "matches gets \"default\"");
  }
  return rule;
}

bool text_matches(const TextCondition& cond, std::string_view value) {
  switch (cond.match) {
  case Match::regex:
    return boost::regex_search(value.begin(), value.end(), cond.regex);
  case Match::contains:
    return cond.case_sensitive ? value.find(cond.text) != std::string_view::npos
                               : fold_ascii(value).find(cond.text) != std::string::npos;
  case Match::equals:
    return cond.case_sensitive ? value == cond.text : fold_ascii(value) == cond.text;
  }
  return false;
}

bool field_matches(const TextCondition& cond, const Story& story) {
  if (!cond.field.is_list) {
    return text_matches(cond, story.get(cond.field.id));
  }
  const std::size_t n = story.list_size(cond.field.id);
  for (std::size_t i = 0; i < n; ++i) {
    if (text_matches(cond, story.list_item(cond.field.id, i))) {
      return true;
    }
  }
  return false;
}

std::optional<Clock::time_point> story_time(const Story& story) {
  for (const fw_field f : {FW_FIELD_PUBLISHED, FW_FIELD_UPDATED}) {
    if (const std::optional<std::string_view> text = story.field(f)) {
      if (std::optional<Clock::time_point> t = parse_rfc3339(*text)) {
        return t;
      }
    }
  }
  return std::nullopt;
}

bool language_matches(const std::vector<std::string>& prefixes, const Story& story) {
  const std::optional<std::string_view> field = story.field(FW_FIELD_LANGUAGE);
  if (!field || field->empty()) {
    return false;
  }
  const std::string lang = normalize_language(*field);
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
    return lang.size() >= p.size() && lang.compare(0, p.size(), p) == 0 &&
           (lang.size() == p.size() || lang[p.size()] == '-');
  });
}

bool tag_matches(const std::vector<std::string>& slugs, const Story& story) {
  const auto has_slug = [&](fw_list list) {
    const std::size_t n = story.list_size(list);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string slug = feedwire::slugify(story.list_item(list, i));
      if (std::find(slugs.begin(), slugs.end(), slug) != slugs.end()) {
        return true;
      }
    }
    return false;
  };
  return has_slug(FW_LIST_TAGS) || has_slug(FW_LIST_CATEGORIES);
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), so
// that parsing needs no time zone database.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Reads exactly `n` digits at `pos`.
std::optional<unsigned> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) {
    return std::nullopt;
  }
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, std::string_view chars) {
  if (pos < s.size() && chars.find(s[pos]) != std::string_view::npos) {
    ++pos;
    return true;
  }
  return false;
}

} // namespace

struct Filter::Impl {
  std::vector<Rule> rules;
  std::vector<std::uint64_t> counts;
  std::uint64_t defaulted = 0;
  Action default_action = Action::keep;
  NowFunction now;

  bool matches(const Rule& rule, const Story& story) const {
    if (rule.text && !field_matches(*rule.text, story)) {
      return false;
    }
    if (rule.max_age || rule.min_age) {
      const std::optional<Clock::time_point> when = story_time(story);
      if (!when) {
        return false;
      }
      const Clock::duration age = now() - *when;
      if (rule.max_age && !(age > *rule.max_age)) {
        return false;
      }
      if (rule.min_age && !(age < *rule.min_age)) {
        return false;
      }
    }
    if (!rule.languages.empty() && !language_matches(rule.languages, story)) {
      return false;
    }
    if (!rule.tags.empty() && !tag_matches(rule.tags, story)) {
      return false;
    }
    return true;
  }
};

Filter::Filter(std::string_view config_json, NowFunction now) : m_impl(std::make_unique<Impl>()) {
  m_impl->now = std::move(now);
  const json config = parse_config_object(config_json);
  for (const auto& [key, value] : config.items()) {
    if (key == "rules") {
      if (!value.is_array()) {
        throw ConfigError("rules: expected a list of rules");
      }
      for (std::size_t i = 0; i < value.size(); ++i) {
        m_impl->rules.push_back(compile_rule(value[i], i));
      }
    } else if (key == "default") {
      if (value == "keep") {
        m_impl->default_action = Action::keep;
      } else if (value == "drop") {
        m_impl->default_action = Action::drop;
      } else {
        throw ConfigError("default: expected \"keep\" or \"drop\"");
      }
    } else {
      throw ConfigError("unknown key \"" + key + "\" (the configuration has rules and default)");
    }
  }
  m_impl->counts.assign(m_impl->rules.size(), 0);
}

Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

Decision Filter::decide(const Story& story) {
  for (std::size_t i = 0; i < m_impl->rules.size(); ++i) {
    const Rule& rule = m_impl->rules[i];
    if (m_impl->matches(rule, story) != rule.invert) {
      ++m_impl->counts[i];
      return Decision{rule.action, i};
    }
  }
  ++m_impl->defaulted;
  return Decision{m_impl->default_action, std::nullopt};
}

std::size_t Filter::rule_count() const noexcept {
  return m_impl->rules.size();
}

std::uint64_t Filter::matches(std::size_t index) const noexcept {
  return index < m_impl->counts.size() ? m_impl->counts[index] : 0;
}

std::uint64_t Filter::defaulted() const noexcept {
  return m_impl->defaulted;
}

Action Filter::default_action() const noexcept {
  return m_impl->default_action;
}

Plugin::Plugin(Host host, std::string_view config_json, NowFunction now)
    : m_host(host), m_filter(config_json, std::move(now)) {}

Plugin::~Plugin() {
  try {
    std::string line = "stories decided:";
    for (std::size_t i = 0; i < m_filter.rule_count(); ++i) {
      line += " rule" + std::to_string(i) + "=" + std::to_string(m_filter.matches(i));
    }
    line += " default=" + std::to_string(m_filter.defaulted());
    m_host.info(line);
  } catch (const std::bad_alloc&) {
    // Only a statistic is lost.
  }
}

fw_verdict Plugin::process(Story& story) {
  const Decision d = m_filter.decide(story);
  const std::string rule = d.rule ? "rule=" + std::to_string(*d.rule) : "rule=default";
  if (d.action == Action::drop) {
    m_host.debug("story=" + std::string(story.story_id()) +
                 " feed=" + std::string(story.feed_id()) + " dropped " + rule);
    return FW_DROP;
  }
  if (d.rule) {
    const fw_status s = story.set_attr("rule", std::to_string(*d.rule));
    if (s != FW_OK) {
      throw std::runtime_error("the host refused attribute rule: status " + std::to_string(s));
    }
  }
  return FW_KEEP;
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  using Rep = std::chrono::seconds::rep;
  Rep total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    Rep n = 0;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n > (std::numeric_limits<Rep>::max() - 9) / 10) {
        return std::nullopt;
      }
      n = n * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start || pos == text.size()) {
      return std::nullopt;
    }
    Rep unit = 0;
    switch (text[pos]) {
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
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      return std::nullopt;
    }
    ++pos;
    if (n > (std::numeric_limits<Rep>::max() - total) / unit) {
      return std::nullopt;
    }
    total += n * unit;
  }
  return std::chrono::seconds(total);
}

std::optional<Clock::time_point> parse_rfc3339(std::string_view s) {
  std::size_t pos = 0;
  const auto year = digits(s, pos, 4);
  if (!year || !expect(s, pos, "-")) {
    return std::nullopt;
  }
  const auto month = digits(s, pos, 2);
  if (!month || !expect(s, pos, "-")) {
    return std::nullopt;
  }
  const auto day = digits(s, pos, 2);
  if (!day || !expect(s, pos, "Tt ")) {
    return std::nullopt;
  }
  const auto hour = digits(s, pos, 2);
  if (!hour || !expect(s, pos, ":")) {
    return std::nullopt;
  }
  const auto minute = digits(s, pos, 2);
  if (!minute || !expect(s, pos, ":")) {
    return std::nullopt;
  }
  const auto second = digits(s, pos, 2);
  if (!second) {
    return std::nullopt;
  }
  // Leap seconds (60) are accepted and land on the next second, as in most parsers.
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  std::chrono::nanoseconds fraction{0};
  if (expect(s, pos, ".")) {
    const std::size_t start = pos;
    std::int64_t scale = 100'000'000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      fraction += std::chrono::nanoseconds((s[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) {
      return std::nullopt;
    }
  }
  std::chrono::minutes offset{0};
  if (!expect(s, pos, "Zz")) {
    const bool negative = pos < s.size() && s[pos] == '-';
    if (!expect(s, pos, "+-")) {
      return std::nullopt;
    }
    const auto oh = digits(s, pos, 2);
    if (!oh || !expect(s, pos, ":")) {
      return std::nullopt;
    }
    const auto om = digits(s, pos, 2);
    if (!om || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    const int minutes = static_cast<int>(*oh * 60 + *om);
    offset = std::chrono::minutes(negative ? -minutes : minutes);
  }
  if (pos != s.size()) {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(*year, *month, *day);
  const std::chrono::seconds since_epoch(days * 86400 + *hour * 3600 + *minute * 60 + *second);
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(since_epoch - offset + fraction));
}

} // namespace feedwire::filter
