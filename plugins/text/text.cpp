#include "text/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace feedwire::text {
namespace {

struct CodePoint {
  char32_t cp = 0;
  std::size_t len = 1;
};

// The code point at byte `i`. A malformed or truncated sequence reads as one U+FFFD byte, so
// that scanning always advances; the host has validated the text, so this is only a guard.
CodePoint decode(std::string_view s, std::size_t i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    return {b0, 1};
  }
  std::size_t len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0U) == 0xC0U) {
    len = 2;
    cp = b0 & 0x1FU;
  } else if ((b0 & 0xF0U) == 0xE0U) {
    len = 3;
    cp = b0 & 0x0FU;
  } else if ((b0 & 0xF8U) == 0xF0U) {
    len = 4;
    cp = b0 & 0x07U;
  } else {
    return {0xFFFD, 1};
  }
  if (i + len > s.size()) {
    return {0xFFFD, 1};
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0U) != 0x80U) {
      return {0xFFFD, 1};
    }
    cp = (cp << 6U) | (b & 0x3FU);
  }
  return {cp, len};
}

// The start of the code point that ends just before byte `end` (> 0).
std::size_t previous_start(std::string_view s, std::size_t end) noexcept {
  std::size_t i = end - 1;
  while (i > 0 && end - i < 4 && (static_cast<unsigned char>(s[i]) & 0xC0U) == 0x80U) {
    --i;
  }
  return i;
}

void encode(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0U | (cp >> 6U)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0U | (cp >> 12U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else {
    out.push_back(static_cast<char>(0xF0U | (cp >> 18U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 12U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  }
}

bool is_space(char32_t cp) noexcept {
  switch (cp) {
  case ' ':
  case '\t':
  case '\n':
  case '\r':
  case '\v':
  case '\f':
  case 0xA0:   // no-break space, common in scraped HTML
  case 0x1680: // ogham space mark
  case 0x200B: // zero width space
  case 0x2028:
  case 0x2029:
  case 0x202F:
  case 0x205F:
  case 0x3000: // ideographic space
  case 0xFEFF: // byte order mark, left over at the start of some feeds
    return true;
  default:
    return cp >= 0x2000 && cp <= 0x200A;
  }
}

struct Range {
  char32_t lo;
  char32_t hi;
};

// Code points above ASCII that are punctuation, symbols, spaces or unassigned for our purpose.
// Everything else above ASCII counts as part of a word (letters, marks and digits of any
// script): listing what separates words is far shorter than listing the letters of every
// script, and a missed symbol only joins two words, it never drops text.
constexpr std::array k_non_word = {
    Range{0x80, 0xA9},     Range{0xAB, 0xB4},       Range{0xB6, 0xB9},        Range{0xBB, 0xBF},
    Range{0xD7, 0xD7},     Range{0xF7, 0xF7},       Range{0x37E, 0x37E},      Range{0x387, 0x387},
    Range{0x55A, 0x55F},   Range{0x589, 0x58A},     Range{0x5BE, 0x5BE},      Range{0x5C0, 0x5C0},
    Range{0x5C3, 0x5C3},   Range{0x5C6, 0x5C6},     Range{0x5F3, 0x5F4},      Range{0x600, 0x60F},
    Range{0x61B, 0x61F},   Range{0x66A, 0x66D},     Range{0x6D4, 0x6D4},      Range{0x964, 0x965},
    Range{0x970, 0x970},   Range{0xE3F, 0xE3F},     Range{0xE4F, 0xE4F},      Range{0xE5A, 0xE5B},
    Range{0x10FB, 0x10FB}, Range{0x1360, 0x1368},   Range{0x166D, 0x166E},    Range{0x1680, 0x1680},
    Range{0x16EB, 0x16ED}, Range{0x17D4, 0x17DA},   Range{0x1800, 0x180A},    Range{0x2000, 0x2BFF},
    Range{0x2E00, 0x2E7F}, Range{0x3000, 0x3004},   Range{0x3008, 0x3020},    Range{0x3030, 0x3030},
    Range{0x303D, 0x303F}, Range{0x30FB, 0x30FB},   Range{0xA4FE, 0xA4FF},    Range{0xA60D, 0xA60F},
    Range{0xD800, 0xF8FF}, Range{0xFD3E, 0xFD3F},   Range{0xFE00, 0xFE6F},    Range{0xFEFF, 0xFEFF},
    Range{0xFF00, 0xFF0F}, Range{0xFF1A, 0xFF20},   Range{0xFF3B, 0xFF40},    Range{0xFF5B, 0xFF65},
    Range{0xFFE0, 0xFFFF}, Range{0x1F000, 0x1FBFF}, Range{0xE0000, 0x10FFFF},
};

bool is_word_char(char32_t cp) noexcept {
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  }
  const auto* it = std::upper_bound(k_non_word.begin(), k_non_word.end(), cp,
                                    [](char32_t c, const Range& r) { return c < r.lo; });
  if (it == k_non_word.begin()) {
    return true;
  }
  --it;
  return cp > it->hi;
}

bool is_ascii_digit(char32_t cp) noexcept {
  return cp >= '0' && cp <= '9';
}

bool is_apostrophe(char32_t cp) noexcept {
  return cp == '\'' || cp == 0x2019;
}

bool is_hyphen(char32_t cp) noexcept {
  return cp == '-' || cp == 0x2010 || cp == 0x2011;
}

char32_t to_lower(char32_t cp) noexcept {
  if (cp < 0x80) {
    return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  }
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
    return cp + 32;
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x130) {
      return 'i'; // İ: dotted capital I, lower case is plain i
    }
    if (cp == 0x178) {
      return 0xFF;
    }
    if ((cp <= 0x137 || (cp >= 0x14A && cp <= 0x177)) && cp % 2 == 0) {
      return cp + 1;
    }
    if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) && cp % 2 == 1) {
      return cp + 1;
    }
    return cp;
  }
  if (cp >= 0x386 && cp <= 0x3AB) {
    if (cp == 0x386) {
      return 0x3AC;
    }
    if (cp >= 0x388 && cp <= 0x38A) {
      return cp + 37;
    }
    if (cp == 0x38C) {
      return 0x3CC;
    }
    if (cp == 0x38E || cp == 0x38F) {
      return cp + 63;
    }
    if (cp >= 0x391 && cp != 0x3A2) {
      return cp + 32;
    }
    return cp;
  }
  if (cp >= 0x400 && cp <= 0x52F) {
    if (cp <= 0x40F) {
      return cp + 80;
    }
    if (cp <= 0x42F) {
      return cp + 32;
    }
    if (cp == 0x4C0) {
      return 0x4CF;
    }
    if (((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) || cp >= 0x4D0) &&
        cp % 2 == 0) {
      return cp + 1;
    }
    if (cp >= 0x4C1 && cp <= 0x4CE && cp % 2 == 1) {
      return cp + 1;
    }
    return cp;
  }
  if (cp == 0x2019) {
    return '\'';
  }
  return cp;
}

