#include "scheduler/explanation.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>

namespace fw::scheduler {
namespace {

using std::chrono::seconds;
// Keys keep the order written, so a state file reads top to bottom like to_text().
using Json = nlohmann::ordered_json;

struct DurationField {
  const char* key;   // JSON key
  const char* label; // to_text() label
  std::optional<seconds> Explanation::*member;
};

// The optional inputs, in the order both formats list them.
constexpr DurationField k_duration_fields[] = {
    {"configured_s", "configured", &Explanation::configured},
    {"entry_rate_s", "entry rate", &Explanation::entry_rate},
    {"ttl_s", "ttl", &Explanation::ttl},
    {"max_age_s", "max-age", &Explanation::max_age},
    {"update_period_s", "update period", &Explanation::update_period},
    {"retry_after_s", "retry-after", &Explanation::retry_after},
    {"backoff_s", "backoff", &Explanation::backoff},
};

// "5400 s (1h30m)": seconds for scripts, the short form for people.
std::string format_duration(seconds d) {
  std::string out = std::to_string(d.count()) + " s";
  if (d < std::chrono::minutes{1}) {
    return out;
  }
  const auto days = std::chrono::floor<std::chrono::days>(d);
  const std::chrono::hh_mm_ss<seconds> hms{d - days};
  std::string human;
  if (days.count() > 0) {
    human += std::to_string(days.count()) + "d";
  }
  if (hms.hours().count() > 0) {
    human += std::to_string(hms.hours().count()) + "h";
  }
  if (hms.minutes().count() > 0) {
    human += std::to_string(hms.minutes().count()) + "m";
  }
  if (hms.seconds().count() > 0) {
    human += std::to_string(hms.seconds().count()) + "s";
  }
  return out + " (" + human + ")";
}

std::optional<int> read_digits(std::string_view s, std::size_t pos, std::size_t len) {
  int value = 0;
  const char* first = s.data() + pos;
  const char* last = first + len;
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || ptr != last) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> string_at(const Json& j, const char* key, bool& ok) {
  const auto it = j.find(key);
  if (it == j.end()) {
    return std::nullopt;
  }
  if (!it->is_string()) {
    ok = false;
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<std::int64_t> integer_at(const Json& j, const char* key, bool& ok) {
  const auto it = j.find(key);
  if (it == j.end()) {
    return std::nullopt;
  }
  if (!it->is_number_integer()) {
    ok = false;
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

} // namespace

std::string format_time(TimePoint t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss<std::chrono::milliseconds> hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::optional<TimePoint> parse_time(std::string_view text) {
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z') {
    return std::nullopt;
  }
  const auto y = read_digits(text, 0, 4);
  const auto mo = read_digits(text, 5, 2);
  const auto d = read_digits(text, 8, 2);
  const auto h = read_digits(text, 11, 2);
  const auto mi = read_digits(text, 14, 2);
  const auto s = read_digits(text, 17, 2);
  const auto ms = read_digits(text, 20, 3);
  if (!y || !mo || !d || !h || !mi || !s || !ms || *h > 23 || *mi > 59 || *s > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{*y},
                                        std::chrono::month{static_cast<unsigned>(*mo)},
                                        std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return TimePoint{std::chrono::sys_days{ymd}} + std::chrono::hours{*h} +
         std::chrono::minutes{*mi} + std::chrono::seconds{*s} + std::chrono::milliseconds{*ms};
}

std::string Explanation::to_json() const {
  Json j;
  j["decided_at"] = format_time(decided_at);
  j["next_due"] = format_time(next_due);
  j["basis"] = basis;
  j["interval_s"] = interval.count();
  for (const DurationField& field : k_duration_fields) {
    if (const auto& value = this->*field.member) {
      j[field.key] = value->count();
    }
  }
  if (clamped) {
    j["clamped"] = *clamped;
  }
  j["jitter_factor"] = jitter_factor;
  j["error_count"] = error_count;
  if (error) {
    j["error"] = *error;
  }
  if (deferred_by) {
    j["deferred_by"] = *deferred_by;
  }
  // Replacement instead of an exception: an error text from a server may hold invalid UTF-8.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<Explanation> Explanation::from_json(std::string_view json) {
  const Json j = Json::parse(json.begin(), json.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  bool ok = true;
  Explanation e;
  const auto decided = string_at(j, "decided_at", ok);
  const auto due = string_at(j, "next_due", ok);
  const auto basis = string_at(j, "basis", ok);
  const auto interval = integer_at(j, "interval_s", ok);
  if (!decided || !due || !basis || !interval) {
    return std::nullopt;
  }
  const auto decided_time = parse_time(*decided);
  const auto due_time = parse_time(*due);
  if (!decided_time || !due_time) {
    return std::nullopt;
  }
  e.decided_at = *decided_time;
  e.next_due = *due_time;
  e.basis = *basis;
  e.interval = seconds{*interval};
  for (const DurationField& field : k_duration_fields) {
    if (const auto value = integer_at(j, field.key, ok)) {
      e.*field.member = seconds{*value};
    }
  }
  e.clamped = string_at(j, "clamped", ok);
  if (const auto it = j.find("jitter_factor"); it != j.end()) {
    if (!it->is_number()) {
      return std::nullopt;
    }
    e.jitter_factor = it->get<double>();
  }
  if (const auto count = integer_at(j, "error_count", ok)) {
    e.error_count = static_cast<int>(*count);
  }
  e.error = string_at(j, "error", ok);
  e.deferred_by = string_at(j, "deferred_by", ok);
  if (!ok) {
    return std::nullopt;
  }
  return e;
}

std::string Explanation::to_text() const {
  std::string out;
  const auto line = [&out](std::string_view label, const std::string& value) {
    out += label;
    out += ':';
    out.append(label.size() < 14 ? 14 - label.size() : 1, ' ');
    out += value;
    out += '\n';
  };
  line("decided at", format_time(decided_at));
  if (basis == "gone" || basis == "removed") {
    line("next due", "never (" + basis + ")");
  } else {
    const auto wait = std::chrono::round<seconds>(next_due - decided_at);
    line("next due", format_time(next_due) + " (in " + format_duration(wait) + ")");
  }
  line("basis", basis);
  line("interval", format_duration(interval) + (clamped ? " (clamped to " + *clamped + ")" : ""));
  for (const DurationField& field : k_duration_fields) {
    if (const auto& value = this->*field.member) {
      line(field.label, format_duration(*value));
    }
  }
  char factor[32];
  std::snprintf(factor, sizeof factor, "x%.3f", jitter_factor);
  line("jitter", factor);
  line("errors", std::to_string(error_count));
  if (error) {
    line("last error", *error);
  }
  if (deferred_by) {
    line("deferred by", *deferred_by);
  }
  return out;
}

} // namespace fw::scheduler
