// dedupe_eval: how well fw::dedupe's near-duplicate clustering finds the same story across feeds,
// scored over pairs of items against the truth a corpus generator recorded.
//
//   dedupe_eval --corpus DIR [--corpus DIR2 ...] [options]      (--help lists the options)
//
// A corpus directory holds feeds/*.xml (or .rss/.atom/.json) and items.jsonl, one line per item
// with its feed file, index i, guid (id) and story group (story; null = a story of its own), as
// ../shared/bench/gen_feeds.py and bench/dedupe/gen_hard.py write them; gen_feeds.py's
// dupes.json adds the groups of the originals it mirrored. Optional fields: variant (or dup),
// negative (a same-topic family) and topic (the family instance).
//
// Every feed goes through the real pipeline (parse_feed, normalize_feed, story_id, canonical_url,
// text_signature), then one Deduper sees every item in an arrival order (--order), and the final
// clusters are compared with the truth over pairs: two items are an expected pair when they are
// in the same story group and linked by copies at most one window apart; a predicted pair when
// they ended in the same cluster. A wrong merge of one item into a cluster of n thus costs n
// false pairs.
//
// Exit status: 0, or 1 when a gated corpus (by default every corpus not written by gen_hard.py)
// misses --min-precision or --min-recall, or 2 on bad arguments or an unreadable corpus.

#include "dedupe/canonical_url.hpp"
#include "dedupe/deduper.hpp"
#include "dedupe/identity.hpp"
#include "dedupe/text_signature.hpp"
#include "normalize/normalize.hpp"
#include "parse/feed_parser.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

enum class Order { poll, feed, time };
enum class Gate { automatic, all, none };

struct Options {
  std::vector<fs::path> corpora;
  fw::dedupe::DedupeOptions dedupe;
  Order order = Order::poll;
  std::chrono::minutes poll_interval{60};
  std::optional<std::uint64_t> shuffle_seed;
  bool json_output = false;
  fs::path clusters_path; // --clusters: one JSON line per item with its verdict and clusters
  std::size_t explain = 0;
  double min_precision = 0.99;
  double min_recall = 0.95;
  Gate gate = Gate::automatic;
};

constexpr const char* k_usage = R"(usage: dedupe_eval --corpus DIR [--corpus DIR ...] [options]

Scores fw::dedupe's near-duplicate clusters over pairs against a generated corpus's truth.

  --corpus DIR            corpus directory (feeds/ + items.jsonl); repeatable
  --order poll|feed|time  arrival order (default poll):
                            poll  a simulated daemon: every --poll-interval, each feed in turn
                                  delivers the items published since its last poll (one batch)
                            feed  a cold start: each feed's whole document is one batch, feed
                                  after feed
                            time  every item alone, in published order
  --poll-interval MIN     minutes between simulated polls (default 60)
  --shuffle SEED          also run with the feeds in a shuffled order and report how many pairs
                          the two clusterings disagree on (0 = order independent)
  --jaccard X             DedupeOptions::jaccard_threshold (default: the engine's)
  --containment X         DedupeOptions::containment_threshold
  --short-tokens N        DedupeOptions::short_story_tokens
  --short-jaccard X       DedupeOptions::short_jaccard_threshold
  --window-hours H        DedupeOptions::window (default 72)
  --explain N             print the N worst false positives and false negatives of each corpus
  --json                  print one JSON object on stdout (the tables go to stderr)
  --clusters FILE         write one JSON line per item: feed, guid, story_id, time, group,
                          variant, expected and final cluster, verdict (with several corpora,
                          the last corpus's items)
  --min-precision X       gate (default 0.99)
  --min-recall X          gate (default 0.95)
  --gate auto|all|none    corpora held to the gate (auto: all but gen_hard.py corpora)
)";

// ---- corpus ------------------------------------------------------------------------------------

struct Item {
  std::size_t feed = 0; // index into Corpus::feeds
  std::string guid;
  std::string title;
  std::string group;    // truth story group; unique to the item when it has none
  std::string variant;  // "original", "unique", or the generator's kind of copy
  std::string negative; // same-topic family ("summit", ...) or empty
  std::string topic;    // family instance or empty: same topic + other story = a negative pair
  std::int64_t time_s = 0;
  std::uint64_t story_id = 0;
  std::optional<std::string> canonical;
  fw::dedupe::TextSignature signature;
  std::size_t expected = 0; // expected cluster (story group split where copies are a window apart)
};

struct Corpus {
  fs::path dir;
  std::string generator; // "gen_feeds.py", "gen_hard.py" or "unknown"
  bool gated = false;
  std::vector<std::string> feeds; // feed ids: file names without extension
  std::vector<Item> items;
  std::size_t files_rejected = 0;
  std::size_t items_undated = 0;
  std::size_t items_repeated = 0;  // a story_id already seen in the same document
  std::size_t items_unmatched = 0; // no truth line with the same feed, index and guid
  double prepare_s = 0;
};

struct TruthLine {
  std::string id;
  std::string group;
  std::string variant;
  std::string negative;
  std::string topic;
};

std::string string_field(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    return std::nullopt;
  }
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    return std::nullopt;
  }
  return bytes;
}

bool has_feed_extension(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".xml" || ext == ".rss" || ext == ".atom" || ext == ".json";
}

