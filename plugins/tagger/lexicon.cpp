#include "tagger/lexicon.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace feedwire::tagger::lexicon {
namespace {

using WordSet = std::unordered_set<std::string_view>;

// Content words found in most news stories whatever the topic. Hand-picked from the top of
// English news word-frequency lists, without the function words text::is_stop_word already
// covers.
constexpr std::string_view k_very_common[] = {
    "year",     "years",     "time",       "people",        "new",       "first",     "last",
    "one",      "two",       "three",      "day",           "days",      "week",      "weeks",
    "month",    "months",    "government", "told",          "added",     "according", "including",
    "made",     "make",      "called",     "percent",       "per",       "cent",      "million",
    "billion",  "thousand",  "number",     "part",          "way",       "back",      "home",
    "world",    "country",   "state",      "states",        "city",      "news",      "report",
    "reported", "reports",   "statement",  "official",      "officials", "public",    "group",
    "today",    "yesterday", "tomorrow",   "morning",       "night",     "evening",   "afternoon",
    "later",    "earlier",   "since",      "still",         "also",      "well",      "even",
    "much",     "many",      "several",    "including",     "around",    "another",   "take",
    "taken",    "took",      "going",      "get",           "got",       "see",       "seen",
    "come",     "came",      "know",       "known",         "want",      "use",       "used",
    "work",     "working",   "help",       "need",          "expected",  "set",       "put",
    "show",     "shows",     "showed",     "long",          "high",      "big",       "small",
    "large",    "little",    "good",       "great",         "best",      "better",    "old",
    "young",    "local",     "national",   "international", "former",    "major",     "next",
    "second",   "end",       "case",       "area",          "place",     "point",     "life",
    "man",      "men",       "woman",      "women",         "children",  "family",    "friday",
    "thing",    "things",    "times",      "hours",         "minutes",   "early",     "late",
    "recent",   "recently",  "likely",     "really",        "already",   "however",   "meanwhile",
    "although", "despite",   "says",       "saying",        "asked",     "think",     "believe",
    "went",     "go",        "left",       "right",         "found",     "give",      "given",
    "gave",     "keep",      "kept",       "move",          "moved",     "run",       "began",
    "start",    "started",   "look",       "looking",       "lot",       "far",       "less",
    "least",    "among",     "across",     "along",         "within",    "without",
};

// Common but topic-bearing words: weaker than the list above, still not worth a keyword on
// their own until the stream's own statistics say otherwise.
constexpr std::string_view k_common[] = {
    "president",  "minister",    "leader",       "leaders",     "party",      "election",
    "vote",       "law",         "court",        "police",      "military",   "war",
    "security",   "market",      "markets",      "company",     "companies",  "business",
    "money",      "price",       "prices",       "cost",        "costs",      "economy",
    "economic",   "financial",   "bank",         "data",        "service",    "services",
    "system",     "program",     "programme",    "plan",        "plans",      "policy",
    "issue",      "issues",      "question",     "questions",   "problem",    "problems",
    "decision",   "deal",        "support",      "change",      "changes",    "news",
    "team",       "game",        "games",        "season",      "match",      "win",
    "won",        "lost",        "play",         "played",      "players",    "player",
    "school",     "schools",     "students",     "health",      "hospital",   "water",
    "power",      "energy",      "food",         "house",       "room",       "building",
    "road",       "car",         "town",         "region",      "community",  "members",
    "member",     "staff",       "workers",      "director",    "chief",      "head",
    "spokesman",  "spokeswoman", "spokesperson", "agency",      "department", "office",
    "council",    "committee",   "board",        "authorities", "authority",  "residents",
    "experts",    "analysts",    "investors",    "fans",        "critics",    "researchers",
    "scientists", "officers",    "troops",       "forces",      "emergency",  "crisis",
    "risk",       "rate",        "rates",        "level",       "levels",     "growth",
    "rise",       "rose",        "fell",         "fall",        "increase",   "increased",
    "decline",    "higher",      "lower",        "half",        "full",       "total",
    "average",    "record",      "history",      "future",      "past",       "current",
    "latest",     "open",        "close",        "closed",      "announced",  "announcement",
    "launch",     "launched",    "release",      "released",    "opened",     "held",
    "hold",       "meeting",     "talks",        "visit",       "trip",       "event",
    "events",     "story",       "stories",      "video",       "photo",      "image",
    "website",    "online",      "internet",     "social",      "media",      "press",
    "political",  "politics",    "foreign",      "federal",     "general",    "private",
    "global",     "central",     "public",       "human",       "real",       "free",
    "full",       "sure",        "clear",        "possible",    "important",  "different",
    "hard",       "strong",      "key",          "main",        "special",    "top",
    "low",        "short",       "final",        "further",     "following",  "previous",
    "began",      "continue",    "continued",    "remain",      "remained",   "remains",
    "become",     "became",      "seems",        "seemed",      "appeared",   "allowed",
    "led",        "lead",        "leading",      "followed",    "reached",    "received",
    "sent",       "brought",     "provide",      "provided",    "paid",       "pay",
    "spent",      "spend",       "bought",       "buy",         "sell",       "sold",
    "tried",      "try",         "call",         "wanted",      "needed",     "meant",
    "means",      "result",      "results",      "reason",      "reasons",    "effect",
    "impact",     "action",      "actions",      "step",        "steps",      "effort",
    "efforts",    "hope",        "fear",         "fears",       "concern",    "concerns",
    "warned",     "warning",     "claims",       "claimed",     "denied",     "agreed",
    "accused",    "confirmed",   "expected",     "planned",     "described",  "suggested",
    "explained",  "noted",       "stressed",     "insisted",    "argued",     "admitted",
    "monday",     "tuesday",     "wednesday",    "thursday",    "saturday",   "sunday",
    "north",      "south",       "east",         "west",        "northern",   "southern",
    "eastern",    "western",     "side",         "line",        "lines",      "order",
    "form",       "kind",        "type",         "idea",        "fact",       "view",
    "world",      "job",         "jobs",         "age",         "term",       "period",
    "percentage", "amount",      "figure",       "figures",     "dollars",    "euros",
    "pounds",     "hundreds",    "thousands",    "millions",    "dozens",     "some",
};

// Words that open sentences in news prose and are not names, beyond the background lists.
constexpr std::string_view k_sentence_openers[] = {
    "after",
    "before",
    "during",
    "while",
    "when",
    "once",
    "speaking",
    "asked",
    "following",
    "under",
    "despite",
    "amid",
    "instead",
    "indeed",
    "still",
    "yet",
    "now",
    "then",
    "overall",
    "separately",
    "elsewhere",
    "similarly",
    "finally",
    "ultimately",
    "last",
    "next",
    "earlier",
    "later",
    "today",
    "tonight",
    "currently",
    "recently",
    "previously",
    "initially",
    "eventually",
    "already",
    "many",
    "most",
    "several",
    "few",
    "both",
    "each",
    "every",
    "all",
    "no",
    "other",
    "another",
    "such",
    "some",
    "one",
    "two",
    "three",
    "four",
    "five",
    "people",
    "officials",
    "residents",
    "analysts",
    "investors",
    "experts",
    "critics",
    "supporters",
    "protesters",
    "witnesses",
    "rescuers",
    "firefighters",
    "police",
    "officers",
    "authorities",
    "forecasters",
    "economists",
    "traders",
    "shares",
    "prices",
    "sales",
    "fans",
    "players",
    "visitors",
    "heavy",
    "local",
    "senior",
    "state",
    "top",
    "former",
    "thousands",
    "hundreds",
    "dozens",
    "millions",
    "more",
    "less",
    "according",
    "although",
    "though",
    "because",
    "since",
    "unlike",
    "like",
    "as",
    "with",
    "without",
    "meanwhile",
    "however",
    "but",
    "and",
    "so",
    "still",
    "even",
    "also",
    "here",
    "there",
    "this",
    "that",
    "these",
    "those",
    "what",
    "why",
    "how",
    "where",
    "who",
    "whether",
    "if",
    "unless",
    "until",
    "although",
    "nevertheless",
    "moreover",
    "furthermore",
    "additionally",
    "notably",
    "importantly",
    "interestingly",
    "unfortunately",
    "fortunately",
    "sadly",
    "surprisingly",
    "clearly",
    "obviously",
    "perhaps",
    "maybe",
    "certainly",
    "in",
    "on",
    "at",
    "for",
    "from",
    "by",
    "to",
    "of",
    "over",
    "about",
    "new",
    "big",
    "small",
    "breaking",
    "update",
    "watch",
};

// Titles before names. Offices drop out of the name wherever they are; the royal and
// religious ones stay when they end it (is_name_honorific).
constexpr std::string_view k_honorifics[] = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "gen",
    "sen",
    "senator",
    "rep",
    "representative",
    "gov",
    "governor",
    "lt",
    "col",
    "colonel",
    "capt",
    "captain",
    "sgt",
    "sergeant",
    "adm",
    "admiral",
    "maj",
    "cmdr",
    "commander",
    "president",
    "chair",
    "chairman",
    "chairwoman",
    "ceo",
    "minister",
    "chancellor",
    "premier",
    "secretary",
    "ambassador",
    "judge",
    "justice",
    "mayor",
    "sheikh",
    "sir",
    "dame",
    "lord",
    "lady",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "archbishop",
    "bishop",
    "cardinal",
    "rabbi",
    "imam",
    "ayatollah",
    "emperor",
    "empress",
    "sultan",
    "chairman",
    "chairwoman",
    "chairperson",
    "ceo",
    "cfo",
    "commissioner",
    "inspector",
    "detective",
    "constable",
    "coach",
    "mp",
    "mep",
    "mps",
    "meps",
    "congressman",
    "congresswoman",
    "councillor",
    "councilman",
    "councilwoman",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "economist",
    "chief",
    "deputy",
    "officer",
    "speaker",
    "vice-president",
    "secretary-general",
    "attorney",
    "pastor",
    "reverend",
    "rev",
    "hon",
    "duke",
    "duchess",
    "countess",
    "baron",
    "baroness",
    "leader",
    "director",
    "manager",
    "striker",
    "midfielder",
    "defender",
    "goalkeeper",
    "winger",
    "analyst",
    "founder",
    "co-founder",
};

