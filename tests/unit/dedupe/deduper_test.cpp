#include "dedupe/deduper.hpp"

#include <algorithm>
#include <array>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace fw::dedupe {
namespace {

using std::chrono::hours;

// Prose like ../shared/bench/gen_feeds.py writes: sentences of 8..22 words from a news
// vocabulary, with an occasional accented word or place name.
constexpr std::array k_words = {
    "the",      "of",         "and",      "to",        "in",         "a",          "is",
    "that",     "for",        "on",       "with",      "as",         "by",         "at",
    "from",     "this",       "be",       "are",       "it",         "was",        "an",
    "has",      "have",       "will",     "not",       "but",        "or",         "its",
    "new",      "more",       "after",    "over",      "says",       "said",       "year",
    "people",   "government", "city",     "council",   "report",     "study",      "data",
    "market",   "price",      "energy",   "climate",   "water",      "school",     "police",
    "court",    "judge",      "election", "vote",      "minister",   "plan",       "budget",
    "tax",      "health",     "hospital", "patients",  "research",   "university", "company",
    "shares",   "investors",  "bank",     "rates",     "inflation",  "growth",     "jobs",
    "workers",  "union",      "strike",   "deal",      "talks",      "officials",  "state",
    "federal",  "local",      "security", "software",  "release",    "network",    "privacy",
    "users",    "storm",      "flood",    "heat",      "fire",       "season",     "team",
    "game",     "match",      "final",    "record",    "film",       "music",      "festival",
    "river",    "bridge",     "road",     "rail",      "airport",    "housing",    "rent",
    "farmers",  "crops",      "food",     "supply",    "trade",      "policy",     "reform",
    "law",      "bill",       "senate",   "committee", "inquiry",    "evidence",   "trial",
    "appeal",   "ruling",     "decision", "analysis",  "week",       "month",      "today",
    "morning",  "evening",    "first",    "second",    "last",       "next",       "major",
    "small",    "large",      "regional", "global",    "public",     "private",    "digital",
    "critical", "rapid",      "slow",     "steady",    "sharp",      "strong",     "weak",
    "café",     "Zürich",     "Kraków",   "naïve",     "Northfield", "Riverside",  "Ashford",
};

class StoryGen {
public:
  explicit StoryGen(std::uint64_t seed) : m_rng(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }

  std::string sentence(int lo = 8, int hi = 22) {
    const int n = uniform(lo, hi);
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i > 0) {
        s += ' ';
      }
      std::string w = k_words[static_cast<std::size_t>(uniform(0, k_words.size() - 1))];
      if (i == 0 && w[0] >= 'a' && w[0] <= 'z') {
        w[0] = static_cast<char>(w[0] - 'a' + 'A');
      }
      s += w;
    }
    return s + ".";
  }

  std::string paragraph() {
    std::string p;
    const int n = uniform(2, 5);
    for (int i = 0; i < n; ++i) {
      p += (i > 0 ? " " : "") + sentence();
    }
    return p;
  }

  std::vector<std::string> paragraphs(int lo = 4, int hi = 9) {
    std::vector<std::string> out;
    const int n = uniform(lo, hi);
    for (int i = 0; i < n; ++i) {
      out.push_back(paragraph());
    }
    return out;
  }

  std::mt19937_64& rng() { return m_rng; }

private:
  std::mt19937_64 m_rng;
};

std::string join(const std::vector<std::string>& paras) {
  std::string out;
  for (const std::string& p : paras) {
    out += (out.empty() ? "" : "\n") + p;
  }
  return out;
}

struct Text {
  std::string title;
  std::string body;
};

struct Story {
  std::string title;
  std::vector<std::string> paras;
};

// Syndicated copies: every kind the issue names, each a duplicate of the original.
enum class Variant {
  title_prefix,
  title_suffix,
  title_rewritten,
  intro_boilerplate,
  outro_boilerplate,
  agency_signoff,
  outlet_intro,
  copy_edits,
  dropped_paragraph,
  moved_paragraph,
  first_half_read_more,
  everything,
};

constexpr std::array k_variants = {
    Variant::title_prefix,      Variant::title_suffix,         Variant::title_rewritten,
    Variant::intro_boilerplate, Variant::outro_boilerplate,    Variant::agency_signoff,
    Variant::outlet_intro,      Variant::copy_edits,           Variant::dropped_paragraph,
    Variant::moved_paragraph,   Variant::first_half_read_more, Variant::everything,
};

