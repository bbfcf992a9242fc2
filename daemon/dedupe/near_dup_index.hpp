#pragma once

#include "dedupe/text_signature.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

// The in-memory window of the near-duplicate detector: the stories' b-bit signatures and small
// records, found by LSH band key, story id or canonical-URL hash.
namespace fw::dedupe {

// A story as the index keeps it.
struct IndexedStory {
  std::uint64_t story_id = 0;
  std::uint64_t cluster_id = 0;
  std::uint64_t url_hash = 0; // hash of the canonical URL; 0 = none
  std::int64_t time_s = 0;
  std::uint32_t shingles = 0; // saturates at 65535
  std::uint32_t tokens = 0;   // saturates at 65535
};

// Stories are kept in time slices (slice_length of story time each, aligned to multiples of
// it), so that expiry drops whole slices instead of deleting entries. A slice's hash tables have
// a fixed capacity (entries hold no keys, so they cannot be rehashed); a full slice is sealed
// and its time bucket continues in a new slice twice as large. Entries are 32 bits: a 24-bit
// record index and an 8-bit fingerprint of the key, which filters probe collisions without
// touching the record. Not thread-safe.
class NearDupIndex {
public:
  // Position of a story: valid until the next insert() or drop_before().
  struct Ref {
    std::uint32_t slice = 0;
    std::uint32_t index = 0;
    friend bool operator==(const Ref&, const Ref&) = default;
  };

  explicit NearDupIndex(std::chrono::seconds slice_length);

  // Sizes new slices for this many stories per slice_length of time (a hint: without it the
  // first buckets grow in doubling slices, which lookups then visit one by one).
  void reserve(std::size_t stories_per_slice);

  // Adds a story. Does not check for an existing story_id (the caller does). `horizon_s` is the
  // start of the caller's window: a story in a bucket that ended before it is a late one (a
  // cold start delivers weeks of backlog) and its slice starts small. Every insert renews its
  // slice's lease to `lease_s`, the caller's arrival clock (see drop_before()).
  Ref insert(const IndexedStory& story, const TextSignature& signature,
             std::int64_t horizon_s = std::numeric_limits<std::int64_t>::min(),
             std::int64_t lease_s = std::numeric_limits<std::int64_t>::min());

  // Appends to `out` every story (once) that shares at least one band key with `signature`
  // (probably: an 8-bit fingerprint decides) and whose time is within [from_s, to_s].
  void band_candidates(const TextSignature& signature, std::int64_t from_s, std::int64_t to_s,
                       std::vector<Ref>& out) const;

  // Appends to `out` every story with this canonical-URL hash and time within [from_s, to_s].
  void url_matches(std::uint64_t url_hash, std::int64_t from_s, std::int64_t to_s,
                   std::vector<Ref>& out) const;

  [[nodiscard]] std::optional<Ref> find_story(std::uint64_t story_id) const;

  [[nodiscard]] IndexedStory story(Ref ref) const;
  // The packed b-bit minima of a story (k_signature_bins * k_signature_bits / 8 bytes).
  [[nodiscard]] const std::uint8_t* minima(Ref ref) const;
  void set_cluster(Ref ref, std::uint64_t cluster_id);

  // Calls f(std::uint64_t& cluster_id) for every story, to rename clusters in place.
  template <class F> void for_each_cluster(F&& f) {
    for (Slice& slice : m_slices) {
      for (Record& r : slice.records) {
        f(r.cluster_id);
      }
    }
  }

  // Drops every slice whose time range ends at or before `time_s` (all its stories are older)
  // and whose lease (the latest `lease_s` of its inserts) is at or before `lease_s` here (so
  // that the stories of a backlog stay while the backlog is still arriving). Returns the number
  // of stories dropped.
  std::size_t drop_before(std::int64_t time_s,
                          std::int64_t lease_s = std::numeric_limits<std::int64_t>::max());

  [[nodiscard]] std::size_t size() const noexcept { return m_size; }
  [[nodiscard]] std::size_t slice_count() const noexcept { return m_slices.size(); }
  // Bytes held: the capacities of every container, plus the object itself.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;

private:
  struct Record {
    std::uint64_t story_id;
    std::uint64_t cluster_id;
    std::uint64_t url_hash;
    std::uint32_t time_offset_s; // from the slice's bucket start
    std::uint16_t shingles;
    std::uint16_t tokens;
  };

  // Open addressing over cache-line buckets of 16 entries, fixed capacity; see the class
  // comment. A key's entries start in its home bucket and spill into the following ones, so a
  // lookup reads one cache line unless that bucket is full.
  class ProbeTable {
  public:
    explicit ProbeTable(std::size_t capacity);
    void insert(std::uint64_t key, std::uint32_t index);
    template <class F> void for_each(std::uint64_t key, F&& f) const;
    // The two halves of for_each(), so that a caller can prefetch the slots of many lookups
    // before walking any of them: a lookup is one cache miss, and they overlap.
    [[nodiscard]] std::size_t home(std::uint64_t key) const noexcept;
    void prefetch(std::size_t pos) const noexcept;
    template <class F> void walk(std::size_t pos, std::uint64_t key, F&& f) const;
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

  private:
    struct alignas(64) Bucket {
      std::uint32_t entries[16];
    };
    std::vector<Bucket> m_buckets;
  };

  struct Slice {
    Slice(std::int64_t bucket, std::size_t capacity);
    std::int64_t bucket;  // time bucket: start = bucket * slice_length
    std::size_t capacity; // records it may hold
    // The latest lease_s of the inserts into this slice.
    std::int64_t lease_s = std::numeric_limits<std::int64_t>::min();
    std::vector<Record> records;
    std::vector<std::uint8_t> minima;
    ProbeTable bands; // k_signature_bands entries per record
    ProbeTable ids;   // story_id
    ProbeTable urls;  // url_hash, when non-zero
  };

  [[nodiscard]] std::int64_t bucket_of(std::int64_t time_s) const noexcept;
  [[nodiscard]] bool overlaps(const Slice& slice, std::int64_t from_s,
                              std::int64_t to_s) const noexcept;
  [[nodiscard]] std::int64_t time_of(const Slice& slice, const Record& record) const noexcept;
  Slice& open_slice(std::int64_t bucket, bool late);

  std::int64_t m_slice_length_s;
  std::vector<Slice> m_slices; // any order; few of them
  std::size_t m_size = 0;
  std::size_t m_typical_bucket = 0; // stories in the fullest other bucket when one was opened
  std::size_t m_reserved = 0;       // reserve() hint
  struct Probe {
    std::uint32_t slice;
    std::size_t pos;
    std::uint64_t key;
  };
  mutable std::vector<Probe> m_probes; // scratch of band_candidates()
};

} // namespace fw::dedupe