bool is_upper(char32_t cp) noexcept {
  return cp != 0x2019 && to_lower(cp) != cp;
}

// A lower-case letter of a script that has case. Scripts without case (CJK, Arabic, Hebrew,
// Devanagari, ...) have no lower-case letters, so a sentence in them is never kept from
// ending by the "next word is lower case" rule.
bool is_lower(char32_t cp) noexcept {
  if (cp < 0x80) {
    return cp >= 'a' && cp <= 'z';
  }
  if (cp >= 0xDF && cp <= 0xFF) {
    return cp != 0xF7;
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    return to_lower(cp) == cp;
  }
  if (cp >= 0x3AC && cp <= 0x3CE) {
    return true;
  }
  if (cp >= 0x430 && cp <= 0x45F) {
    return true;
  }
  if (cp >= 0x460 && cp <= 0x52F && !(cp >= 0x482 && cp <= 0x489)) {
    return to_lower(cp) == cp;
  }
  return cp >= 0xFF41 && cp <= 0xFF5A;
}

std::string_view trim(std::string_view s) noexcept {
  std::size_t begin = 0;
  while (begin < s.size()) {
    const CodePoint c = decode(s, begin);
    if (!is_space(c.cp)) {
      break;
    }
    begin += c.len;
  }
  std::size_t end = s.size();
  while (end > begin) {
    const std::size_t start = previous_start(s, end);
    if (!is_space(decode(s, start).cp)) {
      break;
    }
    end = start;
  }
  return s.substr(begin, end - begin);
}

