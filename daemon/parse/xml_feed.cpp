// RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 over one pugixml tree.
//
// Elements are matched by namespace URI and local name, never by prefix: a feed may bind Atom to
// "a:" or declare RSS 1.0 as its default namespace. Undeclared but well-known prefixes ("atom:",
// "dc:", "media:" used without xmlns) are taken at their usual meaning, as browsers of feeds do.
// Nothing here recurses on element depth: documents nest as deep as an attacker likes.

#include "parse/date.hpp"
#include "parse/entities.hpp"
#include "parse/formats.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <pugixml.hpp>
#include <utility>

namespace fw::parse::detail {
namespace {

using util::trim;

enum class Ns : std::uint8_t {
  none,
  atom,   // Atom 1.0
  atom03, // Atom 0.3
  rss10,
  rss090,
  rdf,
  dc,
  dcterms,
  content,
  media,
  itunes,
  slash,
  wfw,
  sy,
  xhtml,
  feedburner,
  xml,
  other,
};

struct NsUri {
  std::string_view uri;
  Ns ns;
};

// Compared after dropping a trailing '/' or '#', and case-insensitively: publishers vary both.
constexpr std::array k_namespaces{
    NsUri{"http://www.w3.org/2005/Atom", Ns::atom},
    NsUri{"http://purl.org/atom/ns", Ns::atom03},
    NsUri{"http://purl.org/rss/1.0", Ns::rss10},
    NsUri{"http://my.netscape.com/rdf/simple/0.9", Ns::rss090},
    NsUri{"http://channel.netscape.com/rdf/simple/0.9", Ns::rss090},
    NsUri{"http://www.w3.org/1999/02/22-rdf-syntax-ns", Ns::rdf},
    NsUri{"http://purl.org/dc/elements/1.1", Ns::dc},
    NsUri{"http://purl.org/dc/terms", Ns::dcterms},
    NsUri{"http://purl.org/rss/1.0/modules/content", Ns::content},
    NsUri{"http://search.yahoo.com/mrss", Ns::media},
    NsUri{"http://www.itunes.com/dtds/podcast-1.0.dtd", Ns::itunes},
    NsUri{"http://www.itunes.com/dtds/podcast-1.0.dtd/", Ns::itunes},
    NsUri{"http://purl.org/rss/1.0/modules/slash", Ns::slash},
    NsUri{"http://wellformedweb.org/CommentAPI", Ns::wfw},
    NsUri{"http://purl.org/rss/1.0/modules/syndication", Ns::sy},
    NsUri{"http://www.w3.org/1999/xhtml", Ns::xhtml},
    NsUri{"http://rssnamespace.org/feedburner/ext/1.0", Ns::feedburner},
    NsUri{"http://www.w3.org/XML/1998/namespace", Ns::xml},
    // RSS 2.0 has no namespace, but some feeds give it one of these.
    NsUri{"http://backend.userland.com/rss2", Ns::none},
    NsUri{"http://blogs.law.harvard.edu/tech/rss", Ns::none},
    NsUri{"http://backend.userland.com/rss", Ns::none},
};

// Prefixes publishers use without declaring them.
constexpr std::array<std::pair<std::string_view, Ns>, 12> k_well_known_prefixes{{
    {"atom", Ns::atom},
    {"atom10", Ns::atom},
    {"dc", Ns::dc},
    {"dcterms", Ns::dcterms},
    {"content", Ns::content},
    {"media", Ns::media},
    {"itunes", Ns::itunes},
    {"slash", Ns::slash},
    {"wfw", Ns::wfw},
    {"sy", Ns::sy},
    {"rdf", Ns::rdf},
    {"feedburner", Ns::feedburner},
}};

Ns ns_from_uri(std::string_view uri) {
  uri = trim(uri);
  while (!uri.empty() && (uri.back() == '/' || uri.back() == '#')) {
    uri.remove_suffix(1);
  }
  for (const NsUri& n : k_namespaces) {
    std::string_view u = n.uri;
    while (!u.empty() && (u.back() == '/' || u.back() == '#')) {
      u.remove_suffix(1);
    }
    if (util::iequals(u, uri)) {
      return n.ns;
    }
  }
  return uri.empty() ? Ns::none : Ns::other;
}

// RSS element names as the specs spell them. Feed software treats element names without a
// namespace case-insensitively (feedparser fixture itunes_core_element_uppercase: <TiTlE>).
constexpr std::array<std::string_view, 30> k_rss_names{
    "channel",  "item",          "title",          "link",      "description", "guid",
    "pubDate",  "author",        "category",       "comments",  "enclosure",   "source",
    "language", "lastBuildDate", "managingEditor", "webMaster", "ttl",         "image",
    "url",      "copyright",     "generator",      "docs",      "textInput",   "rss",
    "fullitem", "summary",       "content",        "entry",     "feed",        "id"};

std::string_view canonical_name(std::string_view local) {
  bool has_upper = false;
  for (char c : local) {
    has_upper = has_upper || (c >= 'A' && c <= 'Z');
  }
  if (!has_upper) {
    return local;
  }
  for (std::string_view n : k_rss_names) {
    if (n == local) {
      return local;
    }
  }
  for (std::string_view n : k_rss_names) {
    if (util::iequals(n, local)) {
      return n;
    }
  }
  return local;
}

struct QName {
  Ns ns = Ns::none;
  std::string_view local;
  bool is(Ns n, std::string_view l) const { return ns == n && local == l; }
};

std::string_view prefix_of(std::string_view name) {
  std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? std::string_view{} : name.substr(0, colon);
}

std::string_view local_of(std::string_view name) {
  std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// Namespace declarations in effect at an element: one Scope per level we descend through
// (document, channel, item), each holding its own declarations and pointing at its parent, so
// that entering a level costs nothing when it declares nothing. A Scope must not outlive the one
// it was entered from. Consulted together with the element's own declarations.
class Scope {
public:
  Scope() = default;

  // The scope inside `node`: this one plus the declarations on `node` itself.
  Scope enter(pugi::xml_node node) const {
    Scope s;
    s.m_parent = this;
    s.m_default = m_default;
    s.m_has_alias = m_has_alias;
    s.m_alias_from = m_alias_from;
    s.m_alias_to = m_alias_to;
    for (pugi::xml_attribute a : node.attributes()) {
      s.declare(a.name(), a.value());
    }
    return s;
  }

  QName qname(pugi::xml_node node) const {
    std::string_view name = node.name();
    std::string_view prefix = prefix_of(name);
    QName q{Ns::none, local_of(name)};
    // The element's own declarations come first (xmlns on a leaf is common: <div xmlns=...>).
    for (pugi::xml_attribute a : node.attributes()) {
      std::string_view an = a.name();
      if (prefix.empty() ? an == "xmlns"
                         : (an.size() == 6 + prefix.size() && an.substr(0, 6) == "xmlns:" &&
                            an.substr(6) == prefix)) {
        q.ns = ns_from_uri(a.value());
        return fix(q);
      }
    }
    q.ns = lookup(prefix);
    return fix(q);
  }

  // Atom with a namespace nobody uses (feedparser fixtures atom_namespace_2..5) or none at
  // all: elements in that namespace are read as Atom of the root's version.
  void alias(Ns unknown, Ns known) {
    m_has_alias = true;
    m_alias_from = unknown;
    m_alias_to = known;
  }

  QName attr_qname(pugi::xml_attribute a) const {
    std::string_view name = a.name();
    std::string_view prefix = prefix_of(name);
    if (prefix.empty()) {
      return {Ns::none, name};
    }
    if (prefix == "xml") {
      return {Ns::xml, local_of(name)};
    }
    return {lookup(prefix), local_of(name)};
  }

private:
  QName fix(QName q) const {
    if (m_has_alias && q.ns == m_alias_from) {
      q.ns = m_alias_to;
    }
    if (q.ns == Ns::none || q.ns == Ns::rss10 || q.ns == Ns::rss090 || q.ns == Ns::atom ||
        q.ns == Ns::atom03) {
      q.local = canonical_name(q.local);
    }
    return q;
  }

  void declare(std::string_view name, std::string_view uri) {
    if (name == "xmlns") {
      m_default = ns_from_uri(uri);
    } else if (name.substr(0, 6) == "xmlns:") {
      m_prefixes.emplace_back(name.substr(6), ns_from_uri(uri));
    }
  }

  Ns lookup(std::string_view prefix) const {
    if (prefix.empty()) {
      return m_default;
    }
    for (const Scope* s = this; s; s = s->m_parent) {
      for (auto it = s->m_prefixes.rbegin(); it != s->m_prefixes.rend(); ++it) {
        if (it->first == prefix) {
          return it->second;
        }
      }
    }
    for (const auto& [p, n] : k_well_known_prefixes) {
      if (p == prefix) {
        return n;
      }
    }
    return Ns::other;
  }

  const Scope* m_parent = nullptr;
  Ns m_default = Ns::none;
  Ns m_alias_from = Ns::none;
  Ns m_alias_to = Ns::none;
  bool m_has_alias = false;
  std::vector<std::pair<std::string_view, Ns>> m_prefixes; // views into the document
};

// ------------------------------------------------------------------------------- text helpers

// Concatenated character data of the element's direct children (PCDATA and CDATA).
std::string direct_text(pugi::xml_node node) {
  std::string out;
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      out += c.value();
    }
  }
  return out;
}

// All character data below the element, in document order (markup inside a <category> or
// <guid> is read as its text: gofeed fixtures rss_channel_item_*_naked_markup). Iterative.
std::string all_text(pugi::xml_node node) {
  std::string out;
  for (pugi::xml_node n = node.first_child(); n;) {
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
      out += n.value();
    }
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n && !n.next_sibling() && n != node) {
      n = n.parent();
    }
    if (!n || n == node) {
      break;
    }
    n = n.next_sibling();
  }
  return out;
}

