#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

namespace fw::metrics {

namespace {

// Lock-free updates are the point of this component; fail the build where they would not be.
static_assert(std::atomic<double>::is_always_lock_free);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

constexpr bool is_name_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

constexpr bool is_name_char(char c) noexcept {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_metric_name(std::string_view s) noexcept {
  if (s.empty() || !(is_name_start(s[0]) || s[0] == ':')) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return is_name_char(c) || c == ':'; });
}

// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved for Prometheus itself).
bool is_label_name(std::string_view s) noexcept {
  if (s.empty() || !is_name_start(s[0]) || s.starts_with("__")) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), is_name_char);
}

const char* type_name(MetricType type) noexcept {
  switch (type) {
  case MetricType::counter:
    return "counter";
  case MetricType::gauge:
    return "gauge";
  case MetricType::histogram:
    return "histogram";
  }
  return "untyped";
}

LabelValues overflow_key(std::size_t arity) {
  return LabelValues(arity, std::string(k_overflow_label_value));
}

// `name{a="x",b="y"}` (no braces without labels), with `extra` appended last when given: the
// `le` of a histogram bucket.
void append_series(std::string& out, std::string_view name, const std::vector<std::string>& names,
                   const LabelValues& values, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  out += name;
  if (names.empty() && extra_name.empty()) {
    return;
  }
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += names[i];
    out += "=\"";
    append_label_value(out, values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) {
      out += ',';
    }
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                   const LabelValues& values, double value) {
  append_series(out, name, names, values);
  out += ' ';
  append_value(out, value);
  out += '\n';
}

// A gauge whose children are computed at scrape time.
class CallbackGaugeFamily final : public FamilyBase {
public:
  CallbackGaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                      std::function<std::vector<LabelledValue>()> read, std::size_t max_label_sets)
      : FamilyBase(std::move(name), std::move(help), MetricType::gauge, std::move(label_names),
                   max_label_sets),
        m_read(std::move(read)) {}

  void render(std::string& out) const override {
    const std::size_t arity = label_names().size();
    std::map<LabelValues, double> rows;
    for (LabelledValue& row : m_read()) {
      if (row.label_values.size() == arity) {
        rows.insert_or_assign(std::move(row.label_values), row.value);
      }
    }
    if (rows.empty()) {
      return;
    }
    // The same bound as a stored family's: the first max_label_sets label sets in label order,
    // everything after added into the overflow row.
    const LabelValues overflow = overflow_key(arity);
    std::map<LabelValues, double> kept;
    double folded = 0.0;
    bool has_folded = false;
    for (auto& [values, value] : rows) {
      if (values == overflow) {
        folded += value;
        has_folded = true;
      } else if (kept.size() < max_label_sets()) {
        kept.emplace(values, value);
      } else {
        folded += value;
        has_folded = true;
      }
    }
    if (has_folded) {
      kept.emplace(overflow, folded);
    }
    render_header(out);
    for (const auto& [values, value] : kept) {
      append_sample(out, name(), label_names(), values, value);
    }
  }

private:
  std::function<std::vector<LabelledValue>()> m_read;
};

// The sample names a family writes; no two families may share one.
std::vector<std::string> sample_names(const FamilyBase& family) {
  if (family.type() == MetricType::histogram) {
    return {family.name(), family.name() + "_bucket", family.name() + "_sum",
            family.name() + "_count"};
  }
  return {family.name()};
}

} // namespace

std::vector<double> default_seconds_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void Counter::inc(double n) {
  if (!(n >= 0.0)) {
    throw std::invalid_argument("metrics: a counter cannot go down (inc by a negative or NaN)");
  }
  m_value.fetch_add(n, std::memory_order_relaxed);
}

