#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Near-duplicate signatures of story text: one-permutation MinHash with densification over
// 3-word shingles of the boilerplate-stripped title and text.
namespace fw::dedupe {

// Number of MinHash bins (one-permutation hashing: one hash per shingle, K bins).
inline constexpr std::size_t k_signature_bins = 128;
// Bits kept of each bin's minimum for the similarity estimate (b-bit MinHash, Li & König).
inline constexpr std::size_t k_signature_bits = 4;
// LSH bands; each band key hashes the full 32-bit minima of k_band_rows bins.
inline constexpr std::size_t k_signature_bands = 16;
inline constexpr std::size_t k_band_rows = 2;
// Words per shingle.
inline constexpr std::size_t k_shingle_words = 3;

// The similarity fingerprint of one story. A plain value: copyable, comparable, no invariants
// beyond those below; produced only by text_signature() or deserialize_signature().
struct TextSignature {
  // b-bit minima of the k_signature_bins bins, two 4-bit values per byte (bin 2i in the low
  // nibble of byte i). All zero when the text has no shingles.
  std::array<std::uint8_t, k_signature_bins * k_signature_bits / 8> minima{};
  // LSH band keys (hash of the band index and of its rows' full 32-bit minima). Two stories
  // sharing any band key are candidates for the similarity estimate.
  std::array<std::uint32_t, k_signature_bands> band_keys{};
  // Shingles hashed (title and text after boilerplate removal): the set size used to turn the
  // Jaccard estimate into a containment estimate. 0 means "no text": never a content match.
  std::uint32_t shingles = 0;
  // Word tokens after boilerplate removal (short stories are matched more strictly).
  std::uint32_t tokens = 0;

  friend bool operator==(const TextSignature&, const TextSignature&) = default;
};

// Computes the signature of a story. `title` and `text` are plain text as in model::Story (text
// keeps paragraphs as lines). Lower-cases (ASCII, Latin-1, Greek, Cyrillic), tokenises into
// runs of letters and digits (other bytes >= 0x80 count as letters, so UTF-8 words stay whole;
// UTF-8 punctuation separates; "1.25" and "4,512" stay one token), drops boilerplate paragraphs
// (share/subscribe/copyright/"originally appeared"/"Read more"/newsletter lines, agency
// datelines and sign-offs), and hashes 3-word shingles of the title and of the text separately.
// Pure and thread-safe; never fails (empty input gives a signature with shingles == 0).
[[nodiscard]] TextSignature text_signature(std::string_view title, std::string_view text);

// Compact bytes of a signature for persistence (a version byte, the counts, the minima and the
// band keys; little-endian, fixed size).
[[nodiscard]] std::string serialize(const TextSignature& signature);

// Parses serialize() output. Returns nullopt for bytes of another size or layout version
// (garbage, or a signature stored by a build with other parameters: recompute it then).
[[nodiscard]] std::optional<TextSignature> deserialize_signature(std::string_view bytes);

// Estimated Jaccard similarity of the two shingle sets, in [0, 1] (b-bit estimator corrected
// for chance agreement of the kept bits). 0 when either signature has no shingles.
[[nodiscard]] double estimate_jaccard(const TextSignature& a, const TextSignature& b);

// Estimated containment of the smaller shingle set in the larger, in [0, 1]:
// J * (|A| + |B|) / ((1 + J) * min(|A|, |B|)), clamped. Near 1 for an excerpt or a copy with an
// extra paragraph; 2J / (1 + J) for sets of equal size.
[[nodiscard]] double estimate_containment(const TextSignature& a, const TextSignature& b);

// Both estimates from already-known agreement: `jaccard` estimated, sizes from the signatures.
[[nodiscard]] double containment_from_jaccard(double jaccard, std::uint32_t shingles_a,
                                              std::uint32_t shingles_b) noexcept;

// Estimated Jaccard similarity from two packed b-bit minima arrays (the index keeps only these).
[[nodiscard]] double estimate_jaccard_packed(const std::uint8_t* a, const std::uint8_t* b) noexcept;

} // namespace fw::dedupe