// Splits each story group into the runs of copies that a window can link (sorted by time, a gap
// wider than the window starts a new run): the clusters a correct engine ends with.
void assign_expected(Corpus& corpus, std::chrono::seconds window) {
  std::unordered_map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < corpus.items.size(); ++i) {
    groups[corpus.items[i].group].push_back(i);
  }
  std::vector<std::vector<std::size_t>> ordered;
  ordered.reserve(groups.size());
  for (auto& [name, members] : groups) {
    ordered.push_back(std::move(members));
  }
  std::sort(ordered.begin(), ordered.end()); // by first member: deterministic numbering
  std::size_t next = 0;
  for (std::vector<std::size_t>& members : ordered) {
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return corpus.items[a].time_s < corpus.items[b].time_s;
    });
    std::int64_t previous = corpus.items[members.front()].time_s;
    for (std::size_t i : members) {
      if (corpus.items[i].time_s - previous > window.count()) {
        ++next;
      }
      previous = corpus.items[i].time_s;
      corpus.items[i].expected = next;
    }
    ++next;
  }
}

// Reads the truth and runs every feed through the pipeline. Returns an error message on failure.
std::optional<std::string> load_corpus(const fs::path& dir, const Options& options,
                                       Corpus& corpus) {
  const auto start = std::chrono::steady_clock::now();
  corpus.dir = dir;
  std::error_code ec;
  const fs::path feeds_dir = fs::is_directory(dir / "feeds", ec) ? dir / "feeds" : dir;
  const std::optional<std::string> truth_text = read_file(dir / "items.jsonl");
  if (!truth_text) {
    return "cannot read " + (dir / "items.jsonl").string();
  }

  corpus.generator = "unknown";
  if (const std::optional<std::string> manifest = read_file(dir / "manifest.json")) {
    const json m = json::parse(*manifest, nullptr, false);
    if (m.is_object() && m.contains("summary") && m["summary"].is_object()) {
      const json& s = m["summary"];
      corpus.generator = s.contains("generator")   ? string_field(s, "generator")
                         : s.contains("dup_items") ? "gen_feeds.py"
                                                   : "unknown";
    }
  }
  corpus.gated = options.gate == Gate::all ||
                 (options.gate == Gate::automatic && corpus.generator != "gen_hard.py");

  // gen_feeds.py marks only copies in items.jsonl; the originals it mirrored are in dupes.json.
  std::map<std::pair<std::string, std::string>, std::string> originals;
  if (const std::optional<std::string> dupes = read_file(dir / "dupes.json")) {
    const json d = json::parse(*dupes, nullptr, false);
    if (d.is_object()) {
      for (const auto& [group, members] : d.items()) {
        for (const json& m : members) {
          if (m.is_array() && m.size() == 3 && m[2] == "original") {
            originals[{m[0].get<std::string>(), m[1].get<std::string>()}] = group;
          }
        }
      }
    }
  }

  std::map<std::pair<std::string, std::int64_t>, TruthLine> truth;
  std::istringstream lines(*truth_text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) {
      continue;
    }
    const json j = json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("feed") || !j.contains("i")) {
      return "bad line in items.jsonl: " + line.substr(0, 80);
    }
    TruthLine t;
    const std::string feed = string_field(j, "feed");
    t.id = string_field(j, "id");
    t.group = string_field(j, "story");
    t.variant = j.contains("variant") ? string_field(j, "variant") : string_field(j, "dup");
    t.negative = string_field(j, "negative");
    t.topic = string_field(j, "topic");
    if (const auto o = originals.find({feed, t.id}); o != originals.end() && t.group.empty()) {
      t.group = o->second;
      t.variant = "original";
    }
    if (t.variant.empty()) {
      t.variant = t.group.empty() ? "unique" : "original";
    }
    truth[{feed, j["i"].get<std::int64_t>()}] = std::move(t);
  }

  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(feeds_dir, ec)) {
    if (e.is_regular_file() && has_feed_extension(e.path())) {
      files.push_back(e.path());
    }
  }
  if (ec || files.empty()) {
    return "no feed files in " + feeds_dir.string();
  }
  std::sort(files.begin(), files.end());

  std::vector<std::size_t> undated;
  for (const fs::path& path : files) {
    const std::optional<std::string> bytes = read_file(path);
    fw::Result<fw::parse::ParsedFeed> parsed =
        bytes ? fw::parse::parse_feed(*bytes, {}) : fw::Result<fw::parse::ParsedFeed>(fw::Error{});
    if (!parsed) {
      ++corpus.files_rejected;
      continue;
    }
    const fw::model::FeedDocument doc = fw::normalize::normalize_feed(std::move(parsed).value());
    const std::size_t feed_index = corpus.feeds.size();
    corpus.feeds.push_back(path.stem().string());
    const std::string& feed_id = corpus.feeds.back();
    std::set<std::uint64_t> seen;
    for (std::size_t i = 0; i < doc.items.size(); ++i) {
      const fw::model::Story& story = doc.items[i];
      const auto t = truth.find({path.filename().string(), static_cast<std::int64_t>(i)});
      if (t == truth.end() || (story.id && t->second.id != *story.id)) {
        ++corpus.items_unmatched;
        continue;
      }
      const std::uint64_t id = fw::dedupe::story_id_value(fw::dedupe::story_id(feed_id, story));
      if (!seen.insert(id).second) {
        ++corpus.items_repeated; // the daemon keeps only the first (first_occurrences)
        continue;
      }
      Item item;
      item.feed = feed_index;
      item.guid = t->second.id;
      item.title = story.title.value_or("");
      item.group = t->second.group.empty()
                       ? "#" + path.filename().string() + "#" + std::to_string(i)
                       : t->second.group;
      item.variant = t->second.variant;
      item.negative = t->second.negative;
      item.topic = t->second.topic;
      item.story_id = id;
      if (story.link) {
        item.canonical = fw::dedupe::canonical_url(*story.link);
      }
      item.signature = fw::dedupe::text_signature(item.title, story.text.value_or(""));
      const std::optional<fw::model::Timestamp> when =
          story.published ? story.published : story.updated;
      if (when) {
        item.time_s = when->time_since_epoch().count();
      } else {
        undated.push_back(corpus.items.size());
      }
      corpus.items.push_back(std::move(item));
    }
  }
  // The daemon dates an undated story by when it first saw it; here that is the corpus's end.
  std::int64_t newest = 0;
  for (const Item& item : corpus.items) {
    newest = std::max(newest, item.time_s);
  }
  for (std::size_t i : undated) {
    corpus.items[i].time_s = newest;
  }
  corpus.items_undated = undated.size();
  assign_expected(corpus, options.dedupe.window);
  corpus.prepare_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::nullopt;
}

