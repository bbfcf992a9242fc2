#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// A story cut into sentences and words once, for the rule matcher, the entity finder and the
// keyword scorer to share.
namespace feedwire::tagger {

enum class Field : std::uint8_t { title, text };

// What separates a token from the one before it in its sentence. Only `space` and `dotted`
// let a name run on: "Kim Jong Un", "John F. Kennedy", "St. Louis".
enum class Gap : std::uint8_t {
  none,      // first token of its sentence
  space,     // white space only
  dotted,    // ". " after an initial or a short form such as "Mr" or "St"
  ampersand, // " & " or "&", as in "Procter & Gamble"
  other,     // any other punctuation: a comma, a dash, a quote, a bracket
};

// One word of the title or the text.
struct Token {
  std::string_view text;      // as written, possessive "'s" dropped; a view into the story
  std::string norm;           // text::lower(text)
  std::uint32_t sentence = 0; // index into Document::sentences
  Gap gap = Gap::none;
  bool capitalised = false; // starts with a capital ("Lagarde"), or "iPhone", "al-Assad"
  bool acronym = false;     // two or more capitals and no small letters: "NATO", "U.S."
  bool has_digit = false;
  bool is_id = false;       // text::looks_like_id
  bool is_stop = false;     // text::is_stop_word (English)
  bool is_calendar = false; // lexicon::is_calendar_word: "Tuesday", "March"
};

struct SentenceSpan {
  std::uint32_t begin = 0; // tokens [begin, end)
  std::uint32_t end = 0;
  std::uint32_t paragraph = 0; // among the text's content lines; 0 for the title
  Field field = Field::text;
  // A line whose capitals say nothing about names: a title-case heading, an all-caps line, or
  // the story title when it is title case ("Kim Jong Un Oversees Missile Test").
  bool heading = false;
};

// The analysed story. Token views point into the title and text it was made from, which must
// outlive it.
struct Document {
  std::vector<Token> tokens;
  std::vector<SentenceSpan> sentences; // the title's first, then the text's
  std::string_view title;              // the title as given, for rule regexes
  std::string content;                 // the text's content lines joined by '\n'
  bool title_is_title_case = false;
  // The first paragraph of the story proper: the first that ends like a sentence and is not a
  // heading, past section crumbs such as "Sport > Football" or "World".
  std::uint32_t lead_paragraph = 0;
};

// Cuts `title` and `text` (paragraphs separated by '\n') into sentences and tokens, skipping
// boilerplate lines (text::content_lines).
[[nodiscard]] Document analyse(std::string_view title, std::string_view text);

// The norms of the tokens analyse() would make of `phrase`, for matching phrases against a
// Document: "Kim Jong Un's" -> {"kim", "jong", "un"}, "the U.S." -> {"the", "u.s."}.
[[nodiscard]] std::vector<std::string> norms_of(std::string_view phrase);

} // namespace feedwire::tagger
