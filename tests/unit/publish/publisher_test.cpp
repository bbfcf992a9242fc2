#include "publish/publisher.hpp"
#include "util/errors.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

namespace fw::publish {
namespace {

using namespace std::chrono_literals;

constexpr auto k_ephemeral = "tcp://127.0.0.1:*";
// Generous: only reached when a test is failing.
constexpr auto k_wait = 5s;

Options ephemeral_options() {
  Options options;
  options.endpoints = {k_ephemeral};
  return options;
}

// A SUB socket connected to `endpoint` and subscribed to each prefix.
zmq::socket_t connect_sub(zmq::context_t& context, const std::string& endpoint,
                          const std::vector<std::string>& prefixes) {
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::rcvtimeo, static_cast<int>(std::chrono::milliseconds(k_wait).count()));
  sub.connect(endpoint);
  for (const std::string& prefix : prefixes) {
    sub.set(zmq::sockopt::subscribe, prefix);
  }
  return sub;
}

// The next message's frames, or nullopt when none arrives within the socket's receive timeout.
std::optional<std::vector<std::string>> receive(zmq::socket_t& sub) {
  std::vector<std::string> frames;
  do {
    zmq::message_t frame;
    if (!sub.recv(frame)) {
      return std::nullopt;
    }
    frames.push_back(frame.to_string());
  } while (sub.get(zmq::sockopt::rcvmore) != 0);
  return frames;
}

// Polls `condition` until it holds or k_wait has passed; returns its last value.
template <typename Condition> bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + k_wait;
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

// Reads `count` messages on its own thread, as a live subscriber would while the publisher
// works; get() returns what arrived (fewer if the receive timeout ran out first).
std::future<std::vector<Message>> read_in_background(zmq::socket_t& sub, std::size_t count) {
  return std::async(std::launch::async, [&sub, count] {
    std::vector<Message> received;
    received.reserve(count);
    while (received.size() < count) {
      std::optional<std::vector<std::string>> frames = receive(sub);
      if (!frames || frames->size() != 2) {
        break;
      }
      received.push_back(Message{(*frames)[0], (*frames)[1]});
    }
    return received;
  });
}

TEST(Publisher, SubscriberReceivesTopicFrameThenBodyFrame) {
  Publisher publisher(ephemeral_options());
  zmq::context_t context;
  zmq::socket_t sub = connect_sub(context, publisher.endpoints().at(0), {""});
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  ASSERT_TRUE(publisher.publish({"story.new.42", R"({"seq":1})"}));

  std::optional<std::vector<std::string>> frames = receive(sub);
  ASSERT_TRUE(frames.has_value());
  EXPECT_EQ(*frames, (std::vector<std::string>{"story.new.42", R"({"seq":1})"}));
}

TEST(Publisher, SubscriberGetsOnlyTopicsStartingWithItsPrefixes) {
  Publisher publisher(ephemeral_options());
  zmq::context_t context;
  zmq::socket_t sub = connect_sub(context, publisher.endpoints().at(0), {"story.new.", "tag.go"});
  ASSERT_TRUE(eventually([&] { return publisher.subscriptions() == 2; }));

  for (const char* topic : {"story.update.1", "story.new.1", "tag.rust", "tag.golang",
                            "feed.status.1", "story.new.2", "sys.heartbeat"}) {
    ASSERT_TRUE(publisher.publish({topic, "{}"}));
  }

  std::vector<std::string> topics;
  for (int i = 0; i < 3; ++i) {
    std::optional<std::vector<std::string>> frames = receive(sub);
    ASSERT_TRUE(frames.has_value());
    topics.push_back(frames->at(0));
  }
  EXPECT_EQ(topics, (std::vector<std::string>{"story.new.1", "tag.golang", "story.new.2"}));
  sub.set(zmq::sockopt::rcvtimeo, 50);
  EXPECT_FALSE(receive(sub).has_value()) << "nothing else matches";
}

TEST(Publisher, WaitForSubscribersIsTrueOnceASubscriberConnects) {
  Publisher publisher(ephemeral_options());
  EXPECT_EQ(publisher.subscriptions(), 0U);
  zmq::context_t context;
  zmq::socket_t sub = connect_sub(context, publisher.endpoints().at(0), {"story."});

  EXPECT_TRUE(publisher.wait_for_subscribers(k_wait));
  EXPECT_EQ(publisher.subscriptions(), 1U);
}

TEST(Publisher, WaitForSubscribersIsFalseWhenNoneArrivesInTime) {
  Publisher publisher(ephemeral_options());
  const auto start = std::chrono::steady_clock::now();

  EXPECT_FALSE(publisher.wait_for_subscribers(50ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

TEST(Publisher, SubscriptionsCountFollowsSubscribersComingAndGoing) {
  std::vector<SubscriptionChange> changes;
  std::mutex changes_mutex;
  Options options = ephemeral_options();
  options.on_subscription = [&](const SubscriptionChange& change) {
    std::lock_guard lock(changes_mutex);
    changes.push_back(change);
  };
  Publisher publisher(options);
  zmq::context_t context;
  {
    zmq::socket_t first = connect_sub(context, publisher.endpoints().at(0), {"a", "b"});
    zmq::socket_t second = connect_sub(context, publisher.endpoints().at(0), {"a"});
    EXPECT_TRUE(eventually([&] { return publisher.subscriptions() == 3; }))
        << "the same prefix from two subscribers counts twice; got " << publisher.subscriptions();
  }
  // Closing a SUB makes XPUB report its subscriptions as unsubscribed.
  EXPECT_TRUE(eventually([&] { return publisher.subscriptions() == 0; }))
      << publisher.subscriptions();
  publisher.stop();

  std::multiset<std::pair<std::string, bool>> seen;
  for (const SubscriptionChange& change : changes) {
    seen.emplace(change.prefix, change.is_subscribe);
  }
  EXPECT_EQ(seen,
            (std::multiset<std::pair<std::string, bool>>{
                {"a", true}, {"a", true}, {"b", true}, {"a", false}, {"a", false}, {"b", false}}));
}

TEST(Publisher, PublishingWithNoSubscriberNeverBlocks) {
  Options options = ephemeral_options();
  options.queue_capacity = 4;
  Publisher publisher(options);

  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(publisher.publish({"story.new.1", std::to_string(i)}));
  }
  publisher.flush();
  EXPECT_EQ(publisher.sent(), 1000U);
  EXPECT_EQ(publisher.dropped(), 0U);
}

// Keeps the publisher thread inside on_subscription until released, so that the queue fills
// deterministically; releases on destruction too, so a failing test cannot hang in stop().
class Gate {
public:
  void enter_and_wait() {
    m_entered.set_value();
    m_released_future.wait();
  }
  bool wait_entered() { return m_entered_future.wait_for(k_wait) == std::future_status::ready; }
  void release() {
    if (!m_is_released) {
      m_is_released = true;
      m_released.set_value();
    }
  }
  ~Gate() { release(); }

private:
  std::promise<void> m_entered;
  std::future<void> m_entered_future = m_entered.get_future();
  std::promise<void> m_released;
  std::shared_future<void> m_released_future = m_released.get_future().share();
  bool m_is_released = false;
};

TEST(Publisher, FullQueueBlocksPublishAndRefusesTryPublishUntilTheThreadCatchesUp) {
  Gate gate;
  std::atomic<bool> is_first{true};
  Options options = ephemeral_options();
  options.queue_capacity = 4;
  options.on_subscription = [&](const SubscriptionChange&) {
    if (is_first.exchange(false)) {
      gate.enter_and_wait();
    }
  };
  Publisher publisher(options);
  zmq::context_t context;
  zmq::socket_t sub = connect_sub(context, publisher.endpoints().at(0), {""});
  ASSERT_TRUE(gate.wait_entered()) << "the subscription never reached the publisher thread";

  // The publisher thread is busy: the queue takes exactly queue_capacity messages.
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(publisher.try_publish({"t", std::to_string(i)}));
  }
  EXPECT_FALSE(publisher.try_publish({"t", "refused"}));
  std::future<bool> blocked = std::async(std::launch::async, [&publisher] {
    return publisher.publish({"t", "4"});
  });
  EXPECT_EQ(blocked.wait_for(100ms), std::future_status::timeout) << "publish did not block";

  gate.release();
  ASSERT_EQ(blocked.wait_for(k_wait), std::future_status::ready);
  EXPECT_TRUE(blocked.get());
  publisher.flush();
  EXPECT_EQ(publisher.sent(), 5U);
  for (int i = 0; i < 5; ++i) {
    std::optional<std::vector<std::string>> frames = receive(sub);
    ASSERT_TRUE(frames.has_value()) << "message " << i;
    EXPECT_EQ(frames->at(1), std::to_string(i));
  }
}

TEST(Publisher, StopReleasesABlockedPublishWithFalse) {
  Gate gate;
  std::atomic<bool> is_first{true};
  Options options = ephemeral_options();
  options.queue_capacity = 1;
  options.on_subscription = [&](const SubscriptionChange&) {
    if (is_first.exchange(false)) {
      gate.enter_and_wait();
    }
  };
  Publisher publisher(options);
  zmq::context_t context;
  zmq::socket_t sub = connect_sub(context, publisher.endpoints().at(0), {""});
  ASSERT_TRUE(gate.wait_entered());
  ASSERT_TRUE(publisher.publish({"t", "queued"}));
  std::future<bool> blocked = std::async(std::launch::async, [&publisher] {
    return publisher.publish({"t", "late"});
  });
  ASSERT_EQ(blocked.wait_for(50ms), std::future_status::timeout);

  std::thread stopper([&publisher] { publisher.stop(); });
  ASSERT_EQ(blocked.wait_for(k_wait), std::future_status::ready);
  EXPECT_FALSE(blocked.get()) << "stop() began while it waited";
  gate.release();
  stopper.join();
  std::optional<std::vector<std::string>> frames = receive(sub);
  ASSERT_TRUE(frames.has_value()) << "what was queued before stop() is still sent";
  EXPECT_EQ(frames->at(1), "queued");
}

TEST(Publisher, StopDeliversEverythingQueuedInOrder) {
  constexpr std::size_t k_count = 10000;
  Publisher publisher(ephemeral_options());
  zmq::context_t context;
  zmq::socket_t sub = connect_sub(context, publisher.endpoints().at(0), {""});
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));
  std::future<std::vector<Message>> reader = read_in_background(sub, k_count);

