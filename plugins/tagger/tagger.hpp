#pragma once

#include "tagger/config.hpp"
#include "tagger/df_table.hpp"
#include "tagger/entities.hpp"
#include "tagger/rules.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The tagger's core, without the plugin ABI: rule tags, named entities and keywords for one
// story at a time.
namespace feedwire::tagger {

enum class TagKind : std::uint8_t { rule, entity, keyword };

// One tag for a story.
struct TagResult {
  std::string tag;   // for Story::add_tag: "Kim Jong Un", "north-korea", "interest rates"
  std::string label; // how it reads
  std::string slug;  // feedwire::slugify(tag): what feedwired files it under; the tagger
                     // keeps one tag per slug
  double score = 0;  // in [0, 1]
  TagKind kind = TagKind::keyword;
  EntityType type = EntityType::unknown; // for entities
  std::uint32_t mentions = 0;            // for entities
};

// The story attribute "entities": a JSON array of {"name", "type", "mentions"} for the entity
// tags among `tags`, in their order; "[]" when there are none.
[[nodiscard]] std::string entities_json(const std::vector<TagResult>& tags);

class Tagger {
public:
  // Receives warnings meant for the operator (a corrupt DF file, a failed save).
  using Warn = std::function<void(std::string_view message)>;

  // The DF table lives in `state_dir`/df.txt when state_dir is given (it must exist), in
  // memory otherwise. A DF file that cannot be read is reported through `warn`, and the
  // tagger starts with an empty table. Throws only std::bad_alloc.
  Tagger(const Config& config, RuleSet rules, std::optional<std::filesystem::path> state_dir,
         Warn warn);
  Tagger(const Tagger&) = delete;
  Tagger& operator=(const Tagger&) = delete;
  // Saves the DF table if it changed since the last save; a failure goes to `warn`.
  ~Tagger();

  // Tags one story: `title` and `text` (plain text, paragraphs separated by '\n'),
  // `language` the story's language tag ("" when unknown; the config's `language` wins).
  // Returns at most config.max_tags tags: rule tags first, then entities and keywords by
  // score, one per slug. Counts the story in the DF table (when keywords are on and it has
  // words beyond boilerplate) and saves the table every config.save_every stories counted.
  // Not thread-safe.
  [[nodiscard]] std::vector<TagResult> tag(std::string_view title, std::string_view text,
                                           std::string_view language);

  // Writes the DF table now. Throws std::system_error when it cannot. No-op without a
  // state_dir.
  void save();

  [[nodiscard]] const DfTable& df() const noexcept { return m_df; }
  // Where the DF table is kept, if anywhere.
  [[nodiscard]] std::optional<std::filesystem::path> df_file() const;

private:
  Config m_config;
  RuleSet m_rules;
  std::optional<std::filesystem::path> m_state_dir;
  Warn m_warn;
  DfTable m_df;
  std::size_t m_unsaved = 0;
};

} // namespace feedwire::tagger
