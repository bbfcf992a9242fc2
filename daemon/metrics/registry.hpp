#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fw::metrics {

// The daemon's metrics, written in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// A family (a name, a help text, a type and a fixed list of label names) holds one child per
// set of label values. Looking a child up (`Family::with`) takes the family's mutex; updating a
// child (`inc`, `set`, `observe`) is a few relaxed atomic operations and never locks, so a hot
// path looks its child up once and keeps the reference. Children and families are never removed:
// every reference stays valid as long as the Registry.
//
// Label cardinality is bounded. Each family takes at most `max_label_sets` distinct label sets;
// once that many exist, every new label set is folded into one overflow child whose label values
// are all "other" (asking for that set explicitly gives the same child). A label that carries
// an unbounded value (a URL, a feed title) therefore costs at most max_label_sets + 1 series in
// memory and in every scrape; the overflow child's value shows how much was folded.

using LabelValues = std::vector<std::string>;

// Used when a family does not name its own bound.
inline constexpr std::size_t k_default_max_label_sets = 100;
// The label values of the overflow child (see above).
inline constexpr std::string_view k_overflow_label_value = "other";

// Bucket upper bounds for durations in seconds, 0.5 ms to 10 s, roughly 1-2.5-5 per decade.
[[nodiscard]] std::vector<double> default_seconds_buckets();

// A monotonically increasing value. Thread-safe and lock-free.
class Counter {
public:
  // Adds `n`. A negative or NaN `n` is a programming error: throws std::invalid_argument.
  void inc(double n = 1.0);
  [[nodiscard]] double value() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
  std::atomic<double> m_value{0.0};
};

// A value that goes up and down. Thread-safe and lock-free.
class Gauge {
public:
  void set(double v) noexcept { m_value.store(v, std::memory_order_relaxed); }
  void inc(double n = 1.0) noexcept { m_value.fetch_add(n, std::memory_order_relaxed); }
  void dec(double n = 1.0) noexcept { m_value.fetch_sub(n, std::memory_order_relaxed); }
  [[nodiscard]] double value() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
  std::atomic<double> m_value{0.0};
};

// Counts observations into fixed buckets. Thread-safe and lock-free.
class Histogram {
public:
  // What a scrape sees. `cumulative[i]` counts the observations <= bounds[i]; the last entry
  // (one past the bounds) is the +Inf bucket and always equals `count`.
  struct Snapshot {
    std::vector<std::uint64_t> cumulative;
    double sum = 0.0;
    std::uint64_t count = 0;
  };

  // `bounds` (strictly increasing, finite) must outlive the histogram; its family owns them.
  explicit Histogram(std::span<const double> bounds);

  // Adds `v` to the first bucket whose bound is >= v (the +Inf bucket if none) and to the sum.
  // NaN goes to the +Inf bucket and makes the sum NaN, as the Prometheus Go client does.
  void observe(double v) noexcept;
  [[nodiscard]] Snapshot snapshot() const;
  [[nodiscard]] std::span<const double> bounds() const noexcept { return m_bounds; }

private:
  std::span<const double> m_bounds;
  // Per bucket, not cumulative, so that observe() touches one of them; the count is their sum,
  // which keeps a scrape's +Inf bucket and _count equal even while observations go on.
  std::unique_ptr<std::atomic<std::uint64_t>[]> m_counts;
  std::atomic<double> m_sum{0.0};
};

enum class MetricType { counter, gauge, histogram };

// What every family has, and what the registry renders. Not used directly.
class FamilyBase {
public:
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return m_name; }
  [[nodiscard]] const std::string& help() const noexcept { return m_help; }
  [[nodiscard]] MetricType type() const noexcept { return m_type; }
  [[nodiscard]] const std::vector<std::string>& label_names() const noexcept {
    return m_label_names;
  }
  [[nodiscard]] std::size_t max_label_sets() const noexcept { return m_max_label_sets; }

  // Appends the HELP, TYPE and sample lines, or nothing while the family has no child. Called
  // by Registry::render(); may run callbacks (see Registry::gauge_callback).
  virtual void render(std::string& out) const = 0;

protected:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names, std::size_t max_label_sets);

  // Throws std::invalid_argument unless `values` has one value per label name.
  void check_arity(std::size_t values) const;
  void render_header(std::string& out) const;

