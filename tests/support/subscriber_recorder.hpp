// A gap-recovering subscriber (fw::publish::subscribe_and_print, as `feedwire sub` runs it) on its
// own thread that keeps what it prints, for integration tests that check what a real feedwired
// delivered across kills and restarts (crash_test.cpp, soak_test.cpp).
#pragma once

#include "publish/subscriber.hpp"
#include "util/result.hpp"

#include <cstddef>
#include <cstdint>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace fw::test {

// What identifies one printed message. Members the message lacks are empty, and seq is -1.
struct Delivery {
  std::int64_t seq = 0;
  std::string topic;
  std::string feed_id;
  std::string id;
  std::string story_id;
};

// Runs subscribe_and_print(`options`) on its own thread from construction until stop() or the
// destructor, keeping every message it prints and every notice it reports (options.on_notice is
// replaced). The accessors are thread-safe and may be called while it runs.
class SubscriberRecorder {
public:
  // Starts the subscriber. Throws std::system_error if no eventfd or thread can be made.
  explicit SubscriberRecorder(publish::SubscribeOptions options);
  // stop(), then closes the stop descriptor.
  ~SubscriberRecorder();
  SubscriberRecorder(const SubscriberRecorder&) = delete;
  SubscriberRecorder& operator=(const SubscriberRecorder&) = delete;

  // Tells the subscriber to stop and waits for it: whether it ran until told to (false if it
  // ended on its own, failed, or was stopped before). A failure is also reported to GoogleTest
  // as a non-fatal one, with the subscriber's error message.
  bool stop();

  // Whether a message with this feed_id and id was printed.
  [[nodiscard]] bool has(const std::string& feed_id, const std::string& id) const;
  // How many messages were printed.
  [[nodiscard]] std::size_t count() const;
  // The seq of the last message printed, or 0 before the first.
  [[nodiscard]] std::int64_t last_seq() const;
  // Every message printed, in the order printed.
  [[nodiscard]] std::vector<Delivery> deliveries() const;
  // Every notice reported (seqs lost, a silent daemon...), in order.
  [[nodiscard]] std::vector<std::string> notices() const;

private:
  int m_stop_fd;
  mutable std::mutex m_mutex;
  std::vector<Delivery> m_deliveries;
  std::set<std::pair<std::string, std::string>> m_keys; // (feed_id, id)
  std::vector<std::string> m_notices;
  std::future<Result<publish::SubscribeEnd>> m_end;
};

} // namespace fw::test