bool starts_with_ci_ascii(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

bool contains(std::string_view s, std::string_view part) noexcept {
  return s.find(part) != std::string_view::npos;
}

// Sorted bytewise so that binary search works; checked at compile time below.
constexpr std::array<std::string_view, 323> k_stop_words = {
    "a",         "about",      "above",      "according",    "across",
    "actually",  "after",      "afterwards", "again",        "against",
    "ago",       "all",        "almost",     "alone",        "along",
    "already",   "also",       "although",   "always",       "am",
    "among",     "amongst",    "an",         "and",          "another",
    "any",       "anybody",    "anyhow",     "anyone",       "anything",
    "anyway",    "anywhere",   "are",        "aren't",       "around",
    "as",        "at",         "away",       "back",         "be",
    "became",    "because",    "become",     "becomes",      "becoming",
    "been",      "before",     "beforehand", "behind",       "being",
    "below",     "beside",     "besides",    "between",      "beyond",
    "both",      "but",        "by",         "can",          "can't",
    "cannot",    "could",      "couldn't",   "did",          "didn't",
    "do",        "does",       "doesn't",    "doing",        "don't",
    "done",      "down",       "during",     "each",         "earlier",
    "eight",     "either",     "else",       "elsewhere",    "enough",
    "etc",       "even",       "ever",       "every",        "everybody",
    "everyone",  "everything", "everywhere", "except",       "few",
    "first",     "five",       "for",        "former",       "formerly",
    "four",      "from",       "further",    "furthermore",  "had",
    "hadn't",    "has",        "hasn't",     "have",         "haven't",
    "having",    "he",         "he'd",       "he'll",        "he's",
    "hence",     "her",        "here",       "here's",       "hers",
    "herself",   "him",        "himself",    "his",          "how",
    "however",   "i",          "i'd",        "i'll",         "i'm",
    "i've",      "if",         "in",         "indeed",       "instead",
    "into",      "is",         "isn't",      "it",           "it'll",
    "it's",      "its",        "itself",     "just",         "last",
    "later",     "least",      "less",       "let",          "let's",
    "many",      "may",        "maybe",      "me",           "meanwhile",
    "might",     "mine",       "more",       "moreover",     "most",
    "mostly",    "mr",         "mrs",        "ms",           "much",
    "must",      "mustn't",    "my",         "myself",       "near",
    "nearly",    "neither",    "never",      "nevertheless", "next",
    "nine",      "no",         "nobody",     "none",         "nor",
    "not",       "nothing",    "now",        "nowhere",      "of",
    "off",       "often",      "on",         "once",         "one",
    "only",      "onto",       "or",         "other",        "others",
    "otherwise", "ought",      "our",        "ours",         "ourselves",
    "out",       "over",       "own",        "per",          "perhaps",
    "quite",     "rather",     "really",     "said",         "same",
    "say",       "saying",     "says",       "seem",         "seemed",
    "seeming",   "seems",      "seven",      "several",      "shall",
    "shan't",    "she",        "she'd",      "she'll",       "she's",
    "should",    "shouldn't",  "since",      "six",          "so",
    "some",      "somebody",   "somehow",    "someone",      "something",
    "sometimes", "somewhat",   "somewhere",  "still",        "such",
    "ten",       "than",       "that",       "that's",       "the",
    "their",     "theirs",     "them",       "themselves",   "then",
    "thence",    "there",      "there's",    "thereafter",   "thereby",
    "therefore", "these",      "they",       "they'd",       "they'll",
    "they're",   "they've",    "this",       "those",        "though",
    "three",     "through",    "throughout", "thus",         "to",
    "together",  "told",       "too",        "toward",       "towards",
    "two",       "under",      "unless",     "until",        "up",
    "upon",      "us",         "very",       "via",          "was",
    "wasn't",    "we",         "we'd",       "we'll",        "we're",
    "we've",     "well",       "were",       "weren't",      "what",
    "what's",    "whatever",   "when",       "whenever",     "where",
    "whereas",   "wherever",   "whether",    "which",        "while",
    "who",       "who's",      "whoever",    "whom",         "whose",
    "why",       "will",       "with",       "within",       "without",
    "won't",     "would",      "wouldn't",   "yet",          "you",
    "you'd",     "you'll",     "you're",     "you've",       "your",
    "yours",     "yourself",   "yourselves",
};
static_assert(std::is_sorted(k_stop_words.begin(), k_stop_words.end()));

bool is_one_of(std::initializer_list<std::string_view> list, std::string_view word) noexcept {
  return std::find(list.begin(), list.end(), word) != list.end();
}

bool is_terminator(char32_t cp) noexcept {
  switch (cp) {
  case '.':
  case '!':
  case '?':
  case 0x2026: // …
  case 0x203C: // ‼
  case 0x2047: // ⁇
  case 0x2048: // ⁈
  case 0x2049: // ⁉
  case 0x061F: // Arabic question mark
  case 0x06D4: // Arabic full stop
  case 0x0964: // Devanagari danda
  case 0x3002: // 。
  case 0xFF01: // ！
  case 0xFF0E: // ．
  case 0xFF1F: // ？
  case 0xFF61: // ｡
    return true;
  default:
    return false;
  }
}

// Terminators of scripts written without spaces between sentences: they end a sentence
// whatever follows.
bool is_spaceless_terminator(char32_t cp) noexcept {
  return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF0E || cp == 0xFF1F || cp == 0xFF61;
}

// Quotes and brackets that close what a terminator ends: `He said “no.”` keeps the quote. The
// opening marks of German („…“) and French-style quotes appear here too, because in those
// languages they close.
bool is_closer(char32_t cp) noexcept {
  switch (cp) {
  case '"':
  case '\'':
  case ')':
  case ']':
  case '}':
  case 0xAB:   // «
  case 0xBB:   // »
  case 0x2018: // ‘
  case 0x2019: // ’
  case 0x201C: // “
  case 0x201D: // ”
  case 0x2039: // ‹
  case 0x203A: // ›
  case 0x3009: // 〉
  case 0x300B: // 》
  case 0x300D: // 」
  case 0x300F: // 』
  case 0x3011: // 】
  case 0x3015: // 〕
  case 0xFF02: // ＂
  case 0xFF07: // ＇
  case 0xFF09: // ）
  case 0xFF3D: // ］
    return true;
  default:
    return false;
  }
}

bool is_opener(char32_t cp) noexcept {
  switch (cp) {
  case '"':
  case '\'':
  case '(':
  case '[':
  case '{':
  case 0xA1:   // ¡
  case 0xAB:   // «
  case 0xBB:   // »
  case 0xBF:   // ¿
  case 0x2013: // –
  case 0x2014: // —
  case 0x2018: // ‘
  case 0x201C: // “
  case 0x201E: // „
  case 0x2039: // ‹
  case 0x300C: // 「
  case 0x300E: // 『
  case 0xFF08: // （
    return true;
  default:
    return false;
  }
}

// Titles before a name: a sentence never ends after them (`Gen. Smith`, `Roe v. Wade`).
bool is_title_abbreviation(std::string_view lower_token) noexcept {
  return is_one_of({"adm",  "amb", "atty", "brig", "capt", "cmdr", "col",  "cpl", "cpt",    "det",
                    "dr",   "fr",  "gen",  "gov",  "hon",  "insp", "lt",   "maj", "messrs", "mme",
                    "mlle", "mr",  "mrs",  "ms",   "mt",   "pres", "prof", "pvt", "rep",    "rev",
                    "sen",  "sgt", "sr",   "st",   "supt", "v",    "vs"},
                   lower_token);
}

// Abbreviations that stand before a number: `Jan. 5`, `No. 10`, `p. 12`.
bool is_number_abbreviation(std::string_view lower_token) noexcept {
  return is_one_of({"apr", "art", "aug", "ca",  "ch",   "dec", "feb", "fig", "figs",
                    "jan", "jul", "jun", "mar", "no",   "nos", "nov", "nr",  "oct",
                    "p",   "pp",  "sec", "sep", "sept", "vol", "vols"},
                   lower_token);
}

// A word that often starts a sentence in English. After an abbreviation that may also end a
// sentence (`U.S.`, `a.m.`, an initial) only such a word ends it: `in the U.S. The talks`
// splits, `the U.S. Senate` does not.
bool is_sentence_starter(std::string_view lower_word) noexcept {
  return is_stop_word(lower_word) || is_title_abbreviation(lower_word);
}

// The first word at or after byte `k` of `s`, lower-cased.
std::string lower_first_word(std::string_view s, std::size_t k) {
  std::size_t end = k;
  while (end < s.size()) {
    const CodePoint c = decode(s, end);
    if (is_space(c.cp)) {
      break;
    }
    end += c.len;
  }
  const std::vector<Word> ws = words(s.substr(k, end - k));
  return ws.empty() ? std::string() : lower(ws.front().text);
}

// "U.S", "a.m", "Ph.D", "e.g" (the final '.' already taken off): letters in groups of one or
// two between dots. Numbers (3.5) and host names (example.com) are not abbreviations.
bool is_dotted_abbreviation(std::string_view token) {
  if (!contains(token, ".")) {
    return false;
  }
  std::size_t group = 0;
  for (std::size_t i = 0; i < token.size();) {
    const CodePoint c = decode(token, i);
    if (c.cp == '.') {
      if (group == 0) {
        return false;
      }
      group = 0;
    } else if (is_word_char(c.cp) && !is_ascii_digit(c.cp) && group < 2) {
      ++group;
    } else {
      return false;
    }
    i += c.len;
  }
  return group > 0;
}

// Whether a single '.' after `token` (the text since the last space, without the '.') and
// before the word at `next` ends the sentence. The next word is known not to be lower case.
bool period_ends_sentence(std::string_view token, std::string_view para, std::size_t next) {
  // Leading quotes and brackets are not part of the abbreviation: `(Mr.` or `“Gen.`.
  std::size_t begin = 0;
  while (begin < token.size()) {
    const CodePoint c = decode(token, begin);
    if (is_word_char(c.cp)) {
      break;
    }
    begin += c.len;
  }
  token.remove_prefix(begin);
  if (token.empty()) {
    return true;
  }
  const std::string low = lower(token);
  if (is_title_abbreviation(low)) {
    return false;
  }
  const CodePoint first_next = decode(para, next);
  if (is_number_abbreviation(low) && is_ascii_digit(first_next.cp)) {
    return false;
  }
  const CodePoint first = decode(token, 0);
  const bool is_initial = first.len == token.size() && is_upper(first.cp);
  const bool is_dotted = is_dotted_abbreviation(token);
  const bool is_month = is_one_of(
      {"apr", "aug", "dec", "feb", "jan", "jul", "jun", "mar", "nov", "oct", "sep", "sept"}, low);
  if (is_initial || is_dotted || is_month) {
    return is_sentence_starter(lower_first_word(para, next));
  }
  return true;
}

void split_paragraph(std::string_view para, std::size_t paragraph, std::vector<Sentence>& out) {
  std::size_t start = 0;
  std::size_t token_start = 0;
  std::size_t i = 0;
  const auto emit = [&](std::size_t end) {
    const std::string_view s = trim(para.substr(start, end - start));
    if (!s.empty()) {
      out.push_back(Sentence{s, paragraph, out.size()});
    }
    start = end;
  };
  while (i < para.size()) {
    const CodePoint c = decode(para, i);
    if (is_space(c.cp)) {
      i += c.len;
      token_start = i;
      continue;
    }
    if (!is_terminator(c.cp)) {
      i += c.len;
      continue;
    }
    // A run of terminators ("?!", "...", "…") ends one sentence at most.
    std::size_t j = i;
    std::size_t dots = 0;
    bool is_single_period = true;
    bool is_spaceless = false;
    while (j < para.size()) {
      const CodePoint t = decode(para, j);
      if (!is_terminator(t.cp)) {
        break;
      }
      dots += t.cp == '.' ? 1 : 0;
      is_single_period = is_single_period && t.cp == '.';
      is_spaceless = is_spaceless || is_spaceless_terminator(t.cp);
      j += t.len;
    }
    is_single_period = is_single_period && dots == 1;
    const std::size_t run_end = j;
    while (j < para.size()) {
      const CodePoint t = decode(para, j);
      if (!is_closer(t.cp)) {
        break;
      }
      j += t.len;
    }
    const std::size_t end = j;
    if (end >= para.size()) {
      break;
    }
    bool ends = false;
    if (is_spaceless) {
      ends = true;
    } else if (is_space(decode(para, end).cp)) {
      // Anything glued to the terminator (3.5, example.com, U.S.-China, a.m.) never ends.
      std::size_t k = end;
      while (k < para.size()) {
        const CodePoint n = decode(para, k);
        if (!is_space(n.cp) && !is_opener(n.cp)) {
          break;
        }
        k += n.len;
      }
      if (k < para.size() && !is_lower(decode(para, k).cp)) {
        const std::string_view token = para.substr(token_start, i - token_start);
        if (!is_single_period) {
          ends = true;
        } else if (trim(para.substr(start, token_start - start)).empty() &&
                   std::all_of(token.begin(), token.end(),
                               [](char ch) { return ch >= '0' && ch <= '9'; })) {
          // A list number ("1. The first point") is not a sentence of its own.
          ends = false;
        } else {
          ends = period_ends_sentence(token, para, k);
        }
      }
    }
    if (ends) {
      emit(end);
    }
    i = run_end;
  }
  emit(para.size());
}

// The line reduced for phrase matching: lower case, runs of spaces as one ' ', and without the
// bullets, arrows and icons that often lead a link line ("» Read more", "▶ Watch"). Opening
// quotes are kept: a paragraph that opens with a quotation is not a prompt.
std::string normalise_line(std::string_view line) {
  std::size_t begin = 0;
  while (begin < line.size()) {
    const CodePoint c = decode(line, begin);
    if (is_word_char(c.cp) || c.cp == '"' || c.cp == '\'' || c.cp == 0x201C || c.cp == 0x2018 ||
        c.cp == 0x201E || c.cp == 0xA9 || c.cp == '@' ||
        (c.cp == '(' && starts_with_ci_ascii(line.substr(begin), "(c)"))) {
      break;
    }
    begin += c.len;
  }
  const std::string low = lower(line.substr(begin));
  std::string out;
  out.reserve(low.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < low.size();) {
    const CodePoint c = decode(low, i);
    if (is_space(c.cp)) {
      pending_space = !out.empty();
    } else {
      if (pending_space) {
        out.push_back(' ');
        pending_space = false;
      }
      out.append(low, i, c.len);
    }
    i += c.len;
  }
  return out;
}

// `low` starts with `phrase` as whole words.
bool starts_with_phrase(std::string_view low, std::string_view phrase) noexcept {
  if (!low.starts_with(phrase)) {
    return false;
  }
  if (low.size() == phrase.size() ||
      !is_word_char(decode(phrase, previous_start(phrase, phrase.size())).cp)) {
    return true;
  }
  return !is_word_char(decode(low, phrase.size()).cp);
}

bool starts_with_any(std::string_view low, std::span<const std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](std::string_view p) { return starts_with_phrase(low, p); });
}

