#include "util/url.hpp"

#include "util/byte_mask.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace fw::util {

namespace {

constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Bytes that RFC 3986 allows nowhere in a URI and that browsers percent-encode rather than
// reject (WHATWG URL, the C0-control, fragment, query and path percent-encode sets).
constexpr bool is_disallowed(unsigned char c) noexcept {
  switch (c) {
  case ' ':
  case '"':
  case '<':
  case '>':
  case '\\':
  case '^':
  case '`':
  case '{':
  case '|':
  case '}':
    return true;
  default:
    return c < 0x20 || c >= 0x7F;
  }
}

// Bytes encode_for_uri has to look at: disallowed ones, and '%', '[' and ']'.
constexpr std::array<bool, 256> k_needs_care = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const auto u = static_cast<unsigned char>(c);
    t[u] = is_disallowed(u) || u == '%' || u == '[' || u == ']';
  }
  return t;
}();

void append_pct(std::string& out, unsigned char c) {
  constexpr char k_hex[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(k_hex[c >> 4]);
  out.push_back(k_hex[c & 0x0F]);
}

// Where the authority of `s` lies ("scheme://" or "//" followed by it), as [begin, end);
// begin == end == npos when `s` has none.
std::pair<std::size_t, std::size_t> authority_range(std::string_view s) noexcept {
  std::size_t i = has_scheme(s) ? s.find(':') + 1 : 0;
  if (s.substr(i, 2) != "//") {
    return {std::string_view::npos, std::string_view::npos};
  }
  std::size_t end = find_any(s, "/?#", i + 2);
  return {i + 2, end == std::string_view::npos ? s.size() : end};
}

// Makes `s` parseable the way a browser would read it: tabs and line breaks inside are dropped
// (WHATWG URL parser, step 3; long hrefs in feeds get wrapped), and every byte RFC 3986 does
// not allow at its position is percent-encoded: disallowed bytes, a '%' that does not start a
// %XX triplet, a second '#', and '[' / ']' outside the authority (IPv6 literals keep theirs).
// Existing %XX triplets are kept as they are, never decoded.
std::string encode_for_uri(std::string_view in) {
  std::string stripped;
  if (find_any(in, "\t\n\r") != std::string_view::npos) {
    stripped.reserve(in.size());
    for (char c : in) {
      if (c != '\t' && c != '\n' && c != '\r') {
        stripped.push_back(c);
      }
    }
    in = stripped;
  }
  // Most URLs need nothing: one '#' at most, no '%', '[' or ']', nothing disallowed.
  const bool is_plain = std::none_of(
      in.begin(), in.end(), [](char ch) { return k_needs_care[static_cast<unsigned char>(ch)]; });
  if (is_plain && (in.find('#') == in.rfind('#'))) {
    return std::string(in);
  }
  auto [auth_begin, auth_end] = authority_range(in);
  std::string out;
  out.reserve(in.size() + 8);
  bool seen_hash = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    bool encode = is_disallowed(c);
    if (c == '%') {
      encode = i + 2 >= in.size() || !is_hex(in[i + 1]) || !is_hex(in[i + 2]);
    } else if (c == '#') {
      encode = seen_hash;
      seen_hash = true;
    } else if (c == '[' || c == ']') {
      encode = !(i >= auth_begin && i < auth_end);
    }
    if (encode) {
      append_pct(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

template <typename T> std::string_view view(const T& s) noexcept {
  return {s.data(), s.size()};
}

bool is_valid_after_authority(const boost::urls::url_view& u) noexcept {
  return !u.has_authority() || u.encoded_path().empty() || u.encoded_path().front() == '/';
}

} // namespace

std::string remove_dot_segments(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  auto pop_segment = [&out] {
    std::size_t slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = in.substr(0, 1);
    } else if (in.starts_with("/../")) {
      in.remove_prefix(3);
      pop_segment();
    } else if (in == "/..") {
      in = in.substr(0, 1);
      pop_segment();
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      std::size_t end = in.find('/', 1);
      if (end == std::string_view::npos) {
        end = in.size();
      }
      out.append(in.substr(0, end));
      in.remove_prefix(end);
    }
  }
  return out;
}

bool has_scheme(std::string_view s) noexcept {
  if (s.empty() || !is_alpha(s.front())) {
    return false;
  }
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':') {
      return true;
    }
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

// Boost.URL parses and validates both sides, but the resolution itself (RFC 3986 §5.2.2,
// strict) is done here: Boost 1.81's resolve() also normalises the result — it decodes
// percent-encoded unreserved characters and even "%2F", keeps ".." above the root
// ("../../../g" gives "http://a/../g") and keeps the base's fragment for an empty reference.
std::string clean_url(std::string_view url) {
  return encode_for_uri(trim(url));
}

std::optional<std::string> resolve_url(std::string_view base, std::string_view ref) {
  ref = trim(ref);
  if (has_scheme(ref)) {
    return encode_for_uri(ref);
  }
  base = trim(base);
  if (base.empty()) {
    return std::nullopt;
  }
  const std::string base_text = encode_for_uri(base);
  auto parsed_base = boost::urls::parse_uri(base_text);
  if (!parsed_base) {
    return std::nullopt;
  }
  std::string ref_text = encode_for_uri(ref);
  // "1a:b" or ":x" look like a scheme to nobody but still make the first segment of a
  // relative path invalid (RFC 3986 §4.2); "./" in front means the same and parses.
  if (std::size_t stop = find_any(ref_text, ":/?#");
      stop != std::string::npos && ref_text[stop] == ':') {
    ref_text.insert(0, "./");
  }
  auto parsed_ref = boost::urls::parse_uri_reference(ref_text);
  if (!parsed_ref) {
    return std::nullopt;
  }
  const boost::urls::url_view& b = *parsed_base;
  const boost::urls::url_view& r = *parsed_ref;

  const std::string_view base_path = view(b.encoded_path());
  const std::string_view ref_path = view(r.encoded_path());
  // After an authority RFC 3986 allows only an empty path or one starting with '/'. Boost 1.81
  // accepts "http://host:port/" and "//a@b@c/" by ending the authority early and reading the
  // rest ("port/", "@c/") as a rootless path; such input is garbage.
  if (!is_valid_after_authority(b) || !is_valid_after_authority(r)) {
    return std::nullopt;
  }
  // "mailto:x@y", "urn:isbn:..." and "tag:..." have an opaque path that nothing can be merged
  // into; as in browsers, only the empty and the fragment-only reference resolve against them.
  const bool is_opaque_base = !b.has_authority() && !base_path.starts_with('/');
  if (is_opaque_base && (r.has_authority() || !ref_path.empty() || r.has_query())) {
    return std::nullopt;
  }

  std::string out;
  out.reserve(base_text.size() + ref_text.size());
  out.append(view(b.scheme())).push_back(':');
  std::string path;
  std::optional<std::string_view> query;
  if (r.has_authority()) {
    out.append("//").append(view(r.encoded_authority()));
    path = remove_dot_segments(ref_path);
    if (r.has_query()) {
      query = view(r.encoded_query());
    }
  } else {
    if (b.has_authority()) {
      out.append("//").append(view(b.encoded_authority()));
    }
    if (ref_path.empty()) {
      path = base_path;
      if (r.has_query()) {
        query = view(r.encoded_query());
      } else if (b.has_query()) {
        query = view(b.encoded_query());
      }
    } else {
      if (ref_path.starts_with('/')) {
        path = remove_dot_segments(ref_path);
      } else {
        // §5.2.3 merge.
        std::string merged;
        if (b.has_authority() && base_path.empty()) {
          merged = "/";
        } else if (std::size_t slash = base_path.rfind('/'); slash != std::string_view::npos) {
          merged = base_path.substr(0, slash + 1);
        }
        merged.append(ref_path);
        path = remove_dot_segments(merged);
      }
      if (r.has_query()) {
        query = view(r.encoded_query());
      }
    }
  }
  // Without an authority a path starting with "//" would read as one (WHATWG does the same).
  if (!r.has_authority() && !b.has_authority() && path.starts_with("//")) {
    out.append("/.");
  }
  out.append(path);
  if (query) {
    out.append("?").append(*query);
  }
  if (r.has_fragment()) {
    out.append("#").append(view(r.encoded_fragment()));
  }
  return out;
}

} // namespace fw::util
