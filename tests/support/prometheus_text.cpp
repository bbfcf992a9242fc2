#include "prometheus_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

namespace fw::test::prometheus {

namespace {

constexpr bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

constexpr bool is_label_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

constexpr bool is_label_char(char c) noexcept {
  return is_label_start(c) || is_digit(c);
}

constexpr bool is_metric_start(char c) noexcept {
  return is_label_start(c) || c == ':';
}

constexpr bool is_metric_char(char c) noexcept {
  return is_label_char(c) || c == ':';
}

// Shown in messages: printable ASCII as itself, anything else as a code.
std::string show(char c) {
  if (c >= 0x20 && c < 0x7f) {
    return std::string("'") + c + "'";
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  const auto byte = static_cast<unsigned char>(c);
  return std::string("byte 0x") + k_hex[byte >> 4] + k_hex[byte & 0xf];
}

// A float as 0.0.4 writes it: [+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)?, "+Inf", "-Inf", "NaN".
// Returns nullopt for anything else, out-of-range values included.
std::optional<double> parse_float(std::string_view s) {
  if (s == "+Inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-Inf") {
    return -std::numeric_limits<double>::infinity();
  }
  if (s == "NaN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    ++i;
  }
  std::size_t digits = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    ++digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      ++digits;
    }
  }
  if (digits == 0) {
    return std::nullopt;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      ++i;
    }
    const std::size_t start = i;
    for (; i < s.size() && is_digit(s[i]); ++i) {
    }
    if (i == start) {
      return std::nullopt;
    }
  }
  if (i != s.size()) {
    return std::nullopt;
  }
  // from_chars takes no leading '+'.
  const std::string_view digits_part = s.front() == '+' ? s.substr(1) : s;
  double value = 0.0;
  const auto [end, ec] =
      std::from_chars(digits_part.data(), digits_part.data() + digits_part.size(), value);
  if (ec != std::errc() || end != digits_part.data() + digits_part.size()) {
    return std::nullopt;
  }
  return value;
}

std::string series_text(std::string_view name, const Labels& labels) {
  std::string out(name);
  if (!labels.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : labels) {
      out += first ? "" : ",";
      out += key + "=\"" + value + "\"";
      first = false;
    }
    out += '}';
  }
  return out;
}

// One line, read left to right.
class Cursor {
public:
  Cursor(std::string_view text, std::size_t line) : m_text(text), m_line(line) {}

  [[nodiscard]] bool at_end() const noexcept { return m_pos == m_text.size(); }
  [[nodiscard]] char peek() const noexcept { return at_end() ? '\0' : m_text[m_pos]; }
  void advance() noexcept { ++m_pos; }
  [[nodiscard]] std::size_t line() const noexcept { return m_line; }

  // Skips blanks and tabs; returns how many.
  std::size_t skip_blanks() noexcept {
    const std::size_t start = m_pos;
    while (!at_end() && is_blank(m_text[m_pos])) {
      ++m_pos;
    }
    return m_pos - start;
  }

  // Everything up to the next blank or the end of the line.
  std::string_view token() noexcept {
    const std::size_t start = m_pos;
    while (!at_end() && !is_blank(m_text[m_pos])) {
      ++m_pos;
    }
    return m_text.substr(start, m_pos - start);
  }

  // A metric name, which must end at a blank, the end of the line or one of `stops`.
  std::string metric_name(std::string_view stops) {
    if (!is_metric_start(peek())) {
      fail(at_end() ? "expected a metric name"
                    : "invalid metric name starting with " + show(peek()));
    }
    const std::size_t start = m_pos;
    while (!at_end() && is_metric_char(m_text[m_pos])) {
      ++m_pos;
    }
    if (!at_end() && !is_blank(peek()) && stops.find(peek()) == std::string_view::npos) {
      fail("invalid character " + show(peek()) + " in metric name '" +
           std::string(m_text.substr(start, m_pos - start)) + "'");
    }
    return std::string(m_text.substr(start, m_pos - start));
  }

