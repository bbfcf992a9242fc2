#pragma once

// Pieces shared by config.cpp and opml.cpp; not part of fw_config's interface.

#include "config/config.hpp"
#include "util/result.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fw::config::detail {

// True when `s` is a non-empty string of [a-z0-9._-].
[[nodiscard]] bool is_slug(std::string_view s) noexcept;

// Lower-cases ASCII letters and turns every run of other characters (spaces, punctuation,
// non-ASCII) into one '-', trimmed at both ends and cut to at most 64 characters. May be empty.
[[nodiscard]] std::string slugify(std::string_view s);

// Why `url` is not an absolute http(s) URL with a host, or std::nullopt when it is.
[[nodiscard]] std::optional<std::string> url_problem(std::string_view url);

// The whole content of `file`, or the system's reason it cannot be read.
[[nodiscard]] Result<std::string> read_text_file(const std::filesystem::path& file);

// 1-based line and column of byte `offset` in `text`.
struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};
[[nodiscard]] TextPosition position_at(std::string_view text, std::size_t offset) noexcept;

// Parses the OPML document `text` read from `label` (the file name used in messages), appending
// its feeds to `feeds` and one line per problem to `problems`. Ids already in `taken_ids` are
// avoided; the ids chosen are added to it.
void parse_opml(std::string_view text, const std::string& label, std::set<std::string>& taken_ids,
                std::vector<FeedConfig>& feeds, std::vector<std::string>& problems);

// Throws fw::ConfigError with one line per problem. `problems` must not be empty. Control
// characters in a problem (a line break in a quoted TOML key or value, an "&#10;" in an OPML
// attribute) are written as escapes ("\n", "\x1b"), so that each problem stays on its line.
[[noreturn]] void throw_problems(const std::vector<std::string>& problems);

} // namespace fw::config::detail