bool has_element_children(pugi::xml_node node) {
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_element) {
      return true;
    }
  }
  return false;
}

bool is_void_html(std::string_view n) {
  static constexpr std::array<std::string_view, 14> k_void{
      "area",  "base", "br",   "col",   "embed",  "hr",    "img",
      "input", "link", "meta", "param", "source", "track", "wbr"};
  return std::find(k_void.begin(), k_void.end(), n) != k_void.end();
}

// Serialises the children of `node` back to markup (inline XHTML inside Atom content or inside
// an RSS description). Prefixes are dropped from element names and xmlns declarations are
// omitted: the result is HTML. Iterative, so depth costs no stack.
std::string inner_markup(pugi::xml_node node) {
  std::string out;
  struct Frame {
    pugi::xml_node next; // next sibling to visit at this level
    pugi::xml_node open; // element to close when this level ends (null for the top)
  };
  std::vector<Frame> stack;
  stack.push_back({node.first_child(), pugi::xml_node()});
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (!f.next) {
      if (f.open) {
        std::string_view name = local_of(f.open.name());
        if (!is_void_html(name) || f.open.first_child()) {
          out += "</";
          out += name;
          out += '>';
        }
      }
      stack.pop_back();
      continue;
    }
    pugi::xml_node n = f.next;
    f.next = n.next_sibling();
    switch (n.type()) {
    case pugi::node_pcdata:
    case pugi::node_cdata:
      util::append_escaped_html(out, n.value());
      break;
    case pugi::node_element: {
      std::string_view name = local_of(n.name());
      out += '<';
      out += name;
      for (pugi::xml_attribute a : n.attributes()) {
        std::string_view an = a.name();
        if ((an == "xmlns" || an.substr(0, 6) == "xmlns:") && ns_from_uri(a.value()) == Ns::xhtml) {
          continue; // XHTML is HTML's own namespace; SVG's and MathML's are kept
        }
        out += ' ';
        out += an;
        out += "=\"";
        util::append_escaped_html(out, a.value(), util::Quotes::escape);
        out += '"';
      }
      if (!n.first_child() && is_void_html(name)) {
        out += " />";
        break;
      }
      out += '>';
      stack.push_back({n.first_child(), n});
      break;
    }
    default:
      break;
    }
  }
  return out;
}

std::string base64_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
      return 62;
    }
    if (c == '/' || c == '_') {
      return 63;
    }
    return -1;
  };
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) {
      continue;
    }
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xFF));
    }
  }
  return out;
}

// The XHTML <div> that Atom wraps type="xhtml" content in is not part of the content
// (RFC 4287 §3.1.1.3).
pugi::xml_node xhtml_wrapper(pugi::xml_node node, const Scope& scope) {
  pugi::xml_node only;
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_element) {
      if (only) {
        return {};
      }
      only = c;
    } else if (c.type() == pugi::node_pcdata && !trim(c.value()).empty()) {
      return {};
    }
  }
  if (only && local_of(only.name()) == "div" && scope.qname(only).ns == Ns::xhtml) {
    return only;
  }
  return {};
}

// ------------------------------------------------------------------------------- the reader

struct Context {
  const ParseOptions& options;
  ParsedFeed& out;
  bool is_atom03 = false;
  std::string where; // "item 3: " prefix for warnings, or "" for the feed
  void warn(std::string msg) { out.warnings.push_back(where + std::move(msg)); }
};

std::string base_of(pugi::xml_node node, const std::string& parent_base) {
  pugi::xml_attribute b = node.attribute("xml:base");
  if (!b) {
    return parent_base;
  }
  std::string_view v = trim(b.value());
  if (parent_base.empty()) {
    return std::string(v);
  }
  if (auto r = util::resolve_url(parent_base, v)) {
    return *r;
  }
  return parent_base;
}

// The base in force inside `node`: `parent_base` itself unless the element has an xml:base,
// in which case the resolved base is kept in `storage`. Saves a copy per element.
const std::string& base_in(pugi::xml_node node, const std::string& parent_base,
                           std::string& storage) {
  if (!node.attribute("xml:base")) {
    return parent_base;
  }
  storage = base_of(node, parent_base);
  return storage;
}

