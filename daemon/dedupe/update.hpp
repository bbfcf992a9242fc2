#pragma once

#include "dedupe/canonical_url.hpp"
#include "model/story.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fw::dedupe {

// What a story says, as two hashes: kept with a known story so that the next poll can tell an
// edit from a re-serialisation.
struct ContentFingerprint {
  std::uint64_t title = 0;
  std::uint64_t text = 0;
  friend bool operator==(const ContentFingerprint&, const ContentFingerprint&) = default;
};

// `text` made insensitive to what is not a meaningful change; the input of content_fingerprint()
// (exposed for tests and for logging what was compared). Ignored:
// - white space: runs (ASCII and Unicode spaces) become one space, both ends trimmed;
// - zero-width characters (U+200B..U+200D, U+2060, U+FEFF) and the soft hyphen (U+00AD);
// - typographic quotes, dashes and ellipsis: ‘ ’ ‚ ‛ ′ become ', “ ” „ ‟ ″ become ", the dashes
//   U+2010..U+2015 and the minus sign U+2212 become -, … becomes "...";
// - letter case: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals become small
//   (headline re-capitalisation is style, not news);
// - tracking parameters and other non-canonical spelling of http(s) URLs in the text: each
//   "http://" or "https://" word is replaced by its canonical_url(), without trailing
//   punctuation such as ".,;:!?)]" (which stays).
// Not ignored, because readers see them as edits: any word, digit or punctuation mark, an
// appended " (update)" or "Updated:", other Unicode letters' case, composed vs decomposed
// accents (no Unicode normalisation is done). Pure, any thread.
[[nodiscard]] std::string
normalize_for_fingerprint(std::string_view text, const UrlOptions& options = default_url_options());

// The hashes (util::Fnv1a64) of normalize_for_fingerprint() of the title (absent = "") and of the
// text: story.text, else story.summary_html as written (normalize fills text whenever a story has
// content; the fallback serves stories that skipped it). Stable across versions only as long as
// the normalisation and `options` stay the same: keep fingerprints for comparing polls, not as
// ids. Pure, any thread.
[[nodiscard]] ContentFingerprint
content_fingerprint(const model::Story& story, const UrlOptions& options = default_url_options());

// Names of the fields that changed meaningfully: a subset of {"title", "text"} in that order;
// empty = not an update. Pure, any thread.
[[nodiscard]] std::vector<std::string> changed_fields(const ContentFingerprint& before,
                                                      const ContentFingerprint& after);

} // namespace fw::dedupe
