#include "parse/entities.hpp"

#include "util/byte_mask.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace fw::parse {
namespace {

struct HtmlEntity {
  std::string_view name; // without '&' and ';'
  std::string_view utf8;
  bool legacy; // HTML also recognises the name without the ';' ("&amp", "&nbsp")
};

constexpr HtmlEntity k_entities[] = {
#include "parse/html_entities.inc"
};

static_assert(std::size(k_entities) == 2125, "the WHATWG table has 2,125 names ending in ';'");
static_assert(std::is_sorted(std::begin(k_entities), std::end(k_entities),
                             [](const HtmlEntity& a, const HtmlEntity& b) {
                               return a.name < b.name;
                             }),
              "html_entities.inc must be sorted by name");

// The longest name in the table ("CounterClockwiseContourIntegral") and the longest legacy one.
constexpr std::size_t k_max_name = 31;
constexpr std::size_t k_max_legacy_name = 6;

const HtmlEntity* find_entity(std::string_view name) noexcept {
  const auto* it =
      std::lower_bound(std::begin(k_entities), std::end(k_entities), name,
                       [](const HtmlEntity& e, std::string_view n) { return e.name < n; });
  if (it == std::end(k_entities) || it->name != name) {
    return nullptr;
  }
  return it;
}

// What browsers (and feedparser) read for the numeric references &#128; .. &#159;: the
// windows-1252 character at that byte. The five bytes windows-1252 leaves undefined stay as is.
constexpr std::array<char16_t, 32> k_cp1252_c1 = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, // 0x80
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F, // 0x88
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, // 0x90
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178, // 0x98
};

constexpr char32_t k_replacement = 0xFFFD;
// Larger than any code point; numeric references saturate here instead of overflowing.
constexpr std::uint32_t k_too_large = 0x110000;

constexpr bool is_ascii_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_ascii_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_ascii_alnum(char c) noexcept {
  return is_ascii_alpha(c) || is_ascii_digit(c);
}