  // A label name, which must end at a blank or '='.
  std::string label_name() {
    if (!is_label_start(peek())) {
      fail(at_end() ? "unterminated label set"
                    : "invalid label name starting with " + show(peek()));
    }
    const std::size_t start = m_pos;
    while (!at_end() && is_label_char(m_text[m_pos])) {
      ++m_pos;
    }
    std::string name(m_text.substr(start, m_pos - start));
    if (!at_end() && !is_blank(peek()) && peek() != '=') {
      fail("invalid character " + show(peek()) + " in label name '" + name + "'");
    }
    if (name.starts_with("__")) {
      fail("label name '" + name + "' is reserved (starts with __)");
    }
    return name;
  }

  // A quoted label value, unescaped.
  std::string label_value(std::string_view label) {
    if (peek() != '"') {
      fail("the value of label '" + std::string(label) + "' is not quoted");
    }
    advance();
    std::string out;
    for (;;) {
      if (at_end()) {
        fail("unterminated value of label '" + std::string(label) + "'");
      }
      const char c = m_text[m_pos++];
      if (c == '"') {
        return out;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      const char escaped = peek();
      if (escaped == '\\' || escaped == '"') {
        out += escaped;
      } else if (escaped == 'n') {
        out += '\n';
      } else {
        fail("invalid escape \\" + std::string(at_end() ? "" : std::string(1, escaped)) +
             " in the value of label '" + std::string(label) + "'");
      }
      advance();
    }
  }

  // The rest of the line as HELP text, unescaped.
  std::string help_text() {
    std::string out;
    while (!at_end()) {
      const char c = m_text[m_pos++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (peek() == '\\') {
        out += '\\';
      } else if (peek() == 'n') {
        out += '\n';
      } else {
        fail("invalid escape \\" + std::string(at_end() ? "" : std::string(1, peek())) +
             " in HELP text");
      }
      advance();
    }
    return out;
  }

  [[noreturn]] void fail(const std::string& reason) const { throw ParseError(m_line, reason); }

private:
  std::string_view m_text;
  std::size_t m_line;
  std::size_t m_pos = 0;
};

// The family being read, with what its checks need.
struct Open {
  Family family;
  bool has_type = false;
  std::size_t help_line = 0;
  std::size_t type_line = 0;
  std::set<std::pair<std::string, Labels>> series;
};

class Parser {
public:
  explicit Parser(std::string_view text) : m_text(text) {}

  Document run() {
    std::size_t line = 0;
    for (std::size_t pos = 0; pos < m_text.size();) {
      ++line;
      const std::size_t newline = m_text.find('\n', pos);
      if (newline == std::string_view::npos) {
        throw ParseError(line, "the last line does not end with a newline");
      }
      Cursor cursor(m_text.substr(pos, newline - pos), line);
      pos = newline + 1;
      read_line(cursor);
    }
    close();
    return std::move(m_document);
  }

private:
  void read_line(Cursor& c) {
    c.skip_blanks();
    if (c.at_end()) {
      return;
    }
    if (c.peek() == '#') {
      c.advance();
      c.skip_blanks();
      const std::string_view keyword = c.token();
      if (keyword == "HELP" || keyword == "TYPE") {
        read_metadata(c, keyword);
      }
      return; // any other comment
    }
    read_sample(c);
  }

  void read_metadata(Cursor& c, std::string_view keyword) {
    if (c.skip_blanks() == 0 || c.at_end()) {
      c.fail(std::string(keyword) + " line without a metric name");
    }
    std::string name = c.metric_name({});
    Open& open = open_for_metadata(c, name, keyword);
    if (keyword == "HELP") {
      if (open.help_line != 0) {
        c.fail("second HELP line for " + name + " (the first is on line " +
               std::to_string(open.help_line) + ")");
      }
      c.skip_blanks();
      open.family.help = c.help_text();
      open.family.has_help = true;
      open.help_line = c.line();
      return;
    }
    if (open.has_type) {
      c.fail("second TYPE line for " + name + " (the first is on line " +
             std::to_string(open.type_line) + ")");
    }
    if (c.skip_blanks() == 0 || c.at_end()) {
      c.fail("TYPE line for " + name + " without a type");
    }
    const std::string_view type = c.token();
    c.skip_blanks();
    if (!c.at_end()) {
      c.fail("unexpected text after the type of " + name);
    }
    static constexpr Type k_types[] = {Type::counter, Type::gauge, Type::histogram, Type::summary,
                                       Type::untyped};
    bool is_known = false;
    for (const Type t : k_types) {
      if (type == type_name(t)) {
        open.family.type = t;
        is_known = true;
      }
    }
    if (!is_known) {
      c.fail("unknown type '" + std::string(type) + "' for " + name);
    }
    if (open.family.type == Type::counter && !name.ends_with("_total")) {
      c.fail("counter " + name + " does not end in _total");
    }
    open.has_type = true;
    open.type_line = c.line();
  }

  // The family a HELP or TYPE line for `name` describes: the open one if it has that name and no
  // samples yet, else a new one.
  Open& open_for_metadata(const Cursor& c, const std::string& name, std::string_view keyword) {
    if (m_open && m_open->family.name == name) {
      if (!m_open->family.samples.empty()) {
        c.fail(std::string(keyword) + " line for " + name + " after its samples (line " +
               std::to_string(m_open->family.samples.front().line) + ")");
      }
      return *m_open;
    }
    close();
    if (const Family* earlier = m_document.family(name)) {
      c.fail(std::string(keyword) + " line for " + name + ", whose family began on line " +
             std::to_string(earlier->line) + " (a family's lines must be one group)");
    }
    return start(name, c.line());
  }

  Open& start(std::string name, std::size_t line) {
    m_open.emplace();
    m_open->family.name = std::move(name);
    m_open->family.line = line;
    return *m_open;
  }

  void read_sample(Cursor& c) {
    Sample sample;
    sample.line = c.line();
    sample.name = c.metric_name("{");
    if (c.peek() == '{') {
      c.advance();
      read_labels(c, sample);
    }
    if (c.skip_blanks() == 0) {
      c.fail(c.at_end() ? "sample " + sample.name + " has no value"
                        : "expected a blank before the value of " + sample.name + ", not " +
                              show(c.peek()));
    }
    const std::string_view value_text = c.token();
    if (value_text.empty()) {
      c.fail("sample " + sample.name + " has no value");
    }
    const std::optional<double> value = parse_float(value_text);
    if (!value) {
      c.fail("invalid value '" + std::string(value_text) + "' of " + sample.name);
    }
    sample.value = *value;
    c.skip_blanks();
    if (!c.at_end()) {
      const std::string_view stamp = c.token();
      std::int64_t ms = 0;
      const auto [end, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), ms);
      if (ec != std::errc() || end != stamp.data() + stamp.size()) {
        c.fail("invalid timestamp '" + std::string(stamp) + "' of " + sample.name);
      }
      sample.timestamp_ms = ms;
      c.skip_blanks();
      if (!c.at_end()) {
        c.fail("unexpected text after the timestamp of " + sample.name);
      }
    }
    add(c, std::move(sample));
  }

  // After '{': label="value" pairs separated by commas (a trailing one allowed), then '}'.
  static void read_labels(Cursor& c, Sample& sample) {
    c.skip_blanks();
    while (c.peek() != '}') {
      std::string name = c.label_name();
      c.skip_blanks();
      if (c.peek() != '=') {
        c.fail("expected '=' after label name '" + name + "'");
      }
      c.advance();
      c.skip_blanks();
      std::string value = c.label_value(name);
      if (!sample.labels.emplace(name, std::move(value)).second) {
        c.fail("duplicate label '" + name + "' in " + sample.name);
      }
      c.skip_blanks();
      if (c.peek() == ',') {
        c.advance();
        c.skip_blanks();
      } else if (c.peek() != '}') {
        c.fail(c.at_end() ? "unterminated label set of " + sample.name
                          : "expected ',' or '}' in the labels of " + sample.name + ", not " +
                                show(c.peek()));
      }
    }
    c.advance();
  }

  void add(const Cursor& c, Sample sample) {
    if (!m_open || !belongs(m_open->family, sample.name)) {
      if (m_open && m_open->family.samples.empty()) {
        c.fail("sample " + sample.name + " does not belong to " +
               std::string(type_name(m_open->family.type)) + " " + m_open->family.name + " (line " +
               std::to_string(m_open->family.line) + ")");
      }
      close();
      if (const Family* earlier = m_document.family(sample.name)) {
        c.fail("sample " + sample.name + " after its family began on line " +
               std::to_string(earlier->line) + " (a family's lines must be one group)");
      }
      start(sample.name, c.line());
    }
    if (auto [it, is_new] = m_owners.emplace(sample.name, m_open->family.name);
        !is_new && it->second != m_open->family.name) {
      c.fail("sample name " + sample.name + " already belongs to family " + it->second);
    }
    check_sample(c, m_open->family, sample);
    if (!m_open->series.emplace(sample.name, sample.labels).second) {
      const Sample* first = m_open->family.find(sample.name, sample.labels);
      c.fail("duplicate series " + series_text(sample.name, sample.labels) + " (first on line " +
             std::to_string(first->line) + ")");
    }
    m_open->family.samples.push_back(std::move(sample));
  }

  static bool belongs(const Family& family, std::string_view name) {
    const std::string& base = family.name;
    const bool is_suffixed = name.size() > base.size() && name.starts_with(base);
    const std::string_view suffix = is_suffixed ? name.substr(base.size()) : std::string_view();
    switch (family.type) {
    case Type::histogram:
      return suffix == "_bucket" || suffix == "_sum" || suffix == "_count";
    case Type::summary:
      return name == base || suffix == "_sum" || suffix == "_count";
    default:
      return name == base;
    }
  }

  // The checks one sample allows on its own.
  static void check_sample(const Cursor& c, const Family& family, const Sample& sample) {
    const std::string& name = sample.name;
    const bool is_histogram = family.type == Type::histogram;
    if (is_histogram && name.ends_with("_bucket")) {
      const auto le = sample.labels.find("le");
      if (le == sample.labels.end()) {
        c.fail("bucket " + name + " has no le label");
      }
      const std::optional<double> bound = parse_float(le->second);
      if (!bound || std::isnan(*bound)) {
        c.fail("bucket " + name + " has an invalid le \"" + le->second + "\"");
      }
    } else if (is_histogram && sample.labels.contains("le")) {
      c.fail(name + " has an le label, which only buckets have");
    }
    const bool is_quantile = family.type == Type::summary && name == family.name;
    if (is_quantile) {
      const auto q = sample.labels.find("quantile");
      const std::optional<double> quantile =
          q == sample.labels.end() ? std::nullopt : parse_float(q->second);
      if (!quantile || !(*quantile >= 0.0 && *quantile <= 1.0)) {
        c.fail("summary sample " + name + " needs a quantile label from 0 to 1");
      }
    } else if (family.type == Type::summary && sample.labels.contains("quantile")) {
      c.fail(name + " has a quantile label, which only the summary's quantiles have");
    }
    const bool is_count = family.type == Type::counter || (is_histogram && !name.ends_with("_sum"));
    if (is_count && !(sample.value >= 0.0)) {
      c.fail(name + " counts, so its value cannot be " +
             std::string(std::isnan(sample.value) ? "NaN" : "negative"));
    }
  }

  // Ends the open family, with the checks that need all of it.
  void close() {
    if (!m_open) {
      return;
    }
    Open open = std::move(*m_open);
    m_open.reset();
    if (open.family.samples.empty()) {
      throw ParseError(open.family.line, "family " + open.family.name + " has no samples");
    }
    if (open.family.type == Type::histogram) {
      check_histogram(open.family);
    }
    m_document.families.push_back(std::move(open.family));
  }

  // Per label set (without le): bounds increase, counts never decrease, +Inf equals _count.
  static void check_histogram(const Family& family) {
    struct Series {
      Labels labels;
      double last_bound = -std::numeric_limits<double>::infinity();
      double last_count = 0.0;
      const Sample* inf = nullptr;
      const Sample* count = nullptr;
      const Sample* sum = nullptr;
      std::size_t last_line = 0;
    };
    std::vector<Series> all;
    for (const Sample& sample : family.samples) {
      Labels labels = sample.labels;
      labels.erase("le");
      Series* series = nullptr;
      for (Series& s : all) {
        if (s.labels == labels) {
          series = &s;
        }
      }
      if (!series) {
        series = &all.emplace_back(Series{.labels = std::move(labels)});
      }
      series->last_line = sample.line;
      if (sample.name.ends_with("_sum")) {
        series->sum = &sample;
        continue;
      }
      if (sample.name.ends_with("_count")) {
        series->count = &sample;
        continue;
      }
      const double bound = *parse_float(sample.labels.find("le")->second);
      if (series->inf || !(bound > series->last_bound)) {
        throw ParseError(sample.line, "bucket le=\"" + sample.labels.find("le")->second + "\" of " +
                                          family.name + " does not follow a lower bound");
      }
      if (sample.value < series->last_count) {
        throw ParseError(sample.line, "bucket le=\"" + sample.labels.find("le")->second + "\" of " +
                                          family.name + " counts less than the bucket before it");
      }
      series->last_bound = bound;
      series->last_count = sample.value;
      if (std::isinf(bound)) {
        series->inf = &sample;
      }
    }
    for (const Series& s : all) {
      const std::string what = series_text(family.name, s.labels);
      if (!s.inf) {
        throw ParseError(s.last_line, "histogram " + what + " has no le=\"+Inf\" bucket");
      }
      if (!s.count) {
        throw ParseError(s.last_line, "histogram " + what + " has no " + family.name + "_count");
      }
      if (!s.sum) {
        throw ParseError(s.last_line, "histogram " + what + " has no " + family.name + "_sum");
      }
      if (s.inf->value != s.count->value) {
        throw ParseError(std::max(s.inf->line, s.count->line),
                         "histogram " + what + ": the +Inf bucket and _count differ");
      }
    }
  }

  std::string_view m_text;
  Document m_document;
  std::optional<Open> m_open;
  std::map<std::string, std::string, std::less<>> m_owners; // sample name -> family name
};

} // namespace

const Sample* Family::find(std::string_view sample_name, const Labels& labels) const {
  for (const Sample& sample : samples) {
    if (sample.name == sample_name && sample.labels == labels) {
      return &sample;
    }
  }
  return nullptr;
}

const Family* Document::family(std::string_view name) const {
  for (const Family& f : families) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

std::optional<double> Document::value(std::string_view sample_name, const Labels& labels) const {
  for (const Family& f : families) {
    if (const Sample* sample = f.find(sample_name, labels)) {
      return sample->value;
    }
  }
  return std::nullopt;
}

ParseError::ParseError(std::size_t line, const std::string& reason)
    : std::runtime_error("line " + std::to_string(line) + ": " + reason), m_line(line) {}

Document parse(std::string_view text) {
  return Parser(text).run();
}

std::string_view type_name(Type type) noexcept {
  switch (type) {
  case Type::counter:
    return "counter";
  case Type::gauge:
    return "gauge";
  case Type::histogram:
    return "histogram";
  case Type::summary:
    return "summary";
  case Type::untyped:
    return "untyped";
  }
  return "untyped";
}

} // namespace fw::test::prometheus
