// libFuzzer target for the parse stage and everything it hands to: parse_feed, then
// normalize_feed and to_json on success. Besides crashes and sanitizer reports it checks the
// contracts the headers promise: a parse error is one line, and the JSON is one line of valid
// UTF-8 JSON (nlohmann's parser rejects ill-formed UTF-8 inside strings).
//
// Dictionary: parse_fuzz.dict. Seeds: tests/fuzz/corpus/parse/ plus tests/fixtures, gathered by
// tests/fuzz/run_fuzz.sh.

#include "normalize/json_output.hpp"
#include "normalize/normalize.hpp"
#include "parse/feed_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

namespace {

[[noreturn]] void contract_broken(const char* what) {
  std::fprintf(stderr, "parse_fuzz: %s\n", what);
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // A document location, so that relative links take the resolution path; the content type stays
  // empty so the encoding comes from the bytes themselves (BOM, XML declaration).
  fw::parse::ParseOptions options;
  options.base_url = "https://fuzz.example/feeds/feed.xml";

  fw::Result<fw::parse::ParsedFeed> parsed = fw::parse::parse_feed(bytes, options);
  if (!parsed) {
    if (parsed.error().message.find('\n') != std::string::npos) {
      contract_broken("parse error message spans several lines");
    }
    return 0;
  }

  const fw::model::FeedDocument doc = fw::normalize::normalize_feed(std::move(parsed).value());
  const std::string json = fw::normalize::to_json(doc);
  // One line: the document, then its line terminator.
  if (json.empty() || json.back() != '\n' || json.find('\n') != json.size() - 1) {
    contract_broken("to_json output is not exactly one line");
  }
  if (!nlohmann::json::accept(json)) {
    contract_broken("to_json output is not valid JSON / UTF-8");
  }
  return 0;
}