  for (std::size_t i = 0; i < k_count; ++i) {
    ASSERT_TRUE(publisher.publish({"story.new." + std::to_string(i % 7), std::to_string(i)}));
  }
  publisher.stop();

  std::vector<Message> received = reader.get();
  ASSERT_EQ(received.size(), k_count);
  for (std::size_t i = 0; i < k_count; ++i) {
    ASSERT_EQ(received[i].body, std::to_string(i));
    ASSERT_EQ(received[i].topic, "story.new." + std::to_string(i % 7));
  }
  EXPECT_EQ(publisher.sent(), k_count);
}

TEST(Publisher, FlushHandsEverythingQueuedToZeroMq) {
  constexpr std::size_t k_count = 10000;
  Publisher publisher(ephemeral_options());
  zmq::context_t context;
  zmq::socket_t sub = connect_sub(context, publisher.endpoints().at(0), {""});
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));
  std::future<std::vector<Message>> reader = read_in_background(sub, k_count);

  for (std::size_t i = 0; i < k_count; ++i) {
    ASSERT_TRUE(publisher.publish({"t", std::to_string(i)}));
  }
  publisher.flush();
  EXPECT_EQ(publisher.sent(), k_count);

  std::vector<Message> received = reader.get();
  ASSERT_EQ(received.size(), k_count);
  EXPECT_EQ(received.back().body, std::to_string(k_count - 1));
}

