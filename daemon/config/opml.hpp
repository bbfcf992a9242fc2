#pragma once

#include "config/config.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fw::config {

// Reads the feeds of an OPML subscription list: every `outline` with an xmlUrl, at any depth.
// Titles come from `title`, else `text`; the titles of enclosing outlines and the `category`
// attribute (comma-separated, "/" paths split) become slugified tags. Ids are slugs of the
// title (else of the URL's host and path), made unique with "-2", "-3"... Throws
// fw::ConfigError naming the file (and "path:line:column:" for each problem: malformed XML,
// a missing <opml>/<body>, a URL that is not absolute http(s)). Any thread; no shared state.
[[nodiscard]] std::vector<FeedConfig> read_opml(const std::filesystem::path& file);

// read_opml on a document already in memory; `label` stands for the file name in messages and
// origins. Throws fw::ConfigError as read_opml does. Any thread; no shared state.
[[nodiscard]] std::vector<FeedConfig> parse_opml(std::string_view text, const std::string& label);

// Prints `feeds` as [[feed]] tables: valid TOML that parse_config reads back into the same
// feeds (all fields but origin, which becomes a comment). Unset optional fields are left out.
// Throws nothing but std::bad_alloc; any thread.
[[nodiscard]] std::string opml_to_toml(const std::vector<FeedConfig>& feeds);

// `feeds` as an OPML 2.0 subscription list that read_opml reads back into the same URLs, titles
// and tags (ids become slugs of the titles, as for any OPML file): one outline per feed,
// type="rss", text and title the feed's title (else its id), xmlUrl its URL, its tags in
// `category`. Disabled feeds are included. Throws nothing but std::bad_alloc; any thread.
[[nodiscard]] std::string feeds_to_opml(const std::vector<FeedConfig>& feeds,
                                        std::string_view title);

} // namespace fw::config
