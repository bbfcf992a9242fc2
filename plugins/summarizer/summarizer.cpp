#include "summarizer/summarizer.hpp"

#include "config_json.hpp"
#include "feedwire/plugin.hpp"
#include "text/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>

namespace feedwire::summarizer {
namespace {

// PageRank's damping factor, as TextRank and LexRank both use it.
constexpr double k_damping = 0.85;
// Power iteration stops when the ranks (which sum to 1) move less than k_tolerance in total:
// 30-40 rounds on news-sized graphs, and the order of the sentences, all that is used, has long
// settled by then. The bound only matters for pathological graphs, where a nearly converged
// ranking is good enough.
constexpr std::size_t k_max_iterations = 100;
constexpr double k_tolerance = 1e-5;
// A candidate sharing more than this share of its terms (Jaccard) with a sentence already
// chosen says the same thing again, as wire copy often does in its lead and its last paragraph.
constexpr double k_max_overlap = 0.6;
// How much a pick loses per unit of TF-IDF cosine with the most similar sentence already picked
// (maximal marginal relevance); scores are in [0, 1].
constexpr double k_redundancy_penalty = 0.3;

std::string known_keys() {
  return "algorithm, language, max_chars, min_words, position_weight, sentences";
}

std::size_t integer_in(const nlohmann::json& value, std::string_view key, std::size_t lo,
                       std::size_t hi) {
  const std::string allowed = "config key \"" + std::string(key) + "\" must be an integer from " +
                              std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                              value.dump();
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v >= lo && v <= hi) {
      return static_cast<std::size_t>(v);
    }
  }
  throw ConfigError(allowed);
}

} // namespace

Options parse_options(std::string_view config_json) {
  Options options;
  const nlohmann::json config = parse_config_object(config_json);
  for (const auto& [key, value] : config.items()) {
    if (key == "algorithm") {
      const std::string name = value.is_string() ? value.get<std::string>() : std::string();
      if (name == "textrank") {
        options.algorithm = Algorithm::textrank;
      } else if (name == "lexrank") {
        options.algorithm = Algorithm::lexrank;
      } else {
        throw ConfigError("config key \"algorithm\" must be \"textrank\" or \"lexrank\", got " +
                          value.dump());
      }
    } else if (key == "sentences") {
      options.sentences = integer_in(value, key, 1, 100);
    } else if (key == "max_chars") {
      options.max_chars = integer_in(value, key, 0, 1000000);
    } else if (key == "min_words") {
      options.min_words = integer_in(value, key, 0, 100);
    } else if (key == "position_weight") {
      const double weight = value.is_number() ? value.get<double>() : -1.0;
      if (!(weight >= 0.0 && weight <= 1.0)) {
        throw ConfigError("config key \"position_weight\" must be a number from 0 to 1, got " +
                          value.dump());
      }
      options.position_weight = weight;
    } else if (key == "language") {
      const std::string tag = value.is_string() ? value.get<std::string>() : std::string();
      const bool is_tag =
          !tag.empty() && tag.size() <= 35 && std::all_of(tag.begin(), tag.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_';
          });
      if (!is_tag) {
        throw ConfigError("config key \"language\" must be a language tag such as \"en\" or "
                          "\"de-AT\", got " +
                          value.dump());
      }
      options.language = tag;
    } else {
      throw ConfigError("unknown config key \"" + key + "\" (known: " + known_keys() + ")");
    }
  }
  return options;
}

namespace {

// The first code point of `s` (non-empty, valid UTF-8: it comes from text::words()).
char32_t first_code_point(std::string_view s) noexcept {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80 || s.size() < 2) {
    return b0;
  }
  const auto cont = [&](std::size_t k) {
    return k < s.size() ? static_cast<char32_t>(static_cast<unsigned char>(s[k]) & 0x3FU) : 0;
  };
  if (b0 < 0xE0) {
    return ((b0 & 0x1FU) << 6U) | cont(1);
  }
  if (b0 < 0xF0) {
    return ((b0 & 0x0FU) << 12U) | (cont(1) << 6U) | cont(2);
  }
  return ((b0 & 0x07U) << 18U) | (cont(1) << 12U) | (cont(2) << 6U) | cont(3);
}

