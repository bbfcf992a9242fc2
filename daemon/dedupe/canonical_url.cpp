#include "dedupe/canonical_url.hpp"

#include "util/strings.hpp"
#include "util/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace fw::dedupe {

namespace {

template <typename T> std::string_view view(const T& s) noexcept {
  return {s.data(), s.size()};
}

constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// RFC 3986 §2.3.
constexpr bool is_unreserved(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

constexpr char upper_hex(char c) noexcept {
  return (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr char lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The byte a %XX triplet at s[i] encodes, or -1 when there is no valid triplet there.
int triplet_at(std::string_view s, std::size_t i) noexcept {
  if (s[i] != '%' || i + 2 >= s.size()) {
    return -1;
  }
  const int hi = util::hex_digit_value(s[i + 1]);
  const int lo = util::hex_digit_value(s[i + 2]);
  return (hi < 0 || lo < 0) ? -1 : hi * 16 + lo;
}

// RFC 3986 §6.2.2.1 and §6.2.2.2: triplets get upper-case hex digits, and those that encode an
// unreserved character are decoded. Others stay encoded: "%2F" in a path segment and "%26" in a
// query value mean something else than '/' and '&'.
std::string normalize_percent_encoding(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int byte = triplet_at(s, i);
    if (byte < 0) {
      out.push_back(s[i]);
      continue;
    }
    const auto c = static_cast<char>(byte);
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(upper_hex(s[i + 1]));
      out.push_back(upper_hex(s[i + 2]));
    }
    i += 2;
  }
  return out;
}

// Every triplet decoded: only for comparing parameter names, never for output.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int byte = triplet_at(s, i);
    if (byte < 0) {
      out.push_back(s[i]);
    } else {
      out.push_back(static_cast<char>(byte));
      i += 2;
    }
  }
  return out;
}

// A host name after normalize_percent_encoding(): ASCII letters lower case (RFC 3986 §6.2.2.1:
// the host is case-insensitive) except the hex digits of the triplets left, which stay upper.
std::string lower_host(std::string_view host) {
  std::string out;
  out.reserve(host.size());
  for (std::size_t i = 0; i < host.size(); ++i) {
    if (host[i] == '%' && i + 2 < host.size()) {
      out.append(host.substr(i, 3));
      i += 2;
    } else {
      out.push_back(lower_ascii(host[i]));
    }
  }
  return out;
}

// True when a host name, after normalize_percent_encoding(), still holds an encoded ASCII byte:
// what is left then is a space, a '/' or another character no DNS name has ("exa mple.com"),
// while encoded bytes >= 0x80 are the UTF-8 of an international name.
bool has_encoded_ascii(std::string_view host) noexcept {
  for (std::size_t i = 0; i < host.size(); ++i) {
    const int byte = triplet_at(host, i);
    if (byte >= 0 && byte < 0x80) {
      return true;
    }
  }
  return false;
}

// RFC 3986 §5.2.4.
bool is_tracking_param(std::string_view name, const std::vector<std::string>& tracking) {
  for (const std::string& entry : tracking) {
    if (entry.empty()) {
      continue;
    }
    if (entry.back() == '*') {
      if (util::istarts_with(name, std::string_view(entry).substr(0, entry.size() - 1))) {
        return true;
      }
    } else if (util::iequals(name, entry)) {
      return true;
    }
  }
  return false;
}

// The query without tracking and empty parameters, each remaining one percent-normalised; ""
// when none remains.
std::string canonical_query(std::string_view query, const UrlOptions& options) {
  std::string out;
  std::size_t begin = 0;
  while (begin <= query.size()) {
    std::size_t end = query.find('&', begin);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    const std::string_view param = query.substr(begin, end - begin);
    begin = end + 1;
    if (param.empty()) {
      continue;
    }
    const std::string name = percent_decode(param.substr(0, param.find('=')));
    if (is_tracking_param(name, options.tracking_params)) {
      continue;
    }
    if (!out.empty()) {
      out.push_back('&');
    }
    out.append(normalize_percent_encoding(param));
  }
  return out;
}

// The port to write, "" for none; std::nullopt when it is out of range.
std::optional<std::string> canonical_port(std::string_view port, std::string_view scheme) {
  while (port.size() > 1 && port.front() == '0') {
    port.remove_prefix(1);
  }
  if (port.empty()) {
    return std::string();
  }
  if (port.size() > 5) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (const char c : port) {
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) {
    return std::nullopt;
  }
  if ((scheme == "http" && value == 80) || (scheme == "https" && value == 443)) {
    return std::string();
  }
  return std::string(port);
}

} // namespace