// Several-word titles, longest first within each first word.
constexpr std::string_view k_honorific_phrases[][4] = {
    {"chief", "executive", "officer", ""},
    {"national", "security", "adviser", ""},
    {"national", "security", "advisor", ""},
    {"secretary", "of", "state", ""},
    {"secretary", "of", "defense", ""},
    {"secretary", "of", "defence", ""},
    {"prime", "minister", "", ""},
    {"foreign", "minister", "", ""},
    {"finance", "minister", "", ""},
    {"defence", "minister", "", ""},
    {"defense", "minister", "", ""},
    {"interior", "minister", "", ""},
    {"health", "minister", "", ""},
    {"first", "minister", "", ""},
    {"deputy", "prime", "minister", ""},
    {"vice", "president", "", ""},
    {"vice", "chancellor", "", ""},
    {"supreme", "leader", "", ""},
    {"attorney", "general", "", ""},
    {"solicitor", "general", "", ""},
    {"secretary", "general", "", ""},
    {"chief", "executive", "", ""},
    {"chief", "justice", "", ""},
    {"home", "secretary", "", ""},
    {"foreign", "secretary", "", ""},
    {"defence", "secretary", "", ""},
    {"defense", "secretary", "", ""},
    {"treasury", "secretary", "", ""},
    {"press", "secretary", "", ""},
    {"state", "secretary", "", ""},
    {"crown", "prince", "", ""},
    {"head", "coach", "", ""},
    {"police", "chief", "", ""},
    {"fire", "chief", "", ""},
    {"opposition", "leader", "", ""},
    {"party", "leader", "", ""},
    {"team", "captain", "", ""},
    {"club", "captain", "", ""},
};

