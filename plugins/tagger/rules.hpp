#pragma once

#include "tagger/document.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// Operator-written tagging rules from a TOML file (see examples/rules.toml for the format).
namespace feedwire::tagger {

// A rule that matched a story.
struct RuleTag {
  std::string tag;   // as the rule gives it
  std::string label; // the rule's label, or its tag
  double score = 1;  // the rule's score, in (0, 1]
};

class RuleSet {
public:
  // No rules.
  RuleSet();
  RuleSet(RuleSet&&) noexcept;
  RuleSet& operator=(RuleSet&&) noexcept;
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;
  ~RuleSet();

  // Parses rules from TOML text. `source` names the file in error messages. Throws
  // feedwire::ConfigError naming the source, the rule (1-based index, its tag when it has one,
  // the line) and what is wrong: a TOML syntax error, an unknown key, a missing or empty tag,
  // a rule with neither phrases nor regexes, a bad regex, a score outside (0, 1], an unknown
  // field.
  [[nodiscard]] static RuleSet parse(std::string_view toml, std::string_view source);
  // Reads and parses a rules file; also throws feedwire::ConfigError when it cannot be read.
  [[nodiscard]] static RuleSet load(const std::filesystem::path& file);

  // The rules that match `doc`, one entry per rule, in the file's order. A phrase matches
  // whole words, ignoring case, within one sentence; a regex is searched in the title and in
  // the text's content lines joined by '\n' ('.' does not cross lines). Boilerplate lines are
  // never searched. Const and stateless: safe to call from several threads.
  [[nodiscard]] std::vector<RuleTag> match(const Document& doc) const;

  [[nodiscard]] std::size_t size() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace feedwire::tagger