bool contains_any(std::string_view low, std::span<const std::string_view> phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](std::string_view p) { return contains(low, p); });
}

// Ends like a sentence (". ! ?"), as opposed to a link or label; an ellipsis does not count,
// "Read more..." is a link.
bool ends_like_sentence(std::string_view line) noexcept {
  std::size_t end = line.size();
  while (end > 0) {
    const std::size_t start = previous_start(line, end);
    if (!is_closer(decode(line, start).cp)) {
      break;
    }
    end = start;
  }
  if (end == 0) {
    return false;
  }
  const std::size_t last = previous_start(line, end);
  const char32_t cp = decode(line, last).cp;
  if (cp == '.') {
    return !(last > 0 && line[last - 1] == '.');
  }
  return cp == '!' || cp == '?' || cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F;
}

// Words that make up share bars, menus and link rows ("Facebook Twitter Email", "Sign in").
bool is_ui_word(std::string_view w) noexcept {
  return is_one_of({"ad",        "ads",      "advertisement", "bookmark",  "close",     "comment",
                    "comments",  "copy",     "e-mail",        "email",     "facebook",  "flipboard",
                    "follow",    "gift",     "home",          "instagram", "link",      "linkedin",
                    "listen",    "log",      "login",         "logout",    "mail",      "menu",
                    "messenger", "min",      "mins",          "next",      "pinterest", "pocket",
                    "prev",      "previous", "print",         "reddit",    "register",  "reply",
                    "save",      "search",   "share",         "sign",      "skip",      "sponsored",
                    "subscribe", "telegram", "threads",       "tiktok",    "top",       "tweet",
                    "twitter",   "url",      "whatsapp",      "x",         "youtube"},
                   w);
}