constexpr std::string_view k_name_honorifics[] = {"king", "queen",   "prince",  "princess",
                                                  "pope", "emperor", "empress", "sultan",
                                                  "duke", "duchess"};

constexpr std::string_view k_dotted[] = {
    "mr",  "mrs", "ms",  "dr",   "prof", "gen", "sen", "rep", "gov", "lt",  "col", "capt",
    "sgt", "adm", "maj", "cmdr", "st",   "mt",  "ft",  "jr",  "sr",  "rev", "hon", "messrs",
};

constexpr std::string_view k_particles[] = {
    "van", "von", "der", "den", "de",  "del", "della", "di",  "da", "dos", "das",  "du",
    "des", "la",  "le",  "bin", "ibn", "al",  "el",    "ter", "zu", "am",  "upon", "y",
};

constexpr std::string_view k_of_heads[] = {
    "bank",        "university", "college",      "school",       "academy",     "institute",
    "institution", "museum",     "church",       "cathedral",    "house",       "chamber",
    "department",  "ministry",   "office",       "bureau",       "court",       "council",
    "board",       "league",     "federation",   "association",  "society",     "order",
    "commission",  "committee",  "organisation", "organization", "union",       "centre",
    "center",      "centers",    "centres",      "agency",       "fund",        "army",
    "navy",        "republic",   "kingdom",      "states",       "emirates",    "islands",
    "isle",        "gulf",       "sea",          "bay",          "strait",      "straits",
    "cape",        "lake",       "mount",        "port",         "city",        "province",
    "state",       "duke",       "duchess",      "earl",         "prince",      "princess",
    "statue",      "tower",      "chiefs",       "endowment",    "palace",      "party",
    "alliance",    "coalition",  "front",        "movement",     "foundation",  "trust",
    "hospital",    "library",    "conference",   "summit",       "festival",    "games",
    "cup",         "battle",     "siege",        "treaty",       "declaration", "convention",
    "charter",     "bill",       "act",          "department",   "secretariat", "authority",
    "corporation", "company",    "church",       "mosque",       "temple",      "people's",
    "peoples",     "congress",   "parliament",   "assembly",     "senate",      "guard",
    "corps",       "force",      "forces",       "police",       "service",     "services",
    "group",       "fellowship",
};