private:
  std::string m_name;
  std::string m_help;
  MetricType m_type;
  std::vector<std::string> m_label_names;
  std::size_t m_max_label_sets;
};

// The children of one counter, gauge or histogram family, by label values.
template <typename Child> class Family final : public FamilyBase {
public:
  // The child for these label values (one per label name, in the family's order), created on
  // first use, or the overflow child once the family has max_label_sets label sets. The
  // reference stays valid as long as the Registry. Takes the family's mutex: cache it on hot
  // paths. Throws std::invalid_argument if the number of values is wrong.
  Child& with(std::initializer_list<std::string_view> values);
  Child& with(std::span<const std::string> values);

  void render(std::string& out) const override;

private:
  friend class Registry;
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         std::size_t max_label_sets, std::vector<double> bounds);

  Child& find_or_add(LabelValues values);
  std::unique_ptr<Child> make_child() const;

  std::vector<double> m_bounds; // histograms only; children point into it
  mutable std::mutex m_mutex;
  // Ordered by label values: a scrape lists children in the same order every time.
  std::map<LabelValues, std::unique_ptr<Child>> m_children;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// One row of a labelled callback gauge.
struct LabelledValue {
  LabelValues label_values;
  double value = 0.0;
};

// The metrics of one process. Thread-safe: families may be registered, children looked up and
// updated, and render() called from any thread at the same time.
//
// Registration validates names and throws std::invalid_argument on a programming error: a
// metric name not matching [a-zA-Z_:][a-zA-Z0-9_:]*, a label name not matching
// [a-zA-Z_][a-zA-Z0-9_]* or starting with "__", a repeated label name, an empty help text, a
// name (or a histogram's _bucket/_sum/_count) already taken, a counter whose name does not end
// in "_total" (the 0.0.4 convention: the family and its sample share the name), a histogram
// label named "le", or bucket bounds that are not finite and strictly increasing.
class Registry {
public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The returned family lives as long as the Registry. A family without labels has its one
  // child from the start (reach it with `with({})`), so it is scraped as 0 before any update.
  CounterFamily& counter(std::string name, std::string help,
                         std::vector<std::string> label_names = {},
                         std::size_t max_label_sets = k_default_max_label_sets);
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> label_names = {},
                     std::size_t max_label_sets = k_default_max_label_sets);
  HistogramFamily& histogram(std::string name, std::string help,
                             std::vector<std::string> label_names = {},
                             std::vector<double> bounds = default_seconds_buckets(),
                             std::size_t max_label_sets = k_default_max_label_sets);

  // A gauge read at scrape time, for a value another thread owns (a queue's depth). `read` runs
  // on the thread calling render() (the metrics server's), with no registry lock held; it must
  // be thread-safe, must not throw, and must not register metrics.
  void gauge_callback(std::string name, std::string help, std::function<double()> read);
  // The same with labels: `read` returns one row per label set, each with one value per label
  // name. Rows are listed in label order; a row with the wrong number of values is dropped, a
  // repeated label set keeps its last value, and beyond max_label_sets label sets (in label
  // order) the values are added up into the overflow row.
  void gauge_callback(std::string name, std::string help, std::vector<std::string> label_names,
                      std::function<std::vector<LabelledValue>()> read,
                      std::size_t max_label_sets = k_default_max_label_sets);

  // The text exposition format 0.0.4 of every family with at least one child, in registration
  // order; children in label-value order. An exception from a callback propagates.
  [[nodiscard]] std::string render() const;

private:
  template <typename F> F& add(std::unique_ptr<F> family);

  mutable std::mutex m_mutex;
  std::vector<std::unique_ptr<FamilyBase>> m_families; // registration order
  std::vector<std::string> m_taken;                    // every sample name in use
};

// Helpers of the exposition format, public for the tests.

// A sample value: integral values in the int64 range without exponent or fraction ("42"),
// others as the shortest digits that read back to the same double, with an exponent below 1e-4
// and from 1e6 up, as Prometheus' Go client writes them ("0.1", "0.0005", "5e-05",
// "1.2345675e+06", "1e+300"), and "+Inf",
// "-Inf", "NaN".
void append_value(std::string& out, double v);
// `s` with '\\', '"' and newline escaped as a label value wants them.
void append_label_value(std::string& out, std::string_view s);
// `s` with '\\' and newline escaped as a HELP text wants them.
void append_help(std::string& out, std::string_view s);

} // namespace fw::metrics