std::optional<std::string> url_value(std::string_view raw, const std::string& base) {
  std::string_view v = trim(raw);
  if (v.empty()) {
    return std::nullopt;
  }
  if (!base.empty() && !util::has_scheme(v)) {
    if (auto r = util::resolve_url(base, v)) {
      return r;
    }
  }
  return util::clean_url(v);
}

std::optional<std::string> text_value(pugi::xml_node node) {
  std::string t(trim(all_text(node)));
  if (t.empty()) {
    return std::nullopt;
  }
  return t;
}

// Reads an Atom text construct (RFC 4287 §3.1; Atom 0.3's type/mode pairs).
Text read_atom_text(pugi::xml_node node, const Scope& scope, const std::string& base) {
  Text t;
  t.base = base_of(node, base);
  std::string type = util::to_lower(trim(node.attribute("type").value()));
  std::string mode = util::to_lower(trim(node.attribute("mode").value()));
  if (type.empty() || type == "text" || type == "text/plain") {
    t.type = TextType::text;
  } else if (type == "html" || type == "text/html") {
    t.type = TextType::html;
  } else if (type == "xhtml" || type == "application/xhtml+xml") {
    t.type = TextType::xhtml;
  } else if (type.ends_with("+xml") || type.ends_with("/xml")) {
    // Some other XML vocabulary: its markup is the content, shown as text (gofeed fixture
    // issue_275_extensions_and_source).
    if (has_element_children(node)) {
      t.value = inner_markup(node);
      return t;
    }
    t.type = TextType::text;
  } else if (type.starts_with("text/")) {
    t.type = TextType::text;
  } else {
    // RFC 4287 §4.1.3.3: any other media type is Base64-encoded. What it decodes to is read as
    // HTML, as feedparser does (fixture entry_content_base64_2).
    std::string raw = direct_text(node);
    bool is_base64 = std::all_of(raw.begin(), raw.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '+' || c == '/' || c == '=' || util::is_space(c);
    });
    // Only when the text decodes to UTF-8: "test" under an unknown type is text (gofeed
    // fixture atom10_feed_entry_title_custom_type), though every letter of it is Base64.
    if (is_base64 && util::is_valid_utf8(base64_decode(raw))) {
      mode = "base64";
      t.type = TextType::html;
    }
  }
  if (mode == "base64") {
    t.value = base64_decode(direct_text(node));
    util::repair_utf8(t.value); // decoded bytes are whatever the publisher encoded
    if (t.type != TextType::text) {
      t.type = TextType::html;
    }
    return t;
  }
  if (mode == "escaped" && t.type == TextType::xhtml) {
    t.type = TextType::html;
  }
  if (has_element_children(node) && mode != "escaped") {
    // Inline markup: XHTML by the spec, or a publisher that forgot to escape its HTML.
    Scope inner = scope.enter(node);
    pugi::xml_node div = t.type == TextType::xhtml ? xhtml_wrapper(node, inner) : pugi::xml_node();
    if (div) {
      t.base = base_of(div, t.base);
    }
    t.value = inner_markup(div ? div : node);
    t.type = TextType::xhtml;
    return t;
  }
  t.value = direct_text(node);
  if (t.type == TextType::xhtml) {
    t.type = TextType::html; // escaped XHTML is HTML
  }
  return t;
}

// Double-escaped HTML: the publisher escaped its markup twice, so after XML decoding the value
// holds "&lt;p&gt;Hello&lt;/p&gt;" and no tag at all. Only common HTML tags count, so that
// "the &lt;blink&gt; tag" written on purpose stays as it is.
bool is_double_escaped(std::string_view s) {
  if (s.find('<') != std::string_view::npos) {
    return false;
  }
  static constexpr std::array<std::string_view, 22> k_tags{
      "p",  "br", "a",  "div", "img", "strong", "em",    "b",  "i",  "ul",         "ol",
      "li", "h1", "h2", "h3",  "h4",  "span",   "table", "tr", "td", "blockquote", "pre"};
  for (std::size_t p = s.find("&lt;"); p != std::string_view::npos; p = s.find("&lt;", p + 4)) {
    std::string_view rest = s.substr(p + 4);
    if (!rest.empty() && rest[0] == '/') {
      rest.remove_prefix(1);
    }
    std::size_t n = 0;
    while (n < rest.size() &&
           ((rest[n] >= 'a' && rest[n] <= 'z') || (rest[n] >= 'A' && rest[n] <= 'Z') ||
            (rest[n] >= '1' && rest[n] <= '6'))) {
      ++n;
    }
    std::string name = util::to_lower(rest.substr(0, n));
    std::string_view after = rest.substr(n);
    bool ends = after.starts_with("&gt;") || after.starts_with(" ") || after.starts_with("/");
    if (ends && std::find(k_tags.begin(), k_tags.end(), name) != k_tags.end()) {
      return true;
    }
  }
  return false;
}

// RSS elements that carry HTML (description, content:encoded, title): escaped HTML, or inline
// markup when the publisher did not escape it.
enum class DoubleEscape { detect, keep };

bool has_cdata(pugi::xml_node node) {
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_cdata) {
      return true;
    }
  }
  return false;
}

Text read_rss_html(pugi::xml_node node, const std::string& base,
                   DoubleEscape de = DoubleEscape::detect) {
  Text t;
  t.base = base_of(node, base);
  t.type = TextType::html;
  t.value = has_element_children(node) ? inner_markup(node) : direct_text(node);
  // Escaped markup inside CDATA is what the publisher meant (gofeed fixtures
  // *_cdata_escaped_markup); escaped twice in plain character data, it is a slip.
  if (de == DoubleEscape::detect && !has_cdata(node) && is_double_escaped(t.value)) {
    t.value = decode_html_entities(t.value);
  }
  return t;
}

std::optional<model::Timestamp> read_date(Context& ctx, pugi::xml_node node) {
  const std::string text = direct_text(node);
  std::string_view raw = trim(text);
  if (raw.empty()) {
    return std::nullopt;
  }
  if (auto d = parse_date(raw)) {
    return d;
  }
  ctx.warn(std::string(node.name()) + " \"" + std::string(util::utf8_prefix(raw, 100)) +
           "\" is not a date");
  return std::nullopt;
}

std::optional<std::int64_t> read_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) {
    return std::nullopt;
  }
  return v;
}

model::Author read_atom_person(pugi::xml_node node, const Scope& scope, const std::string& base) {
  model::Author a;
  std::string b_storage;
  const std::string& b = base_in(node, base, b_storage);
  Scope inner = scope.enter(node);
  for (pugi::xml_node c : node.children()) {
    if (c.type() != pugi::node_element) {
      continue;
    }
    QName q = inner.qname(c);
    if (q.ns != Ns::atom && q.ns != Ns::atom03) {
      continue;
    }
    if (q.local == "name") {
      a.name = text_value(c);
    } else if (q.local == "email") {
      a.email = text_value(c);
    } else if (q.local == "uri" || q.local == "url" || q.local == "homepage") {
      a.uri = url_value(direct_text(c), base_of(c, b));
    }
  }
  if (!a.name && !a.email && !a.uri) {
    // Not the structure the spec asks for, but some feeds write <author>Name</author>.
    const std::string text = direct_text(node);
    if (std::string_view raw = trim(text); !raw.empty()) {
      a = parse_person(raw);
    }
  }
  return a;
}

