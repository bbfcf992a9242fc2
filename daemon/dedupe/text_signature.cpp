#include "dedupe/text_signature.hpp"

#include "util/hash.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <span>
#include <vector>

namespace fw::dedupe {
namespace {

constexpr std::size_t k_packed_bytes = k_signature_bins * k_signature_bits / 8;
constexpr std::uint8_t k_layout_version = 1;
constexpr std::size_t k_serialized_size = 1 + 4 + 4 + k_packed_bytes + 4 * k_signature_bands;
static_assert(k_signature_bits == 4, "the packing and the estimator assume 4-bit minima");
static_assert(std::has_single_bit(k_signature_bins), "bin selection uses the top hash bits");
static_assert(k_signature_bands * k_band_rows <= k_signature_bins);

// Chance that two different 32-bit minima agree on their kept bits.
constexpr double k_chance = 1.0 / (1U << k_signature_bits);

// Paragraphs longer than this are content, whatever words they contain.
constexpr std::size_t k_boilerplate_max_tokens = 40;
// Single telltale words ("facebook", "subscribe") only mark a paragraph this short.
constexpr std::size_t k_boilerplate_word_max_tokens = 12;
// A paragraph this short holding a dash or a parenthesis is a dateline or a sign-off
// ("(WIRE PRESS) —", "Cedar Falls – Wire Press", "— Global News Agency").
constexpr std::size_t k_dateline_max_tokens = 6;

constexpr std::uint64_t k_token_seed = 0x9e3779b97f4a7c15ULL;

// Eight bytes at p, the first in the lowest bits (as TokenHasher::byte() packs them, and as
// ascii_word_end() numbers them).
std::uint64_t load8(const char* p) noexcept {
  std::uint64_t w = 0;
  std::memcpy(&w, p, 8);
  if constexpr (std::endian::native == std::endian::big) {
    w = __builtin_bswap64(w);
  }
  return w;
}

// Token hash: bytes packed eight to a word, one multiply per word instead of one per byte (the
// tokeniser is most of the cost of a signature).
class TokenHasher {
public:
  constexpr void byte(unsigned char c) noexcept {
    m_acc |= static_cast<std::uint64_t>(c) << m_shift;
    m_shift += 8;
    ++m_length;
    if (m_shift == 64) {
      m_h = (m_h ^ m_acc) * 0x9e3779b97f4a7c15ULL;
      m_h ^= m_h >> 32;
      m_acc = 0;
      m_shift = 0;
    }
  }
  // A whole token of n ASCII letters and digits at p, on a fresh hasher: the same hash as
  // byte(lower-cased) for each, eight bytes to a load. `avail` bytes from p may be read (n or
  // more).
  void ascii_token(const char* p, std::size_t n, std::size_t avail) noexcept {
    // In letters and digits, setting bit 5 lower-cases the letters and leaves the digits.
    constexpr std::uint64_t k_lower = 0x2020202020202020ULL;
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8) {
      m_h = (m_h ^ (load8(p + k) | k_lower)) * 0x9e3779b97f4a7c15ULL;
      m_h ^= m_h >> 32;
    }
    if (const std::size_t rest = n - k; rest > 0) {
      std::uint64_t w = 0;
      if (avail - k >= 8) {
        w = load8(p + k) & (~std::uint64_t{0} >> (8 * (8 - rest)));
      } else {
        for (std::size_t b = 0; b < rest; ++b) {
          w |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[k + b])) << (8 * b);
        }
      }
      m_acc = w | (k_lower >> (8 * (8 - rest)));
      m_shift = static_cast<unsigned>(8 * rest);
    }
    m_length = n;
  }
  [[nodiscard]] constexpr std::size_t length() const noexcept { return m_length; }
  [[nodiscard]] constexpr std::uint64_t value() const noexcept {
    return util::mix64((m_h ^ m_acc) * 0xff51afd7ed558ccdULL + m_length);
  }

private:
  std::uint64_t m_h = k_token_seed;
  std::uint64_t m_acc = 0;
  unsigned m_shift = 0;
  std::size_t m_length = 0;
};

constexpr std::uint64_t token_hash(std::string_view lower_word) noexcept {
  TokenHasher h;
  for (const char c : lower_word) {
    h.byte(static_cast<unsigned char>(c));
  }
  return h.value();
}