// A character XML 1.0 allows in a document (§2.2 Char).
constexpr bool is_xml_char(char32_t cp) noexcept {
  if (cp < 0x20) {
    return cp == '\t' || cp == '\n' || cp == '\r';
  }
  return (cp < 0xD800) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// How a numeric reference is read: 0x80..0x9F as windows-1252, anything XML does not allow
// (NUL, other C0 controls, surrogates, U+FFFE/U+FFFF, beyond U+10FFFF) as U+FFFD.
constexpr char32_t resolve_code_point(std::uint32_t value) noexcept {
  if (value >= 0x80 && value <= 0x9F) {
    return k_cp1252_c1[value - 0x80];
  }
  const auto cp = static_cast<char32_t>(value);
  return is_xml_char(cp) ? cp : k_replacement;
}

struct NumericRef {
  std::size_t end = 0;        // offset just past the reference ("&#38;" or "&#38")
  std::uint32_t value = 0;    // saturated at k_too_large
  bool has_semicolon = false; // ended with ';'
  bool is_xml_form = false;   // decimal, or hexadecimal with a lower-case 'x'
};

// Parses "&#123;" / "&#x7B;" at text[amp]; std::nullopt when there is no digit after "&#".
std::optional<NumericRef> parse_numeric(std::string_view text, std::size_t amp) noexcept {
  NumericRef ref;
  std::size_t i = amp + 2;
  bool hex = false;
  if (i < text.size() && (text[i] == 'x' || text[i] == 'X')) {
    hex = true;
    ref.is_xml_form = text[i] == 'x';
    ++i;
  } else {
    ref.is_xml_form = true;
  }
  const std::size_t digits = i;
  for (; i < text.size(); ++i) {
    const int d =
        hex ? util::hex_digit_value(text[i]) : (is_ascii_digit(text[i]) ? text[i] - '0' : -1);
    if (d < 0) {
      break;
    }
    ref.value = std::min<std::uint32_t>(ref.value * (hex ? 16 : 10) + static_cast<unsigned>(d),
                                        k_too_large);
  }
  if (i == digits) {
    return std::nullopt;
  }
  if (i < text.size() && text[i] == ';') {
    ref.has_semicolon = true;
    ++i;
  }
  ref.end = i;
  return ref;
}

// Length of the run of ASCII letters and digits at text[i], at most `limit`.
std::size_t alnum_run(std::string_view text, std::size_t i, std::size_t limit) noexcept {
  std::size_t n = 0;
  while (i + n < text.size() && n < limit && is_ascii_alnum(text[i + n])) {
    ++n;
  }
  return n;
}

void append_decimal_ref(std::string& out, char32_t cp) {
  out += "&#";
  out += std::to_string(static_cast<std::uint32_t>(cp));
  out += ';';
}

// ---- fix_xml_entities --------------------------------------------------------------------

// One warning per kind of repair; the first example of each goes into the sentence.
enum Repair : unsigned {
  k_named = 0,     // &nbsp; -> &#160;
  k_unknown = 1,   // &foo; -> &amp;foo;
  k_stray = 2,     // & -> &amp;
  k_c1 = 3,        // &#146; -> &#8217;
  k_invalid = 4,   // &#0; -> &#65533;
  k_hex_upper = 5, // &#X41; -> &#65;
  k_repair_kinds = 6,
};

class EntityFixer {
public:
  explicit EntityFixer(std::string_view xml) : m_in(xml) {
    m_out.reserve(xml.size() + xml.size() / 16 + 64);
  }

  std::string run(std::vector<std::string>& warnings) {
    std::size_t amp = m_in.find('&');
    std::size_t lt = find_declaration(0);
    while (amp != std::string_view::npos) {
      if (lt < amp) {
        // Markup comes first. If it opens a section whose text is literal (CDATA, comment, PI,
        // DOCTYPE), any '&' inside it is not ours to touch.
        const std::size_t after = skip_literal_section(lt);
        if (after > amp) {
          amp = after < m_in.size() ? m_in.find('&', after) : std::string_view::npos;
        }
        lt = find_declaration(after);
        continue;
      }
      // A reference never contains '<', so `lt` stays ahead of its end.
      const std::size_t end = fix_reference(amp);
      amp = end < m_in.size() ? m_in.find('&', end) : std::string_view::npos;
    }
    m_out.append(m_in.substr(m_copied));
    for (unsigned k = 0; k < k_repair_kinds; ++k) {
      if (!m_examples[k].empty()) {
        warnings.push_back(warning_text(static_cast<Repair>(k), m_examples[k]));
      }
    }
    return std::move(m_out);
  }

private:
  static std::string warning_text(Repair kind, const std::string& example) {
    switch (kind) {
    case k_named:
      return "replaced HTML named references XML does not define with numeric ones (" + example +
             ")";
    case k_unknown:
      return "kept unknown entity references as text (" + example + ")";
    case k_stray:
      return "escaped '&' characters that do not start a reference (" + example + ")";
    case k_c1:
      return "read numeric references to 0x80..0x9F as windows-1252 (" + example + ")";
    case k_invalid:
      return "replaced numeric references to characters XML does not allow with U+FFFD (" +
             example + ")";
    case k_hex_upper:
      return "rewrote hexadecimal references written with 'X' (" + example + ")";
    case k_repair_kinds:
      break;
    }
    return example;
  }

  void note(Repair kind, std::size_t from, std::size_t to) {
    if (m_examples[kind].empty()) {
      constexpr std::size_t k_max_example = 40;
      m_examples[kind] = std::string(m_in.substr(from, std::min(to - from, k_max_example)));
    }
  }

  // Copies the input up to `from` and then `replacement`; the input resumes at `resume`.
  void replace(std::size_t from, std::size_t resume, std::string_view replacement) {
    m_out.append(m_in.substr(m_copied, from - m_copied));
    m_out.append(replacement);
    m_copied = resume;
  }

  // Returns the offset after the literal section that starts at m_in[lt], or lt + 1 when the
  // markup there is an ordinary tag. An unterminated section runs to the end of the input.
  // The next "<!" or "<?" from `from`: only those can open a literal section (a '<' that starts
  // an element never does, so the scan steps over them 16 bytes at a time).
  std::size_t find_declaration(std::size_t from) const noexcept {
    const std::size_t n = m_in.size();
    from = util::skip_unmarked(
        m_in, from,
        [](const char* p) {
          const util::ByteBlock next(p + 1);
          return util::ByteBlock(p).eq('<') & (next.eq('!') | next.eq('?'));
        },
        1);
    for (; from + 1 < n; ++from) {
      if (m_in[from] == '<' && (m_in[from + 1] == '!' || m_in[from + 1] == '?')) {
        return from;
      }
    }
    return std::string_view::npos;
  }

  std::size_t skip_literal_section(std::size_t lt) const noexcept {
    const std::string_view rest = m_in.substr(lt);
    auto past = [&](std::size_t from, std::string_view terminator) {
      const std::size_t e = m_in.find(terminator, from);
      return e == std::string_view::npos ? m_in.size() : e + terminator.size();
    };
    if (rest.starts_with("<?")) {
      return past(lt + 2, "?>");
    }
    if (rest.starts_with("<!--")) {
      return past(lt + 4, "-->");
    }
    if (rest.starts_with("<![CDATA[")) {
      return past(lt + 9, "]]>");
    }
    if (rest.starts_with("<!DOCTYPE") || rest.starts_with("<!doctype")) {
      return skip_doctype(lt + 9);
    }
    return lt + 1;
  }

  // Skips a DOCTYPE from just after "<!DOCTYPE" to just after its closing '>', stepping over
  // quoted literals and the internal subset (with its own comments, PIs and literals), where
  // '>' and ']' do not end anything.
  std::size_t skip_doctype(std::size_t i) const noexcept {
    bool in_subset = false;
    while (i < m_in.size()) {
      const char c = m_in[i];
      if (c == '"' || c == '\'') {
        const std::size_t e = m_in.find(c, i + 1);
        if (e == std::string_view::npos) {
          return m_in.size();
        }
        i = e + 1;
      } else if (in_subset && m_in.substr(i).starts_with("<!--")) {
        const std::size_t e = m_in.find("-->", i + 4);
        i = e == std::string_view::npos ? m_in.size() : e + 3;
      } else if (in_subset && m_in.substr(i).starts_with("<?")) {
        const std::size_t e = m_in.find("?>", i + 2);
        i = e == std::string_view::npos ? m_in.size() : e + 2;
      } else if (c == '[' && !in_subset) {
        in_subset = true;
        ++i;
      } else if (c == ']' && in_subset) {
        in_subset = false;
        ++i;
      } else if (c == '>' && !in_subset) {
        return i + 1;
      } else {
        ++i;
      }
    }
    return m_in.size();
  }

  // Handles the '&' at m_in[amp] in text or an attribute value; returns where scanning goes on.
  std::size_t fix_reference(std::size_t amp) {
    if (amp + 1 < m_in.size() && m_in[amp + 1] == '#') {
      return fix_numeric(amp);
    }
    std::size_t i = amp + 1;
    if (i < m_in.size() && is_name_start(m_in[i])) {
      constexpr std::size_t k_max_scan = 64; // longer names are never in our table
      while (i < m_in.size() && i - amp <= k_max_scan && is_name_char(m_in[i])) {
        ++i;
      }
      if (i < m_in.size() && m_in[i] == ';') {
        const std::string_view name = m_in.substr(amp + 1, i - amp - 1);
        if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") {
          return i + 1;
        }
        if (const HtmlEntity* e = find_entity(name)) {
          std::string numeric;
          append_numeric_refs(numeric, e->utf8);
          replace(amp, i + 1, numeric);
          note(k_named, amp, i + 1);
          return i + 1;
        }
        // Not an HTML name, or one declared in a DOCTYPE internal subset. We do not read DTDs,
        // so the reference is kept as literal text: "&foo;" becomes "&amp;foo;".
        replace(amp, amp + 1, "&amp;");
        note(k_unknown, amp, i + 1);
        return i + 1;
      }
    }
    replace(amp, amp + 1, "&amp;");
    note(k_stray, amp, std::max(i, amp + 1));
    return amp + 1;
  }

  std::size_t fix_numeric(std::size_t amp) {
    const std::optional<NumericRef> ref = parse_numeric(m_in, amp);
    if (!ref || !ref->has_semicolon) {
      replace(amp, amp + 1, "&amp;");
      note(k_stray, amp, ref ? ref->end : amp + 2);
      return amp + 2;
    }
    const char32_t cp = resolve_code_point(ref->value);
    const bool kept = cp == ref->value;
    if (kept && ref->is_xml_form) {
      return ref->end;
    }
    std::string numeric;
    append_decimal_ref(numeric, cp);
    replace(amp, ref->end, numeric);
    if (!kept) {
      note(cp == k_replacement ? k_invalid : k_c1, amp, ref->end);
    } else {
      note(k_hex_upper, amp, ref->end);
    }
    return ref->end;
  }

  // XML NameStartChar / NameChar, simplified: every non-ASCII byte is allowed, as UTF-8 names
  // are; such names are never in the HTML table, so they end up as unknown references.
  static constexpr bool is_name_start(char c) noexcept {
    return is_ascii_alpha(c) || c == '_' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
  }
  static constexpr bool is_name_char(char c) noexcept {
    return is_name_start(c) || is_ascii_digit(c) || c == '-' || c == '.';
  }

  // Appends "&#N;" for each code point of a short, well-formed UTF-8 string from the table.
  static void append_numeric_refs(std::string& out, std::string_view utf8) {
    for (std::size_t i = 0; i < utf8.size();) {
      const auto b = static_cast<unsigned char>(utf8[i]);
      const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
      for (std::size_t k = 1; k < n && i + k < utf8.size(); ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
      }
      append_decimal_ref(out, cp);
      i += n;
    }
  }

  std::string_view m_in;
  std::string m_out;
  std::size_t m_copied = 0; // m_in[0, m_copied) is already in m_out
  std::array<std::string, k_repair_kinds> m_examples;
};

} // namespace