bool is_empty(const model::Author& a) {
  return !a.name && !a.email && !a.uri;
}

void add_category(std::vector<std::string>& cats, std::string_view raw) {
  std::string c(trim(raw));
  if (!c.empty() && std::find(cats.begin(), cats.end(), c) == cats.end()) {
    cats.push_back(std::move(c));
  }
}

// itunes:image: href as specified, url or text content as written by some publishers.
std::optional<std::string> itunes_image(pugi::xml_node node, const std::string& base) {
  for (const char* attr : {"href", "url"}) {
    if (std::string_view v = trim(node.attribute(attr).value()); !v.empty()) {
      return url_value(v, base);
    }
  }
  return url_value(direct_text(node), base);
}

// itunes:keywords: comma-separated.
void add_keywords(std::vector<std::string>& cats, std::string_view raw) {
  while (!raw.empty()) {
    std::size_t comma = raw.find(',');
    add_category(cats, raw.substr(0, comma));
    raw = comma == std::string_view::npos ? std::string_view{} : raw.substr(comma + 1);
  }
}

// itunes:category text="Technology"><itunes:category text="Gadgets"/>: each level is a tag.
void add_itunes_categories(std::vector<std::string>& cats, pugi::xml_node node,
                           const Scope& scope) {
  add_category(cats, node.attribute("text").value());
  Scope inner = scope.enter(node);
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_element && inner.qname(c).is(Ns::itunes, "category")) {
      add_category(cats, c.attribute("text").value());
    }
  }
}

struct LinkChoice {
  std::optional<std::string> href;
  int rank = 0; // higher wins
};

// RSS <link>: its text, the last one in the document winning (gofeed fixtures *_links). A
// <link href="..."/> without text is an Atom link that lost its namespace: `as_atom` reads it
// into a LinkChoice of its own, which is then taken in document order like the others.
template <typename AsAtom>
void read_rss_link(pugi::xml_node c, const std::string& base, LinkChoice& choice,
                   AsAtom&& as_atom) {
  if (auto v = url_value(direct_text(c), base)) {
    choice.href = std::move(v);
    choice.rank = 4;
  } else if (c.attribute("href")) {
    LinkChoice lost;
    as_atom(lost);
    if (lost.href) {
      choice.href = std::move(lost.href);
      choice.rank = 4;
    }
  }
}

// ------------------------------------------------------------------------------- items

struct ItemState {
  Item item;
  bool has_pub_date = false;
  std::optional<model::Timestamp> dc_date;
  std::optional<model::Timestamp> created;
  std::optional<std::string> guid_link; // guid usable as a link
  LinkChoice link;
  std::optional<std::string> media_thumbnail;
  std::optional<std::string> itunes_image;
  std::optional<std::string> media_image;
  std::optional<Text> itunes_summary;
  std::optional<Text> fallback_title; // dc:title, media:title
  std::optional<Text> dc_description;
  std::optional<Text> media_description;
  std::vector<model::Author> atom_source_authors;
};

void read_media(pugi::xml_node node, const Scope& scope, const std::string& base, ItemState& st) {
  // media:group holds media:content / media:thumbnail; walk one level (groups do not nest).
  Scope inner = scope.enter(node);
  std::string b_storage;
  const std::string& b = base_in(node, base, b_storage);
  QName q = scope.qname(node);
  if (q.local == "thumbnail" && !st.media_thumbnail) {
    st.media_thumbnail = url_value(node.attribute("url").value(), b);
  } else if (q.local == "content") {
    std::string_view medium = node.attribute("medium").value();
    std::string_view type = node.attribute("type").value();
    if (!st.media_image && (medium == "image" || type.substr(0, 6) == "image/")) {
      st.media_image = url_value(node.attribute("url").value(), b);
    }
    for (pugi::xml_node c : node.children()) {
      if (c.type() == pugi::node_element && inner.qname(c).ns == Ns::media) {
        read_media(c, inner, b, st);
      }
    }
  } else if (q.local == "group") {
    for (pugi::xml_node c : node.children()) {
      if (c.type() == pugi::node_element && inner.qname(c).ns == Ns::media &&
          local_of(c.name()) != "group") {
        read_media(c, inner, b, st);
      }
    }
  } else if (q.local == "title" && !st.fallback_title) {
    Text t;
    t.base = b;
    t.type = node.attribute("type").value() == std::string_view("html") ? TextType::html
                                                                        : TextType::text;
    t.value = direct_text(node);
    st.fallback_title = std::move(t);
  } else if (q.local == "category") {
    std::string_view label = node.attribute("label").value();
    add_category(st.item.categories,
                 trim(label).empty() ? std::string_view(direct_text(node)) : label);
  } else if (q.local == "description" && !st.media_description) {
    Text t;
    t.base = b;
    std::string_view type_attr = node.attribute("type").value();
    t.type = type_attr == "html" ? TextType::html : TextType::text;
    t.value = direct_text(node);
    st.media_description = std::move(t);
  }
}

void read_atom_link(pugi::xml_node node, const std::string& base, Item* item, LinkChoice& choice,
                    std::vector<model::Enclosure>* enclosures, std::optional<std::string>* self,
                    std::optional<std::string>* hub, std::optional<std::string>* comments) {
  std::string rel = util::to_lower(trim(node.attribute("rel").value()));
  std::string b_storage;
  const std::string& b = base_in(node, base, b_storage);
  std::optional<std::string> href = url_value(node.attribute("href").value(), b);
  if (!href) {
    // RSS 0.9x-style <link>url</link> written in the Atom namespace.
    href = url_value(direct_text(node), b);
  }
  if (!href) {
    return;
  }
  if (rel.empty() || rel == "alternate" ||
      rel == "http://www.iana.org/assignments/relation/alternate") {
    // RFC 4287: the alternate link is the item's link. With several, prefer HTML.
    std::string_view type = trim(node.attribute("type").value());
    int rank = 2;
    if (type.empty() || type == "text/html" || type == "application/xhtml+xml") {
      rank = 3;
    }
    if (rank > choice.rank) {
      choice.href = href;
      choice.rank = rank;
    }
  } else if (rel == "enclosure" && enclosures) {
    model::Enclosure e;
    e.url = *href;
    std::string_view type = trim(node.attribute("type").value());
    if (!type.empty()) {
      e.type = std::string(type);
    }
    e.length = read_int(node.attribute("length").value());
    enclosures->push_back(std::move(e));
  } else if (rel == "self" && self) {
    if (!*self) {
      *self = href;
    }
  } else if (rel == "hub" && hub) {
    if (!*hub) {
      *hub = href;
    }
  } else if (rel == "replies" && comments) {
    std::string_view type = trim(node.attribute("type").value());
    if (!*comments && (type.empty() || type == "text/html")) {
      *comments = href;
    }
  } else if (choice.rank < 1 && rel != "enclosure" && rel != "self" && rel != "hub" &&
             rel != "edit" && rel != "license" && rel != "replies" && rel != "via" &&
             rel != "related" && rel != "next" && rel != "previous" && rel != "first" &&
             rel != "last" && rel != "payment" && rel != "search") {
    (void)item;
  }
}