// The daemon's sent watermark: after flush() every seq up to handed_seq() is in ZeroMQ's hands;
// messages without a seq (heartbeats) leave it where it was.
TEST(Publisher, HandedSeqIsTheHighestSeqHandedToZeroMq) {
  Publisher publisher(ephemeral_options());
  EXPECT_EQ(publisher.handed_seq(), 0);
  for (std::int64_t seq = 11; seq <= 15; ++seq) {
    ASSERT_TRUE(publisher.publish({"story.new.f", "{}", seq}));
  }
  ASSERT_TRUE(publisher.publish({"sys.heartbeat", "{}"}));
  publisher.flush();
  EXPECT_EQ(publisher.handed_seq(), 15);
  ASSERT_TRUE(publisher.publish({"sys.heartbeat", "{}"}));
  publisher.flush();
  EXPECT_EQ(publisher.handed_seq(), 15);
}

// A message with make_body gets its body on the publisher thread from the highest seq handed to
// ZeroMQ before it: however the producers race, the stream never carries a message above the
// seq a later heartbeat announces, nor a heartbeat announcing a seq not yet sent.
TEST(Publisher, MakeBodySeesExactlyTheSeqsSentBeforeIt) {
  constexpr std::int64_t k_messages = 5000;
  Options options = ephemeral_options();
  options.queue_capacity = 64; // many small batches
  Publisher publisher(options);
  zmq::context_t context;
  zmq::socket_t sub = connect_sub(context, publisher.endpoints().at(0), {""});
  sub.set(zmq::sockopt::rcvhwm, 0); // drop nothing: every seq sent is seen
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));
  auto heartbeat = [] {
    Message message{"sys.heartbeat", ""};
    message.make_body = [](std::int64_t handed) { return std::to_string(handed); };
    return message;
  };

  std::atomic<bool> done = false;
  std::thread beats([&] {
    while (!done) {
      (void)publisher.try_publish(heartbeat());
      std::this_thread::yield();
    }
  });
  for (std::int64_t seq = 1; seq <= k_messages; ++seq) {
    ASSERT_TRUE(publisher.publish({"story.new.f", std::to_string(seq), seq}));
  }
  done = true;
  beats.join();
  ASSERT_TRUE(publisher.publish(heartbeat()));
  ASSERT_TRUE(publisher.publish({"end", ""}));

  std::int64_t last_seq = 0;
  std::size_t heartbeats_between = 0;
  for (;;) {
    std::optional<std::vector<std::string>> frames = receive(sub);
    ASSERT_TRUE(frames && frames->size() == 2) << "the stream ended before its end marker";
    const std::string& topic = frames->at(0);
    if (topic == "end") {
      break;
    }
    const std::int64_t value = std::stoll(frames->at(1));
    if (topic == "sys.heartbeat") {
      ASSERT_EQ(value, last_seq) << "a heartbeat after seq " << last_seq;
      heartbeats_between += last_seq > 0 && last_seq < k_messages ? 1 : 0;
    } else {
      ASSERT_EQ(value, last_seq + 1);
      last_seq = value;
    }
  }
  EXPECT_EQ(last_seq, k_messages);
  EXPECT_GT(heartbeats_between, 0U) << "no heartbeat went out among the messages";
}