// Multi-word markers of boilerplate (lower case, split on spaces when hashed).
constexpr std::string_view k_phrases[] = {
    "originally appeared",
    "originally published",
    "first appeared",
    "first published",
    "appeared first",
    "was published on",
    "read more",
    "continue reading",
    "read the full",
    "read the original",
    "full story",
    "more from",
    "share this",
    "share on",
    "follow us",
    "click here",
    "all rights reserved",
    "sign up",
    "reporting by",
    "editing by",
    "writing by",
    "additional reporting",
    "contributed to this report",
    "this article",
    "this story",
    "republished with permission",
    "used with permission",
    "for more news",
    "related stories",
    "related coverage",
    "image credit",
    "photo credit",
    "this post",
};
// Single words that mark a short paragraph as boilerplate.
constexpr std::string_view k_words[] = {
    "facebook",  "twitter",     "whatsapp",  "linkedin",      "reddit",    "email",   "newsletter",
    "subscribe", "subscribers", "copyright", "advertisement", "sponsored", "related", "share",
};

struct Pattern {
  std::uint64_t hashes[6];
  std::size_t size;
};

struct Patterns {
  std::vector<Pattern> phrases;
  std::vector<std::uint64_t> words;
};

const Patterns& patterns() {
  static const Patterns p = [] {
    Patterns out;
    for (const std::string_view phrase : k_phrases) {
      Pattern pat{};
      std::size_t start = 0;
      while (start < phrase.size() && pat.size < std::size(pat.hashes)) {
        std::size_t end = phrase.find(' ', start);
        if (end == std::string_view::npos) {
          end = phrase.size();
        }
        pat.hashes[pat.size++] = token_hash(phrase.substr(start, end - start));
        start = end + 1;
      }
      out.phrases.push_back(pat);
    }
    for (const std::string_view word : k_words) {
      out.words.push_back(token_hash(word));
    }
    return out;
  }();
  return p;
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Bytes of a UTF-8 punctuation or symbol character at s[i] that separates words (Latin-1
// punctuation and symbols U+00A0..U+00BF, General Punctuation U+2000..U+206F, CJK punctuation
// U+3000..U+303F), or 0 when s[i] starts a letter.
std::size_t separator_len(std::string_view s, std::size_t i) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  if (i + 1 >= s.size()) {
    return 0;
  }
  const auto d = static_cast<unsigned char>(s[i + 1]);
  if (c == 0xC2 && d >= 0xA0 && d <= 0xBF) {
    return 2;
  }
  if (c == 0xC3 && (d == 0x97 || d == 0xB7)) { // × ÷
    return 2;
  }
  if (i + 2 < s.size() && ((c == 0xE2 && (d == 0x80 || d == 0x81)) || (c == 0xE3 && d == 0x80))) {
    return 3;
  }
  return 0;
}

// What an ASCII byte is to the tokeniser: 0 separates words, anything else is the byte to hash
// (letters lower-cased).
constexpr std::array<unsigned char, 128> k_ascii = [] {
  std::array<unsigned char, 128> t{};
  for (int c = '0'; c <= '9'; ++c) {
    t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c);
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    t[static_cast<std::size_t>(c)] = static_cast<unsigned char>(c);
    t[static_cast<std::size_t>(c - 'a' + 'A')] = static_cast<unsigned char>(c);
  }
  return t;
}();

// Where the run of ASCII letters and digits from s[i] ends: eight bytes at a time (one test
// finds the end of most words), the last few one by one.
std::size_t ascii_word_end(std::string_view s, std::size_t i) noexcept {
  constexpr auto rep = [](unsigned char b) { return 0x0101010101010101ULL * b; };
  constexpr std::uint64_t k_high = rep(0x80);
  while (i + 8 <= s.size()) {
    const std::uint64_t x = load8(s.data() + i);
    // Per byte, with the high bit cleared so that no sum carries into the next byte: the high
    // bit of y + (0x80 - lo) is set when y >= lo, that of y + (0x7F - hi) when y > hi.
    const std::uint64_t y = x & ~k_high;
    const std::uint64_t l = y | rep(0x20); // letters lower-cased
    const std::uint64_t letters = (l + rep(0x80 - 'a')) & ~(l + rep(0x7F - 'z'));
    const std::uint64_t digits = (y + rep(0x80 - '0')) & ~(y + rep(0x7F - '9'));
    // A byte that is neither, or above 0x7F, ends the word.
    if (const std::uint64_t end = (~(letters | digits) | x) & k_high; end != 0) {
      return i + static_cast<std::size_t>(std::countr_zero(end)) / 8;
    }
    i += 8;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80 &&
         k_ascii[static_cast<unsigned char>(s[i])] != 0) {
    ++i;
  }
  return i;
}

