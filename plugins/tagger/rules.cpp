#include "tagger/rules.hpp"

#include "feedwire/plugin.hpp"

#include <boost/regex.hpp>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <toml++/toml.h>
#include <unordered_map>
#include <utility>
#include <vector>

namespace feedwire::tagger {
namespace {

// Boost.Regex rather than std::regex: faster than libstdc++'s std::regex on the same
// patterns, Perl syntax including inline flags such as (?i), and a bound on backtracking (it
// throws instead of running for minutes on a pathological pattern).
struct Rule {
  std::string tag;
  std::string label;
  std::vector<std::vector<std::string>> phrases; // norms, as norms_of() gives them
  std::vector<boost::regex> regexes;
  double score = 1.0;
  bool in_title = true;
  bool in_text = true;
};

// Where a phrase's first word leads: (rule index, phrase index).
using PhraseRefs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

std::string line_of(const toml::node& node) {
  const toml::source_position pos = node.source().begin;
  return pos ? "line " + std::to_string(pos.line) : std::string("unknown line");
}

class RuleError {
public:
  RuleError(std::string_view source, std::size_t index, const toml::node& node)
      : m_prefix("rules file " + std::string(source) + ": rule " + std::to_string(index + 1)),
        m_line(line_of(node)) {}

  void set_tag(std::string_view tag) { m_tag = tag; }

  [[noreturn]] void fail(const std::string& reason, const toml::node* at = nullptr) const {
    std::string where = m_prefix;
    where += " (";
    if (!m_tag.empty()) {
      where += "tag \"" + m_tag + "\", ";
    }
    where += at != nullptr ? line_of(*at) : m_line;
    where += "): ";
    throw ConfigError(where + reason);
  }

private:
  std::string m_prefix;
  std::string m_line;
  std::string m_tag;
};

// A list of strings, or one string standing for a list of one.
std::vector<std::pair<std::string, const toml::node*>>
strings_of(const toml::node& node, std::string_view key, const RuleError& err) {
  std::vector<std::pair<std::string, const toml::node*>> out;
  if (const auto* s = node.as_string()) {
    out.emplace_back(s->get(), &node);
    return out;
  }
  const auto* array = node.as_array();
  if (array == nullptr) {
    err.fail("`" + std::string(key) + "` must be a list of strings", &node);
  }
  for (const toml::node& item : *array) {
    const auto* s = item.as_string();
    if (s == nullptr) {
      err.fail("`" + std::string(key) + "` must be a list of strings", &item);
    }
    if (s->get().empty()) {
      err.fail("`" + std::string(key) + "` has an empty string", &item);
    }
    out.emplace_back(s->get(), &item);
  }
  return out;
}

Rule parse_rule(const toml::table& table, std::size_t index, std::string_view source) {
  RuleError err(source, index, table);
  Rule rule;
  if (const auto* tag = table.get("tag"); tag != nullptr && tag->is_string()) {
    err.set_tag(tag->as_string()->get());
  }
  bool has_tag = false;
  bool has_fields = false;
  for (const auto& [key, value] : table) {
    const std::string_view k = key.str();
    if (k == "tag") {
      const auto* s = value.as_string();
      if (s == nullptr || s->get().empty()) {
        err.fail("`tag` must be a non-empty string", &value);
      }
      rule.tag = s->get();
      has_tag = true;
    } else if (k == "label") {
      const auto* s = value.as_string();
      if (s == nullptr) {
        err.fail("`label` must be a string", &value);
      }
      rule.label = s->get();
    } else if (k == "phrases") {
      for (const auto& [phrase, node] : strings_of(value, k, err)) {
        std::vector<std::string> norms = norms_of(phrase);
        if (norms.empty()) {
          err.fail("phrase \"" + phrase + "\" has no words", node);
        }
        rule.phrases.push_back(std::move(norms));
      }
    } else if (k == "regex") {
      for (const auto& [pattern, node] : strings_of(value, k, err)) {
        try {
          rule.regexes.emplace_back(pattern, boost::regex::perl);
        } catch (const boost::regex_error& e) {
          err.fail("bad regex \"" + pattern + "\": " + e.what(), node);
        }
      }
    } else if (k == "score") {
      const std::optional<double> score = value.value<double>();
      if (!score || !(*score > 0.0 && *score <= 1.0)) {
        err.fail("`score` must be a number in (0, 1]", &value);
      }
      rule.score = *score;
    } else if (k == "fields") {
      rule.in_title = false;
      rule.in_text = false;
      for (const auto& [field, node] : strings_of(value, k, err)) {
        if (field == "title") {
          rule.in_title = true;
        } else if (field == "text") {
          rule.in_text = true;
        } else {
          err.fail("unknown field \"" + field + "\" (expected \"title\" or \"text\")", node);
        }
      }
      has_fields = true;
    } else {
      err.fail("unknown key `" + std::string(k) +
                   "` (expected tag, label, phrases, regex, score, fields)",
               &value);
    }
  }
  if (!has_tag) {
    err.fail("`tag` is missing");
  }
  if (rule.phrases.empty() && rule.regexes.empty()) {
    err.fail("the rule has neither `phrases` nor `regex`");
  }
  if (has_fields && !rule.in_title && !rule.in_text) {
    err.fail("`fields` is empty");
  }
  if (rule.label.empty()) {
    rule.label = rule.tag;
  }
  return rule;
}

} // namespace

struct RuleSet::Impl {
  std::vector<Rule> rules;
  std::unordered_map<std::string, PhraseRefs, StringHash, std::equal_to<>> by_first_word;
};

RuleSet::RuleSet() : m_impl(std::make_unique<Impl>()) {}
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;
RuleSet::~RuleSet() = default;

std::size_t RuleSet::size() const noexcept {
  return m_impl->rules.size();
}

RuleSet RuleSet::parse(std::string_view toml_text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const toml::source_position pos = e.source().begin;
    throw ConfigError("rules file " + std::string(source) + ": line " + std::to_string(pos.line) +
                      ", column " + std::to_string(pos.column) + ": " +
                      std::string(e.description()));
  }
  RuleSet set;
  for (const auto& [key, value] : root) {
    if (key.str() != "rule") {
      throw ConfigError("rules file " + std::string(source) + ": " + line_of(value) +
                        ": unknown key `" + std::string(key.str()) +
                        "` (rules are [[rule]] tables)");
    }
  }
  const toml::node* rules = root.get("rule");
  if (rules == nullptr) {
    return set;
  }
  const toml::array* array = rules->as_array();
  if (array == nullptr) {
    throw ConfigError("rules file " + std::string(source) + ": " + line_of(*rules) +
                      ": `rule` must be an array of tables ([[rule]])");
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& node = *array->get(i);
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      throw ConfigError("rules file " + std::string(source) + ": rule " + std::to_string(i + 1) +
                        " (" + line_of(node) + "): a rule must be a table ([[rule]])");
    }
    set.m_impl->rules.push_back(parse_rule(*table, i, source));
  }
  for (std::uint32_t r = 0; r < set.m_impl->rules.size(); ++r) {
    const Rule& rule = set.m_impl->rules[r];
    for (std::uint32_t p = 0; p < rule.phrases.size(); ++p) {
      set.m_impl->by_first_word[rule.phrases[p].front()].emplace_back(r, p);
    }
  }
  return set;
}