// ---- simulation --------------------------------------------------------------------------------

// Union-find over cluster ids: a merge the engine reports for stories still in its window also
// holds for the cluster's members that have already left it.
class ClusterUnion {
public:
  std::uint64_t find(std::uint64_t id) {
    auto it = m_parent.find(id);
    if (it == m_parent.end()) {
      return id;
    }
    const std::uint64_t root = find(it->second);
    it->second = root;
    return root;
  }
  void join(std::uint64_t a, std::uint64_t b) {
    a = find(a);
    b = find(b);
    if (a != b) {
      m_parent[a] = b;
    }
  }

private:
  std::unordered_map<std::uint64_t, std::uint64_t> m_parent;
};

struct Run {
  std::vector<std::uint64_t> cluster; // final cluster per item
  std::vector<fw::dedupe::Verdict> verdicts;
  std::size_t url = 0;
  std::size_t content = 0;
  std::size_t batches = 0;
  double decide_s = 0;
};

class Simulation {
public:
  Simulation(const Corpus& corpus, const Options& options)
      : m_corpus(corpus), m_deduper(options.dedupe) {
    m_run.cluster.assign(corpus.items.size(), 0);
    m_run.verdicts.resize(corpus.items.size());
  }

  // `arrival_s`: when the batch arrives (a poll's time; "now" for a cold start).
  void batch(std::span<const std::size_t> items, std::int64_t arrival_s) {
    if (items.empty()) {
      return;
    }
    m_candidates.clear();
    for (std::size_t i : items) {
      const Item& item = m_corpus.items[i];
      fw::dedupe::Candidate c;
      c.story_id = item.story_id;
      c.feed_id = m_corpus.feeds[item.feed];
      if (item.canonical) {
        c.canonical_url = *item.canonical;
      }
      c.time_s = item.time_s;
      c.signature = &item.signature;
      m_candidates.push_back(c);
    }
    const auto start = std::chrono::steady_clock::now();
    const std::vector<fw::dedupe::Verdict> verdicts =
        m_deduper.decide_batch(m_candidates, arrival_s);
    m_run.decide_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++m_run.batches;
    for (std::size_t k = 0; k < items.size(); ++k) {
      const fw::dedupe::Verdict& v = verdicts[k];
      m_run.verdicts[items[k]] = v;
      m_run.cluster[items[k]] = v.cluster_id;
      m_run.url += v.method == fw::dedupe::Method::url ? 1 : 0;
      m_run.content += v.method == fw::dedupe::Method::content ? 1 : 0;
      m_live.push_back(items[k]);
    }
    refresh();
  }

  Run finish() {
    refresh();
    for (std::size_t i = 0; i < m_run.cluster.size(); ++i) {
      m_union.join(m_run.cluster[i], m_deduper.resolve_cluster(m_run.cluster[i]));
    }
    for (std::uint64_t& c : m_run.cluster) {
      c = m_union.find(c);
    }
    return std::move(m_run);
  }

private:
  // Follows merges: a live story whose cluster changed joins its old cluster to the new one.
  void refresh() {
    std::size_t kept = 0;
    for (std::size_t i : m_live) {
      const std::uint64_t now = m_deduper.cluster_of(m_corpus.items[i].story_id);
      if (now == 0) {
        continue; // left the window (or was never recorded): its last cluster stands
      }
      if (now != m_run.cluster[i]) {
        m_union.join(m_run.cluster[i], now);
        m_run.cluster[i] = now;
      }
      m_live[kept++] = i;
    }
    m_live.resize(kept);
  }

  const Corpus& m_corpus;
  fw::dedupe::Deduper m_deduper;
  Run m_run;
  ClusterUnion m_union;
  std::vector<std::size_t> m_live;
  std::vector<fw::dedupe::Candidate> m_candidates;
};

