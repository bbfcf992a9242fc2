#include "config/detail.hpp"

#include "util/errors.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>
#include <boost/url/url_view.hpp>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace fw::config::detail {
namespace {

constexpr std::size_t k_max_slug_length = 64;

constexpr bool is_slug_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

} // namespace

bool is_slug(std::string_view s) noexcept {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!is_slug_char(c)) {
      return false;
    }
  }
  return true;
}

std::string slugify(std::string_view s) {
  std::string out;
  bool pending_dash = false;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    // '-' counts as a separator too, so that "a - b" gives "a-b" and not "a---b".
    if (is_slug_char(c) && c != '-') {
      if (pending_dash && !out.empty()) {
        out += '-';
      }
      pending_dash = false;
      out += c;
    } else {
      pending_dash = true;
    }
  }
  if (out.size() > k_max_slug_length) {
    out.resize(k_max_slug_length);
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) {
    out.pop_back();
  }
  // Leading dots go, and with them the dash they may leave in front (".{x" gives "x", not
  // "-x", which slugify would change again; found by tests/fuzz/opml_fuzz.cpp).
  const std::size_t first = out.find_first_not_of(".-");
  out.erase(0, first == std::string::npos ? out.size() : first);
  return out;
}

std::optional<std::string> url_problem(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    return "is not a valid absolute URL";
  }
  const boost::urls::url_view& u = *parsed;
  auto scheme = u.scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
    return "must be an http:// or https:// URL";
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    return "has no host";
  }
  // Boost 1.81 reads "http://host:port/" as host "host" plus the rootless path "port/".
  if (!u.encoded_path().empty() && u.encoded_path().front() != '/') {
    return "is not a valid absolute URL";
  }
  return std::nullopt;
}

Result<std::string> read_text_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    return Error{"is a directory"};
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    // generic_category().message, unlike strerror, is safe to call from several threads.
    return Error{std::generic_category().message(errno)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Error{std::generic_category().message(errno)};
  }
  return std::move(text).str();
}

TextPosition position_at(std::string_view text, std::size_t offset) noexcept {
  TextPosition pos;
  offset = std::min(offset, text.size());
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

void throw_problems(const std::vector<std::string>& problems) {
  constexpr char k_hex[] = "0123456789abcdef";
  std::string message;
  for (const auto& p : problems) {
    if (!message.empty()) {
      message += '\n';
    }
    for (const char c : p) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '\n') {
        message += "\\n";
      } else if (c == '\r') {
        message += "\\r";
      } else if (c == '\t') {
        message += "\\t";
      } else if (byte < 0x20 || byte == 0x7f) {
        message += "\\x";
        message += k_hex[byte >> 4];
        message += k_hex[byte & 0x0f];
      } else {
        message += c;
      }
    }
  }
  throw ConfigError(message);
}

} // namespace fw::config::detail