// Chinese and Japanese are written without spaces, so text::words() returns whole clauses;
// their terms are character bigrams instead, the usual unit for overlap in these scripts.
bool is_cjk(std::string_view word) noexcept {
  const char32_t cp = first_code_point(word);
  return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF);
}

bool is_continuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

std::size_t code_points(std::string_view s) noexcept {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

// Folds English plurals and possessives so that "rates" meets "rate" and "bank's" meets
// "bank". Deliberately crude: a full stemmer costs more than it gains on two or three
// sentences.
void fold_english(std::string& w) {
  if (w.size() > 2 && w.ends_with("'s")) {
    w.resize(w.size() - 2);
  }
  if (w.size() > 4 && w.ends_with("ies")) {
    w.replace(w.size() - 3, 3, "y");
  } else if (w.size() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") &&
             !w.ends_with("is")) {
    w.pop_back();
  }
}

class Vocabulary {
public:
  int id(std::string term) {
    return m_ids.try_emplace(std::move(term), static_cast<int>(m_ids.size())).first->second;
  }
  [[nodiscard]] std::size_t size() const noexcept { return m_ids.size(); }

private:
  std::unordered_map<std::string, int> m_ids;
};

struct Term {
  int id = 0;
  int count = 0;
};

struct Candidate {
  std::size_t sentence = 0; // index into the text's sentences
  std::vector<Term> terms;  // sorted by id
  std::size_t word_count = 0;
  std::size_t length = 0; // code points
};

// The terms of one sentence (sorted, with counts) and its length in words.
void index_sentence(std::string_view sentence, bool is_english, Vocabulary& vocabulary,
                    Candidate& out) {
  std::vector<int> ids;
  for (const text::Word& w : text::words(sentence)) {
    if (is_cjk(w.text)) {
      std::vector<std::size_t> starts;
      for (std::size_t k = 0; k < w.text.size(); ++k) {
        if (!is_continuation(w.text[k])) {
          starts.push_back(k);
        }
      }
      // Roughly two characters per word, for min_words.
      out.word_count += std::max<std::size_t>(1, starts.size() / 2);
      starts.push_back(w.text.size());
      if (starts.size() == 2) {
        ids.push_back(vocabulary.id(std::string(w.text)));
      }
      for (std::size_t k = 0; k + 2 < starts.size(); ++k) {
        ids.push_back(
            vocabulary.id(std::string(w.text.substr(starts[k], starts[k + 2] - starts[k]))));
      }
      continue;
    }
    ++out.word_count;
    std::string term = text::lower(w.text);
    if (term.size() < 2 || text::looks_like_id(term)) {
      continue;
    }
    if (is_english) {
      if (text::is_stop_word(term)) {
        continue;
      }
      fold_english(term);
    }
    ids.push_back(vocabulary.id(std::move(term)));
  }
  std::sort(ids.begin(), ids.end());
  for (const int id : ids) {
    if (!out.terms.empty() && out.terms.back().id == id) {
      ++out.terms.back().count;
    } else {
      out.terms.push_back(Term{id, 1});
    }
  }
}

// Without a stop-word list, function words ("der", "que", "и") would make every sentence look
// like every other. A term found in more than a third of the sentences is dropped instead: in
// news the topic's own words rarely spread that wide, function words always do. The rule needs
// enough sentences to mean anything.
void drop_ubiquitous_terms(std::vector<Candidate>& candidates, std::size_t vocabulary_size) {
  if (candidates.size() < 6) {
    return;
  }
  std::vector<std::size_t> df(vocabulary_size, 0);
  for (const Candidate& c : candidates) {
    for (const Term& t : c.terms) {
      ++df[static_cast<std::size_t>(t.id)];
    }
  }
  for (Candidate& c : candidates) {
    std::erase_if(c.terms, [&](const Term& t) {
      return df[static_cast<std::size_t>(t.id)] * 3 > candidates.size();
    });
  }
}

// Shared distinct terms of two sorted term lists.
std::size_t shared_terms(const std::vector<Term>& a, const std::vector<Term>& b) noexcept {
  std::size_t shared = 0;
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (i->id < j->id) {
      ++i;
    } else if (j->id < i->id) {
      ++j;
    } else {
      ++shared;
      ++i;
      ++j;
    }
  }
  return shared;
}

