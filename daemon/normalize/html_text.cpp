#include "normalize/html_text.hpp"

#include "parse/entities.hpp"
#include "util/byte_mask.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <gumbo.h>
#include <optional>
#include <utility>
#include <vector>

namespace fw::normalize {

namespace {

// Nesting limit.
//
// gumbo 0.10.1 (Debian 12) has no depth limit, and its tree construction is quadratic in the
// depth of the tree: scope checks and active-formatting reconstruction scan the whole stack of
// open elements for every tag, so 30,000 nested <div>s take half a minute and 100,000 take many
// minutes. Freeing the tree is recursive, too. Before gumbo sees the input, a light tokenizer
// therefore follows a model of gumbo's stack of open elements and deletes the tags that would
// nest deeper than k_max_depth (the text inside them stays). The model errs on the deep side:
// wherever it is unsure whether an end tag really closes something, it keeps the element
// counted, so legitimate markup is unaffected while tag soup cannot get gumbo much deeper than
// a small multiple of k_max_depth (at 128 levels gumbo still parses a megabyte in ~0.1 s).

constexpr std::size_t k_max_depth = 128;

enum TagFlag : std::uint16_t {
  k_void = 1 << 0,          // no end tag, never on the stack
  k_raw_text = 1 << 1,      // content is text up to the matching end tag (script, style, ...)
  k_formatting = 1 << 2,    // in the list of active formatting elements (b, i, a, ...)
  k_special = 1 << 3,       // the HTML "special" category
  k_scope = 1 << 4,         // bounds "has an element in scope" searches
  k_marker = 1 << 5,        // pushes a marker onto the list of active formatting elements
  k_table_part = 1 << 6,    // ignored outside a table (tr, td, tbody, ...)
  k_closes_p = 1 << 7,      // its start tag closes an open <p>
  k_breakout = 1 << 8,      // leaves SVG/MathML content
  k_foreign_root = 1 << 9,  // svg, math
  k_integration = 1 << 10,  // its children are HTML again when it is an SVG/MathML element
  k_ignored = 1 << 11,      // start tag merged away in body (html, head, body)
  k_scoped_end = 1 << 12,   // its end tag closes it only when in scope ("in body" rules)
  k_reconstructs = 1 << 13, // a special element whose start tag reopens formatting elements
};

// What the model needs to know about an element, from its gumbo tag. Tags gumbo does not know
// are all GUMBO_TAG_UNKNOWN; gumbo 0.10.1 also compares them by that value alone, so that
// "</x-b>" closes an open <x-a>, and the model must do the same.
std::uint16_t base_flags(GumboTag tag) noexcept {
  switch (tag) {
  case GUMBO_TAG_A:
    return k_formatting;
  case GUMBO_TAG_B:
  case GUMBO_TAG_BIG:
  case GUMBO_TAG_CODE:
  case GUMBO_TAG_EM:
  case GUMBO_TAG_FONT:
  case GUMBO_TAG_I:
  case GUMBO_TAG_NOBR:
  case GUMBO_TAG_S:
  case GUMBO_TAG_SMALL:
  case GUMBO_TAG_STRIKE:
  case GUMBO_TAG_STRONG:
  case GUMBO_TAG_TT:
  case GUMBO_TAG_U:
    return k_formatting | k_breakout;
  case GUMBO_TAG_ADDRESS:
  case GUMBO_TAG_ARTICLE:
  case GUMBO_TAG_ASIDE:
  case GUMBO_TAG_DETAILS:
  case GUMBO_TAG_DIR:
  case GUMBO_TAG_FIELDSET:
  case GUMBO_TAG_FIGCAPTION:
  case GUMBO_TAG_FIGURE:
  case GUMBO_TAG_FOOTER:
  case GUMBO_TAG_FORM:
  case GUMBO_TAG_HEADER:
  case GUMBO_TAG_HGROUP:
  case GUMBO_TAG_MAIN:
  case GUMBO_TAG_NAV:
  case GUMBO_TAG_PLAINTEXT:
  case GUMBO_TAG_SECTION:
  case GUMBO_TAG_SUMMARY:
    return k_special | k_closes_p;
  case GUMBO_TAG_BLOCKQUOTE:
  case GUMBO_TAG_CENTER:
  case GUMBO_TAG_DD:
  case GUMBO_TAG_DIV:
  case GUMBO_TAG_DL:
  case GUMBO_TAG_DT:
  case GUMBO_TAG_H1:
  case GUMBO_TAG_H2:
  case GUMBO_TAG_H3:
  case GUMBO_TAG_H4:
  case GUMBO_TAG_H5:
  case GUMBO_TAG_H6:
  case GUMBO_TAG_LI:
  case GUMBO_TAG_LISTING:
  case GUMBO_TAG_MENU:
  case GUMBO_TAG_OL:
  case GUMBO_TAG_P:
  case GUMBO_TAG_PRE:
  case GUMBO_TAG_UL:
    return k_special | k_closes_p | k_breakout;
  case GUMBO_TAG_HR:
    return k_void | k_special | k_closes_p | k_breakout;
  case GUMBO_TAG_BR:
  case GUMBO_TAG_EMBED:
  case GUMBO_TAG_IMG:
    return k_void | k_special | k_breakout | k_reconstructs;
  case GUMBO_TAG_META:
    return k_void | k_special | k_breakout;
  case GUMBO_TAG_AREA:
  case GUMBO_TAG_INPUT:
  case GUMBO_TAG_KEYGEN:
  case GUMBO_TAG_WBR:
    return k_void | k_special | k_reconstructs;
  case GUMBO_TAG_BASE:
  case GUMBO_TAG_BASEFONT:
  case GUMBO_TAG_BGSOUND:
  case GUMBO_TAG_FRAME:
  case GUMBO_TAG_LINK:
  case GUMBO_TAG_PARAM:
  case GUMBO_TAG_SOURCE:
  case GUMBO_TAG_TRACK:
    return k_void | k_special;
  case GUMBO_TAG_IMAGE:
    return k_void;
  case GUMBO_TAG_COL:
    return k_void | k_special | k_table_part;
  case GUMBO_TAG_APPLET:
  case GUMBO_TAG_MARQUEE:
  case GUMBO_TAG_OBJECT:
    return k_special | k_scope | k_marker | k_reconstructs;
  case GUMBO_TAG_TEMPLATE:
    return k_special | k_scope | k_marker;
  case GUMBO_TAG_CAPTION:
  case GUMBO_TAG_TD:
  case GUMBO_TAG_TH:
    return k_special | k_scope | k_marker | k_table_part;
  case GUMBO_TAG_COLGROUP:
  case GUMBO_TAG_TBODY:
  case GUMBO_TAG_TFOOT:
  case GUMBO_TAG_THEAD:
  case GUMBO_TAG_TR:
    return k_special | k_table_part;
  case GUMBO_TAG_TABLE:
    return k_special | k_scope | k_breakout;
  case GUMBO_TAG_HTML:
    return k_special | k_scope | k_ignored;
  case GUMBO_TAG_BODY:
  case GUMBO_TAG_HEAD:
    return k_special | k_breakout | k_ignored;
  case GUMBO_TAG_IFRAME:
  case GUMBO_TAG_NOEMBED:
  case GUMBO_TAG_NOFRAMES:
  case GUMBO_TAG_SCRIPT:
  case GUMBO_TAG_STYLE:
  case GUMBO_TAG_TEXTAREA:
    return k_raw_text | k_special;
  case GUMBO_TAG_XMP:
    return k_raw_text | k_special | k_closes_p;
  case GUMBO_TAG_TITLE:
    return k_raw_text | k_special | k_scope | k_integration;
  case GUMBO_TAG_FRAMESET:
    return k_special;
  case GUMBO_TAG_BUTTON:
  case GUMBO_TAG_SELECT:
    return k_special | k_reconstructs;
  case GUMBO_TAG_NOSCRIPT:
    return k_special;
  case GUMBO_TAG_RUBY:
  case GUMBO_TAG_SPAN:
  case GUMBO_TAG_SUB:
  case GUMBO_TAG_SUP:
  case GUMBO_TAG_VAR:
    return k_breakout;
  case GUMBO_TAG_SVG:
  case GUMBO_TAG_MATH:
    return k_foreign_root;
  case GUMBO_TAG_FOREIGNOBJECT:
  case GUMBO_TAG_DESC:
  case GUMBO_TAG_MI:
  case GUMBO_TAG_MO:
  case GUMBO_TAG_MN:
  case GUMBO_TAG_MS:
  case GUMBO_TAG_MTEXT:
  case GUMBO_TAG_ANNOTATION_XML:
    return k_integration | k_special | k_scope;
  default:
    return 0;
  }
}

std::uint16_t flags_of(GumboTag tag) noexcept {
  switch (tag) {
  case GUMBO_TAG_ADDRESS:
  case GUMBO_TAG_ARTICLE:
  case GUMBO_TAG_ASIDE:
  case GUMBO_TAG_DETAILS:
  case GUMBO_TAG_DIR:
  case GUMBO_TAG_FIELDSET:
  case GUMBO_TAG_FIGCAPTION:
  case GUMBO_TAG_FIGURE:
  case GUMBO_TAG_FOOTER:
  case GUMBO_TAG_HEADER:
  case GUMBO_TAG_HGROUP:
  case GUMBO_TAG_MAIN:
  case GUMBO_TAG_NAV:
  case GUMBO_TAG_SECTION:
  case GUMBO_TAG_SUMMARY:
  case GUMBO_TAG_BLOCKQUOTE:
  case GUMBO_TAG_CENTER:
  case GUMBO_TAG_DD:
  case GUMBO_TAG_DIV:
  case GUMBO_TAG_DL:
  case GUMBO_TAG_DT:
  case GUMBO_TAG_H1:
  case GUMBO_TAG_H2:
  case GUMBO_TAG_H3:
  case GUMBO_TAG_H4:
  case GUMBO_TAG_H5:
  case GUMBO_TAG_H6:
  case GUMBO_TAG_LI:
  case GUMBO_TAG_LISTING:
  case GUMBO_TAG_MENU:
  case GUMBO_TAG_OL:
  case GUMBO_TAG_P:
  case GUMBO_TAG_PRE:
  case GUMBO_TAG_UL:
  case GUMBO_TAG_APPLET:
  case GUMBO_TAG_MARQUEE:
  case GUMBO_TAG_OBJECT:
  case GUMBO_TAG_TEMPLATE:
  case GUMBO_TAG_BUTTON:
    return base_flags(tag) | k_scoped_end;
  default:
    return base_flags(tag);
  }
}

using TagId = GumboTag;

constexpr bool is_heading(TagId id) noexcept {
  return id == GUMBO_TAG_H1 || id == GUMBO_TAG_H2 || id == GUMBO_TAG_H3 || id == GUMBO_TAG_H4 ||
         id == GUMBO_TAG_H5 || id == GUMBO_TAG_H6;
}
constexpr bool is_cell(TagId id) noexcept {
  return id == GUMBO_TAG_TD || id == GUMBO_TAG_TH;
}
constexpr bool is_table_section(TagId id) noexcept {
  return id == GUMBO_TAG_TBODY || id == GUMBO_TAG_THEAD || id == GUMBO_TAG_TFOOT;
}
constexpr bool is_ruby_part(TagId id) noexcept {
  return id == GUMBO_TAG_RB || id == GUMBO_TAG_RP || id == GUMBO_TAG_RT || id == GUMBO_TAG_RTC;
}

TagId classify(std::string_view name) noexcept {
  return gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size()));
}

