#include "tagger/keywords.hpp"

#include "tagger/lexicon.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace feedwire::tagger {
namespace {

// A word or phrase must appear this often (title occurrences weighing k_title_weight) before
// it can be a keyword: one use says little about what a story is about.
constexpr double k_min_frequency = 2.0;
constexpr double k_title_weight = 1.5;
// Two-word phrases are more specific than either word; their IDF is the rarer word's, raised
// by this much.
constexpr double k_phrase_bonus = 1.15;
// The saturating curve's scale: a word used four times that the stream has never seen
// scores about 0.55, a moderately common one used three times about 0.3. Entities, which
// name what a story is about more directly, tend to score above keywords.
constexpr double k_scale = 3.0;
// Without English stop words, words in more than this share of stories are function words.
constexpr double k_max_share_other_languages = 0.25;
constexpr std::size_t k_max_keywords = 20;

bool is_term_token(const Token& t, bool english) {
  if (t.is_id || t.has_digit || t.norm.size() < 3) {
    return false;
  }
  if (english && t.is_stop) {
    return false;
  }
  return !t.is_calendar;
}

// The background list stands in for document frequencies while the DF table is young:
// words every story has weigh little, unlisted words are presumed rare.
double background_idf(std::string_view norm) {
  switch (lexicon::background_tier(norm)) {
  case 1:
    return 0.1;
  case 2:
    return 0.3;
  default:
    return 0.75;
  }
}

// Inverse document frequency scaled to [0, 1]: 1 for a term only this story has, near 0 for
// one in every story.
double learned_idf(std::uint32_t df, std::uint64_t stories) {
  const auto n = static_cast<double>(stories);
  return std::log1p(n / std::max(1.0, static_cast<double>(df))) / std::log1p(n);
}

class Scorer {
public:
  Scorer(const DfTable& df, bool english) : m_df(df), m_english(english) {
    m_stories = df.stories();
    m_warmth =
        std::min(1.0, static_cast<double>(m_stories) / static_cast<double>(k_df_warm_up_stories));
  }

  // False for words too common in the stream to mean anything (languages without a stop list).
  [[nodiscard]] bool is_usable(std::string_view norm) const {
    if (m_english || m_stories == 0) {
      return true;
    }
    return static_cast<double>(m_df.df(norm)) <=
           k_max_share_other_languages * static_cast<double>(m_stories);
  }

  [[nodiscard]] double idf(std::string_view norm) const {
    const double learned = m_stories == 0 ? 0.0 : learned_idf(m_df.df(norm), m_stories);
    if (!m_english) {
      return m_warmth * learned;
    }
    return m_warmth * learned + (1.0 - m_warmth) * background_idf(norm);
  }

private:
  const DfTable& m_df;
  bool m_english;
  std::uint64_t m_stories = 0;
  double m_warmth = 0;
};

struct Term {
  std::string_view label; // the form the story uses most
  double label_count = 0;
  double count = 0;
  bool in_title = false;
  bool folded = false; // a plural counted under its singular
};

struct Phrase {
  std::string_view first;
  std::string_view second;
  double count = 0;
  bool in_title = false;
};

double score_of(double frequency, double idf) {
  return 1.0 - std::exp(-(1.0 + std::log(frequency)) * idf / k_scale);
}

// "missiles" counts for "missile", "companies" for "company", when the story has both.
void fold_plurals(std::unordered_map<std::string_view, Term>& terms) {
  for (auto& [norm, term] : terms) {
    if (norm.size() < 4 || norm.back() != 's' || norm.ends_with("ss") || norm.ends_with("us") ||
        norm.ends_with("is")) {
      continue;
    }
    std::string singular(norm.substr(0, norm.size() - 1));
    auto it = terms.find(singular);
    if (it == terms.end() && norm.ends_with("ies")) {
      singular = std::string(norm.substr(0, norm.size() - 3)) + "y";
      it = terms.find(singular);
    }
    if (it == terms.end() || it->second.folded) {
      continue;
    }
    Term& single = it->second;
    single.count += term.count;
    single.in_title = single.in_title || term.in_title;
    if (term.count > single.label_count) {
      single.label = term.label;
      single.label_count = term.count;
    }
    term.folded = true;
  }
}

} // namespace