std::optional<std::string_view> html_entity(std::string_view name) noexcept {
  if (const HtmlEntity* e = find_entity(name)) {
    return e->utf8;
  }
  return std::nullopt;
}

std::string decode_html_entities(std::string_view text) {
  std::size_t amp = text.find('&');
  if (amp == std::string_view::npos) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  while (amp != std::string_view::npos) {
    out.append(text.substr(copied, amp - copied));
    copied = amp;
    std::size_t next = amp + 1; // where the next search starts; '&' stays when nothing matches
    if (amp + 1 < text.size() && text[amp + 1] == '#') {
      if (const std::optional<NumericRef> ref = parse_numeric(text, amp)) {
        util::append_utf8(out, resolve_code_point(ref->value));
        copied = next = ref->end;
      }
    } else {
      const std::size_t run = alnum_run(text, amp + 1, k_max_name + 1);
      const std::string_view name = text.substr(amp + 1, run);
      const HtmlEntity* e = nullptr;
      if (run > 0 && amp + 1 + run < text.size() && text[amp + 1 + run] == ';') {
        e = find_entity(name);
        if (e != nullptr) {
          out.append(e->utf8);
          copied = next = amp + run + 2;
        }
      }
      if (e == nullptr) {
        // As in browsers' text content: the longest legacy name that prefixes the run counts
        // even without its ';' ("&copy 2024", "&amp" and, notoriously, "&notit;" -> "¬it;").
        for (std::size_t n = std::min(run, k_max_legacy_name); n >= 2; --n) {
          e = find_entity(name.substr(0, n));
          if (e != nullptr && e->legacy) {
            out.append(e->utf8);
            copied = next = amp + 1 + n;
            break;
          }
        }
      }
    }
    amp = next < text.size() ? text.find('&', next) : std::string_view::npos;
  }
  out.append(text.substr(copied));
  return out;
}

std::string fix_xml_entities(std::string_view xml, std::vector<std::string>& warnings) {
  if (xml.find('&') == std::string_view::npos) {
    return std::string(xml);
  }
  return EntityFixer(xml).run(warnings);
}

} // namespace fw::parse
