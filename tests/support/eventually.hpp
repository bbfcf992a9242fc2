// Polling for a condition with a time limit, for tests that wait on another thread or process.
#pragma once

#include <chrono>
#include <thread>

namespace fw::test {

// Calls `condition` every `poll` until it returns true or `limit` has passed: its last answer.
template <class Condition>
bool eventually(std::chrono::milliseconds limit, Condition condition,
                std::chrono::milliseconds poll = std::chrono::milliseconds{20}) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

} // namespace fw::test
