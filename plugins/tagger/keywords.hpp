#pragma once

#include "tagger/df_table.hpp"
#include "tagger/document.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// Statistical keywords: words and two-word phrases a story uses often and the stream uses
// rarely (TF-IDF), with document frequencies learned from the stream (DfTable).
namespace feedwire::tagger {

// How many stories the DF table must have counted before its frequencies are trusted on
// their own; until then they are blended with a built-in English background list (or, for
// other languages, keyword scores are damped).
inline constexpr std::uint64_t k_df_warm_up_stories = 50;

struct Keyword {
  std::string term; // lower case: "missile", "interest rates"
  double score = 0; // in [0, 1]
};

// The distinct terms of `doc` that the DF table counts: lower-case words of the title and the
// text's content lines that could be keywords (not ids, numbers, or, for English, stop words),
// whatever their case in the story. Views into `doc`.
[[nodiscard]] std::vector<std::string_view> df_terms(const Document& doc, bool english);

// The keywords of `doc`, highest score first. `in_entity` flags the tokens that belong to
// named entities (EntityResult::in_entity; empty: none); those and other mid-sentence capitals
// are left to the entities. `df` should already count `doc` (DfTable::add_story with
// df_terms()). `english` enables English stop words and the background list.
[[nodiscard]] std::vector<Keyword> find_keywords(const Document& doc,
                                                 const std::vector<std::uint8_t>& in_entity,
                                                 const DfTable& df, bool english);

} // namespace feedwire::tagger
