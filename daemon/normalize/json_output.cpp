#include "normalize/json_output.hpp"

#include "parse/date.hpp"
#include "util/byte_mask.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace fw::normalize {
namespace {

// Bytes a JSON string cannot hold as they are (RFC 8259 §7).
constexpr std::array<bool, 256> k_escaped = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  t['"'] = t['\\'] = true;
  return t;
}();

// Bytes of the 16 at `p` that k_escaped holds, as a mask.
std::uint32_t escaped16(const char* p) noexcept {
  const util::ByteBlock b(p);
  return b.below(0x20) | b.eq('"') | b.eq('\\');
}

// A small JSON writer: the schema is fixed, so building a DOM first would only cost time.
class Writer {
public:
  std::string take() { return std::move(m_out); }
  void reserve(std::size_t n) { m_out.reserve(n); }

  void raw(std::string_view s) { m_out.append(s); }
  // A value that is JSON text already.
  void raw_value(std::string_view json) {
    prefix();
    m_out.append(json);
  }

  void string(std::string_view s) {
    m_out.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      // Sixteen bytes at a time while none of them needs escaping.
      i = util::skip_unmarked(s, i, escaped16);
      if (i >= s.size()) {
        break;
      }
      auto c = static_cast<unsigned char>(s[i]);
      if (!k_escaped[c]) {
        continue;
      }
      m_out.append(s.substr(run, i - run));
      run = i + 1;
      switch (c) {
      case '"':
        m_out += "\\\"";
        break;
      case '\\':
        m_out += "\\\\";
        break;
      case '\n':
        m_out += "\\n";
        break;
      case '\r':
        m_out += "\\r";
        break;
      case '\t':
        m_out += "\\t";
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        m_out += buf;
      }
      }
    }
    m_out.append(s.substr(run));
    m_out.push_back('"');
  }

  void key(std::string_view k) {
    comma();
    string(k);
    m_out.push_back(':');
    m_after_key = true;
  }

  void value(const std::optional<std::string>& v) {
    prefix();
    if (v) {
      string(*v);
    } else {
      m_out += "null";
    }
  }

  // A number in [0, 1] with 3 decimals ("0.875"); values outside are clamped, NaN is 0.
  void number(double v) {
    prefix();
    const double clamped = v >= 0.0 ? std::min(v, 1.0) : 0.0;
    const auto thousandths = static_cast<int>(clamped * 1000.0 + 0.5);
    m_out += std::to_string(thousandths / 1000);
    m_out += '.';
    const std::string frac = std::to_string(1000 + thousandths % 1000);
    m_out.append(frac, 1, 3);
  }

  void value(const std::optional<std::int64_t>& v) {
    prefix();
    m_out += v ? std::to_string(*v) : std::string("null");
  }

  void value(const std::optional<model::Timestamp>& v) {
    prefix();
    if (v) {
      string(parse::format_rfc3339(*v));
    } else {
      m_out += "null";
    }
  }

  void value(const std::vector<std::string>& v) {
    begin_array();
    for (const std::string& s : v) {
      prefix();
      string(s);
    }
    end_array();
  }

  void value(const std::vector<model::Author>& v) {
    begin_array();
    for (const model::Author& a : v) {
      begin_object();
      key("name");
      value(a.name);
      key("email");
      value(a.email);
      key("uri");
      value(a.uri);
      end_object();
    }
    end_array();
  }

  void value(const std::vector<model::Enclosure>& v) {
    begin_array();
    for (const model::Enclosure& e : v) {
      begin_object();
      key("url");
      value(std::optional<std::string>(e.url));
      key("type");
      value(e.type);
      key("length");
      value(e.length);
      end_object();
    }
    end_array();
  }

  void begin_object() {
    prefix();
    m_out.push_back('{');
    m_first = true;
  }
  void end_object() {
    m_out.push_back('}');
    m_first = false;
  }
  void begin_array() {
    prefix();
    m_out.push_back('[');
    m_first = true;
  }
  void end_array() {
    m_out.push_back(']');
    m_first = false;
  }

private:
  void comma() {
    if (!m_first) {
      m_out.push_back(',');
    }
    m_first = false;
  }
  // Before a value: a comma unless it follows a key or opens a container.
  void prefix() {
    if (m_after_key) {
      m_after_key = false;
      m_first = false;
      return;
    }
    comma();
  }

  std::string m_out;
  bool m_first = true;
  bool m_after_key = false;
};

// Roughly the size of an item's JSON (and of a document's, below), so that the output grows
// once rather than by doubling: the escaped text fields plus room for the rest.
std::size_t estimate_story_size(const model::Story& s) {
  std::size_t n = 512;
  for (const auto* f : {&s.summary_html, &s.content_html, &s.text, &s.title, &s.link}) {
    n += *f ? (*f)->size() + (*f)->size() / 8 : 0;
  }
  return n;
}

std::size_t estimate_size(const model::FeedDocument& doc) {
  std::size_t n = 1024;
  for (const model::Story& s : doc.items) {
    n += estimate_story_size(s);
  }
  return n;
}

