#pragma once

#include "temp_dir.hpp"
#include "util/errors.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <unistd.h>

namespace fw::config::test {

inline std::filesystem::path fixture(std::string_view name) {
  return std::filesystem::path(FW_SOURCE_DIR) / "tests" / "fixtures" / "config" / name;
}

using fw::test::TempDir;

// The message of the ConfigError that `f` throws; a test failure when it throws nothing.
template <typename F> std::string config_error(F&& f) {
  try {
    f();
  } catch (const fw::ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a fw::ConfigError";
  return {};
}

} // namespace fw::config::test
