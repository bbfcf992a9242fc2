#include "parse/date.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>

// Two hand-written parsers, no regex, each O(length) on inputs capped at k_max_length bytes:
//
// 1. parse_iso8601: strict, whole-string ISO 8601 / RFC 3339 / W3CDTF, including the basic and
//    truncated forms feedparser's _parse_date_iso8601 reads ("031231", "-03-12", "03335").
// 2. FreeFormParser: a tokenizer plus a small grammar for everything else (RFC 822/1123 and its
//    corruptions, asctime, Perforce, Greek, Hungarian, Korean, localized month names). Tokens may
//    come in many orders, but every token must be understood: an unknown word rejects the date.
//
// Both read two-digit years with the RFC 2822 rule (00-49 -> 20xx, 50-99 -> 19xx) rather than
// feedparser's "current century", so the result never depends on the clock.

namespace fw::parse {
namespace {

constexpr std::size_t k_max_length = 256;
constexpr std::size_t k_max_tokens = 48;
constexpr std::size_t k_max_word_bytes = 48;
constexpr int k_max_offset_s = 18 * 3600;
constexpr int k_korea_offset_s = 9 * 3600;
constexpr long long k_seconds_per_day = 86400;

// ---------------------------------------------------------------------------------------------
// Characters and calendar

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

constexpr bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr bool is_high(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}

constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// U+00A0 NO-BREAK SPACE, as feeds copied from HTML often carry it.
constexpr bool is_nbsp_at(std::string_view s, std::size_t i) {
  return i + 1 < s.size() && static_cast<unsigned char>(s[i]) == 0xC2 &&
         static_cast<unsigned char>(s[i + 1]) == 0xA0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty()) {
    if (is_space(s.front())) {
      s.remove_prefix(1);
    } else if (is_nbsp_at(s, 0)) {
      s.remove_prefix(2);
    } else {
      break;
    }
  }
  while (!s.empty()) {
    if (is_space(s.back())) {
      s.remove_suffix(1);
    } else if (s.size() >= 2 && is_nbsp_at(s, s.size() - 2)) {
      s.remove_suffix(2);
    } else {
      break;
    }
  }
  return s;
}

constexpr bool is_leap(long long year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

constexpr int days_in_month(long long year, int month) {
  constexpr std::array<int, 12> k_days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap(year)) {
    return 29;
  }
  return k_days[static_cast<std::size_t>(month - 1)];
}

// Howard Hinnant's days_from_civil / civil_from_days, proleptic Gregorian, 1970-01-01 = 0.
constexpr long long days_from_civil(long long y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long mp = (m + 9) % 12;
  const long long doy = (153 * mp + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  long long year;
  int month;
  int day;
};

constexpr Civil civil_from_days(long long z) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(11017).year == 2000 && civil_from_days(11017).month == 3);

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the instants RFC 3339 can write.
constexpr long long k_first_instant_s = days_from_civil(1, 1, 1) * k_seconds_per_day;
constexpr long long k_last_instant_s = days_from_civil(10000, 1, 1) * k_seconds_per_day - 1;
static_assert(k_first_instant_s == -62135596800 && k_last_instant_s == 253402300799);

constexpr int expand_two_digit_year(int yy) {
  return yy < 50 ? 2000 + yy : 1900 + yy;
}

// Fields as read, before validation. offset_s is local time minus UTC.
struct DateTime {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int offset_s = 0;
};

// The single place where fields are validated: nothing is ever rolled over. A leap second (60)
// is kept as 59 because sys_seconds cannot represent it.
std::optional<model::Timestamp> to_timestamp(const DateTime& dt) {
  if (dt.year < 1 || dt.year > 9999 || dt.month < 1 || dt.month > 12 || dt.day < 1 ||
      dt.day > days_in_month(dt.year, dt.month)) {
    return std::nullopt;
  }
  if (dt.hour < 0 || dt.hour > 23 || dt.minute < 0 || dt.minute > 59 || dt.second < 0 ||
      dt.second > 60) {
    return std::nullopt;
  }
  if (dt.offset_s < -k_max_offset_s || dt.offset_s > k_max_offset_s) {
    return std::nullopt;
  }
  const int second = dt.second == 60 ? 59 : dt.second;
  const long long total = days_from_civil(dt.year, dt.month, dt.day) * k_seconds_per_day +
                          dt.hour * 3600LL + dt.minute * 60LL + second - dt.offset_s;
  // The offset can carry a date at either end of the range out of it ("0001-01-01T00:00+01:00"
  // is in the year 0 in UTC): RFC 3339 has no way to write such an instant, and format_rfc3339
  // would give text that this parser refuses (found by tests/fuzz/date_fuzz.cpp).
  if (total < k_first_instant_s || total > k_last_instant_s) {
    return std::nullopt;
  }
  return model::Timestamp{std::chrono::seconds{total}};
}

// Day `ordinal` (1-based) of `year` into month and day; false when out of range.
bool ordinal_to_month_day(int year, int ordinal, DateTime& dt) {
  if (ordinal < 1 || ordinal > (is_leap(year) ? 366 : 365)) {
    return false;
  }
  int month = 1;
  while (ordinal > days_in_month(year, month)) {
    ordinal -= days_in_month(year, month);
    ++month;
  }
  dt.month = month;
  dt.day = ordinal;
  return true;
}

// ---------------------------------------------------------------------------------------------
// ISO 8601 / RFC 3339 / W3CDTF

class Cursor {
public:
  explicit Cursor(std::string_view text) : m_text(text) {}

  [[nodiscard]] bool done() const { return m_pos >= m_text.size(); }

  [[nodiscard]] char peek(std::size_t ahead = 0) const {
    return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0';
  }

