#include "fetch/freshness.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

namespace fw::fetch {

namespace {

using std::chrono::seconds;

constexpr std::int64_t k_max_delay_s = 2147483647;

// A run of ASCII digits only, as an integer; saturates instead of overflowing.
std::optional<std::int64_t> parse_digits(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  for (char c : s) {
    value = value * 10 + (c - '0');
    if (value > k_max_delay_s) {
      return k_max_delay_s;
    }
  }
  return value;
}

std::optional<unsigned> month_of(std::string_view name) {
  static constexpr std::array<std::string_view, 12> k_months = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for (unsigned i = 0; i < k_months.size(); ++i) {
    if (util::iequals(name, k_months[i])) {
      return i + 1;
    }
  }
  return std::nullopt;
}

// "08:49:37" as seconds since midnight; leap second 60 tolerated as 59.
std::optional<seconds> time_of_day(std::string_view s) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') {
    return std::nullopt;
  }
  const auto h = parse_digits(s.substr(0, 2));
  const auto m = parse_digits(s.substr(3, 2));
  const auto sec = parse_digits(s.substr(6, 2));
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) {
    return std::nullopt;
  }
  return seconds(*h * 3600 + *m * 60 + std::min<std::int64_t>(*sec, 59));
}

std::vector<std::string_view> tokens(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == ',' || s[i] == '-' || s[i] == '\t') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != ',' && s[j] != '-' && s[j] != '\t') {
      ++j;
    }
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_day_name(std::string_view s) {
  static constexpr std::array<std::string_view, 7> k_days = {"mon", "tue", "wed", "thu",
                                                             "fri", "sat", "sun"};
  return s.size() >= 3 && std::any_of(k_days.begin(), k_days.end(),
                                      [&](std::string_view d) { return util::istarts_with(s, d); });
}

std::optional<std::string> directive_value(std::string_view directive) {
  const auto eq = directive.find('=');
  if (eq == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view value = util::trim(directive.substr(eq + 1));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

} // namespace

std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view value) {
  const std::vector<std::string_view> t = tokens(util::trim(value));
  std::string_view day, month, year, time;
  if (t.size() == 6 && is_day_name(t[0]) && util::iequals(t[5], "GMT")) {
    // IMF-fixdate and RFC 850: weekday, day, month, year, time, GMT
    day = t[1];
    month = t[2];
    year = t[3];
    time = t[4];
  } else if (t.size() == 5 && is_day_name(t[0])) {
    // asctime: weekday, month, day, time, year
    month = t[1];
    day = t[2];
    time = t[3];
    year = t[4];
  } else {
    return std::nullopt;
  }
  const auto d = parse_digits(day);
  const auto m = month_of(month);
  auto y = parse_digits(year);
  const auto tod = time_of_day(time);
  if (!d || !m || !y || !tod || day.size() > 2 || (year.size() != 4 && year.size() != 2)) {
    return std::nullopt;
  }
  if (year.size() == 2) {
    // RFC 850's two-digit years: RFC 9110 says read them as the nearest past century; feeds are
    // younger than 1970, so 70-99 are 19xx and the rest 20xx.
    *y += *y >= 70 ? 1900 : 2000;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(*y)),
                                        std::chrono::month(*m),
                                        std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return std::chrono::sys_seconds(std::chrono::sys_days(ymd)) + *tod;
}

std::optional<seconds> parse_retry_after(std::string_view value, std::chrono::sys_seconds now) {
  const std::string_view v = util::trim(value);
  if (const auto delay = parse_digits(v)) {
    return seconds(*delay);
  }
  const auto at = parse_http_date(v);
  if (!at) {
    return std::nullopt;
  }
  return std::clamp(*at - now, seconds(0), seconds(k_max_delay_s));
}

std::optional<seconds> freshness_lifetime(const Response& response) {
  if (response.cache_control) {
    std::optional<seconds> max_age;
    std::string_view rest = *response.cache_control;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view directive = util::trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const std::string_view name = util::trim(directive.substr(0, directive.find('=')));
      if (util::iequals(name, "no-store") || util::iequals(name, "no-cache")) {
        return seconds(0);
      }
      if (util::iequals(name, "max-age")) {
        const auto v = directive_value(directive);
        const auto n = v ? parse_digits(*v) : std::nullopt;
        // RFC 9111 §4.2.1: an invalid max-age makes the response stale.
        max_age = seconds(n.value_or(0));
      }
    }
    if (max_age) {
      return max_age;
    }
  }
  if (!response.expires) {
    return std::nullopt;
  }
  const auto expires = parse_http_date(*response.expires);
  if (!expires) {
    // RFC 9111 §5.3: an invalid Expires, "0" above all, means already expired.
    return seconds(0);
  }
  const auto date = response.date ? parse_http_date(*response.date) : std::nullopt;
  if (!date) {
    return std::nullopt;
  }
  return std::max(*expires - *date, seconds(0));
}

} // namespace fw::fetch
