#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// Text tools the shipped plugins share (tagger, summarizer): boilerplate lines, sentences,
// words, stop words. Plain functions over UTF-8 text; no state, safe from any thread. Built into
// each plugin as a static library with hidden symbols.
namespace feedwire::text {

// True when a line of an article is boilerplate rather than content: share/subscribe/follow
// prompts, "Source link", "About the author", "Scroll to top", "Read more", "Continue reading",
// cookie notices, "Advertisement", copyright and "All rights reserved" lines, navigation crumbs,
// bylines, and lines that are only an id, a URL, a hex string, a date or a number; also the
// commonest of these prompts on Spanish, German and French sites. Prompts that read like prose
// ("Read more about the budget in our explainer") count when the line is short (12 words at
// most); labels ("Advertisement", "Follow us") when it is short and does not end like a
// sentence. `line` is one paragraph as the daemon's plain text gives it (trimmed or not).
[[nodiscard]] bool is_boilerplate_line(std::string_view line);

// The paragraphs of `text` (split on '\n'), trimmed, without empty and boilerplate lines.
// The views point into `text`.
[[nodiscard]] std::vector<std::string_view> content_lines(std::string_view text);

// One sentence of a text: a view into it, and where it sits.
struct Sentence {
  std::string_view text;     // trimmed, with its final punctuation and closing quotes
  std::size_t paragraph = 0; // index among content_lines()
  std::size_t index = 0;     // index among all sentences of the text
};

// The sentences of the content lines of `text`. Does not split after abbreviations (U.S.,
// Mr., Mrs., Dr., Gen., Sen., Rep., St., Jan., e.g., i.e., etc. before a lower-case word,
// a.m., p.m., single initials as in "John F. Kennedy"), inside decimals and numbers (3.5,
// 1,000.25), inside URLs and e-mail addresses, or inside ellipses followed by a lower-case word;
// keeps closing straight and curly quotes and brackets with the sentence they end. A paragraph
// always ends a sentence. Works for any script that ends sentences with . ! ? … or their
// full-width forms (。！？).
[[nodiscard]] std::vector<Sentence> split_sentences(std::string_view text);

// One word of a sentence.
struct Word {
  std::string_view text;  // as written: letters, digits, and apostrophes or hyphens inside
  std::size_t offset = 0; // byte offset in the sentence
};

// The words of `text`: maximal runs of letters and digits (any script; UTF-8 decoded), joined
// across an inner apostrophe (' or ’) or hyphen. Punctuation and symbols separate words.
[[nodiscard]] std::vector<Word> words(std::string_view text);

// Lower case: ASCII, Latin-1 Supplement, Latin Extended-A, Greek and Cyrillic letters;
// everything else as it is. Curly apostrophes become straight ones.
[[nodiscard]] std::string lower(std::string_view word);

// True when the first letter of `word` is an upper-case letter (any script lower() handles).
[[nodiscard]] bool starts_upper(std::string_view word);

// True for an English stop word (function words, pronouns, auxiliaries, common adverbs, number
// words up to ten, "first", "last", "said", "says", ...). `lower_word` is in lower case.
[[nodiscard]] bool is_stop_word(std::string_view lower_word);

// True when a token is an identifier rather than a word: all digits, hex strings of 8+ digits,
// UUIDs, strings mixing letters and digits like "a1b2c3d4", URLs and e-mail addresses.
[[nodiscard]] bool looks_like_id(std::string_view token);

} // namespace feedwire::text
