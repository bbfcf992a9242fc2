#pragma once

#include "dedupe/identity.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fw::dedupe {

// What GuidHealth looks at in one item: its id (guid, atom:id, JSON Feed id) and its link, as
// the story carries them. Both are trimmed before use; empty counts as absent.
struct ItemKeys {
  std::optional<std::string> id;
  std::optional<std::string> link;
};

// Watches one feed's ids for the two ways publishers break them, and tells when the feed's
// identity must fall back to its links:
// - repeated ids: one id on several items of one document that have different links (a CMS that
//   writes the feed's URL, or a constant, into every guid);
// - changing ids: poll after poll, the same links come back with different ids (a CMS that puts
//   a timestamp or a session into the guid, or numbers items by position).
// The switch is made once and kept for good: going back would give every story a new id again.
// Feeds without links never switch (nothing to fall back to). One object per feed, fed once per
// successful poll; not thread-safe (use it from the feed's task or under the store's strand).
class GuidHealth {
public:
  // An id is "repeated" when it appears on two items of one document with different links. Two
  // such ids in one document are a pattern, not a slip...
  static constexpr std::size_t k_min_repeated_ids = 2;
  // ...and so is one repeated id that covers at least this share of the document's items (a
  // 5-item feed with the same guid on 2 items), while one duplicate among 100 items is a slip.
  static constexpr std::size_t k_repeated_items_percent = 20;
  // Changing ids are judged on the links present in both this poll and the previous one (each
  // with an id, and each once per document); fewer common links than this say nothing...
  static constexpr std::size_t k_min_common_links = 3;
  // ...otherwise the poll "changed ids" when more than half of the common links carry another id
  // than before. One such poll is a reshuffle (a CMS migration renumbers once and then keeps the
  // new ids); this many in a row is a pathology. A poll that brings nothing new (every link with
  // the same id as before) neither counts nor breaks the run, so that positional ids are caught on
  // feeds polled more often than they change; any other poll breaks it.
  static constexpr int k_changing_polls = 2;

  struct Verdict {
    bool use_link = false; // from now on this feed's identity is its links
    // Why, for the feed.status note and the log ("guid repeated across 3 items with different
    // links", "guids changed on 2 polls in a row while links stayed (18 of 20 items)"); empty
    // while use_link is false.
    std::string reason;
  };

  // A healthy feed in IdentityMode::id that has seen no poll.
  GuidHealth() = default;

  // Observes one poll: `items` are the items of the fetched document, in order. Returns
  // use_link = true on the poll where a pathology is established, and on every later call
  // (with the same reason). Cheap (a sort of the items' hashes). Never throws except
  // std::bad_alloc.
  [[nodiscard]] Verdict observe(const std::vector<ItemKeys>& items);

  // IdentityMode::link once a pathology was established, else IdentityMode::id.
  [[nodiscard]] IdentityMode mode() const noexcept { return m_mode; }

  // The reason of the switch; empty while mode() is IdentityMode::id.
  [[nodiscard]] const std::string& reason() const noexcept { return m_reason; }

  // What must survive a restart, as a small line-based text for the store: the mode and reason,
  // the run of polls with changing ids, and the previous poll's links and ids as pairs of 64-bit
  // hashes (32 hex digits an item). Never throws except std::bad_alloc.
  [[nodiscard]] std::string save() const;

  // The inverse of save(). Anything else (empty, truncated, another version, garbage) gives a
  // fresh GuidHealth(): forgetting one poll costs at most a delayed switch. Never throws except
  // std::bad_alloc.
  [[nodiscard]] static GuidHealth restore(std::string_view saved);

  friend bool operator==(const GuidHealth&, const GuidHealth&) = default;

private:
  // (hash of link, hash of id), sorted by link hash, one pair per link.
  using LinkIds = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

  IdentityMode m_mode = IdentityMode::id;
  std::string m_reason;
  int m_changing_polls = 0; // consecutive polls with changing ids so far
  LinkIds m_previous;
};

} // namespace fw::dedupe
