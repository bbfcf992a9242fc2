#include "plugin_host/wire.hpp"

#include <algorithm>
#include <cstring>
#include <sys/socket.h>

namespace fw::plugin_host::wire {
namespace {

// What FrameBuffer reads at a time, and what it shrinks back to after a big frame, so that one
// story with megabytes of HTML does not pin that much memory for the plugin's lifetime.
constexpr std::size_t k_chunk_bytes = 64 * 1024;
constexpr std::size_t k_keep_bytes = 1024 * 1024;

std::uint32_t load_u32le(const char* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  }
  return v;
}

} // namespace

void Writer::begin(Kind kind) {
  if (m_buf.capacity() > k_keep_bytes) {
    m_buf = std::string();
  }
  m_buf.assign(k_header_bytes, '\0');
  u8(static_cast<std::uint8_t>(kind));
}

void Writer::varint(std::uint64_t v) {
  while (v >= 0x80) {
    m_buf.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  m_buf.push_back(static_cast<char>(v));
}

void Writer::f64(double v) {
  std::uint64_t bits = 0;
  static_assert(sizeof bits == sizeof v);
  std::memcpy(&bits, &v, sizeof bits);
  for (int i = 0; i < 8; ++i) {
    m_buf.push_back(static_cast<char>(bits >> (8 * i)));
  }
}

void Writer::str(std::string_view s) {
  varint(s.size());
  m_buf.append(s);
}

void Writer::opt_str(const std::optional<std::string>& s) {
  if (!s) {
    varint(0);
    return;
  }
  varint(s->size() + 1);
  m_buf.append(*s);
}

std::string_view Writer::finish() {
  const std::size_t payload = m_buf.size() - k_header_bytes;
  if (payload > k_max_payload_bytes) {
    throw Malformed("a message of " + std::to_string(payload) + " bytes is over the limit of " +
                    std::to_string(k_max_payload_bytes));
  }
  for (std::size_t i = 0; i < k_header_bytes; ++i) {
    m_buf[i] = static_cast<char>(payload >> (8 * i));
  }
  return m_buf;
}

std::uint8_t Reader::u8() {
  if (m_pos >= m_data.size()) {
    throw Malformed("message cut short");
  }
  return static_cast<std::uint8_t>(m_data[m_pos++]);
}

std::uint64_t Reader::varint() {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const std::uint8_t b = u8();
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      return v;
    }
  }
  throw Malformed("varint longer than 64 bits");
}

