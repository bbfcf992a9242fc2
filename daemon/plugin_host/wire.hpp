#pragma once

#include "plugin_host/plugin.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

// The messages between feedwired and an isolated plugin's host process (isolated.hpp), over a
// SOCK_STREAM socketpair. One frame is a 4-byte little-endian payload length, then the payload:
// one kind byte and the fields of that kind in a fixed order. Integers are LEB128 varints
// (signed ones zigzagged), doubles 8 little-endian bytes of their IEEE 754 bits, strings a
// varint length and the bytes, optional strings a varint of length + 1 (0: absent). The two
// ends are always the same binary, so there is no version field: a change here needs no
// compatibility with anything but itself.
//
//   init       name, path, plugin_dir, config_dir, config_json, memory_limit, log_level
//     ready    plugin_name, plugin_version, abi_minor
//     refused  the ConfigError text of Plugin::load or Plugin::create
//   process    story (see write_story), additions so far (see write_additions)
//     processed  status, drop byte, and when status is FW_OK the additions after the call
namespace fw::plugin_host::wire {

// No frame may be longer: a story with several MB of content_html fits many times over, and a
// corrupt length does not make either side allocate gigabytes.
inline constexpr std::size_t k_max_payload_bytes = 64 * 1024 * 1024;
inline constexpr std::size_t k_header_bytes = 4;

enum class Kind : std::uint8_t { init = 1, process = 2, ready = 3, refused = 4, processed = 5 };

// A frame that does not decode: cut short, an unknown kind, a length over the limit.
class Malformed : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Builds one frame at a time in a buffer kept from frame to frame, so that a steady stream of
// similar stories allocates nothing.
class Writer {
public:
  void begin(Kind kind);
  void u8(std::uint8_t v) { m_buf.push_back(static_cast<char>(v)); }
  void varint(std::uint64_t v);
  void i64(std::int64_t v) { varint((static_cast<std::uint64_t>(v) << 1) ^ (v < 0 ? ~0ULL : 0)); }
  void f64(double v);
  void str(std::string_view s);
  void opt_str(const std::optional<std::string>& s);
  // Fills in the length and returns the whole frame, valid until the next begin(). Throws
  // Malformed when the payload is over k_max_payload_bytes.
  [[nodiscard]] std::string_view finish();

private:
  std::string m_buf;
};

// Reads the fields of one payload in order. Every read throws Malformed when the payload ends
// too soon; string views point into the payload.
class Reader {
public:
  explicit Reader(std::string_view payload) noexcept : m_data(payload) {}
  [[nodiscard]] std::uint8_t u8();
  [[nodiscard]] std::uint64_t varint();
  [[nodiscard]] std::int64_t i64() {
    const std::uint64_t v = varint();
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  [[nodiscard]] double f64();
  [[nodiscard]] std::string_view str();
  [[nodiscard]] std::optional<std::string> opt_str();
  // A count of items that each take at least one byte: never more than the bytes left.
  [[nodiscard]] std::size_t count();
  [[nodiscard]] bool at_end() const noexcept { return m_pos == m_data.size(); }

private:
  std::string_view m_data;
  std::size_t m_pos = 0;
};

// Collects bytes from a socket until a whole frame is in; the buffer is kept from frame to frame.
class FrameBuffer {
public:
  // One recv() into the buffer with `flags`. Returns what recv returned (0: the peer closed the
  // connection; -1: see errno). Throws Malformed when the header announces too long a frame.
  long fill(int fd, int flags);
  // The payload of the first whole frame, or nullopt while it is incomplete; valid until
  // consume() or fill().
  [[nodiscard]] std::optional<std::string_view> frame() const;
  // Drops the first frame (which must be whole), keeping any bytes after it.
  void consume();
  [[nodiscard]] std::size_t buffered() const noexcept { return m_have; }
  void clear() noexcept { m_have = 0; }

private:
  std::string m_buf;
  std::size_t m_have = 0;
};

// The story as Plugin::process() reads it through plugin.h: the view's ids and titles and every
// model::Story field a plugin can ask for (authors by name, enclosures by URL).
void write_story(Writer& w, const StoryView& story);
void write_additions(Writer& w, const Additions& additions);
[[nodiscard]] Additions read_additions(Reader& r);

// A story rebuilt from a process frame. Not movable: view.story points at story.
struct ReceivedStory {
  model::Story story;
  std::string story_id, feed_id, feed_title, language;
  StoryView view;

  explicit ReceivedStory(Reader& r);
  ReceivedStory(const ReceivedStory&) = delete;
  ReceivedStory& operator=(const ReceivedStory&) = delete;
};

} // namespace fw::plugin_host::wire
