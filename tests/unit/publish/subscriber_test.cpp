#include "publish/publisher.hpp"
#include "publish/subscriber.hpp"
#include "slowdown.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>
#include <zmq.hpp>

namespace fw::publish {
namespace {

using namespace std::chrono_literals;

constexpr auto k_wait = test::scaled(5s);

Options ephemeral_options() {
  Options options;
  options.endpoints = {"tcp://127.0.0.1:*"};
  return options;
}

struct Outcome {
  Result<SubscribeEnd> end;
  std::vector<std::string> lines;
  std::vector<std::string> notices;
};

// Runs subscribe_and_print on its own thread, collecting the lines and the notices.
std::future<Outcome> subscribe_in_background(SubscribeOptions options, int stop_fd = -1) {
  return std::async(std::launch::async, [options = std::move(options), stop_fd]() mutable {
    std::vector<std::string> notices;
    options.on_notice = [&](std::string_view notice) { notices.emplace_back(notice); };
    std::vector<std::string> lines;
    Result<SubscribeEnd> end = subscribe_and_print(options, stop_fd, [&](std::string_view line) {
      lines.emplace_back(line);
      return true;
    });
    return Outcome{std::move(end), std::move(lines), std::move(notices)};
  });
}

Outcome wait_for(std::future<Outcome>& outcome) {
  EXPECT_EQ(outcome.wait_for(k_wait), std::future_status::ready);
  return outcome.get();
}

// Options for a subscriber without gap recovery, as `feedwire sub --no-replay`.
SubscribeOptions plain_options(const Publisher& publisher) {
  SubscribeOptions options;
  options.endpoints = publisher.endpoints();
  options.replay_endpoint.clear();
  return options;
}

Message story(std::int64_t seq, const std::string& feed = "a") {
  return {"story.new." + feed, R"({"seq":)" + std::to_string(seq) + "}"};
}

Message heartbeat(std::int64_t last_seq) {
  return {"sys.heartbeat", R"({"schema":1,"last_seq":)" + std::to_string(last_seq) +
                               R"(,"at":"2026-11-27T10:00:00Z"})"};
}

// What `feedwire sub` prints for story(seq, feed).
std::string story_line(std::int64_t seq, const std::string& feed = "a") {
  return R"({"topic":"story.new.)" + feed + R"(","message":{"seq":)" + std::to_string(seq) + "}}";
}

// The replay side of a daemon, as docs/messages.md describes it: a ROUTER on its own thread
// answering {"since": N} with every journalled message after N, then the end marker; a since
// older than `oldest` gets sys.replay.error with oldest_seq.
class ReplayRouter {
public:
  explicit ReplayRouter(std::vector<Message> journal, std::int64_t oldest = 1)
      : m_journal(std::move(journal)), m_oldest(oldest),
        m_socket(m_context, zmq::socket_type::router) {
    m_socket.set(zmq::sockopt::linger, 0);
    m_socket.bind("tcp://127.0.0.1:*");
    m_endpoint = m_socket.get(zmq::sockopt::last_endpoint);
    m_thread = std::thread([this] { run(); });
  }
  ~ReplayRouter() {
    m_stop = true;
    m_thread.join();
  }
  ReplayRouter(const ReplayRouter&) = delete;
  ReplayRouter& operator=(const ReplayRouter&) = delete;

  [[nodiscard]] const std::string& endpoint() const { return m_endpoint; }
  // The next `count` requests are read and never answered (a daemon killed mid-request).
  void ignore_requests(int count) { m_to_ignore = count; }
  // The next `count` requests are answered with an error without oldest_seq (a busy server).
  void refuse_requests(int count) { m_to_refuse = count; }
  [[nodiscard]] std::vector<std::int64_t> requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

private:
  void run() {
    while (!m_stop) {
      zmq::pollitem_t item{m_socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 10ms);
      if ((item.revents & ZMQ_POLLIN) == 0) {
        continue;
      }
      zmq::message_t identity;
      zmq::message_t request;
      (void)m_socket.recv(identity);
      (void)m_socket.recv(request);
      const nlohmann::json json = nlohmann::json::parse(request.to_string(), nullptr, false);
      const std::int64_t since = json.value("since", std::int64_t{-1});
      {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(since);
      }
      if (m_to_ignore > 0) {
        --m_to_ignore;
        continue;
      }
      if (m_to_refuse > 0) {
        --m_to_refuse;
        send(identity, "sys.replay.error", R"({"schema":1,"error":"busy"})");
        continue;
      }
      if (since + 1 < m_oldest) {
        send(identity, "sys.replay.error",
             R"({"schema":1,"error":"too old","oldest_seq":)" + std::to_string(m_oldest) + "}");
        continue;
      }
      std::int64_t last = since;
      for (const Message& m : m_journal) {
        const std::int64_t seq = nlohmann::json::parse(m.body)["seq"];
        if (seq > since) {
          send(identity, m.topic, m.body);
          last = seq;
        }
      }
      send(identity, "sys.replay.end", R"({"schema":1,"last_seq":)" + std::to_string(last) + "}");
    }
  }