Histogram::Histogram(std::span<const double> bounds)
    : m_bounds(bounds),
      m_counts(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double v) noexcept {
  const std::size_t bucket =
      std::isnan(v) ? m_bounds.size()
                    : static_cast<std::size_t>(
                          std::lower_bound(m_bounds.begin(), m_bounds.end(), v) - m_bounds.begin());
  m_counts[bucket].fetch_add(1, std::memory_order_relaxed);
  m_sum.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  out.cumulative.reserve(m_bounds.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= m_bounds.size(); ++i) {
    running += m_counts[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(running);
  }
  out.count = running;
  out.sum = m_sum.load(std::memory_order_relaxed);
  return out;
}

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names, std::size_t max_label_sets)
    : m_name(std::move(name)), m_help(std::move(help)), m_type(type),
      m_label_names(std::move(label_names)), m_max_label_sets(max_label_sets) {
  if (!is_metric_name(m_name)) {
    throw std::invalid_argument("metrics: invalid metric name '" + m_name + "'");
  }
  if (m_help.empty()) {
    throw std::invalid_argument("metrics: " + m_name + " has no help text");
  }
  if (m_type == MetricType::counter && !m_name.ends_with("_total")) {
    throw std::invalid_argument("metrics: counter " + m_name + " must end in _total");
  }
  if (m_max_label_sets == 0) {
    throw std::invalid_argument("metrics: " + m_name + " must allow at least one label set");
  }
  for (auto it = m_label_names.begin(); it != m_label_names.end(); ++it) {
    if (!is_label_name(*it)) {
      throw std::invalid_argument("metrics: " + m_name + " has an invalid label name '" + *it +
                                  "'");
    }
    if (std::find(m_label_names.begin(), it, *it) != it) {
      throw std::invalid_argument("metrics: " + m_name + " repeats the label " + *it);
    }
    if (m_type == MetricType::histogram && *it == "le") {
      throw std::invalid_argument("metrics: histogram " + m_name + " cannot have a label 'le'");
    }
  }
}

void FamilyBase::check_arity(std::size_t values) const {
  if (values != m_label_names.size()) {
    throw std::invalid_argument("metrics: " + m_name + " takes " +
                                std::to_string(m_label_names.size()) + " label values, not " +
                                std::to_string(values));
  }
}

void FamilyBase::render_header(std::string& out) const {
  out += "# HELP ";
  out += m_name;
  out += ' ';
  append_help(out, m_help);
  out += "\n# TYPE ";
  out += m_name;
  out += ' ';
  out += type_name(m_type);
  out += '\n';
}

template <typename Child>
Family<Child>::Family(std::string name, std::string help, MetricType type,
                      std::vector<std::string> label_names, std::size_t max_label_sets,
                      std::vector<double> bounds)
    : FamilyBase(std::move(name), std::move(help), type, std::move(label_names), max_label_sets),
      m_bounds(std::move(bounds)) {
  for (std::size_t i = 0; i < m_bounds.size(); ++i) {
    if (!std::isfinite(m_bounds[i]) || (i > 0 && !(m_bounds[i - 1] < m_bounds[i]))) {
      throw std::invalid_argument("metrics: histogram " + this->name() +
                                  " needs finite, strictly increasing bucket bounds");
    }
  }
  if (this->label_names().empty()) {
    m_children.emplace(LabelValues{}, make_child());
  }
}

template <typename Child>
Child& Family<Child>::with(std::initializer_list<std::string_view> values) {
  check_arity(values.size());
  return find_or_add(LabelValues(values.begin(), values.end()));
}

template <typename Child> Child& Family<Child>::with(std::span<const std::string> values) {
  check_arity(values.size());
  return find_or_add(LabelValues(values.begin(), values.end()));
}

template <typename Child> Child& Family<Child>::find_or_add(LabelValues values) {
  std::lock_guard lock(m_mutex);
  if (auto it = m_children.find(values); it != m_children.end()) {
    return *it->second;
  }
  LabelValues overflow = overflow_key(values.size());
  const std::size_t label_sets = m_children.size() - (m_children.contains(overflow) ? 1 : 0);
  if (label_sets >= max_label_sets()) {
    values = std::move(overflow);
    if (auto it = m_children.find(values); it != m_children.end()) {
      return *it->second;
    }
  }
  return *m_children.emplace(std::move(values), make_child()).first->second;
}

template <typename Child> std::unique_ptr<Child> Family<Child>::make_child() const {
  if constexpr (std::is_same_v<Child, Histogram>) {
    return std::make_unique<Histogram>(m_bounds);
  } else {
    return std::make_unique<Child>();
  }
}

