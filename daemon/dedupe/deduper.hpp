#pragma once

#include "dedupe/near_dup_index.hpp"
#include "dedupe/text_signature.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

// Cross-feed duplicate detection: the same canonical URL ("mirror") or near-duplicate text
// within a time window, with every story placed in a cluster.
namespace fw::dedupe {

struct DedupeOptions {
  // Two stories can be duplicates only when their times are at most this far apart; stories
  // older than (newest story time - window) leave memory.
  std::chrono::seconds window{std::chrono::hours{72}};
  // Content duplicate when the estimated Jaccard similarity reaches this...
  double jaccard_threshold = 0.65;
  // ...or the estimated containment of the smaller text in the larger reaches this (excerpts,
  // copies with an extra or a dropped paragraph).
  // Both tuned with bench/dedupe_eval (gen_feeds.py and gen_hard.py corpora): copies with edits
  // keep J >= ~0.7; template stories (market wraps, match reports) stay below J 0.4; summit
  // reports sharing leaders and stock sentences reach containment estimates of 0.85-0.96 when
  // one is a third of the other (the estimate spreads as the size ratio grows), which 0.85
  // let through; 0.93 starts losing "first half" excerpts.
  double containment_threshold = 0.9;
  // A story with fewer tokens than this (either side of a pair) is "short": only the Jaccard
  // test applies, with short_jaccard_threshold.
  std::size_t short_story_tokens = 40;
  double short_jaccard_threshold = 0.8;
};

enum class Method { none, url, content };

// "none", "url", "content".
[[nodiscard]] std::string_view to_string(Method method);

// One story to decide. Borrowed views: they need to stay valid only during the call.
struct Candidate {
  std::uint64_t story_id = 0;                    // the story's id as a number (16-hex story_id)
  std::string_view feed_id;                      // informational; duplicates are found across feeds
  std::optional<std::string_view> canonical_url; // canonical_url() of the link, when it has one
  std::int64_t time_s = 0;                  // published (else first seen), seconds since the epoch
  const TextSignature* signature = nullptr; // never null
};

struct Verdict {
  bool duplicate = false;
  Method method = Method::none;
  double similarity = 0;          // 1.0 for url; the score that decided for content
  std::uint64_t cluster_id = 0;   // == story_id when the story starts a cluster
  std::uint64_t duplicate_of = 0; // 0 when !duplicate
};

// The window of recent stories and their clusters. Not thread-safe: one owner calls it (the
// daemon from one strand). Memory is bounded by the stories within the window, not by history.
class Deduper {
public:
  explicit Deduper(DedupeOptions options = {});

  // Decides whether the candidate duplicates a story already in the window (any feed, including
  // its own feed under another id) and records it in the window. A URL match wins over content;
  // among matches, duplicate_of is the best one published no later than the candidate (else the
  // best one). When the candidate matches several clusters they are merged, and the cluster
  // whose first story is earliest (by time, then id) names the result. Stories older than
  // (newest time seen - window) are evicted, a quarter window at a time; stories that arrive
  // already that old (a backlog at a cold start) are recorded in their own small slices, which
  // leave once the newest time has moved on by a window without more of them. A
  // story_id already in the window is not recorded twice: its verdict is "not a duplicate" in
  // its current cluster. Not thread-safe (the daemon calls it on one strand).
  Verdict decide(const Candidate& candidate);

  // Decides a batch (e.g. one poll of one feed) in an order that does not depend on arrival: by
  // time_s, then story_id. Returns verdicts in the input order.
  //
  // `arrival_s` is when the batch arrived (the daemon: when it was fetched). Stories leave the
  // window only once they are older than the window both by story time and by arrival: a cold
  // start, where every feed delivers days of backlog at once, keeps the whole backlog until a
  // window of arrival time has passed, so copies from feeds decided later still find their
  // originals whatever the order. Without it, arrival is the newest story time seen.
  std::vector<Verdict> decide_batch(std::span<const Candidate> batch,
                                    std::optional<std::int64_t> arrival_s = std::nullopt);

  // Sizes the window's tables for about this many stories per window length (a hint, e.g. the
  // number of signatures about to be restored at startup); they grow without it, in steps
  // that make lookups slower until the first window has passed.
  void reserve(std::size_t stories_per_window);

  // Re-inserts a story decided earlier (rebuild at startup) with its known cluster, without
  // deciding. Ignored when the story is older than the window or already present.
  void restore(const Candidate& candidate, std::uint64_t cluster_id);

  // The current cluster of a story in the window (after merges), or 0 when not in the window.
  [[nodiscard]] std::uint64_t cluster_of(std::uint64_t story_id) const;

  // The current name of a cluster id returned earlier (follows merges made while the merged
  // stories were in the window); the id itself when it was never merged away.
  [[nodiscard]] std::uint64_t resolve_cluster(std::uint64_t cluster_id) const;

  [[nodiscard]] std::size_t size() const;         // stories in the window
  [[nodiscard]] std::size_t memory_bytes() const; // bytes held by the in-memory index

  [[nodiscard]] const DedupeOptions& options() const noexcept { return m_options; }

private:
  struct Merge {
    std::uint64_t into = 0;
    std::int64_t time_s = 0; // time of the story that bridged the clusters
  };

  Verdict decide_one(const Candidate& candidate, bool record);
  void advance_time(std::int64_t time_s);
  void expire();
  // The arrival clock: the latest arrival_s given, else the newest story time.
  [[nodiscard]] std::int64_t lease_clock() const noexcept;
  [[nodiscard]] std::int64_t cluster_start_time(std::uint64_t cluster_id) const;
  std::uint64_t merge_clusters(std::span<const std::uint64_t> clusters, std::int64_t time_s);

  DedupeOptions m_options;
  NearDupIndex m_index;
  std::optional<std::int64_t> m_newest_s;
  std::optional<std::int64_t> m_arrival_s;
  // Clusters merged away -> the cluster they joined. Entries whose stories left the window
  // are dropped when a slice is dropped (records are rewritten to the surviving name first).
  std::unordered_map<std::uint64_t, Merge> m_merges;
  std::vector<NearDupIndex::Ref> m_scratch_refs;
};

} // namespace fw::dedupe