Run simulate(const Corpus& corpus, const Options& options, const std::vector<std::size_t>& feeds,
             std::optional<std::uint64_t> shuffle_items) {
  Simulation sim(corpus, options);
  std::vector<std::vector<std::size_t>> by_feed(corpus.feeds.size());
  for (std::size_t i = 0; i < corpus.items.size(); ++i) {
    by_feed[corpus.items[i].feed].push_back(i);
  }
  std::mt19937_64 rng(shuffle_items.value_or(0));
  auto arrange = [&](std::vector<std::size_t>& batch) {
    if (shuffle_items) {
      std::shuffle(batch.begin(), batch.end(), rng);
    }
  };
  if (options.order == Order::feed) {
    // Everything is fetched at once, after the newest story.
    std::int64_t now = std::numeric_limits<std::int64_t>::min();
    for (const Item& item : corpus.items) {
      now = std::max(now, item.time_s);
    }
    for (std::size_t f : feeds) {
      arrange(by_feed[f]);
      sim.batch(by_feed[f], now);
    }
  } else if (options.order == Order::time) {
    std::vector<std::size_t> all(corpus.items.size());
    std::iota(all.begin(), all.end(), 0);
    std::stable_sort(all.begin(), all.end(), [&](std::size_t a, std::size_t b) {
      return corpus.items[a].time_s < corpus.items[b].time_s;
    });
    for (std::size_t i : all) {
      sim.batch(std::span<const std::size_t>(&i, 1), corpus.items[i].time_s);
    }
  } else {
    const std::int64_t step = std::chrono::seconds(options.poll_interval).count();
    std::vector<std::size_t> next(corpus.feeds.size(), 0);
    for (auto& items : by_feed) {
      std::stable_sort(items.begin(), items.end(), [&](std::size_t a, std::size_t b) {
        return corpus.items[a].time_s < corpus.items[b].time_s;
      });
    }
    auto floor_tick = [&](std::int64_t t) { return t - ((t % step) + step) % step; };
    std::optional<std::int64_t> tick;
    std::vector<std::size_t> batch;
    while (true) {
      // Skip polls that would find nothing new in any feed.
      std::optional<std::int64_t> due;
      for (std::size_t f = 0; f < by_feed.size(); ++f) {
        if (next[f] < by_feed[f].size()) {
          const std::int64_t t = corpus.items[by_feed[f][next[f]]].time_s;
          due = due ? std::min(*due, t) : t;
        }
      }
      if (!due) {
        break;
      }
      tick = std::max(tick ? *tick + step : floor_tick(*due) + step, floor_tick(*due) + step);
      for (std::size_t f : feeds) {
        batch.clear();
        while (next[f] < by_feed[f].size() && corpus.items[by_feed[f][next[f]]].time_s < *tick) {
          batch.push_back(by_feed[f][next[f]++]);
        }
        arrange(batch);
        sim.batch(batch, *tick);
      }
    }
  }
  return sim.finish();
}

// ---- scoring -----------------------------------------------------------------------------------

double pairs_of(double n) {
  return n * (n - 1) / 2;
}

struct PairCounts {
  double tp = 0, fp = 0, fn = 0, tn = 0;
  double precision() const { return tp + fp > 0 ? tp / (tp + fp) : 1.0; }
  double recall() const { return tp + fn > 0 ? tp / (tp + fn) : 1.0; }
  double f1() const {
    const double p = precision(), r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
};

// Pair counts of two partitions from their contingency table: no pair enumeration.
PairCounts count_pairs(const std::vector<std::size_t>& expected,
                       const std::vector<std::uint64_t>& predicted) {
  std::unordered_map<std::size_t, double> e;
  std::unordered_map<std::uint64_t, double> p;
  std::map<std::pair<std::size_t, std::uint64_t>, double> both;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ++e[expected[i]];
    ++p[predicted[i]];
    ++both[{expected[i], predicted[i]}];
  }
  PairCounts c;
  double same_e = 0, same_p = 0;
  for (const auto& [k, n] : both) {
    c.tp += pairs_of(n);
  }
  for (const auto& [k, n] : e) {
    same_e += pairs_of(n);
  }
  for (const auto& [k, n] : p) {
    same_p += pairs_of(n);
  }
  c.fp = same_p - c.tp;
  c.fn = same_e - c.tp;
  c.tn = pairs_of(static_cast<double>(expected.size())) - c.tp - c.fp - c.fn;
  return c;
}

struct Pair {
  std::size_t a = 0, b = 0;
  double jaccard = 0, containment = 0;
};

struct KindRow {
  std::size_t items = 0;
  double pairs = 0, tp = 0, fn = 0, fp = 0;
  // The pair nearest the content thresholds from the wrong side: the least similar positive pair
  // of a variant kind, the most similar negative pair of a family (by content_score()).
  std::optional<Pair> edge;
  bool edge_with_original = false; // a variant's edge pair includes the original when one exists
};

// How far a pair is into the content rule: >= 1 when J or C reaches its threshold.
double content_score(const Pair& p, const fw::dedupe::DedupeOptions& o) {
  return std::max(o.jaccard_threshold > 0 ? p.jaccard / o.jaccard_threshold : 1.0,
                  o.containment_threshold > 0 ? p.containment / o.containment_threshold : 1.0);
}

struct Score {
  PairCounts overall;
  std::map<std::string, KindRow> variants;  // positive pairs involving each kind of copy
  std::map<std::string, KindRow> negatives; // negative pairs within each same-topic family
  std::vector<Pair> false_positives;        // enumerated only for clusters up to k_explain_max
  std::vector<Pair> false_negatives;
};

constexpr std::size_t k_explain_max = 2000;

