// RSS feeds on the test HTTP server that gain items with every request until frozen, and the
// deterministic prose their items are made of: for integration tests that make feedwired publish
// a steady stream of new stories (crash_test.cpp, slow_subscriber_test.cpp).
#pragma once

#include "http_server.hpp"

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace fw::test {

// `count` words from a small vocabulary, picked by splitmix64 steps from `key`: the same key gives
// the same words, and different keys read differently enough that no two stories look alike to
// the near-duplicate detector.
std::string words(std::uint64_t key, int count);

// A set of RSS 2.0 feeds on `server`; each request to one adds new items to it (none once
// frozen) and answers with its newest `window` items, newest first. Item j of feed i has the
// guid "<prefix>i-j", the link "<site><guid>", a title of 8 words() and, if asked for, a
// description of `description_words` words(). The server thread calls in, the test thread reads:
// every member is thread-safe. The object must outlive the server's requests to its routes.
class GrowingFeeds {
public:
  struct Options {
    int feeds = 0;
    // Feed i is "<prefix>i": its id in the daemon's config, its path "/<prefix>i.xml", and the
    // start of its items' guids.
    std::string prefix;
    // The channel's link, and the start of every item's link ("https://example.org/").
    std::string site;
    int window = 0;
    int description_words = 0; // 0: items have no <description>
    // How many items the request-th request (counting from 0) to `feed` adds.
    std::function<int(int feed, int request)> new_items;
  };

  // Registers a route for each feed on `server`.
  GrowingFeeds(HttpServer& server, Options options);
  GrowingFeeds(const GrowingFeeds&) = delete;
  GrowingFeeds& operator=(const GrowingFeeds&) = delete;

  [[nodiscard]] int count() const { return m_options.feeds; }
  [[nodiscard]] std::string feed_id(int feed) const;
  [[nodiscard]] std::string path(int feed) const; // for HttpServer::url()
  [[nodiscard]] std::string guid(int feed, int item) const;

  // From now on no request adds items.
  void freeze();

  // Requests `feed` has had.
  [[nodiscard]] int requests(int feed) const;
  // Requests each feed has had, by feed.
  [[nodiscard]] std::vector<int> requests() const;
  // Whether every feed has had at least `times` requests more than `before` (from requests()).
  [[nodiscard]] bool polled_since(const std::vector<int>& before, int times) const;

  // Items 0..items-1 of the feed have been in a document it served.
  [[nodiscard]] int items(int feed) const;
  // (feed id, guid) of every item served, by feed, then oldest first.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> served() const;

private:
  struct Feed {
    int requests = 0;
    std::vector<std::string> items; // the <item> elements, oldest first
  };

  Response answer(int feed);

  const Options m_options;
  mutable std::mutex m_mutex;
  std::vector<Feed> m_feeds;
  bool m_is_frozen = false;
};

} // namespace fw::test
