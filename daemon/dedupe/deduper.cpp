#include "dedupe/deduper.hpp"

#include "util/hash.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace fw::dedupe {
namespace {

// Slices of a quarter window: expiry lags the window by at most a quarter, and a lookup visits
// about five slices.
constexpr int k_slices_per_window = 4;

std::uint64_t url_hash(std::string_view canonical_url) {
  util::Fnv1a64 h;
  h.add(canonical_url);
  const std::uint64_t v = h.value();
  return v == 0 ? 1 : v; // 0 means "no URL" in the index
}

struct Match {
  NearDupIndex::Ref ref;
  std::uint64_t story_id = 0;
  std::uint64_t cluster_id = 0;
  std::int64_t time_s = 0;
  double score = 0;
};

// The match duplicate_of names: one published no later than the candidate when there is one
// (the story the candidate repeats), then the highest score, then the earliest.
const Match& best_match(const std::vector<Match>& matches, std::int64_t time_s) {
  const auto key = [&](const Match& m) {
    return std::make_tuple(m.time_s > time_s, -m.score, m.time_s, m.story_id);
  };
  return *std::min_element(matches.begin(), matches.end(),
                           [&](const Match& a, const Match& b) { return key(a) < key(b); });
}

} // namespace

std::string_view to_string(Method method) {
  switch (method) {
  case Method::none:
    return "none";
  case Method::url:
    return "url";
  case Method::content:
    return "content";
  }
  return "none";
}

Deduper::Deduper(DedupeOptions options)
    : m_options(options),
      m_index(std::max(std::chrono::seconds{1}, options.window / k_slices_per_window)) {}

void Deduper::advance_time(std::int64_t time_s) {
  if (m_newest_s && time_s <= *m_newest_s) {
    return;
  }
  m_newest_s = time_s;
  expire();
}

std::int64_t Deduper::lease_clock() const noexcept {
  if (m_arrival_s) {
    return *m_arrival_s;
  }
  return m_newest_s.value_or(std::numeric_limits<std::int64_t>::min());
}

void Deduper::expire() {
  if (!m_newest_s) {
    return;
  }
  const std::int64_t horizon = *m_newest_s - m_options.window.count();
  const std::size_t before = m_index.slice_count();
  m_index.drop_before(horizon, lease_clock() - m_options.window.count());
  if (m_index.slice_count() == before || m_merges.empty()) {
    return;
  }
  // Rename merged-away clusters in the records still held, so that merges whose bridging story
  // left the window can be forgotten without losing a rename.
  m_index.for_each_cluster([&](std::uint64_t& cluster) { cluster = resolve_cluster(cluster); });
  std::erase_if(m_merges, [&](const auto& entry) { return entry.second.time_s < horizon; });
}

std::int64_t Deduper::cluster_start_time(std::uint64_t cluster_id) const {
  if (const auto ref = m_index.find_story(cluster_id)) {
    return m_index.story(*ref).time_s;
  }
  // The first story has left the window: it is older than any story still in it.
  return std::numeric_limits<std::int64_t>::min();
}

std::uint64_t Deduper::merge_clusters(std::span<const std::uint64_t> clusters,
                                      std::int64_t time_s) {
  std::uint64_t winner = clusters.front();
  std::int64_t winner_start = cluster_start_time(winner);
  for (const std::uint64_t c : clusters.subspan(1)) {
    const std::int64_t start = cluster_start_time(c);
    if (std::tie(start, c) < std::tie(winner_start, winner)) {
      winner = c;
      winner_start = start;
    }
  }
  for (const std::uint64_t c : clusters) {
    if (c != winner) {
      m_merges[c] = Merge{winner, time_s};
    }
  }
  return winner;
}

std::uint64_t Deduper::resolve_cluster(std::uint64_t cluster_id) const {
  // Chains are short: every merge points at a cluster that was current at the time.
  for (std::size_t hops = 0; hops <= m_merges.size(); ++hops) {
    const auto it = m_merges.find(cluster_id);
    if (it == m_merges.end()) {
      break;
    }
    cluster_id = it->second.into;
  }
  return cluster_id;
}

Verdict Deduper::decide(const Candidate& candidate) {
  return decide_one(candidate, true);
}