void read_entry_child(Context& ctx, const Scope& scope, pugi::xml_node c, const std::string& base,
                      ItemState& st) {
  QName q = scope.qname(c);
  Item& it = st.item;
  std::string b_storage;
  const std::string& b = base_in(c, base, b_storage);
  const bool atomish = q.ns == Ns::atom || q.ns == Ns::atom03;
  if (atomish) {
    if (q.local == "id") {
      if (auto v = text_value(c)) {
        it.id = v;
      }
    } else if (q.local == "title") {
      it.title = read_atom_text(c, scope, base);
    } else if (q.local == "link") {
      read_atom_link(c, base, &it, st.link, &it.enclosures, nullptr, nullptr, &it.comments);
    } else if (q.local == "summary") {
      it.summary = read_atom_text(c, scope, base);
    } else if (q.local == "content") {
      std::string_view src = trim(c.attribute("src").value());
      if (src.empty()) {
        it.content = read_atom_text(c, scope, base);
      }
    } else if (q.local == "published" || q.local == "issued") {
      if (auto d = read_date(ctx, c)) {
        it.published = d;
      }
    } else if (q.local == "created") {
      st.created = read_date(ctx, c);
    } else if (q.local == "updated" || q.local == "modified") {
      if (auto d = read_date(ctx, c); d && (!it.updated || q.local == "updated")) {
        it.updated = d;
      }
    } else if (q.local == "author" || q.local == "contributor") {
      if (q.local == "author") {
        model::Author a = read_atom_person(c, scope, base);
        if (!is_empty(a)) {
          it.authors.push_back(std::move(a));
        }
      }
    } else if (q.local == "category") {
      std::string_view term = c.attribute("term").value();
      add_category(it.categories, trim(term).empty() ? std::string_view(direct_text(c)) : term);
    } else if (q.local == "source") {
      Scope inner = scope.enter(c);
      for (pugi::xml_node s : c.children()) {
        if (s.type() == pugi::node_element) {
          QName sq = inner.qname(s);
          if ((sq.ns == Ns::atom || sq.ns == Ns::atom03) && sq.local == "author") {
            model::Author a = read_atom_person(s, inner, b);
            if (!is_empty(a)) {
              st.atom_source_authors.push_back(std::move(a));
            }
          }
        }
      }
    }
    return;
  }
  if (q.ns == Ns::none || q.ns == Ns::rss10 || q.ns == Ns::rss090) {
    if (q.local == "title") {
      it.title = read_rss_html(c, base, DoubleEscape::keep);
    } else if (q.local == "link") {
      read_rss_link(c, b, st.link, [&](LinkChoice& lost) {
        read_atom_link(c, base, &it, lost, &it.enclosures, nullptr, nullptr, nullptr);
      });
    } else if (q.local == "description") {
      it.summary = read_rss_html(c, base);
    } else if (q.local == "fullitem" && !it.content) {
      it.content = read_rss_html(c, base); // an early full-content element (feedparser reads it)
    } else if (q.local == "guid") {
      if (auto v = text_value(c)) {
        std::string_view perma = trim(c.attribute("isPermaLink").value());
        if (!util::iequals(perma, "false") && util::has_scheme(*v) &&
            (util::istarts_with(*v, "http://") || util::istarts_with(*v, "https://"))) {
          st.guid_link = v;
        }
        it.id = std::move(v);
      }
    } else if (q.local == "pubDate") {
      st.has_pub_date = true;
      if (auto d = read_date(ctx, c)) {
        it.published = d;
      }
    } else if (q.local == "author") {
      const std::string text = direct_text(c);
      if (std::string_view raw = trim(text); !raw.empty()) {
        it.authors.push_back(parse_person(raw));
      } else if (has_element_children(c)) {
        model::Author a = read_atom_person(c, scope, base); // <author><name>..</name></author>
        if (!is_empty(a)) {
          it.authors.push_back(std::move(a));
        }
      }
    } else if (q.local == "category") {
      add_category(it.categories, all_text(c));
    } else if (q.local == "comments") {
      it.comments = url_value(direct_text(c), b);
    } else if (q.local == "enclosure") {
      if (auto u = url_value(c.attribute("url").value(), b)) {
        model::Enclosure e;
        e.url = *u;
        std::string_view type = trim(c.attribute("type").value());
        if (!type.empty()) {
          e.type = std::string(type);
        }
        std::string_view length = trim(c.attribute("length").value());
        e.length = read_int(length);
        if (!e.length && !length.empty()) {
          ctx.warn("enclosure length \"" + std::string(util::utf8_prefix(length, 40)) +
                   "\" is not a number of bytes");
        }
        it.enclosures.push_back(std::move(e));
      }
    }
    return;
  }
  switch (q.ns) {
  case Ns::dc:
    if (q.local == "creator" || q.local == "author") {
      if (auto v = text_value(c)) {
        model::Author a = parse_person(*v);
        if (std::find(it.authors.begin(), it.authors.end(), a) == it.authors.end()) {
          it.authors.push_back(std::move(a));
        }
      }
    } else if (q.local == "date") {
      st.dc_date = read_date(ctx, c);
    } else if (q.local == "subject") {
      add_category(it.categories, all_text(c));
    } else if (q.local == "identifier" && !it.id) {
      it.id = text_value(c);
    } else if (q.local == "description") {
      st.dc_description = read_rss_html(c, base);
    } else if (q.local == "title" && !st.fallback_title) {
      st.fallback_title = read_rss_html(c, base);
    }
    break;
  case Ns::xhtml:
    if (q.local == "body" && !it.content) {
      it.content = read_rss_html(c, base);
      it.content->type = TextType::xhtml;
    }
    break;
  case Ns::dcterms:
    if (q.local == "modified") {
      if (auto d = read_date(ctx, c)) {
        it.updated = d;
      }
    } else if (q.local == "issued" || q.local == "created") {
      if (auto d = read_date(ctx, c); d && !st.dc_date) {
        st.dc_date = d;
      }
    }
    break;
  case Ns::content:
    if (q.local == "encoded") {
      it.content = read_rss_html(c, base);
    }
    break;
  case Ns::media:
    read_media(c, scope, base, st);
    break;
  case Ns::itunes:
    if (q.local == "image" && !st.itunes_image) {
      st.itunes_image = itunes_image(c, b);
    } else if (q.local == "link" && !st.itunes_image &&
               util::iequals(trim(c.attribute("rel").value()), "image")) {
      st.itunes_image = url_value(c.attribute("href").value(), b);
    } else if (q.local == "keywords") {
      add_keywords(it.categories, direct_text(c));
    } else if (q.local == "category") {
      add_itunes_categories(it.categories, c, scope);
    } else if (q.local == "author" && it.authors.empty()) {
      if (auto v = text_value(c)) {
        st.atom_source_authors.push_back(parse_person(*v)); // used only when nothing else is
      }
    } else if (q.local == "summary") {
      Text t;
      t.base = b;
      t.value = direct_text(c);
      st.itunes_summary = std::move(t);
    }
    break;
  case Ns::wfw:
    break; // wfw:comment / commentRss are API endpoints, not the comments page
  case Ns::feedburner:
    if (q.local == "origLink") {
      // The publisher's own URL behind a feedproxy link; the item's <link> stays the link.
      if (auto v = url_value(direct_text(c), b); v && st.link.rank == 0) {
        st.link.href = v;
        st.link.rank = 1;
      }
    }
    break;
  default:
    break;
  }
}

