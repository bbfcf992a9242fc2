// libFuzzer target for the URL helpers: util::clean_url, util::resolve_url and
// util::remove_dot_segments (util/url.hpp), and dedupe::canonical_url (dedupe/canonical_url.hpp).
// The input is one URL, or a base URL and a reference separated by the first line break. Besides
// crashes and sanitizer reports it checks:
// - clean_url() gives a URL of printable ASCII only, and cleaning it again changes nothing;
// - resolve_url() gives an absolute URL that clean_url() leaves as it is;
// - canonical_url() is idempotent: the canonical form of a canonical URL is itself; it is clean
//   and absolute http(s) without a fragment;
// - remove_dot_segments() of a path starting with '/' is idempotent.
//
// Dictionary: url_fuzz.dict. Seeds: tests/fuzz/corpus/url/.

#include "dedupe/canonical_url.hpp"
#include "util/url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

// What a relative reference without a base of its own is resolved against.
constexpr std::string_view k_default_base = "https://fuzz.example/a/b/c;p?q=1#frag";

[[noreturn]] void contract_broken(const char* what, std::string_view input, std::string_view out) {
  std::fprintf(stderr, "url_fuzz: %s\n  input:  %.*s\n  output: %.*s\n", what,
               static_cast<int>(input.size()), input.data(), static_cast<int>(out.size()),
               out.data());
  std::abort();
}

bool is_printable_ascii(std::string_view s) {
  for (const char c : s) {
    if (c <= ' ' || c >= '\x7f') {
      return false;
    }
  }
  return true;
}

void check_clean(std::string_view input, const std::string& url) {
  if (!is_printable_ascii(url)) {
    contract_broken("clean URL holds a space, a control or a non-ASCII byte", input, url);
  }
  if (fw::util::clean_url(url) != url) {
    contract_broken("clean_url is not idempotent", input, url);
  }
}

void check_canonical(std::string_view input, std::string_view url) {
  const std::optional<std::string> canonical = fw::dedupe::canonical_url(url);
  if (!canonical) {
    return;
  }
  check_clean(input, *canonical);
  if (!canonical->starts_with("http://") && !canonical->starts_with("https://")) {
    contract_broken("canonical URL is not http(s)", input, *canonical);
  }
  if (canonical->find('#') != std::string::npos) {
    contract_broken("canonical URL keeps a fragment", input, *canonical);
  }
  const std::optional<std::string> again = fw::dedupe::canonical_url(*canonical);
  if (!again) {
    contract_broken("canonical URL is refused by canonical_url", input, *canonical);
  }
  if (*again != *canonical) {
    contract_broken("canonical_url is not idempotent", input, *again);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::string clean = fw::util::clean_url(input);
  if (!clean.empty()) {
    check_clean(input, clean);
  }
  check_canonical(input, input);

  const std::size_t newline = input.find('\n');
  const std::string_view base =
      newline == std::string_view::npos ? k_default_base : input.substr(0, newline);
  const std::string_view ref =
      newline == std::string_view::npos ? input : input.substr(newline + 1);
  if (const std::optional<std::string> resolved = fw::util::resolve_url(base, ref)) {
    if (!fw::util::has_scheme(*resolved)) {
      contract_broken("resolved URL is not absolute", input, *resolved);
    }
    check_clean(input, *resolved);
    check_canonical(input, *resolved);
  }

  if (ref.starts_with('/')) {
    const std::string path = fw::util::remove_dot_segments(ref);
    if (fw::util::remove_dot_segments(path) != path) {
      contract_broken("remove_dot_segments is not idempotent", input, path);
    }
  }
  return 0;
}