Verdict Deduper::decide_one(const Candidate& candidate, bool record) {
  const TextSignature& sig = *candidate.signature;
  const std::int64_t t = candidate.time_s;
  advance_time(t);

  if (const auto existing = m_index.find_story(candidate.story_id)) {
    Verdict v;
    v.cluster_id = resolve_cluster(m_index.story(*existing).cluster_id);
    return v;
  }

  const std::int64_t window = m_options.window.count();
  const std::int64_t from = t - window;
  const std::int64_t to = t + window;
  const std::uint64_t url = candidate.canonical_url && !candidate.canonical_url->empty()
                                ? url_hash(*candidate.canonical_url)
                                : 0;

  std::vector<Match> url_hits;
  std::vector<Match> content_hits;
  m_scratch_refs.clear();
  m_index.url_matches(url, from, to, m_scratch_refs);
  for (const NearDupIndex::Ref ref : m_scratch_refs) {
    const IndexedStory s = m_index.story(ref);
    url_hits.push_back(Match{ref, s.story_id, resolve_cluster(s.cluster_id), s.time_s, 1.0});
  }

  m_scratch_refs.clear();
  m_index.band_candidates(sig, from, to, m_scratch_refs);
  const std::uint32_t own_shingles = std::min<std::uint32_t>(sig.shingles, 0xFFFF);
  for (const NearDupIndex::Ref ref : m_scratch_refs) {
    const IndexedStory s = m_index.story(ref);
    if (s.shingles == 0) {
      continue;
    }
    const double j = estimate_jaccard_packed(sig.minima.data(), m_index.minima(ref));
    double score = -1;
    if (std::min<std::size_t>(sig.tokens, s.tokens) < m_options.short_story_tokens) {
      if (j >= m_options.short_jaccard_threshold) {
        score = j;
      }
    } else if (j >= m_options.jaccard_threshold) {
      score = j;
    } else if (const double c = containment_from_jaccard(j, own_shingles, s.shingles);
               c >= m_options.containment_threshold) {
      score = c;
    }
    if (score >= 0) {
      content_hits.push_back(
          Match{ref, s.story_id, resolve_cluster(s.cluster_id), s.time_s, score});
    }
  }

  Verdict v;
  v.cluster_id = candidate.story_id;
  if (!url_hits.empty() || !content_hits.empty()) {
    const bool by_url = !url_hits.empty();
    const Match& best = best_match(by_url ? url_hits : content_hits, t);
    v.duplicate = true;
    v.method = by_url ? Method::url : Method::content;
    v.similarity = best.score;
    v.duplicate_of = best.story_id;

    std::vector<std::uint64_t> clusters;
    clusters.reserve(url_hits.size() + content_hits.size());
    for (const Match& m : url_hits) {
      clusters.push_back(m.cluster_id);
    }
    for (const Match& m : content_hits) {
      clusters.push_back(m.cluster_id);
    }
    std::sort(clusters.begin(), clusters.end());
    clusters.erase(std::unique(clusters.begin(), clusters.end()), clusters.end());
    v.cluster_id = clusters.size() == 1 ? clusters.front() : merge_clusters(clusters, t);
  }

  if (record) {
    // A story older than the window is recorded too: it is part of a backlog (a cold start,
    // a new feed), and its own copies may be arriving in the same poll from other feeds. Its
    // slice leaves once the newest time and the arrival clock have both moved on by a window.
    m_index.insert(IndexedStory{candidate.story_id, v.cluster_id, url, t, sig.shingles, sig.tokens},
                   sig, *m_newest_s - window, lease_clock());
  }
  return v;
}

std::vector<Verdict> Deduper::decide_batch(std::span<const Candidate> batch,
                                           std::optional<std::int64_t> arrival_s) {
  if (arrival_s && (!m_arrival_s || *arrival_s > *m_arrival_s)) {
    m_arrival_s = arrival_s;
    expire();
  }
  std::vector<std::size_t> order(batch.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(batch[a].time_s, batch[a].story_id) <
           std::tie(batch[b].time_s, batch[b].story_id);
  });
  std::vector<Verdict> out(batch.size());
  for (const std::size_t i : order) {
    out[i] = decide(batch[i]);
  }
  return out;
}

void Deduper::restore(const Candidate& candidate, std::uint64_t cluster_id) {
  advance_time(candidate.time_s);
  if (candidate.time_s < *m_newest_s - m_options.window.count() ||
      m_index.find_story(candidate.story_id)) {
    return;
  }
  const TextSignature& sig = *candidate.signature;
  const std::uint64_t url = candidate.canonical_url && !candidate.canonical_url->empty()
                                ? url_hash(*candidate.canonical_url)
                                : 0;
  m_index.insert(IndexedStory{candidate.story_id, cluster_id != 0 ? cluster_id : candidate.story_id,
                              url, candidate.time_s, sig.shingles, sig.tokens},
                 sig, *m_newest_s - m_options.window.count(), lease_clock());
}

void Deduper::reserve(std::size_t stories_per_window) {
  m_index.reserve(stories_per_window / k_slices_per_window + 1);
}

std::uint64_t Deduper::cluster_of(std::uint64_t story_id) const {
  if (const auto ref = m_index.find_story(story_id)) {
    return resolve_cluster(m_index.story(*ref).cluster_id);
  }
  return 0;
}

std::size_t Deduper::size() const {
  return m_index.size();
}

std::size_t Deduper::memory_bytes() const {
  // An unordered_map node holds the pair and a next pointer (and libstdc++ caches no hash for
  // integer keys); the bucket array is one pointer per bucket.
  constexpr std::size_t k_merge_node =
      sizeof(void*) + sizeof(std::pair<const std::uint64_t, Merge>);
  return sizeof(*this) - sizeof(NearDupIndex) + m_index.memory_bytes() +
         m_merges.size() * k_merge_node + m_merges.bucket_count() * sizeof(void*) +
         m_scratch_refs.capacity() * sizeof(NearDupIndex::Ref);
}

} // namespace fw::dedupe