// Tokens of one paragraph, and what the dateline test needs to know about its punctuation.
struct ParagraphFlags {
  bool has_dash_or_paren = false;
  bool has_copyright_sign = false;
};

// Appends the token hashes of `s` to `out`. Lower-cases the letters copies are likely to
// upper-case: ASCII, Latin-1, basic Greek and Cyrillic.
ParagraphFlags scan_paragraph(std::string_view s, std::vector<std::uint64_t>& out) {
  ParagraphFlags flags;
  TokenHasher cur;
  const auto flush = [&]() __attribute__((always_inline)) {
    if (cur.length() > 0) {
      out.push_back(cur.value());
    }
    cur = TokenHasher{};
  };
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (k_ascii[c] != 0 && cur.length() == 0) {
        // A token starting here: its run of ASCII letters and digits in one go.
        const std::size_t j = ascii_word_end(s, i + 1);
        cur.ascii_token(s.data() + i, j - i, s.size() - i);
        i = j;
        continue;
      }
      if (const unsigned char lower = k_ascii[c]; lower != 0) {
        cur.byte(lower);
      } else if ((c == '.' || c == ',') && i > 0 && i + 1 < s.size() && is_digit(s[i - 1]) &&
                 is_digit(s[i + 1])) {
        // "1.25" and "4,512" are one number: their digits alone would match across stories.
        cur.byte(c);
      } else {
        flush();
        if (c == '-' || c == '(' || c == ')') {
          flags.has_dash_or_paren = true;
        }
      }
      ++i;
      continue;
    }
    if (const std::size_t n = separator_len(s, i); n > 0) {
      flush();
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if (n == 3 && c == 0xE2 && d == 0x80) {
        const auto e = static_cast<unsigned char>(s[i + 2]);
        if (e >= 0x90 && e <= 0x95) { // hyphens and dashes
          flags.has_dash_or_paren = true;
        }
      }
      if (n == 2 && c == 0xC2 && d == 0xA9) {
        flags.has_copyright_sign = true;
      }
      i += n;
      continue;
    }
    // Two-byte lower-casing of Latin-1 (C3 80..9E), Greek (CE 91..A9) and Cyrillic (D0 80..AF).
    if (i + 1 < s.size()) {
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if (c == 0xC3 && d >= 0x80 && d <= 0x9E) {
        cur.byte(c);
        cur.byte(static_cast<unsigned char>(d + 0x20));
        i += 2;
        continue;
      }
      if (c == 0xCE && (d == 0x86 || (d >= 0x88 && d <= 0x8A))) { // Ά Έ Ή Ί
        cur.byte(0xCE);
        cur.byte(static_cast<unsigned char>(d == 0x86 ? 0xAC : d + 0x25));
        i += 2;
        continue;
      }
      if (c == 0xCE && (d == 0x8C || d == 0x8E || d == 0x8F)) { // Ό Ύ Ώ
        cur.byte(0xCF);
        cur.byte(static_cast<unsigned char>(d == 0x8C ? 0x8C : d - 1));
        i += 2;
        continue;
      }
      if (c == 0xCE && d >= 0x91 && d <= 0xA9) {
        if (d <= 0x9F) {
          cur.byte(0xCE);
          cur.byte(static_cast<unsigned char>(d + 0x20));
        } else {
          cur.byte(0xCF);
          cur.byte(static_cast<unsigned char>(d - 0x20));
        }
        i += 2;
        continue;
      }
      if (c == 0xD0 && d >= 0x80 && d <= 0xAF) {
        if (d <= 0x8F) {
          cur.byte(0xD1);
          cur.byte(static_cast<unsigned char>(d + 0x10));
        } else if (d <= 0x9F) {
          cur.byte(0xD0);
          cur.byte(static_cast<unsigned char>(d + 0x20));
        } else {
          cur.byte(0xD1);
          cur.byte(static_cast<unsigned char>(d - 0x20));
        }
        i += 2;
        continue;
      }
    }
    cur.byte(c);
    ++i;
  }
  flush();
  return flags;
}