// Words that may sit between UI words without making the line prose ("Share this article").
bool is_ui_filler(std::string_view w) noexcept {
  return is_one_of({"article", "in", "link", "more", "on", "out", "page", "read", "story", "the",
                    "this", "to", "up", "us", "via"},
                   w);
}

bool is_ui_row(const std::vector<Word>& ws) {
  if (ws.empty() || ws.size() > 8) {
    return false;
  }
  bool has_ui = false;
  for (const Word& w : ws) {
    const std::string low = lower(w.text);
    const bool is_number =
        std::all_of(low.begin(), low.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (is_ui_word(low)) {
      has_ui = true;
    } else if (!is_ui_filler(low) && !is_number) {
      return false;
    }
  }
  return has_ui;
}

bool is_date_word(std::string_view w) noexcept {
  return is_one_of(
      {"a.m",      "ago",      "am",       "apr",       "april",   "at",        "aug",
       "august",   "bst",      "cet",      "cest",      "ct",      "day",       "days",
       "dec",      "december", "edt",      "est",       "et",      "feb",       "february",
       "fri",      "friday",   "gmt",      "hour",      "hours",   "hr",        "hrs",
       "jan",      "january",  "jul",      "july",      "jun",     "june",      "mar",
       "march",    "may",      "min",      "mins",      "minute",  "minutes",   "mon",
       "monday",   "nov",      "november", "oct",       "october", "on",        "p.m",
       "pdt",      "pm",       "posted",   "pst",       "pt",      "published", "sat",
       "saturday", "sep",      "sept",     "september", "sun",     "sunday",    "thu",
       "thursday", "tue",      "tuesday",  "updated",   "utc",     "wed",       "wednesday"},
      w);
}

// A line of nothing but ids, URLs, numbers and dates ("5f3a9c7e2b1d", "https://…",
// "Updated March 3, 2024 10:32 a.m. ET").
bool is_token_line(std::string_view low) {
  bool has_token = false;
  std::size_t i = 0;
  while (i < low.size()) {
    std::size_t end = low.find(' ', i);
    if (end == std::string_view::npos) {
      end = low.size();
    }
    std::string_view token = low.substr(i, end - i);
    i = end + 1;
    // Surrounding punctuation is not part of the token: "(2024)", "10:32,", "a.m.".
    while (!token.empty()) {
      const CodePoint c = decode(token, 0);
      if (is_word_char(c.cp) || looks_like_id(token)) {
        break;
      }
      token.remove_prefix(c.len);
    }
    while (!token.empty() && !looks_like_id(token)) {
      const std::size_t last = previous_start(token, token.size());
      if (is_word_char(decode(token, last).cp)) {
        break;
      }
      token.remove_suffix(token.size() - last);
    }
    if (token.empty()) {
      continue;
    }
    if (looks_like_id(token)) {
      has_token = true;
    } else if (is_date_word(token)) {
      has_token = has_token || (token != "at" && token != "on");
    } else {
      return false;
    }
  }
  return has_token;
}

// Navigation crumbs and link rows: "Home > World > Europe", "News | Sport | Weather".
bool is_crumb_line(std::string_view low, std::size_t word_count) {
  if (word_count == 0 || word_count > 12 || ends_like_sentence(low)) {
    return false;
  }
  std::size_t separators = 0;
  std::size_t longest = 0;
  std::size_t current = 0;
  for (std::size_t i = 0; i < low.size();) {
    const CodePoint c = decode(low, i);
    const bool is_separator = c.cp == '>' || c.cp == '|' || c.cp == '/' || c.cp == 0xBB ||
                              c.cp == 0x203A || c.cp == 0x2022 || c.cp == 0xB7 || c.cp == 0x2192 ||
                              c.cp == 0x25B8;
    const bool is_spaced =
        i > 0 && low[i - 1] == ' ' && i + c.len < low.size() && low[i + c.len] == ' ';
    if (is_separator && is_spaced) {
      ++separators;
      longest = std::max(longest, current);
      current = 0;
    } else if (c.cp == ' ') {
      ++current;
    }
    i += c.len;
  }
  longest = std::max(longest, current);
  return (separators >= 2 || (separators == 1 && starts_with_phrase(low, "home"))) && longest <= 5;
}

// "By Jane Doe and John Smith, Reuters": a byline of capitalised names.
bool is_byline(std::string_view line, std::string_view low, const std::vector<Word>& ws) {
  if (!starts_with_phrase(low, "by") || ws.size() < 2 || ws.size() > 10 ||
      ends_like_sentence(line)) {
    return false;
  }
  for (std::size_t k = 1; k < ws.size(); ++k) {
    const std::string w = lower(ws[k].text);
    if (!starts_upper(ws[k].text) && w != "and" && w != "in" && w != "for" && w != "of") {
      return false;
    }
  }
  return true;
}

// Starts of prompts and notices that are boilerplate at any length. Matched against the
// normalised line (lower case, no leading bullets), as whole words.
constexpr std::string_view k_notice_starts[] = {
    "about the author", "about the writer", "about the reporter", "about the contributor",
    "source link", "scroll to top", "back to top", "skip to content", "skip to main content",
    "skip to navigation", "©", "(c)", "read more:", "read more »", "read more >", "read more ›",
    "read more at", "read more here",
    "read also:", "also read:", "see also:", "related:", "related articles", "related stories",
    "related coverage", "related content", "related posts", "related reading",
    "more:", "watch:", "listen:", "listen to this article", "tags:", "topics:", "filed under",
    "posted in", "categories:", "category:", "editor's note:", "this article originally appeared",
    "this story originally appeared", "this article first appeared", "this story first appeared",
    "this article was originally", "this story was originally", "originally published",
    "photo:", "photograph:", "photos:", "image:", "picture:", "credit:", "caption:", "image source",
    "image caption", "media caption", "click here", "tap here", "share this", "share on facebook",
    "share on twitter", "share on x", "share on linkedin", "share on whatsapp", "share via",
    "print this", "email this", "sponsored content", "sponsored by", "paid content",
    "promoted content", "please enable javascript", "leave a comment", "join the conversation",
    "previous article", "next article", "previous post", "next post", "subscribe to our",
    "sign up for our", "sign up to our", "get our newsletter", "download our app",
    "download the app", "get the app", "updated:", "published:", "last updated", "first published",
    "posted:", "advertisement -", "advertisement:", "advertisement ·", "ad:", "reporting by",
    "additional reporting by", "writing by", "editing by", "support our journalism",
    "support independent journalism",
    // The same prompts on Spanish, German and French sites.
    "lee también", "lea también", "leer más:", "ver también:", "fuente:", "suscríbete a",
    "lesen sie auch", "mehr zum thema", "quelle:", "jetzt abonnieren", "lire aussi", "à lire aussi",
    "abonnez-vous à"};

// Parts of cookie notices, rights lines, feed footers and newsletter prompts, boilerplate
// wherever they appear. They address the reader ("we use", "our newsletter"), which an article
// about cookies or newsletters does not.
constexpr std::string_view k_notice_parts[] = {"all rights reserved",
                                               "appeared first on",
                                               "we use cookies",
                                               "this site uses cookies",
                                               "this website uses cookies",
                                               "our site uses cookies",
                                               "our website uses cookies",
                                               "our use of cookies",
                                               "accept all cookies",
                                               "by continuing to browse",
                                               "by continuing to use this",
                                               "by continuing to use our",
                                               "by using this site",
                                               "by using this website",
                                               "by using our site",
                                               "subscribe to our newsletter",
                                               "sign up for our newsletter",
                                               "sign up to our newsletter",
                                               "delivered to your inbox",
                                               "straight to your inbox",
                                               "share this article",
                                               "share this story",
                                               "follow us on",
                                               "like us on facebook",
                                               "support our journalism",
                                               "support independent journalism",
                                               "click here to",
                                               "enable javascript",
                                               "javascript is disabled",
                                               "utilizamos cookies",
                                               "usamos cookies",
                                               "todos los derechos reservados",
                                               "wir verwenden cookies",
                                               "alle rechte vorbehalten",
                                               "nous utilisons des cookies",
                                               "tous droits réservés"};

// Link prompts, boilerplate when the line is short, with or without a full stop: "Read more
// about the budget in our explainer." A longer line starting the same way is prose ("Read more
// than 300 pages of the report and ...").
constexpr std::string_view k_link_starts[] = {
    "read more",         "read next",           "read also",
    "also read",         "read the full",       "read our",
    "continue reading",  "keep reading",        "see more",
    "more on this",      "more stories",        "more news",
    "you may also like", "you might also like", "don't miss",
    "watch the video",   "watch video",         "watch live",
    "watch now",         "listen now",          "leer más",
    "weiterlesen",       "lire la suite"};

// Labels: boilerplate when the line is short and does not end like a sentence. "Advertisement"
// and "Follow us" are, "Advertisement spending rose 4% in the quarter." is not.
constexpr std::string_view k_label_starts[] = {
    "advertisement",  "sponsored",  "promoted",     "related",        "recommended", "see also",
    "more from",      "most read",  "most popular", "trending",       "up next",     "subscribe",
    "sign up",        "newsletter", "follow",       "like us",        "join us",     "share",
    "tweet",          "email",      "print",        "comments",       "log in",      "login",
    "sign in",        "register",   "menu",         "search",         "home",        "loading",
    "getty images",   "source:",    "sources:",     "cookie",         "cookies",     "accept",
    "privacy policy", "terms of",   "contact us",   "download",       "image",       "photo",
    "video",          "publicidad", "anuncio",      "compartir",      "comparte",    "suscríbete",
    "werbung",        "anzeige",    "teilen",       "artikel teilen", "publicité",   "partager",
    "abonnez-vous"};

// "Copyright 2024 …", "Copyright © …", but not "Copyright lawsuits multiplied."
bool is_copyright_line(std::string_view low) noexcept {
  if (!starts_with_phrase(low, "copyright")) {
    return false;
  }
  std::string_view after = low.substr(std::string_view("copyright").size());
  if (!after.empty()) {
    after.remove_prefix(1);
  }
  return after.empty() || after.starts_with("©") || after.starts_with("(c)") ||
         (after.front() >= '0' && after.front() <= '9');
}

} // namespace