  void send(const zmq::message_t& identity, const std::string& topic, const std::string& body) {
    m_socket.send(zmq::buffer(identity.data(), identity.size()), zmq::send_flags::sndmore);
    m_socket.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    m_socket.send(zmq::buffer(body), zmq::send_flags::none);
  }

  std::vector<Message> m_journal;
  std::int64_t m_oldest;
  zmq::context_t m_context;
  zmq::socket_t m_socket;
  std::string m_endpoint;
  std::atomic<int> m_to_ignore = 0;
  std::atomic<int> m_to_refuse = 0;
  std::atomic<bool> m_stop = false;
  mutable std::mutex m_mutex;
  std::vector<std::int64_t> m_requests;
  std::thread m_thread;
};

// A subscriber with recovery, on `publisher` and `replay`.
SubscribeOptions recovering_options(const Publisher& publisher, const ReplayRouter& replay) {
  SubscribeOptions options;
  options.endpoints = publisher.endpoints();
  options.replay_endpoint = replay.endpoint();
  options.replay_timeout = test::scaled(100ms);
  return options;
}

TEST(Subscriber, PrintsMatchingMessagesAsJsonLinesAndStopsAfterMaxMessages) {
  Publisher publisher(ephemeral_options());
  SubscribeOptions options = plain_options(publisher);
  options.prefixes = {"story.new.", "tag."};
  options.max_messages = 3;
  std::future<Outcome> outcome = subscribe_in_background(options);
  const auto deadline = std::chrono::steady_clock::now() + k_wait;
  while (publisher.subscriptions() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(publisher.subscriptions(), 2U) << "without recovery only the prefixes travel";

  ASSERT_TRUE(publisher.publish({"story.new.1", R"({"seq":1})"}));
  ASSERT_TRUE(publisher.publish({"feed.status.1", R"({"seq":2})"}));
  ASSERT_TRUE(publisher.publish({"tag.go", "plain text"}));
  ASSERT_TRUE(publisher.publish({"story.new.2", R"({"seq":4})"}));
  ASSERT_TRUE(publisher.publish({"story.new.3", R"({"seq":5})"}));

  Outcome result = wait_for(outcome);
  ASSERT_TRUE(result.end.has_value()) << result.end.error().message;
  EXPECT_EQ(result.end.value(), SubscribeEnd::max_messages);
  EXPECT_EQ(result.lines, (std::vector<std::string>{
                              R"({"topic":"story.new.1","message":{"seq":1}})",
                              R"({"topic":"tag.go","message":"plain text"})",
                              R"({"topic":"story.new.2","message":{"seq":4}})",
                          }));
}

TEST(Subscriber, ReceivesFromEveryEndpoint) {
  Publisher first(ephemeral_options());
  Publisher second(ephemeral_options());
  SubscribeOptions options = plain_options(first);
  options.endpoints = {first.endpoints().at(0), second.endpoints().at(0)};
  options.max_messages = 2;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(first.wait_for_subscribers(k_wait));
  ASSERT_TRUE(second.wait_for_subscribers(k_wait));

  ASSERT_TRUE(first.publish({"a", "1"}));
  ASSERT_TRUE(second.publish({"b", "2"}));

  Outcome result = wait_for(outcome);
  ASSERT_TRUE(result.end.has_value());
  std::sort(result.lines.begin(), result.lines.end());
  EXPECT_EQ(result.lines, (std::vector<std::string>{R"({"topic":"a","message":1})",
                                                    R"({"topic":"b","message":2})"}));
}

TEST(Subscriber, IdleTimeoutEndsTheLoopWhenNothingArrives) {
  Publisher publisher(ephemeral_options());
  SubscribeOptions options = plain_options(publisher);
  options.idle_timeout = test::scaled(50ms);
  const auto start = std::chrono::steady_clock::now();

  Result<SubscribeEnd> end =
      subscribe_and_print(options, -1, [](std::string_view) { return true; });

  ASSERT_TRUE(end.has_value()) << end.error().message;
  EXPECT_EQ(end.value(), SubscribeEnd::idle_timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, test::scaled(50ms));
}

TEST(Subscriber, IdleTimeoutCountsFromTheLastMessage) {
  Publisher publisher(ephemeral_options());
  SubscribeOptions options = plain_options(publisher);
  options.idle_timeout = test::scaled(300ms);
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  // 200 ms apart: a timeout counted from the start would end before the third.
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(test::scaled(200ms));
    }
    ASSERT_TRUE(publisher.publish({"t", std::to_string(i)}));
  }

