#include "dedupe/guid_health.hpp"

#include "util/hash.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>

namespace fw::dedupe {

namespace {

constexpr std::string_view k_save_header = "guid_health 1";

std::string_view key_of(const std::optional<std::string>& field) noexcept {
  return field ? util::trim(*field) : std::string_view();
}

std::uint64_t hash_of(std::string_view s) noexcept {
  return util::Fnv1a64().add(s).value();
}

struct IdUse {
  std::size_t items = 0;               // items with this id and a link
  std::vector<std::string_view> links; // the different links among them
};

// The reason when ids repeat inside this document with different links, else "".
std::string repeated_id_reason(const std::vector<ItemKeys>& items) {
  std::unordered_map<std::string_view, IdUse> uses;
  for (const ItemKeys& item : items) {
    const std::string_view id = key_of(item.id);
    const std::string_view link = key_of(item.link);
    if (id.empty() || link.empty()) {
      continue;
    }
    IdUse& use = uses[id];
    ++use.items;
    if (std::find(use.links.begin(), use.links.end(), link) == use.links.end()) {
      use.links.push_back(link);
    }
  }
  std::size_t repeated_ids = 0;
  std::size_t repeated_items = 0;
  for (const auto& [id, use] : uses) {
    if (use.links.size() >= 2) {
      ++repeated_ids;
      repeated_items += use.items;
    }
  }
  const bool is_pattern =
      repeated_ids >= GuidHealth::k_min_repeated_ids ||
      (repeated_ids > 0 &&
       repeated_items * 100 >= GuidHealth::k_repeated_items_percent * items.size());
  if (!is_pattern) {
    return {};
  }
  if (repeated_ids == 1) {
    return "guid repeated across " + std::to_string(repeated_items) + " items with different links";
  }
  return std::to_string(repeated_ids) + " guids repeated across " + std::to_string(repeated_items) +
         " items with different links";
}

// The (link, id) hash pairs of a document, sorted by link. A link that appears with two
// different ids is left out: it cannot say whether "its" id changed.
std::vector<std::pair<std::uint64_t, std::uint64_t>> link_ids(const std::vector<ItemKeys>& items) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> pairs;
  pairs.reserve(items.size());
  for (const ItemKeys& item : items) {
    const std::string_view id = key_of(item.id);
    const std::string_view link = key_of(item.link);
    if (!id.empty() && !link.empty()) {
      pairs.emplace_back(hash_of(link), hash_of(id));
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  out.reserve(pairs.size());
  for (std::size_t i = 0; i < pairs.size();) {
    std::size_t j = i + 1;
    while (j < pairs.size() && pairs[j].first == pairs[i].first) {
      ++j;
    }
    if (j == i + 1) {
      out.push_back(pairs[i]);
    }
    i = j;
  }
  return out;
}

struct Comparison {
  std::size_t common = 0;   // links in both polls
  std::size_t changed = 0;  // of those, links whose id differs
  bool is_unchanged = true; // every pair of this poll was in the previous one
};

Comparison compare(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& previous,
                   const std::vector<std::pair<std::uint64_t, std::uint64_t>>& current) {
  Comparison c;
  auto p = previous.begin();
  for (const auto& [link, id] : current) {
    while (p != previous.end() && p->first < link) {
      ++p;
    }
    if (p == previous.end() || p->first != link) {
      c.is_unchanged = false;
      continue;
    }
    ++c.common;
    if (p->second != id) {
      ++c.changed;
      c.is_unchanged = false;
    }
  }
  return c;
}

bool parse_hex64(std::string_view s, std::uint64_t& out) noexcept {
  if (s.size() != 16) {
    return false;
  }
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && end == s.data() + s.size();
}

// Splits off the first line of `s` (without its '\n'); false at the end of `s`.
bool next_line(std::string_view& s, std::string_view& line) noexcept {
  if (s.empty()) {
    return false;
  }
  const std::size_t nl = s.find('\n');
  line = s.substr(0, nl);
  s.remove_prefix(nl == std::string_view::npos ? s.size() : nl + 1);
  return true;
}

// "name value" with exactly that name; `value` is the rest of the line.
bool field(std::string_view line, std::string_view name, std::string_view& value) noexcept {
  if (line.size() <= name.size() || !line.starts_with(name) || line[name.size()] != ' ') {
    return false;
  }
  value = line.substr(name.size() + 1);
  return true;
}

template <typename T> bool parse_number(std::string_view s, T& out) noexcept {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

} // namespace

GuidHealth::Verdict GuidHealth::observe(const std::vector<ItemKeys>& items) {
  if (m_mode == IdentityMode::link) {
    return {true, m_reason};
  }
  if (std::string reason = repeated_id_reason(items); !reason.empty()) {
    m_mode = IdentityMode::link;
    m_reason = std::move(reason);
    m_changing_polls = 0;
    m_previous.clear();
    return {true, m_reason};
  }

  LinkIds current = link_ids(items);
  const Comparison c = compare(m_previous, current);
  if (c.common >= k_min_common_links && c.changed * 2 > c.common) {
    ++m_changing_polls;
  } else if (!c.is_unchanged) {
    m_changing_polls = 0;
  }
  m_previous = std::move(current);
  if (m_changing_polls < k_changing_polls) {
    return {};
  }
  m_mode = IdentityMode::link;
  m_reason = "guids changed on " + std::to_string(m_changing_polls) +
             " polls in a row while links stayed (" + std::to_string(c.changed) + " of " +
             std::to_string(c.common) + " items)";
  m_changing_polls = 0;
  m_previous.clear();
  return {true, m_reason};
}

// guid_health 1
// mode id|link
// reason <text>             (the rest of the line; empty in mode id)
// changing_polls <n>
// previous <count>
// <16 hex link hash> <16 hex id hash>     (count lines, sorted)
std::string GuidHealth::save() const {
  std::string out;
  out.reserve(96 + m_previous.size() * 34);
  out.append(k_save_header).append("\n");
  out.append("mode ").append(m_mode == IdentityMode::link ? "link" : "id").append("\n");
  out.append("reason ").append(m_reason).append("\n");
  out.append("changing_polls ").append(std::to_string(m_changing_polls)).append("\n");
  out.append("previous ").append(std::to_string(m_previous.size())).append("\n");
  for (const auto& [link, id] : m_previous) {
    out.append(util::hex64(link)).append(" ").append(util::hex64(id)).append("\n");
  }
  return out;
}

GuidHealth GuidHealth::restore(std::string_view saved) {
  GuidHealth h;
  std::string_view line;
  std::string_view value;
  if (!next_line(saved, line) || line != k_save_header) {
    return {};
  }
  if (!next_line(saved, line) || !field(line, "mode", value) ||
      (value != "id" && value != "link")) {
    return {};
  }
  h.m_mode = value == "link" ? IdentityMode::link : IdentityMode::id;
  // The reason may be empty: "reason" alone or "reason " (save() writes the latter).
  if (!next_line(saved, line) || !(line == "reason" || field(line, "reason", value))) {
    return {};
  }
  h.m_reason = line == "reason" ? std::string() : std::string(value);
  if (!next_line(saved, line) || !field(line, "changing_polls", value) ||
      !parse_number(value, h.m_changing_polls) || h.m_changing_polls < 0 ||
      h.m_changing_polls >= k_changing_polls) {
    return {};
  }
  std::size_t count = 0;
  if (!next_line(saved, line) || !field(line, "previous", value) || !parse_number(value, count)) {
    return {};
  }
  // Grows with the lines actually present, never with the count claimed.
  while (next_line(saved, line)) {
    std::uint64_t link = 0;
    std::uint64_t id = 0;
    if (line.size() != 33 || line[16] != ' ' || !parse_hex64(line.substr(0, 16), link) ||
        !parse_hex64(line.substr(17), id)) {
      return {};
    }
    if (!h.m_previous.empty() && h.m_previous.back().first >= link) {
      return {};
    }
    h.m_previous.emplace_back(link, id);
  }
  if (h.m_previous.size() != count) {
    return {};
  }
  if (h.m_mode == IdentityMode::link && (h.m_reason.empty() || !h.m_previous.empty())) {
    return {};
  }
  if (h.m_mode == IdentityMode::id && !h.m_reason.empty()) {
    return {};
  }
  return h;
}

} // namespace fw::dedupe