double jaccard(const std::vector<Term>& a, const std::vector<Term>& b) noexcept {
  const std::size_t shared = shared_terms(a, b);
  const std::size_t all = a.size() + b.size() - shared;
  return all == 0 ? 0.0 : static_cast<double>(shared) / static_cast<double>(all);
}

// Edge weights of the sentence graph, n×n row-major, zero diagonal.
std::vector<double> textrank_weights(const std::vector<Candidate>& c) {
  const std::size_t n = c.size();
  std::vector<double> w(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const std::size_t shared = shared_terms(c[i].terms, c[j].terms);
      if (shared == 0) {
        continue;
      }
      // log(1 + size) rather than the paper's log(size), which is 0 for one-term sentences.
      const double norm = std::log1p(static_cast<double>(c[i].terms.size())) +
                          std::log1p(static_cast<double>(c[j].terms.size()));
      w[i * n + j] = w[j * n + i] = static_cast<double>(shared) / norm;
    }
  }
  return w;
}

// TF-IDF vectors of the candidates, with document frequencies counted over the candidates
// themselves: no corpus ships with the plugin, and within one article a word that many
// sentences use ("de", "la", "the") tells them apart as little as a stop word does.
class TfIdf {
public:
  TfIdf(const std::vector<Candidate>& c, std::size_t vocabulary_size)
      : m_candidates(c), m_idf(vocabulary_size, 0.0), m_norm(c.size(), 0.0) {
    for (const Candidate& s : c) {
      for (const Term& t : s.terms) {
        m_idf[static_cast<std::size_t>(t.id)] += 1.0;
      }
    }
    // Smoothed so that a term in every sentence still weighs a little.
    for (double& v : m_idf) {
      v = v > 0.0 ? std::log1p(static_cast<double>(c.size()) / v) : 0.0;
    }
    for (std::size_t i = 0; i < c.size(); ++i) {
      double sum = 0.0;
      for (const Term& t : c[i].terms) {
        const double x = t.count * m_idf[static_cast<std::size_t>(t.id)];
        sum += x * x;
      }
      m_norm[i] = std::sqrt(sum);
    }
  }

  [[nodiscard]] double cosine(std::size_t i, std::size_t j) const noexcept {
    if (m_norm[i] == 0.0 || m_norm[j] == 0.0) {
      return 0.0;
    }
    const std::vector<Term>& x = m_candidates[i].terms;
    const std::vector<Term>& y = m_candidates[j].terms;
    double dot = 0.0;
    auto a = x.begin();
    auto b = y.begin();
    while (a != x.end() && b != y.end()) {
      if (a->id < b->id) {
        ++a;
      } else if (b->id < a->id) {
        ++b;
      } else {
        const double f = m_idf[static_cast<std::size_t>(a->id)];
        dot += a->count * b->count * f * f;
        ++a;
        ++b;
      }
    }
    return dot / (m_norm[i] * m_norm[j]);
  }

private:
  const std::vector<Candidate>& m_candidates;
  std::vector<double> m_idf;
  std::vector<double> m_norm;
};

std::vector<double> lexrank_weights(const TfIdf& tfidf, std::size_t n) {
  std::vector<double> w(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      w[i * n + j] = w[j * n + i] = tfidf.cosine(i, j);
    }
  }
  return w;
}

