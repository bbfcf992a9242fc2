#include "metrics/registry.hpp"
#include "prometheus_text.hpp"

#include <cmath>
#include <gtest/gtest.h>
#include <ostream>
#include <string>

namespace fw::test::prometheus {
namespace {

TEST(PrometheusText, ReadsAWellFormedDocument) {
  const Document doc = parse("# A comment, then a blank line.\n"
                             "\n"
                             "# TYPE fw_polls_total counter\n"
                             "# HELP fw_polls_total Polls \\\\ done,\\nby result.\n"
                             "fw_polls_total{result=\"ok\",feed=\"1\"} 12 1700000000000\n"
                             "fw_polls_total{ result = \"a\\\"b\\\\c\\nd\" , feed=\"2\", } 1.5e3\n"
                             "\t# HELP fw_depth Queue depth.\n"
                             "fw_depth -Inf\n"
                             "# TYPE fw_lat histogram\n"
                             "fw_lat_bucket{le=\"0.5\"} 1\n"
                             "fw_lat_bucket{le=\"1\"} 1\n"
                             "fw_lat_bucket{le=\"+Inf\"} 3\n"
                             "fw_lat_sum 7.25\n"
                             "fw_lat_count 3\n"
                             "# TYPE fw_rpc summary\n"
                             "fw_rpc{quantile=\"0.5\"} NaN\n"
                             "fw_rpc_sum 0\n"
                             "fw_rpc_count 0\n"
                             "fw_untyped +Inf  \n");
  ASSERT_EQ(doc.families.size(), 5u);

  const Family& polls = doc.families[0];
  EXPECT_EQ(polls.name, "fw_polls_total");
  EXPECT_EQ(polls.type, Type::counter);
  EXPECT_EQ(polls.help, "Polls \\ done,\nby result.");
  EXPECT_EQ(polls.line, 3u);
  ASSERT_EQ(polls.samples.size(), 2u);
  EXPECT_EQ(polls.samples[0].value, 12);
  EXPECT_EQ(polls.samples[0].timestamp_ms, 1700000000000);
  EXPECT_EQ(polls.samples[0].line, 5u);
  EXPECT_EQ(polls.samples[1].labels, (Labels{{"result", "a\"b\\c\nd"}, {"feed", "2"}}));
  EXPECT_EQ(polls.samples[1].value, 1500);

  EXPECT_EQ(doc.families[1].type, Type::untyped);
  EXPECT_TRUE(doc.families[1].has_help);
  EXPECT_EQ(doc.value("fw_depth"), -INFINITY);
  EXPECT_EQ(doc.families[2].type, Type::histogram);
  EXPECT_EQ(doc.value("fw_lat_bucket", {{"le", "+Inf"}}), 3.0);
  EXPECT_EQ(doc.families[3].type, Type::summary);
  EXPECT_TRUE(std::isnan(doc.families[3].samples[0].value));
  EXPECT_FALSE(doc.families[4].has_help);
  EXPECT_EQ(doc.value("fw_untyped"), INFINITY);
  EXPECT_EQ(doc.value("fw_untyped", {{"a", "b"}}), std::nullopt);
}

TEST(PrometheusText, EmptyTextIsAnEmptyDocument) {
  EXPECT_TRUE(parse("").families.empty());
  EXPECT_TRUE(parse("\n# only a comment\n").families.empty());
}

TEST(PrometheusText, ReadsWhatTheRegistryWrites) {
  metrics::Registry registry;
  registry.counter("fw_a_total", "A \\ counter\nwith two lines.", {"x", "y"})
      .with({"q\"uote", "back\\slash\nnew"})
      .inc(1e20);
  registry.gauge("fw_b", "B.").with({}).set(-0.000123);
  metrics::Histogram& h = registry.histogram("fw_c_seconds", "C.", {"host"}).with({"h"});
  h.observe(0.003);
  h.observe(1e9);
  registry.gauge_callback("fw_d", "D.", {"k"}, [] {
    return std::vector<metrics::LabelledValue>{{{"z"}, NAN}, {{"a"}, -INFINITY}};
  });
  const Document doc = parse(registry.render());
  ASSERT_EQ(doc.families.size(), 4u);
  EXPECT_EQ(doc.families[0].help, "A \\ counter\nwith two lines.");
  EXPECT_EQ(doc.value("fw_a_total", {{"x", "q\"uote"}, {"y", "back\\slash\nnew"}}), 1e20);
  EXPECT_EQ(doc.value("fw_b"), -0.000123);
  EXPECT_EQ(doc.value("fw_c_seconds_bucket", {{"host", "h"}, {"le", "0.005"}}), 1.0);
  EXPECT_EQ(doc.value("fw_c_seconds_count", {{"host", "h"}}), 2.0);
  EXPECT_EQ(doc.value("fw_c_seconds_sum", {{"host", "h"}}), 0.003 + 1e9);
  EXPECT_EQ(doc.value("fw_d", {{"k", "a"}}), -INFINITY);
}

// One malformed document: where it must fail, and a piece of the reason.
struct Bad {
  const char* name;
  const char* text;
  std::size_t line;
  const char* reason;
};

std::ostream& operator<<(std::ostream& out, const Bad& bad) {
  return out << bad.name;
}

class PrometheusTextRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(PrometheusTextRejects, WithTheLineAndReason) {
  const Bad& bad = GetParam();
  try {
    (void)parse(bad.text);
    FAIL() << "accepted:\n" << bad.text;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), bad.line) << e.what();
    EXPECT_NE(std::string(e.what()).find(bad.reason), std::string::npos) << e.what();
    EXPECT_TRUE(std::string(e.what()).starts_with("line " + std::to_string(bad.line) + ": "));
  }
}

