// Golden files: tests/fixtures/feeds/<format>/<quirk>.{xml,json} and <quirk>.expected.json.
// The expected JSON is the whole `feedwire parse` output; a mismatch prints both, field by field.
// scripts/update-golden rewrites the expectations from the current parser for review.

#include "normalize/json_output.hpp"
#include "normalize/normalize.hpp"
#include "parse/feed_parser.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct GoldenCase {
  fs::path input;
  fs::path expected;
  fs::path args;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<GoldenCase> discover() {
  std::vector<GoldenCase> cases;
  for (const auto& e : fs::recursive_directory_iterator(FW_FIXTURES_DIR)) {
    if (!e.is_regular_file()) {
      continue;
    }
    std::string name = e.path().filename().string();
    if (name.ends_with(".expected.json") || name.ends_with(".args")) {
      continue;
    }
    fs::path stem = e.path();
    stem.replace_extension();
    GoldenCase c{e.path(), stem.string() + ".expected.json", stem.string() + ".args"};
    cases.push_back(c);
  }
  std::sort(cases.begin(), cases.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.input < b.input; });
  return cases;
}

std::string case_name(const testing::TestParamInfo<GoldenCase>& info) {
  std::string n = fs::relative(info.param.input, FW_FIXTURES_DIR).string();
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      c = '_';
    }
  }
  return n;
}

fw::parse::ParseOptions options_for(const GoldenCase& c) {
  fw::parse::ParseOptions o;
  if (!fs::exists(c.args)) {
    return o;
  }
  std::istringstream in(read_file(c.args));
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("--base-url ")) {
      o.base_url = line.substr(11);
    } else if (line.starts_with("--content-type ")) {
      o.content_type = line.substr(15);
    }
  }
  return o;
}

// Lists the paths at which two JSON values differ ("items[2].title: got ..., want ...").
void diff(const json& got, const json& want, const std::string& path,
          std::vector<std::string>& out) {
  if (got.type() != want.type()) {
    out.push_back(path + ": got " + got.dump() + ", want " + want.dump());
    return;
  }
  if (got.is_object()) {
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) {
        out.push_back(path + "." + k + ": missing, want " + v.dump());
      } else {
        diff(got[k], v, path + "." + k, out);
      }
    }
    for (const auto& [k, v] : got.items()) {
      if (!want.contains(k)) {
        out.push_back(path + "." + k + ": unexpected " + v.dump());
      }
    }
  } else if (got.is_array()) {
    if (got.size() != want.size()) {
      out.push_back(path + ": got " + std::to_string(got.size()) + " elements, want " +
                    std::to_string(want.size()));
    }
    for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
      diff(got[i], want[i], path + "[" + std::to_string(i) + "]", out);
    }
  } else if (got != want) {
    out.push_back(path + ": got " + got.dump() + ", want " + want.dump());
  }
}

// gtest prints a parameter with this when a case fails or is listed: the fixture's path.
void PrintTo(const GoldenCase& c, std::ostream* os) {
  *os << fs::relative(c.input, FW_FIXTURES_DIR).string();
}

class Golden : public testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, OutputMatchesExpectedJson) {
  const GoldenCase& c = GetParam();
  ASSERT_TRUE(fs::exists(c.expected)) << "no " << c.expected << " (run scripts/update-golden)";
  json want = json::parse(read_file(c.expected));
  auto parsed = fw::parse::parse_feed(read_file(c.input), options_for(c));
  json got;
  if (parsed) {
    got = json::parse(fw::normalize::to_json(fw::normalize::normalize_feed(parsed.value())));
  } else {
    got = json{{"error", parsed.error().message}};
  }
  std::vector<std::string> differences;
  diff(got, want, "", differences);
  std::string report;
  for (const std::string& d : differences) {
    report += "  " + d + "\n";
  }
  EXPECT_TRUE(differences.empty()) << c.input << " differs from " << c.expected << ":\n" << report;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Golden, testing::ValuesIn(discover()), case_name);

TEST(GoldenSuite, HasAtLeastSixtyCases) {
  EXPECT_GE(discover().size(), 60U);
}

} // namespace