Pair make_pair(const Corpus& corpus, std::size_t a, std::size_t b) {
  const Item& x = corpus.items[a];
  const Item& y = corpus.items[b];
  return {a, b, fw::dedupe::estimate_jaccard(x.signature, y.signature),
          fw::dedupe::estimate_containment(x.signature, y.signature)};
}

Score score(const Corpus& corpus, const Run& run, const fw::dedupe::DedupeOptions& options) {
  Score s;
  std::vector<std::size_t> expected(corpus.items.size());
  for (std::size_t i = 0; i < corpus.items.size(); ++i) {
    expected[i] = corpus.items[i].expected;
    ++s.variants[corpus.items[i].variant].items;
    if (!corpus.items[i].negative.empty()) {
      ++s.negatives[corpus.items[i].negative].items;
    }
  }
  s.overall = count_pairs(expected, run.cluster);

  auto members_by = [&](auto key) {
    std::map<decltype(key(std::size_t{})), std::vector<std::size_t>> m;
    for (std::size_t i = 0; i < corpus.items.size(); ++i) {
      m[key(i)].push_back(i);
    }
    return m;
  };
  // Positive pairs, per kind of copy: a pair counts for each kind among its two items other than
  // "original" (a pair of originals, as gen_feeds.py's mirrors have, counts as "original").
  for (const auto& [e, members] : members_by([&](std::size_t i) { return expected[i]; })) {
    for (std::size_t x = 0; x < members.size(); ++x) {
      for (std::size_t y = x + 1; y < members.size(); ++y) {
        const std::size_t a = members[x], b = members[y];
        const bool found = run.cluster[a] == run.cluster[b];
        std::set<std::string> kinds{corpus.items[a].variant, corpus.items[b].variant};
        if (kinds.size() > 1) {
          kinds.erase("original");
        }
        const Pair pair = make_pair(corpus, a, b);
        // A copy's similarity is shown against the original where the corpus has one (a pair
        // of two copies, or with an aggregator's excerpt, says little about the variant).
        const bool with_original =
            corpus.items[a].variant == "original" || corpus.items[b].variant == "original";
        for (const std::string& k : kinds) {
          KindRow& row = s.variants[k];
          ++row.pairs;
          (found ? row.tp : row.fn) += 1;
          if (with_original > row.edge_with_original ||
              (with_original == row.edge_with_original &&
               (!row.edge || content_score(pair, options) < content_score(*row.edge, options)))) {
            row.edge = pair;
            row.edge_with_original = with_original;
          }
        }
        if (!found) {
          s.false_negatives.push_back(pair);
        }
      }
    }
  }
  // Negative pairs of a family: same topic but another story, or the same story group but more
  // than a window apart ("outside-window").
  auto negative_pair = [&](std::size_t a, std::size_t b, const std::string& family) {
    if (expected[a] == expected[b]) {
      return;
    }
    KindRow& row = s.negatives[family];
    ++row.pairs;
    row.fp += run.cluster[a] == run.cluster[b] ? 1 : 0;
    const Pair pair = make_pair(corpus, a, b);
    if (!row.edge || content_score(pair, options) > content_score(*row.edge, options)) {
      row.edge = pair;
    }
  };
  for (const auto& [topic, members] :
       members_by([&](std::size_t i) { return corpus.items[i].topic; })) {
    if (topic.empty()) {
      continue;
    }
    for (std::size_t x = 0; x < members.size(); ++x) {
      for (std::size_t y = x + 1; y < members.size(); ++y) {
        if (corpus.items[members[x]].group != corpus.items[members[y]].group) {
          negative_pair(members[x], members[y], corpus.items[members[x]].negative);
        }
      }
    }
  }
  for (const auto& [group, members] :
       members_by([&](std::size_t i) { return corpus.items[i].group; })) {
    for (std::size_t x = 0; x < members.size(); ++x) {
      for (std::size_t y = x + 1; y < members.size(); ++y) {
        negative_pair(members[x], members[y], "outside-window");
      }
    }
  }
  double family_fp = 0;
  for (const auto& [name, row] : s.negatives) {
    family_fp += row.fp;
  }
  KindRow& other = s.negatives["other (unrelated stories)"];
  other.fp = s.overall.fp - family_fp;
  other.pairs = s.overall.fp + s.overall.tn;
  for (const auto& [name, row] : s.negatives) {
    if (name != "other (unrelated stories)") {
      other.pairs -= row.pairs;
    }
  }
  if (s.negatives["outside-window"].pairs == 0) {
    s.negatives.erase("outside-window");
  }

  for (const auto& [c, members] : members_by([&](std::size_t i) { return run.cluster[i]; })) {
    if (members.size() > k_explain_max) {
      continue;
    }
    for (std::size_t x = 0; x < members.size(); ++x) {
      for (std::size_t y = x + 1; y < members.size(); ++y) {
        if (expected[members[x]] != expected[members[y]]) {
          s.false_positives.push_back(make_pair(corpus, members[x], members[y]));
        }
      }
    }
  }
  auto similarity = [](const Pair& p) { return std::max(p.jaccard, p.containment); };
  std::sort(s.false_positives.begin(), s.false_positives.end(),
            [&](const Pair& a, const Pair& b) { return similarity(a) > similarity(b); });
  std::sort(s.false_negatives.begin(), s.false_negatives.end(),
            [&](const Pair& a, const Pair& b) { return similarity(a) < similarity(b); });
  return s;
}