  Outcome result = wait_for(outcome);
  ASSERT_TRUE(result.end.has_value());
  EXPECT_EQ(result.end.value(), SubscribeEnd::idle_timeout);
  EXPECT_EQ(result.lines.size(), 3U);
}

TEST(Subscriber, ReadableStopFdEndsTheLoop) {
  Publisher publisher(ephemeral_options());
  const int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ASSERT_GE(stop_fd, 0);
  std::future<Outcome> outcome = subscribe_in_background(plain_options(publisher), stop_fd);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  const std::uint64_t one = 1;
  ASSERT_EQ(::write(stop_fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));

  Outcome result = wait_for(outcome);
  ::close(stop_fd);
  ASSERT_TRUE(result.end.has_value());
  EXPECT_EQ(result.end.value(), SubscribeEnd::stop_requested);
}

TEST(Subscriber, FailingOutputIsAnError) {
  Publisher publisher(ephemeral_options());
  SubscribeOptions options = plain_options(publisher);
  std::future<Result<SubscribeEnd>> end = std::async(std::launch::async, [&options] {
    return subscribe_and_print(options, -1, [](std::string_view) { return false; });
  });
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  ASSERT_TRUE(publisher.publish({"t", "{}"}));

  ASSERT_EQ(end.wait_for(k_wait), std::future_status::ready);
  EXPECT_FALSE(end.get().has_value());
}

TEST(Subscriber, MalformedEndpointIsAnErrorNamingIt) {
  SubscribeOptions options;
  options.endpoints = {"tcp://127.0.0.1:notaport"};

  Result<SubscribeEnd> end =
      subscribe_and_print(options, -1, [](std::string_view) { return true; });

  ASSERT_FALSE(end.has_value());
  EXPECT_NE(end.error().message.find("tcp://127.0.0.1:notaport"), std::string::npos)
      << end.error().message;
}

TEST(Subscriber, MalformedReplayEndpointIsAnErrorNamingIt) {
  SubscribeOptions options;
  options.replay_endpoint = "tcp://127.0.0.1:notaport";

  Result<SubscribeEnd> end =
      subscribe_and_print(options, -1, [](std::string_view) { return true; });

  ASSERT_FALSE(end.has_value());
  EXPECT_NE(end.error().message.find("tcp://127.0.0.1:notaport"), std::string::npos)
      << end.error().message;
}

TEST(Subscriber, HeartbeatsArePrintedOnlyWhenSysIsAskedFor) {
  Publisher publisher(ephemeral_options());
  SubscribeOptions everything = plain_options(publisher);
  everything.idle_timeout = test::scaled(300ms);
  SubscribeOptions sys = everything;
  sys.prefixes = {"sys."};
  std::future<Outcome> all_outcome = subscribe_in_background(everything);
  std::future<Outcome> sys_outcome = subscribe_in_background(sys);
  const auto deadline = std::chrono::steady_clock::now() + k_wait;
  while (publisher.subscriptions() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }

  ASSERT_TRUE(publisher.publish(heartbeat(7)));
  ASSERT_TRUE(publisher.publish(story(8)));

  const Outcome all = wait_for(all_outcome);
  const Outcome only_sys = wait_for(sys_outcome);
  EXPECT_EQ(all.lines, std::vector<std::string>{story_line(8)});
  ASSERT_EQ(only_sys.lines.size(), 1U);
  EXPECT_EQ(nlohmann::json::parse(only_sys.lines[0])["message"]["last_seq"], 7);
}

TEST(Subscriber, FillsASeqGapFromTheReplayBeforeNewerMessages) {
  Publisher publisher(ephemeral_options());
  const std::vector<Message> journal = {
      story(1), story(2), story(3), {"feed.status.a", R"({"seq":4})"}, story(5), story(6)};
  ReplayRouter replay(journal);
  SubscribeOptions options = recovering_options(publisher, replay);
  options.prefixes = {"story.new."};
  options.max_messages = 5;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  // 3 is lost on the way; 4 is a status the prefixes leave out, not a gap.
  ASSERT_TRUE(publisher.publish(story(1)));
  ASSERT_TRUE(publisher.publish(story(2)));
  ASSERT_TRUE(publisher.publish(journal[3]));
  ASSERT_TRUE(publisher.publish(story(5)));
  ASSERT_TRUE(publisher.publish(story(6)));

  const Outcome result = wait_for(outcome);
  ASSERT_TRUE(result.end.has_value()) << result.end.error().message;
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(1), story_line(2), story_line(3),
                                                    story_line(5), story_line(6)}));
  EXPECT_EQ(replay.requests(), std::vector<std::int64_t>{2});
  EXPECT_TRUE(result.notices.empty());
}