TEST(Publisher, PublishAfterStopReturnsFalseAndStopIsIdempotent) {
  Publisher publisher(ephemeral_options());
  publisher.stop();
  publisher.stop();

  EXPECT_FALSE(publisher.publish({"t", "late"}));
  EXPECT_FALSE(publisher.try_publish({"t", "late"}));
  publisher.flush();
  EXPECT_EQ(publisher.sent(), 0U);
}

TEST(Publisher, FourThreadsPublishingConcurrentlyDeliverEachMessageExactlyOnce) {
  constexpr int k_threads = 4;
  constexpr int k_per_thread = 1000;
  Options options = ephemeral_options();
  options.queue_capacity = 64;
  Publisher publisher(options);
  zmq::context_t context;
  zmq::socket_t sub = connect_sub(context, publisher.endpoints().at(0), {""});
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));
  std::future<std::vector<Message>> reader = read_in_background(sub, k_threads * k_per_thread);

  std::vector<std::thread> producers;
  for (int t = 0; t < k_threads; ++t) {
    producers.emplace_back([&publisher, t] {
      for (int i = 0; i < k_per_thread; ++i) {
        EXPECT_TRUE(publisher.publish({"thread." + std::to_string(t), std::to_string(i)}));
      }
    });
  }
  for (std::thread& producer : producers) {
    producer.join();
  }
  publisher.flush();

  std::vector<Message> received = reader.get();
  ASSERT_EQ(received.size(), static_cast<std::size_t>(k_threads * k_per_thread));
  // Each thread's messages arrive exactly once and in the order that thread published them.
  std::vector<int> next(k_threads, 0);
  for (const Message& message : received) {
    const int t = std::stoi(message.topic.substr(7));
    ASSERT_EQ(message.body, std::to_string(next.at(t))) << message.topic;
    ++next.at(t);
  }
  EXPECT_EQ(next, std::vector<int>(k_threads, k_per_thread));
}