constexpr std::string_view k_calendar[] = {
    "monday",  "tuesday",   "wednesday", "thursday", "friday",   "saturday", "sunday",
    "january", "february",  "march",     "april",    "may",      "june",     "july",
    "august",  "september", "october",   "november", "december", "jan",      "feb",
    "mar",     "apr",       "jun",       "jul",      "aug",      "sep",      "sept",
    "oct",     "nov",       "dec",       "mon",      "tue",      "tues",     "wed",
    "thu",     "thur",      "thurs",     "fri",      "sat",      "sun",
};

constexpr std::string_view k_organisation_words[] = {
    "bank",
    "ministry",
    "department",
    "university",
    "college",
    "school",
    "institute",
    "inc",
    "corp",
    "corporation",
    "company",
    "co",
    "ltd",
    "plc",
    "llc",
    "ag",
    "gmbh",
    "sa",
    "group",
    "holdings",
    "council",
    "commission",
    "committee",
    "agency",
    "party",
    "association",
    "federation",
    "union",
    "court",
    "parliament",
    "congress",
    "senate",
    "assembly",
    "fc",
    "club",
    "authority",
    "office",
    "bureau",
    "service",
    "services",
    "police",
    "army",
    "navy",
    "reserve",
    "fund",
    "organisation",
    "organization",
    "foundation",
    "board",
    "hospital",
    "airlines",
    "airways",
    "motors",
    "technologies",
    "systems",
    "labs",
    "industries",
    "partners",
    "capital",
    "ventures",
    "network",
    "news",
    "times",
    "post",
    "journal",
    "press",
    "league",
    "academy",
    "society",
    "trust",
    "alliance",
    "coalition",
    "movement",
    "front",
    "church",
    "exchange",
    "council",
    "cabinet",
    "government",
    "administration",
    "force",
    "forces",
    "guard",
    "corps",
    "secretariat",
    "centre",
    "center",
    "laboratory",
    "studios",
    "records",
    "pharmaceuticals",
    "energy",
    "telecom",
    "media",
};