bool is_boilerplate_line(std::string_view line) {
  line = trim(line);
  if (line.empty()) {
    return true;
  }
  const std::string low = normalise_line(line);
  if (low.empty()) {
    return true; // only bullets, arrows or icons
  }
  const std::vector<Word> ws = words(line);
  const bool is_short = ws.size() <= 12;
  const bool is_label = ws.size() <= 3 || (is_short && !ends_like_sentence(line));
  if (starts_with_any(low, k_notice_starts) || contains_any(low, k_notice_parts) ||
      is_copyright_line(low)) {
    return true;
  }
  if ((is_short && starts_with_any(low, k_link_starts)) ||
      (is_label && starts_with_any(low, k_label_starts))) {
    return true;
  }
  return is_ui_row(ws) || is_token_line(low) || is_crumb_line(low, ws.size()) ||
         is_byline(line, low, ws);
}

std::vector<std::string_view> content_lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view line = trim(text.substr(begin, end - begin));
    if (!line.empty() && !is_boilerplate_line(line)) {
      out.push_back(line);
    }
    begin = end + 1;
  }
  return out;
}

std::vector<Sentence> split_sentences(std::string_view text) {
  std::vector<Sentence> out;
  const std::vector<std::string_view> lines = content_lines(text);
  for (std::size_t p = 0; p < lines.size(); ++p) {
    split_paragraph(lines[p], p, out);
  }
  return out;
}

