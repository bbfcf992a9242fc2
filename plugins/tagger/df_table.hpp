#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// Document frequencies learned over the stream of stories: for each term, how many stories
// contained it, and how many stories there were. Feeds the keywords' inverse document
// frequency. Not thread-safe: one owner, one thread at a time.
namespace feedwire::tagger {

// A DF file that cannot be read back: wrong header, bad line, wrong checksum, cut short.
class DfFormatError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class DfTable {
public:
  // Holds at most `max_terms` terms (at least 1); see add_story() on pruning.
  explicit DfTable(std::size_t max_terms);

  // Counts one story: every term of `distinct_terms` once (the caller removes duplicates).
  // When the table grows past max_terms it drops its rarest terms, down to 90% of max_terms,
  // so that pruning happens once in a while rather than on every story.
  void add_story(const std::vector<std::string_view>& distinct_terms);

  // Stories that contained `term` (0 when unknown or pruned).
  [[nodiscard]] std::uint32_t df(std::string_view term) const;
  // Stories counted.
  [[nodiscard]] std::uint64_t stories() const noexcept { return m_stories; }
  [[nodiscard]] std::size_t size() const noexcept { return m_terms.size(); }
  [[nodiscard]] std::size_t max_terms() const noexcept { return m_max_terms; }

  // Writes the table to `file` atomically: a temporary file beside it, flushed to disk, then
  // renamed over it. Throws std::system_error when it cannot be written (the old file, if
  // any, stays as it was).
  void save(const std::filesystem::path& file) const;

  // Reads a table that save() wrote, pruned to `max_terms`. A missing file gives an empty
  // table. Throws DfFormatError when the file is not one save() wrote, std::system_error when
  // it cannot be read.
  [[nodiscard]] static DfTable load(const std::filesystem::path& file, std::size_t max_terms);

  friend bool operator==(const DfTable& a, const DfTable& b) {
    return a.m_stories == b.m_stories && a.m_terms == b.m_terms;
  }

private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  void prune(std::size_t target);

  std::size_t m_max_terms;
  std::uint64_t m_stories = 0;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> m_terms;
};

} // namespace feedwire::tagger
