// SubscriberRecorder: subscribe_and_print on a std::async thread, stopped through an eventfd.
#include "subscriber_recorder.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string_view>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace fw::test {
namespace {

// A string member of a JSON object, or "" (get_ref: GCC 12 sees a null dereference in
// nlohmann's value() with a string default here).
std::string string_field(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ref<const std::string&>() : std::string();
}

} // namespace

SubscriberRecorder::SubscriberRecorder(publish::SubscribeOptions options)
    : m_stop_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (m_stop_fd < 0) {
    throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  options.on_notice = [this](std::string_view notice) {
    std::lock_guard lock(m_mutex);
    m_notices.emplace_back(notice);
  };
  m_end = std::async(std::launch::async, [this, options = std::move(options)] {
    return publish::subscribe_and_print(options, m_stop_fd, [this](std::string_view line) {
      const nlohmann::json json = nlohmann::json::parse(line);
      const nlohmann::json& m = json.at("message");
      const auto seq = m.find("seq");
      Delivery d{seq != m.end() && seq->is_number_integer() ? seq->get<std::int64_t>() : -1,
                 string_field(json, "topic"), string_field(m, "feed_id"), string_field(m, "id"),
                 string_field(m, "story_id")};
      std::lock_guard lock(m_mutex);
      m_keys.emplace(d.feed_id, d.id);
      m_deliveries.push_back(std::move(d));
      return true;
    });
  });
}

SubscriberRecorder::~SubscriberRecorder() {
  stop();
  ::close(m_stop_fd);
}

bool SubscriberRecorder::stop() {
  if (!m_end.valid()) {
    return false;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(m_stop_fd, &one, sizeof one);
  Result<publish::SubscribeEnd> end = m_end.get();
  if (!end) {
    ADD_FAILURE() << "the subscriber failed: " << end.error().message;
  }
  return end && end.value() == publish::SubscribeEnd::stop_requested;
}

bool SubscriberRecorder::has(const std::string& feed_id, const std::string& id) const {
  std::lock_guard lock(m_mutex);
  return m_keys.contains({feed_id, id});
}

std::size_t SubscriberRecorder::count() const {
  std::lock_guard lock(m_mutex);
  return m_deliveries.size();
}

std::int64_t SubscriberRecorder::last_seq() const {
  std::lock_guard lock(m_mutex);
  return m_deliveries.empty() ? 0 : m_deliveries.back().seq;
}

std::vector<Delivery> SubscriberRecorder::deliveries() const {
  std::lock_guard lock(m_mutex);
  return m_deliveries;
}

std::vector<std::string> SubscriberRecorder::notices() const {
  std::lock_guard lock(m_mutex);
  return m_notices;
}

} // namespace fw::test
