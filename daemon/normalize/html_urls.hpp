#pragma once

#include <optional>
#include <string>
#include <string_view>

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

} // namespace fw::normalize