// --- A minimal HTML tokenizer (WHATWG HTML §13.2.5), just enough to find tags.

constexpr bool is_html_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

constexpr bool is_ascii_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

struct Tag {
  std::string_view name;  // as written
  std::string_view attrs; // everything between the name and the closing '>'
  std::size_t end = 0;    // just past the closing '>'
  bool is_self_closing = false;
};

// Reads a start or end tag whose name starts at `at`. std::nullopt when the input ends inside
// the tag: the HTML tokenizer then drops the tag, and so does everything after it.
std::optional<Tag> read_tag(std::string_view html, std::size_t at) {
  const std::size_t n = html.size();
  std::size_t i = at;
  while (i < n && !is_html_space(html[i]) && html[i] != '/' && html[i] != '>') {
    ++i;
  }
  Tag tag;
  tag.name = html.substr(at, i - at);
  const std::size_t attrs_begin = i;
  enum class State { before_name, name, after_name, before_value, unquoted };
  State state = State::before_name;
  while (i < n) {
    const char c = html[i];
    if (c == '>' && state != State::unquoted) {
      tag.attrs = html.substr(attrs_begin, i - attrs_begin);
      tag.end = i + 1;
      return tag;
    }
    switch (state) {
    case State::before_name:
      if (c == '/' && i + 1 < n && html[i + 1] == '>') {
        tag.attrs = html.substr(attrs_begin, i - attrs_begin);
        tag.end = i + 2;
        tag.is_self_closing = true;
        return tag;
      }
      if (!is_html_space(c) && c != '/') {
        state = State::name;
      }
      ++i;
      break;
    case State::name:
      if (is_html_space(c)) {
        state = State::after_name;
      } else if (c == '/') {
        state = State::before_name;
        continue;
      } else if (c == '=') {
        state = State::before_value;
      }
      ++i;
      break;
    case State::after_name:
      if (c == '=') {
        state = State::before_value;
        ++i;
      } else if (is_html_space(c)) {
        ++i;
      } else {
        state = State::before_name;
      }
      break;
    case State::before_value:
      if (c == '"' || c == '\'') {
        std::size_t close = html.find(c, i + 1);
        if (close == std::string_view::npos) {
          return std::nullopt;
        }
        i = close + 1;
        state = State::before_name;
      } else if (is_html_space(c)) {
        ++i;
      } else {
        state = State::unquoted;
      }
      break;
    case State::unquoted:
      if (is_html_space(c)) {
        state = State::before_name;
        ++i;
      } else if (c == '>') {
        state = State::before_name;
      } else {
        ++i;
      }
      break;
    }
  }
  return std::nullopt;
}

// `html[at]` is '<' followed by '!' or '?' (or "</" and no letter): skips the comment, bogus
// comment or doctype and returns the position after it.
std::size_t skip_markup_declaration(std::string_view html, std::size_t at) {
  if (html.substr(at, 4) == "<!--") {
    std::size_t body = at + 4;
    if (html.substr(body, 1) == ">") {
      return body + 1;
    }
    if (html.substr(body, 2) == "->") {
      return body + 2;
    }
    for (std::size_t i = html.find("--", body); i != std::string_view::npos;
         i = html.find("--", i + 1)) {
      if (html.substr(i + 2, 1) == ">") {
        return i + 3;
      }
      if (html.substr(i + 2, 2) == "!>") {
        return i + 4;
      }
    }
    return html.size();
  }
  std::size_t close = html.find('>', at + 2);
  return close == std::string_view::npos ? html.size() : close + 1;
}

// Position of the end tag that closes the raw text element `name` whose content starts at
// `from` (the "appropriate end tag" of §13.2.5), or html.size().
std::size_t find_raw_text_end(std::string_view html, std::size_t from, std::string_view name) {
  for (std::size_t i = html.find("</", from); i != std::string_view::npos;
       i = html.find("</", i + 2)) {
    std::size_t after = i + 2 + name.size();
    if (after <= html.size() && util::iequals(html.substr(i + 2, name.size()), name) &&
        (after == html.size() || is_html_space(html[after]) || html[after] == '/' ||
         html[after] == '>')) {
      return i;
    }
  }
  return html.size();
}

// Whether the attributes of a <font> tag include color, face or size, which make it leave
// SVG/MathML content (§13.2.6.5).
bool has_font_breakout_attribute(std::string_view attrs) noexcept {
  std::size_t i = 0;
  const std::size_t n = attrs.size();
  while (i < n) {
    while (i < n && (is_html_space(attrs[i]) || attrs[i] == '/')) {
      ++i;
    }
    const std::size_t name_begin = i;
    ++i; // a name may start with '='
    while (i < n && !is_html_space(attrs[i]) && attrs[i] != '/' && attrs[i] != '=') {
      ++i;
    }
    if (name_begin >= n) {
      break;
    }
    const std::string_view name = attrs.substr(name_begin, std::min(i, n) - name_begin);
    if (util::iequals(name, "color") || util::iequals(name, "face") ||
        util::iequals(name, "size")) {
      return true;
    }
    while (i < n && is_html_space(attrs[i])) {
      ++i;
    }
    if (i < n && attrs[i] == '=') {
      ++i;
      while (i < n && is_html_space(attrs[i])) {
        ++i;
      }
      if (i < n && (attrs[i] == '"' || attrs[i] == '\'')) {
        const std::size_t close = attrs.find(attrs[i], i + 1);
        i = close == std::string_view::npos ? n : close + 1;
      } else {
        while (i < n && !is_html_space(attrs[i])) {
          ++i;
        }
      }
    }
  }
  return false;
}

// --- The model of gumbo's stack of open elements.

struct Open {
  std::string_view name;
  std::string_view attrs;
  TagId id = GUMBO_TAG_LAST;
  bool is_foreign = false;
  bool is_math = false; // a MathML element (else SVG, when is_foreign)
  // A formatting element in gumbo's list of active formatting elements.
  bool is_in_list = false;
  // Closed, but still in that list: gumbo opens a copy again at the next text or inline tag
  // ("reconstruct the active formatting elements"), so it still counts.
  bool is_retained = false;
};

// Whether the children of `e` are HTML again: SVG foreignObject, desc and title; MathML mi, mo,
// mn, ms, mtext and annotation-xml. An <mi> inside SVG is just an SVG element.
bool is_integration_point(const Open& e) noexcept {
  if (!e.is_foreign || !(flags_of(e.id) & k_integration)) {
    return false;
  }
  const bool is_svg_point =
      e.id == GUMBO_TAG_FOREIGNOBJECT || e.id == GUMBO_TAG_DESC || e.id == GUMBO_TAG_TITLE;
  return e.is_math != is_svg_point;
}