template <typename Child> void Family<Child>::render(std::string& out) const {
  std::lock_guard lock(m_mutex);
  if (m_children.empty()) {
    return;
  }
  render_header(out);
  for (const auto& [values, child] : m_children) {
    if constexpr (std::is_same_v<Child, Histogram>) {
      const Histogram::Snapshot snap = child->snapshot();
      const std::string bucket = name() + "_bucket";
      std::string le;
      for (std::size_t i = 0; i < snap.cumulative.size(); ++i) {
        le.clear();
        append_value(le, i < m_bounds.size() ? m_bounds[i] : HUGE_VAL);
        append_series(out, bucket, label_names(), values, "le", le);
        out += ' ';
        append_value(out, static_cast<double>(snap.cumulative[i]));
        out += '\n';
      }
      append_sample(out, name() + "_sum", label_names(), values, snap.sum);
      append_sample(out, name() + "_count", label_names(), values, static_cast<double>(snap.count));
    } else {
      append_sample(out, name(), label_names(), values, child->value());
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Registry() = default;
Registry::~Registry() = default;

template <typename F> F& Registry::add(std::unique_ptr<F> family) {
  std::vector<std::string> names = sample_names(*family);
  std::lock_guard lock(m_mutex);
  for (const std::string& wanted : names) {
    if (std::find(m_taken.begin(), m_taken.end(), wanted) != m_taken.end()) {
      throw std::invalid_argument("metrics: " + family->name() + " clashes with the name " +
                                  wanted + " already registered");
    }
  }
  m_taken.insert(m_taken.end(), std::make_move_iterator(names.begin()),
                 std::make_move_iterator(names.end()));
  F& out = *family;
  m_families.push_back(std::move(family));
  return out;
}

CounterFamily& Registry::counter(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::size_t max_label_sets) {
  return add(std::unique_ptr<CounterFamily>(
      new CounterFamily(std::move(name), std::move(help), MetricType::counter,
                        std::move(label_names), max_label_sets, {})));
}

GaugeFamily& Registry::gauge(std::string name, std::string help,
                             std::vector<std::string> label_names, std::size_t max_label_sets) {
  return add(std::unique_ptr<GaugeFamily>(new GaugeFamily(std::move(name), std::move(help),
                                                          MetricType::gauge, std::move(label_names),
                                                          max_label_sets, {})));
}

HistogramFamily& Registry::histogram(std::string name, std::string help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds, std::size_t max_label_sets) {
  return add(std::unique_ptr<HistogramFamily>(
      new HistogramFamily(std::move(name), std::move(help), MetricType::histogram,
                          std::move(label_names), max_label_sets, std::move(bounds))));
}

void Registry::gauge_callback(std::string name, std::string help, std::function<double()> read) {
  if (!read) {
    throw std::invalid_argument("metrics: gauge callback " + name + " has no function");
  }
  gauge_callback(std::move(name), std::move(help), {}, [read = std::move(read)] {
    return std::vector<LabelledValue>{{{}, read()}};
  });
}

void Registry::gauge_callback(std::string name, std::string help,
                              std::vector<std::string> label_names,
                              std::function<std::vector<LabelledValue>()> read,
                              std::size_t max_label_sets) {
  if (!read) {
    throw std::invalid_argument("metrics: gauge callback " + name + " has no function");
  }
  add(std::make_unique<CallbackGaugeFamily>(
      std::move(name), std::move(help), std::move(label_names), std::move(read), max_label_sets));
}

std::string Registry::render() const {
  // Families are never removed, so the pointers outlive the lock; rendering without it lets a
  // callback run without blocking registration on other threads.
  std::vector<const FamilyBase*> families;
  {
    std::lock_guard lock(m_mutex);
    families.reserve(m_families.size());
    for (const auto& family : m_families) {
      families.push_back(family.get());
    }
  }
  std::string out;
  for (const FamilyBase* family : families) {
    family->render(out);
  }
  return out;
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buffer[32];
  std::to_chars_result result{};
  // [-2^63, 2^63) converts to int64 exactly; the shortest double form would write 1e+06.
  if (v == std::trunc(v) && v >= -0x1p63 && v < 0x1p63) {
    result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(v));
  } else {
    // The shortest digits that read back to `v`, in %g's layout (an exponent below 1e-4 and from
    // 1e6 up, as Go's strconv 'g' writes): bucket bounds read "0.0005", not "5e-04".
    result = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::general);
  }
  out.append(buffer, result.ptr);
}

void append_label_value(std::string& out, std::string_view s) {
  for (const char c : s) {
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    default:
      out += c;
    }
  }
}

void append_help(std::string& out, std::string_view s) {
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

} // namespace fw::metrics