TEST(Subscriber, DropsDuplicateSeqs) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({});
  SubscribeOptions options = recovering_options(publisher, replay);
  options.max_messages = 3;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  for (const std::int64_t seq : {1, 2, 2, 1, 3}) {
    ASSERT_TRUE(publisher.publish(story(seq)));
  }

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(1), story_line(2), story_line(3)}));
  EXPECT_TRUE(replay.requests().empty());
}

TEST(Subscriber, SinceReplaysTheJournalThenGoesLiveWithoutRepeats) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({story(1), story(2), story(3)});
  SubscribeOptions options = recovering_options(publisher, replay);
  options.since = 1;
  options.max_messages = 3;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  // Live copies of replayed messages, then a new one.
  ASSERT_TRUE(publisher.publish(story(3)));
  ASSERT_TRUE(publisher.publish(story(4)));

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(2), story_line(3), story_line(4)}));
  EXPECT_EQ(replay.requests(), std::vector<std::int64_t>{1});
}

TEST(Subscriber, AHeartbeatAheadOfTheLastSeqFetchesWhatWasMissed) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({story(3), story(4)});
  SubscribeOptions options = recovering_options(publisher, replay);
  options.heartbeat_interval = test::scaled(100ms);
  options.max_messages = 2;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  // The first heartbeat sets the starting point; the next says two messages went by unseen.
  ASSERT_TRUE(publisher.publish(heartbeat(2)));
  ASSERT_TRUE(publisher.publish(heartbeat(4)));

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(3), story_line(4)}));
  EXPECT_EQ(replay.requests(), std::vector<std::int64_t>{2});
}

TEST(Subscriber, AHeartbeatThatLiveMessagesCatchUpWithAsksNoReplay) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({});
  SubscribeOptions options = recovering_options(publisher, replay);
  options.heartbeat_interval = test::scaled(400ms);
  options.idle_timeout = test::scaled(250ms);
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  // The heartbeat counted 2 before 2 was sent: within the grace it is not a loss.
  ASSERT_TRUE(publisher.publish(story(1)));
  ASSERT_TRUE(publisher.publish(heartbeat(2)));
  ASSERT_TRUE(publisher.publish(story(2)));

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(1), story_line(2)}));
  EXPECT_TRUE(replay.requests().empty());
}

TEST(Subscriber, ASinceOlderThanTheJournalReportsTheLossAndTakesTheRest) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({story(10), story(11)}, /*oldest=*/10);
  SubscribeOptions options = recovering_options(publisher, replay);
  options.since = 2;
  options.max_messages = 2;
  std::future<Outcome> outcome = subscribe_in_background(options);

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(10), story_line(11)}));
  EXPECT_EQ(replay.requests(), (std::vector<std::int64_t>{2, 9}));
  ASSERT_EQ(result.notices.size(), 1U);
  EXPECT_NE(result.notices[0].find("seqs 3..9 lost"), std::string::npos) << result.notices[0];
}