std::string copy_edit(StoryGen& g, const std::string& para) {
  // Light edits: about one word in 40 replaced.
  std::string out;
  std::size_t start = 0;
  while (start < para.size()) {
    std::size_t end = para.find(' ', start);
    if (end == std::string::npos) {
      end = para.size();
    }
    std::string w = para.substr(start, end - start);
    if (g.uniform(0, 39) == 0) {
      w = k_words[static_cast<std::size_t>(g.uniform(0, k_words.size() - 1))];
    }
    out += (out.empty() ? "" : " ") + w;
    start = end + 1;
  }
  return out;
}

Text variant_of(StoryGen& g, const Story& st, Variant v) {
  Text t{st.title, ""};
  std::vector<std::string> paras = st.paras;
  const bool all = v == Variant::everything;
  if (v == Variant::title_prefix || all) {
    t.title = "[Wire Press] " + t.title;
  }
  if (v == Variant::title_suffix) {
    t.title += " | Riverside Gazette";
  }
  if (v == Variant::title_rewritten) {
    t.title = g.sentence(6, 10);
  }
  if (v == Variant::intro_boilerplate || all) {
    paras.insert(paras.begin(), "This story originally appeared on Wire Press.");
    paras.insert(paras.begin() + 1, "(WIRE PRESS) \u2014 ");
  }
  if (v == Variant::outro_boilerplate || all) {
    paras.push_back("Share this: Facebook | Twitter | Email");
    paras.push_back("\u00a9 2024 Wire Press. All rights reserved.");
    paras.push_back("Sign up for our newsletter.");
  }
  if (v == Variant::agency_signoff) {
    paras.push_back("(Reporting by Ana Chen; Editing by Ben Bauer)");
    paras.insert(paras.begin(), "Cedar Falls \u2013 Global News Agency");
  }
  if (v == Variant::outlet_intro || all) {
    paras.insert(paras.begin(), g.sentence(14, 20) + " " + g.sentence(10, 16));
  }
  if (v == Variant::copy_edits || all) {
    for (std::string& p : paras) {
      p = copy_edit(g, p);
    }
  }
  if (v == Variant::dropped_paragraph) {
    paras.erase(paras.begin() + static_cast<long>(paras.size() / 2));
  }
  if (v == Variant::moved_paragraph) {
    std::rotate(paras.begin() + 1, paras.begin() + 2, paras.end());
  }
  if (v == Variant::first_half_read_more) {
    paras.resize((paras.size() + 1) / 2);
    paras.push_back("Read more at Riverside Gazette.");
  }
  t.body = join(paras);
  return t;
}

// A market wrap from one template: same sentences, other numbers.
Text market_wrap(int day, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> pct(1, 99);
  std::uniform_int_distribution<int> pts(3000, 9000);
  const auto n = [&] { return std::to_string(pct(rng)); };
  const auto p = [&] { return std::to_string(pts(rng)); };
  Text t;
  t.title = "Stocks close " + n() + " points higher on day " + std::to_string(day);
  t.body =
      "The benchmark index rose " + n() + "." + n() + " percent to " + p() +
      " points on Tuesday, its " + n() + "th gain in " + n() + " sessions, as investors weighed " +
      "fresh data on inflation and jobs.\n" + "Technology shares led the advance, up " + n() + "." +
      n() + " percent, while energy stocks fell " + n() + "." + n() +
      " percent as crude slipped to " + n() + "." + n() + " dollars a barrel.\n" +
      "The dollar gained " + n() + "." + n() + " percent against the euro and the yield on the " +
      n() + "-year note eased to " + n() + "." + n() + " percent after " + n() +
      " basis points of swings.\n" + "Trading volume was " + n() + "." + n() +
      " billion shares, compared with an average of " + n() + "." + n() +
      " billion over the last " + n() + " sessions, according to exchange data.\n" +
      "Among individual stocks, shares of the largest bank rose " + n() + " percent after it " +
      "reported quarterly profit of " + n() + "." + n() + " billion, beating forecasts of " + n() +
      "." + n() + " billion.\n" + "Gold rose " + n() + "." + n() + " percent to " + p() +
      " dollars an ounce, and the volatility gauge fell " + n() + "." + n() + " points to " + n() +
      "." + n() + ".";
  return t;
}

