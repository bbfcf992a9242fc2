#include "tagger/entities.hpp"

#include "tagger/lexicon.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace feedwire::tagger {
namespace {

using Span = std::vector<std::uint32_t>; // token indices, in order

bool has_letter(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           static_cast<unsigned char>(c) >= 0x80;
  });
}

bool is_number(const Token& t) {
  return t.has_digit && !has_letter(t.text);
}

// "SAN FRANCISCO" -> "San Francisco", for a dateline place the text never writes otherwise.
std::string title_case(std::string_view shouted) {
  std::string out(shouted);
  bool word_start = true;
  for (char& c : out) {
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (letter && !word_start && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    word_start = !letter && c != '\'';
  }
  return out;
}

bool is_connector(const Token& t) {
  return !t.capitalised && (lexicon::is_particle(t.norm) || lexicon::is_of_connector(t.norm));
}

// A run of name tokens as written, before sentence starts and honorifics are dealt with.
struct Run {
  Span tokens;
  bool at_sentence_start = false;
};

struct Mention {
  Span tokens;
  // Evidence of a person: 2 for an honorific or a role before the name ("President", "coach"),
  // 1 for an inverted attribution ("..., said Ankit Panda"), which a team or a company can
  // also take.
  int person = 0;
  bool place = false;
  bool dateline = false;
};

struct Candidate {
  std::string key; // the tokens' norms joined by ' '
  std::vector<std::string_view> norms;
  std::string name;
  bool name_from_text = false;
  std::uint32_t mentions = 0;
  std::uint32_t first_token = 0;
  bool in_title = false;
  bool in_lead = false;
  int person_votes = 0;
  int place_votes = 0;
  bool single_acronym = false; // one token, in capitals at every mention
  bool name_shouted = false;   // the name kept so far is in capitals ("SEOUL" in a dateline)
  bool in_dateline = false;
  bool has_connector = false;
  bool merged = false; // folded into a longer form
  std::vector<Span> spans;
};

// Score weights. A name that recurs, heads the story and sits in its title is what the story
// is about; one passing mention of a two-word name lands near 0.35, a story's main actor near
// 0.8-0.9. The saturating curve keeps scores comparable across stories without ranking
// against the story's own best.
constexpr double k_mention_weight = 1.2;
constexpr double k_title_bonus = 1.2;
constexpr double k_lead_bonus = 0.4;
constexpr double k_multiword_bonus = 0.3;
constexpr double k_typed_bonus = 0.1;
constexpr double k_scale = 2.5;

class Finder {
public:
  explicit Finder(const Document& doc) : m_doc(doc) {}

  EntityResult run() {
    for (const SentenceSpan& s : m_doc.sentences) {
      if (s.field == Field::text && s.paragraph == m_doc.lead_paragraph) {
        m_lead_sentence = &s;
        break;
      }
    }
    const std::vector<Run> runs = grow_runs();
    for (const Run& r : runs) {
      if (!r.at_sentence_start) {
        m_mid_run_keys.insert(key_of(r.tokens));
      }
    }
    for (const Run& r : runs) {
      process(r);
    }
    count_title_hits();
    fold_acronyms();
    fold_acronym_prefixes();
    fold_short_names();
    return finish();
  }

private:
  const Document& m_doc;
  std::unordered_set<std::string_view> m_mid_caps;
  std::unordered_set<std::string> m_mid_run_keys;
  std::unordered_map<std::string, std::size_t> m_index;
  std::vector<Candidate> m_candidates;
  const SentenceSpan* m_lead_sentence = nullptr; // the first sentence of the lead paragraph

  const Token& tok(std::uint32_t i) const { return m_doc.tokens[i]; }

  std::string key_of(const Span& span) const {
    std::string key;
    for (const std::uint32_t i : span) {
      if (!key.empty()) {
        key.push_back(' ');
      }
      key.append(tok(i).norm);
    }
    return key;
  }

  // Title sentences are only read for names when the title is sentence case; a title-case
  // title is matched against the names the text gives instead (count_title_hits).
  bool is_readable(const SentenceSpan& s) const { return !s.heading; }

  bool is_name_token(const Token& t, bool continuing) const {
    if (!t.capitalised || t.is_id || !has_letter(t.text)) {
      return false;
    }
    // "I" and other capitalised stop words cannot open a name, but "The" may ("The Hague"
    // loses it later) and "May" may continue one ("Theresa May").
    if (t.is_stop && t.text.size() == 1) {
      return false;
    }
    if (t.is_calendar) {
      return continuing && t.norm == "may";
    }
    return true;
  }

  std::vector<Run> grow_runs() {
    std::vector<Run> runs;
    for (const SentenceSpan& s : m_doc.sentences) {
      if (!is_readable(s)) {
        continue;
      }
      for (std::uint32_t i = s.begin; i < s.end; ++i) {
        if (i > s.begin && tok(i).capitalised && s.field == Field::text) {
          m_mid_caps.insert(tok(i).norm);
        }
      }
      std::uint32_t i = s.begin;
      while (i < s.end) {
        if (!is_name_token(tok(i), false)) {
          ++i;
          continue;
        }
        Run r;
        r.at_sentence_start = i == s.begin;
        r.tokens.push_back(i);
        std::uint32_t j = i + 1;
        while (j < s.end) {
          const std::uint32_t taken = extend(r.tokens, j, s.end);
          if (taken == 0) {
            break;
          }
          j += taken;
        }
        i = j;
        runs.push_back(std::move(r));
      }
    }
    return runs;
  }

  // Tries to continue the run at token j; returns how many tokens it took (0: the run ends).
  std::uint32_t extend(Span& run, std::uint32_t j, std::uint32_t end) const {
    const Token& t = tok(j);
    const Token& last = tok(run.back());
    if ((t.gap == Gap::space || t.gap == Gap::dotted) && is_name_token(t, true)) {
      run.push_back(j);
      return 1;
    }
    if (t.gap == Gap::ampersand && is_name_token(t, true) && last.capitalised) {
      run.push_back(j);
      return 1;
    }
    if (t.gap == Gap::space && is_connector(t) &&
        (lexicon::is_particle(t.norm) || lexicon::joins_of(last.norm))) {
      // Up to two particles in a row: "Ursula von der Leyen".
      std::uint32_t k = j + 1;
      if (k < end && tok(k).gap == Gap::space && lexicon::is_particle(t.norm) &&
          !tok(k).capitalised && lexicon::is_particle(tok(k).norm)) {
        ++k;
      }
      if (k < end && tok(k).gap == Gap::space && is_name_token(tok(k), true)) {
        for (std::uint32_t n = j; n <= k; ++n) {
          run.push_back(n);
        }
        return k - j + 1;
      }
      return 0;
    }
    // A model number inside a product name: "iPhone 16 Pro", "Galaxy S24 Ultra".
    if (t.gap == Gap::space && is_number(t) && t.text.size() <= 4 && j + 1 < end &&
        tok(j + 1).gap == Gap::space && is_name_token(tok(j + 1), true)) {
      run.push_back(j);
      run.push_back(j + 1);
      return 2;
    }
    return 0;
  }

  bool is_honorific_at(const Span& run, std::size_t k, std::size_t* length) const {
    if (k > 0 && is_connector(tok(run[k - 1]))) {
      return false; // "Department of Justice"
    }
    std::string_view norms[4];
    const std::size_t n = std::min<std::size_t>(4, run.size() - k);
    for (std::size_t i = 0; i < n; ++i) {
      norms[i] = tok(run[k + i]).norm;
    }
    const std::size_t len = lexicon::honorific_length(norms, n);
    if (len == 0) {
      return false;
    }
    const std::size_t after = k + len;
    if (after < run.size()) {
      // "Prince of Wales", "Duke University", "President Hotel": no person follows.
      if (is_connector(tok(run[after]))) {
        return false;
      }
      for (std::size_t i = after; i < run.size(); ++i) {
        const std::string_view norm = tok(run[i]).norm;
        if (lexicon::is_organisation_word(norm) || lexicon::is_place_word(norm)) {
          return false;
        }
      }
    } else if (len == 1 && k > 0 && lexicon::is_name_honorific(tok(run[k]).norm)) {
      return false; // "Martin Luther King"
    }
    *length = len;
    return true;
  }

  void process(const Run& r) {
    Span toks = r.tokens;
    bool at_start = r.at_sentence_start;
    // "The European Central Bank", "The Hague": a leading capitalised stop word is not part
    // of the name, and what follows it is no longer at the sentence start.
    // "Mr" and "Mrs" are stop words too, but the honorific split below needs them.
    while (!toks.empty() && tok(toks.front()).is_stop &&
           !(tok(toks.front()).acronym && lexicon::is_acronym_name(tok(toks.front()).norm)) &&
           !lexicon::is_person_cue(tok(toks.front()).norm)) {
      toks.erase(toks.begin());
      at_start = false;
    }
    if (toks.empty()) {
      return;
    }
    // Honorifics cut the run: what precedes stands alone ("U.S." in "U.S. Secretary of State
    // Antony Blinken"), what follows is a person.
    std::size_t segment_begin = 0;
    bool person = false;
    for (std::size_t k = 0; k < toks.size(); ++k) {
      std::size_t len = 0;
      if (!is_honorific_at(toks, k, &len)) {
        continue;
      }
      emit_segment(Span(toks.begin() + segment_begin, toks.begin() + k),
                   at_start && segment_begin == 0, person);
      segment_begin = k + len;
      person = true;
      k = segment_begin - 1;
    }
    emit_segment(Span(toks.begin() + segment_begin, toks.end()), at_start && segment_begin == 0,
                 person);
  }

  // Applies the sentence-start rules to a segment, then records it.
  void emit_segment(Span seg, bool at_start, bool person) {
    if (seg.empty()) {
      return;
    }
    if (at_start) {
      const Token& first = tok(seg.front());
      const bool known_mid = m_mid_caps.contains(first.norm);
      if (seg.size() == 1) {
        // A lone capitalised word opening a sentence is only a name when the text also
        // capitalises it elsewhere; acronyms say so themselves.
        if (!first.acronym && !known_mid) {
          return;
        }
      } else if (!m_mid_run_keys.contains(key_of(seg))) {
        const bool common = lexicon::is_common_word(first.norm) && !known_mid;
        if (first.is_stop || common) {
          seg.erase(seg.begin());
        } else if (!known_mid && lexicon::is_of_connector(tok(seg[1]).norm)) {
          // "Residents of Valencia": the opener and its connector go.
          seg.erase(seg.begin(), seg.begin() + 2);
        }
        while (!seg.empty() && is_connector(tok(seg.front()))) {
          seg.erase(seg.begin());
        }
      }
    }
    while (!seg.empty() && is_number(tok(seg.back()))) {
      seg.pop_back();
    }
    if (seg.empty()) {
      return;
    }
    if (seg.size() == 1) {
      const Token& t = tok(seg.front());
      const bool acronym_name = t.acronym && lexicon::is_acronym_name(t.norm);
      if ((t.is_stop && !acronym_name) || (t.acronym && lexicon::is_label_word(t.norm))) {
        return;
      }
      if (t.text.size() < 2) {
        return;
      }
    }
    if (std::all_of(seg.begin(), seg.end(), [&](std::uint32_t i) {
          return lexicon::is_label_word(tok(i).norm) || tok(i).is_stop;
        })) {
      return; // "BREAKING NEWS", "Read More"
    }
    Mention m;
    m.person = person ? 2 : 0;
    const std::uint32_t first = seg.front();
    const std::uint32_t last = seg.back();
    const SentenceSpan& sentence = m_doc.sentences[tok(first).sentence];
    if (first > sentence.begin && tok(first).gap == Gap::space && !tok(first - 1).capitalised) {
      const Token& before = tok(first - 1);
      m.place = lexicon::is_place_preposition(before.norm);
      if (before.norm == "said" || before.norm == "says") {
        // "..., said Ankit Panda" after a quote is an attribution; "Apple said Apple
        // Intelligence would" is reported speech about anything.
        m.person = std::max(m.person, before.gap == Gap::other ? 1 : 0);
      } else if (lexicon::is_person_cue(before.norm)) {
        m.person = 2;
      }
    }
    // A dateline: "SEOUL, South Korea — ...", "VALENCIA, Spain — ..." opening the story.
    const bool opens_story =
        sentence.field == Field::text && first == sentence.begin && &sentence == m_lead_sentence;
    if (opens_story && last + 1 < sentence.end && tok(last + 1).gap == Gap::other &&
        std::all_of(seg.begin(), seg.end(), [&](std::uint32_t i) { return tok(i).acronym; })) {
      m.place = true;
      m.dateline = true;
    }
    m.tokens = std::move(seg);
    record(m, sentence);
  }

  bool is_shouted(const Span& span) const {
    return std::all_of(span.begin(), span.end(), [&](std::uint32_t i) { return tok(i).acronym; });
  }

  std::string name_of(const Span& span) const {
    std::string name;
    for (std::size_t i = 0; i < span.size(); ++i) {
      const Token& t = tok(span[i]);
      if (i > 0) {
        if (t.gap == Gap::dotted) {
          name.append(". ");
        } else if (t.gap == Gap::ampersand) {
          name.append(" & ");
        } else {
          name.push_back(' ');
        }
      }
      name.append(t.text);
    }
    return name;
  }

  void record(const Mention& m, const SentenceSpan& sentence) {
    std::string key = key_of(m.tokens);
    auto [it, inserted] = m_index.try_emplace(key, m_candidates.size());
    if (inserted) {
      Candidate c;
      c.key = std::move(key);
      for (const std::uint32_t i : m.tokens) {
        c.norms.push_back(tok(i).norm);
        c.has_connector = c.has_connector || is_connector(tok(i));
      }
      c.name = name_of(m.tokens);
      c.name_from_text = sentence.field == Field::text;
      c.first_token = m.tokens.front();
      c.single_acronym = m.tokens.size() == 1 && tok(m.tokens.front()).acronym;
      c.name_shouted = is_shouted(m.tokens);
      m_candidates.push_back(std::move(c));
    }
    Candidate& c = m_candidates[it->second];
    const bool shouted = is_shouted(m.tokens);
    // The text's spelling wins over a headline's, and "Seoul" over a dateline's "SEOUL".
    if ((!c.name_from_text && sentence.field == Field::text) || (c.name_shouted && !shouted)) {
      c.name = name_of(m.tokens);
      c.name_from_text = sentence.field == Field::text;
      c.name_shouted = shouted;
    }
    c.single_acronym = c.single_acronym && shouted;
    ++c.mentions;
    c.in_title = c.in_title || sentence.field == Field::title;
    c.in_lead =
        c.in_lead || (sentence.field == Field::text && sentence.paragraph == m_doc.lead_paragraph);
    c.person_votes += m.person;
    c.place_votes += m.place ? 1 : 0;
    c.in_dateline = c.in_dateline || m.dateline;
    c.spans.push_back(m.tokens);
  }

  // A title-case title is not read for names; each of the text's names that it contains
  // counts as a mention in the title, and so does the family name of a person's full name
  // ("Lagarde Warns ..." for Christine Lagarde).
  void count_title_hits() {
    if (!m_doc.title_is_title_case) {
      return;
    }
    for (const SentenceSpan& s : m_doc.sentences) {
      if (s.field != Field::title) {
        continue;
      }
      std::vector<std::uint8_t> covered(s.end - s.begin, 0);
      std::vector<Candidate*> longest_first;
      for (Candidate& c : m_candidates) {
        longest_first.push_back(&c);
      }
      std::stable_sort(
          longest_first.begin(), longest_first.end(),
          [](const Candidate* a, const Candidate* b) { return a->norms.size() > b->norms.size(); });
      for (Candidate* cp : longest_first) {
        Candidate& c = *cp;
        const std::uint32_t hits = count_in(s, c.norms.data(), c.norms.size(), &covered);
        c.mentions += hits;
        c.in_title = c.in_title || hits > 0;
      }
      // Only words no full name took: "Jong" in "Kim Jong Un Oversees ..." is not Kim Yo Jong.
      for (Candidate& c : m_candidates) {
        const bool personal =
            !c.in_title && c.norms.size() >= 2 && !c.has_connector &&
            std::none_of(c.norms.begin(), c.norms.end(), lexicon::is_organisation_word) &&
            std::none_of(c.norms.begin(), c.norms.end(), lexicon::is_place_word);
        if (personal) {
          const std::uint32_t hits = count_in(s, &c.norms.back(), 1, &covered);
          c.mentions += hits;
          c.in_title = hits > 0;
        }
      }
    }
  }

  // Counts the matches of `norms` in sentence `s` over tokens not yet `covered`, and marks
  // them covered.
  std::uint32_t count_in(const SentenceSpan& s, const std::string_view* norms, std::size_t n,
                         std::vector<std::uint8_t>* covered) const {
    std::uint32_t hits = 0;
    for (std::uint32_t i = s.begin; i + n <= s.end; ++i) {
      bool match = true;
      for (std::size_t k = 0; k < n && match; ++k) {
        match = (*covered)[i - s.begin + k] == 0 &&
                tok(i + static_cast<std::uint32_t>(k)).norm == norms[k];
      }
      if (match) {
        ++hits;
        std::fill_n(covered->begin() + (i - s.begin), n, 1);
      }
    }
    return hits;
  }

  void fold_into(Candidate& from, Candidate& into) {
    into.mentions += from.mentions;
    into.in_title = into.in_title || from.in_title;
    into.in_lead = into.in_lead || from.in_lead;
    into.person_votes += from.person_votes;
    into.place_votes += from.place_votes;
    into.spans.insert(into.spans.end(), from.spans.begin(), from.spans.end());
    from.merged = true;
  }

  // The first text token of a candidate's mentions (title mentions sort last).
  std::uint32_t first_text_token(const Candidate& c) const {
    std::uint32_t first = UINT32_MAX;
    for (const Span& span : c.spans) {
      if (m_doc.sentences[tok(span.front()).sentence].field == Field::text) {
        first = std::min(first, span.front());
      }
    }
    return first;
  }

  // True when a mention of `c` is followed by a mention of `acronym` in brackets:
  // "Korean Central News Agency (KCNA)".
  bool defines(const Candidate& c, const Candidate& acronym) const {
    for (const Span& span : c.spans) {
      const std::uint32_t next = span.back() + 1;
      if (next >= m_doc.tokens.size() || tok(next).sentence != tok(span.back()).sentence ||
          tok(next).norm != acronym.norms.front()) {
        continue;
      }
      const Token& last = tok(span.back());
      const char* from = last.text.data() + last.text.size();
      const std::string_view between(from, static_cast<std::size_t>(tok(next).text.data() - from));
      if (between.find('(') != std::string_view::npos) {
        return true;
      }
    }
    return false;
  }

  // "Korean Central News Agency (KCNA)", "European Central Bank ... the ECB": the acronym's
  // mentions count for the full name when the text defines it in brackets, or spells the name
  // out before it first uses the acronym and the name is three words or more (two-word names
  // collide too easily: "new AI features ... Apple Intelligence") or a well-known pair such as
  // "United States"/"US".
  void fold_acronyms() {
    for (Candidate& a : m_candidates) {
      if (!a.single_acronym || a.merged) {
        continue;
      }
      std::string letters;
      for (const char c : a.norms.front()) {
        if (c != '.') {
          letters.push_back(c);
        }
      }
      const std::uint32_t acronym_first = first_text_token(a);
      Candidate* best = nullptr;
      for (Candidate& c : m_candidates) {
        if (c.norms.size() < 2 || c.merged) {
          continue;
        }
        const bool spelled_first = first_text_token(c) < acronym_first &&
                                   (c.norms.size() >= 3 || lexicon::is_acronym_name(letters));
        if (!spelled_first && !defines(c, a)) {
          continue;
        }
        std::string initials;
        for (const std::string_view norm : c.norms) {
          if (!lexicon::is_particle(norm) && !lexicon::is_of_connector(norm)) {
            initials.push_back(norm.front());
          }
        }
        if (initials == letters && (best == nullptr || c.mentions > best->mentions)) {
          best = &c;
        }
      }
      if (best != nullptr) {
        fold_into(a, *best);
      }
    }
  }

  // "U.S. State Department ... State Department": a name with a leading acronym counts for the
  // same name without it.
  void fold_acronym_prefixes() {
    for (Candidate& b : m_candidates) {
      if (b.norms.size() < 3 || b.merged || b.spans.empty() ||
          !tok(b.spans.front().front()).acronym) {
        continue;
      }
      const auto it = m_index.find(b.key.substr(b.norms.front().size() + 1));
      if (it != m_index.end() && !m_candidates[it->second].merged) {
        fold_into(b, m_candidates[it->second]);
      }
    }
  }

  // "Christine Lagarde ... Lagarde", "Kim Jong Un ... Kim": a lone first or last name counts
  // for the one full name of the story that it starts or ends.
  void fold_short_names() {
    for (Candidate& s : m_candidates) {
      if (s.norms.size() != 1 || s.single_acronym || s.merged) {
        continue;
      }
      Candidate* best = nullptr;
      for (Candidate& c : m_candidates) {
        if (c.norms.size() < 2 || c.norms.size() > 4 || c.merged || c.has_connector ||
            std::any_of(c.norms.begin(), c.norms.end(), lexicon::is_organisation_word)) {
          continue;
        }
        // Family name first ("Kim Jong Un") only for names of three or more words: "Apple"
        // is not short for "Apple Intelligence".
        const bool matches =
            c.norms.back() == s.key || (c.norms.size() >= 3 && c.norms.front() == s.key);
        if (matches && (best == nullptr || c.mentions > best->mentions)) {
          best = &c;
        }
      }
      if (best != nullptr) {
        fold_into(s, *best);
      }
    }
  }

  // "Japanese", "North Korean", "Latin American": describing words, not names.
  static bool is_adjective(const Candidate& c) {
    if (!lexicon::is_demonym(c.norms.back())) {
      return false;
    }
    return std::all_of(c.norms.begin(), c.norms.end() - 1, [](std::string_view n) {
      return lexicon::is_compass_word(n) || lexicon::is_demonym(n);
    });
  }

  EntityType type_of(const Candidate& c) const {
    if (std::any_of(c.norms.begin(), c.norms.end(), lexicon::is_organisation_word)) {
      return EntityType::organisation;
    }
    if (std::any_of(c.norms.begin(), c.norms.end(), lexicon::is_place_word)) {
      return EntityType::place;
    }
    if (c.person_votes >= 2 && c.person_votes >= c.place_votes) {
      return EntityType::person;
    }
    // One "from Dortmund" among seven mentions of Borussia Dortmund does not make a place.
    if (c.place_votes > 0 && c.place_votes * 4 >= static_cast<int>(c.mentions)) {
      return EntityType::place;
    }
    if (c.single_acronym) {
      return lexicon::is_acronym_name(c.norms.front()) && c.norms.front() != "un" &&
                     c.norms.front() != "who"
                 ? EntityType::place
                 : EntityType::organisation;
    }
    return EntityType::unknown;
  }

  EntityResult finish() {
    EntityResult result;
    result.in_entity.assign(m_doc.tokens.size(), 0);
    std::vector<std::pair<Entity, std::uint32_t>> ranked;
    for (const Candidate& c : m_candidates) {
      if (c.merged) {
        continue;
      }
      if (c.norms.size() == 1 && !c.single_acronym &&
          (c.mentions < 2 || lexicon::is_common_word(c.key))) {
        continue; // single words must recur, and must not be ordinary words
      }
      if (is_adjective(c)) {
        continue;
      }
      Entity e;
      e.name = c.name_shouted && c.in_dateline ? title_case(c.name) : c.name;
      e.type = type_of(c);
      e.mentions = c.mentions;
      e.in_title = c.in_title;
      e.in_lead = c.in_lead;
      const double s = k_mention_weight * std::log1p(static_cast<double>(c.mentions)) +
                       (c.in_title ? k_title_bonus : 0.0) + (c.in_lead ? k_lead_bonus : 0.0) +
                       (c.norms.size() >= 2 ? k_multiword_bonus : 0.0) +
                       (e.type != EntityType::unknown ? k_typed_bonus : 0.0);
      e.score = 1.0 - std::exp(-s / k_scale);
      for (const Span& span : c.spans) {
        for (const std::uint32_t i : span) {
          result.in_entity[i] = 1;
        }
      }
      ranked.emplace_back(std::move(e), c.first_token);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      if (a.first.score != b.first.score) {
        return a.first.score > b.first.score;
      }
      return a.second < b.second;
    });
    result.entities.reserve(ranked.size());
    for (auto& [entity, first] : ranked) {
      result.entities.push_back(std::move(entity));
    }
    return result;
  }
};

} // namespace

std::string_view to_string(EntityType type) noexcept {
  switch (type) {
  case EntityType::person:
    return "person";
  case EntityType::place:
    return "place";
  case EntityType::organisation:
    return "organisation";
  case EntityType::unknown:
    break;
  }
  return "unknown";
}

EntityResult find_entities(const Document& doc) {
  return Finder(doc).run();
}

} // namespace feedwire::tagger