std::vector<std::string_view> df_terms(const Document& doc, bool english) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(doc.tokens.size());
  std::vector<std::string_view> out;
  for (const Token& t : doc.tokens) {
    if (is_term_token(t, english) && seen.insert(t.norm).second) {
      out.push_back(t.norm);
    }
  }
  return out;
}

std::vector<Keyword> find_keywords(const Document& doc, const std::vector<std::uint8_t>& in_entity,
                                   const DfTable& df, bool english) {
  std::unordered_map<std::string_view, Term> terms;
  std::unordered_map<std::string, Phrase> phrases;
  std::unordered_set<std::string_view> title_words;
  std::vector<std::string_view> title_sequence;

  for (const SentenceSpan& s : doc.sentences) {
    if (s.field == Field::title) {
      for (std::uint32_t i = s.begin; i < s.end; ++i) {
        title_words.insert(doc.tokens[i].norm);
        title_sequence.push_back(doc.tokens[i].norm);
      }
      title_sequence.emplace_back(); // sentences do not run into each other
      continue;
    }
    if (s.heading) {
      continue;
    }
    const Token* prev = nullptr;
    for (std::uint32_t i = s.begin; i < s.end; ++i) {
      const Token& t = doc.tokens[i];
      const bool proper = t.acronym || (i < in_entity.size() && in_entity[i] != 0) ||
                          (t.capitalised && i != s.begin);
      if (proper || !is_term_token(t, english)) {
        prev = nullptr;
        continue;
      }
      Term& term = terms[t.norm];
      if (term.count == 0) {
        term.label = t.norm;
      }
      term.count += 1;
      term.label_count = term.count;
      if (prev != nullptr && t.gap == Gap::space) {
        std::string key;
        key.reserve(prev->norm.size() + 1 + t.norm.size());
        key.append(prev->norm).append(" ").append(t.norm);
        Phrase& phrase = phrases[std::move(key)];
        phrase.first = prev->norm;
        phrase.second = t.norm;
        phrase.count += 1;
      }
      prev = &t;
    }
  }
  for (auto& [norm, term] : terms) {
    term.in_title = title_words.contains(norm);
  }
  fold_plurals(terms);

  const Scorer scorer(df, english);
  std::vector<Keyword> out;
  for (auto& [key, phrase] : phrases) {
    for (std::size_t i = 0; i + 1 < title_sequence.size() && !phrase.in_title; ++i) {
      phrase.in_title = title_sequence[i] == phrase.first && title_sequence[i + 1] == phrase.second;
    }
    const double frequency = phrase.count + (phrase.in_title ? k_title_weight : 0.0);
    if (frequency < k_min_frequency || !scorer.is_usable(phrase.first) ||
        !scorer.is_usable(phrase.second)) {
      continue;
    }
    // "new long-range", "last year": a word every story uses makes a phrase of any word.
    if (english && (lexicon::background_tier(phrase.first) == 1 ||
                    lexicon::background_tier(phrase.second) == 1)) {
      continue;
    }
    // The words of a kept phrase count only for their uses outside it.
    for (const std::string_view word : {phrase.first, phrase.second}) {
      const auto it = terms.find(word);
      if (it != terms.end()) {
        it->second.count -= phrase.count;
        it->second.in_title = it->second.in_title && !phrase.in_title;
      }
    }
    const double idf =
        k_phrase_bonus * std::max(scorer.idf(phrase.first), scorer.idf(phrase.second));
    out.push_back(Keyword{key, score_of(frequency, idf)});
  }
  for (const auto& [norm, term] : terms) {
    if (term.folded || !scorer.is_usable(norm)) {
      continue;
    }
    const double frequency = term.count + (term.in_title ? k_title_weight : 0.0);
    if (term.count < 1 || frequency < k_min_frequency) {
      continue;
    }
    out.push_back(Keyword{std::string(term.label), score_of(frequency, scorer.idf(norm))});
  }
  std::sort(out.begin(), out.end(), [](const Keyword& a, const Keyword& b) {
    return a.score != b.score ? a.score > b.score : a.term < b.term;
  });
  if (out.size() > k_max_keywords) {
    out.resize(k_max_keywords);
  }
  return out;
}

} // namespace feedwire::tagger
