#include "tagger/document.hpp"

#include "tagger/lexicon.hpp"
#include "text/text.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace feedwire::tagger {
namespace {

bool is_ascii_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_ascii_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_single_capital(std::string_view word) {
  return word.size() == 1 && is_ascii_upper(word.front());
}
bool has_letter(std::string_view word) {
  for (const char c : word) {
    if (is_ascii_upper(c) || is_ascii_lower(c) || static_cast<unsigned char>(c) >= 0x80) {
      return true;
    }
  }
  return false;
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// "Kim Jong Un's" and "Lagarde’s" name Kim Jong Un and Lagarde.
std::string_view drop_possessive(std::string_view word) {
  if (word.size() > 2 && (word.back() == 's' || word.back() == 'S')) {
    const std::string_view head = word.substr(0, word.size() - 1);
    if (head.ends_with('\'')) {
      return head.substr(0, head.size() - 1);
    }
    if (head.ends_with("\xE2\x80\x99") && head.size() > 3) {
      return head.substr(0, head.size() - 3);
    }
  }
  return word;
}

// Arabic and similar names written with a lower-case article: "al-Assad", "bin-Salman".
bool is_prefixed_name(std::string_view word) {
  for (const std::string_view prefix : {"al-", "el-", "bin-", "ibn-", "abu-", "ad-", "as-"}) {
    if (word.size() > prefix.size() && word.starts_with(prefix)) {
      return text::starts_upper(word.substr(prefix.size()));
    }
  }
  return false;
}

// "iPhone", "eBay": a small first letter and a capital later, no hyphen ("anti-American" is
// an adjective, not a name).
bool is_camel_case(std::string_view word) {
  if (word.empty() || !is_ascii_lower(word.front()) || word.find('-') != std::string_view::npos) {
    return false;
  }
  for (std::size_t i = 1; i < word.size(); ++i) {
    if (is_ascii_upper(word[i])) {
      return true;
    }
  }
  return false;
}

bool is_acronym(std::string_view word) {
  if (word.empty() || !is_ascii_upper(word.front())) {
    return false;
  }
  int capitals = 0;
  for (const char c : word) {
    if (is_ascii_lower(c) || static_cast<unsigned char>(c) >= 0x80) {
      return false;
    }
    capitals += is_ascii_upper(c) ? 1 : 0;
  }
  return capitals >= 2;
}

Gap gap_between(std::string_view sentence, std::size_t prev_end, std::size_t next_begin,
                const Token& prev) {
  const std::string_view between = sentence.substr(prev_end, next_begin - prev_end);
  bool all_space = true;
  for (const char c : between) {
    all_space = all_space && is_space(c);
  }
  if (all_space) {
    return Gap::space;
  }
  if (between.front() == '.' && between.size() > 1) {
    bool rest_space = true;
    for (const char c : between.substr(1)) {
      rest_space = rest_space && is_space(c);
    }
    const bool initial = prev.text.size() == 1 && is_ascii_upper(prev.text.front());
    if (rest_space && (initial || lexicon::is_dotted_abbreviation(prev.norm))) {
      return Gap::dotted;
    }
  }
  std::size_t amp = 0;
  std::size_t other = 0;
  for (const char c : between) {
    amp += c == '&' ? 1 : 0;
    other += (c != '&' && !is_space(c)) ? 1 : 0;
  }
  return amp == 1 && other == 0 ? Gap::ampersand : Gap::other;
}

Token make_token(std::string_view word, std::uint32_t sentence) {
  Token t;
  t.text = drop_possessive(word);
  t.norm = text::lower(t.text);
  t.sentence = sentence;
  t.acronym = is_acronym(t.text);
  t.capitalised = text::starts_upper(t.text) || is_camel_case(t.text) || is_prefixed_name(t.text);
  for (const char c : t.text) {
    t.has_digit = t.has_digit || is_ascii_digit(c);
  }
  t.is_id = text::looks_like_id(t.text);
  t.is_stop = text::is_stop_word(t.norm);
  // Every name and keyword test asks; the longest calendar word is "wednesday".
  t.is_calendar = t.norm.size() <= 9 && lexicon::is_calendar_word(t.norm);
  return t;
}

// Appends the tokens of one sentence. Initialisms ("U.S.", "U.K.") come out of text::words()
// as one-letter words; they are joined back into one token here.
void tokenise(std::string_view sentence, std::uint32_t index, std::vector<Token>& out) {
  const std::vector<text::Word> words = text::words(sentence);
  const std::size_t first = out.size();
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::size_t begin = words[i].offset;
    std::size_t end = begin + words[i].text.size();
    std::size_t j = i;
    if (is_single_capital(words[i].text)) {
      while (j + 1 < words.size() && end < sentence.size() && sentence[end] == '.' &&
             words[j + 1].offset == end + 1 && is_single_capital(words[j + 1].text)) {
        ++j;
        end = words[j].offset + 1;
      }
      if (j > i && end < sentence.size() && sentence[end] == '.') {
        ++end; // the initialism's own final stop: "U.S."
      }
    }
    Token t = make_token(sentence.substr(begin, end - begin), index);
    if (out.size() > first) {
      // Measured from the end of the previous token without its possessive, so that
      // "Kim's missile" does not run on as a name.
      const Token& prev = out.back();
      const auto prev_end =
          static_cast<std::size_t>(prev.text.data() - sentence.data()) + prev.text.size();
      t.gap = gap_between(sentence, prev_end, begin, prev);
    }
    out.push_back(std::move(t));
    i = j;
  }
}

// True when the tokens' capitals say nothing about names: most words are capitalised (a
// heading or a title-case title) or every word is in capitals.
bool capitalised_throughout(const std::vector<Token>& tokens, std::size_t begin, std::size_t end,
                            std::size_t skip_first) {
  std::size_t counted = 0;
  std::size_t capitals = 0;
  std::size_t all_caps = 0;
  std::size_t lettered = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const Token& t = tokens[i];
    if (!has_letter(t.text)) {
      continue;
    }
    ++lettered;
    all_caps += t.acronym ? 1 : 0;
    if (i < begin + skip_first || t.is_stop) {
      continue;
    }
    ++counted;
    capitals += t.capitalised ? 1 : 0;
  }
  if (lettered >= 2 && all_caps == lettered) {
    return true;
  }
  return counted >= 2 && capitals * 4 >= counted * 3;
}

