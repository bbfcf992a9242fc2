#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fw::util {

// True when `s` starts with an RFC 3986 scheme ("http:", "mailto:", "tag:" ...).
[[nodiscard]] bool has_scheme(std::string_view s) noexcept;

// Resolves `ref` against `base` per RFC 3986 §5.2 (Boost.URL), after trimming white space from
// both and percent-encoding characters that are not allowed in a URI (spaces, non-ASCII bytes),
// as browsers do. Returns the absolute URL; returns `ref` (trimmed) unchanged when it already
// has a scheme; returns std::nullopt when `base` is empty or not absolute, or either cannot be
// parsed even after encoding. Never throws.
[[nodiscard]] std::optional<std::string> resolve_url(std::string_view base, std::string_view ref);

} // namespace fw::util
