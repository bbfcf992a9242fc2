#include "dedupe/near_dup_index.hpp"

#include "util/hash.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <sys/mman.h>
#include <utility>

namespace fw::dedupe {
namespace {

constexpr std::size_t k_packed_bytes = k_signature_bins * k_signature_bits / 8;
// Tables are sized for this load when their slice is full: linear probing over 32-bit entries
// stays within one or two cache lines per lookup, and the fingerprint keeps record reads rare.
constexpr double k_max_load = 0.85;
constexpr std::size_t k_min_slice_capacity = 1024;
// Late stories (older than the window when they arrive) come in small numbers per bucket.
constexpr std::size_t k_min_late_slice_capacity = 128;
// Index + 1 must fit the 24 bits of an entry.
constexpr std::size_t k_max_slice_capacity = (std::size_t{1} << 24) - 2;

std::uint64_t band_table_key(std::uint32_t band_key) noexcept {
  return util::mix64(band_key);
}
std::uint64_t id_table_key(std::uint64_t id) noexcept {
  return util::mix64(id ^ 0x1d5a6b3c7e9f0a21ULL);
}
std::uint64_t url_table_key(std::uint64_t url) noexcept {
  return util::mix64(url ^ 0x72c3a1e5b4d60f98ULL);
}

std::uint16_t saturate16(std::uint32_t v) noexcept {
  return static_cast<std::uint16_t>(std::min<std::uint32_t>(v, 0xFFFF));
}

} // namespace

// Lookups hit random places of tables of many megabytes: with 4 KiB pages nearly every one is
// also a TLB miss. Transparent huge pages are "madvise" on Debian by default, so ask for them.
template <class T> void advise_huge_pages(std::vector<T>& v) {
  constexpr std::uintptr_t k_huge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(v.data());
  const std::uintptr_t end = begin + v.capacity() * sizeof(T);
  const std::uintptr_t first = (begin + k_huge - 1) & ~(k_huge - 1);
  const std::uintptr_t last = end & ~(k_huge - 1);
  if (last > first) {
    // Advice only: failure (no THP in this kernel) costs speed, nothing else.
    static_cast<void>(madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE));
  }
}

NearDupIndex::ProbeTable::ProbeTable(std::size_t capacity)
    : m_buckets(static_cast<std::size_t>(static_cast<double>(capacity) / k_max_load / 16) + 1,
                Bucket{}) {
  advise_huge_pages(m_buckets);
}

std::size_t NearDupIndex::ProbeTable::home(std::uint64_t key) const noexcept {
  // Multiply-shift range reduction: any table size, no division.
  return static_cast<std::size_t>(((key >> 32) * m_buckets.size()) >> 32);
}

void NearDupIndex::ProbeTable::prefetch(std::size_t pos) const noexcept {
  __builtin_prefetch(m_buckets.data() + pos);
}

void NearDupIndex::ProbeTable::insert(std::uint64_t key, std::uint32_t index) {
  const std::uint32_t entry = (static_cast<std::uint32_t>(key & 0xFF) << 24) | (index + 1);
  std::size_t b = home(key);
  for (;;) {
    // Entries fill a bucket from the front and are never removed: the first zero is free.
    for (std::uint32_t& e : m_buckets[b].entries) {
      if (e == 0) {
        e = entry;
        return;
      }
    }
    b = b + 1 == m_buckets.size() ? 0 : b + 1;
  }
}

template <class F>
void NearDupIndex::ProbeTable::walk(std::size_t pos, std::uint64_t key, F&& f) const {
  const auto fp = static_cast<std::uint32_t>(key & 0xFF);
  for (std::size_t b = pos;; b = b + 1 == m_buckets.size() ? 0 : b + 1) {
    for (const std::uint32_t e : m_buckets[b].entries) {
      if (e == 0) {
        return;
      }
      if ((e >> 24) == fp) {
        f((e & 0xFFFFFF) - 1);
      }
    }
  }
}

template <class F> void NearDupIndex::ProbeTable::for_each(std::uint64_t key, F&& f) const {
  walk(home(key), key, std::forward<F>(f));
}

std::size_t NearDupIndex::ProbeTable::memory_bytes() const noexcept {
  return m_buckets.capacity() * sizeof(Bucket);
}

NearDupIndex::Slice::Slice(std::int64_t bucket_, std::size_t capacity_)
    : bucket(bucket_), capacity(capacity_), bands(capacity_ * k_signature_bands), ids(capacity_),
      urls(capacity_) {
  records.reserve(capacity);
  minima.reserve(capacity * k_packed_bytes);
  advise_huge_pages(records);
  advise_huge_pages(minima);
}