constexpr std::string_view k_place_words[] = {
    "river",   "island",    "islands",  "county",   "province",  "valley", "sea",     "ocean",
    "lake",    "mountains", "mountain", "mount",    "street",    "square", "airport", "stadium",
    "bridge",  "bay",       "gulf",     "strait",   "peninsula", "desert", "coast",   "beach",
    "park",    "avenue",    "road",     "district", "region",    "canyon", "states",  "falls",
    "harbour", "harbor",    "port",     "cape",
};

constexpr std::string_view k_place_prepositions[] = {
    "in", "from", "near", "across", "outside", "inside", "throughout", "towards", "toward",
};

constexpr std::string_view k_label_words[] = {
    "breaking",  "live",    "update",        "updated",    "updates",   "video",     "videos",
    "watch",     "photos",  "photo",         "gallery",    "exclusive", "opinion",   "analysis",
    "editorial", "comment", "advertisement", "ad",         "ads",       "sponsored", "promoted",
    "related",   "share",   "subscribe",     "newsletter", "more",      "read",      "menu",
    "home",      "top",     "new",           "news",       "latest",    "trending",  "popular",
    "listen",    "audio",   "podcast",       "faq",        "tv",        "ok",        "pdf",
    "url",       "http",    "https",         "www",        "html",      "rss",       "am",
    "pm",        "gmt",     "utc",           "est",        "edt",       "pst",       "pdt",
    "bst",       "cet",     "cest",
};

constexpr std::string_view k_demonyms[] = {
    "american",     "british",    "english",   "french",      "german",     "italian",
    "spanish",      "portuguese", "dutch",     "belgian",     "swiss",      "austrian",
    "swedish",      "norwegian",  "danish",    "finnish",     "polish",     "czech",
    "hungarian",    "romanian",   "bulgarian", "greek",       "turkish",    "russian",
    "ukrainian",    "belarusian", "irish",     "scottish",    "welsh",      "european",
    "african",      "asian",      "arab",      "arabic",      "israeli",    "palestinian",
    "iranian",      "iraqi",      "syrian",    "lebanese",    "jordanian",  "saudi",
    "egyptian",     "libyan",     "moroccan",  "algerian",    "tunisian",   "nigerian",
    "kenyan",       "ethiopian",  "somali",    "sudanese",    "chinese",    "japanese",
    "korean",       "vietnamese", "thai",      "indonesian",  "malaysian",  "filipino",
    "indian",       "pakistani",  "afghan",    "bangladeshi", "australian", "canadian",
    "mexican",      "brazilian",  "argentine", "argentinian", "chilean",    "colombian",
    "venezuelan",   "peruvian",   "cuban",     "latin",       "catholic",   "muslim",
    "jewish",       "hindu",      "buddhist",  "sunni",       "shia",       "shiite",
    "kurdish",      "taiwanese",  "mongolian", "georgian",    "armenian",   "serbian",
    "croatian",     "bosnian",    "slovak",    "slovenian",   "estonian",   "latvian",
    "lithuanian",   "icelandic",  "qatari",    "emirati",     "yemeni",     "kuwaiti",
    "omani",        "bahraini",   "western",   "eastern",     "northern",   "southern",
    "scandinavian", "nordic",     "baltic",    "balkan",      "soviet",
};

constexpr std::string_view k_compass[] = {
    "north",   "south",   "east",      "west",      "northern",  "southern", "eastern",
    "western", "central", "northeast", "northwest", "southeast", "southwest"};