// A match report from one template: other teams, scorers and minutes.
Text match_report(int i, std::mt19937_64& rng) {
  static const std::array places = {"Northfield", "Riverside", "Ashford",    "Lakewood",
                                    "Eastport",   "Glenwood",  "Harbor",     "Ironbridge",
                                    "Dunmore",    "Fairview",  "Brookhaven", "Cedar"};
  static const std::array suffixes = {"United", "Rovers", "Town", "City", "Athletic", "Wanderers"};
  static const std::array players = {"Chen",   "Bauer",  "Rossi",  "Tanaka", "Weber",
                                     "Petrov", "Hansen", "Dubois", "Varga",  "Yilmaz"};
  // Every report has its own pair of teams.
  const auto team = [](int k) {
    return std::string(places[static_cast<std::size_t>(k) % places.size()]) + " " +
           suffixes[static_cast<std::size_t>(k) / places.size() % suffixes.size()];
  };
  std::uniform_int_distribution<std::size_t> player(0, players.size() - 1);
  std::uniform_int_distribution<int> goals(0, 5);
  std::uniform_int_distribution<int> minute(1, 90);
  const std::string home = team(2 * i);
  const std::string away = team(2 * i + 1);
  const auto m = [&] { return std::to_string(minute(rng)); };
  const auto pl = [&] { return std::string(players[player(rng)]); };
  Text t;
  t.title = home + " " + std::to_string(goals(rng)) + "-" + std::to_string(goals(rng)) + " " + away;
  t.body = home + " beat " + away + " " + std::to_string(goals(rng)) + "-" +
           std::to_string(goals(rng)) + " on Saturday in front of a crowd of " +
           std::to_string(10000 + minute(rng) * 100) + " to move up to " + m() +
           "th in the table.\n" + pl() + " opened the scoring in the " + m() +
           "th minute with a header from a corner, before " + pl() + " equalised for " + away +
           " in the " + m() + "th minute.\n" + pl() + " restored the lead for " + home +
           " shortly after the break and " + pl() + " added a third in the " + m() +
           "th minute from the penalty spot.\n" + "The coach of " + home +
           " said after the match that the team had played with real intensity and deserved " +
           "the points, while the coach of " + away +
           " said his players had made too many mistakes at the back.\n" + home +
           " play their next match away at " + team(2 * i + 3) + " next Saturday, while " + away +
           " host " + team(2 * i + 5) + " on Sunday afternoon.";
  return t;
}

struct Owned {
  std::uint64_t id;
  std::string feed;
  std::optional<std::string> url;
  std::int64_t time_s;
  TextSignature sig;

  [[nodiscard]] Candidate candidate() const {
    Candidate c;
    c.story_id = id;
    c.feed_id = feed;
    if (url) {
      c.canonical_url = *url;
    }
    c.time_s = time_s;
    c.signature = &sig;
    return c;
  }
};

Owned owned(std::uint64_t id, const Text& t, std::int64_t time_s,
            std::optional<std::string> url = std::nullopt, std::string feed = "feed") {
  return Owned{id, std::move(feed), std::move(url), time_s, text_signature(t.title, t.body)};
}

constexpr std::int64_t k_t0 = 1'709'553'600; // 2024-03-04T12:00:00Z

TEST(Deduper, MethodNames) {
  EXPECT_EQ(to_string(Method::none), "none");
  EXPECT_EQ(to_string(Method::url), "url");
  EXPECT_EQ(to_string(Method::content), "content");
}

