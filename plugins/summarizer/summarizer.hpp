#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The summarizer plugin's core: an extractive summary of a story's plain text. Sentences are
// ranked on a similarity graph (TextRank or LexRank) blended with a position prior, and the best
// are returned in document order. Independent of the plugin ABI so that it can be tested alone.
namespace feedwire::summarizer {

enum class Algorithm {
  textrank, // similarity: shared words over the log of the sentence lengths (Mihalcea, Tarau)
  lexrank   // similarity: TF-IDF cosine (Erkan, Radev), continuous weights
};

// Only the first this many sentences of a text (after boilerplate removal, in document order)
// are ranked: the graph costs O(n²) in time and memory, and news puts what matters first. A
// sentence further down is never chosen.
inline constexpr std::size_t k_max_ranked_sentences = 200;

// The plugin's configuration; see parse_options() for the keys and their ranges.
struct Options {
  Algorithm algorithm = Algorithm::textrank;
  std::size_t sentences = 3;    // at most this many sentences, 1..100
  std::size_t max_chars = 0;    // at most this many characters (code points); 0: no limit
  std::size_t min_words = 5;    // shorter sentences are not chosen, 0..100
  double position_weight = 0.3; // weight of the position prior against the graph rank, [0, 1]
  std::string language;         // "": the story's language, else "en"
};

// The options from the plugin's configuration, a JSON object with the optional keys
// "algorithm" ("textrank" or "lexrank"), "sentences", "max_chars", "min_words",
// "position_weight" and "language" (a language tag such as "en" or "de-AT"). Throws
// feedwire::ConfigError naming the key and what it allows for malformed JSON, a value that is
// not an object, an unknown key, a value of the wrong type or out of range.
[[nodiscard]] Options parse_options(std::string_view config_json);

// Immutable after construction: summarize() and pick() keep their scratch space on the stack
// and may run on several threads at once.
class Summarizer {
public:
  explicit Summarizer(Options options) : m_options(std::move(options)) {}

  // The sentences of the summary of `text` (plain text, paragraphs separated by '\n'), in
  // document order, as views into `text`: the best ranked that are at least min_words long,
  // skipping any that mostly repeat one already picked, until `sentences` are picked or no
  // other fits in max_chars. Boilerplate lines never contribute. A first sentence that repeats
  // `title` is left out. `story_language` (the feed's language tag, may be empty)
  // applies when the options name none: English stop words and plural folding are used only
  // for a tag starting with "en". Empty when the text has no sentence, or when max_chars is
  // smaller than every sentence.
  [[nodiscard]] std::vector<std::string_view> pick(std::string_view text, std::string_view title,
                                                   std::string_view story_language) const;

  // pick()'s sentences joined with a single space; "" when there are none.
  [[nodiscard]] std::string summarize(std::string_view text, std::string_view title,
                                      std::string_view story_language) const;

  [[nodiscard]] const Options& options() const noexcept { return m_options; }

private:
  Options m_options;
};

} // namespace feedwire::summarizer
