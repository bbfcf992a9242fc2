#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fw::util {

// True when `s` starts with an RFC 3986 scheme ("http:", "mailto:", "tag:" ...).
[[nodiscard]] bool has_scheme(std::string_view s) noexcept;

// A URL as a feed writes it, made fit for use the way browsers read it: surrounding white space
// trimmed, tabs and line breaks inside dropped, and every byte RFC 3986 does not allow (space,
// non-ASCII, '"', '<' ...) percent-encoded. Existing %XX triplets are kept, never decoded.
[[nodiscard]] std::string clean_url(std::string_view url);

// Resolves `ref` against `base` per RFC 3986 §5.2 (Boost.URL), after trimming white space from
// both and percent-encoding characters that are not allowed in a URI (spaces, non-ASCII bytes),
// as browsers do. Returns the absolute URL; returns clean_url(ref) when it already has a scheme;
// returns std::nullopt when `base` is empty or not absolute, or either cannot be parsed even after
// encoding. Never throws.
[[nodiscard]] std::optional<std::string> resolve_url(std::string_view base, std::string_view ref);

// The path `path` with its "." and ".." segments applied (RFC 3986 §5.2.4): "/a/./b/../c" is
// "/a/c". Leading ".." segments that would climb above the root are dropped. Pure.
[[nodiscard]] std::string remove_dot_segments(std::string_view path);

} // namespace fw::util
