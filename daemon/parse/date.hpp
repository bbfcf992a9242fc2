#pragma once

#include "model/story.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace fw::parse {

// Reads a date as feeds write it: RFC 822/1123 and their common corruptions (named and military
// zones, missing seconds or weekday, 2-digit years, any-case or full month names, extra spaces,
// "GMT+2"), RFC 3339 / ISO 8601 / W3CDTF (fractional seconds, no offset, date only, basic and
// truncated forms), asctime, and the other forms Python feedparser's date handlers accept
// (Greek, Hungarian, Korean, Perforce ...). A date without a zone is taken as UTC.
// Returns std::nullopt when the text is not a date or names an impossible one (month 13,
// 31 September, hour 25): never a guessed or rolled-over value. Every instant returned lies in
// the years 1 to 9999 in UTC, so format_rfc3339 writes it as text this reads back; a date whose
// offset moves it out of them is refused. Pure; never throws.
[[nodiscard]] std::optional<model::Timestamp> parse_date(std::string_view text);

// "2023-09-13T10:00:00Z": RFC 3339, UTC, second precision.
[[nodiscard]] std::string format_rfc3339(model::Timestamp t);

} // namespace fw::parse
