#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// The tagger's configuration: the [[plugin]] table's `config`, as JSON.
namespace feedwire::tagger {

struct Config {
  std::string rules;              // a TOML rules file, as written (relative: to the config
                                  // file's folder); empty: no rule tags
  std::size_t max_tags = 10;      // tags per story, rule tags included (1 to 64)
  double min_score = 0.2;         // entity and keyword tags below it are dropped
  bool entities = true;           // named-entity tags
  bool keywords = true;           // statistical keyword tags (and the DF table)
  std::size_t max_terms = 200000; // DF table size bound
  std::size_t save_every = 500;   // stories between DF saves
  std::string language;           // empty: the story's language, else "en"
};

// Parses the JSON configuration ("" counts as {}). Throws feedwire::ConfigError naming the key
// for an unknown key or a value of the wrong type or out of range, and for text that is not a
// JSON object.
[[nodiscard]] Config parse_config(std::string_view json);

} // namespace feedwire::tagger