bool is_boilerplate(std::span<const std::uint64_t> tokens, ParagraphFlags p) {
  const std::size_t n = tokens.size();
  if (n == 0) {
    return true;
  }
  if (n > k_boilerplate_max_tokens) {
    return false;
  }
  if (p.has_copyright_sign) {
    return true;
  }
  if (n <= k_dateline_max_tokens && p.has_dash_or_paren) {
    return true;
  }
  const Patterns& pats = patterns();
  if (n <= k_boilerplate_word_max_tokens) {
    for (const std::uint64_t t : tokens) {
      if (std::find(pats.words.begin(), pats.words.end(), t) != pats.words.end()) {
        return true;
      }
    }
  }
  for (const Pattern& pat : pats.phrases) {
    if (pat.size > n) {
      continue;
    }
    for (std::size_t i = 0; i + pat.size <= n; ++i) {
      if (tokens[i] == pat.hashes[0] &&
          std::equal(pat.hashes, pat.hashes + pat.size, tokens.begin() + static_cast<long>(i))) {
        return true;
      }
    }
  }
  return false;
}

std::uint64_t shingle_hash(std::span<const std::uint64_t> words) noexcept {
  std::uint64_t h = 0;
  for (const std::uint64_t w : words) {
    h = std::rotl(h, 23) ^ w;
    h *= 0x9e3779b97f4a7c15ULL;
  }
  return util::mix64(h);
}

// The common case: token hashes are already well mixed, so one multiply combines three
// (rotations keep "a b c" apart from "c b a").
std::uint64_t shingle_hash3(std::uint64_t a, std::uint64_t b, std::uint64_t c) noexcept {
  std::uint64_t h = (a ^ std::rotl(b, 21) ^ std::rotl(c, 42)) * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 32);
}

class MinHasher {
public:
  MinHasher() noexcept { m_min.fill(k_empty); }

  void add(std::uint64_t shingle) noexcept {
    const auto bin = static_cast<std::size_t>(shingle >> (64 - std::countr_zero(k_signature_bins)));
    const auto value = static_cast<std::uint32_t>(shingle);
    m_min[bin] = std::min(m_min[bin], value);
    ++m_count;
  }

  // Adds the shingles of one segment (title or text): every run of k_shingle_words tokens, or
  // one shingle of all of them when the segment is shorter.
  void add_segment(std::span<const std::uint64_t> tokens) noexcept {
    static_assert(k_shingle_words == 3);
    if (tokens.empty()) {
      return;
    }
    if (tokens.size() < k_shingle_words) {
      add(shingle_hash(tokens));
      return;
    }
    for (std::size_t i = 0; i + 2 < tokens.size(); ++i) {
      add(shingle_hash3(tokens[i], tokens[i + 1], tokens[i + 2]));
    }
  }

  [[nodiscard]] std::uint32_t count() const noexcept { return m_count; }

  // Fills empty bins from other bins chosen by a hash of (bin, attempt), the same for every
  // text ("optimal densification", Shrivastava 2017), so that empty bins still agree exactly
  // when the sets agree.
  // A bin whose only value is k_empty counts as empty: the same for every text, so harmless.
  std::array<std::uint32_t, k_signature_bins> finish() const noexcept {
    std::array<std::uint32_t, k_signature_bins> out = m_min;
    if (m_count == 0) {
      out.fill(0);
      return out;
    }
    for (std::size_t i = 0; i < k_signature_bins; ++i) {
      if (m_min[i] != k_empty) {
        continue;
      }
      for (std::uint64_t attempt = 1;; ++attempt) {
        const std::uint64_t h = util::mix64((static_cast<std::uint64_t>(i) << 32) ^ attempt);
        const std::size_t j = static_cast<std::size_t>(h % k_signature_bins);
        if (m_min[j] != k_empty) {
          out[i] = m_min[j];
          break;
        }
      }
    }
    return out;
  }

private:
  static constexpr std::uint32_t k_empty = 0xFFFFFFFF;
  std::array<std::uint32_t, k_signature_bins> m_min{};
  std::uint32_t m_count = 0;
};

std::uint8_t low_bits(std::uint32_t minimum) noexcept {
  return static_cast<std::uint8_t>((minimum * 0x9e3779b1U) >> (32 - k_signature_bits));
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

std::uint32_t get_u32(std::string_view in, std::size_t at) noexcept {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  }
  return v;
}

} // namespace