// Roles written in lower case before a name, beyond the honorifics.
constexpr std::string_view k_person_cues[] = {
    "said",       "says",     "executive",   "actor",         "actress",     "singer",
    "rapper",     "writer",   "author",      "novelist",      "journalist",  "reporter",
    "lawyer",     "activist", "businessman", "businesswoman", "billionaire", "athlete",
    "player",     "teammate", "colleague",   "wife",          "husband",     "son",
    "daughter",   "sister",   "brother",     "mother",        "father",      "candidate",
    "nominee",    "envoy",    "negotiator",  "diplomat",      "lawmaker",    "legislator",
    "politician", "official", "scientist",   "researcher",    "professor",   "economist",
};

constexpr std::string_view k_acronym_names[] = {"us", "un", "uk", "eu", "who"};

template <std::size_t N> WordSet make_set(const std::string_view (&words)[N]) {
  return WordSet(std::begin(words), std::end(words));
}

} // namespace

int background_tier(std::string_view norm) {
  static const std::unordered_map<std::string_view, int> tiers = [] {
    std::unordered_map<std::string_view, int> m;
    for (const std::string_view w : k_common) {
      m.emplace(w, 2);
    }
    for (const std::string_view w : k_very_common) {
      m[w] = 1;
    }
    return m;
  }();
  const auto it = tiers.find(norm);
  return it == tiers.end() ? 0 : it->second;
}

bool is_common_word(std::string_view norm) {
  static const WordSet openers = make_set(k_sentence_openers);
  return openers.contains(norm) || background_tier(norm) != 0;
}

std::size_t honorific_length(const std::string_view* norms, std::size_t count) {
  static const WordSet singles = make_set(k_honorifics);
  if (count == 0) {
    return 0;
  }
  std::size_t best = 0;
  for (const auto& phrase : k_honorific_phrases) {
    std::size_t n = 0;
    while (n < 4 && !phrase[n].empty()) {
      ++n;
    }
    if (n > count || n <= best) {
      continue;
    }
    if (std::equal(phrase, phrase + n, norms)) {
      best = n;
    }
  }
  if (best == 0 && singles.contains(norms[0])) {
    best = 1;
  }
  return best;
}

bool is_name_honorific(std::string_view norm) {
  static const WordSet words = make_set(k_name_honorifics);
  return words.contains(norm);
}

bool is_dotted_abbreviation(std::string_view norm) {
  static const WordSet words = make_set(k_dotted);
  return words.contains(norm);
}

bool is_particle(std::string_view norm) {
  static const WordSet words = make_set(k_particles);
  return words.contains(norm);
}

bool is_of_connector(std::string_view norm) {
  return norm == "of" || norm == "for";
}

bool joins_of(std::string_view head_norm) {
  static const WordSet words = make_set(k_of_heads);
  return words.contains(head_norm);
}

bool is_calendar_word(std::string_view norm) {
  static const WordSet words = make_set(k_calendar);
  return words.contains(norm);
}

bool is_organisation_word(std::string_view norm) {
  static const WordSet words = make_set(k_organisation_words);
  return words.contains(norm);
}

bool is_place_word(std::string_view norm) {
  static const WordSet words = make_set(k_place_words);
  return words.contains(norm);
}

bool is_place_preposition(std::string_view norm) {
  static const WordSet words = make_set(k_place_prepositions);
  return words.contains(norm);
}

bool is_demonym(std::string_view norm) {
  static const WordSet words = make_set(k_demonyms);
  return words.contains(norm);
}

bool is_compass_word(std::string_view norm) {
  static const WordSet words = make_set(k_compass);
  return words.contains(norm);
}

bool is_person_cue(std::string_view norm) {
  static const WordSet cues = make_set(k_person_cues);
  const std::string_view one[1] = {norm};
  return cues.contains(norm) || honorific_length(one, 1) == 1;
}

bool is_label_word(std::string_view norm) {
  static const WordSet words = make_set(k_label_words);
  return words.contains(norm);
}

bool is_acronym_name(std::string_view norm) {
  static const WordSet words = make_set(k_acronym_names);
  return words.contains(norm);
}

} // namespace feedwire::tagger::lexicon
