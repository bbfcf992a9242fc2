#include "dedupe/update.hpp"

#include "util/hash.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace fw::dedupe {

namespace {

// One code point decoded from UTF-8 at s[i]; `len` is 0 for a byte that does not start a valid
// sequence (it is then copied as it is).
struct CodePoint {
  char32_t value = 0;
  std::size_t len = 0;
};

CodePoint decode_utf8(std::string_view s, std::size_t i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  char32_t cp = 0;
  if (b0 < 0x80) {
    return {b0, 1};
  }
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return {};
  }
  if (i + len > s.size()) {
    return {};
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return {};
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, len};
}

constexpr bool is_zero_width(char32_t cp) noexcept {
  return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD;
}

// The ASCII spelling of a typographic character, or "" when it has none here.
constexpr std::string_view ascii_for(char32_t cp) noexcept {
  switch (cp) {
  case 0x2018:
  case 0x2019:
  case 0x201A:
  case 0x201B:
  case 0x2032:
    return "'";
  case 0x201C:
  case 0x201D:
  case 0x201E:
  case 0x201F:
  case 0x2033:
    return "\"";
  case 0x2010:
  case 0x2011:
  case 0x2012:
  case 0x2013:
  case 0x2014:
  case 0x2015:
  case 0x2212:
    return "-";
  case 0x2026:
    return "...";
  default:
    return {};
  }
}

// Simple lower-case mapping for the scripts of most feeds we read; other letters stay.
constexpr char32_t to_lower(char32_t cp) noexcept {
  if (cp >= 'A' && cp <= 'Z') {
    return cp + 0x20;
  }
  if (cp < 0xC0) {
    return cp;
  }
  if (cp <= 0xDE) {
    return cp == 0xD7 ? cp : cp + 0x20; // U+00D7 is the multiplication sign
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    // Latin Extended-A pairs capital and small letters, capital first, except where the run
    // is shifted by the lone U+0138 and U+0149.
    const bool is_even_run = (cp <= 0x137 && cp != 0x130) || (cp >= 0x14A && cp <= 0x177);
    const bool is_odd_run = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if ((is_even_run && cp % 2 == 0) || (is_odd_run && cp % 2 == 1)) {
      return cp + 1;
    }
    return cp == 0x178 ? 0xFF : cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) {
    return cp + 0x20;
  }
  if (cp == 0x386) {
    return 0x3AC;
  }
  if (cp >= 0x388 && cp <= 0x38A) {
    return cp + 0x25;
  }
  if (cp == 0x38C) {
    return 0x3CC;
  }
  if (cp == 0x38E || cp == 0x38F) {
    return cp + 0x3F;
  }
  if (cp >= 0x410 && cp <= 0x42F) {
    return cp + 0x20;
  }
  if (cp >= 0x400 && cp <= 0x40F) {
    return cp + 0x50;
  }
  return cp;
}

enum class Fold { none, lower_case };

// Zero-width characters dropped and typographic ones spelled in ASCII; with Fold::lower_case,
// only letters lowered instead.
std::string map_characters(std::string_view s, Fold fold) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    // ASCII, most of most texts: nothing to drop or spell out, only letters to lower.
    if (const auto b = static_cast<unsigned char>(s[i]); b < 0x80) {
      const bool upper = fold == Fold::lower_case && b >= 'A' && b <= 'Z';
      out.push_back(static_cast<char>(upper ? b + 0x20 : b));
      ++i;
      continue;
    }
    const CodePoint c = decode_utf8(s, i);
    if (c.len == 0) {
      out.push_back(s[i]);
      ++i;
      continue;
    }
    i += c.len;
    if (fold == Fold::lower_case) {
      util::append_utf8(out, to_lower(c.value));
    } else if (is_zero_width(c.value)) {
      continue;
    } else if (const std::string_view ascii = ascii_for(c.value); !ascii.empty()) {
      out.append(ascii);
    } else {
      util::append_utf8(out, c.value);
    }
  }
  return out;
}

constexpr bool is_trailing_punctuation(char c) noexcept {
  switch (c) {
  case '.':
  case ',':
  case ';':
  case ':':
  case '!':
  case '?':
  case ')':
  case ']':
  case '}':
  case '>':
  case '\'':
  case '"':
    return true;
  default:
    return false;
  }
}

// Where an "http://" or "https://" URL starts in `word`, or npos.
std::size_t url_start(std::string_view word) noexcept {
  for (std::size_t i = word.find_first_of("hH"); i != std::string_view::npos;
       i = word.find_first_of("hH", i + 1)) {
    const std::string_view rest = word.substr(i);
    if (util::istarts_with(rest, "http://") || util::istarts_with(rest, "https://")) {
      return i;
    }
  }
  return std::string_view::npos;
}

void append_word(std::string& out, std::string_view word, const UrlOptions& options) {
  const std::size_t start = url_start(word);
  if (start == std::string_view::npos) {
    out.append(word);
    return;
  }
  std::size_t end = word.size();
  while (end > start && is_trailing_punctuation(word[end - 1])) {
    --end;
  }
  const std::optional<std::string> canonical =
      canonical_url(word.substr(start, end - start), options);
  out.append(word.substr(0, start));
  out.append(canonical ? std::string_view(*canonical) : word.substr(start, end - start));
  out.append(word.substr(end));
}

std::uint64_t hash_of(std::string_view s) noexcept {
  return util::Fnv1a64().add(s).value();
}

} // namespace

std::string normalize_for_fingerprint(std::string_view text, const UrlOptions& options) {
  // Characters first, so that a curly quote after a URL is punctuation and a zero-width space
  // inside a run of spaces disappears; case last, so that URLs are canonicalised as written.
  const std::string words = util::collapse_space(map_characters(text, Fold::none));
  std::string out;
  out.reserve(words.size());
  std::size_t begin = 0;
  while (begin < words.size()) {
    std::size_t end = words.find(' ', begin);
    if (end == std::string::npos) {
      end = words.size();
    }
    if (!out.empty()) {
      out.push_back(' ');
    }
    append_word(out, std::string_view(words).substr(begin, end - begin), options);
    begin = end + 1;
  }
  return map_characters(out, Fold::lower_case);
}

ContentFingerprint content_fingerprint(const model::Story& story, const UrlOptions& options) {
  const std::string_view text = story.text           ? std::string_view(*story.text)
                                : story.summary_html ? std::string_view(*story.summary_html)
                                                     : std::string_view();
  return {hash_of(normalize_for_fingerprint(story.title.value_or(""), options)),
          hash_of(normalize_for_fingerprint(text, options))};
}

std::vector<std::string> changed_fields(const ContentFingerprint& before,
                                        const ContentFingerprint& after) {
  std::vector<std::string> out;
  if (before.title != after.title) {
    out.emplace_back("title");
  }
  if (before.text != after.text) {
    out.emplace_back("text");
  }
  return out;
}

} // namespace fw::dedupe