Item finish_item(ItemState&& st, bool rss_like) {
  Item it = std::move(st.item);
  if (!it.published && st.dc_date) {
    it.published = st.dc_date;
  } else if (it.published && st.dc_date && !it.updated && !rss_like) {
    it.updated = st.dc_date;
  }
  if (!it.published && st.created) {
    it.published = st.created;
  }
  if (st.link.href) {
    it.link = std::move(st.link.href);
  } else if (st.guid_link) {
    it.link = std::move(st.guid_link);
  }
  if (!it.title && st.fallback_title) {
    it.title = std::move(st.fallback_title);
  }
  if (!it.summary) {
    if (st.itunes_summary && !it.content) {
      it.summary = std::move(st.itunes_summary);
    } else if (st.dc_description) {
      it.summary = std::move(st.dc_description);
    } else if (st.media_description && !it.content) {
      it.summary = std::move(st.media_description);
    }
  }
  if (st.media_thumbnail) {
    it.image = std::move(st.media_thumbnail);
  } else if (st.itunes_image) {
    it.image = std::move(st.itunes_image);
  } else if (st.media_image) {
    it.image = std::move(st.media_image);
  }
  if (it.authors.empty() && !st.atom_source_authors.empty()) {
    it.authors = std::move(st.atom_source_authors);
  }
  return it;
}

// ------------------------------------------------------------------------------- feed level

struct FeedState {
  LinkChoice link;
  std::optional<model::Timestamp> last_build;
  std::optional<model::Timestamp> pub_date;
  std::optional<model::Timestamp> dc_date;
  std::optional<std::string> logo;
  std::optional<std::string> icon;
  std::optional<std::string> itunes_image;
  std::optional<std::string> rss_image;
  std::vector<model::Author> editors;
  std::vector<model::Author> channel_authors; // <author> on the channel: not RSS 2.0, but written
  std::optional<Text> itunes_description;     // itunes:subtitle / itunes:summary
  std::vector<model::Author> itunes_authors;
  std::optional<std::int64_t> sy_period_minutes;
  std::optional<std::int64_t> sy_frequency;
};

std::optional<std::string> read_rss_image(pugi::xml_node node, const Scope& scope,
                                          const std::string& base) {
  Scope inner = scope.enter(node);
  std::string b_storage;
  const std::string& b = base_in(node, base, b_storage);
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_element) {
      QName q = inner.qname(c);
      if (q.local == "url" && (q.ns == Ns::none || q.ns == Ns::rss10 || q.ns == Ns::rss090)) {
        return url_value(direct_text(c), base_of(c, b));
      }
    }
  }
  // RSS 1.0: <image rdf:resource="..."/> inside the channel points at the image element.
  if (std::string_view r = node.attribute("rdf:resource").value(); !trim(r).empty()) {
    return url_value(r, b);
  }
  return std::nullopt;
}

void read_feed_child(Context& ctx, const Scope& scope, pugi::xml_node c, const std::string& base,
                     FeedState& st) {
  Feed& f = ctx.out.feed;
  QName q = scope.qname(c);
  std::string b_storage;
  const std::string& b = base_in(c, base, b_storage);
  if (q.ns == Ns::atom || q.ns == Ns::atom03) {
    if (q.local == "title") {
      f.title = read_atom_text(c, scope, base);
    } else if (q.local == "subtitle" || q.local == "tagline") {
      f.description = read_atom_text(c, scope, base);
    } else if (q.local == "link") {
      read_atom_link(c, base, nullptr, st.link, nullptr, &f.feed_url, &f.hub, nullptr);
    } else if (q.local == "updated" || q.local == "modified") {
      if (auto d = read_date(ctx, c)) {
        f.updated = d;
      }
    } else if (q.local == "author") {
      model::Author a = read_atom_person(c, scope, base);
      if (!is_empty(a)) {
        f.authors.push_back(std::move(a));
      }
    } else if (q.local == "category") {
      std::string_view term = c.attribute("term").value();
      add_category(f.categories, trim(term).empty() ? std::string_view(direct_text(c)) : term);
    } else if (q.local == "logo") {
      st.logo = url_value(direct_text(c), b);
    } else if (q.local == "icon") {
      st.icon = url_value(direct_text(c), b);
    }
    return;
  }
  if (q.ns == Ns::none || q.ns == Ns::rss10 || q.ns == Ns::rss090) {
    if (q.local == "title") {
      f.title = read_rss_html(c, base, DoubleEscape::keep);
    } else if (q.local == "link") {
      read_rss_link(c, b, st.link, [&](LinkChoice& lost) {
        read_atom_link(c, base, nullptr, lost, nullptr, &f.feed_url, &f.hub, nullptr);
      });
    } else if (q.local == "description") {
      f.description = read_rss_html(c, base);
    } else if (q.local == "language") {
      f.language = text_value(c);
    } else if (q.local == "lastBuildDate") {
      st.last_build = read_date(ctx, c);
    } else if (q.local == "pubDate") {
      st.pub_date = read_date(ctx, c);
    } else if (q.local == "author") {
      if (auto v = text_value(c)) {
        st.channel_authors.push_back(parse_person(*v));
      }
    } else if (q.local == "managingEditor") {
      if (auto v = text_value(c)) {
        st.editors.push_back(parse_person(*v));
      }
    } else if (q.local == "category") {
      add_category(f.categories, all_text(c));
    } else if (q.local == "image") {
      st.rss_image = read_rss_image(c, scope, base);
    } else if (q.local == "ttl") {
      f.ttl_minutes = read_int(direct_text(c));
    }
    return;
  }
  switch (q.ns) {
  case Ns::dc:
    if (q.local == "creator" || q.local == "author") {
      if (auto v = text_value(c)) {
        f.authors.push_back(parse_person(*v));
      }
    } else if (q.local == "date") {
      st.dc_date = read_date(ctx, c);
    } else if (q.local == "language" && !f.language) {
      f.language = text_value(c);
    } else if (q.local == "subject") {
      add_category(f.categories, all_text(c));
    } else if (q.local == "title" && !f.title) {
      f.title = read_rss_html(c, base);
    } else if (q.local == "description" && !f.description) {
      f.description = read_rss_html(c, base);
    }
    break;
  case Ns::dcterms:
    if (q.local == "modified") {
      st.dc_date = read_date(ctx, c);
    }
    break;
  case Ns::itunes:
    if (q.local == "image" && !st.itunes_image) {
      st.itunes_image = itunes_image(c, b);
    } else if (q.local == "author") {
      if (auto v = text_value(c)) {
        st.itunes_authors.push_back(parse_person(*v));
      }
    } else if (q.local == "category") {
      add_itunes_categories(f.categories, c, scope);
    } else if (q.local == "keywords") {
      add_keywords(f.categories, direct_text(c));
    } else if (q.local == "link" && !st.itunes_image &&
               util::iequals(trim(c.attribute("rel").value()), "image")) {
      st.itunes_image = url_value(c.attribute("href").value(), b);
    } else if ((q.local == "subtitle" || q.local == "summary") &&
               (!st.itunes_description || q.local == "subtitle")) {
      Text t;
      t.base = b;
      t.value = direct_text(c);
      st.itunes_description = std::move(t);
    }
    break;
  case Ns::sy:
    if (q.local == "updatePeriod") {
      std::string p = util::to_lower(trim(direct_text(c)));
      static constexpr std::array<std::pair<std::string_view, std::int64_t>, 5> k_periods{
          {{"hourly", 60},
           {"daily", 1440},
           {"weekly", 10080},
           {"monthly", 43200},
           {"yearly", 525600}}};
      for (const auto& [name, minutes] : k_periods) {
        if (p == name) {
          st.sy_period_minutes = minutes;
        }
      }
    } else if (q.local == "updateFrequency") {
      st.sy_frequency = read_int(direct_text(c));
    }
    break;
  default:
    break;
  }
}

