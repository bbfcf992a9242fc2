#pragma once

#include "model/story.hpp"

#include <string>

namespace fw::normalize {

// The `feedwire parse` JSON (schema v1, docs/parse-output.md) of a document: every key present,
// null for a missing value, [] for a missing list, keys in schema order. One line, UTF-8, ending
// in '\n'.
[[nodiscard]] std::string to_json(const model::FeedDocument& doc);

} // namespace fw::normalize