TextSignature text_signature(std::string_view title, std::string_view text) {
  // Reused across calls on the same thread: a signature is computed per story, and the
  // allocations would otherwise dominate for short texts.
  thread_local std::vector<std::uint64_t> title_tokens;
  thread_local std::vector<std::uint64_t> kept;

  MinHasher hasher;
  std::uint32_t tokens = 0;

  title_tokens.clear();
  scan_paragraph(title, title_tokens);
  tokens += static_cast<std::uint32_t>(title_tokens.size());
  hasher.add_segment(title_tokens);

  // Text shingles run across paragraph boundaries, so that a moved paragraph costs only the
  // shingles at its two edges; boilerplate paragraphs are left out entirely.
  kept.clear();
  kept.reserve(text.size() / 2 + 1); // at most one token per two bytes
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::size_t first = kept.size();
    const ParagraphFlags flags = scan_paragraph(text.substr(start, end - start), kept);
    if (is_boilerplate(std::span(kept).subspan(first), flags)) {
      kept.resize(first);
    }
    start = end + 1;
  }
  tokens += static_cast<std::uint32_t>(kept.size());
  hasher.add_segment(kept);

  TextSignature sig;
  sig.shingles = hasher.count();
  sig.tokens = tokens;
  if (sig.shingles == 0) {
    return sig;
  }
  const std::array<std::uint32_t, k_signature_bins> mins = hasher.finish();
  for (std::size_t i = 0; i < k_signature_bins; i += 2) {
    sig.minima[i / 2] = static_cast<std::uint8_t>(low_bits(mins[i]) | (low_bits(mins[i + 1]) << 4));
  }
  for (std::size_t b = 0; b < k_signature_bands; ++b) {
    std::uint64_t h = util::mix64(0x5bd1e995ULL + b);
    for (std::size_t r = 0; r < k_band_rows; ++r) {
      h = util::mix64(h ^ mins[b * k_band_rows + r]);
    }
    sig.band_keys[b] = static_cast<std::uint32_t>(h >> 32);
  }
  return sig;
}

std::string serialize(const TextSignature& signature) {
  std::string out;
  out.reserve(k_serialized_size);
  out.push_back(static_cast<char>(k_layout_version));
  put_u32(out, signature.shingles);
  put_u32(out, signature.tokens);
  out.append(reinterpret_cast<const char*>(signature.minima.data()), signature.minima.size());
  for (const std::uint32_t key : signature.band_keys) {
    put_u32(out, key);
  }
  return out;
}

std::optional<TextSignature> deserialize_signature(std::string_view bytes) {
  if (bytes.size() != k_serialized_size ||
      static_cast<unsigned char>(bytes[0]) != k_layout_version) {
    return std::nullopt;
  }
  TextSignature sig;
  sig.shingles = get_u32(bytes, 1);
  sig.tokens = get_u32(bytes, 5);
  std::memcpy(sig.minima.data(), bytes.data() + 9, k_packed_bytes);
  for (std::size_t b = 0; b < k_signature_bands; ++b) {
    sig.band_keys[b] = get_u32(bytes, 9 + k_packed_bytes + 4 * b);
  }
  if (sig.shingles == 0 && (sig.tokens > 0 || std::any_of(sig.minima.begin(), sig.minima.end(),
                                                          [](std::uint8_t v) { return v != 0; }))) {
    return std::nullopt; // text_signature() never produces minima without shingles
  }
  return sig;
}

double estimate_jaccard_packed(const std::uint8_t* a, const std::uint8_t* b) noexcept {
  // Counts equal nibbles eight bytes at a time: a nibble of a^b is zero iff the bins agree.
  std::size_t differing = 0;
  for (std::size_t i = 0; i < k_packed_bytes; i += 8) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    std::uint64_t d = x ^ y;
    d |= d >> 1;
    d |= d >> 2;
    differing += static_cast<std::size_t>(std::popcount(d & 0x1111111111111111ULL));
  }
  const double agree =
      static_cast<double>(k_signature_bins - differing) / static_cast<double>(k_signature_bins);
  // Li & König: P(agree) = J + (1 - J) * chance.
  const double j = (agree - k_chance) / (1.0 - k_chance);
  return std::clamp(j, 0.0, 1.0);
}

double estimate_jaccard(const TextSignature& a, const TextSignature& b) {
  if (a.shingles == 0 || b.shingles == 0) {
    return 0.0;
  }
  return estimate_jaccard_packed(a.minima.data(), b.minima.data());
}

double containment_from_jaccard(double jaccard, std::uint32_t shingles_a,
                                std::uint32_t shingles_b) noexcept {
  const std::uint32_t smaller = std::min(shingles_a, shingles_b);
  if (smaller == 0) {
    return 0.0;
  }
  const double total = static_cast<double>(shingles_a) + static_cast<double>(shingles_b);
  const double c = jaccard * total / ((1.0 + jaccard) * static_cast<double>(smaller));
  return std::clamp(c, 0.0, 1.0);
}

double estimate_containment(const TextSignature& a, const TextSignature& b) {
  return containment_from_jaccard(estimate_jaccard(a, b), a.shingles, b.shingles);
}

} // namespace fw::dedupe