// PageRank over the weighted graph by power iteration. The random jump lands on sentence i with
// probability teleport[i] (a distribution), and so does the rank of a sentence without edges.
std::vector<double> page_rank(const std::vector<double>& w, std::size_t n,
                              const std::vector<double>& teleport) {
  std::vector<double> out_weight(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    out_weight[i] = std::accumulate(w.begin() + static_cast<std::ptrdiff_t>(i * n),
                                    w.begin() + static_cast<std::ptrdiff_t>((i + 1) * n), 0.0);
  }
  const double uniform = 1.0 / static_cast<double>(n);
  std::vector<double> rank(n, uniform);
  std::vector<double> next(n, 0.0);
  std::vector<double> share(n, 0.0);
  for (std::size_t iteration = 0; iteration < k_max_iterations; ++iteration) {
    double dangling = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      if (out_weight[i] > 0.0) {
        share[i] = rank[i] / out_weight[i];
      } else {
        share[i] = 0.0;
        dangling += rank[i];
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      next[i] = ((1.0 - k_damping) + k_damping * dangling) * teleport[i];
    }
    // w is symmetric, so row i holds the weights of the edges into i.
    for (std::size_t i = 0; i < n; ++i) {
      const double* row = w.data() + i * n;
      double in = 0.0;
      for (std::size_t j = 0; j < n; ++j) {
        in += row[j] * share[j];
      }
      next[i] += k_damping * in;
    }
    double delta = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      delta += std::abs(next[i] - rank[i]);
    }
    rank.swap(next);
    if (delta < k_tolerance) {
      break;
    }
  }
  return rank;
}

// News puts the most important facts first (the inverted pyramid), and a paragraph opens with
// its point: the prior falls quickly with the sentence's place in the text and favours
// paragraph leads. `place` counts from 0 at the first sentence of the article proper. In [0, 1].
double position_prior(std::size_t place, bool is_paragraph_lead) noexcept {
  return 0.8 * std::exp(-static_cast<double>(place) / 3.0) + (is_paragraph_lead ? 0.2 : 0.0);
}

// The title as the first sentence of the text (feeds often repeat the headline there).
bool repeats_title(std::string_view sentence, std::string_view title) {
  std::vector<std::string> a;
  std::vector<std::string> b;
  for (const text::Word& w : text::words(sentence)) {
    a.push_back(text::lower(w.text));
  }
  for (const text::Word& w : text::words(title)) {
    b.push_back(text::lower(w.text));
  }
  if (a.empty() || b.empty()) {
    return false;
  }
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  std::vector<std::string> shared;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(shared));
  const std::size_t all = a.size() + b.size() - shared.size();
  return static_cast<double>(shared.size()) >= 0.8 * static_cast<double>(all);
}

bool is_english(std::string_view tag) {
  return text::lower(tag).starts_with("en");
}

} // namespace

