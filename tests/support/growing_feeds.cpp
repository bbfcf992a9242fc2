// GrowingFeeds: each feed keeps the <item> elements it has grown, so that a long description is
// generated once, not on every request.
#include "growing_feeds.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

namespace fw::test {

std::string words(std::uint64_t key, int count) {
  static constexpr std::array<std::string_view, 32> k_words = {
      "amber",  "basil",   "cedar",   "delta",  "ember", "fjord",  "garnet",  "harbor",
      "indigo", "juniper", "kelp",    "lagoon", "maple", "nectar", "orchid",  "pepper",
      "quartz", "raven",   "saffron", "tundra", "umber", "violet", "walnut",  "xenon",
      "yarrow", "zephyr",  "bison",   "comet",  "dune",  "falcon", "glacier", "heron"};
  std::string out;
  for (int i = 0; i < count; ++i) {
    key += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = key;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    out += (i > 0 ? " " : "") + std::string(k_words[z % k_words.size()]);
  }
  return out;
}

GrowingFeeds::GrowingFeeds(HttpServer& server, Options options)
    : m_options(std::move(options)), m_feeds(static_cast<std::size_t>(m_options.feeds)) {
  for (int i = 0; i < m_options.feeds; ++i) {
    server.route(path(i), [this, i](const RecordedRequest&) { return answer(i); });
  }
}

std::string GrowingFeeds::feed_id(int feed) const {
  return m_options.prefix + std::to_string(feed);
}

std::string GrowingFeeds::path(int feed) const {
  return "/" + feed_id(feed) + ".xml";
}

std::string GrowingFeeds::guid(int feed, int item) const {
  return feed_id(feed) + "-" + std::to_string(item);
}

void GrowingFeeds::freeze() {
  std::lock_guard lock(m_mutex);
  m_is_frozen = true;
}

int GrowingFeeds::requests(int feed) const {
  std::lock_guard lock(m_mutex);
  return m_feeds[static_cast<std::size_t>(feed)].requests;
}

std::vector<int> GrowingFeeds::requests() const {
  std::lock_guard lock(m_mutex);
  std::vector<int> out;
  out.reserve(m_feeds.size());
  for (const Feed& f : m_feeds) {
    out.push_back(f.requests);
  }
  return out;
}

bool GrowingFeeds::polled_since(const std::vector<int>& before, int times) const {
  std::lock_guard lock(m_mutex);
  for (std::size_t i = 0; i < m_feeds.size(); ++i) {
    if (m_feeds[i].requests < before[i] + times) {
      return false;
    }
  }
  return true;
}

int GrowingFeeds::items(int feed) const {
  std::lock_guard lock(m_mutex);
  return static_cast<int>(m_feeds[static_cast<std::size_t>(feed)].items.size());
}

std::vector<std::pair<std::string, std::string>> GrowingFeeds::served() const {
  std::lock_guard lock(m_mutex);
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < m_options.feeds; ++i) {
    const int items = static_cast<int>(m_feeds[static_cast<std::size_t>(i)].items.size());
    for (int j = 0; j < items; ++j) {
      out.emplace_back(feed_id(i), guid(i, j));
    }
  }
  return out;
}

Response GrowingFeeds::answer(int feed) {
  std::lock_guard lock(m_mutex);
  Feed& f = m_feeds[static_cast<std::size_t>(feed)];
  const int added = m_is_frozen ? 0 : m_options.new_items(feed, f.requests);
  ++f.requests;
  for (int n = 0; n < added; ++n) {
    const int j = static_cast<int>(f.items.size());
    const std::uint64_t key = static_cast<std::uint64_t>(feed) * 1'000'000 + j;
    const std::string id = guid(feed, j);
    std::string item = "<item><guid>" + id + "</guid><title>" + words(key, 8) + "</title><link>" +
                       m_options.site + id + "</link>";
    if (m_options.description_words > 0) {
      item +=
          "<description>" + words(key + 500'000, m_options.description_words) + "</description>";
    }
    f.items.push_back(item + "</item>");
  }
  std::string body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed " +
                     std::to_string(feed) + "</title><link>" + m_options.site + "</link>";
  const int size = static_cast<int>(f.items.size());
  for (int j = size - 1; j >= std::max(0, size - m_options.window); --j) {
    body += f.items[static_cast<std::size_t>(j)];
  }
  return Response{.body = body + "</channel></rss>"};
}

} // namespace fw::test
