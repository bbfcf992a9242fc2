#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// A strict reader of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests that check what the
// daemon's /metrics serves. It reads character by character and rejects, with the line number,
// anything Prometheus would reject and a few things it would let pass:
//
// - names: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and not
//   starting with "__"; label values quoted, escapes only \\ \" \n (HELP: \\ \n); no label twice;
// - values: decimal floats, "+Inf", "-Inf", "NaN" (not "inf", hex or Go's other spellings), with
//   at least one blank before them; timestamps are optional int64 milliseconds;
// - families: HELP and TYPE at most once each and before the family's samples, a family's lines
//   in one group, no series twice, no sample name shared by two families. A HELP or TYPE line
//   opens a family that must have samples; a sample that does not belong to it (a histogram takes
//   NAME_bucket, NAME_sum and NAME_count, a summary NAME, NAME_sum and NAME_count, any other type
//   NAME) is an error. A sample with no HELP or TYPE before it opens an untyped family of its own.
// - counters: the name ends in "_total" (stricter than 0.0.4, which only recommends it; the
//   daemon's registry enforces it) and the value is neither negative nor NaN;
// - histograms, per label set: every bucket has a parseable `le`, bounds strictly increase,
//   counts never decrease, a le="+Inf" bucket exists and equals NAME_count, NAME_sum exists;
//   summaries: `quantile` is a number in [0, 1];
// - the text ends with a newline (an empty text is an empty document).
//
// Label values are not checked for valid UTF-8.
namespace fw::test::prometheus {

enum class Type { counter, gauge, histogram, summary, untyped };

using Labels = std::map<std::string, std::string, std::less<>>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0.0;
  std::optional<std::int64_t> timestamp_ms;
  std::size_t line = 0; // 1-based
};

struct Family {
  std::string name;
  Type type = Type::untyped;
  std::string help; // unescaped; empty without a HELP line
  bool has_help = false;
  std::vector<Sample> samples; // in document order
  std::size_t line = 0;        // where the family starts

  // The sample with this name and exactly these labels, or nullptr.
  [[nodiscard]] const Sample* find(std::string_view sample_name, const Labels& labels = {}) const;
};

struct Document {
  std::vector<Family> families; // in document order

  // The family with this name, or nullptr.
  [[nodiscard]] const Family* family(std::string_view name) const;
  // The value of the sample with this name and exactly these labels, in whichever family.
  [[nodiscard]] std::optional<double> value(std::string_view sample_name,
                                            const Labels& labels = {}) const;
};

// What parse() throws: what() reads "line N: reason".
class ParseError : public std::runtime_error {
public:
  ParseError(std::size_t line, const std::string& reason);
  [[nodiscard]] std::size_t line() const noexcept { return m_line; }

private:
  std::size_t m_line;
};

// Reads a whole exposition. Throws ParseError at the first problem.
[[nodiscard]] Document parse(std::string_view text);

[[nodiscard]] std::string_view type_name(Type type) noexcept;

} // namespace fw::test::prometheus