// Pairs on which two clusterings of the same items disagree (0 = the same partition).
double disagreement(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::vector<std::size_t> as(a.size());
  std::unordered_map<std::uint64_t, std::size_t> ids;
  for (std::size_t i = 0; i < a.size(); ++i) {
    as[i] = ids.emplace(a[i], ids.size()).first->second;
  }
  const PairCounts c = count_pairs(as, b);
  return c.fp + c.fn;
}

// ---- output ------------------------------------------------------------------------------------

const char* order_name(Order o) {
  return o == Order::poll ? "poll" : o == Order::feed ? "feed" : "time";
}

std::string pct_or_dash(double num, double den) {
  char buf[32];
  if (den <= 0) {
    return "-";
  }
  std::snprintf(buf, sizeof buf, "%.4f", num / den);
  return buf;
}

std::string describe(const Corpus& corpus, const Run& run, std::size_t i) {
  const Item& item = corpus.items[i];
  char when[32];
  const std::time_t t = static_cast<std::time_t>(item.time_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
  std::string s = corpus.feeds[item.feed] + " [" + item.variant;
  if (!item.negative.empty()) {
    s += ", " + item.negative;
  }
  s += "] " + std::string(when) + " tokens " + std::to_string(item.signature.tokens) + " verdict " +
       std::string(fw::dedupe::to_string(run.verdicts[i].method));
  s += "\n        \"" + item.title.substr(0, 110) + "\"";
  return s;
}

void print_pairs(std::FILE* out, const Corpus& corpus, const Run& run,
                 const std::vector<Pair>& pairs, std::size_t n, const char* what,
                 const fw::dedupe::DedupeOptions& options) {
  std::fprintf(out, "  %s (%zu%s):\n", what, std::min(n, pairs.size()),
               pairs.size() > n ? (" of " + std::to_string(pairs.size())).c_str() : "");
  for (std::size_t k = 0; k < std::min(n, pairs.size()); ++k) {
    const Pair& p = pairs[k];
    const double dt_h = std::abs(static_cast<double>(corpus.items[p.a].time_s) -
                                 static_cast<double>(corpus.items[p.b].time_s)) /
                        3600.0;
    // Whether the pair alone passes the content rule (short-story rule aside) or the URL rule;
    // a merged pair that does neither was joined through other stories.
    const Item& a = corpus.items[p.a];
    const Item& b = corpus.items[p.b];
    const bool same_url = a.canonical && b.canonical && *a.canonical == *b.canonical;
    const char* direct = same_url                           ? "same URL"
                         : content_score(p, options) >= 1.0 ? "content rule passes"
                                                            : "content rule fails";
    const bool apart = std::abs(a.time_s - b.time_s) > options.window.count();
    std::fprintf(out, "    J %.3f  C %.3f  dt %.1f h  (%s%s)\n      a %s\n      b %s\n", p.jaccard,
                 p.containment, dt_h, direct, apart ? "; over a window apart" : "",
                 describe(corpus, run, p.a).c_str(), describe(corpus, run, p.b).c_str());
  }
}

bool passes(const Corpus& corpus, const Score& s, const Options& options) {
  return !corpus.gated || (s.overall.precision() >= options.min_precision &&
                           s.overall.recall() >= options.min_recall);
}

void print_table(std::FILE* out, const Corpus& corpus, const Run& run, const Score& s,
                 const Options& options) {
  const fw::dedupe::DedupeOptions& d = options.dedupe;
  std::fprintf(out, "\n== %s (%s)\n", corpus.dir.c_str(), corpus.generator.c_str());
  std::fprintf(out,
               "items %zu in %zu feeds; %zu files rejected, %zu items undated, %zu repeated ids, "
               "%zu without truth\n",
               corpus.items.size(), corpus.feeds.size(), corpus.files_rejected,
               corpus.items_undated, corpus.items_repeated, corpus.items_unmatched);
  std::fprintf(
      out,
      "engine: jaccard >= %.3f or containment >= %.3f; short (< %zu tokens): jaccard >= "
      "%.3f; window %lld h\n",
      d.jaccard_threshold, d.containment_threshold, d.short_story_tokens, d.short_jaccard_threshold,
      static_cast<long long>(std::chrono::duration_cast<std::chrono::hours>(d.window).count()));
  std::fprintf(out,
               "order %s%s: %zu batches; duplicates %zu (url %zu, content %zu); pipeline %.2f s, "
               "decide %.3f s (%.0f decisions/s)\n",
               order_name(options.order),
               options.order == Order::poll
                   ? (" every " + std::to_string(options.poll_interval.count()) + " min").c_str()
                   : "",
               run.batches, run.url + run.content, run.url, run.content, corpus.prepare_s,
               run.decide_s, run.decide_s > 0 ? corpus.items.size() / run.decide_s : 0.0);
  const PairCounts& c = s.overall;
  std::fprintf(out, "pairs: TP %.0f  FP %.0f  FN %.0f  TN %.0f\n", c.tp, c.fp, c.fn, c.tn);
  std::fprintf(out, "precision %.4f  recall %.4f  F1 %.4f", c.precision(), c.recall(), c.f1());
  if (corpus.gated) {
    std::fprintf(out, "   gate (P >= %.2f, R >= %.2f): %s\n", options.min_precision,
                 options.min_recall, passes(corpus, s, options) ? "PASS" : "FAIL");
  } else {
    std::fprintf(out, "   (not gated)\n");
  }
  auto edge = [](const KindRow& row) {
    char buf[48];
    if (!row.edge) {
      return std::string("-");
    }
    std::snprintf(buf, sizeof buf, "J %.2f C %.2f", row.edge->jaccard, row.edge->containment);
    return std::string(buf);
  };
  std::fprintf(out, "\n  %-26s %7s %9s %9s %9s %8s   %s\n", "variant kind", "items", "pos pairs",
               "found", "missed", "recall", "least similar pair");
  for (const auto& [name, row] : s.variants) {
    std::fprintf(out, "  %-26s %7zu %9.0f %9.0f %9.0f %8s   %s\n", name.c_str(), row.items,
                 row.pairs, row.tp, row.fn, pct_or_dash(row.tp, row.pairs).c_str(),
                 edge(row).c_str());
  }
  std::fprintf(out, "\n  %-26s %7s %9s %9s %8s   %s\n", "negative family", "items", "neg pairs",
               "merged", "FP rate", "most similar pair");
  for (const auto& [name, row] : s.negatives) {
    std::fprintf(out, "  %-26s %7s %9.0f %9.0f %8s   %s\n", name.c_str(),
                 row.items ? std::to_string(row.items).c_str() : "-", row.pairs, row.fp,
                 pct_or_dash(row.fp, row.pairs).c_str(), edge(row).c_str());
  }
  if (options.explain > 0) {
    std::fprintf(out, "\n");
    print_pairs(out, corpus, run, s.false_positives, options.explain,
                "worst false positives, most similar first", options.dedupe);
    print_pairs(out, corpus, run, s.false_negatives, options.explain,
                "worst false negatives, least similar first", options.dedupe);
  }
}

json pair_json(const Corpus& corpus, const Pair& p) {
  auto side = [&](std::size_t i) {
    const Item& item = corpus.items[i];
    return json{{"feed", corpus.feeds[item.feed]},
                {"guid", item.guid},
                {"title", item.title},
                {"variant", item.variant},
                {"time_s", item.time_s},
                {"tokens", item.signature.tokens}};
  };
  return json{
      {"jaccard", p.jaccard}, {"containment", p.containment}, {"a", side(p.a)}, {"b", side(p.b)}};
}

json to_json(const Corpus& corpus, const Run& run, const Score& s, const Options& options,
             std::optional<double> shuffled_disagreement) {
  const PairCounts& c = s.overall;
  json j{{"corpus", corpus.dir.string()},
         {"generator", corpus.generator},
         {"items", corpus.items.size()},
         {"feeds", corpus.feeds.size()},
         {"files_rejected", corpus.files_rejected},
         {"items_undated", corpus.items_undated},
         {"items_repeated", corpus.items_repeated},
         {"items_without_truth", corpus.items_unmatched},
         {"order", order_name(options.order)},
         {"options",
          {{"jaccard_threshold", options.dedupe.jaccard_threshold},
           {"containment_threshold", options.dedupe.containment_threshold},
           {"short_story_tokens", options.dedupe.short_story_tokens},
           {"short_jaccard_threshold", options.dedupe.short_jaccard_threshold},
           {"window_s", options.dedupe.window.count()}}},
         {"duplicates", {{"url", run.url}, {"content", run.content}}},
         {"decide_s", run.decide_s},
         {"pairs", {{"tp", c.tp}, {"fp", c.fp}, {"fn", c.fn}, {"tn", c.tn}}},
         {"precision", c.precision()},
         {"recall", c.recall()},
         {"f1", c.f1()},
         {"gated", corpus.gated},
         {"pass", passes(corpus, s, options)}};
  for (const auto& [name, row] : s.variants) {
    j["variants"][name] = {{"least_similar", row.edge ? pair_json(corpus, *row.edge) : json()},
                           {"items", row.items},
                           {"pairs", row.pairs},
                           {"found", row.tp},
                           {"missed", row.fn},
                           {"recall", row.pairs > 0 ? json(row.tp / row.pairs) : json()}};
  }
  for (const auto& [name, row] : s.negatives) {
    j["negatives"][name] = {{"most_similar", row.edge ? pair_json(corpus, *row.edge) : json()},
                            {"items", row.items},
                            {"pairs", row.pairs},
                            {"merged", row.fp},
                            {"fp_rate", row.pairs > 0 ? json(row.fp / row.pairs) : json()}};
  }
  if (shuffled_disagreement) {
    j["shuffle_disagreeing_pairs"] = *shuffled_disagreement;
  }
  if (options.explain > 0) {
    j["false_positives"] = json::array();
    j["false_negatives"] = json::array();
    for (std::size_t k = 0; k < std::min(options.explain, s.false_positives.size()); ++k) {
      j["false_positives"].push_back(pair_json(corpus, s.false_positives[k]));
    }
    for (std::size_t k = 0; k < std::min(options.explain, s.false_negatives.size()); ++k) {
      j["false_negatives"].push_back(pair_json(corpus, s.false_negatives[k]));
    }
  }
  return j;
}

// Returns false when the file cannot be written.
bool write_clusters(const fs::path& path, const Corpus& corpus, const Run& run) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (std::size_t i = 0; i < corpus.items.size(); ++i) {
    const Item& item = corpus.items[i];
    const fw::dedupe::Verdict& v = run.verdicts[i];
    out << json{{"feed", corpus.feeds[item.feed]},
                {"guid", item.guid},
                {"story_id", fw::dedupe::story_id_hex(item.story_id)},
                {"time_s", item.time_s},
                {"group", item.group},
                {"variant", item.variant},
                {"negative", item.negative},
                {"expected", item.expected},
                {"cluster", fw::dedupe::story_id_hex(run.cluster[i])},
                {"duplicate", v.duplicate},
                {"method", fw::dedupe::to_string(v.method)},
                {"similarity", v.similarity},
                {"duplicate_of", v.duplicate ? fw::dedupe::story_id_hex(v.duplicate_of) : ""}}
               .dump()
        << '\n';
  }
  return static_cast<bool>(out);
}