std::vector<std::string_view> Summarizer::pick(std::string_view text, std::string_view title,
                                               std::string_view story_language) const {
  const std::vector<text::Sentence> sentences = text::split_sentences(text);
  if (sentences.empty()) {
    return {};
  }
  const std::string_view language = !m_options.language.empty() ? m_options.language
                                    : !story_language.empty()   ? story_language
                                                                : std::string_view("en");
  const bool english = is_english(language);

  Vocabulary vocabulary;
  std::vector<Candidate> all;
  const std::size_t limit = std::min(sentences.size(), k_max_ranked_sentences);
  all.reserve(limit);
  // A headline repeated as the first line is left out, and the article starts after it.
  const std::size_t first = repeats_title(sentences[0].text, title) ? 1 : 0;
  for (std::size_t i = first; i < limit; ++i) {
    Candidate c;
    c.sentence = i;
    c.length = code_points(sentences[i].text);
    index_sentence(sentences[i].text, english, vocabulary, c);
    all.push_back(std::move(c));
  }
  // Short sentences (datelines, captions, "He declined.") are not chosen; a text made only of
  // them is summarised by what there is.
  std::vector<Candidate> candidates;
  for (Candidate& c : all) {
    if (c.word_count >= m_options.min_words) {
      candidates.push_back(std::move(c));
    }
  }
  if (candidates.empty()) {
    candidates = std::move(all);
  }
  if (candidates.empty()) {
    return {};
  }
  if (!english) {
    drop_ubiquitous_terms(candidates, vocabulary.size());
  }

  const std::size_t n = candidates.size();
  const TfIdf tfidf(candidates, vocabulary.size());
  const std::vector<double> weights = m_options.algorithm == Algorithm::lexrank
                                          ? lexrank_weights(tfidf, n)
                                          : textrank_weights(candidates);
  // The position prior weighs twice, by position_weight each time: as the share of the random
  // jump that goes to early sentences (a position-biased PageRank, so that the lead's neighbours
  // gain too), and in the final blend with the rank. 0 gives plain TextRank or LexRank, 1 the
  // lead. Without the bias in the walk, a long sentence deep in the text that shares words with
  // many others beats the second sentence of the lead too often.
  std::vector<double> prior(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = candidates[k].sentence;
    const bool is_lead = i == 0 || sentences[i].paragraph != sentences[i - 1].paragraph;
    prior[k] = position_prior(i - first, is_lead);
  }
  const double w = m_options.position_weight;
  const double prior_sum = std::accumulate(prior.begin(), prior.end(), 0.0);
  std::vector<double> teleport(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    teleport[k] = (1.0 - w) / static_cast<double>(n) + w * prior[k] / prior_sum;
  }
  const std::vector<double> rank = page_rank(weights, n, teleport);
  const double top = *std::max_element(rank.begin(), rank.end());
  std::vector<double> score(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    score[k] = (1.0 - w) * (top > 0.0 ? rank[k] / top : 0.0) + w * prior[k];
  }

  // Greedy maximal marginal relevance: each pick is the best score minus a penalty for what it
  // shares with the sentences already picked, so that the summary does not say one thing twice.
  std::vector<std::size_t> chosen;
  std::vector<bool> is_out(n, false);
  std::size_t chars = 0;
  while (chosen.size() < m_options.sentences) {
    std::size_t best = n;
    double best_value = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      if (is_out[k]) {
        continue;
      }
      // The joining spaces count: the limit applies to the summary as published. What does not
      // fit now never will, the summary only grows.
      const std::size_t added = candidates[k].length + (chosen.empty() ? 0 : 1);
      if (m_options.max_chars != 0 && chars + added > m_options.max_chars) {
        is_out[k] = true;
        continue;
      }
      double redundancy = 0.0;
      bool is_repeat = false;
      for (const std::size_t c : chosen) {
        redundancy = std::max(redundancy, tfidf.cosine(c, k));
        is_repeat = is_repeat || jaccard(candidates[c].terms, candidates[k].terms) > k_max_overlap;
      }
      if (is_repeat) {
        is_out[k] = true;
        continue;
      }
      const double value = score[k] - k_redundancy_penalty * redundancy;
      if (best == n || value > best_value) {
        best = k;
        best_value = value;
      }
    }
    if (best == n) {
      break;
    }
    chars += candidates[best].length + (chosen.empty() ? 0 : 1);
    chosen.push_back(best);
    is_out[best] = true;
  }
  std::sort(chosen.begin(), chosen.end(), [&](std::size_t a, std::size_t b) {
    return candidates[a].sentence < candidates[b].sentence;
  });
  std::vector<std::string_view> out;
  out.reserve(chosen.size());
  for (const std::size_t k : chosen) {
    out.push_back(sentences[candidates[k].sentence].text);
  }
  return out;
}

std::string Summarizer::summarize(std::string_view text, std::string_view title,
                                  std::string_view story_language) const {
  std::string out;
  for (const std::string_view s : pick(text, title, story_language)) {
    if (!out.empty()) {
      out.push_back(' ');
    }
    out.append(s);
  }
  return out;
}

} // namespace feedwire::summarizer