TEST(Deduper, EverySyndicationVariantIsFoundAsContentDuplicate) {
  StoryGen g(42);
  std::map<Variant, int> missed;
  int total = 0;
  Deduper d;
  std::uint64_t next_id = 1;
  for (int s = 0; s < 40; ++s) {
    const Story st{g.sentence(5, 12), g.paragraphs()};
    const Owned orig = owned(next_id++, Text{st.title, join(st.paras)}, k_t0 + s * 60);
    const Verdict first = d.decide(orig.candidate());
    ASSERT_FALSE(first.duplicate) << s;
    EXPECT_EQ(first.cluster_id, orig.id);
    for (const Variant v : k_variants) {
      const Owned copy = owned(next_id++, variant_of(g, st, v), k_t0 + s * 60 + 3600);
      const Verdict verdict = d.decide(copy.candidate());
      ++total;
      if (!verdict.duplicate || verdict.cluster_id != orig.id) {
        ++missed[v];
        continue;
      }
      EXPECT_EQ(verdict.method, Method::content);
      EXPECT_GT(verdict.similarity, 0.5);
      EXPECT_NE(verdict.duplicate_of, 0U);
    }
  }
  // The similarity is estimated (128 bins): an excerpt's containment estimate scatters by
  // about 0.06 around its true value, so a rare miss is the price of the threshold that keeps
  // template stories apart. bench/dedupe_eval measures the rates on larger corpora.
  for (const auto& [v, n] : missed) {
    EXPECT_LE(n, 2) << "variant " << static_cast<int>(v) << " missed " << n << " of 40";
  }
  EXPECT_EQ(d.size(), static_cast<std::size_t>(40 + total));
}

TEST(Deduper, DifferentStoriesAreNotMerged) {
  StoryGen g(7);
  Deduper d;
  for (std::uint64_t i = 1; i <= 300; ++i) {
    const Owned s = owned(i, Text{g.sentence(5, 12), join(g.paragraphs(1, 9))},
                          k_t0 + static_cast<std::int64_t>(i));
    const Verdict v = d.decide(s.candidate());
    EXPECT_FALSE(v.duplicate) << i << " similarity " << v.similarity;
    EXPECT_EQ(v.cluster_id, i);
    EXPECT_EQ(v.duplicate_of, 0U);
    EXPECT_EQ(v.method, Method::none);
  }
}

TEST(Deduper, TemplateStoriesDifferingInNumbersAreNotMerged) {
  std::mt19937_64 rng(3);
  Deduper d;
  for (std::uint64_t i = 1; i <= 60; ++i) {
    const Owned s =
        owned(i, market_wrap(static_cast<int>(i), rng), k_t0 + 600 * static_cast<std::int64_t>(i));
    const Verdict v = d.decide(s.candidate());
    EXPECT_FALSE(v.duplicate) << "market wrap " << i << " similarity " << v.similarity;
  }
  for (std::uint64_t i = 101; i <= 130; ++i) {
    const Owned s = owned(i, match_report(static_cast<int>(i - 100), rng),
                          k_t0 + 600 * static_cast<std::int64_t>(i));
    const Verdict v = d.decide(s.candidate());
    EXPECT_FALSE(v.duplicate) << "match report " << i << " similarity " << v.similarity;
  }
}

TEST(Deduper, TemplateStoryRepeatedWithItsNumbersIsADuplicate) {
  std::mt19937_64 rng(5);
  const Text wrap = market_wrap(1, rng);
  Deduper d;
  EXPECT_FALSE(d.decide(owned(1, wrap, k_t0).candidate()).duplicate);
  const Verdict v = d.decide(
      owned(2, Text{"[Wire Press] " + wrap.title, wrap.body + "\nRead more at Market News."},
            k_t0 + 60)
          .candidate());
  EXPECT_TRUE(v.duplicate);
  EXPECT_EQ(v.duplicate_of, 1U);
}

TEST(Deduper, ShortStoriesAreMatchedStrictly) {
  Deduper d;
  const Text a{"Storm closes airport",
               "Flights were cancelled on Tuesday as a storm hit the coast."};
  const Text same{"Storm closes airport",
                  "Flights were cancelled on Tuesday as a storm hit the coast."};
  const Text other{"Storm closes airport",
                   "Flights were delayed on Wednesday as a storm hit the north coast."};
  ASSERT_LT(text_signature(a.title, a.body).tokens, d.options().short_story_tokens);
  EXPECT_FALSE(d.decide(owned(1, a, k_t0).candidate()).duplicate);
  const Verdict v_same = d.decide(owned(2, same, k_t0 + 10).candidate());
  EXPECT_TRUE(v_same.duplicate);
  EXPECT_EQ(v_same.cluster_id, 1U);
  const Verdict v_other = d.decide(owned(3, other, k_t0 + 20).candidate());
  EXPECT_FALSE(v_other.duplicate) << v_other.similarity;
}

