#include "service/logging.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <string_view>
#include <sys/stat.h>

namespace fw::service {
namespace {

// "%*": the sd-daemon(3) priority prefix of the record's level.
class PriorityFlag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string_view prefix = "<6>"; // SD_INFO
    switch (msg.level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      prefix = "<7>"; // SD_DEBUG
      break;
    case spdlog::level::info:
      break;
    case spdlog::level::warn:
      prefix = "<4>"; // SD_WARNING
      break;
    case spdlog::level::err:
      prefix = "<3>"; // SD_ERR
      break;
    case spdlog::level::critical:
      prefix = "<2>"; // SD_CRIT
      break;
    case spdlog::level::off:
    case spdlog::level::n_levels:
      break;
    }
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }

  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

} // namespace

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) {
    return false;
  }
  struct stat st {};
  if (::fstat(fileno(stderr), &st) != 0) {
    return false;
  }
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) {
    return false;
  }
  return dev == static_cast<unsigned long long>(st.st_dev) &&
         ino == static_cast<unsigned long long>(st.st_ino);
}

void setup_logging(const std::string& name) {
  auto logger = spdlog::stderr_logger_mt(name);
  if (stderr_is_journal()) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<PriorityFlag>('*').set_pattern("%*%v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  spdlog::set_default_logger(logger);
}

} // namespace fw::service