TEST(Subscriber, AnUnansweredReplayIsAskedAgainOnANewConnection) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({story(1), story(2), story(3)});
  replay.ignore_requests(1);
  SubscribeOptions options = recovering_options(publisher, replay);
  options.max_messages = 3;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  ASSERT_TRUE(publisher.publish(story(1)));
  ASSERT_TRUE(publisher.publish(story(3)));

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(1), story_line(2), story_line(3)}));
  EXPECT_EQ(replay.requests(), (std::vector<std::int64_t>{1, 1}));
  ASSERT_EQ(result.notices.size(), 1U);
  EXPECT_NE(result.notices[0].find("does not answer"), std::string::npos) << result.notices[0];
}

TEST(Subscriber, ARefusedReplayIsReportedAndAskedAgain) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({story(1), story(2), story(3)});
  replay.refuse_requests(2);
  SubscribeOptions options = recovering_options(publisher, replay);
  options.replay_timeout = test::scaled(50ms);
  options.max_messages = 3;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  ASSERT_TRUE(publisher.publish(story(1)));
  ASSERT_TRUE(publisher.publish(story(3)));

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(1), story_line(2), story_line(3)}));
  EXPECT_EQ(replay.requests(), (std::vector<std::int64_t>{1, 1, 1}));
  ASSERT_EQ(result.notices.size(), 1U) << "one notice for the gap";
  EXPECT_NE(result.notices[0].find("refused (busy)"), std::string::npos) << result.notices[0];
}

TEST(Subscriber, AReplayEndpointThatNeverAnswersIsReportedAndLiveGoesOn) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({});
  replay.ignore_requests(1000);
  SubscribeOptions options = recovering_options(publisher, replay);
  options.replay_timeout = test::scaled(50ms);
  options.replay_attempts = 3;
  options.max_messages = 3;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  ASSERT_TRUE(publisher.publish(story(1)));
  ASSERT_TRUE(publisher.publish(story(4)));
  ASSERT_TRUE(publisher.publish(story(5)));

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(1), story_line(4), story_line(5)}));
  EXPECT_EQ(replay.requests().size(), 3U);
  ASSERT_EQ(result.notices.size(), 2U);
  EXPECT_NE(result.notices[0].find("does not answer"), std::string::npos) << result.notices[0];
  EXPECT_NE(result.notices[1].find("seqs 2..3 lost"), std::string::npos) << result.notices[1];
}

TEST(Subscriber, ASilentDaemonIsReportedOnceAndItsReturnToo) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({});
  SubscribeOptions options = recovering_options(publisher, replay);
  options.heartbeat_interval = test::scaled(40ms);
  options.max_messages = 1;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  std::this_thread::sleep_for(test::scaled(300ms)); // more than twice the three periods
  ASSERT_TRUE(publisher.publish(story(1)));

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, std::vector<std::string>{story_line(1)});
  ASSERT_EQ(result.notices.size(), 2U);
  EXPECT_NE(result.notices[0].find("no heartbeat"), std::string::npos) << result.notices[0];
  EXPECT_NE(result.notices[1].find("heard again"), std::string::npos) << result.notices[1];
}

TEST(Subscriber, ADaemonWhoseSeqWentBackIsFollowedFromItsHeartbeat) {
  Publisher publisher(ephemeral_options());
  ReplayRouter replay({});
  SubscribeOptions options = recovering_options(publisher, replay);
  options.max_messages = 2;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  ASSERT_TRUE(publisher.publish(story(50)));
  // One heartbeat behind can be a race with the message before it; two are a new daemon.
  ASSERT_TRUE(publisher.publish(heartbeat(3)));
  ASSERT_TRUE(publisher.publish(heartbeat(3)));
  ASSERT_TRUE(publisher.publish(story(4)));

  const Outcome result = wait_for(outcome);
  EXPECT_EQ(result.lines, (std::vector<std::string>{story_line(50), story_line(4)}));
  ASSERT_EQ(result.notices.size(), 1U);
  EXPECT_NE(result.notices[0].find("below"), std::string::npos) << result.notices[0];
}

} // namespace
} // namespace fw::publish
