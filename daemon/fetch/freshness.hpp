#pragma once

#include "fetch/types.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace fw::fetch {

// An HTTP-date (RFC 9110 §5.6.7) in any of its three forms: IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime
// ("Sun Nov  6 08:49:37 1994"). The weekday is not checked against the date. nullopt if
// unreadable.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view value);

// Retry-After (RFC 9110 §10.2.3): "120" or an HTTP-date, as a delay from `now`; a date in the
// past gives 0 and huge delays saturate at 2^31-1 s. nullopt if unreadable.
[[nodiscard]] std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                                    std::chrono::sys_seconds now);

// How long `response` stays fresh (RFC 9111 §4.2.1): Cache-Control max-age (s-maxage is for
// shared caches and ignored; no-cache or no-store, or an unreadable max-age, give 0), else
// Expires - Date (an unreadable Expires gives 0; never negative). nullopt when the response says
// nothing, or gives Expires without a readable Date.
[[nodiscard]] std::optional<std::chrono::seconds> freshness_lifetime(const Response& response);

} // namespace fw::fetch
