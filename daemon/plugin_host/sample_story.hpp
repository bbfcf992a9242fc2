#pragma once

#include "model/story.hpp"

// A story for trying and timing plugins (feedwire plugin-check, bench/plugin_bench): a 5 KB news
// article with the boilerplate lines feeds carry (share and subscribe prompts, "Read more",
// "Source link", an author box, a bare id), two categories, an author and a date.
namespace fw::plugin_host {

[[nodiscard]] model::Story sample_story();

} // namespace fw::plugin_host
