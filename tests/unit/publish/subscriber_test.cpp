#include "publish/publisher.hpp"
#include "publish/subscriber.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <string>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fw::publish {
namespace {

using namespace std::chrono_literals;

constexpr auto k_wait = 5s;

Options ephemeral_options() {
  Options options;
  options.endpoints = {"tcp://127.0.0.1:*"};
  return options;
}

struct Outcome {
  Result<SubscribeEnd> end;
  std::vector<std::string> lines;
};

// Runs subscribe_and_print on its own thread, collecting the lines.
std::future<Outcome> subscribe_in_background(SubscribeOptions options, int stop_fd = -1) {
  return std::async(std::launch::async, [options = std::move(options), stop_fd] {
    std::vector<std::string> lines;
    Result<SubscribeEnd> end = subscribe_and_print(options, stop_fd, [&](std::string_view line) {
      lines.emplace_back(line);
      return true;
    });
    return Outcome{std::move(end), std::move(lines)};
  });
}

TEST(Subscriber, PrintsMatchingMessagesAsJsonLinesAndStopsAfterMaxMessages) {
  Publisher publisher(ephemeral_options());
  SubscribeOptions options;
  options.endpoints = publisher.endpoints();
  options.prefixes = {"story.new.", "tag."};
  options.max_messages = 3;
  std::future<Outcome> outcome = subscribe_in_background(options);
  const auto deadline = std::chrono::steady_clock::now() + k_wait;
  while (publisher.subscriptions() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(publisher.subscriptions(), 2U);

  ASSERT_TRUE(publisher.publish({"story.new.1", R"({"seq":1})"}));
  ASSERT_TRUE(publisher.publish({"feed.status.1", R"({"seq":2})"}));
  ASSERT_TRUE(publisher.publish({"tag.go", "plain text"}));
  ASSERT_TRUE(publisher.publish({"story.new.2", R"({"seq":4})"}));
  ASSERT_TRUE(publisher.publish({"story.new.3", R"({"seq":5})"}));

  ASSERT_EQ(outcome.wait_for(k_wait), std::future_status::ready);
  Outcome result = outcome.get();
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
  SubscribeOptions options;
  options.endpoints = {first.endpoints().at(0), second.endpoints().at(0)};
  options.max_messages = 2;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(first.wait_for_subscribers(k_wait));
  ASSERT_TRUE(second.wait_for_subscribers(k_wait));

  ASSERT_TRUE(first.publish({"a", "1"}));
  ASSERT_TRUE(second.publish({"b", "2"}));

  ASSERT_EQ(outcome.wait_for(k_wait), std::future_status::ready);
  Outcome result = outcome.get();
  ASSERT_TRUE(result.end.has_value());
  std::sort(result.lines.begin(), result.lines.end());
  EXPECT_EQ(result.lines, (std::vector<std::string>{R"({"topic":"a","message":1})",
                                                    R"({"topic":"b","message":2})"}));
}

TEST(Subscriber, IdleTimeoutEndsTheLoopWhenNothingArrives) {
  Publisher publisher(ephemeral_options());
  SubscribeOptions options;
  options.endpoints = publisher.endpoints();
  options.idle_timeout = 50ms;
  const auto start = std::chrono::steady_clock::now();

  Result<SubscribeEnd> end =
      subscribe_and_print(options, -1, [](std::string_view) { return true; });

  ASSERT_TRUE(end.has_value()) << end.error().message;
  EXPECT_EQ(end.value(), SubscribeEnd::idle_timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

TEST(Subscriber, IdleTimeoutCountsFromTheLastMessage) {
  Publisher publisher(ephemeral_options());
  SubscribeOptions options;
  options.endpoints = publisher.endpoints();
  options.idle_timeout = 300ms;
  std::future<Outcome> outcome = subscribe_in_background(options);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  // 200 ms apart: a timeout counted from the start would end before the third.
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(200ms);
    }
    ASSERT_TRUE(publisher.publish({"t", std::to_string(i)}));
  }

  ASSERT_EQ(outcome.wait_for(k_wait), std::future_status::ready);
  Outcome result = outcome.get();
  ASSERT_TRUE(result.end.has_value());
  EXPECT_EQ(result.end.value(), SubscribeEnd::idle_timeout);
  EXPECT_EQ(result.lines.size(), 3U);
}

TEST(Subscriber, ReadableStopFdEndsTheLoop) {
  Publisher publisher(ephemeral_options());
  const int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ASSERT_GE(stop_fd, 0);
  SubscribeOptions options;
  options.endpoints = publisher.endpoints();
  std::future<Outcome> outcome = subscribe_in_background(options, stop_fd);
  ASSERT_TRUE(publisher.wait_for_subscribers(k_wait));

  const std::uint64_t one = 1;
  ASSERT_EQ(::write(stop_fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));

  ASSERT_EQ(outcome.wait_for(k_wait), std::future_status::ready);
  Outcome result = outcome.get();
  ::close(stop_fd);
  ASSERT_TRUE(result.end.has_value());
  EXPECT_EQ(result.end.value(), SubscribeEnd::stop_requested);
}

TEST(Subscriber, FailingOutputIsAnError) {
  Publisher publisher(ephemeral_options());
  SubscribeOptions options;
  options.endpoints = publisher.endpoints();
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

} // namespace
} // namespace fw::publish
