// The second, lenient pass over XML that a strict parser rejected. It rewrites the markup into
// well-formed XML with the least change a reader would expect: what a browser's tag soup
// handling would keep, minus the guessing about HTML semantics.

#include "parse/formats.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fw::parse::detail {
namespace {

bool is_name_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

bool is_name_char(unsigned char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

class Repairer {
public:
  explicit Repairer(std::string_view in) : m_in(in) { m_out.reserve(in.size() + 64); }

  std::string run() {
    while (m_pos < m_in.size()) {
      std::size_t lt = m_in.find('<', m_pos);
      if (lt == std::string_view::npos) {
        text(m_in.substr(m_pos));
        m_pos = m_in.size();
        break;
      }
      text(m_in.substr(m_pos, lt - m_pos));
      m_pos = lt;
      markup();
    }
    while (!m_stack.empty()) {
      close_top();
    }
    return std::move(m_out);
  }

private:
  void text(std::string_view t) {
    if (m_done) {
      return; // garbage after the root element
    }
    if (m_stack.empty()) {
      // Character data outside the root is not allowed; white space is harmless.
      for (char c : t) {
        if (is_ws(c)) {
          m_out.push_back(c);
        }
      }
      return;
    }
    for (char c : t) {
      if (c == '>') {
        m_out += "&gt;";
      } else {
        m_out.push_back(c);
      }
    }
  }

  bool starts(std::string_view s) const { return m_in.substr(m_pos, s.size()) == s; }

  // Copies a construct that ends with `end`, or closes it at the end of the input.
  void copy_until(std::string_view end, std::string_view close_with, bool keep) {
    std::size_t e = m_in.find(end, m_pos);
    std::size_t stop = e == std::string_view::npos ? m_in.size() : e + end.size();
    if (keep && !m_done) {
      m_out.append(m_in.substr(m_pos, stop - m_pos));
      if (e == std::string_view::npos) {
        m_out.append(close_with);
      }
    }
    m_pos = stop;
  }

  void markup() {
    if (starts("<!--")) {
      copy_until("-->", "-->", true);
      return;
    }
    if (starts("<![CDATA[")) {
      copy_until("]]>", "]]>", !m_stack.empty());
      return;
    }
    if (starts("<?")) {
      copy_until("?>", "?>", m_stack.empty() && !m_seen_root);
      return;
    }
    if (starts("<!")) {
      skip_declaration();
      return;
    }
    if (starts("</")) {
      end_tag();
      return;
    }
    if (m_pos + 1 < m_in.size() && is_name_start(static_cast<unsigned char>(m_in[m_pos + 1]))) {
      start_tag();
      return;
    }
    // A '<' that starts no markup is text.
    if (!m_stack.empty() && !m_done) {
      m_out += "&lt;";
    }
    ++m_pos;
  }

  // <!DOCTYPE ...> with an optional [internal subset]: dropped, we never use DTDs.
  void skip_declaration() {
    int bracket = 0;
    std::size_t i = m_pos + 2;
    for (; i < m_in.size(); ++i) {
      char c = m_in[i];
      if (c == '[') {
        ++bracket;
      } else if (c == ']' && bracket > 0) {
        --bracket;
      } else if (c == '>' && bracket == 0) {
        ++i;
        break;
      }
    }
    m_pos = i;
  }

  std::string_view read_name() {
    std::size_t start = m_pos;
    while (m_pos < m_in.size() && is_name_char(static_cast<unsigned char>(m_in[m_pos]))) {
      ++m_pos;
    }
    return m_in.substr(start, m_pos - start);
  }

  void skip_ws() {
    while (m_pos < m_in.size() && is_ws(m_in[m_pos])) {
      ++m_pos;
    }
  }

  void end_tag() {
    m_pos += 2;
    std::string_view name = read_name();
    std::size_t gt = m_in.find('>', m_pos);
    m_pos = gt == std::string_view::npos ? m_in.size() : gt + 1;
    if (m_done || name.empty()) {
      return;
    }
    // Close everything opened inside the matching element; ignore an end tag with no match.
    for (std::size_t i = m_stack.size(); i-- > 0;) {
      if (m_stack[i] == name) {
        while (m_stack.size() > i + 1) {
          close_top();
        }
        close_top();
        return;
      }
    }
  }

  void close_top() {
    m_out += "</";
    m_out += m_stack.back();
    m_out += '>';
    m_stack.pop_back();
    if (m_stack.empty()) {
      m_done = true;
    }
  }

  void start_tag() {
    ++m_pos;
    std::string_view name = read_name();
    std::string tag;
    tag.reserve(64);
    tag += '<';
    tag += name;
    std::vector<std::string_view> seen;
    bool self_closing = false;
    bool terminated = false;
    while (m_pos < m_in.size()) {
      skip_ws();
      if (m_pos >= m_in.size()) {
        break;
      }
      char c = m_in[m_pos];
      if (c == '>') {
        ++m_pos;
        terminated = true;
        break;
      }
      if (c == '/' && m_pos + 1 < m_in.size() && m_in[m_pos + 1] == '>') {
        m_pos += 2;
        self_closing = true;
        terminated = true;
        break;
      }
      if (c == '<') {
        terminated = true; // "<a <b>": the tag ended without '>'
        break;
      }
      if (!is_name_start(static_cast<unsigned char>(c))) {
        ++m_pos; // stray character inside a tag
        continue;
      }
      std::string_view an = read_name();
      skip_ws();
      std::string value;
      bool has_value = false;
      if (m_pos < m_in.size() && m_in[m_pos] == '=') {
        ++m_pos;
        skip_ws();
        has_value = true;
        if (m_pos < m_in.size() && (m_in[m_pos] == '"' || m_in[m_pos] == '\'')) {
          char q = m_in[m_pos++];
          std::size_t e = m_in.find(q, m_pos);
          std::size_t stop = e == std::string_view::npos ? m_in.size() : e;
          value = std::string(m_in.substr(m_pos, stop - m_pos));
          m_pos = e == std::string_view::npos ? m_in.size() : e + 1;
        } else {
          std::size_t start = m_pos;
          while (m_pos < m_in.size() && !is_ws(m_in[m_pos]) && m_in[m_pos] != '>') {
            ++m_pos;
          }
          value = std::string(m_in.substr(start, m_pos - start));
        }
      }
      bool dup = false;
      for (std::string_view s : seen) {
        dup = dup || s == an;
      }
      if (dup) {
        continue;
      }
      seen.push_back(an);
      tag += ' ';
      tag += an;
      tag += "=\"";
      for (char v : has_value ? std::string_view(value) : an) {
        if (v == '"') {
          tag += "&quot;";
        } else if (v == '<') {
          tag += "&lt;";
        } else {
          tag += v;
        }
      }
      tag += '"';
    }
    if (!terminated || m_done) {
      return; // a tag cut off by the end of the input, or after the root: dropped
    }
    if (m_stack.empty() && m_seen_root) {
      return;
    }
    m_seen_root = true;
    if (self_closing) {
      tag += "/>";
      m_out += tag;
      if (m_stack.empty()) {
        m_done = true;
      }
      return;
    }
    tag += '>';
    m_out += tag;
    m_stack.emplace_back(name);
  }

  std::string_view m_in;
  std::size_t m_pos = 0;
  std::string m_out;
  std::vector<std::string> m_stack;
  bool m_seen_root = false;
  bool m_done = false;
};

} // namespace

std::string repair_xml(std::string_view xml) {
  return Repairer(xml).run();
}

} // namespace fw::parse::detail
