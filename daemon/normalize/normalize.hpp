#pragma once

#include "model/story.hpp"
#include "parse/parsed_feed.hpp"

namespace fw::normalize {

// Turns the parse stage's values into stories: plain text for titles, descriptions and names;
// the HTML fields with relative URLs made absolute; `text` from content (else summary) with
// paragraphs kept. Pure; never throws on any input.
[[nodiscard]] model::FeedDocument normalize_feed(parse::ParsedFeed parsed);

} // namespace fw::normalize