// The flags of an open element. <desc>, <mi>, ... are special and bound scopes only as
// integration points.
std::uint16_t entry_flags(const Open& e) noexcept {
  std::uint16_t f = flags_of(e.id);
  if ((f & k_integration) && !is_integration_point(e)) {
    f &= static_cast<std::uint16_t>(~(k_special | k_scope | k_integration));
  }
  return f;
}

// Follows the HTML tree construction rules (WHATWG HTML §13.2.6.4.7, "in body", plus the
// table and foreign content rules that matter for nesting) far enough to know how deep gumbo's
// stack of open elements gets. m_stack holds the open elements and, marked is_retained, the
// closed formatting elements gumbo will open again.
class DepthModel {
public:
  enum class Verdict { keep, drop };

  [[nodiscard]] bool is_foreign_context() const noexcept {
    const Open* top = current();
    return top != nullptr && top->is_foreign && !is_integration_point(*top);
  }

  // Whether start tag `tag` opens an SVG/MathML element here.
  [[nodiscard]] bool opens_foreign(const Tag& tag, TagId id) const noexcept {
    const std::uint16_t f = flags_of(id);
    if (f & k_foreign_root) {
      return true;
    }
    if (!is_foreign_context()) {
      return false;
    }
    if (id == GUMBO_TAG_FONT) {
      return !has_font_breakout_attribute(tag.attrs);
    }
    return !(f & k_breakout);
  }

  [[nodiscard]] bool is_frameset_mode() const noexcept { return m_is_frameset_mode; }

  // Text between two tags.
  void text() {
    if (!is_foreign_context()) {
      reconstruct();
    }
  }

  Verdict start_tag(const Tag& tag, TagId id, bool is_foreign) {
    const std::uint16_t f = flags_of(id);
    if (m_is_frameset_mode) {
      return (f & k_void) ? Verdict::keep : push(tag, id, is_foreign);
    }
    if (is_foreign) {
      if (tag.is_self_closing) {
        return Verdict::keep;
      }
    } else {
      // An HTML element inside SVG/MathML content closes that first.
      while (is_foreign_context()) {
        pop_to(index_of(*current()));
      }
      if ((f & k_ignored) || ((f & k_table_part) && m_tables == 0)) {
        return Verdict::keep;
      }
      if (id == GUMBO_TAG_FORM && has_open(GUMBO_TAG_FORM) && !has_open(GUMBO_TAG_TEMPLATE)) {
        return Verdict::keep; // a form inside a form is ignored
      }
      close_implied_by(id);
      if (!(f & k_special) || (f & k_reconstructs)) {
        reconstruct();
      }
      if (f & k_void) {
        return Verdict::keep;
      }
    }
    if (f & k_formatting) {
      noahs_ark(tag, id);
    }
    if (id == GUMBO_TAG_FRAMESET && !is_foreign) {
      // In frameset mode gumbo ignores everything but <frameset>, <frame> and </frameset>, and
      // whether it gets there depends on state the model does not follow ("frameset-ok").
      // Feeds never contain framesets: from here on every element counts and stays open.
      m_is_frameset_mode = true;
    }
    return push(tag, id, is_foreign);
  }

  Verdict end_tag(const Tag& tag, TagId id) {
    if (m_dropped > 0) {
      // The innermost open elements are the dropped ones; whatever this closes, it is the
      // deepest of them as far as the model can tell.
      --m_dropped;
      return Verdict::drop;
    }
    if (m_is_frameset_mode) {
      if (id == GUMBO_TAG_FRAMESET) {
        for (std::size_t j = m_stack.size(); j-- > 0;) {
          if (m_stack[j].id == GUMBO_TAG_FRAMESET && !m_stack[j].is_retained) {
            remove_at(j);
            break;
          }
        }
      }
      return Verdict::keep;
    }
    // In SVG/MathML an end tag closes the nearest foreign element of that name.
    for (std::size_t j = m_stack.size(); j-- > 0;) {
      const Open& e = m_stack[j];
      if (e.is_retained) {
        continue;
      }
      if (!e.is_foreign) {
        break;
      }
      if (util::iequals(e.name, tag.name)) {
        pop_to(j);
        return Verdict::keep;
      }
    }
    const std::uint16_t f = flags_of(id);
    if (f & k_formatting) {
      formatting_end_tag(id);
    } else if (id == GUMBO_TAG_FORM) {
      // </form> takes out that one element and leaves the elements opened inside it open.
      if (auto j = find_in_scope([id](const Open& e) { return e.id == id; })) {
        remove_at(*j);
      }
    } else if ((f & k_table_part) || id == GUMBO_TAG_TABLE) {
      if (m_tables > 0) {
        // Table scope: only html, table and template bound it.
        for (std::size_t j = m_stack.size(); j-- > 0;) {
          const Open& e = m_stack[j];
          if (e.is_retained || e.is_foreign) {
            continue;
          }
          if (e.id == id) {
            pop_to(j);
            break;
          }
          if (e.id == GUMBO_TAG_TABLE || e.id == GUMBO_TAG_HTML || e.id == GUMBO_TAG_TEMPLATE) {
            break;
          }
        }
      }
    } else if (f & k_scoped_end) {
      auto matches = [id](const Open& e) {
        return e.id == id || (is_heading(id) && is_heading(e.id));
      };
      const TagId stop1 = id == GUMBO_TAG_LI
                              ? GUMBO_TAG_OL
                              : (id == GUMBO_TAG_P ? GUMBO_TAG_BUTTON : GUMBO_TAG_LAST);
      const TagId stop2 = id == GUMBO_TAG_LI ? GUMBO_TAG_UL : GUMBO_TAG_LAST;
      if (auto j = find_in_scope(matches, stop1, stop2)) {
        pop_to(*j);
      }
    } else {
      any_other_end_tag(id);
    }
    return Verdict::keep;
  }

private:
  Verdict push(const Tag& tag, TagId id, bool is_foreign) {
    if (m_stack.size() >= k_max_depth) {
      ++m_dropped;
      return Verdict::drop;
    }
    Open e{tag.name, tag.attrs, id, is_foreign, false, false, false};
    if (is_foreign) {
      const Open* parent = current();
      e.is_math = id == GUMBO_TAG_MATH || (id != GUMBO_TAG_SVG && parent != nullptr &&
                                           parent->is_foreign && parent->is_math);
    }
    e.is_in_list = (flags_of(id) & k_formatting) && !is_foreign;
    m_stack.push_back(e);
    if (opens_table_context(id) && !is_foreign) {
      ++m_tables;
    }
    return Verdict::keep;
  }

  [[nodiscard]] const Open* current() const noexcept {
    for (std::size_t j = m_stack.size(); j-- > 0;) {
      if (!m_stack[j].is_retained) {
        return &m_stack[j];
      }
    }
    return nullptr;
  }

  [[nodiscard]] std::size_t index_of(const Open& e) const noexcept {
    return static_cast<std::size_t>(&e - m_stack.data());
  }

  [[nodiscard]] bool has_open(TagId id) const noexcept {
    return std::any_of(m_stack.begin(), m_stack.end(), [id](const Open& e) {
      return e.id == id && !e.is_foreign && !e.is_retained;
    });
  }

  // Tables and templates on the stack: table parts outside both are ignored.
  static bool opens_table_context(TagId id) noexcept {
    return id == GUMBO_TAG_TABLE || id == GUMBO_TAG_TEMPLATE;
  }