TEST(Deduper, ShortExcerptOfALongStoryIsNotMatchedByContainment) {
  StoryGen g(11);
  const Story st{g.sentence(5, 12), g.paragraphs(6, 8)};
  Deduper d;
  EXPECT_FALSE(d.decide(owned(1, Text{st.title, join(st.paras)}, k_t0).candidate()).duplicate);
  const std::string excerpt = st.paras[0].substr(0, 120);
  const Verdict v = d.decide(owned(2, Text{"", excerpt}, k_t0 + 10).candidate());
  EXPECT_FALSE(v.duplicate) << v.similarity;
}

TEST(Deduper, CopyOutsideTheWindowIsNew) {
  StoryGen g(13);
  const Text t{g.sentence(), join(g.paragraphs())};
  Deduper d;
  EXPECT_FALSE(d.decide(owned(1, t, k_t0).candidate()).duplicate);
  const Verdict late = d.decide(owned(2, t, k_t0 + 73 * 3600).candidate());
  EXPECT_FALSE(late.duplicate);
  EXPECT_EQ(late.cluster_id, 2U);
  const Verdict in_window = d.decide(owned(3, t, k_t0 + 73 * 3600 + 71 * 3600).candidate());
  EXPECT_TRUE(in_window.duplicate);
  EXPECT_EQ(in_window.cluster_id, 2U);
}

TEST(Deduper, WindowIsMeasuredBetweenStoriesNotAgainstTheClock) {
  // An archive from 2019, fetched today, still dedupes.
  StoryGen g(17);
  constexpr std::int64_t k_2019 = 1'554'076'800; // 2019-04-01T00:00:00Z
  Deduper d;
  std::vector<Owned> originals;
  for (std::uint64_t i = 1; i <= 20; ++i) {
    const Story st{g.sentence(), g.paragraphs()};
    originals.push_back(
        owned(i, Text{st.title, join(st.paras)}, k_2019 + 1800 * static_cast<std::int64_t>(i)));
    EXPECT_FALSE(d.decide(originals.back().candidate()).duplicate);
    const Owned copy = owned(100 + i, variant_of(g, st, Variant::intro_boilerplate),
                             k_2019 + 1800 * static_cast<std::int64_t>(i) + 7200);
    const Verdict v = d.decide(copy.candidate());
    EXPECT_TRUE(v.duplicate) << i;
    EXPECT_EQ(v.cluster_id, i);
  }
}

TEST(Deduper, LateStoriesOfABacklogDedupeAmongThemselvesThenLeave) {
  // A cold start: one feed's newest item sets the newest time, then other feeds deliver
  // weeks-old items whose copies arrive in the same poll.
  StoryGen g(19);
  const Text t{g.sentence(), join(g.paragraphs())};
  Deduper d;
  EXPECT_FALSE(
      d.decide(owned(1, Text{g.sentence(), join(g.paragraphs())}, k_t0 + 300 * 3600).candidate())
          .duplicate);
  EXPECT_FALSE(d.decide(owned(2, t, k_t0).candidate()).duplicate);
  const Verdict copy = d.decide(owned(3, t, k_t0 + 3600).candidate());
  EXPECT_TRUE(copy.duplicate);
  EXPECT_EQ(copy.cluster_id, 2U);
  EXPECT_EQ(d.cluster_of(3), 2U);
  // Once the newest time moves on by a window with no more late stories for it, the
  // backlog's slice leaves.
  d.decide(owned(4, Text{g.sentence(), join(g.paragraphs())}, k_t0 + 400 * 3600).candidate());
  EXPECT_EQ(d.cluster_of(2), 0U);
  EXPECT_EQ(d.cluster_of(3), 0U);
  EXPECT_EQ(d.size(), 1U); // story 4 alone: 1 is older than its window
}

