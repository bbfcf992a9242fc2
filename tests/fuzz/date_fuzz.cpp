// libFuzzer target for the date parser (parse/date.hpp). Besides crashes and sanitizer reports it
// checks that a date, once read, survives the way feedwire writes it: format_rfc3339() of the
// instant reads back as the same instant, and formats to the same text again.
//
// Dictionary: date_fuzz.dict. Seeds: tests/fuzz/corpus/date/ (one date a file), gathered by
// tests/fuzz/run_fuzz.sh.

#include "parse/date.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void contract_broken(const char* what, std::string_view input,
                                  const std::string& text) {
  std::fprintf(stderr, "date_fuzz: %s\n  input: %.*s\n  rfc3339: %s\n", what,
               static_cast<int>(input.size()), input.data(), text.c_str());
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<fw::model::Timestamp> date = fw::parse::parse_date(text);
  if (!date) {
    return 0;
  }
  const std::string rfc3339 = fw::parse::format_rfc3339(*date);
  const std::optional<fw::model::Timestamp> again = fw::parse::parse_date(rfc3339);
  if (!again) {
    contract_broken("the RFC 3339 form of a parsed date does not parse", text, rfc3339);
  }
  if (*again != *date) {
    contract_broken("the RFC 3339 form of a parsed date reads as another instant", text, rfc3339);
  }
  if (fw::parse::format_rfc3339(*again) != rfc3339) {
    contract_broken("formatting the re-read date gives other text", text, rfc3339);
  }
  return 0;
}