// A paragraph written in capitals ("BREAKING: NATO SUMMIT ENDS."), whatever its punctuation.
bool in_capitals(const std::vector<Token>& tokens, std::size_t begin, std::size_t end) {
  std::size_t lettered = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (!has_letter(tokens[i].text)) {
      continue;
    }
    if (!tokens[i].acronym) {
      return false;
    }
    ++lettered;
  }
  return lettered >= 3;
}

bool ends_like_a_sentence(std::string_view line) {
  while (!line.empty() && is_space(line.back())) {
    line.remove_suffix(1);
  }
  if (line.empty()) {
    return false;
  }
  const char c = line.back();
  if (c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '"' || c == ')' ||
      c == '\'') {
    return true;
  }
  // Closing curly quotes and the ellipsis, in UTF-8.
  return line.ends_with("\xE2\x80\x9D") || line.ends_with("\xE2\x80\x99") ||
         line.ends_with("\xE2\x80\xA6");
}

} // namespace

Document analyse(std::string_view title, std::string_view text) {
  Document doc;
  doc.title = title;
  doc.tokens.reserve(text.size() / 5 + title.size() / 5 + 8);

  for (const text::Sentence& s : text::split_sentences(title)) {
    SentenceSpan span;
    span.begin = static_cast<std::uint32_t>(doc.tokens.size());
    tokenise(s.text, static_cast<std::uint32_t>(doc.sentences.size()), doc.tokens);
    span.end = static_cast<std::uint32_t>(doc.tokens.size());
    span.field = Field::title;
    doc.sentences.push_back(span);
  }
  if (!doc.sentences.empty()) {
    doc.title_is_title_case = capitalised_throughout(doc.tokens, 0, doc.tokens.size(), 1);
    for (SentenceSpan& span : doc.sentences) {
      span.heading = doc.title_is_title_case;
    }
  }

  // The content lines come from the sentences rather than a second text::content_lines()
  // pass: a paragraph runs from its first sentence's start to its last sentence's end.
  const std::size_t text_first = doc.sentences.size();
  std::vector<std::string_view> lines;
  for (const text::Sentence& s : text::split_sentences(text)) {
    SentenceSpan span;
    span.begin = static_cast<std::uint32_t>(doc.tokens.size());
    tokenise(s.text, static_cast<std::uint32_t>(doc.sentences.size()), doc.tokens);
    span.end = static_cast<std::uint32_t>(doc.tokens.size());
    span.paragraph = static_cast<std::uint32_t>(s.paragraph);
    span.field = Field::text;
    doc.sentences.push_back(span);
    if (lines.size() <= s.paragraph) {
      lines.resize(s.paragraph + 1);
    }
    std::string_view& line = lines[s.paragraph];
    line = line.empty()
               ? s.text
               : std::string_view(line.data(), static_cast<std::size_t>(
                                                   s.text.data() + s.text.size() - line.data()));
  }
  std::size_t content_size = 0;
  for (const std::string_view line : lines) {
    content_size += line.size() + 1;
  }
  doc.content.reserve(content_size);
  for (const std::string_view line : lines) {
    if (!line.empty()) {
      doc.content.append(line);
      doc.content.push_back('\n');
    }
  }

  // Headings are judged a paragraph at a time: a heading is one line without a sentence's
  // final punctuation.
  for (std::size_t i = text_first; i < doc.sentences.size();) {
    std::size_t j = i;
    while (j < doc.sentences.size() && doc.sentences[j].paragraph == doc.sentences[i].paragraph) {
      ++j;
    }
    const std::uint32_t paragraph = doc.sentences[i].paragraph;
    const bool unpunctuated = paragraph < lines.size() && !ends_like_a_sentence(lines[paragraph]);
    const bool heading =
        (unpunctuated && j == i + 1 &&
         capitalised_throughout(doc.tokens, doc.sentences[i].begin, doc.sentences[i].end, 0)) ||
        in_capitals(doc.tokens, doc.sentences[i].begin, doc.sentences[j - 1].end);
    for (std::size_t k = i; k < j; ++k) {
      doc.sentences[k].heading = heading;
    }
    i = j;
  }
  for (std::size_t i = text_first; i < doc.sentences.size(); ++i) {
    const SentenceSpan& span = doc.sentences[i];
    if (!span.heading && ends_like_a_sentence(lines[span.paragraph])) {
      doc.lead_paragraph = span.paragraph;
      break;
    }
  }
  return doc;
}

std::vector<std::string> norms_of(std::string_view phrase) {
  std::vector<Token> tokens;
  tokenise(phrase, 0, tokens);
  std::vector<std::string> norms;
  norms.reserve(tokens.size());
  for (Token& t : tokens) {
    norms.push_back(std::move(t.norm));
  }
  return norms;
}

} // namespace feedwire::tagger