// A cold start: every feed delivers weeks of backlog in one poll, feed after feed. Each
// feed's batch moves the newest story time to the present; the stories of the backlog stay
// because they all arrived now, so the copies in the feeds decided later find their originals.
TEST(Deduper, ABacklogArrivingAtOnceDedupesAcrossFeedsInAnyOrder) {
  StoryGen g(31);
  constexpr int k_stories = 12;
  std::vector<Text> texts;
  for (int i = 0; i < k_stories; ++i) {
    texts.push_back(Text{g.sentence(), join(g.paragraphs())});
  }
  const std::int64_t now = k_t0 + 2 * k_stories * 86400;
  // Feed a has story i at day i (originals); feed b has a copy of each two hours later.
  std::vector<Owned> a;
  std::vector<Owned> b;
  for (int i = 0; i < k_stories; ++i) {
    a.push_back(owned(100 + static_cast<std::uint64_t>(i), texts[static_cast<std::size_t>(i)],
                      k_t0 + i * 2 * 86400, std::nullopt, "a"));
    b.push_back(owned(200 + static_cast<std::uint64_t>(i), texts[static_cast<std::size_t>(i)],
                      k_t0 + i * 2 * 86400 + 7200, std::nullopt, "b"));
  }
  auto candidates = [](const std::vector<Owned>& stories) {
    std::vector<Candidate> out;
    for (const Owned& s : stories) {
      out.push_back(s.candidate());
    }
    return out;
  };
  for (const bool a_first : {true, false}) {
    Deduper d;
    d.decide_batch(candidates(a_first ? a : b), now);
    const std::vector<Verdict> second = d.decide_batch(candidates(a_first ? b : a), now);
    for (int i = 0; i < k_stories; ++i) {
      const auto k = static_cast<std::size_t>(i);
      EXPECT_TRUE(second[k].duplicate) << "story " << i << (a_first ? " a first" : " b first");
      EXPECT_EQ(d.cluster_of(100 + k), d.cluster_of(200 + k)) << "story " << i;
      EXPECT_NE(d.cluster_of(100 + k), 0U) << "story " << i;
    }
    // A window of arrival time later, the backlog older than the window leaves.
    const Owned later = owned(999, Text{g.sentence(), join(g.paragraphs())}, now + 73 * 3600);
    const std::vector<Candidate> one{later.candidate()};
    d.decide_batch(one, now + 73 * 3600);
    EXPECT_EQ(d.cluster_of(100), 0U);
    EXPECT_EQ(d.size(), 1U);
  }
}

TEST(Deduper, StoryBridgingTwoClustersMergesThemUnderTheEarliest) {
  StoryGen g(23);
  const std::vector<std::string> paras = g.paragraphs(8, 8);
  // Six paragraphs each, overlapping in four: too little for either to be a copy of the other,
  // while each is most of the whole.
  const std::vector<std::string> first(paras.begin(), paras.begin() + 6);
  const std::vector<std::string> second(paras.begin() + 2, paras.end());
  Deduper d;
  // The second half is published first but the first half is earlier by time: the merged
  // cluster takes the earliest story's id.
  const Owned b = owned(20, Text{"Part two", join(second)}, k_t0 + 100);
  const Owned a = owned(10, Text{"Part one", join(first)}, k_t0);
  const Owned a_copy = owned(11, Text{"[Wire] Part one", join(first)}, k_t0 + 50);
  EXPECT_FALSE(d.decide(b.candidate()).duplicate);
  EXPECT_FALSE(d.decide(a.candidate()).duplicate);
  EXPECT_EQ(d.decide(a_copy.candidate()).cluster_id, 10U);
  ASSERT_NE(d.cluster_of(10), d.cluster_of(20));

  const Owned whole = owned(30, Text{"The whole story", join(paras)}, k_t0 + 200);
  const Verdict v = d.decide(whole.candidate());
  EXPECT_TRUE(v.duplicate);
  EXPECT_EQ(v.method, Method::content);
  EXPECT_EQ(v.cluster_id, 10U);
  EXPECT_EQ(d.cluster_of(10), 10U);
  EXPECT_EQ(d.cluster_of(11), 10U);
  EXPECT_EQ(d.cluster_of(20), 10U);
  EXPECT_EQ(d.cluster_of(30), 10U);
  EXPECT_EQ(d.resolve_cluster(20), 10U);
}

TEST(Deduper, MergesSurviveEvictionOfTheBridgingStory) {
  StoryGen g(29);
  const std::vector<std::string> paras = g.paragraphs(8, 8);
  // Six paragraphs each, overlapping in four: too little for either to be a copy of the other,
  // while each is most of the whole.
  const std::vector<std::string> first(paras.begin(), paras.begin() + 6);
  const std::vector<std::string> second(paras.begin() + 2, paras.end());
  Deduper d;
  d.decide(owned(1, Text{"one", join(first)}, k_t0).candidate());
  d.decide(owned(2, Text{"two", join(second)}, k_t0 + 10).candidate());
  // A later member of cluster 2, recorded before the merge.
  d.decide(owned(3, Text{"two again", join(second)}, k_t0 + 60 * 3600).candidate());
  d.decide(owned(4, Text{"both", join(paras)}, k_t0 + 20).candidate());
  ASSERT_EQ(d.cluster_of(3), 1U);
  // Moving time on by a window past the last arrival in the early slices (story 4, which
  // arrived when the newest time was 60 h) drops them, and the merge's bridging story.
  d.decide(owned(5, Text{g.sentence(), join(g.paragraphs())}, k_t0 + 140 * 3600).candidate());
  EXPECT_EQ(d.cluster_of(1), 0U);
  EXPECT_EQ(d.cluster_of(3), 1U);
}

