#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::dedupe {

// The tracking parameters removed by default: campaign tags (utm_*), click ids of the ad and
// social networks (fbclid, gclid, msclkid, ...), newsletter ids (mc_cid, mc_eid, _hsenc, mkt_tok,
// ...) and share markers (ref_src, smid, igshid, ...). Each names who sent the reader, never
// which page they get. An entry ending in '*' is a prefix. Pure, any thread.
[[nodiscard]] std::vector<std::string> default_tracking_params();

struct UrlOptions {
  // Query parameter names removed; an entry ending in '*' is a prefix ("utm_*"). Compared
  // ASCII case-insensitively with the percent-decoded parameter name.
  std::vector<std::string> tracking_params = default_tracking_params();
};

// The canonical form of an absolute http/https URL, or std::nullopt when `url` is not one (other
// scheme, relative, no host, unparsable even after util::clean_url()). Two URLs with the same
// canonical form name the same page; the same canonical URL in two feeds is one story.
//
// What changes (RFC 3986 §6.2.2 and §6.2.3, plus what feeds add):
// - surrounding white space trimmed, bytes not allowed in a URI percent-encoded (util::clean_url);
// - scheme and host lower case; a trailing dot after the host name dropped;
// - userinfo dropped: it says who fetches the page, not which page (and must not be published);
// - the default port (80 for http, 443 for https) and an empty port dropped, leading zeros of
//   a port dropped; a port above 65535 makes the URL unparsable;
// - percent-encoding: hex digits upper case, unreserved characters (A-Z a-z 0-9 - . _ ~)
//   decoded, everything else kept as written (reserved characters stay encoded: "%2F" is not
//   "/");
// - path: empty becomes "/", dot segments removed; case and a trailing '/' kept;
// - query: empty parameters ("&&") and tracking parameters (options.tracking_params) removed, the
//   others kept in their order and spelling; '?' dropped when nothing remains;
// - fragment dropped.
// What does not: http and https stay different; "www." stays; a Unicode host name is not
// converted to punycode (its UTF-8 bytes stay percent-encoded, and an "xn--" name stays as it is),
// so the two spellings of one IDN host are two canonical URLs; '+' and "%20" stay different.
//
// Pure, never throws except std::bad_alloc, any thread.
[[nodiscard]] std::optional<std::string> canonical_url(std::string_view url,
                                                       const UrlOptions& options);

// canonical_url() with the default UrlOptions (built once, not on every call).
[[nodiscard]] std::optional<std::string> canonical_url(std::string_view url);

// The default UrlOptions, built on first use; valid for the life of the program, any thread.
[[nodiscard]] const UrlOptions& default_url_options();

} // namespace fw::dedupe
