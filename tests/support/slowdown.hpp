#pragma once
// How many times slower than a plain build the code under test runs in this build: 10 under
// ThreadSanitizer (FW_SANITIZER_SLOWDOWN, set by tests/CMakeLists.txt), 1 otherwise.
#ifndef FW_SANITIZER_SLOWDOWN
#define FW_SANITIZER_SLOWDOWN 1
#endif

#include <chrono>

namespace fw::test {

inline constexpr int k_slowdown = FW_SANITIZER_SLOWDOWN;

// `d` stretched by k_slowdown: for the time a test gives the code under test (a deadline, a
// timeout, a heartbeat period, a pause between steps), so that a slow build is not mistaken for a
// failure. Scale the durations of one test together, so that they keep their proportions.
template <class Rep, class Period>
constexpr std::chrono::duration<Rep, Period> scaled(std::chrono::duration<Rep, Period> d) {
  return d * k_slowdown;
}

} // namespace fw::test
