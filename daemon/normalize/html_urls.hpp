#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::normalize {

// Rewrites relative URL references inside an HTML fragment so that they are absolute against
// `base`: href, src, cite, action, background, longdesc, usemap, poster, codebase, data,
// profile, xlink:href, and each URL of srcset. Everything else of the fragment is kept byte for
// byte (this is a tokenizer pass, not a re-serialisation). Returns `html` unchanged when `base`
// is empty or not absolute. Never throws.
[[nodiscard]] std::string resolve_html_urls(std::string_view html, std::string_view base);

// The same, but std::nullopt when nothing needs rewriting, so that the caller can keep its own
// string instead of a copy.
[[nodiscard]] std::optional<std::string> rewrite_html_urls(std::string_view html,
                                                           std::string_view base);

// A feed an HTML page announces (feed autodiscovery).
struct FeedLink {
  std::string url;   // absolute
  std::string type;  // media type, lower case: "application/rss+xml" ...
  std::string title; // the link's title attribute, as written (may be empty)
};

// The feeds an HTML page announces with <link rel="alternate" type="application/rss+xml"
// href="...">, in document order: types RSS, Atom, RDF and JSON Feed (application/feed+json and
// application/json); rel holding "stylesheet" too is skipped. Each href is resolved against the
// page's first <base href>, else `page_url`; those that cannot be resolved are skipped. At most
// 16 links. The same tokenizer as rewrite_html_urls(), so comments and scripts hide nothing
// and nothing in them is taken. Never throws.
[[nodiscard]] std::vector<FeedLink> discover_feed_links(std::string_view html,
                                                        std::string_view page_url);

} // namespace fw::normalize