std::vector<std::string> default_tracking_params() {
  return {// Campaign tags (Google Analytics and everyone who copied them), and Matomo/Piwik's.
          "utm_*", "mtm_*", "pk_campaign", "pk_kwd", "pk_source", "pk_medium", "pk_content",
          // Click ids of ad and social networks.
          "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ysclid",
          "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "srsltid", "rb_clickid", "wickedid",
          // Newsletter and marketing-automation ids: Mailchimp, HubSpot, Marketo, Vero, Olytics.
          "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking",
          "mkt_tok", "vero_id", "vero_conv", "oly_anon_id", "oly_enc_id", "_openstat",
          // Share and referral markers that publishers add to their own links.
          "ref_src", "ref_url", "smid", "smtyp", "__twitter_impression", "at_medium", "at_campaign",
          "xtor", "ocid", "ncid", "guccounter", "guce_referrer", "guce_referrer_sig", "soc_src",
          "soc_trk", "ns_source", "ns_mchannel", "ns_campaign", "ns_linkname", "ns_fee", "s_cid"};
}

const UrlOptions& default_url_options() {
  static const UrlOptions k_options;
  return k_options;
}

std::optional<std::string> canonical_url(std::string_view url) {
  return canonical_url(url, default_url_options());
}

std::optional<std::string> canonical_url(std::string_view url, const UrlOptions& options) {
  if (!util::has_scheme(util::trim(url))) {
    return std::nullopt;
  }
  std::string cleaned = util::clean_url(url);
  auto parsed = boost::urls::parse_uri(cleaned);
  if (!parsed) {
    return std::nullopt;
  }
  if (parsed->host_type() == boost::urls::host_type::ipv4 && !parsed->encoded_path().empty() &&
      parsed->encoded_path().front() != '/') {
    // Boost 1.81 reads a host name that starts like an IPv4 address ("10.0.0.1.nip.io",
    // "1.2.3.4.5") as that address followed by a rootless path. With its first '.' written as
    // "%2E" the host reads as the name it is; the encoding is undone below with the others.
    // Without this, "1.2%2E3.4.5" had a canonical form that canonical_url refused (url_fuzz).
    const std::string_view host = view(parsed->encoded_host());
    cleaned.replace(static_cast<std::size_t>(host.data() - cleaned.data()) + host.find('.'), 1,
                    "%2E");
    parsed = boost::urls::parse_uri(cleaned);
    if (!parsed) {
      return std::nullopt;
    }
  }
  const boost::urls::url_view& u = *parsed;
  const std::string scheme = util::to_lower(view(u.scheme()));
  if (scheme != "http" && scheme != "https") {
    return std::nullopt;
  }
  const std::string_view path = view(u.encoded_path());
  // Boost 1.81 reads "http://host:port/" as host "host", empty port and the rootless path
  // "port/"; after an authority RFC 3986 allows only an empty path or one starting with '/'.
  if (!u.has_authority() || (!path.empty() && path.front() != '/')) {
    return std::nullopt;
  }

  std::string host = lower_host(normalize_percent_encoding(view(u.encoded_host())));
  if (u.host_type() == boost::urls::host_type::name && !host.empty() && host.back() == '.') {
    // "example.com." is the fully qualified spelling of "example.com": one site. A second dot
    // ("example.com..") is an empty label, which no host name has.
    host.pop_back();
    if (!host.empty() && host.back() == '.') {
      return std::nullopt;
    }
  }
  if (host.empty() || has_encoded_ascii(host)) {
    return std::nullopt;
  }
  std::string port;
  if (u.has_port()) {
    auto p = canonical_port(view(u.port()), scheme);
    if (!p) {
      return std::nullopt;
    }
    port = std::move(*p);
  }

  std::string out;
  out.reserve(cleaned.size());
  out.append(scheme).append("://").append(host);
  if (!port.empty()) {
    out.append(":").append(port);
  }
  const std::string canonical_path = util::remove_dot_segments(normalize_percent_encoding(path));
  out.append(canonical_path.empty() ? "/" : canonical_path);
  if (u.has_query()) {
    const std::string query = canonical_query(view(u.encoded_query()), options);
    if (!query.empty()) {
      out.append("?").append(query);
    }
  }
  return out;
}

} // namespace fw::dedupe