  bool eat(char c) {
    if (!done() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }

  void skip() { ++m_pos; }

  void skip_spaces() {
    while (!done() && is_space(m_text[m_pos])) {
      ++m_pos;
    }
  }

  [[nodiscard]] std::size_t digit_run() const {
    std::size_t n = 0;
    while (m_pos + n < m_text.size() && is_digit(m_text[m_pos + n])) {
      ++n;
    }
    return n;
  }

  // Reads n digits; the caller has checked with digit_run() that they are there (n <= 9).
  int take(std::size_t n) {
    int value = 0;
    for (std::size_t i = 0; i < n; ++i) {
      value = value * 10 + (m_text[m_pos + i] - '0');
    }
    m_pos += n;
    return value;
  }

  // The next four characters read as a year from 1000 to 2999.
  [[nodiscard]] bool starts_like_a_year() const {
    if (digit_run() < 4) {
      return false;
    }
    const int first = m_text[m_pos] - '0';
    return first == 1 || first == 2;
  }

private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

enum class DatePrecision { year, month, day };

// The date part. On success the cursor stands after it.
bool parse_iso_date(Cursor& c, DateTime& dt, DatePrecision& precision) {
  precision = DatePrecision::day;
  dt.month = 1;
  dt.day = 1;
  if (c.eat('-')) {
    // "-YY-MM" and "-YYMM": a month in an implied century.
    const std::size_t run = c.digit_run();
    if (run != 2 && run != 4) {
      return false;
    }
    dt.year = expand_two_digit_year(c.take(2));
    if (run == 2 && !c.eat('-')) {
      return false;
    }
    if (c.digit_run() != 2) {
      return false;
    }
    dt.month = c.take(2);
    precision = DatePrecision::month;
    return true;
  }
  const std::size_t run = c.digit_run();
  switch (run) {
  case 2: { // "YY-MM-DD", "YY-DDD"
    dt.year = expand_two_digit_year(c.take(2));
    if (!c.eat('-')) {
      return false;
    }
    const std::size_t next = c.digit_run();
    if (next == 3) {
      return ordinal_to_month_day(dt.year, c.take(3), dt);
    }
    if (next != 2) {
      return false;
    }
    dt.month = c.take(2);
    if (!c.eat('-') || c.digit_run() != 2) {
      return false;
    }
    dt.day = c.take(2);
    return true;
  }
  case 4: { // "YYYY", "YYYY-MM", "YYYY-MM-DD", "YYYY-0MM-DD", "YYYY-DDD"
    dt.year = c.take(4);
    if (c.done()) {
      precision = DatePrecision::year;
      return true;
    }
    if (!c.eat('-')) {
      return false;
    }
    const std::size_t next = c.digit_run();
    if (next == 3) {
      if (c.peek(3) == '-' && c.peek() == '0') { // "2003-012-31", a zero-padded month
        dt.month = c.take(3);
        c.skip();
      } else {
        return ordinal_to_month_day(dt.year, c.take(3), dt);
      }
    } else if (next == 2) {
      dt.month = c.take(2);
      if (c.done()) {
        precision = DatePrecision::month;
        return true;
      }
      if (!c.eat('-')) {
        return false;
      }
    } else {
      return false;
    }
    if (c.digit_run() != 2) {
      return false;
    }
    dt.day = c.take(2);
    return true;
  }
  case 5: // "YYDDD"
  case 6: // "YYMMDD"
    // When the digits start like a four-digit year ("22013", "200312") the text is more likely a
    // mangled year than the long-obsolete two-digit-year form: refuse to guess.
    if (c.starts_like_a_year()) {
      return false;
    }
    dt.year = expand_two_digit_year(c.take(2));
    if (run == 5) {
      return ordinal_to_month_day(dt.year, c.take(3), dt);
    }
    dt.month = c.take(2);
    dt.day = c.take(2);
    return true;
  case 7: // "YYYYDDD"
    dt.year = c.take(4);
    return ordinal_to_month_day(dt.year, c.take(3), dt);
  case 8: // "YYYYMMDD"
    dt.year = c.take(4);
    dt.month = c.take(2);
    dt.day = c.take(2);
    return true;
  default:
    return false;
  }
}

void skip_fraction(Cursor& c) {
  if ((c.peek() == '.' || c.peek() == ',') && is_digit(c.peek(1))) {
    c.skip();
    while (is_digit(c.peek())) {
      c.skip();
    }
  }
}

bool parse_iso_time(Cursor& c, bool after_t, DateTime& dt) {
  const std::size_t run = c.digit_run();
  if (run == 2 && c.peek(2) == ':') { // "HH:MM[:SS[.fff]]"
    dt.hour = c.take(2);
    c.skip();
    if (c.digit_run() != 2) {
      return false;
    }
    dt.minute = c.take(2);
    if (c.eat(':')) {
      if (c.digit_run() != 2) {
        return false;
      }
      dt.second = c.take(2);
      skip_fraction(c);
    }
    return true;
  }
  if (run == 4 || run == 6) { // "HHMM", "HHMMSS[.fff]"
    dt.hour = c.take(2);
    dt.minute = c.take(2);
    if (run == 6) {
      dt.second = c.take(2);
      skip_fraction(c);
    }
    return true;
  }
  if (run == 2 && after_t) { // "THH"
    dt.hour = c.take(2);
    return true;
  }
  return false;
}

// "Z", "+HH", "+HH:MM", "+HHMM"; the cursor must then be at the end.
bool parse_iso_zone(Cursor& c, DateTime& dt) {
  if (c.eat('Z') || c.eat('z')) {
    return c.done();
  }
  int sign = 0;
  if (c.eat('+')) {
    sign = 1;
  } else if (c.eat('-')) {
    sign = -1;
  } else {
    return false;
  }
  const std::size_t run = c.digit_run();
  int hours = 0;
  int minutes = 0;
  if (run == 2) {
    hours = c.take(2);
    if (c.eat(':')) {
      if (c.digit_run() != 2) {
        return false;
      }
      minutes = c.take(2);
    }
  } else if (run == 4) {
    hours = c.take(2);
    minutes = c.take(2);
  } else {
    return false;
  }
  if (minutes > 59 || hours > 18) {
    return false;
  }
  dt.offset_s = sign * (hours * 3600 + minutes * 60);
  return c.done();
}

std::optional<model::Timestamp> parse_iso8601(std::string_view text) {
  Cursor c{text};
  DateTime dt;
  DatePrecision precision = DatePrecision::day;
  if (!parse_iso_date(c, dt, precision)) {
    return std::nullopt;
  }
  if (c.done()) {
    return to_timestamp(dt);
  }
  if (precision != DatePrecision::day) {
    return std::nullopt;
  }
  bool after_t = false;
  if (c.peek() == 'T' || c.peek() == 't') {
    c.skip();
    after_t = true;
  } else if (c.peek() == ' ') {
    c.skip_spaces();
  } else {
    return std::nullopt;
  }
  if (!parse_iso_time(c, after_t, dt)) {
    return std::nullopt;
  }
  c.skip_spaces();
  if (!c.done() && !parse_iso_zone(c, dt)) {
    return std::nullopt;
  }
  return to_timestamp(dt);
}

// ---------------------------------------------------------------------------------------------
// Words: case folding and the name tables

// Decodes one UTF-8 sequence at s[i]; false on malformed input.
bool decode_utf8(std::string_view s, std::size_t& i, char32_t& cp) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t extra = 0;
  if (lead < 0x80) {
    cp = lead;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    cp = lead & 0x1Fu;
    extra = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    cp = lead & 0x0Fu;
    extra = 2;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    cp = lead & 0x07u;
    extra = 3;
  } else {
    return false;
  }
  if (i + extra >= s.size()) {
    return false;
  }
  for (std::size_t k = 1; k <= extra; ++k) {
    const auto byte = static_cast<unsigned char>(s[i + k]);
    if ((byte & 0xC0u) != 0x80u) {
      return false;
    }
    cp = (cp << 6) | (byte & 0x3Fu);
  }
  i += extra + 1;
  return true;
}

// Lower case for ASCII, Latin-1 and Greek; Greek tonos and dialytika are dropped so "Μάι",
// "Μαϊ" and "ΜΑΙ" all read "μαι".
char32_t fold(char32_t cp) {
  if (cp >= U'A' && cp <= U'Z') {
    return cp + 0x20;
  }
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
    return cp + 0x20;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) {
    return cp + 0x20;
  }
  switch (cp) {
  case 0x386: // Ά
  case 0x3AC: // ά
    return 0x3B1;
  case 0x388: // Έ
  case 0x3AD: // έ
    return 0x3B5;
  case 0x389: // Ή
  case 0x3AE: // ή
    return 0x3B7;
  case 0x38A: // Ί
  case 0x3AF: // ί
  case 0x3AA: // Ϊ
  case 0x3CA: // ϊ
  case 0x390: // ΐ
    return 0x3B9;
  case 0x38C: // Ό
  case 0x3CC: // ό
    return 0x3BF;
  case 0x38E: // Ύ
  case 0x3CD: // ύ
  case 0x3AB: // Ϋ
  case 0x3CB: // ϋ
  case 0x3B0: // ΰ
    return 0x3C5;
  case 0x38F: // Ώ
  case 0x3CE: // ώ
    return 0x3C9;
  case 0x3C2: // ς
    return 0x3C3;
  default:
    return cp;
  }
}

class FoldedWord {
public:
  // Empty when the word is malformed UTF-8 or too long to be a name we know.
  explicit FoldedWord(std::string_view word) {
    std::size_t i = 0;
    while (i < word.size()) {
      char32_t cp = 0;
      if (!decode_utf8(word, i, cp) || !append(fold(cp))) {
        m_size = 0;
        return;
      }
    }
  }