// ---- arguments ---------------------------------------------------------------------------------

std::optional<double> to_number(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(k_usage, stdout);
      std::exit(0);
    }
    if (arg == "--json") {
      o.json_output = true;
      continue;
    }
    if (i + 1 >= argc) {
      return "unknown argument or missing value: " + arg;
    }
    const std::string value = argv[++i];
    const std::optional<double> n = to_number(value);
    auto need = [&]() -> std::optional<std::string> {
      if (!n) {
        return arg + " needs a non-negative number, not '" + value + "'";
      }
      return std::nullopt;
    };
    if (arg == "--corpus") {
      o.corpora.emplace_back(value);
    } else if (arg == "--clusters") {
      o.clusters_path = value;
    } else if (arg == "--order") {
      if (value == "poll" || value == "feed" || value == "time") {
        o.order = value == "poll" ? Order::poll : value == "feed" ? Order::feed : Order::time;
      } else {
        return "--order is poll, feed or time";
      }
    } else if (arg == "--gate") {
      if (value == "auto" || value == "all" || value == "none") {
        o.gate = value == "auto" ? Gate::automatic : value == "all" ? Gate::all : Gate::none;
      } else {
        return "--gate is auto, all or none";
      }
    } else if (auto error = need()) {
      return error;
    } else if (arg == "--poll-interval") {
      o.poll_interval =
          std::chrono::minutes(std::max<std::int64_t>(1, static_cast<std::int64_t>(*n)));
    } else if (arg == "--shuffle") {
      o.shuffle_seed = static_cast<std::uint64_t>(*n);
    } else if (arg == "--jaccard") {
      o.dedupe.jaccard_threshold = *n;
    } else if (arg == "--containment") {
      o.dedupe.containment_threshold = *n;
    } else if (arg == "--short-tokens") {
      o.dedupe.short_story_tokens = static_cast<std::size_t>(*n);
    } else if (arg == "--short-jaccard") {
      o.dedupe.short_jaccard_threshold = *n;
    } else if (arg == "--window-hours") {
      o.dedupe.window = std::chrono::seconds(static_cast<std::int64_t>(*n * 3600));
    } else if (arg == "--explain") {
      o.explain = static_cast<std::size_t>(*n);
    } else if (arg == "--min-precision") {
      o.min_precision = *n;
    } else if (arg == "--min-recall") {
      o.min_recall = *n;
    } else {
      return "unknown argument: " + arg;
    }
  }
  if (o.corpora.empty()) {
    return "at least one --corpus DIR is needed";
  }
  return std::nullopt;
}

} // namespace