void NearDupIndex::reserve(std::size_t stories_per_slice) {
  m_reserved = stories_per_slice;
  m_typical_bucket = std::max(m_typical_bucket, stories_per_slice);
}

NearDupIndex::NearDupIndex(std::chrono::seconds slice_length)
    : m_slice_length_s(std::max<std::int64_t>(1, slice_length.count())) {}

std::int64_t NearDupIndex::bucket_of(std::int64_t time_s) const noexcept {
  std::int64_t q = time_s / m_slice_length_s;
  if (time_s % m_slice_length_s < 0) {
    --q; // floor division: times before 1970 are valid too
  }
  return q;
}

bool NearDupIndex::overlaps(const Slice& slice, std::int64_t from_s,
                            std::int64_t to_s) const noexcept {
  const std::int64_t start = slice.bucket * m_slice_length_s;
  const std::int64_t end = start + m_slice_length_s; // exclusive
  return start <= to_s && from_s < end;
}

std::int64_t NearDupIndex::time_of(const Slice& slice, const Record& record) const noexcept {
  return slice.bucket * m_slice_length_s + static_cast<std::int64_t>(record.time_offset_s);
}

NearDupIndex::Slice& NearDupIndex::open_slice(std::int64_t bucket, bool late) {
  std::size_t in_bucket = 0;
  std::size_t largest_other = 0;
  std::int64_t newest_bucket = bucket;
  for (Slice& s : m_slices) {
    if (s.bucket == bucket) {
      if (s.records.size() < s.capacity) {
        return s;
      }
      in_bucket += s.records.size();
    } else {
      newest_bucket = std::max(newest_bucket, s.bucket);
    }
  }
  // Stories per bucket of the other buckets held, to size a fresh bucket in one slice.
  for (const Slice& s : m_slices) {
    if (s.bucket != bucket) {
      std::size_t total = 0;
      for (const Slice& t : m_slices) {
        if (t.bucket == s.bucket) {
          total += t.records.size();
        }
      }
      largest_other = std::max(largest_other, total);
    }
  }
  if (largest_other > m_reserved) {
    m_typical_bucket = largest_other;
  }
  std::size_t capacity = 0;
  if (late) {
    capacity = std::max(k_min_late_slice_capacity, in_bucket); // doubles
    m_slices.emplace_back(bucket, std::min(capacity, k_max_slice_capacity));
    return m_slices.back();
  }
  if (in_bucket == 0) {
    capacity = m_typical_bucket + m_typical_bucket / 10;
  } else if (bucket < newest_bucket) {
    capacity = in_bucket / 8; // late stories for an old bucket: few
  } else {
    capacity = in_bucket; // a growing bucket doubles
  }
  capacity = std::clamp(capacity, k_min_slice_capacity, k_max_slice_capacity);
  m_slices.emplace_back(bucket, capacity);
  return m_slices.back();
}

NearDupIndex::Ref NearDupIndex::insert(const IndexedStory& story, const TextSignature& signature,
                                       std::int64_t horizon_s, std::int64_t lease_s) {
  const std::int64_t bucket = bucket_of(story.time_s);
  const bool late = (bucket + 1) * m_slice_length_s <= horizon_s;
  Slice& slice = open_slice(bucket, late);
  slice.lease_s = std::max(slice.lease_s, lease_s);
  const auto index = static_cast<std::uint32_t>(slice.records.size());
  slice.records.push_back(Record{
      story.story_id,
      story.cluster_id,
      story.url_hash,
      static_cast<std::uint32_t>(story.time_s - bucket * m_slice_length_s),
      saturate16(story.shingles),
      saturate16(story.tokens),
  });
  slice.minima.insert(slice.minima.end(), signature.minima.begin(), signature.minima.end());
  if (signature.shingles > 0) {
    for (const std::uint32_t key : signature.band_keys) {
      slice.bands.insert(band_table_key(key), index);
    }
  }
  slice.ids.insert(id_table_key(story.story_id), index);
  if (story.url_hash != 0) {
    slice.urls.insert(url_table_key(story.url_hash), index);
  }
  ++m_size;
  const auto slice_index = static_cast<std::uint32_t>(&slice - m_slices.data());
  return Ref{slice_index, index};
}