struct Batch {
  std::vector<Owned> stories;
  std::map<std::uint64_t, int> group; // story id -> the story it is a copy of
};

Batch mixed_batch(std::uint64_t seed) {
  StoryGen g(seed);
  Batch out;
  std::uint64_t id = 1000;
  int group = 0;
  const auto add = [&](Owned o, int grp) {
    out.group[o.id] = grp;
    out.stories.push_back(std::move(o));
  };
  for (int s = 0; s < 12; ++s) {
    const Story st{g.sentence(5, 12), g.paragraphs(8, 8)};
    const std::int64_t t = k_t0 + s * 900;
    const int grp = group++;
    add(owned(id++, Text{st.title, join(st.paras)}, t), grp);
    for (int c = 0; c < 3; ++c) {
      const auto v = k_variants[static_cast<std::size_t>(g.uniform(0, k_variants.size() - 1))];
      add(owned(id++, variant_of(g, st, v), t + g.uniform(1, 6 * 3600)), grp);
    }
    // Parts that only the whole story bridges.
    const std::vector<std::string> half1(st.paras.begin(), st.paras.begin() + 6);
    const std::vector<std::string> half2(st.paras.begin() + 2, st.paras.end());
    add(owned(id++, Text{"first", join(half1)}, t + g.uniform(1, 3600)), grp);
    add(owned(id++, Text{"second", join(half2)}, t + g.uniform(1, 3600)), grp);
    add(owned(id++, Text{g.sentence(), join(g.paragraphs())}, t + 5), group++);
  }
  return out;
}

TEST(Deduper, BatchOutcomeDoesNotDependOnArrivalOrder) {
  const Batch generated = mixed_batch(31);
  std::map<std::uint64_t, std::uint64_t> reference;
  for (int round = 0; round < 5; ++round) {
    std::vector<Owned> shuffled = generated.stories;
    std::mt19937_64 rng(static_cast<std::uint64_t>(round));
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::vector<Candidate> batch;
    for (const Owned& o : shuffled) {
      batch.push_back(o.candidate());
    }
    Deduper d;
    const std::vector<Verdict> verdicts = d.decide_batch(batch);
    ASSERT_EQ(verdicts.size(), batch.size());
    std::map<std::uint64_t, std::uint64_t> clusters;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      clusters[batch[i].story_id] = d.cluster_of(batch[i].story_id);
      EXPECT_EQ(verdicts[i].cluster_id == batch[i].story_id, !verdicts[i].duplicate);
    }
    if (round == 0) {
      reference = clusters;
      // Same cluster exactly when generated from the same story.
      for (const auto& [a, ca] : clusters) {
        for (const auto& [b, cb] : clusters) {
          EXPECT_EQ(ca == cb, generated.group.at(a) == generated.group.at(b)) << a << " " << b;
        }
      }
    } else {
      EXPECT_EQ(clusters, reference) << "round " << round;
    }
  }
}

TEST(Deduper, SameCanonicalUrlIsAMirror) {
  Deduper d;
  StoryGen g(37);
  const Owned a = owned(1, Text{g.sentence(), join(g.paragraphs())}, k_t0,
                        "https://outlet.example/2024/story", "feed-a");
  const Owned b = owned(2, Text{"Aggregator: a link", "Short blurb about it."}, k_t0 + 300,
                        "https://outlet.example/2024/story", "feed-b");
  const Owned c = owned(3, Text{"Aggregator: a link", "Short blurb about it."}, k_t0 + 400,
                        "https://outlet.example/2024/other", "feed-b");
  EXPECT_FALSE(d.decide(a.candidate()).duplicate);
  const Verdict v = d.decide(b.candidate());
  EXPECT_TRUE(v.duplicate);
  EXPECT_EQ(v.method, Method::url);
  EXPECT_DOUBLE_EQ(v.similarity, 1.0);
  EXPECT_EQ(v.duplicate_of, 1U);
  EXPECT_EQ(v.cluster_id, 1U);
  // Same blurb (a short story, identical) under another URL: content duplicate of 2.
  const Verdict vc = d.decide(c.candidate());
  EXPECT_TRUE(vc.duplicate);
  EXPECT_EQ(vc.method, Method::content);
  EXPECT_EQ(vc.duplicate_of, 2U);
}