int main(int argc, char** argv) {
  Options options;
  if (const std::optional<std::string> error = parse_args(argc, argv, options)) {
    std::fprintf(stderr, "dedupe_eval: %s (see --help)\n", error->c_str());
    return 2;
  }
  std::FILE* table = options.json_output ? stderr : stdout;
  json all = json::array();
  bool ok = true;
  try {
    for (const fs::path& dir : options.corpora) {
      Corpus corpus;
      if (const std::optional<std::string> error = load_corpus(dir, options, corpus)) {
        std::fprintf(stderr, "dedupe_eval: %s\n", error->c_str());
        return 2;
      }
      std::vector<std::size_t> feeds(corpus.feeds.size());
      std::iota(feeds.begin(), feeds.end(), 0);
      const Run run = simulate(corpus, options, feeds, std::nullopt);
      const Score s = score(corpus, run, options.dedupe);
      std::optional<double> differ;
      print_table(table, corpus, run, s, options);
      if (options.shuffle_seed) {
        std::mt19937_64 rng(*options.shuffle_seed);
        std::shuffle(feeds.begin(), feeds.end(), rng);
        const Run shuffled = simulate(corpus, options, feeds, *options.shuffle_seed);
        const Score ss = score(corpus, shuffled, options.dedupe);
        differ = disagreement(run.cluster, shuffled.cluster);
        std::fprintf(table,
                     "\n  shuffled feed and item order (seed %llu): precision %.4f recall %.4f; "
                     "the two clusterings disagree on %.0f pairs\n",
                     static_cast<unsigned long long>(*options.shuffle_seed), ss.overall.precision(),
                     ss.overall.recall(), *differ);
      }
      if (!options.clusters_path.empty() && !write_clusters(options.clusters_path, corpus, run)) {
        std::fprintf(stderr, "dedupe_eval: cannot write %s\n", options.clusters_path.c_str());
        return 2;
      }
      ok = ok && passes(corpus, s, options);
      all.push_back(to_json(corpus, run, s, options, differ));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dedupe_eval: %s\n", e.what());
    return 2;
  }
  if (options.json_output) {
    std::printf("%s\n", json{{"corpora", all}, {"pass", ok}}.dump(1).c_str());
  }
  return ok ? 0 : 1;
}