std::vector<Word> words(std::string_view text) {
  std::vector<Word> out;
  std::size_t i = 0;
  std::size_t start = 0;
  bool in_word = false;
  while (i < text.size()) {
    const CodePoint c = decode(text, i);
    if (is_word_char(c.cp)) {
      if (!in_word) {
        start = i;
        in_word = true;
      }
      i += c.len;
      continue;
    }
    if (in_word && (is_apostrophe(c.cp) || is_hyphen(c.cp)) && i + c.len < text.size() &&
        is_word_char(decode(text, i + c.len).cp)) {
      i += c.len;
      continue;
    }
    if (in_word) {
      out.push_back(Word{text.substr(start, i - start), start});
      in_word = false;
    }
    i += c.len;
  }
  if (in_word) {
    out.push_back(Word{text.substr(start), start});
  }
  return out;
}

std::string lower(std::string_view word) {
  std::string out;
  out.reserve(word.size());
  for (std::size_t i = 0; i < word.size();) {
    const CodePoint c = decode(word, i);
    if (c.cp == 0xFFFD && c.len == 1) {
      out.push_back(word[i]); // not UTF-8: left as it is
    } else if (c.cp < 0x80) {
      out.push_back(static_cast<char>(to_lower(c.cp)));
    } else {
      encode(to_lower(c.cp), out);
    }
    i += c.len;
  }
  return out;
}