TEST(Deduper, DuplicateOfPrefersAStoryPublishedEarlier) {
  StoryGen g(41);
  const Text t{g.sentence(), join(g.paragraphs())};
  Deduper d;
  d.decide(owned(1, t, k_t0 + 1000).candidate());
  const Verdict v = d.decide(owned(2, t, k_t0).candidate()); // arrives later, published earlier
  EXPECT_TRUE(v.duplicate);
  EXPECT_EQ(v.duplicate_of, 1U); // the only match
  const Verdict v3 = d.decide(owned(3, t, k_t0 + 500).candidate());
  EXPECT_EQ(v3.duplicate_of, 2U); // 2 was published before 3, 1 after
}

TEST(Deduper, DecidingAStoryTwiceDoesNotMakeItItsOwnDuplicate) {
  StoryGen g(43);
  const Owned s = owned(1, Text{g.sentence(), join(g.paragraphs())}, k_t0);
  Deduper d;
  d.decide(s.candidate());
  const Verdict again = d.decide(s.candidate());
  EXPECT_FALSE(again.duplicate);
  EXPECT_EQ(again.cluster_id, 1U);
  EXPECT_EQ(d.size(), 1U);
}

TEST(Deduper, RestoreRebuildsTheWindowWithKnownClusters) {
  StoryGen g(47);
  const Story st{g.sentence(), g.paragraphs()};
  const Owned a = owned(1, Text{st.title, join(st.paras)}, k_t0);
  const Owned b = owned(2, variant_of(g, st, Variant::outro_boilerplate), k_t0 + 60);
  Deduper d;
  d.restore(a.candidate(), 1);
  d.restore(b.candidate(), 1);
  EXPECT_EQ(d.size(), 2U);
  EXPECT_EQ(d.cluster_of(2), 1U);
  const Owned c = owned(3, variant_of(g, st, Variant::first_half_read_more), k_t0 + 120);
  const Verdict v = d.decide(c.candidate());
  EXPECT_TRUE(v.duplicate);
  EXPECT_EQ(v.cluster_id, 1U);
}

TEST(Deduper, EmptyTextIsNeverAContentDuplicate) {
  Deduper d;
  const Owned a = owned(1, Text{"", ""}, k_t0);
  const Owned b = owned(2, Text{"", "Read more at Example."}, k_t0 + 1);
  EXPECT_FALSE(d.decide(a.candidate()).duplicate);
  EXPECT_FALSE(d.decide(b.candidate()).duplicate);
}

TEST(Deduper, MemoryGrowsLinearlyAndStaysBoundedUnderEviction) {
  StoryGen g(53);
  DedupeOptions options;
  options.window = hours{8};
  Deduper d(options);
  std::size_t at_window = 0;
  std::size_t peak = 0;
  // 20000 stories over 40 hours: 4000 per window length.
  for (std::uint64_t i = 1; i <= 20000; ++i) {
    const TextSignature sig = text_signature(g.sentence(), g.paragraph());
    Candidate c;
    c.story_id = i;
    c.time_s = k_t0 + static_cast<std::int64_t>(i) * 7;
    c.signature = &sig;
    d.decide(c);
    if (i == 2000) {
      const std::size_t half = d.memory_bytes();
      EXPECT_GT(half, 2000U * 100);
    }
    if (i == 4000) {
      at_window = d.memory_bytes();
    }
    peak = std::max(peak, d.memory_bytes());
  }
  EXPECT_LE(d.size(), 4000U * 5 / 4 + 1);
  EXPECT_GE(d.size(), 4000U);
  EXPECT_LE(peak, at_window * 2);
  EXPECT_LE(d.memory_bytes() / d.size(), 512U);
}

} // namespace
} // namespace fw::dedupe
