#include "tagger/tagger.hpp"

#include "feedwire/slug.hpp"
#include "tagger/document.hpp"
#include "tagger/keywords.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <system_error>
#include <unordered_set>
#include <utility>

namespace feedwire::tagger {
namespace {

constexpr std::string_view k_df_file = "df.txt";

// English rules (stop words, the background list) apply to "en", "en-GB", "en_US".
bool is_english(std::string_view language) {
  return language.size() >= 2 && std::tolower(static_cast<unsigned char>(language[0])) == 'e' &&
         std::tolower(static_cast<unsigned char>(language[1])) == 'n' &&
         (language.size() == 2 || language[2] == '-' || language[2] == '_');
}

// German capitalises every noun, so capitals say nothing about names there.
bool capitalises_nouns(std::string_view language) {
  const auto prefix = [&](std::string_view code) {
    return language.size() >= 2 &&
           std::tolower(static_cast<unsigned char>(language[0])) == code[0] &&
           std::tolower(static_cast<unsigned char>(language[1])) == code[1] &&
           (language.size() == 2 || language[2] == '-' || language[2] == '_');
  };
  return prefix("de") || prefix("lb");
}

} // namespace

std::string entities_json(const std::vector<TagResult>& tags) {
  nlohmann::json array = nlohmann::json::array();
  for (const TagResult& t : tags) {
    if (t.kind == TagKind::entity) {
      array.push_back(
          {{"name", t.tag}, {"type", std::string(to_string(t.type))}, {"mentions", t.mentions}});
    }
  }
  return array.dump();
}

Tagger::Tagger(const Config& config, RuleSet rules, std::optional<std::filesystem::path> state_dir,
               Warn warn)
    : m_config(config), m_rules(std::move(rules)), m_state_dir(std::move(state_dir)),
      m_warn(std::move(warn)), m_df(config.max_terms) {
  const std::optional<std::filesystem::path> file = df_file();
  if (!file || !m_config.keywords) {
    return;
  }
  try {
    m_df = DfTable::load(*file, m_config.max_terms);
  } catch (const DfFormatError& e) {
    m_warn(std::string("tagger: ") + e.what() +
           "; starting with empty document frequencies (the file is replaced at the next save)");
  } catch (const std::system_error& e) {
    m_warn(std::string("tagger: ") + e.what() +
           "; starting with empty document frequencies (check the folder's permissions)");
  }
}

Tagger::~Tagger() {
  if (m_unsaved == 0 || !m_state_dir) {
    return;
  }
  try {
    save();
  } catch (const std::system_error& e) {
    m_warn(std::string("tagger: document frequencies not saved: ") + e.what());
  } catch (const std::bad_alloc&) {
    m_warn("tagger: document frequencies not saved: out of memory");
  }
}

std::optional<std::filesystem::path> Tagger::df_file() const {
  if (!m_state_dir) {
    return std::nullopt;
  }
  return *m_state_dir / k_df_file;
}

void Tagger::save() {
  const std::optional<std::filesystem::path> file = df_file();
  if (!file) {
    return;
  }
  m_df.save(*file);
  m_unsaved = 0;
}

std::vector<TagResult> Tagger::tag(std::string_view title, std::string_view text,
                                   std::string_view language) {
  const std::string_view lang = !m_config.language.empty()
                                    ? std::string_view(m_config.language)
                                    : (!language.empty() ? language : std::string_view("en"));
  const bool english = is_english(lang);
  const Document doc = analyse(title, text);

  std::vector<TagResult> out;
  std::unordered_set<std::string> slugs;
  const auto add = [&](TagResult t) {
    t.slug = slugify(t.tag);
    if (out.size() < m_config.max_tags && !t.slug.empty() && slugs.insert(t.slug).second) {
      out.push_back(std::move(t));
    }
  };

  std::vector<RuleTag> rule_tags = m_rules.match(doc);
  std::stable_sort(rule_tags.begin(), rule_tags.end(),
                   [](const RuleTag& a, const RuleTag& b) { return a.score > b.score; });
  for (RuleTag& r : rule_tags) {
    add(TagResult{std::move(r.tag), std::move(r.label), {}, r.score, TagKind::rule, {}, 0});
  }

  std::vector<TagResult> pool;
  EntityResult entities;
  if (m_config.entities && !capitalises_nouns(lang)) {
    entities = find_entities(doc);
    for (Entity& e : entities.entities) {
      if (e.score >= m_config.min_score) {
        pool.push_back(TagResult{e.name, e.name, {}, e.score, TagKind::entity, e.type, e.mentions});
      }
    }
  }
  if (m_config.keywords) {
    // A story with no words left (boilerplate only, or empty) says nothing about frequencies.
    const std::vector<std::string_view> terms = df_terms(doc, english);
    if (!terms.empty()) {
      m_df.add_story(terms);
      ++m_unsaved;
    }
    for (Keyword& k : find_keywords(doc, entities.in_entity, m_df, english)) {
      if (k.score >= m_config.min_score) {
        pool.push_back(TagResult{k.term, k.term, {}, k.score, TagKind::keyword, {}, 0});
      }
    }
  }
  // Entities before keywords at equal scores: a name says more than a word.
  std::stable_sort(pool.begin(), pool.end(),
                   [](const TagResult& a, const TagResult& b) { return a.score > b.score; });
  for (TagResult& t : pool) {
    add(std::move(t));
  }

  if (m_state_dir && m_unsaved >= m_config.save_every) {
    try {
      save();
    } catch (const std::system_error& e) {
      // Keep tagging: the table is still in memory, and the next save may work.
      m_warn(std::string("tagger: document frequencies not saved: ") + e.what());
      m_unsaved = 0;
    }
  }
  return out;
}

} // namespace feedwire::tagger