void finish_feed(Feed& f, FeedState&& st) {
  if (st.link.href) {
    f.link = std::move(st.link.href);
  }
  if (!f.updated) {
    f.updated = st.last_build ? st.last_build : st.dc_date ? st.dc_date : st.pub_date;
  }
  if (st.rss_image) {
    f.image = std::move(st.rss_image);
  } else if (st.logo) {
    f.image = std::move(st.logo);
  } else if (st.itunes_image) {
    f.image = std::move(st.itunes_image);
  } else if (st.icon) {
    f.image = std::move(st.icon);
  }
  if (f.authors.empty()) {
    f.authors = !st.channel_authors.empty() ? std::move(st.channel_authors)
                : !st.editors.empty()       ? std::move(st.editors)
                                            : std::move(st.itunes_authors);
  }
  if (!f.description && st.itunes_description) {
    f.description = std::move(st.itunes_description);
  }
  if (!f.ttl_minutes && st.sy_period_minutes) {
    std::int64_t freq = st.sy_frequency.value_or(1);
    f.ttl_minutes = freq > 0 ? *st.sy_period_minutes / freq : *st.sy_period_minutes;
  }
}

// ------------------------------------------------------------------------------- documents

std::string format_of(std::string_view root_local, Ns root_ns, pugi::xml_node root, bool& is_atom) {
  is_atom = false;
  if (root_local == "rss") {
    std::string_view v = trim(root.attribute("version").value());
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> k_versions{{
        {"0.90", "rss0.90"},
        {"0.91", "rss0.91"},
        {"0.92", "rss0.92"},
        {"0.93", "rss0.93"},
        {"0.94", "rss0.94"},
        {"2.0", "rss2.0"},
        {"2.00", "rss2.0"},
        {"2.0.1", "rss2.0"},
        {"2", "rss2.0"},
    }};
    for (const auto& [ver, name] : k_versions) {
      if (v == ver) {
        return std::string(name);
      }
    }
    if (v.starts_with("2.")) {
      return "rss2.0"; // 2.01, 2.1: no such versions, but RSS 2 is what they mean
    }
    return "rss";
  }
  if (root_local == "RDF") {
    for (pugi::xml_attribute a : root.attributes()) {
      std::string_view an = a.name();
      if ((an == "xmlns" || an.substr(0, 6) == "xmlns:") && ns_from_uri(a.value()) == Ns::rss090) {
        return "rss0.90";
      }
    }
    return "rss1.0";
  }
  if (root_local == "feed") {
    is_atom = true;
    std::string_view v = trim(root.attribute("version").value());
    if (root_ns == Ns::atom03 || v == "0.3") {
      return "atom0.3";
    }
    if (root_ns == Ns::atom || v == "1.0") {
      return "atom1.0";
    }
    return "atom";
  }
  if (root_local == "channel") {
    return "rss";
  }
  if (root_local == "entry" && (root_ns == Ns::atom || root_ns == Ns::atom03)) {
    is_atom = true; // an Atom Entry Document (RFC 4287 §4.1.2): a feed of one
    return root_ns == Ns::atom ? "atom1.0" : "atom0.3";
  }
  return {};
}

} // namespace

