#include "metrics/registry.hpp"
#include "prometheus_text.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fw::metrics {
namespace {

namespace prom = fw::test::prometheus;

std::string value_text(double v) {
  std::string out;
  append_value(out, v);
  return out;
}

TEST(Registry, RendersCounterFamilyExactlyWithChildrenInLabelOrder) {
  Registry registry;
  CounterFamily& polls = registry.counter("fw_polls_total", "Polls by result.", {"feed", "result"});
  polls.with({"2", "ok"}).inc();
  polls.with({"1", "ok"}).inc(3);
  polls.with({"1", "error"}).inc(0.5);

  EXPECT_EQ(registry.render(), "# HELP fw_polls_total Polls by result.\n"
                               "# TYPE fw_polls_total counter\n"
                               "fw_polls_total{feed=\"1\",result=\"error\"} 0.5\n"
                               "fw_polls_total{feed=\"1\",result=\"ok\"} 3\n"
                               "fw_polls_total{feed=\"2\",result=\"ok\"} 1\n");
}

TEST(Registry, RendersFamiliesInRegistrationOrder) {
  Registry registry;
  registry.gauge("zeta", "Last.");
  registry.counter("alpha_total", "First.");
  registry.gauge("mid", "Middle.");
  const prom::Document doc = prom::parse(registry.render());
  ASSERT_EQ(doc.families.size(), 3u);
  EXPECT_EQ(doc.families[0].name, "zeta");
  EXPECT_EQ(doc.families[1].name, "alpha_total");
  EXPECT_EQ(doc.families[2].name, "mid");
}

TEST(Registry, UnlabelledFamilyIsScrapedAsZeroBeforeAnyUpdate) {
  Registry registry;
  registry.counter("fw_started_total", "Starts.");
  registry.gauge("fw_queue_depth", "Depth.");
  EXPECT_EQ(registry.render(), "# HELP fw_started_total Starts.\n"
                               "# TYPE fw_started_total counter\n"
                               "fw_started_total 0\n"
                               "# HELP fw_queue_depth Depth.\n"
                               "# TYPE fw_queue_depth gauge\n"
                               "fw_queue_depth 0\n");
}

TEST(Registry, LabelledFamilyWithoutChildrenIsLeftOut) {
  Registry registry;
  registry.counter("fw_errors_total", "Errors.", {"kind"});
  EXPECT_EQ(registry.render(), "");
}

TEST(Registry, EscapesHelpAndLabelValues) {
  Registry registry;
  GaugeFamily& g = registry.gauge("fw_odd", "Back\\slash and\nnewline \"quoted\".", {"v"});
  g.with({"a\"b\\c\nd"}).set(1);
  EXPECT_EQ(registry.render(), "# HELP fw_odd Back\\\\slash and\\nnewline \"quoted\".\n"
                               "# TYPE fw_odd gauge\n"
                               "fw_odd{v=\"a\\\"b\\\\c\\nd\"} 1\n");
  const prom::Document doc = prom::parse(registry.render());
  EXPECT_EQ(doc.families.at(0).help, "Back\\slash and\nnewline \"quoted\".");
  EXPECT_EQ(doc.value("fw_odd", {{"v", "a\"b\\c\nd"}}), 1.0);
}

TEST(Registry, GaugeSetsIncrementsAndDecrements) {
  Registry registry;
  Gauge& g = registry.gauge("fw_inflight", "In flight.").with({});
  g.set(10);
  g.inc();
  g.dec(3.5);
  EXPECT_EQ(g.value(), 7.5);
  EXPECT_NE(registry.render().find("fw_inflight 7.5\n"), std::string::npos);
}

TEST(Registry, HistogramWritesCumulativeBucketsSumAndCount) {
  Registry registry;
  HistogramFamily& h =
      registry.histogram("fw_fetch_seconds", "Fetch time.", {"host"}, {0.5, 1, 10});
  Histogram& child = h.with({"example.org"});
  for (const double v : {0.25, 0.5, 2.0, 100.0}) { // 0.5 sits on a bound: le is inclusive
    child.observe(v);
  }
  EXPECT_EQ(registry.render(), "# HELP fw_fetch_seconds Fetch time.\n"
                               "# TYPE fw_fetch_seconds histogram\n"
                               "fw_fetch_seconds_bucket{host=\"example.org\",le=\"0.5\"} 2\n"
                               "fw_fetch_seconds_bucket{host=\"example.org\",le=\"1\"} 2\n"
                               "fw_fetch_seconds_bucket{host=\"example.org\",le=\"10\"} 3\n"
                               "fw_fetch_seconds_bucket{host=\"example.org\",le=\"+Inf\"} 4\n"
                               "fw_fetch_seconds_sum{host=\"example.org\"} 102.75\n"
                               "fw_fetch_seconds_count{host=\"example.org\"} 4\n");
  EXPECT_NO_THROW((void)prom::parse(registry.render()));
}

TEST(Registry, HistogramWithoutLabelsUsesDefaultSecondsBuckets) {
  Registry registry;
  Histogram& h = registry.histogram("fw_parse_seconds", "Parse time.").with({});
  h.observe(0.0001);
  h.observe(7);
  const prom::Document doc = prom::parse(registry.render());
  const std::vector<double> bounds = default_seconds_buckets();
  ASSERT_EQ(bounds.front(), 0.0005);
  ASSERT_EQ(bounds.back(), 10);
  EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
  EXPECT_EQ(doc.value("fw_parse_seconds_bucket", {{"le", "0.0005"}}), 1.0);
  EXPECT_EQ(doc.value("fw_parse_seconds_bucket", {{"le", "5"}}), 1.0);
  EXPECT_EQ(doc.value("fw_parse_seconds_bucket", {{"le", "10"}}), 2.0);
  EXPECT_EQ(doc.value("fw_parse_seconds_bucket", {{"le", "+Inf"}}), 2.0);
  EXPECT_EQ(doc.value("fw_parse_seconds_count"), 2.0);
  EXPECT_EQ(doc.families.at(0).samples.size(), bounds.size() + 3);
}

TEST(Registry, HistogramPutsNaNInTheInfBucket) {
  const std::vector<double> bounds{1.0};
  Histogram h(bounds);
  h.observe(std::numeric_limits<double>::quiet_NaN());
  const Histogram::Snapshot snap = h.snapshot();
  EXPECT_EQ(snap.cumulative, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_TRUE(std::isnan(snap.sum));
}

TEST(Registry, NewLabelSetsPastTheBoundGoToOneOverflowChild) {
  Registry registry;
  CounterFamily& f = registry.counter("fw_by_url_total", "By URL.", {"url", "kind"}, 3);
  Counter& first = f.with({"u1", "a"});
  first.inc();
  f.with({"u2", "a"}).inc();
  f.with({"u3", "a"}).inc();
  Counter& fourth = f.with({"u4", "a"});
  fourth.inc(10);
  f.with({"u5", "b"}).inc(5);

  EXPECT_EQ(&fourth, &f.with({"other", "other"}));
  EXPECT_EQ(&first, &f.with({"u1", "a"})) << "known label sets keep their child";
  EXPECT_EQ(fourth.value(), 15);
  const prom::Document doc = prom::parse(registry.render());
  ASSERT_EQ(doc.families.at(0).samples.size(), 4u);
  EXPECT_EQ(doc.value("fw_by_url_total", {{"url", "other"}, {"kind", "other"}}), 15.0);
  EXPECT_EQ(doc.value("fw_by_url_total", {{"url", "u4"}, {"kind", "a"}}), std::nullopt);
}

TEST(Registry, ExplicitOtherLabelSetIsTheOverflowChildAndDoesNotCount) {
  Registry registry;
  GaugeFamily& f = registry.gauge("fw_g", "G.", {"k"}, 2);
  Gauge& other = f.with({"other"});
  f.with({"a"});
  f.with({"b"});
  EXPECT_EQ(&f.with({"c"}), &other);
  EXPECT_EQ(prom::parse(registry.render()).families.at(0).samples.size(), 3u);
}

TEST(Registry, CallbackGaugeIsReadAtScrapeTime) {
  Registry registry;
  std::atomic<int> depth{3};
  registry.gauge_callback("fw_queue_depth", "Queued stories.", [&] { return double(depth); });
  EXPECT_EQ(prom::parse(registry.render()).value("fw_queue_depth"), 3.0);
  depth = 42;
  EXPECT_EQ(prom::parse(registry.render()).value("fw_queue_depth"), 42.0);
}

TEST(Registry, LabelledCallbackGaugeSortsDropsAndFolds) {
  Registry registry;
  std::vector<LabelledValue> rows = {{{"zeta"}, 1},    {{"alpha"}, 2}, {{"beta", "x"}, 9},
                                     {{"alpha"}, 5},   {{"gamma"}, 4}, {{"delta"}, 8},
                                     {{"epsilon"}, 16}};
  registry.gauge_callback(
      "fw_channel_depth", "Depth by channel.", {"channel"}, [&] { return rows; }, 3);
  EXPECT_EQ(registry.render(), "# HELP fw_channel_depth Depth by channel.\n"
                               "# TYPE fw_channel_depth gauge\n"
                               "fw_channel_depth{channel=\"alpha\"} 5\n"
                               "fw_channel_depth{channel=\"delta\"} 8\n"
                               "fw_channel_depth{channel=\"epsilon\"} 16\n"
                               "fw_channel_depth{channel=\"other\"} 5\n");
  rows.clear();
  EXPECT_EQ(registry.render(), "") << "no rows, no family";
}

TEST(Registry, ExceptionFromCallbackPropagatesFromRender) {
  Registry registry;
  registry.gauge_callback("fw_broken", "Broken.",
                          []() -> double { throw std::runtime_error("queue gone"); });
  EXPECT_THROW((void)registry.render(), std::runtime_error);
}

TEST(Registry, FormatsValuesWithoutExponentForIntegersAndRoundTripsTheRest) {
  EXPECT_EQ(value_text(0), "0");
  EXPECT_EQ(value_text(-0.0), "0");
  EXPECT_EQ(value_text(42), "42");
  EXPECT_EQ(value_text(-3), "-3");
  EXPECT_EQ(value_text(1e6), "1000000");
  EXPECT_EQ(value_text(9007199254740993.0), "9007199254740992");
  EXPECT_EQ(value_text(0x1p62), "4611686018427387904");
  EXPECT_EQ(value_text(1e20), "1e+20");
  EXPECT_EQ(value_text(0.1), "0.1");
  EXPECT_EQ(value_text(1.5e-7), "1.5e-07");
  EXPECT_EQ(value_text(0.0005), "0.0005");
  EXPECT_EQ(value_text(0.00005), "5e-05");
  EXPECT_EQ(value_text(1234567.5), "1.2345675e+06");
  EXPECT_EQ(value_text(-2.5), "-2.5");
  EXPECT_EQ(value_text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(value_text(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(value_text(std::numeric_limits<double>::quiet_NaN()), "NaN");

  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> exponent(-300, 300);
  for (int i = 0; i < 2000; ++i) {
    const double v = std::pow(10.0, exponent(random)) * (i % 2 == 0 ? 1 : -1);
    const std::string text = value_text(v);
    double back = 0;
    std::from_chars(text.data(), text.data() + text.size(), back);
    ASSERT_EQ(back, v) << text;
  }
}

TEST(Registry, RejectsInvalidNamesAsProgrammingErrors) {
  Registry registry;
  EXPECT_THROW(registry.gauge("", "h"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("1abc", "h"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("a-b", "h"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("a b", "h"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("ok", "h", {"1a"}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("ok", "h", {"a:b"}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("ok", "h", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("ok", "h", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("ok", ""), std::invalid_argument);
  EXPECT_THROW(registry.gauge("ok", "h", {}, 0), std::invalid_argument);
  EXPECT_THROW(registry.counter("fw_polls", "h"), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h1", "h", {"le"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h2", "h", {}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h3", "h", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h4", "h", {}, {1, std::numeric_limits<double>::infinity()}),
               std::invalid_argument);
  EXPECT_THROW(registry.gauge_callback("cb", "h", std::function<double()>{}),
               std::invalid_argument);
  EXPECT_NO_THROW(registry.gauge("_ok:name_1", "h", {"_a", "b_2"}));
  EXPECT_EQ(registry.render(), "") << "a failed registration leaves nothing behind";
}

TEST(Registry, RejectsNamesThatClashWithRegisteredSamples) {
  Registry registry;
  registry.histogram("fw_latency", "h");
  EXPECT_THROW(registry.gauge("fw_latency", "h"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("fw_latency_sum", "h"), std::invalid_argument);
  EXPECT_THROW(registry.gauge_callback("fw_latency_count", "h", [] { return 0.0; }),
               std::invalid_argument);
  registry.gauge("fw_size_bucket", "h");
  EXPECT_THROW(registry.histogram("fw_size", "h"), std::invalid_argument);
}

TEST(Registry, RejectsWrongNumberOfLabelValuesAndNegativeIncrements) {
  Registry registry;
  CounterFamily& f = registry.counter("fw_x_total", "h", {"a", "b"});
  EXPECT_THROW(f.with({"1"}), std::invalid_argument);
  EXPECT_THROW(f.with({"1", "2", "3"}), std::invalid_argument);
  const std::vector<std::string> values = {"1", "2"};
  Counter& c = f.with(values);
  EXPECT_EQ(&c, &f.with({"1", "2"}));
  EXPECT_THROW(c.inc(-1), std::invalid_argument);
  EXPECT_THROW(c.inc(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_EQ(c.value(), 0);
}

TEST(Registry, ConcurrentUpdatesAndScrapesAddUpAndStayWellFormed) {
  Registry registry;
  CounterFamily& counters = registry.counter("fw_work_total", "Work.", {"worker"}, 4);
  HistogramFamily& times = registry.histogram("fw_work_seconds", "Time.", {"worker"}, {0.5, 1});
  Gauge& busy = registry.gauge("fw_busy", "Busy.").with({});
  for (const char* worker : {"0", "1", "2", "3"}) {
    counters.with({worker}); // take the bound's four label sets before the race starts
  }
  constexpr int k_threads = 6;
  constexpr int k_iterations = 20000;

  std::atomic<bool> is_done{false};
  std::atomic<int> scrapes{0};
  std::thread scraper([&] {
    while (!is_done) {
      // Throws (and fails the test) if a scrape catches a histogram with +Inf != _count.
      const prom::Document doc = prom::parse(registry.render());
      EXPECT_GE(doc.families.size(), 1u);
      ++scrapes;
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < k_threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string worker = std::to_string(t);
      for (int i = 0; i < k_iterations; ++i) {
        busy.inc();
        counters.with({worker}).inc(); // the lookup, not a cached handle, to race the map
        times.with({worker}).observe((i % 3) * 0.5);
        busy.dec();
      }
    });
  }
  for (std::thread& w : workers) {
    w.join();
  }
  is_done = true;
  scraper.join();

  const prom::Document doc = prom::parse(registry.render());
  double total = 0;
  for (const prom::Sample& s : doc.family("fw_work_total")->samples) {
    total += s.value;
  }
  EXPECT_EQ(total, double(k_threads) * k_iterations);
  EXPECT_EQ(doc.value("fw_work_total", {{"worker", "other"}}), 2.0 * k_iterations)
      << "workers 4 and 5 fold into the overflow child";
  EXPECT_EQ(doc.value("fw_work_seconds_count", {{"worker", "0"}}), double(k_iterations));
  EXPECT_EQ(doc.value("fw_busy"), 0.0);
  EXPECT_GT(scrapes.load(), 0);
}

} // namespace
} // namespace fw::metrics