// clang-format off
const Bad k_bad[] = {
  // Names.
  {"MetricNameStartingWithDigit", "1foo 1\n", 1, "invalid metric name"},
  {"MetricNameWithDash", "ok 1\nfoo-bar 1\n", 2, "invalid character '-' in metric name"},
  {"MetricNameInType", "# TYPE 1foo gauge\n", 1, "invalid metric name"},
  {"LabelNameStartingWithDigit", "foo{1a=\"x\"} 1\n", 1, "invalid label name"},
  {"LabelNameWithColon", "foo{a:b=\"x\"} 1\n", 1, "invalid character ':' in label name"},
  {"ReservedLabelName", "foo{__name__=\"x\"} 1\n", 1, "reserved"},
  {"DuplicateLabel", "foo{a=\"1\",b=\"2\",a=\"3\"} 1\n", 1, "duplicate label 'a'"},
  // Label syntax.
  {"UnquotedLabelValue", "foo{a=x} 1\n", 1, "not quoted"},
  {"SingleQuotedLabelValue", "foo{a='x'} 1\n", 1, "not quoted"},
  {"UnterminatedLabelValue", "foo{a=\"x} 1\n", 1, "unterminated value"},
  {"BadEscapeInLabelValue", "foo 1\nfoo2{a=\"x\\ty\"} 1\n", 2, "invalid escape \\t"},
  {"BackslashAtEndOfLine", "foo{a=\"x\\\n", 1, "invalid escape"},
  {"MissingEquals", "foo{a \"x\"} 1\n", 1, "expected '='"},
  {"MissingComma", "foo{a=\"x\" b=\"y\"} 1\n", 1, "expected ',' or '}'"},
  {"UnterminatedLabelSet", "foo{a=\"x\",\n", 1, "unterminated label set"},
  {"NoBlankBeforeValue", "foo{a=\"x\"}1\n", 1, "expected a blank"},
  // Values and timestamps.
  {"MissingValue", "foo\n", 1, "has no value"},
  {"WordValue", "foo abc\n", 1, "invalid value 'abc'"},
  {"TwoPoints", "foo 1.2.3\n", 1, "invalid value"},
  {"LowercaseInf", "foo inf\n", 1, "invalid value 'inf'"},
  {"UnsignedInf", "foo Inf\n", 1, "invalid value 'Inf'"},
  {"LowercaseNaN", "foo nan\n", 1, "invalid value 'nan'"},
  {"HexValue", "foo 0x10\n", 1, "invalid value"},
  {"BareExponent", "foo 1e\n", 1, "invalid value"},
  {"OutOfRange", "foo 1e999\n", 1, "invalid value"},
  {"CarriageReturn", "foo 1\r\n", 1, "invalid value"},
  {"FractionalTimestamp", "foo 1 12.5\n", 1, "invalid timestamp"},
  {"TextAfterTimestamp", "foo 1 2 3\n", 1, "after the timestamp"},
  // Lines.
  {"NoTrailingNewline", "# TYPE foo gauge\nfoo 1", 2, "does not end with a newline"},
  {"BadEscapeInHelp", "# HELP foo a\\tb\nfoo 1\n", 1, "invalid escape \\t in HELP"},
  {"HelpWithoutName", "# HELP\n", 1, "without a metric name"},
  {"TypeWithoutType", "# TYPE foo\n", 1, "without a type"},
  {"UnknownType", "# TYPE foo gaugee\nfoo 1\n", 1, "unknown type 'gaugee'"},
  {"TextAfterType", "# TYPE foo gauge now\nfoo 1\n", 1, "after the type"},
  // Families.
  {"CounterNotEndingInTotal", "# TYPE foo counter\nfoo 1\n", 1, "does not end in _total"},
  {"CounterSampleWithoutTotal", "# TYPE foo_total counter\nfoo 1\n", 2,
   "sample foo does not belong to counter foo_total"},
  {"HistogramSampleOfOtherName", "# TYPE foo histogram\nfoo_total 1\n", 2,
   "sample foo_total does not belong to histogram foo"},
  {"HistogramBareName", "# TYPE foo histogram\nfoo 1\n", 2, "does not belong to histogram"},
  {"GaugeSampleWithSuffix", "# HELP foo x\n# TYPE foo gauge\nfoo_sum 1\n", 3,
   "does not belong to gauge foo"},
  {"TypeAfterSamples", "foo 1\n# TYPE foo gauge\n", 2, "TYPE line for foo after its samples"},
  {"HelpAfterSamples", "# TYPE foo gauge\nfoo 1\n# HELP foo late\n", 3, "after its samples"},
  {"DuplicateType", "# TYPE foo gauge\n# TYPE foo gauge\nfoo 1\n", 2, "second TYPE line"},
  {"DuplicateHelp", "# HELP foo a\n# TYPE foo gauge\n# HELP foo b\nfoo 1\n", 3, "second HELP"},
  {"TypeForEarlierFamily", "# TYPE a gauge\na 1\nb 1\n# TYPE a gauge\n", 4,
   "whose family began on line 1"},
  {"SamplesOfAFamilySplit", "# TYPE a gauge\na{x=\"1\"} 1\nb 1\na{x=\"2\"} 1\n", 4,
   "after its family began on line 1"},
  {"SampleNameOfAnotherFamily",
   "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\nx 1\nh_count 2\n", 6,
   "already belongs to family h"},
  {"FamilyWithoutSamples", "# TYPE a gauge\n# TYPE b gauge\nb 1\n", 1, "a has no samples"},
  {"FamilyWithoutSamplesAtEnd", "b 1\n# HELP a x\n", 2, "a has no samples"},
  {"DuplicateSeries", "foo{a=\"1\",b=\"2\"} 1\nfoo{b=\"2\",a=\"1\"} 2\n", 2,
   "duplicate series foo{a=\"1\",b=\"2\"} (first on line 1)"},
  {"DuplicateUnlabelledSeries", "foo 1\nfoo 1\n", 2, "duplicate series foo"},
  {"NegativeCounter", "# TYPE c_total counter\nc_total -1\n", 2, "cannot be negative"},
  {"NaNCounter", "# TYPE c_total counter\nc_total NaN\n", 2, "cannot be NaN"},
  // Histograms.
  {"BucketWithoutLe", "# TYPE h histogram\nh_bucket 1\n", 2, "has no le label"},
  {"UnparseableLe", "# TYPE h histogram\nh_bucket{le=\"big\"} 1\n", 2, "invalid le \"big\""},
  {"LeOnSum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum{le=\"1\"} 1\n", 3,
   "has an le label"},
  {"NotCumulative",
   "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 4\nh_bucket{le=\"+Inf\"} 5\n"
   "h_sum 1\nh_count 5\n", 3, "counts less than the bucket before it"},
  {"BoundsDecrease",
   "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
   "h_sum 1\nh_count 1\n", 3, "does not follow a lower bound"},
  {"BucketAfterInf",
   "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_bucket{le=\"5\"} 1\nh_sum 1\nh_count 1\n", 3,
   "does not follow a lower bound"},
  {"NoInfBucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", 4,
   "has no le=\"+Inf\" bucket"},
  {"InfDiffersFromCount",
   "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 1\nh_count 4\nx 1\n", 4,
   "the +Inf bucket and _count differ"},
  {"NoCount", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 1\n", 3, "has no h_count"},
  {"NoSum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_count 3\n", 3, "has no h_sum"},
  {"SecondSeriesBroken",
   "# TYPE h histogram\nh_bucket{a=\"1\",le=\"+Inf\"} 1\nh_sum{a=\"1\"} 1\nh_count{a=\"1\"} 1\n"
   "h_bucket{a=\"2\",le=\"+Inf\"} 2\nh_sum{a=\"2\"} 1\nh_count{a=\"2\"} 1\n", 7,
   "histogram h{a=\"2\"}"},
  {"NegativeBucketCount", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} -1\n", 2,
   "cannot be negative"},
  // Summaries.
  {"QuantileMissing", "# TYPE s summary\ns 1\n", 2, "needs a quantile label"},
  {"QuantileOutOfRange", "# TYPE s summary\ns{quantile=\"1.5\"} 1\n", 2, "needs a quantile"},
  {"QuantileOnCount", "# TYPE s summary\ns_count{quantile=\"0.5\"} 1\n", 2,
   "has a quantile label"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Malformed, PrometheusTextRejects, ::testing::ValuesIn(k_bad),
                         [](const ::testing::TestParamInfo<Bad>& param) {
                           return param.param.name;
                         });

} // namespace
} // namespace fw::test::prometheus
