#pragma once

#include <cstddef>
#include <string_view>

// Small built-in word lists the tagger's heuristics need. Every function takes a word in lower
// case with any possessive dropped (Token::norm) and is safe from any thread.
namespace feedwire::tagger::lexicon {

// How common an English content word is in news text, for keyword scores before the learned
// document frequencies have seen enough stories: 1 very common, 2 common, 0 not listed.
[[nodiscard]] int background_tier(std::string_view norm);

// True for a common English word that starts sentences without being a name ("After",
// "Officials", "Meanwhile"): a background word or one of the usual sentence openers.
[[nodiscard]] bool is_common_word(std::string_view norm);

// A title that goes before a name and is not part of it ("Mr", "President", "Gen"). Returns
// how many of `norms` (from the first) it spans, 0 when they do not start with one. Matches the
// longest, so "prime minister" wins over "prime".
[[nodiscard]] std::size_t honorific_length(const std::string_view* norms, std::size_t count);

// True for an honorific that stays part of a name when nothing follows it ("Martin Luther
// King"), false for offices ("Bank of England Governor" loses "Governor").
[[nodiscard]] bool is_name_honorific(std::string_view norm);

// True for a short form written with a full stop inside names: "St. Louis", "Mr. Kim".
[[nodiscard]] bool is_dotted_abbreviation(std::string_view norm);

// Lower-case words that join the parts of a name: "van", "von", "de", "bin" always; "of" and
// "for" only after a word that heads such names (see joins_of).
[[nodiscard]] bool is_particle(std::string_view norm);
[[nodiscard]] bool is_of_connector(std::string_view norm);
// True when `head_norm` can be followed by "of"/"for" inside a name: "Bank of England",
// "University of California", "Prince of Wales", "Gulf of Mexico".
[[nodiscard]] bool joins_of(std::string_view head_norm);

// Names of months and days of the week: capitalised, but never entities.
[[nodiscard]] bool is_calendar_word(std::string_view norm);

// Words in a name that make it an organisation ("Bank", "Ministry", "Inc") or a place
// ("River", "County").
[[nodiscard]] bool is_organisation_word(std::string_view norm);
[[nodiscard]] bool is_place_word(std::string_view norm);

// A word before a name that makes it a place: "in", "from", "near".
[[nodiscard]] bool is_place_preposition(std::string_view norm);

// Nationality and group adjectives ("Japanese", "North Korean" ends in one): capitalised, but
// describing rather than naming.
[[nodiscard]] bool is_demonym(std::string_view norm);

// "north", "south", "east", "west" and their "-ern" forms.
[[nodiscard]] bool is_compass_word(std::string_view norm);

// A lower-case word before a name that says it is a person's: a role ("coach Edin Terzic",
// "chief executive Tim Cook") or an inverted attribution ("said Ankit Panda").
[[nodiscard]] bool is_person_cue(std::string_view norm);

// All-caps words that are labels of a page rather than names: "BREAKING", "LIVE", "VIDEO".
[[nodiscard]] bool is_label_word(std::string_view norm);

// Two-letter acronyms that are names although they spell a stop word: "US", "UN".
[[nodiscard]] bool is_acronym_name(std::string_view norm);

} // namespace feedwire::tagger::lexicon