  // Nearest open HTML element (top down) satisfying `matches` before any scope boundary or one
  // of the extra stop tags.
  template <typename Matches>
  std::optional<std::size_t> find_in_scope(Matches matches, TagId stop1 = GUMBO_TAG_LAST,
                                           TagId stop2 = GUMBO_TAG_LAST) const {
    for (std::size_t j = m_stack.size(); j-- > 0;) {
      const Open& e = m_stack[j];
      if (e.is_retained) {
        continue;
      }
      if (!e.is_foreign && matches(e)) {
        return j;
      }
      if ((entry_flags(e) & k_scope) || (!e.is_foreign && (e.id == stop1 || e.id == stop2))) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  // "Any other end tag": the nearest element with that tag, unless a special one is nearer.
  void any_other_end_tag(TagId id) {
    for (std::size_t j = m_stack.size(); j-- > 0;) {
      const Open& e = m_stack[j];
      if (e.is_retained) {
        continue;
      }
      if (!e.is_foreign && e.id == id) {
        pop_to(j);
        return;
      }
      if (entry_flags(e) & k_special) {
        return;
      }
    }
  }

  // The end tag of a formatting element: the adoption agency algorithm's outer checks.
  void formatting_end_tag(TagId id) {
    if (const Open* top = current();
        top != nullptr && top->id == id && !top->is_foreign && !top->is_in_list) {
      pop_to(index_of(*top)); // step 1: a current node the Noah's Ark clause took off the list
      return;
    }
    for (std::size_t j = m_stack.size(); j-- > 0;) {
      const Open& e = m_stack[j];
      if (!e.is_retained && (entry_flags(e) & k_marker)) {
        break;
      }
      if (e.id == id && e.is_in_list) {
        if (e.is_retained) {
          remove_at(j); // in the list but closed: just leaves the list
        } else if (find_in_scope([&e](const Open& o) { return &o == &e; })) {
          adopt(j);
        }
        return;
      }
    }
    any_other_end_tag(id);
  }

  // The start tag `id` closes some open elements first.
  void close_implied_by(TagId id) {
    const std::uint16_t f = flags_of(id);
    if (f & k_closes_p) {
      if (auto j =
              find_in_scope([](const Open& e) { return e.id == GUMBO_TAG_P; }, GUMBO_TAG_BUTTON)) {
        pop_to(*j);
      }
    }
    if (id == GUMBO_TAG_LI || id == GUMBO_TAG_DD || id == GUMBO_TAG_DT) {
      for (std::size_t j = m_stack.size(); j-- > 0;) {
        const Open& e = m_stack[j];
        if (e.is_retained) {
          continue;
        }
        if (!e.is_foreign &&
            ((id == GUMBO_TAG_LI && e.id == GUMBO_TAG_LI) ||
             (id != GUMBO_TAG_LI && (e.id == GUMBO_TAG_DD || e.id == GUMBO_TAG_DT)))) {
          pop_to(j);
          break;
        }
        if ((entry_flags(e) & k_special) && e.id != GUMBO_TAG_ADDRESS && e.id != GUMBO_TAG_DIV &&
            e.id != GUMBO_TAG_P) {
          break;
        }
      }
    } else if (is_heading(id)) {
      const Open* top = current();
      if (top != nullptr && !top->is_foreign && is_heading(top->id)) {
        pop_to(index_of(*top));
      }
    } else if (id == GUMBO_TAG_BUTTON) {
      if (auto j = find_in_scope([](const Open& e) { return e.id == GUMBO_TAG_BUTTON; })) {
        pop_to(*j);
      }
    } else if (id == GUMBO_TAG_A) {
      for (std::size_t j = m_stack.size(); j-- > 0;) {
        const Open& e = m_stack[j];
        if (!e.is_retained && (entry_flags(e) & k_marker)) {
          break;
        }
        if (e.id == GUMBO_TAG_A && e.is_in_list) {
          if (e.is_retained) {
            remove_at(j);
          } else {
            adopt(j);
          }
          break;
        }
      }
    } else if (id == GUMBO_TAG_NOBR) {
      reconstruct();
      if (auto j = find_in_scope([](const Open& e) { return e.id == GUMBO_TAG_NOBR; })) {
        adopt(*j);
      }
    } else if (id == GUMBO_TAG_OPTION || id == GUMBO_TAG_OPTGROUP) {
      const Open* top = current();
      if (top != nullptr && !top->is_foreign && top->id == GUMBO_TAG_OPTION) {
        pop_to(index_of(*top));
      }
    } else if (is_ruby_part(id)) {
      if (find_in_scope([](const Open& e) { return e.id == GUMBO_TAG_RUBY; })) {
        for (const Open* top = current();
             top != nullptr && !top->is_foreign && is_ruby_part(top->id); top = current()) {
          pop_to(index_of(*top));
        }
      }
    } else if (m_tables > 0 && ((f & k_table_part) || id == GUMBO_TAG_TABLE)) {
      close_for_table_part(id);
    }
  }

  // "Clear the stack back to a table (body / row) context", closing an open cell first.
  void close_for_table_part(TagId id) {
    for (std::size_t j = m_stack.size(); j-- > 0;) {
      const Open& o = m_stack[j];
      if (o.is_retained || o.is_foreign) {
        continue;
      }
      const TagId e = o.id;
      if (id == GUMBO_TAG_TABLE) {
        if (is_cell(e) || e == GUMBO_TAG_CAPTION || e == GUMBO_TAG_TEMPLATE) {
          return; // a table inside a cell or template nests
        }
        if (e == GUMBO_TAG_TABLE) {
          pop_to(j);
          return;
        }
        continue;
      }
      if (e == GUMBO_TAG_TABLE || e == GUMBO_TAG_TEMPLATE || e == GUMBO_TAG_HTML) {
        pop_above(j);
        return;
      }
      if (id == GUMBO_TAG_TR) {
        if (e == GUMBO_TAG_TR) {
          pop_to(j);
          return;
        }
        if (is_table_section(e)) {
          pop_above(j);
          return;
        }
      } else if (is_cell(id)) {
        if (is_cell(e)) {
          pop_to(j);
          return;
        }
        if (e == GUMBO_TAG_TR || is_table_section(e)) {
          pop_above(j);
          return;
        }
      }
    }
  }

  // Index of the last open marker (td, th, caption, object, ...), or npos.
  [[nodiscard]] std::size_t last_marker() const noexcept {
    for (std::size_t j = m_stack.size(); j-- > 0;) {
      if (!m_stack[j].is_retained && (entry_flags(m_stack[j]) & k_marker)) {
        return j;
      }
    }
    return std::string_view::npos;
  }

  // "Reconstruct the active formatting elements": the closed ones after the last marker are
  // opened again, on top of the current node.
  void reconstruct() {
    if (m_retained == 0) {
      return;
    }
    const std::size_t marker = last_marker();
    const std::size_t from = marker == std::string_view::npos ? 0 : marker + 1;
    std::vector<Open> reopened;
    std::size_t out = from;
    for (std::size_t j = from; j < m_stack.size(); ++j) {
      if (m_stack[j].is_retained) {
        reopened.push_back(m_stack[j]);
        reopened.back().is_retained = false;
        --m_retained;
      } else {
        m_stack[out++] = m_stack[j];
      }
    }
    m_stack.resize(out);
    m_stack.insert(m_stack.end(), reopened.begin(), reopened.end());
  }

  // Noah's Ark clause: at most three entries with the same tag and attributes after the last
  // marker. The oldest leaves the list; if it was closed already, it is gone.
  void noahs_ark(const Tag& tag, TagId id) {
    std::size_t count = 0;
    std::size_t earliest = 0;
    for (std::size_t j = m_stack.size(); j-- > 0;) {
      const Open& e = m_stack[j];
      if (!e.is_retained && (entry_flags(e) & k_marker)) {
        break;
      }
      if (e.is_in_list && e.id == id && e.attrs == tag.attrs) {
        ++count;
        earliest = j;
      }
    }
    if (count >= 3) {
      if (m_stack[earliest].is_retained) {
        remove_at(earliest);
      } else {
        m_stack[earliest].is_in_list = false;
      }
    }
  }

  // The adoption agency algorithm (§13.2.6.4.7) for the open formatting element m_stack[j], as
  // far as the shape of the stack goes. Without a special element above it, it and everything
  // above it are popped; otherwise the elements between it and that "furthest block" leave the
  // stack except formatting ones, and a copy of it is opened right inside the furthest block.
  void adopt(std::size_t j) {
    std::size_t block = j + 1;
    while (block < m_stack.size() &&
           (m_stack[block].is_retained || !(entry_flags(m_stack[block]) & k_special))) {
      ++block;
    }
    if (block == m_stack.size()) {
      remove_at(j);
      if (j < m_stack.size()) {
        pop_to(j);
      }
      return;
    }
    Open copy = m_stack[j];
    std::size_t out = j;
    for (std::size_t k = j + 1; k < block; ++k) {
      const Open& e = m_stack[k];
      if (e.is_retained || (e.is_in_list && !e.is_foreign)) {
        m_stack[out++] = e;
      } else if (opens_table_context(e.id) && !e.is_foreign) {
        --m_tables;
      }
    }
    m_stack.erase(m_stack.begin() + static_cast<std::ptrdiff_t>(out),
                  m_stack.begin() + static_cast<std::ptrdiff_t>(block));
    m_stack.insert(m_stack.begin() + static_cast<std::ptrdiff_t>(out) + 1, copy);
  }

  void remove_at(std::size_t j) {
    const Open& e = m_stack[j];
    if (e.is_retained) {
      --m_retained;
    } else if (opens_table_context(e.id) && !e.is_foreign) {
      --m_tables;
    }
    m_stack.erase(m_stack.begin() + static_cast<std::ptrdiff_t>(j));
  }

  // Pops everything above m_stack[j].
  void pop_above(std::size_t j) {
    if (j + 1 < m_stack.size()) {
      pop_to(j + 1);
    }
  }

  // Pops m_stack[j] and everything above it. Formatting elements still in the list stay
  // counted (retained) unless a marker below them is popped too, which clears them from the
  // list.
  void pop_to(std::size_t j) {
    std::size_t out = j;
    bool past_marker = false;
    for (std::size_t k = j; k < m_stack.size(); ++k) {
      Open e = m_stack[k];
      const std::uint16_t f = entry_flags(e);
      if (!e.is_retained && (f & k_marker)) {
        past_marker = true;
      }
      if (!e.is_retained && opens_table_context(e.id) && !e.is_foreign) {
        --m_tables;
      }
      if (e.is_in_list && !past_marker) {
        if (!e.is_retained) {
          e.is_retained = true;
          ++m_retained;
        }
        m_stack[out++] = e;
      } else if (e.is_retained) {
        --m_retained;
      }
    }
    m_stack.resize(out);
  }

  std::vector<Open> m_stack;
  std::size_t m_tables = 0;   // open tables and templates
  std::size_t m_retained = 0; // entries with is_retained
  std::size_t m_dropped = 0;
  bool m_is_frameset_mode = false;
};

// Whether `id` names an HTML element with no meaning in SVG or MathML content.
bool is_html_only(TagId id) noexcept {
  switch (id) {
  case GUMBO_TAG_UNKNOWN:
  case GUMBO_TAG_SVG:
  case GUMBO_TAG_MATH:
  case GUMBO_TAG_MI:
  case GUMBO_TAG_MO:
  case GUMBO_TAG_MN:
  case GUMBO_TAG_MS:
  case GUMBO_TAG_MTEXT:
  case GUMBO_TAG_MGLYPH:
  case GUMBO_TAG_MALIGNMARK:
  case GUMBO_TAG_ANNOTATION_XML:
  case GUMBO_TAG_FOREIGNOBJECT:
  case GUMBO_TAG_DESC:
  case GUMBO_TAG_TITLE:
  case GUMBO_TAG_A:
  case GUMBO_TAG_STYLE:
  case GUMBO_TAG_SCRIPT:
  case GUMBO_TAG_FONT:
  case GUMBO_TAG_IMAGE:
    return false;
  default:
    return true;
  }
}

// Returns `html` without the tags that would nest deeper than k_max_depth, and without SVG or
// MathML elements that carry HTML-only names; std::nullopt when there are none. Dropped tags of
// block elements become a space. Linear in the input (each tag costs at most O(k_max_depth)).
std::optional<std::string> limit_depth(std::string_view html) {
  DepthModel model;
  std::string out;
  std::size_t copied = 0;
  bool has_drops = false;
  auto drop = [&](std::size_t begin, std::size_t end, TagId id) {
    if (!has_drops) {
      out.reserve(html.size());
      has_drops = true;
    }
    out.append(html.substr(copied, begin - copied));
    // Keeps the words of dropped blocks apart. Not <br>: gumbo spends ~10 us on each at this
    // depth, and in SVG/MathML it would end the foreign content.
    if (flags_of(id) & k_special) {
      out.push_back(' ');
    }
    copied = end;
  };
  const std::size_t n = html.size();
  std::size_t i = 0;
  std::size_t last_end = 0; // end of the last tag, comment, ...
  while ((i = html.find('<', i)) != std::string_view::npos && i + 1 < n) {
    const char next = html[i + 1];
    if (i > last_end && (is_ascii_alpha(next) || next == '/')) {
      model.text();
    }
    if (is_ascii_alpha(next)) {
      const std::size_t tag_begin = i;
      auto tag = read_tag(html, i + 1);
      if (!tag) {
        break;
      }
      const TagId id = classify(tag->name);
      const bool is_foreign = model.opens_foreign(*tag, id);
      i = tag->end;
      if (!is_foreign && id == GUMBO_TAG_PLAINTEXT && !model.is_frameset_mode()) {
        break; // the rest is text
      }
      if (!is_foreign && (flags_of(id) & k_raw_text) &&
          (!model.is_frameset_mode() || id == GUMBO_TAG_NOFRAMES)) {
        // Script, style, title, ...: the content is text and the element is closed again by
        // the end tag found here, so the model need not see either (nor may drop them).
        std::size_t end = find_raw_text_end(html, i, tag->name);
        auto end_tag = end < n ? read_tag(html, end + 2) : std::nullopt;
        if (!end_tag) {
          break;
        }
        i = end_tag->end;
      } else if (is_foreign && is_html_only(id)) {
        // gumbo 0.10.1 checks some tags without their namespace: an SVG element named <th>
        // inside a table caption aborts it (Debian builds it with assertions), so such
        // elements, which mean nothing in SVG or MathML, never reach it.
        drop(tag_begin, tag->end, GUMBO_TAG_UNKNOWN);
      } else if (model.start_tag(*tag, id, is_foreign) == DepthModel::Verdict::drop) {
        drop(tag_begin, tag->end, id);
      }
      last_end = i;
    } else if (next == '/' && i + 2 < n && is_ascii_alpha(html[i + 2])) {
      auto tag = read_tag(html, i + 2);
      if (!tag) {
        break;
      }
      const TagId id = classify(tag->name);
      if (model.end_tag(*tag, id) == DepthModel::Verdict::drop) {
        drop(i, tag->end, id);
      }
      i = last_end = tag->end;
    } else if (next == '!' || next == '?' || next == '/') {
      i = last_end = skip_markup_declaration(html, i);
    } else {
      ++i;
    }
  }
  if (!has_drops) {
    return std::nullopt;
  }
  out.append(html.substr(copied));
  return out;
}

// Text output.

enum class Layout { paragraphs, one_line };

// Bytes TextBuilder::append must look at one by one: ASCII white space and controls, and the lead
// bytes of the Unicode spaces util::unicode_space_len() knows (U+0085/U+00A0, U+1680,
// U+2000..U+205F, U+3000).
constexpr std::array<bool, 256> k_needs_look = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c <= 0x20; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  t[0xC2] = t[0xE1] = t[0xE2] = t[0xE3] = true;
  return t;
}();

// Bytes of the 16 at `p` that k_needs_look holds, as a mask.
std::uint32_t needs_look16(const char* p) noexcept {
  const util::ByteBlock b(p);
  return b.below(0x21) | b.eq(0xC2) | b.eq(0xE1) | b.eq(0xE2) | b.eq(0xE3);
}

// End of the run of TextBuilder::append that starts at `start` with a byte that needs no look:
// the run goes on over such bytes and over single ASCII spaces between two of them.
std::size_t plain_run_end(std::string_view text, std::size_t start) noexcept {
  const std::size_t n = text.size();
  // A space stops the run only when the byte after it needs a look too (the 16 bytes from p + 1).
  std::size_t p = util::skip_unmarked(
      text, start,
      [](const char* q) {
        const std::uint32_t joining_spaces = util::ByteBlock(q).eq(' ') & ~needs_look16(q + 1);
        return needs_look16(q) & ~joining_spaces;
      },
      1);
  for (; p < n; ++p) {
    const auto b = static_cast<unsigned char>(text[p]);
    if (k_needs_look[b] &&
        (b != ' ' || p + 1 == n || k_needs_look[static_cast<unsigned char>(text[p + 1])])) {
      break;
    }
  }
  return p;
}

// Collects text, turning white space and breaks into at most one separator between two pieces
// of text: a space, "\n" or "\n\n". Nothing is written before the first or after the last
// piece.
class TextBuilder {
public:
  TextBuilder(Layout layout, std::size_t size_hint) : m_layout(layout) { m_out.reserve(size_hint); }