void NearDupIndex::band_candidates(const TextSignature& signature, std::int64_t from_s,
                                   std::int64_t to_s, std::vector<Ref>& out) const {
  if (signature.shingles == 0) {
    return;
  }
  m_probes.clear();
  for (std::size_t si = 0; si < m_slices.size(); ++si) {
    const Slice& slice = m_slices[si];
    if (!overlaps(slice, from_s, to_s)) {
      continue;
    }
    for (const std::uint32_t band_key : signature.band_keys) {
      const std::uint64_t key = band_table_key(band_key);
      const std::size_t pos = slice.bands.home(key);
      slice.bands.prefetch(pos);
      m_probes.push_back(Probe{static_cast<std::uint32_t>(si), pos, key});
    }
  }
  const std::size_t first = out.size();
  for (const Probe& p : m_probes) {
    m_slices[p.slice].bands.walk(p.pos, p.key, [&](std::uint32_t index) {
      const Ref ref{p.slice, index};
      if (std::find(out.begin() + static_cast<long>(first), out.end(), ref) == out.end()) {
        out.push_back(ref);
      }
    });
  }
  // The records and minima of the candidates are the next misses: start them all at once.
  for (std::size_t i = first; i < out.size(); ++i) {
    const Slice& slice = m_slices[out[i].slice];
    __builtin_prefetch(slice.records.data() + out[i].index);
    __builtin_prefetch(slice.minima.data() + std::size_t{out[i].index} * k_packed_bytes);
  }
  const auto outside = [&](const Ref& ref) {
    const Slice& slice = m_slices[ref.slice];
    const std::int64_t t = time_of(slice, slice.records[ref.index]);
    return t < from_s || t > to_s;
  };
  out.erase(std::remove_if(out.begin() + static_cast<long>(first), out.end(), outside), out.end());
}

void NearDupIndex::url_matches(std::uint64_t url_hash, std::int64_t from_s, std::int64_t to_s,
                               std::vector<Ref>& out) const {
  if (url_hash == 0) {
    return;
  }
  for (std::size_t si = 0; si < m_slices.size(); ++si) {
    const Slice& slice = m_slices[si];
    if (!overlaps(slice, from_s, to_s)) {
      continue;
    }
    slice.urls.for_each(url_table_key(url_hash), [&](std::uint32_t index) {
      const Record& r = slice.records[index];
      const std::int64_t t = time_of(slice, r);
      if (r.url_hash == url_hash && t >= from_s && t <= to_s) {
        out.push_back(Ref{static_cast<std::uint32_t>(si), index});
      }
    });
  }
}

std::optional<NearDupIndex::Ref> NearDupIndex::find_story(std::uint64_t story_id) const {
  const std::uint64_t key = id_table_key(story_id);
  for (const Slice& slice : m_slices) {
    slice.ids.prefetch(slice.ids.home(key));
  }
  std::optional<Ref> found;
  for (std::size_t si = 0; si < m_slices.size() && !found; ++si) {
    const Slice& slice = m_slices[si];
    slice.ids.for_each(key, [&](std::uint32_t index) {
      if (!found && slice.records[index].story_id == story_id) {
        found = Ref{static_cast<std::uint32_t>(si), index};
      }
    });
  }
  return found;
}

IndexedStory NearDupIndex::story(Ref ref) const {
  const Slice& slice = m_slices[ref.slice];
  const Record& r = slice.records[ref.index];
  return IndexedStory{r.story_id,        r.cluster_id, r.url_hash,
                      time_of(slice, r), r.shingles,   r.tokens};
}

const std::uint8_t* NearDupIndex::minima(Ref ref) const {
  return m_slices[ref.slice].minima.data() + std::size_t{ref.index} * k_packed_bytes;
}

void NearDupIndex::set_cluster(Ref ref, std::uint64_t cluster_id) {
  m_slices[ref.slice].records[ref.index].cluster_id = cluster_id;
}

std::size_t NearDupIndex::drop_before(std::int64_t time_s, std::int64_t lease_s) {
  std::size_t dropped = 0;
  bool any = false;
  const auto expired = [&](const Slice& s) {
    return (s.bucket + 1) * m_slice_length_s <= time_s && s.lease_s <= lease_s;
  };
  for (const Slice& s : m_slices) {
    if (expired(s)) {
      dropped += s.records.size();
      any = true;
    }
  }
  if (any) {
    m_slices.erase(std::remove_if(m_slices.begin(), m_slices.end(), expired), m_slices.end());
    m_size -= dropped;
  }
  return dropped;
}

std::size_t NearDupIndex::memory_bytes() const noexcept {
  std::size_t bytes =
      sizeof(*this) + m_slices.capacity() * sizeof(Slice) + m_probes.capacity() * sizeof(Probe);
  for (const Slice& s : m_slices) {
    bytes += s.records.capacity() * sizeof(Record) + s.minima.capacity() + s.bands.memory_bytes() +
             s.ids.memory_bytes() + s.urls.memory_bytes();
  }
  return bytes;
}

} // namespace fw::dedupe