TEST(Publisher, EndpointsReportTheBoundPort) {
  Publisher publisher(ephemeral_options());
  std::vector<std::string> endpoints = publisher.endpoints();

  ASSERT_EQ(endpoints.size(), 1U);
  EXPECT_TRUE(endpoints[0].starts_with("tcp://127.0.0.1:")) << endpoints[0];
  EXPECT_NE(endpoints[0], k_ephemeral);
}

TEST(Publisher, BindsEveryEndpointAndPublishesOnAll) {
  Options options;
  options.endpoints = {k_ephemeral, k_ephemeral};
  Publisher publisher(options);
  std::vector<std::string> endpoints = publisher.endpoints();
  ASSERT_EQ(endpoints.size(), 2U);
  EXPECT_NE(endpoints[0], endpoints[1]);
  zmq::context_t context;
  zmq::socket_t first = connect_sub(context, endpoints[0], {""});
  zmq::socket_t second = connect_sub(context, endpoints[1], {"t"});
  ASSERT_TRUE(eventually([&] { return publisher.subscriptions() == 2; }));

  ASSERT_TRUE(publisher.publish({"t", "both"}));

  for (zmq::socket_t* sub : {&first, &second}) {
    std::optional<std::vector<std::string>> frames = receive(*sub);
    ASSERT_TRUE(frames.has_value());
    EXPECT_EQ(frames->at(1), "both");
  }
}

TEST(Publisher, BindingAPortInUseThrowsConfigErrorNamingTheEndpoint) {
  Publisher first(ephemeral_options());
  const std::string taken = first.endpoints().at(0);
  Options options;
  options.endpoints = {taken};

  try {
    Publisher second(options);
    FAIL() << "binding " << taken << " twice succeeded";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(taken), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
}

TEST(Publisher, MalformedEndpointThrowsConfigErrorNamingIt) {
  for (const char* endpoint : {"127.0.0.1:7701", "tcp://127.0.0.1:notaport", "carrier://x"}) {
    Options options;
    options.endpoints = {endpoint};
    try {
      Publisher publisher(options);
      ADD_FAILURE() << endpoint << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(endpoint), std::string::npos) << e.what();
    }
  }
}

TEST(Publisher, NoEndpointOrZeroCapacityIsAConfigError) {
  Options no_endpoint;
  no_endpoint.endpoints.clear();
  EXPECT_THROW(Publisher{no_endpoint}, ConfigError);

  Options zero_capacity = ephemeral_options();
  zero_capacity.queue_capacity = 0;
  EXPECT_THROW(Publisher{zero_capacity}, ConfigError);
}

} // namespace
} // namespace fw::publish