  void append(std::string_view text, bool keeps_newlines) {
    for (std::size_t i = 0; i < text.size();) {
      // Runs of ordinary characters go in whole; only white space, NUL and the lead bytes of
      // Unicode spaces need a closer look. Most text is such runs.
      if (!k_needs_look[static_cast<unsigned char>(text[i])]) {
        const std::size_t run = plain_run_end(text, i);
        flush();
        m_out.append(text.data() + i, run - i);
        i = run;
        continue;
      }
      const char c = text[i];
      if (c == '\n' && keeps_newlines) {
        line_break();
        ++i;
      } else if (util::is_space(c)) {
        m_pending_space = true;
        ++i;
      } else if (std::size_t len = util::unicode_space_len(text, i); len != 0) {
        m_pending_space = true;
        i += len;
      } else if (c == '\0') {
        ++i; // gumbo drops NUL in body text; the fast path does the same
      } else {
        flush();
        m_out.push_back(c);
        ++i;
      }
    }
  }

  void space() noexcept { m_pending_space = true; }
  void line_break() noexcept { m_pending_breaks = std::min(m_pending_breaks + 1, 2); }
  void block_break(int breaks) noexcept { m_pending_breaks = std::max(m_pending_breaks, breaks); }

  [[nodiscard]] std::string take() && { return std::move(m_out); }

private:
  void flush() {
    if (!m_out.empty()) {
      if (m_pending_breaks > 0) {
        if (m_layout == Layout::one_line) {
          m_out.push_back(' ');
        } else {
          m_out.append(static_cast<std::size_t>(m_pending_breaks), '\n');
        }
      } else if (m_pending_space) {
        m_out.push_back(' ');
      }
    }
    m_pending_breaks = 0;
    m_pending_space = false;
  }

