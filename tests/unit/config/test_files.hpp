#pragma once

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

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
public:
  TempDir() {
    static std::atomic<int> counter{0};
    m_path = std::filesystem::temp_directory_path() /
             ("fw_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

  // Writes `text` to `relative` (creating folders) and returns its absolute path.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view text) const {
    std::filesystem::path p = m_path / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    return p;
  }

private:
  std::filesystem::path m_path;
};

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