  [[nodiscard]] std::string_view view() const { return {m_bytes.data(), m_size}; }

private:
  bool append(char32_t cp) {
    std::array<char, 4> out{};
    std::size_t n = 0;
    if (cp < 0x80) {
      out[n++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      out[n++] = static_cast<char>(0xC0 | (cp >> 6));
      out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out[n++] = static_cast<char>(0xE0 | (cp >> 12));
      out[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out[n++] = static_cast<char>(0xF0 | (cp >> 18));
      out[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
    if (m_size + n > m_bytes.size()) {
      return false;
    }
    for (std::size_t k = 0; k < n; ++k) {
      m_bytes[m_size++] = out[k];
    }
    return true;
  }

  std::array<char, k_max_word_bytes> m_bytes{};
  std::size_t m_size = 0;
};

struct Name {
  std::string_view text; // folded
  int value;
};

// English first, then the languages feedparser handles (Greek, Hungarian) and a few more that
// feeds commonly localize. No entry collides with another meaning in any table.
constexpr std::array k_months{
    Name{"jan", 1}, Name{"january", 1}, Name{"feb", 2}, Name{"february", 2}, Name{"mar", 3},
    Name{"march", 3}, Name{"apr", 4}, Name{"april", 4}, Name{"may", 5}, Name{"jun", 6},
    Name{"june", 6}, Name{"jul", 7}, Name{"july", 7}, Name{"aug", 8}, Name{"august", 8},
    Name{"sep", 9}, Name{"sept", 9}, Name{"september", 9}, Name{"oct", 10}, Name{"october", 10},
    Name{"nov", 11}, Name{"november", 11}, Name{"dec", 12}, Name{"december", 12},
    // Greek abbreviations as in feedparser's _greek_months (accents folded away).
    Name{"ιαν", 1}, Name{"φεβ", 2}, Name{"μαρ", 3}, Name{"μαω", 3}, Name{"απρ", 4}, Name{"μαι", 5},
    Name{"ιουν", 6}, Name{"ιον", 6}, Name{"ιουλ", 7}, Name{"ιολ", 7}, Name{"αυγ", 8},
    Name{"σεπ", 9}, Name{"οκτ", 10}, Name{"νοε", 11}, Name{"δεκ", 12},
    // Hungarian, with feedparser's misspellings "februári" and "máujus".
    Name{"január", 1}, Name{"február", 2}, Name{"februári", 2}, Name{"febr", 2}, Name{"március", 3},
    Name{"márc", 3}, Name{"április", 4}, Name{"ápr", 4}, Name{"május", 5}, Name{"máujus", 5},
    Name{"máj", 5}, Name{"június", 6}, Name{"jún", 6}, Name{"július", 7}, Name{"júl", 7},
    Name{"augusztus", 8}, Name{"szeptember", 9}, Name{"szept", 9}, Name{"október", 10},
    Name{"okt", 10},
    // German
    Name{"januar", 1}, Name{"jänner", 1}, Name{"jän", 1}, Name{"februar", 2}, Name{"märz", 3},
    Name{"mär", 3}, Name{"mrz", 3}, Name{"mai", 5}, Name{"juni", 6}, Name{"juli", 7},
    Name{"oktober", 10}, Name{"dezember", 12}, Name{"dez", 12},
    // French
    Name{"janvier", 1}, Name{"janv", 1}, Name{"février", 2}, Name{"févr", 2}, Name{"fevrier", 2},
    Name{"fevr", 2}, Name{"mars", 3}, Name{"avril", 4}, Name{"avr", 4}, Name{"juin", 6},
    Name{"juillet", 7}, Name{"juil", 7}, Name{"août", 8}, Name{"aout", 8}, Name{"septembre", 9},
    Name{"octobre", 10}, Name{"novembre", 11}, Name{"décembre", 12}, Name{"déc", 12},
    // Spanish and Italian
    Name{"enero", 1}, Name{"ene", 1}, Name{"febrero", 2}, Name{"marzo", 3}, Name{"abril", 4},
    Name{"abr", 4}, Name{"mayo", 5}, Name{"junio", 6}, Name{"julio", 7}, Name{"agosto", 8},
    Name{"ago", 8}, Name{"septiembre", 9}, Name{"setiembre", 9}, Name{"octubre", 10},
    Name{"noviembre", 11}, Name{"diciembre", 12}, Name{"dic", 12}, Name{"gennaio", 1},
    Name{"gen", 1}, Name{"febbraio", 2}, Name{"aprile", 4}, Name{"maggio", 5}, Name{"mag", 5},
    Name{"giugno", 6}, Name{"giu", 6}, Name{"luglio", 7}, Name{"lug", 7}, Name{"settembre", 9},
    Name{"set", 9}, Name{"ottobre", 10}, Name{"ott", 10}, Name{"dicembre", 12},
    // Dutch
    Name{"januari", 1}, Name{"februari", 2}, Name{"maart", 3}, Name{"mrt", 3}, Name{"mei", 5},
    Name{"augustus", 8}};

// Weekdays are recognised only to be skipped: a wrong weekday does not reject the date. French
// and Spanish abbreviations are left out because "mar" (mardi, martes) is also March.
constexpr std::array k_weekdays{
    Name{"sun", 0}, Name{"sunday", 0}, Name{"mon", 1}, Name{"monday", 1}, Name{"tue", 2},
    Name{"tues", 2}, Name{"tuesday", 2}, Name{"wed", 3}, Name{"weds", 3}, Name{"wednesday", 3},
    Name{"thu", 4}, Name{"thur", 4}, Name{"thurs", 4}, Name{"thursday", 4}, Name{"fri", 5},
    Name{"friday", 5}, Name{"sat", 6}, Name{"saturday", 6},
    // Greek (feedparser's _greek_wdays)
    Name{"κυρ", 0}, Name{"δευ", 1}, Name{"τρι", 2}, Name{"τετ", 3}, Name{"πεμ", 4}, Name{"παρ", 5},
    Name{"σαβ", 6},
    // German
    Name{"so", 0}, Name{"sonntag", 0}, Name{"mo", 1}, Name{"montag", 1}, Name{"di", 2},
    Name{"dienstag", 2}, Name{"mi", 3}, Name{"mittwoch", 3}, Name{"do", 4}, Name{"donnerstag", 4},
    Name{"fr", 5}, Name{"freitag", 5}, Name{"sa", 6}, Name{"samstag", 6}, Name{"sonnabend", 6},
    // French, Spanish, Italian, Dutch: full names only
    Name{"dimanche", 0}, Name{"lundi", 1}, Name{"mardi", 2}, Name{"mercredi", 3}, Name{"jeudi", 4},
    Name{"vendredi", 5}, Name{"samedi", 6}, Name{"domingo", 0}, Name{"lunes", 1}, Name{"martes", 2},
    Name{"miércoles", 3}, Name{"miercoles", 3}, Name{"jueves", 4}, Name{"viernes", 5},
    Name{"sábado", 6}, Name{"sabado", 6}, Name{"domenica", 0}, Name{"lunedì", 1},
    Name{"martedì", 2}, Name{"mercoledì", 3}, Name{"giovedì", 4}, Name{"venerdì", 5},
    Name{"sabato", 6}, Name{"zondag", 0}, Name{"maandag", 1}, Name{"dinsdag", 2},
    Name{"woensdag", 3}, Name{"donderdag", 4}, Name{"vrijdag", 5}, Name{"zaterdag", 6},
    // French, Spanish and Italian abbreviations other than "mar" (feed-rs fixture
    // rss_2.0_ilmessaggero: "mer, 16 nov 2022 00:38:15 +0100")
    Name{"dim", 0}, Name{"lun", 1}, Name{"mer", 3}, Name{"jeu", 4}, Name{"ven", 5}, Name{"sam", 6},
    Name{"dom", 0}, Name{"mié", 3}, Name{"mie", 3}, Name{"jue", 4}, Name{"vie", 5}, Name{"sáb", 6},
    Name{"gio", 4}, Name{"sab", 6}};

constexpr int k_hour = 3600;
constexpr int k_half_hour = 1800;

// Offsets in seconds. Only abbreviations with one meaning in practice: IST (India, Ireland,
// Israel) and BST (British Summer, Bangladesh) are deliberately absent. The US names and
// AT/ET/CT/MT/PT, MET/MEST follow feedparser.
constexpr std::array k_zones{Name{"ut", 0},
                             Name{"utc", 0},
                             Name{"gmt", 0},
                             Name{"uct", 0},
                             Name{"z", 0},
                             Name{"zulu", 0},
                             Name{"wet", 0},
                             Name{"west", k_hour},
                             Name{"cet", k_hour},
                             Name{"cest", 2 * k_hour},
                             Name{"met", k_hour},
                             Name{"mest", 2 * k_hour},
                             Name{"mez", k_hour},
                             Name{"mesz", 2 * k_hour},
                             Name{"eet", 2 * k_hour},
                             Name{"eest", 3 * k_hour},
                             Name{"msk", 3 * k_hour},
                             Name{"adt", -3 * k_hour},
                             Name{"ast", -4 * k_hour},
                             Name{"at", -4 * k_hour},
                             Name{"edt", -4 * k_hour},
                             Name{"est", -5 * k_hour},
                             Name{"et", -5 * k_hour},
                             Name{"cdt", -5 * k_hour},
                             Name{"cst", -6 * k_hour},
                             Name{"ct", -6 * k_hour},
                             Name{"mdt", -6 * k_hour},
                             Name{"mst", -7 * k_hour},
                             Name{"mt", -7 * k_hour},
                             Name{"pdt", -7 * k_hour},
                             Name{"pst", -8 * k_hour},
                             Name{"pt", -8 * k_hour},
                             Name{"akdt", -8 * k_hour},
                             Name{"akst", -9 * k_hour},
                             Name{"hst", -10 * k_hour},
                             Name{"nst", -3 * k_hour - k_half_hour},
                             Name{"ndt", -2 * k_hour - k_half_hour},
                             Name{"jst", 9 * k_hour},
                             Name{"kst", 9 * k_hour},
                             Name{"hkt", 8 * k_hour},
                             Name{"sgt", 8 * k_hour},
                             Name{"awst", 8 * k_hour},
                             Name{"acst", 9 * k_hour + k_half_hour},
                             Name{"acdt", 10 * k_hour + k_half_hour},
                             Name{"aest", 10 * k_hour},
                             Name{"aedt", 11 * k_hour},
                             Name{"nzst", 12 * k_hour},
                             Name{"nzdt", 13 * k_hour}};

// The zones "Etc/<name>" may name; Etc/GMT+N is refused because its sign is inverted (it
// means UTC-N) and hand-written feeds get it wrong either way.
constexpr std::array k_etc_zones{Name{"gmt", 0},       Name{"utc", 0},  Name{"uct", 0},
                                 Name{"universal", 0}, Name{"zulu", 0}, Name{"greenwich", 0}};

template <std::size_t N>
std::optional<int> lookup(const std::array<Name, N>& table, std::string_view folded) {
  for (const Name& name : table) {
    if (name.text == folded) {
      return name.value;
    }
  }
  return std::nullopt;
}

// RFC 822 military zones with the signs RFC 822 gives (A = -1 ... M = -12, N = +1 ... Y = +12),
// as feedparser reads them. J is not a zone; Z is in k_zones; T is never read as a zone because
// it is the ISO date/time separator.
std::optional<int> military_zone(std::string_view folded) {
  if (folded.size() != 1) {
    return std::nullopt;
  }
  const char c = folded[0];
  if (c >= 'a' && c <= 'i') {
    return -(c - 'a' + 1) * k_hour;
  }
  if (c >= 'k' && c <= 'm') {
    return -(c - 'k' + 10) * k_hour;
  }
  if (c >= 'n' && c <= 'y' && c != 't') {
    return (c - 'n' + 1) * k_hour;
  }
  return std::nullopt;
}

enum class Meridiem { none, am, pm };

std::optional<Meridiem> meridiem(std::string_view folded) {
  if (folded == "am" || folded == "오전") {
    return Meridiem::am;
  }
  if (folded == "pm" || folded == "오후") {
    return Meridiem::pm;
  }
  return std::nullopt;
}

bool is_korean_meridiem(std::string_view folded) {
  return folded == "오전" || folded == "오후";
}

enum class Marker { none, year, month, day };

// Korean "2004년 05월 28일" (feedparser's OnBlog form).
Marker marker(std::string_view folded) {
  if (folded == "년") {
    return Marker::year;
  }
  if (folded == "월") {
    return Marker::month;
  }
  if (folded == "일") {
    return Marker::day;
  }
  return Marker::none;
}

// ---------------------------------------------------------------------------------------------
// Free-form dates

enum class TokenKind : std::uint8_t { number, word, punct };

struct Token {
  TokenKind kind = TokenKind::punct;
  bool space_before = false; // whitespace or a comment separates it from the previous token
  char punct = '\0';
  std::size_t digits = 0;
  int value = 0; // numbers of at most 9 digits; larger ones keep 0 and are never used as values
  std::string_view text;
};

class Tokens {
public:
  // False when the text holds a character no date uses, an unclosed comment or too many tokens.
  bool split(std::string_view text) {
    bool space = false;
    std::size_t i = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (is_space(c)) {
        space = true;
        ++i;
        continue;
      }
      if (is_nbsp_at(text, i)) {
        space = true;
        i += 2;
        continue;
      }
      if (c == '(') { // RFC 822 comment, as in "+0200 (CEST)"
        int depth = 0;
        do {
          if (text[i] == '(') {
            ++depth;
          } else if (text[i] == ')') {
            --depth;
          }
          ++i;
        } while (depth > 0 && i < text.size());
        if (depth != 0) {
          return false;
        }
        space = true;
        continue;
      }
      if (m_size == m_items.size()) {
        return false;
      }
      Token& token = m_items[m_size++];
      token.space_before = space;
      space = false;
      const std::size_t begin = i;
      if (is_digit(c)) {
        while (i < text.size() && is_digit(text[i])) {
          if (i - begin < 9) {
            token.value = token.value * 10 + (text[i] - '0');
          }
          ++i;
        }
        token.kind = TokenKind::number;
        token.digits = i - begin;
        if (token.digits > 9) {
          token.value = 0;
        }
      } else if (is_ascii_alpha(c) || is_high(c)) {
        while (i < text.size() && (is_ascii_alpha(text[i]) || is_high(text[i])) &&
               !is_nbsp_at(text, i)) {
          ++i;
        }
        token.kind = TokenKind::word;
      } else if (c == ',' || c == '.' || c == ':' || c == '+' || c == '-' || c == '/') {
        token.kind = TokenKind::punct;
        token.punct = c;
        ++i;
      } else {
        return false;
      }
      token.text = text.substr(begin, i - begin);
    }
    return true;
  }

  [[nodiscard]] std::size_t size() const { return m_size; }

  // Past the end: an empty punct token, so look-ahead needs no bounds checks.
  [[nodiscard]] const Token& operator[](std::size_t i) const {
    return i < m_size ? m_items[i] : m_end;
  }

private:
  std::array<Token, k_max_tokens> m_items{};
  std::size_t m_size = 0;
  Token m_end{};
};

bool is_punct(const Token& t, char c) {
  return t.kind == TokenKind::punct && t.punct == c;
}

// A number written right against the previous token.
bool is_attached_number(const Token& t) {
  return t.kind == TokenKind::number && !t.space_before;
}

struct DateNumber {
  int value = 0;
  std::size_t digits = 0;
  char separator = '\0'; // the punctuation just before it, or '\0'
};

class FreeFormParser {
public:
  explicit FreeFormParser(const Tokens& tokens) : m_tokens(tokens) {}

  std::optional<model::Timestamp> run() {
    std::size_t i = 0;
    while (i < m_tokens.size()) {
      const Token& token = m_tokens[i];
      bool ok = false;
      switch (token.kind) {
      case TokenKind::number:
        ok = on_number(i);
        break;
      case TokenKind::word:
        ok = on_word(i);
        break;
      case TokenKind::punct:
        ok = on_punct(i);
        break;
      }
      if (!ok) {
        return std::nullopt;
      }
    }
    return finish();
  }

private:
  // --- numbers

  bool on_number(std::size_t& i) {
    const Token& token = m_tokens[i];
    const Token& next = m_tokens[i + 1];
    if (is_punct(next, ':') && !next.space_before) {
      return on_time(i);
    }
    if (next.kind == TokenKind::word) {
      const Marker m = marker(FoldedWord{next.text}.view());
      if (m != Marker::none) {
        return on_marker(m, token, i);
      }
    }
    if (m_number_count == m_numbers.size() || token.digits > 4) {
      return false;
    }
    m_numbers[m_number_count++] = {token.value, token.digits, m_separator};
    m_separator = '\0';
    ++i;
    return true;
  }

  bool on_marker(Marker m, const Token& token, std::size_t& i) {
    int* field = m == Marker::year    ? &m_marked.year
                 : m == Marker::month ? &m_marked.month
                                      : &m_marked.day;
    const bool digits_ok = m == Marker::year ? token.digits == 4 : token.digits <= 2;
    if (*field != 0 || !digits_ok || token.value == 0) {
      return false;
    }
    *field = token.value;
    m_has_markers = true;
    m_is_korean = true;
    i += 2;
    return true;
  }

  // "H:MM", "HH:MM:SS", "HH:MM:SS.fff"; minutes and seconds of one digit are tolerated.
  bool on_time(std::size_t& i) {
    if (m_has_time || m_tokens[i].digits > 2) {
      return false;
    }
    std::array<int, 3> parts{m_tokens[i].value, 0, 0};
    std::size_t count = 1;
    ++i;
    while (count < 3 && is_punct(m_tokens[i], ':') && !m_tokens[i].space_before) {
      const Token& part = m_tokens[i + 1];
      if (!is_attached_number(part) || part.digits > 2) {
        return false;
      }
      parts[count++] = part.value;
      i += 2;
    }
    if (is_punct(m_tokens[i], '.') && !m_tokens[i].space_before) {
      if (count != 3 || !is_attached_number(m_tokens[i + 1])) {
        return false; // "10:14.5", "10:14:55."
      }
      i += 2; // fractional seconds, truncated
    }
    if (is_punct(m_tokens[i], ':') || count < 2) {
      return false; // "1:2:3:4", "10:"
    }
    m_has_time = true;
    m_time.hour = parts[0];
    m_time.minute = parts[1];
    m_time.second = parts[2];
    return true;
  }

  // --- punctuation

  bool on_punct(std::size_t& i) {
    const char c = m_tokens[i].punct;
    const bool signed_number = is_attached_number(m_tokens[i + 1]);
    if ((c == '+' || c == '-') && m_has_time && signed_number && m_zone_kind != ZoneKind::numeric) {
      return on_numeric_zone(i);
    }
    const Token& next = m_tokens[i + 1];
    if ((c == '+' || c == '-') && next.kind == TokenKind::punct && !next.space_before) {
      return false; // "--0700", "-+5"
    }
    if (c == ',' || c == '.' || c == '/' || c == '-') {
      m_separator = c;
      ++i;
      return true;
    }
    return false;
  }

  // Reads "+HH", "+H", "+HMM", "+HHMM" or "+HH:MM" at token i into *offset_s.
  bool read_offset(std::size_t& i, int& offset_s) const {
    const int sign = m_tokens[i].punct == '-' ? -1 : 1;
    const Token& number = m_tokens[i + 1];
    if (!is_attached_number(number)) {
      return false;
    }
    int hours = 0;
    int minutes = 0;
    i += 2;
    switch (number.digits) {
    case 1:
    case 2:
      hours = number.value;
      if (is_punct(m_tokens[i], ':') && !m_tokens[i].space_before) {
        const Token& mm = m_tokens[i + 1];
        if (!is_attached_number(mm) || mm.digits != 2) {
          return false;
        }
        minutes = mm.value;
        i += 2;
      }
      break;
    case 3:
    case 4:
      hours = number.value / 100;
      minutes = number.value % 100;
      break;
    default:
      return false;
    }
    if (minutes > 59 || hours * 3600 + minutes * 60 > k_max_offset_s) {
      return false;
    }
    offset_s = sign * (hours * 3600 + minutes * 60);
    return true;
  }

  bool on_numeric_zone(std::size_t& i) {
    int offset_s = 0;
    if (!read_offset(i, offset_s)) {
      return false;
    }
    // A numeric offset wins over a name read before it ("MST -0700").
    m_zone_kind = ZoneKind::numeric;
    m_offset_s = offset_s;
    m_zone_end = i;
    return true;
  }

  // --- words

  bool on_word(std::size_t& i) {
    const Token& token = m_tokens[i];
    const Token& next = m_tokens[i + 1];
    const FoldedWord folded{token.text};
    const std::string_view word = folded.view();
    if (word.empty()) {
      return false;
    }
    ++i;
    if (word == "t" && !m_has_time && is_attached_number(next)) {
      return true; // ISO separator, as in "2004-július-13T9:15"
    }
    if ((word == "st" || word == "nd" || word == "rd" || word == "th") && !token.space_before &&
        i >= 2 && m_tokens[i - 2].kind == TokenKind::number && m_tokens[i - 2].digits <= 2) {
      return true; // "1st", "22nd"
    }
    if (word == "at" && !m_has_time && next.kind == TokenKind::number) {
      return true; // "2006-01-02 at 15:04"
    }
    if (word == "de" && !m_has_time) {
      return true; // "2 de enero de 2006"
    }
    if (const auto month = lookup(k_months, word)) {
      if (m_month != 0) {
        return false;
      }
      m_month = *month;
      m_numbers_before_month = m_number_count;
      return true;
    }
    if (lookup(k_weekdays, word)) {
      if (m_has_weekday) {
        return false;
      }
      m_has_weekday = true;
      return true;
    }
    if ((word == "a" || word == "p") && is_punct(next, '.') && !next.space_before &&
        m_tokens[i + 1].kind == TokenKind::word && FoldedWord{m_tokens[i + 1].text}.view() == "m") {
      i += 2; // "p.m."; a final '.' is read as punctuation
      return set_meridiem(word == "a" ? Meridiem::am : Meridiem::pm, false);
    }
    if (const auto m = meridiem(word)) {
      return set_meridiem(*m, is_korean_meridiem(word));
    }
    if (word == "etc") { // "Etc/GMT"
      if (!is_punct(m_tokens[i], '/') || m_tokens[i + 1].kind != TokenKind::word) {
        return false;
      }
      const auto zone = lookup(k_etc_zones, FoldedWord{m_tokens[i + 1].text}.view());
      i += 2;
      if (!zone || is_punct(m_tokens[i], '+') || is_punct(m_tokens[i], '-')) {
        return false;
      }
      return set_named_zone(*zone, i);
    }
    auto zone = lookup(k_zones, word);
    if (!zone && m_has_time) {
      zone = military_zone(word);
    }
    if (!zone) {
      return false;
    }
    // "GMT+2", "UTC-05:00", "MST-07:00": an attached offset is the whole offset.
    if ((is_punct(m_tokens[i], '+') || is_punct(m_tokens[i], '-')) && !m_tokens[i].space_before) {
      int offset_s = 0;
      if (!read_offset(i, offset_s)) {
        return false;
      }
      return set_named_zone(offset_s, i);
    }
    return set_named_zone(*zone, i);
  }

  bool set_named_zone(int offset_s, std::size_t end) {
    if (m_zone_kind == ZoneKind::numeric) {
      return true; // "-0700 MST", "+0000 GMT": the number already said it
    }
    if (m_zone_kind == ZoneKind::named) {
      return false;
    }
    m_zone_kind = ZoneKind::named;
    m_offset_s = offset_s;
    m_zone_end = end;
    m_zone_before_time = !m_has_time;
    return true;
  }

  bool set_meridiem(Meridiem m, bool korean) {
    if (m_meridiem != Meridiem::none) {
      return false;
    }
    m_meridiem = m;
    m_is_korean = m_is_korean || korean;
    return true;
  }

  // --- assembly

  static std::optional<int> expand_year(const DateNumber& n) {
    switch (n.digits) {
    case 2:
      return expand_two_digit_year(n.value);
    case 3:
      // RFC 2822 4.3: a three-digit year counts from 1900 (struct tm's tm_year printed as is).
      // Only 100-199 are plausible; "834" is not the year 2734.
      if (n.value < 100 || n.value > 199) {
        return std::nullopt;
      }
      return 1900 + n.value;
    case 4:
      return n.value;
    default:
      return std::nullopt;
    }
  }

  bool assemble_date(DateTime& dt) const {
    if (m_has_markers) {
      if (m_number_count != 0 || m_month != 0 || m_marked.year == 0 || m_marked.month == 0 ||
          m_marked.day == 0) {
        return false;
      }
      dt.year = m_marked.year;
      dt.month = m_marked.month;
      dt.day = m_marked.day;
      return true;
    }
    if (m_month != 0) {
      // A month name plus day and year: "01 Jan 2004", "Jan 4 2004", "2004 Jan 01",
      // "01 Jan 04". With two short numbers the first is the day.
      if (m_number_count != 2) {
        return false;
      }
      const DateNumber& a = m_numbers[0];
      const DateNumber& b = m_numbers[1];
      const DateNumber* day = nullptr;
      const DateNumber* year = nullptr;
      if (a.digits >= 3 && b.digits <= 2) {
        year = &a;
        day = &b;
      } else if (a.digits <= 2 && b.digits >= 3) {
        day = &a;
        year = &b;
      } else if (a.digits <= 2 && b.digits <= 2 && m_numbers_before_month < 2) {
        day = &a;
        year = &b;
      } else {
        return false;
      }
      const auto y = expand_year(*year);
      if (!y) {
        return false;
      }
      dt.year = *y;
      dt.month = m_month;
      dt.day = day->value;
      return true;
    }
    // All numeric: "2006/09/15", "2004-05-25", "13.07.2004". Slash and dash forms with the year
    // last are refused: 01/02/2004 reads differently in the US and in Europe.
    if (m_number_count != 3) {
      return false;
    }
    const DateNumber& a = m_numbers[0];
    const DateNumber& b = m_numbers[1];
    const DateNumber& c = m_numbers[2];
    const char sep = b.separator;
    if (c.separator != sep || (sep != '-' && sep != '/' && sep != '.') || b.digits > 2) {
      return false;
    }
    if (a.digits == 4 && c.digits <= 2) {
      dt.year = a.value;
      dt.month = b.value;
      dt.day = c.value;
      return true;
    }
    if (sep == '.' && a.digits <= 2 && c.digits == 4) {
      dt.day = a.value;
      dt.month = b.value;
      dt.year = c.value;
      return true;
    }
    return false;
  }

  std::optional<model::Timestamp> finish() const {
    DateTime dt = m_time;
    if (!assemble_date(dt)) {
      return std::nullopt;
    }
    if (m_meridiem != Meridiem::none) {
      if (!m_has_time || dt.hour < 1 || dt.hour > 12) {
        return std::nullopt;
      }
      dt.hour = dt.hour % 12 + (m_meridiem == Meridiem::pm ? 12 : 0);
    }
    if (m_zone_kind == ZoneKind::none) {
      dt.offset_s = m_is_korean ? k_korea_offset_s : 0;
    } else {
      // Without a time a zone may only close the text ("Thu, 01 Jan 2004 GMT"); elsewhere it
      // is more likely a misread word ("Sun, Dec x 2012").
      if (m_zone_before_time && (m_has_time || m_zone_end != m_tokens.size())) {
        return std::nullopt;
      }
      dt.offset_s = m_offset_s;
    }
    return to_timestamp(dt);
  }

  enum class ZoneKind { none, named, numeric };

  const Tokens& m_tokens;
  std::array<DateNumber, 3> m_numbers{};
  std::size_t m_number_count = 0;
  std::size_t m_numbers_before_month = 0;
  char m_separator = '\0';
  int m_month = 0;
  DateTime m_marked{};
  bool m_has_markers = false;
  bool m_has_weekday = false;
  bool m_has_time = false;
  DateTime m_time{};
  Meridiem m_meridiem = Meridiem::none;
  bool m_is_korean = false;
  ZoneKind m_zone_kind = ZoneKind::none;
  int m_offset_s = 0;
  std::size_t m_zone_end = 0;
  bool m_zone_before_time = false;
};

} // namespace

std::optional<model::Timestamp> parse_date(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > k_max_length) {
    return std::nullopt;
  }
  if (is_digit(text.front()) || text.front() == '-') {
    if (auto iso = parse_iso8601(text)) {
      return iso;
    }
  }
  Tokens tokens;
  if (!tokens.split(text)) {
    return std::nullopt;
  }
  return FreeFormParser{tokens}.run();
}

std::string format_rfc3339(model::Timestamp t) {
  const long long total = t.time_since_epoch().count();
  long long days = total / k_seconds_per_day;
  long long secs = total % k_seconds_per_day;
  if (secs < 0) {
    secs += k_seconds_per_day;
    --days;
  }
  const Civil civil = civil_from_days(days);
  std::array<char, 64> buf{};
  const char* year_format = civil.year >= 0 && civil.year <= 9999 ? "%04lld" : "%+05lld";
  int n = std::snprintf(buf.data(), buf.size(), year_format, civil.year);
  if (n < 0) {
    return {};
  }
  const auto offset = static_cast<std::size_t>(n);
  n = std::snprintf(buf.data() + offset, buf.size() - offset, "-%02d-%02dT%02lld:%02lld:%02lldZ",
                    civil.month, civil.day, secs / 3600, secs / 60 % 60, secs % 60);
  if (n < 0) {
    return {};
  }
  return std::string(buf.data(), offset + static_cast<std::size_t>(n));
}

} // namespace fw::parse