  Layout m_layout;
  std::string m_out;
  int m_pending_breaks = 0;
  bool m_pending_space = false;
};

// How an element shapes the text around it.
enum class Shape { inline_, hidden, block, line, list, cell, pre };

Shape shape_of(GumboTag tag) noexcept {
  switch (tag) {
  case GUMBO_TAG_HEAD:
  case GUMBO_TAG_TITLE:
  case GUMBO_TAG_SCRIPT:
  case GUMBO_TAG_STYLE:
  case GUMBO_TAG_NOSCRIPT:
  case GUMBO_TAG_TEMPLATE:
  case GUMBO_TAG_IFRAME:
  case GUMBO_TAG_NOEMBED:
  case GUMBO_TAG_NOFRAMES:
  case GUMBO_TAG_DATALIST:
  case GUMBO_TAG_DESC:
  case GUMBO_TAG_PARAM:
    return Shape::hidden;
  case GUMBO_TAG_ADDRESS:
  case GUMBO_TAG_ARTICLE:
  case GUMBO_TAG_ASIDE:
  case GUMBO_TAG_BLOCKQUOTE:
  case GUMBO_TAG_BODY:
  case GUMBO_TAG_CAPTION:
  case GUMBO_TAG_CENTER:
  case GUMBO_TAG_DETAILS:
  case GUMBO_TAG_DIV:
  case GUMBO_TAG_FIELDSET:
  case GUMBO_TAG_FIGCAPTION:
  case GUMBO_TAG_FIGURE:
  case GUMBO_TAG_FOOTER:
  case GUMBO_TAG_FORM:
  case GUMBO_TAG_H1:
  case GUMBO_TAG_H2:
  case GUMBO_TAG_H3:
  case GUMBO_TAG_H4:
  case GUMBO_TAG_H5:
  case GUMBO_TAG_H6:
  case GUMBO_TAG_HEADER:
  case GUMBO_TAG_HGROUP:
  case GUMBO_TAG_HR:
  case GUMBO_TAG_LEGEND:
  case GUMBO_TAG_MAIN:
  case GUMBO_TAG_NAV:
  case GUMBO_TAG_P:
  case GUMBO_TAG_SECTION:
  case GUMBO_TAG_SUMMARY:
  case GUMBO_TAG_TABLE:
  case GUMBO_TAG_FRAMESET:
  case GUMBO_TAG_MENUITEM:
    return Shape::block;
  case GUMBO_TAG_LI:
  case GUMBO_TAG_DT:
  case GUMBO_TAG_DD:
  case GUMBO_TAG_TR:
  case GUMBO_TAG_THEAD:
  case GUMBO_TAG_TBODY:
  case GUMBO_TAG_TFOOT:
  case GUMBO_TAG_OPTION:
  case GUMBO_TAG_OPTGROUP:
    return Shape::line;
  case GUMBO_TAG_UL:
  case GUMBO_TAG_OL:
  case GUMBO_TAG_DL:
  case GUMBO_TAG_MENU:
  case GUMBO_TAG_DIR:
    return Shape::list;
  case GUMBO_TAG_TD:
  case GUMBO_TAG_TH:
    return Shape::cell;
  case GUMBO_TAG_PRE:
  case GUMBO_TAG_LISTING:
  case GUMBO_TAG_XMP:
  case GUMBO_TAG_PLAINTEXT:
  case GUMBO_TAG_TEXTAREA:
    return Shape::pre;
  default:
    return Shape::inline_;
  }
}

const GumboVector* children_of(const GumboNode* node) noexcept {
  switch (node->type) {
  case GUMBO_NODE_DOCUMENT:
    return &node->v.document.children;
  case GUMBO_NODE_ELEMENT:
    return &node->v.element.children;
  default:
    return nullptr;
  }
}

// What elements do to the text, shared by the gumbo tree walk and the fast path so that both
// write exactly the same text: an element opens, its content follows, it closes.
class TextShaper {
public:
  explicit TextShaper(TextBuilder& out) noexcept : m_out(out) {}

  void text(std::string_view t) { m_out.append(t, m_pre_depth > 0); }
  void line_break() noexcept { m_out.line_break(); }

  // Returns the element's shape; the caller skips the content of a hidden one and otherwise
  // calls close() with the same tag and shape when the element ends.
  Shape open(GumboTag tag) noexcept {
    const Shape shape = shape_of(tag);
    switch (shape) {
    case Shape::hidden:
      return shape;
    case Shape::block:
    case Shape::pre:
      m_out.block_break(2);
      break;
    case Shape::line:
      m_out.block_break(1);
      break;
    case Shape::list:
      // A list inside a list item continues it line by line.
      m_out.block_break(m_li_depth > 0 ? 1 : 2);
      break;
    case Shape::cell:
      m_out.space();
      break;
    case Shape::inline_:
      break;
    }
    m_pre_depth += shape == Shape::pre ? 1 : 0;
    m_li_depth += tag == GUMBO_TAG_LI || tag == GUMBO_TAG_DD ? 1 : 0;
    return shape;
  }