RuleSet RuleSet::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ConfigError("rules file " + file.string() +
                      ": cannot be read (check the `rules` path, relative to the config file)");
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) {
    throw ConfigError("rules file " + file.string() + ": read error");
  }
  return parse(bytes.str(), file.string());
}

std::vector<RuleTag> RuleSet::match(const Document& doc) const {
  const std::vector<Rule>& rules = m_impl->rules;
  std::vector<std::uint8_t> matched(rules.size(), 0);
  if (rules.empty()) {
    return {};
  }

  // Phrases: one pass over the tokens, looking up each token as a possible first word.
  if (!m_impl->by_first_word.empty()) {
    for (const SentenceSpan& s : doc.sentences) {
      const bool is_title = s.field == Field::title;
      for (std::uint32_t i = s.begin; i < s.end; ++i) {
        const auto it = m_impl->by_first_word.find(doc.tokens[i].norm);
        if (it == m_impl->by_first_word.end()) {
          continue;
        }
        for (const auto& [r, p] : it->second) {
          const Rule& rule = rules[r];
          if (matched[r] != 0 || !(is_title ? rule.in_title : rule.in_text)) {
            continue;
          }
          const std::vector<std::string>& phrase = rule.phrases[p];
          if (i + phrase.size() > s.end) {
            continue;
          }
          bool ok = true;
          for (std::size_t k = 1; k < phrase.size() && ok; ++k) {
            const Token& t = doc.tokens[i + k];
            // "interest, rates" is not the phrase "interest rates".
            ok = t.norm == phrase[k] && t.gap != Gap::other;
          }
          matched[r] = ok ? 1 : 0;
        }
      }
    }
  }

  for (std::size_t r = 0; r < rules.size(); ++r) {
    const Rule& rule = rules[r];
    for (std::size_t k = 0; k < rule.regexes.size() && matched[r] == 0; ++k) {
      try {
        const auto flags = boost::match_default | boost::match_not_dot_newline;
        if ((rule.in_title &&
             boost::regex_search(doc.title.begin(), doc.title.end(), rule.regexes[k], flags)) ||
            (rule.in_text && boost::regex_search(doc.content, rule.regexes[k], flags))) {
          matched[r] = 1;
        }
      } catch (const std::runtime_error&) {
        // Boost gave up on a pattern that backtracks too much on this text: the rule simply
        // does not match this story.
      }
    }
  }

  std::vector<RuleTag> out;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    if (matched[r] != 0) {
      out.push_back(RuleTag{rules[r].tag, rules[r].label, rules[r].score});
    }
  }
  return out;
}

} // namespace feedwire::tagger
