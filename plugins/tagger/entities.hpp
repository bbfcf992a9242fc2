#pragma once

#include "tagger/document.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// Named entities: runs of capitalised words as a story writes them ("Kim Jong Un", "Bank of
// England", "NATO"), found without a model or a gazetteer.
namespace feedwire::tagger {

enum class EntityType : std::uint8_t { unknown, person, place, organisation };

// "person", "place", "organisation" or "unknown".
[[nodiscard]] std::string_view to_string(EntityType type) noexcept;

struct Entity {
  std::string name; // as first written in the text, possessive dropped: "Kim Jong Un"
  EntityType type = EntityType::unknown; // a cheap guess, from honorifics and telling words
  std::uint32_t mentions = 0;            // in the text and the title, shorter forms included
  bool in_title = false;
  bool in_lead = false; // in the first content paragraph
  double score = 0;     // in [0, 1]; see entities.cpp for the weights
};

struct EntityResult {
  std::vector<Entity> entities; // highest score first
  // One flag per document token: 1 when the token is part of a mention of a returned entity
  // (the keyword scorer leaves those to the entities).
  std::vector<std::uint8_t> in_entity;
};

// The entities of `doc`. Runs on the caller's thread; keeps no state.
[[nodiscard]] EntityResult find_entities(const Document& doc);

} // namespace feedwire::tagger