// The fields of one item, in schema order, into an open object.
void write_story_fields(Writer& w, const model::Story& s) {
  w.key("id");
  w.value(s.id);
  w.key("link");
  w.value(s.link);
  w.key("title");
  w.value(s.title);
  w.key("authors");
  w.value(s.authors);
  w.key("published");
  w.value(s.published);
  w.key("updated");
  w.value(s.updated);
  w.key("summary_html");
  w.value(s.summary_html);
  w.key("content_html");
  w.value(s.content_html);
  w.key("text");
  w.value(s.text);
  w.key("categories");
  w.value(s.categories);
  w.key("enclosures");
  w.value(s.enclosures);
  w.key("image");
  w.value(s.image);
  w.key("comments");
  w.value(s.comments);
}

} // namespace

std::string to_json(const model::FeedDocument& doc) {
  Writer w;
  w.reserve(estimate_size(doc));
  w.begin_object();
  w.key("schema");
  w.value(std::optional<std::int64_t>(1));
  w.key("format");
  w.value(std::optional<std::string>(doc.format));

  const model::FeedInfo& f = doc.feed;
  w.key("feed");
  w.begin_object();
  w.key("title");
  w.value(f.title);
  w.key("link");
  w.value(f.link);
  w.key("feed_url");
  w.value(f.feed_url);
  w.key("description");
  w.value(f.description);
  w.key("language");
  w.value(f.language);
  w.key("updated");
  w.value(f.updated);
  w.key("authors");
  w.value(f.authors);
  w.key("image");
  w.value(f.image);
  w.key("categories");
  w.value(f.categories);
  w.key("ttl_minutes");
  w.value(f.ttl_minutes);
  w.key("hub");
  w.value(f.hub);
  w.end_object();

  w.key("items");
  w.begin_array();
  for (const model::Story& s : doc.items) {
    w.begin_object();
    write_story_fields(w, s);
    w.end_object();
  }
  w.end_array();
  w.key("warnings");
  w.value(doc.warnings);
  w.end_object();
  std::string out = w.take();
  out.push_back('\n');
  return out;
}

// "tags" (highest score first), "summary" and "attrs" (values are JSON already), when set.
void write_additions(Writer& w, const model::Additions& a) {
  if (!a.tags.empty()) {
    w.key("tags");
    w.begin_array();
    for (const model::Tag& t : a.tags) {
      w.begin_object();
      w.key("tag");
      w.value(std::optional<std::string>(t.tag));
      w.key("label");
      w.value(std::optional<std::string>(t.label));
      w.key("score");
      w.number(t.score);
      w.key("by");
      w.value(std::optional<std::string>(t.by));
      w.end_object();
    }
    w.end_array();
  }
  if (a.summary) {
    w.key("summary");
    w.value(a.summary);
  }
  if (!a.attrs.empty()) {
    w.key("attrs");
    w.begin_object();
    for (const auto& [key, json] : a.attrs) {
      w.key(key);
      w.raw_value(json);
    }
    w.end_object();
  }
}

std::string story_message_json(const model::Story& story, const MessageEnvelope& envelope) {
  Writer w;
  w.reserve(512 + estimate_story_size(story)); // the envelope, then the item
  w.begin_object();
  w.key("schema");
  w.value(std::optional<std::int64_t>(k_message_schema));
  w.key("seq");
  w.value(std::optional<std::int64_t>(envelope.seq));
  w.key("story_id");
  w.value(std::optional<std::string>(envelope.story_id));
  w.key("feed_id");
  w.value(std::optional<std::string>(envelope.feed_id));
  w.key("feed_title");
  w.value(envelope.feed_title);
  w.key("fetched_at");
  w.value(std::optional<model::Timestamp>(envelope.fetched_at));
  if (!envelope.cluster_id.empty()) {
    w.key("cluster_id");
    w.value(std::optional<std::string>(envelope.cluster_id));
  }
  if (envelope.duplicate) {
    w.key("duplicate_of");
    w.value(std::optional<std::string>(envelope.duplicate->duplicate_of));
    w.key("method");
    w.value(std::optional<std::string>(envelope.duplicate->method));
    w.key("similarity");
    w.number(envelope.duplicate->similarity);
  }
  if (!envelope.changed.empty()) {
    w.key("changed");
    w.value(envelope.changed);
  }
  write_story_fields(w, story);
  if (envelope.additions != nullptr) {
    write_additions(w, *envelope.additions);
  }
  w.end_object();
  return w.take();
}

std::string with_seq(std::string_view body, std::int64_t seq) {
  // story_message_json writes schema first and seq second, both integers.
  const std::string head = "{\"schema\":" + std::to_string(k_message_schema) + ",\"seq\":";
  const std::size_t end = body.find(',', head.size());
  std::string out;
  out.reserve(body.size() + 20);
  out.append(head).append(std::to_string(seq)).append(body.substr(end));
  return out;
}

} // namespace fw::normalize