Result<ParsedFeed> parse_xml_feed(std::string_view utf8, const ParseOptions& options) {
  ParsedFeed out;
  // pugixml parses in place: `fixed` (and `repaired`) must outlive the documents. It also
  // overwrites the buffer's last byte with its terminator, which cut the last character of an
  // attribute or text left open at the end of the document, even mid UTF-8 sequence (found by
  // tests/fuzz/parse_fuzz.cpp): each buffer ends with a NUL of its own, which pugixml reads as
  // the end of the document.
  std::string fixed = fix_xml_entities(utf8, out.warnings);
  fixed.push_back('\0');
  std::string refixed;
  std::string repaired;
  pugi::xml_document first;
  pugi::xml_document second;
  constexpr unsigned k_flags =
      (pugi::parse_default | pugi::parse_ws_pcdata) & ~pugi::parse_wconv_attribute;
  // The input is already UTF-8; pugixml must not guess otherwise.
  pugi::xml_parse_result res =
      first.load_buffer_inplace(fixed.data(), fixed.size(), k_flags, pugi::encoding_utf8);
  pugi::xml_node root = first.document_element();
  if (!res) {
    // The in-place parse took `fixed` apart (and `first` may still point into it, so it stays):
    // prepare the text again for the lenient pass.
    std::vector<std::string> again;
    refixed = fix_xml_entities(utf8, again);
    // The repair can turn what looked like a comment or CDATA section into text: references
    // there were left alone by the first fixing and must not reach pugixml raw.
    repaired = fix_xml_entities(repair_xml(refixed), again);
    repaired.push_back('\0');
    pugi::xml_parse_result res2 =
        second.load_buffer_inplace(repaired.data(), repaired.size(), k_flags, pugi::encoding_utf8);
    if (second.document_element() && (res2 || !root)) {
      root = second.document_element();
    }
    // Line and column of the first error, for the operator who wants to tell the publisher.
    const std::string_view text = refixed;
    std::size_t line = 1;
    std::size_t col = 1;
    for (std::ptrdiff_t i = 0; i < res.offset && static_cast<std::size_t>(i) < text.size(); ++i) {
      if (text[static_cast<std::size_t>(i)] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    // pugixml reports a cut-off document as a tag mismatch; say what happened instead.
    bool at_end = static_cast<std::size_t>(res.offset) + 1 >= util::trim(text).size();
    std::string what = at_end ? "the document ends before its elements are closed"
                              : std::string(res.description());
    out.warnings.push_back("XML error at line " + std::to_string(line) + ", column " +
                           std::to_string(col) + ": " + what + "; recovered in a lenient pass");
  }
  if (!root) {
    return Error{"not a feed: no XML element found"};
  }
  const Scope document_scope;
  Scope top = document_scope.enter(root);
  QName rq = top.qname(root);
  bool is_atom = false;
  out.format = format_of(rq.local, rq.ns, root, is_atom);
  if (out.format.empty()) {
    if (util::iequals(rq.local, "html")) {
      return Error{"not a feed: an HTML page (look for <link rel=\"alternate\"> feed links in it)"};
    }
    return Error{"not a feed: the root element is <" + std::string(root.name()) + ">"};
  }

  Context ctx{options, out, false, {}};
  ctx.is_atom03 = out.format == "atom0.3";
  std::string base = base_of(root, options.base_url);
  FeedState fst;
  std::vector<std::pair<pugi::xml_node, Scope>> item_nodes;
  std::vector<std::pair<pugi::xml_node, Scope>> image_nodes; // RSS 1.0 images outside channel

  if (is_atom && rq.ns != Ns::atom && rq.ns != Ns::atom03) {
    top.alias(rq.ns, out.format == "atom0.3" ? Ns::atom03 : Ns::atom);
  } else if (rq.local == "rss" && rq.ns == Ns::other) {
    top.alias(Ns::other, Ns::none); // "http://backend.userland.com/rss2.1" and kin
  }
  if (is_atom) {
    std::string_view lang = trim(root.attribute("xml:lang").value());
    if (!lang.empty()) {
      out.feed.language = std::string(lang);
    }
    if (rq.local == "entry") {
      item_nodes.emplace_back(root, Scope());
    }
    for (pugi::xml_node c : rq.local == "entry" ? pugi::xml_node().children() : root.children()) {
      if (c.type() != pugi::node_element) {
        continue;
      }
      QName q = top.qname(c);
      if (q.local == "entry" && (q.ns == Ns::atom || q.ns == Ns::atom03 || q.ns == rq.ns)) {
        item_nodes.emplace_back(c, top);
      } else {
        read_feed_child(ctx, top, c, base, fst);
      }
    }
  } else {
    // RSS: <rss><channel>...<item/>...</channel></rss>; RDF: channel, image and items are
    // siblings under rdf:RDF; some RSS 0.9x put items beside the channel too.
    pugi::xml_node channel = rq.local == "channel" ? root : pugi::xml_node();
    Scope channel_scope = top;
    for (pugi::xml_node c : root.children()) {
      if (c.type() != pugi::node_element) {
        continue;
      }
      QName q = top.qname(c);
      if (q.local == "channel" && !channel) {
        channel = c;
        channel_scope = top.enter(c);
        if (rq.local == "RDF" && q.ns == Ns::rss090) {
          out.format = "rss0.90";
        }
      } else if (q.local == "item") {
        item_nodes.emplace_back(c, top);
      } else if (q.local == "image" && rq.local == "RDF") {
        image_nodes.emplace_back(c, top);
      }
    }
    if (!channel) {
      out.warnings.push_back("<" + std::string(root.name()) + "> has no <channel>");
    }
    std::string channel_base = !channel || channel == root ? base : base_of(channel, base);
    for (pugi::xml_node c : channel.children()) {
      if (c.type() != pugi::node_element) {
        continue;
      }
      QName q = channel_scope.qname(c);
      if (q.local == "item" && q.ns != Ns::atom && q.ns != Ns::atom03) {
        item_nodes.emplace_back(c, channel_scope);
      } else if (q.local == "entry" && q.ns == Ns::atom) {
        item_nodes.emplace_back(c, channel_scope);
      } else {
        read_feed_child(ctx, channel_scope, c, channel_base, fst);
      }
    }
    if (!fst.rss_image || fst.rss_image->empty()) {
      for (auto& [node, scope] : image_nodes) {
        if (auto img = read_rss_image(node, scope, base)) {
          fst.rss_image = img;
          break;
        }
      }
    }
    base = channel_base;
  }
  finish_feed(out.feed, std::move(fst));

  out.items.reserve(item_nodes.size());
  std::size_t index = 0;
  for (auto& [node, parent_scope] : item_nodes) {
    ++index;
    ctx.where = "item " + std::to_string(index) + ": ";
    Scope scope = parent_scope.enter(node);
    std::string item_base = base_of(node, base);
    ItemState st;
    for (pugi::xml_node c : node.children()) {
      if (c.type() == pugi::node_element) {
        read_entry_child(ctx, scope, c, item_base, st);
      }
    }
    if (!st.item.id && rq.local == "RDF") {
      std::string_view about = trim(node.attribute("rdf:about").value());
      if (!about.empty()) {
        st.item.id = std::string(about);
      }
    }
    out.items.push_back(finish_item(std::move(st), !is_atom));
    // RFC 4287 §4.2.1: an entry without authors takes its source's, else the feed's.
    if (is_atom && out.items.back().authors.empty()) {
      out.items.back().authors = out.feed.authors;
    }
  }
  ctx.where.clear();
  return out;
}

model::Author parse_person(std::string_view text) {
  model::Author a;
  std::string_view s = trim(text);
  auto looks_like_email = [](std::string_view v) {
    return v.find('@') != std::string_view::npos && v.find(' ') == std::string_view::npos;
  };
  if (s.empty()) {
    return a;
  }
  // "email (Name)"
  if (std::size_t open = s.find('('); open != std::string_view::npos && s.back() == ')') {
    std::string_view before = trim(s.substr(0, open));
    std::string_view inside = trim(s.substr(open + 1, s.size() - open - 2));
    if (looks_like_email(before)) {
      a.email = std::string(before);
      if (!inside.empty()) {
        a.name = std::string(inside);
      }
      return a;
    }
    if (looks_like_email(inside)) { // "Name (email)"
      a.email = std::string(inside);
      if (!before.empty()) {
        a.name = std::string(before);
      }
      return a;
    }
  }
  // "Name <email>"
  if (std::size_t open = s.find('<'); open != std::string_view::npos && s.back() == '>') {
    std::string_view before = trim(s.substr(0, open));
    std::string_view inside = trim(s.substr(open + 1, s.size() - open - 2));
    if (util::istarts_with(inside, "mailto:")) {
      inside.remove_prefix(7);
    }
    if (looks_like_email(inside)) {
      a.email = std::string(inside);
      if (!before.empty()) {
        a.name = std::string(before);
      }
      return a;
    }
  }
  if (looks_like_email(s)) {
    if (util::istarts_with(s, "mailto:")) {
      s.remove_prefix(7);
    }
    a.email = std::string(s);
    return a;
  }
  a.name = std::string(s);
  return a;
}

} // namespace fw::parse::detail