bool starts_upper(std::string_view word) {
  for (std::size_t i = 0; i < word.size();) {
    const CodePoint c = decode(word, i);
    if (is_word_char(c.cp) && !is_ascii_digit(c.cp)) {
      return is_upper(c.cp);
    }
    i += c.len;
  }
  return false;
}

bool is_stop_word(std::string_view lower_word) {
  return std::binary_search(k_stop_words.begin(), k_stop_words.end(), lower_word);
}

bool looks_like_id(std::string_view token) {
  if (token.empty()) {
    return false;
  }
  if (starts_with_ci_ascii(token, "http://") || starts_with_ci_ascii(token, "https://") ||
      starts_with_ci_ascii(token, "www.") || contains(token, "://")) {
    return true;
  }
  if (const std::size_t at = token.find('@'); at != std::string_view::npos && at > 0 &&
                                              token.find('.', at) != std::string_view::npos &&
                                              token.find('.', at) + 1 < token.size()) {
    return true;
  }
  std::size_t digits = 0;
  std::size_t letters = 0;
  std::size_t hex_letters = 0;
  std::size_t number_punct = 0;
  std::size_t separators = 0;
  std::size_t other = 0;
  std::size_t transitions = 0;
  int last_kind = 0; // 1 letter, 2 digit
  for (const char ch : token) {
    int kind = 0;
    if (ch >= '0' && ch <= '9') {
      ++digits;
      kind = 2;
    } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
      ++letters;
      hex_letters += (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') ? 1 : 0;
      kind = 1;
    } else if (ch == '-' || ch == '_') {
      ++separators;
    } else if (ch == '.' || ch == ',' || ch == ':' || ch == '/' || ch == '+' || ch == '%') {
      ++number_punct;
    } else {
      ++other;
    }
    if (kind != 0) {
      transitions += (last_kind != 0 && kind != last_kind) ? 1 : 0;
      last_kind = kind;
    }
  }
  if (other > 0) {
    return false;
  }
  // Numbers, dates and times: 42, 1,000.25, 2024-03-01, 10:32.
  if (letters == 0) {
    return digits > 0;
  }
  if (number_punct > 0) {
    return false;
  }
  // Hex strings and UUIDs.
  if (letters == hex_letters && digits + letters >= 8 && (separators == 0 || digits > 0)) {
    return true;
  }
  // Letters mixed with digits the way generated ids are (a1b2c3d4, abc123def), unlike names
  // such as G20, H5N1, COVID-19 or iPhone15.
  if (digits > 0) {
    return transitions >= 4 || (digits + letters >= 8 && digits >= 2 && transitions >= 2);
  }
  return false;
}

} // namespace feedwire::text
