#include "tagger/df_table.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace feedwire::tagger {
namespace {

// The file is text, one term a line, so that an operator can look inside it with less or
// grep; a checksum line at the end tells a complete file from one cut short or edited.
//
//   feedwire-tagger-df 1
//   stories 1234
//   terms 2
//   17<TAB>missile
//   3<TAB>lagarde
//   end 89abcdef01234567      (FNV-1a 64 of every byte above this line)
constexpr std::string_view k_magic = "feedwire-tagger-df 1";

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string hex16(std::uint64_t v) {
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 0xF];
    v >>= 4;
  }
  return out;
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

class Fd {
public:
  explicit Fd(int fd) noexcept : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  [[nodiscard]] int get() const noexcept { return m_fd; }
  // Closes now, so that a failing close() (a full disk on NFS) is seen.
  [[nodiscard]] int release_and_close() noexcept {
    const int rc = ::close(m_fd);
    m_fd = -1;
    return rc;
  }

private:
  int m_fd;
};

void write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("cannot write " + path);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string read_all(const std::filesystem::path& file, bool* missing) {
  const Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      *missing = true;
      return {};
    }
    throw_errno("cannot open " + file.string());
  }
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("cannot read " + file.string());
    }
    if (n == 0) {
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

// Splits off the next line (without its '\n'); false when there is no complete line left.
bool next_line(std::string_view& rest, std::string_view& line) {
  const std::size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) {
    return false;
  }
  line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return true;
}

template <class T> bool parse_number(std::string_view s, T& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

bool is_valid_term(std::string_view term) {
  return !term.empty() && std::none_of(term.begin(), term.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
  });
}

} // namespace

DfTable::DfTable(std::size_t max_terms) : m_max_terms(std::max<std::size_t>(max_terms, 1)) {}

void DfTable::add_story(const std::vector<std::string_view>& distinct_terms) {
  ++m_stories;
  for (const std::string_view term : distinct_terms) {
    const auto it = m_terms.find(term);
    if (it != m_terms.end()) {
      if (it->second != UINT32_MAX) {
        ++it->second;
      }
    } else {
      m_terms.emplace(std::string(term), 1);
    }
  }
  if (m_terms.size() > m_max_terms) {
    prune(m_max_terms - m_max_terms / 10);
  }
}

std::uint32_t DfTable::df(std::string_view term) const {
  const auto it = m_terms.find(term);
  return it == m_terms.end() ? 0 : it->second;
}

void DfTable::prune(std::size_t target) {
  if (m_terms.size() <= target) {
    return;
  }
  // Keep the `target` most frequent terms: find the count of the target-th, drop everything
  // rarer, then drop as many terms of exactly that count as still needed.
  std::vector<std::uint32_t> counts;
  counts.reserve(m_terms.size());
  for (const auto& [term, count] : m_terms) {
    counts.push_back(count);
  }
  const auto nth = counts.begin() + static_cast<std::ptrdiff_t>(target);
  std::nth_element(counts.begin(), nth, counts.end(), std::greater<>());
  const std::uint32_t threshold = *nth;
  std::size_t above = 0;
  for (const std::uint32_t c : counts) {
    above += c > threshold ? 1 : 0;
  }
  std::size_t keep_at_threshold = target - std::min(target, above);
  for (auto it = m_terms.begin(); it != m_terms.end();) {
    if (it->second < threshold || (it->second == threshold && keep_at_threshold == 0)) {
      it = m_terms.erase(it);
    } else {
      if (it->second == threshold) {
        --keep_at_threshold;
      }
      ++it;
    }
  }
}

void DfTable::save(const std::filesystem::path& file) const {
  std::string body;
  body.reserve(64 + m_terms.size() * 16);
  body.append(k_magic).push_back('\n');
  body.append("stories ").append(std::to_string(m_stories)).push_back('\n');
  body.append("terms ").append(std::to_string(m_terms.size())).push_back('\n');
  for (const auto& [term, count] : m_terms) {
    body.append(std::to_string(count)).append("\t").append(term).push_back('\n');
  }
  const std::string trailer = "end " + hex16(fnv1a(body)) + "\n";

  const std::filesystem::path tmp =
      file.string() + ".tmp." + std::to_string(static_cast<long>(::getpid()));
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      throw_errno("cannot create " + tmp.string());
    }
    try {
      write_all(fd.get(), body, tmp.string());
      write_all(fd.get(), trailer, tmp.string());
      if (::fsync(fd.get()) != 0) {
        throw_errno("cannot flush " + tmp.string());
      }
      if (fd.release_and_close() != 0) {
        throw_errno("cannot close " + tmp.string());
      }
    } catch (const std::system_error&) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    throw_errno("cannot rename " + tmp.string() + " to " + file.string());
  }
  // The rename itself reaches the disk with the folder's own sync; without it a crash could
  // bring back the old file, which is harmless, so a failure here is not reported.
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : ".";
  const Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) {
    ::fsync(dir_fd.get());
  }
}

DfTable DfTable::load(const std::filesystem::path& file, std::size_t max_terms) {
  DfTable table(max_terms);
  bool missing = false;
  const std::string bytes = read_all(file, &missing);
  if (missing) {
    return table;
  }
  const std::string where = file.string() + ": ";
  std::string_view rest = bytes;
  std::string_view line;
  if (!next_line(rest, line) || line != k_magic) {
    throw DfFormatError(where + "not a tagger DF file (first line is not \"" +
                        std::string(k_magic) + "\")");
  }
  std::uint64_t stories = 0;
  if (!next_line(rest, line) || !line.starts_with("stories ") ||
      !parse_number(line.substr(8), stories)) {
    throw DfFormatError(where + "line 2: expected \"stories <count>\"");
  }
  std::size_t terms = 0;
  if (!next_line(rest, line) || !line.starts_with("terms ") ||
      !parse_number(line.substr(6), terms)) {
    throw DfFormatError(where + "line 3: expected \"terms <count>\"");
  }
  table.m_stories = stories;
  table.m_terms.reserve(std::min(terms, std::size_t{1} << 24));
  for (std::size_t i = 0; i < terms; ++i) {
    const std::string line_no = "line " + std::to_string(i + 4) + ": ";
    if (!next_line(rest, line)) {
      throw DfFormatError(where + line_no + "the file ends before its " + std::to_string(terms) +
                          " terms");
    }
    const std::size_t tab = line.find('\t');
    std::uint32_t count = 0;
    if (tab == std::string_view::npos || !parse_number(line.substr(0, tab), count) || count == 0 ||
        count > stories) {
      throw DfFormatError(where + line_no +
                          "expected \"<count><TAB><term>\" with a count from 1 to " +
                          std::to_string(stories));
    }
    const std::string_view term = line.substr(tab + 1);
    if (!is_valid_term(term) || !table.m_terms.emplace(std::string(term), count).second) {
      throw DfFormatError(where + line_no + "bad or repeated term");
    }
  }
  const std::size_t body_size = bytes.size() - rest.size();
  if (!next_line(rest, line) || !line.starts_with("end ") ||
      line.substr(4) != hex16(fnv1a(std::string_view(bytes).substr(0, body_size)))) {
    throw DfFormatError(where + "the checksum line is missing or does not match");
  }
  if (!rest.empty()) {
    throw DfFormatError(where + "unexpected bytes after the checksum line");
  }
  table.prune(table.m_max_terms);
  return table;
}

} // namespace feedwire::tagger