  void close(GumboTag tag, Shape shape) noexcept {
    m_pre_depth -= shape == Shape::pre ? 1 : 0;
    m_li_depth -= tag == GUMBO_TAG_LI || tag == GUMBO_TAG_DD ? 1 : 0;
    switch (shape) {
    case Shape::block:
    case Shape::pre:
      m_out.block_break(2);
      break;
    case Shape::line:
      m_out.block_break(1);
      break;
    case Shape::list:
      m_out.block_break(m_li_depth > 0 ? 1 : 2);
      break;
    case Shape::cell:
      m_out.space();
      break;
    case Shape::inline_:
    case Shape::hidden:
      break;
    }
  }

private:
  TextBuilder& m_out;
  int m_pre_depth = 0;
  int m_li_depth = 0;
};

// Walks the tree with an explicit stack (the depth limit keeps it shallow, but the walk must
// not depend on that).
void extract_text(const GumboNode* root, TextBuilder& out) {
  struct Frame {
    const GumboNode* node;
    Shape shape;
    unsigned next_child;
  };
  std::vector<Frame> stack;
  TextShaper shaper(out);

  auto open = [&](const GumboNode* node) {
    switch (node->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
    case GUMBO_NODE_CDATA: {
      // gumbo 0.10.1 can hand back a partial UTF-8 sequence for some malformed markup (parse_fuzz
      // seed regression-gumbo-partial-utf8.xml), and keeps the controls that references name
      // ("&#1;"); the contract is UTF-8 without them whatever the input. Repaired before the
      // builder sees it, so that a control dropped cannot leave a space at either end
      // (html_text_fuzz).
      std::string text = node->v.text.text;
      (void)util::repair_utf8(text);
      shaper.text(text);
      return;
    }
    case GUMBO_NODE_ELEMENT:
      break;
    default: // comments, templates
      return;
    }
    const GumboTag tag = node->v.element.tag;
    if (tag == GUMBO_TAG_BR) {
      shaper.line_break();
      return;
    }
    const Shape shape = shaper.open(tag);
    if (shape != Shape::hidden) {
      stack.push_back(Frame{node, shape, 0});
    }
  };

  if (root->type != GUMBO_NODE_ELEMENT) {
    return;
  }
  open(root);
  while (!stack.empty()) {
    Frame& top = stack.back();
    const GumboVector* children = children_of(top.node);
    if (children == nullptr || top.next_child >= children->length) {
      const Frame done = top;
      stack.pop_back();
      shaper.close(done.node->v.element.tag, done.shape);
      continue;
    }
    const auto* child = static_cast<const GumboNode*>(children->data[top.next_child++]);
    open(child); // may push, invalidating `top`
  }
}

// --- The fast path.
//
// gumbo builds a whole DOM and runs at a few tens of MB/s; feeds are mostly simple, well-nested
// markup whose text a tokenizer reads directly. fast_extract() produces the same TextShaper
// calls as the tree walk for such markup, and gives up (returns false, having written nothing
// that is kept) at the first construct whose tree the HTML parser would rearrange: tables
// (foster parenting), foreign content, forms' selects, templates, framesets, misnested end tags
// (the adoption agency), nested links, document-level tags, malformed comments. render() then
// asks gumbo. tests/unit/normalize/html_text_test.cpp holds both paths to the same output.

bool is_void(GumboTag t) noexcept {
  switch (t) {
  case GUMBO_TAG_AREA:
  case GUMBO_TAG_BASE:
  case GUMBO_TAG_BASEFONT:
  case GUMBO_TAG_BGSOUND:
  case GUMBO_TAG_BR:
  case GUMBO_TAG_COL:
  case GUMBO_TAG_EMBED:
  case GUMBO_TAG_HR:
  case GUMBO_TAG_IMG:
  case GUMBO_TAG_IMAGE:
  case GUMBO_TAG_INPUT:
  case GUMBO_TAG_KEYGEN:
  case GUMBO_TAG_LINK:
  case GUMBO_TAG_META:
  case GUMBO_TAG_PARAM:
  case GUMBO_TAG_SOURCE:
  case GUMBO_TAG_TRACK:
  case GUMBO_TAG_WBR:
    return true;
  default:
    return false;
  }
}

// Elements whose end tag may be left out: the parser closes them when their parent closes.
bool has_optional_end(GumboTag t) noexcept {
  switch (t) {
  case GUMBO_TAG_P:
  case GUMBO_TAG_LI:
  case GUMBO_TAG_DD:
  case GUMBO_TAG_DT:
  case GUMBO_TAG_RB:
  case GUMBO_TAG_RT:
  case GUMBO_TAG_RTC:
  case GUMBO_TAG_RP:
    return true;
  default:
    return false;
  }
}

// Start tags the fast path leaves to gumbo.
bool needs_tree_builder(GumboTag t) noexcept {
  switch (t) {
  case GUMBO_TAG_TABLE:
  case GUMBO_TAG_CAPTION:
  case GUMBO_TAG_COLGROUP:
  case GUMBO_TAG_COL:
  case GUMBO_TAG_TBODY:
  case GUMBO_TAG_THEAD:
  case GUMBO_TAG_TFOOT:
  case GUMBO_TAG_TR:
  case GUMBO_TAG_TD:
  case GUMBO_TAG_TH:
  case GUMBO_TAG_SELECT:
  case GUMBO_TAG_OPTION:
  case GUMBO_TAG_OPTGROUP:
  case GUMBO_TAG_SVG:
  case GUMBO_TAG_MATH:
  case GUMBO_TAG_TEMPLATE:
  case GUMBO_TAG_PLAINTEXT:
  case GUMBO_TAG_TEXTAREA:
  case GUMBO_TAG_XMP:
  case GUMBO_TAG_FRAMESET:
  case GUMBO_TAG_FRAME:
  case GUMBO_TAG_HTML:
  case GUMBO_TAG_HEAD:
  case GUMBO_TAG_BODY:
  case GUMBO_TAG_IMAGE:
  case GUMBO_TAG_ISINDEX:
  case GUMBO_TAG_MENUITEM:
  case GUMBO_TAG_NOBR:
  case GUMBO_TAG_BUTTON:
  case GUMBO_TAG_FORM:
  case GUMBO_TAG_UNKNOWN: // gumbo matches every unknown tag with every other
    return true;
  default:
    return false;
  }
}

// Elements whose content the tokenizer reads as raw text up to their end tag, all hidden.
bool is_hidden_raw_text(GumboTag t) noexcept {
  switch (t) {
  case GUMBO_TAG_SCRIPT:
  case GUMBO_TAG_STYLE:
  case GUMBO_TAG_IFRAME:
  case GUMBO_TAG_NOEMBED:
  case GUMBO_TAG_NOFRAMES:
  case GUMBO_TAG_NOSCRIPT:
  case GUMBO_TAG_TITLE:
    return true;
  default:
    return false;
  }
}

// Start tags the parser takes into the head when they come first (§13.2.6.4.4 "in head").
bool is_head_content(GumboTag t) noexcept {
  switch (t) {
  case GUMBO_TAG_BASE:
  case GUMBO_TAG_BASEFONT:
  case GUMBO_TAG_BGSOUND:
  case GUMBO_TAG_LINK:
  case GUMBO_TAG_META:
  case GUMBO_TAG_TITLE:
  case GUMBO_TAG_NOFRAMES:
  case GUMBO_TAG_STYLE:
  case GUMBO_TAG_SCRIPT:
  case GUMBO_TAG_NOSCRIPT:
    return true;
  default:
    return false;
  }
}

// The "special" category of the HTML parser (§13.2.4.2) that the fast path meets: an <li>
// does not close an <li> above one of these.
bool stops_list_item_search(GumboTag t) noexcept {
  switch (t) {
  case GUMBO_TAG_ADDRESS:
  case GUMBO_TAG_DIV:
  case GUMBO_TAG_P:
    return false;
  default:
    // Not every block: <legend> is no special element ("<dt><legend>p<dt>/" closes the dt), and
    // <foreignObject> or <mi> are special in SVG or MathML only, which the fast path leaves to
    // gumbo (html_text_fuzz).
    return (flags_of(t) & (k_special | k_integration)) == k_special;
  }
}

// A numeric character reference, "&#123;" or "&#x7B", at s[amp]: where it ends (its ';' is not
// part of it) and the code point named, saturated at 0x110000; std::nullopt when no digit follows
// "&#" (then it is no reference).
struct NumericReference {
  std::size_t end = 0;
  std::uint32_t value = 0;
};

std::optional<NumericReference> numeric_reference_at(std::string_view s, std::size_t amp) noexcept {
  constexpr std::uint32_t k_too_large = 0x110000;
  std::size_t i = amp + 2;
  const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
  i += hex ? 1 : 0;
  const std::size_t digits = i;
  std::uint32_t value = 0;
  for (; i < s.size(); ++i) {
    const int d =
        hex ? util::hex_digit_value(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
    if (d < 0) {
      break;
    }
    value = std::min(value * (hex ? 16U : 10U) + static_cast<std::uint32_t>(d), k_too_large);
  }
  if (i == digits) {
    return std::nullopt;
  }
  return NumericReference{i, value};
}

// True when `run` holds a numeric reference that parse::decode_html_entities reads otherwise than
// gumbo plus the util::repair_utf8 of each of its text nodes: a C0 control other than TAB, LF and
// CR (U+FFFD here, dropped there), DEL, the five C1 codes windows-1252 leaves undefined, and
// U+FFFE/U+FFFF (kept or U+FFFD here, dropped there). No feed writes them on purpose; text holding
// one is gumbo's to read (found by tests/fuzz/html_text_fuzz.cpp).
bool has_control_reference(std::string_view run) noexcept {
  for (std::size_t amp = run.find("&#"); amp != std::string_view::npos;
       amp = run.find("&#", amp + 2)) {
    const std::optional<NumericReference> ref = numeric_reference_at(run, amp);
    if (!ref) {
      continue;
    }
    const std::uint32_t v = ref->value;
    const bool is_c0 = v >= 0x01 && v < 0x20 && v != '\t' && v != '\n' && v != '\r';
    if (is_c0 || v == 0x7F || v == 0x81 || v == 0x8D || v == 0x8F || v == 0x90 || v == 0x9D ||
        v == 0xFFFE || v == 0xFFFF) {
      return true;
    }
  }
  return false;
}

bool fast_extract(std::string_view html, TextShaper& shaper) {
  if (html.find('\r') != std::string_view::npos || html.find('\0') != std::string_view::npos) {
    return false; // the tokenizer's newline and NUL rules are gumbo's to apply
  }
  struct OpenTag {
    GumboTag tag;
    Shape shape;
  };
  std::vector<OpenTag> stack;
  // Open elements per tag, so that nothing below scans the stack: nesting may be arbitrarily
  // deep here (100,000 <div>s), and a scan per tag would make that quadratic.
  std::array<std::uint32_t, GUMBO_TAG_LAST + 1> open_count{};
  std::uint32_t open_headings = 0;
  auto push = [&](GumboTag t, Shape shape) {
    stack.push_back(OpenTag{t, shape});
    ++open_count[t];
    open_headings += is_heading(t) ? 1 : 0;
  };
  auto close_top = [&] {
    const OpenTag top = stack.back();
    stack.pop_back();
    --open_count[top.tag];
    open_headings -= is_heading(top.tag) ? 1 : 0;
    shaper.close(top.tag, top.shape);
  };
  auto is_open = [&](GumboTag t) { return open_count[t] > 0; };
  // Until the first text or body element the parser is in the head, where <noscript> holds markup
  // and ends the head at its first text ("<style></style><noscript>no js" shows "no js").
  bool is_in_head = true;
  const std::size_t n = html.size();
  std::size_t i = 0;
  while (i < n) {
    std::size_t lt = util::find_any(html, "<&", i);
    const bool has_reference = lt != std::string_view::npos && html[lt] == '&';
    if (has_reference) {
      lt = html.find('<', lt + 1);
    }
    const std::size_t text_end = lt == std::string_view::npos ? n : lt;
    if (text_end > i) {
      const std::string_view run = html.substr(i, text_end - i);
      if (run.find_first_not_of(" \t\n\f") != std::string_view::npos) {
        is_in_head = false;
      }
      if (has_reference) {
        if (has_control_reference(run)) {
          return false;
        }
        shaper.text(parse::decode_html_entities(run));
      } else {
        shaper.text(run);
      }
    }
    if (lt == std::string_view::npos) {
      break;
    }
    i = lt;
    const char next = i + 1 < n ? html[i + 1] : '\0';
    if (next == '!' || next == '?') {
      if (html.substr(i, 4) == "<!--") {
        // Only the plain form: "<!-->", "<!--->" and "--!>" are the parser's to read.
        const std::size_t close = html.find("-->", i + 4);
        if (close == std::string_view::npos || close == i + 4 || html.substr(i + 4, 1) == ">" ||
            html.substr(i + 4, 2) == "->") {
          return false;
        }
        if (html.substr(i + 4, close - i - 4).find("--!") != std::string_view::npos) {
          return false;
        }
        i = close + 3;
      } else {
        const std::size_t close = html.find('>', i + 2);
        if (close == std::string_view::npos) {
          return false;
        }
        i = close + 1;
      }
      continue;
    }
    const bool is_end = next == '/';
    const std::size_t name_at = i + (is_end ? 2 : 1);
    if (name_at >= n || !is_ascii_alpha(html[name_at])) {
      if (is_end) {
        return false; // "</>" or "</ x": bogus comments
      }
      shaper.text("<"); // a '<' that starts no tag is text
      ++i;
      continue;
    }
    const std::optional<Tag> tag = read_tag(html, name_at);
    if (!tag) {
      return false; // the input ends inside a tag
    }
    const GumboTag id = classify(tag->name);
    i = tag->end;
    if (is_end) {
      if (id == GUMBO_TAG_BR || id == GUMBO_TAG_P) {
        if (id == GUMBO_TAG_BR) {
          shaper.line_break(); // "</br>" is read as <br>
          is_in_head = false;
          continue;
        }
        if (!is_open(GUMBO_TAG_P)) {
          shaper.close(GUMBO_TAG_P, shaper.open(GUMBO_TAG_P)); // "</p>" alone: an empty p
          continue;
        }
      }
      if (!is_open(id)) {
        if (is_heading(id) && open_headings > 0) {
          return false; // "</h2>" closes an open <h1>
        }
        continue; // an end tag that closes nothing is ignored
      }
      if (stack.back().tag != id && shape_of(id) == Shape::inline_) {
        // Only the end tags of blocks, list items and headings close a p or li left open above
        // them. "</b>" over an open <p> is the adoption agency's to restructure, and
        // "</span>" over one is ignored ("<b><p>x</b>y" is "xy"; html_text_fuzz).
        return false;
      }
      while (stack.back().tag != id && has_optional_end(stack.back().tag)) {
        close_top();
      }
      if (stack.back().tag != id) {
        return false; // misnested: the adoption agency's business
      }
      close_top();
      continue;
    }
    if (needs_tree_builder(id)) {
      return false;
    }
    if (is_in_head) {
      if (id == GUMBO_TAG_NOSCRIPT) {
        return false;
      }
      is_in_head = is_head_content(id);
    }
    if (id == GUMBO_TAG_BR) {
      shaper.line_break();
      continue;
    }
    if ((flags_of(id) & k_closes_p) && is_open(GUMBO_TAG_P)) {
      // The start tag closes a <p> in button scope, and the elements left open inside it:
      // "<p>a<li>b" is two paragraphs, not a paragraph and a line (html_text_fuzz). Formatting
      // elements among them would be reopened inside the new element, at the parser's own
      // pace: that is gumbo's to do.
      std::size_t k = stack.size();
      bool has_formatting = false;
      while (k > 0 && stack[k - 1].tag != GUMBO_TAG_P && stack[k - 1].tag != GUMBO_TAG_APPLET &&
             stack[k - 1].tag != GUMBO_TAG_MARQUEE && stack[k - 1].tag != GUMBO_TAG_OBJECT) {
        if (stack.size() - k > k_max_depth) {
          return false;
        }
        has_formatting = has_formatting || (flags_of(stack[k - 1].tag) & k_formatting) != 0;
        --k;
      }
      if (k > 0 && stack[k - 1].tag == GUMBO_TAG_P) {
        if (has_formatting) {
          return false;
        }
        while (stack.size() >= k) {
          close_top();
        }
      }
    }
    if (is_hidden_raw_text(id)) {
      const std::size_t content_end = find_raw_text_end(html, i, tag->name);
      if (content_end == n) {
        return false;
      }
      if (id == GUMBO_TAG_SCRIPT &&
          html.substr(i, content_end - i).find("<!--") != std::string_view::npos) {
        // "<!--" in a script starts its escaped states (§13.2.5.20), where a "<script>" hides
        // the next "</script>": "<script><!--<script></script>x" never ends.
        return false;
      }
      if (id == GUMBO_TAG_NOSCRIPT &&
          html.substr(i, content_end - i).find('<') != std::string_view::npos) {
        // gumbo reads <noscript> as if scripting were off: its content is markup, which may
        // hide the end tag ("<noscript><j</noscript>>" never closes).
        return false;
      }
      const std::optional<Tag> end_tag = read_tag(html, content_end + 2);
      if (!end_tag) {
        return false;
      }
      i = end_tag->end;
      continue;
    }
    if (is_void(id)) {
      shaper.close(id, shaper.open(id));
      continue;
    }
    if (shape_of(id) == Shape::hidden) {
      return false; // <desc>, <datalist>: hidden content that is markup, not raw text
    }
    if ((id == GUMBO_TAG_RB || id == GUMBO_TAG_RP || id == GUMBO_TAG_RT || id == GUMBO_TAG_RTC) &&
        is_open(GUMBO_TAG_RUBY) && has_optional_end(stack.back().tag)) {
      return false; // in a ruby they close the p, li or rt left open ("<ruby><p>a<rp>")
    }
    if (id == GUMBO_TAG_A && is_open(GUMBO_TAG_A)) {
      return false;
    }
    if (id == GUMBO_TAG_LI || id == GUMBO_TAG_DD || id == GUMBO_TAG_DT) {
      // A new item closes the open one of its list, unless a block lies between them. The
      // search is cut short (to gumbo) so that it stays O(k_max_depth).
      for (std::size_t k = stack.size(); k-- > 0;) {
        if (stack.size() - k > k_max_depth) {
          return false;
        }
        const GumboTag t = stack[k].tag;
        const bool same =
            id == GUMBO_TAG_LI ? t == GUMBO_TAG_LI : (t == GUMBO_TAG_DD || t == GUMBO_TAG_DT);
        if (same) {
          while (stack.size() > k) {
            if (stack.size() > k + 1 && !has_optional_end(stack.back().tag)) {
              return false;
            }
            close_top();
          }
          break;
        }
        if (stops_list_item_search(t)) {
          break;
        }
      }
    }
    if (is_heading(id) && !stack.empty() && is_heading(stack.back().tag)) {
      close_top(); // a heading cannot hold another: the parser closes the open one
    }
    const Shape shape = shaper.open(id);
    push(id, shape);
    if ((id == GUMBO_TAG_PRE || id == GUMBO_TAG_LISTING) && i < n && html[i] == '\n') {
      ++i; // a newline right after <pre> is not content
    }
  }
  while (!stack.empty()) {
    close_top();
  }
  return true;
}

std::string render_with_gumbo(std::string_view html, Layout layout);

std::string render(std::string_view html, Layout layout) {
  if (util::find_any(html, "<&") == std::string_view::npos) {
    // No markup and no character references: gumbo would return the same text, collapsed.
    TextBuilder out(layout, html.size());
    out.append(html, false);
    return std::move(out).take();
  }
  {
    TextBuilder out(layout, html.size());
    TextShaper shaper(out);
    if (fast_extract(html, shaper)) {
      return std::move(out).take();
    }
  }
  return render_with_gumbo(html, layout);
}

// gumbo 0.10.1 reads a numeric reference beyond U+10FFFF through a wrapped-around int:
// "&#x100000041;" gives "A", and "&#2147483648;b" loses the "b". HTML (and the fast path's
// parse::decode_html_entities) reads U+FFFD, so such references become "&#65533" before gumbo
// sees them (found by tests/fuzz/html_text_fuzz.cpp); std::nullopt when there are none. In raw
// text (<xmp>, <plaintext>), which shows references as written, such a one would read "&#65533";
// no feed has one there.
std::optional<std::string> clamp_numeric_references(std::string_view html) {
  std::optional<std::string> out;
  std::size_t copied = 0;
  for (std::size_t amp = html.find("&#"); amp != std::string_view::npos;
       amp = html.find("&#", amp + 2)) {
    const std::optional<NumericReference> ref = numeric_reference_at(html, amp);
    if (!ref || ref->value <= 0x10FFFF) {
      continue;
    }
    if (!out) {
      out.emplace();
      out->reserve(html.size());
    }
    out->append(html.substr(copied, amp - copied)).append("&#65533");
    copied = ref->end;
  }
  if (out) {
    out->append(html.substr(copied));
  }
  return out;
}

std::string render_with_gumbo(std::string_view html, Layout layout) {
  const std::optional<std::string> clamped = clamp_numeric_references(html);
  const std::string_view text = clamped ? std::string_view(*clamped) : html;
  const std::optional<std::string> limited = limit_depth(text);
  const std::string_view input = limited ? std::string_view(*limited) : text;

  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0; // errors are of no use here, and unlimited by default
  GumboOutput* output = gumbo_parse_with_options(&options, input.data(), input.size());
  if (output == nullptr) {
    return {};
  }
  TextBuilder out(layout, input.size());
  extract_text(output->root, out);
  gumbo_destroy_output(&options, output);
  return std::move(out).take();
}

} // namespace

std::string html_to_text(std::string_view html) {
  return render(html, Layout::paragraphs);
}

namespace detail {

std::string html_to_text_with_gumbo(std::string_view html) {
  return render_with_gumbo(html, Layout::paragraphs);
}

bool has_fast_path(std::string_view html) {
  TextBuilder out(Layout::paragraphs, html.size());
  TextShaper shaper(out);
  return fast_extract(html, shaper);
}

} // namespace detail

std::string html_to_line(std::string_view html) {
  return render(html, Layout::one_line);
}

bool looks_like_html(std::string_view s) noexcept {
  for (std::size_t i = util::find_any(s, "<&"); i != std::string_view::npos && i + 1 < s.size();
       i = util::find_any(s, "<&", i + 1)) {
    const char next = s[i + 1];
    if (s[i] == '<' ? (is_ascii_alpha(next) || next == '/' || next == '!' || next == '?')
                    : (is_ascii_alpha(next) || next == '#')) {
      return true;
    }
  }
  return false;
}

} // namespace fw::normalize