double Reader::f64() {
  if (m_data.size() - m_pos < 8) {
    throw Malformed("message cut short");
  }
  const std::uint64_t bits = static_cast<std::uint64_t>(load_u32le(m_data.data() + m_pos)) |
                             static_cast<std::uint64_t>(load_u32le(m_data.data() + m_pos + 4))
                                 << 32;
  m_pos += 8;
  double v = 0;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::string_view Reader::str() {
  const std::uint64_t n = varint();
  if (n > m_data.size() - m_pos) {
    throw Malformed("string runs past the end of the message");
  }
  const std::string_view s = m_data.substr(m_pos, static_cast<std::size_t>(n));
  m_pos += s.size();
  return s;
}

std::optional<std::string> Reader::opt_str() {
  const std::uint64_t n = varint();
  if (n == 0) {
    return std::nullopt;
  }
  if (n - 1 > m_data.size() - m_pos) {
    throw Malformed("string runs past the end of the message");
  }
  std::string s(m_data.substr(m_pos, static_cast<std::size_t>(n - 1)));
  m_pos += s.size();
  return s;
}

std::size_t Reader::count() {
  const std::uint64_t n = varint();
  if (n > m_data.size() - m_pos) {
    throw Malformed("list longer than the message");
  }
  return static_cast<std::size_t>(n);
}

long FrameBuffer::fill(int fd, int flags) {
  std::size_t want = k_chunk_bytes;
  if (m_have >= k_header_bytes) {
    const std::size_t payload = load_u32le(m_buf.data());
    if (payload > k_max_payload_bytes) {
      throw Malformed("a message announces " + std::to_string(payload) +
                      " bytes, over the limit of " + std::to_string(k_max_payload_bytes));
    }
    want = std::max(want, k_header_bytes + payload);
  }
  if (m_buf.size() < want) {
    m_buf.resize(want);
  } else if (m_have == m_buf.size()) {
    m_buf.resize(m_buf.size() * 2); // a whole frame and more: the caller takes the first
  }
  const ssize_t n = ::recv(fd, m_buf.data() + m_have, m_buf.size() - m_have, flags);
  if (n > 0) {
    m_have += static_cast<std::size_t>(n);
  }
  return static_cast<long>(n);
}

std::optional<std::string_view> FrameBuffer::frame() const {
  if (m_have < k_header_bytes) {
    return std::nullopt;
  }
  const std::size_t payload = load_u32le(m_buf.data());
  if (payload > k_max_payload_bytes) {
    throw Malformed("a message announces " + std::to_string(payload) +
                    " bytes, over the limit of " + std::to_string(k_max_payload_bytes));
  }
  if (m_have - k_header_bytes < payload) {
    return std::nullopt;
  }
  return std::string_view(m_buf.data() + k_header_bytes, payload);
}

void FrameBuffer::consume() {
  const std::size_t used = k_header_bytes + load_u32le(m_buf.data());
  std::memmove(m_buf.data(), m_buf.data() + used, m_have - used);
  m_have -= used;
  if (m_have == 0 && m_buf.size() > k_keep_bytes) {
    m_buf = std::string();
  }
}

void write_story(Writer& w, const StoryView& view) {
  const model::Story& s = *view.story;
  w.str(view.story_id);
  w.str(view.feed_id);
  w.str(view.feed_title);
  w.str(view.language);
  w.opt_str(s.id);
  w.opt_str(s.link);
  w.opt_str(s.title);
  w.varint(static_cast<std::uint64_t>(std::count_if(
      s.authors.begin(), s.authors.end(), [](const model::Author& a) { return a.name; })));
  for (const model::Author& a : s.authors) {
    if (a.name) {
      w.str(*a.name);
    }
  }
  for (const std::optional<model::Timestamp>& t : {s.published, s.updated}) {
    w.u8(t ? 1 : 0);
    if (t) {
      w.i64(t->time_since_epoch().count());
    }
  }
  w.opt_str(s.summary_html);
  w.opt_str(s.content_html);
  w.opt_str(s.text);
  w.varint(s.categories.size());
  for (const std::string& c : s.categories) {
    w.str(c);
  }
  w.varint(s.enclosures.size());
  for (const model::Enclosure& e : s.enclosures) {
    w.str(e.url);
  }
  w.opt_str(s.image);
  w.opt_str(s.comments);
}

ReceivedStory::ReceivedStory(Reader& r)
    : story_id(r.str()), feed_id(r.str()), feed_title(r.str()), language(r.str()) {
  story.id = r.opt_str();
  story.link = r.opt_str();
  story.title = r.opt_str();
  story.authors.resize(r.count());
  for (model::Author& a : story.authors) {
    a.name = std::string(r.str());
  }
  for (std::optional<model::Timestamp>* t : {&story.published, &story.updated}) {
    if (r.u8() != 0) {
      *t = model::Timestamp(std::chrono::seconds(r.i64()));
    }
  }
  story.summary_html = r.opt_str();
  story.content_html = r.opt_str();
  story.text = r.opt_str();
  story.categories.resize(r.count());
  for (std::string& c : story.categories) {
    c = r.str();
  }
  story.enclosures.resize(r.count());
  for (model::Enclosure& e : story.enclosures) {
    e.url = r.str();
  }
  story.image = r.opt_str();
  story.comments = r.opt_str();
  view.story = &story;
  view.story_id = story_id;
  view.feed_id = feed_id;
  view.feed_title = feed_title;
  view.language = language;
}

void write_additions(Writer& w, const Additions& a) {
  w.varint(a.tags.size());
  for (const Tag& t : a.tags) {
    w.str(t.tag);
    w.str(t.label);
    w.f64(t.score);
    w.str(t.by);
  }
  w.opt_str(a.summary);
  w.varint(a.attrs.size());
  for (const auto& [key, value] : a.attrs) {
    w.str(key);
    w.str(value);
  }
}

Additions read_additions(Reader& r) {
  Additions a;
  a.tags.resize(r.count());
  for (Tag& t : a.tags) {
    t.tag = r.str();
    t.label = r.str();
    t.score = r.f64();
    t.by = r.str();
  }
  a.summary = r.opt_str();
  a.attrs.resize(r.count());
  for (auto& [key, value] : a.attrs) {
    key = r.str();
    value = r.str();
  }
  return a;
}

} // namespace fw::plugin_host::wire
