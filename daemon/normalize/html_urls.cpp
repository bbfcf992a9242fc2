#include "normalize/html_urls.hpp"

#include "util/strings.hpp"
#include "util/url.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

namespace fw::normalize {

namespace {

constexpr bool is_html_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

constexpr bool is_ascii_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr bool is_ascii_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

constexpr std::array<std::string_view, 12> k_url_attributes = {
    "href",   "src",    "cite",     "action", "background", "longdesc",
    "usemap", "poster", "codebase", "data",   "profile",    "xlink:href",
};

bool is_url_attribute(std::string_view name) noexcept {
  for (std::string_view a : k_url_attributes) {
    if (util::iequals(name, a)) {
      return true;
    }
  }
  return false;
}

// Elements whose content the HTML tokenizer reads as text up to their end tag. <noscript> is
// not among them: parsers without scripting (feed readers, gumbo) read it as markup.
bool is_raw_text_element(std::string_view name) noexcept {
  constexpr std::array<std::string_view, 8> k_names = {"script", "style",  "textarea", "title",
                                                       "xmp",    "iframe", "noembed",  "noframes"};
  for (std::string_view n : k_names) {
    if (util::iequals(name, n)) {
      return true;
    }
  }
  return false;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    cp = 0xFFFD;
  }
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the character references that turn up in URL attribute values: "&amp;" (by far the
// most common, in query strings), the other XML ones and numeric ones. Other named references
// are left as they are; they do not occur in real URLs, and a bare "&name" in an attribute is
// not a reference anyway when followed by '=' (HTML §13.2.5.73).
std::string decode_attribute(std::string_view raw) {
  struct Named {
    std::string_view name;
    char value;
  };
  constexpr std::array<Named, 9> k_named = {{{"amp;", '&'},
                                             {"AMP;", '&'},
                                             {"quot;", '"'},
                                             {"QUOT;", '"'},
                                             {"apos;", '\''},
                                             {"lt;", '<'},
                                             {"LT;", '<'},
                                             {"gt;", '>'},
                                             {"GT;", '>'}}};
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] != '&') {
      out.push_back(raw[i++]);
      continue;
    }
    const std::string_view rest = raw.substr(i + 1);
    bool decoded = false;
    for (const Named& n : k_named) {
      if (rest.starts_with(n.name)) {
        out.push_back(n.value);
        i += 1 + n.name.size();
        decoded = true;
        break;
      }
    }
    if (!decoded && rest.starts_with('#')) {
      const bool is_hex = rest.size() > 1 && (rest[1] == 'x' || rest[1] == 'X');
      std::size_t k = is_hex ? 2 : 1;
      std::uint32_t cp = 0;
      const std::size_t digits_begin = k;
      for (; k < rest.size(); ++k) {
        const char c = rest[k];
        std::uint32_t d = 0;
        if (is_ascii_digit(c)) {
          d = static_cast<std::uint32_t>(c - '0');
        } else if (is_hex && c >= 'a' && c <= 'f') {
          d = static_cast<std::uint32_t>(c - 'a' + 10);
        } else if (is_hex && c >= 'A' && c <= 'F') {
          d = static_cast<std::uint32_t>(c - 'A' + 10);
        } else {
          break;
        }
        cp = std::min<std::uint32_t>(cp * (is_hex ? 16 : 10) + d, 0x110000);
      }
      if (k > digits_begin) {
        append_utf8(out, cp);
        i += 1 + k + (k < rest.size() && rest[k] == ';' ? 1 : 0);
        decoded = true;
      }
    }
    if (!decoded) {
      out.push_back(raw[i++]);
    }
  }
  return out;
}

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '&') {
      out.append("&amp;");
    } else if (c == '"') {
      out.append("&quot;");
    } else {
      out.push_back(c);
    }
  }
}

// The absolute form of one URL reference, or std::nullopt to leave it alone: empty references,
// fragment-only ones ("#top" means this document, whatever its address), references with a
// scheme (absolute, "javascript:", "data:", "mailto:") and those that cannot be resolved.
std::optional<std::string> absolute_url(std::string_view base, std::string_view value) {
  const std::string_view ref = util::trim(value);
  if (ref.empty() || ref.front() == '#' || util::has_scheme(ref)) {
    return std::nullopt;
  }
  return util::resolve_url(base, ref);
}

// Each image candidate of a srcset value ("a.jpg 1x, b.jpg 2x"), split as in HTML §4.8.4.3.4
// "parse a srcset attribute": the URL runs up to white space, trailing commas end the candidate,
// descriptors run up to a comma outside parentheses. Returns the rewritten value, or
// std::nullopt when no URL changed.
std::optional<std::string> resolve_srcset(std::string_view base, std::string_view value) {
  std::string out;
  bool changed = false;
  std::size_t copied = 0;
  std::size_t i = 0;
  const std::size_t n = value.size();
  while (i < n) {
    while (i < n && (is_html_space(value[i]) || value[i] == ',')) {
      ++i;
    }
    if (i >= n) {
      break;
    }
    const std::size_t url_begin = i;
    while (i < n && !is_html_space(value[i])) {
      ++i;
    }
    std::size_t url_end = i;
    bool ends_candidate = false;
    while (url_end > url_begin && value[url_end - 1] == ',') {
      --url_end;
      ends_candidate = true;
    }
    if (!ends_candidate) {
      bool in_parens = false;
      while (i < n && (in_parens || value[i] != ',')) {
        if (value[i] == '(') {
          in_parens = true;
        } else if (value[i] == ')') {
          in_parens = false;
        }
        ++i;
      }
    }
    if (url_end > url_begin) {
      const std::string_view url = value.substr(url_begin, url_end - url_begin);
      if (auto absolute = absolute_url(base, url); absolute && *absolute != url) {
        out.append(value.substr(copied, url_begin - copied));
        out.append(*absolute);
        copied = url_end;
        changed = true;
      }
    }
  }
  if (!changed) {
    return std::nullopt;
  }
  out.append(value.substr(copied));
  return out;
}

struct Attribute {
  std::string_view name;
  std::string_view value;      // raw, without quotes
  std::size_t value_begin = 0; // the value in the document, quotes included
  std::size_t value_end = 0;
};

// Reads the attributes of a start or end tag whose name starts at `at` (WHATWG HTML §13.2.5.32
// to §13.2.5.40), calling `on_attribute` for each one that has a value. Returns the position
// after the closing '>', or std::nullopt when the input ends inside the tag (the tokenizer then
// drops the tag). Also returns the tag name through `name`.
template <typename OnAttribute>
std::optional<std::size_t> read_tag(std::string_view html, std::size_t at, std::string_view& name,
                                    OnAttribute on_attribute) {
  const std::size_t n = html.size();
  std::size_t i = at;
  while (i < n && !is_html_space(html[i]) && html[i] != '/' && html[i] != '>') {
    ++i;
  }
  name = html.substr(at, i - at);
  while (i < n) {
    // Before attribute name.
    while (i < n && (is_html_space(html[i]) || html[i] == '/')) {
      ++i;
    }
    if (i >= n) {
      break;
    }
    if (html[i] == '>') {
      return i + 1;
    }
    const std::size_t name_begin = i++; // may start with '='
    while (i < n && !is_html_space(html[i]) && html[i] != '/' && html[i] != '>' && html[i] != '=') {
      ++i;
    }
    Attribute attr;
    attr.name = html.substr(name_begin, i - name_begin);
    while (i < n && is_html_space(html[i])) {
      ++i;
    }
    if (i >= n || html[i] != '=') {
      continue; // no value
    }
    ++i;
    while (i < n && is_html_space(html[i])) {
      ++i;
    }
    if (i >= n) {
      break;
    }
    if (html[i] == '>') {
      return i + 1; // "a=>" : empty value
    }
    attr.value_begin = i;
    if (html[i] == '"' || html[i] == '\'') {
      const std::size_t close = html.find(html[i], i + 1);
      if (close == std::string_view::npos) {
        break;
      }
      attr.value = html.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      while (i < n && !is_html_space(html[i]) && html[i] != '>') {
        ++i;
      }
      attr.value = html.substr(attr.value_begin, i - attr.value_begin);
    }
    attr.value_end = i;
    on_attribute(attr);
  }
  return std::nullopt;
}

// See html_text.cpp: comments, bogus comments and doctypes.
std::size_t skip_markup_declaration(std::string_view html, std::size_t at) {
  if (html.substr(at, 4) == "<!--") {
    const std::size_t body = at + 4;
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
  const std::size_t close = html.find('>', at + 2);
  return close == std::string_view::npos ? html.size() : close + 1;
}

std::size_t find_raw_text_end(std::string_view html, std::size_t from, std::string_view name) {
  for (std::size_t i = html.find("</", from); i != std::string_view::npos;
       i = html.find("</", i + 2)) {
    const std::size_t after = i + 2 + name.size();
    if (after <= html.size() && util::iequals(html.substr(i + 2, name.size()), name) &&
        (after == html.size() || is_html_space(html[after]) || html[after] == '/' ||
         html[after] == '>')) {
      return i;
    }
  }
  return html.size();
}

// The start tags of `html` in document order, as the HTML tokenizer sees them: comments,
// doctypes, end tags and the text of raw-text elements (<script>, <style>, ...) are skipped, and
// <plaintext> ends the markup. Calls on_attribute(tag, attribute) for each attribute with a
// value, then on_start_tag(tag) once the tag is read; walking stops when that returns false.
template <typename OnAttribute, typename OnStartTag>
void walk_start_tags(std::string_view html, OnAttribute on_attribute, OnStartTag on_start_tag) {
  auto ignore = [](const Attribute&) {};
  const std::size_t n = html.size();
  std::size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos && i + 1 < n) {
    const char next = html[i + 1];
    std::string_view name;
    if (is_ascii_alpha(next)) {
      const auto end =
          read_tag(html, i + 1, name, [&](const Attribute& attr) { on_attribute(name, attr); });
      if (!end) {
        break;
      }
      i = *end;
      if (!on_start_tag(name) || util::iequals(name, "plaintext")) {
        break;
      }
      if (is_raw_text_element(name)) {
        const std::size_t close = find_raw_text_end(html, i, name);
        const auto close_end = close < n ? read_tag(html, close + 2, name, ignore) : std::nullopt;
        if (!close_end) {
          break;
        }
        i = *close_end;
      }
    } else if (next == '/' && i + 2 < n && is_ascii_alpha(html[i + 2])) {
      const auto end = read_tag(html, i + 2, name, ignore);
      if (!end) {
        break;
      }
      i = *end;
    } else if (next == '!' || next == '?' || next == '/') {
      i = skip_markup_declaration(html, i);
    } else {
      ++i;
    }
  }
}

// More is a page that is not announcing its feeds but listing other sites' (a blogroll).
constexpr std::size_t k_max_feed_links = 16;

// The media types of feeds that pages announce in <link rel="alternate" type="...">.
bool is_feed_type(std::string_view type) noexcept {
  for (const std::string_view t :
       {"application/rss+xml", "application/atom+xml", "application/rdf+xml",
        "application/feed+json", "application/json"}) {
    if (util::iequals(type, t)) {
      return true;
    }
  }
  return false;
}

// True when the space-separated token list `rel` holds `token` (ASCII case-insensitive).
bool has_token(std::string_view rel, std::string_view token) noexcept {
  std::size_t i = 0;
  while (i < rel.size()) {
    while (i < rel.size() && is_html_space(rel[i])) {
      ++i;
    }
    std::size_t end = i;
    while (end < rel.size() && !is_html_space(rel[end])) {
      ++end;
    }
    if (end > i && util::iequals(rel.substr(i, end - i), token)) {
      return true;
    }
    i = end;
  }
  return false;
}

} // namespace

std::string resolve_html_urls(std::string_view html, std::string_view base) {
  std::optional<std::string> rewritten = rewrite_html_urls(html, base);
  return rewritten ? std::move(*rewritten) : std::string(html);
}

std::optional<std::string> rewrite_html_urls(std::string_view html, std::string_view base) {
  if (html.find('<') == std::string_view::npos || !util::resolve_url(base, "")) {
    return std::nullopt;
  }
  std::string out;
  std::size_t copied = 0;
  auto rewrite = [&](std::string_view, const Attribute& attr) {
    std::optional<std::string> absolute;
    if (util::iequals(attr.name, "srcset") || util::iequals(attr.name, "imagesrcset")) {
      absolute = resolve_srcset(base, decode_attribute(attr.value));
    } else if (is_url_attribute(attr.name)) {
      absolute = absolute_url(base, decode_attribute(attr.value));
    }
    if (!absolute || *absolute == attr.value) {
      return; // not a URL attribute, or already absolute as written: the bytes stay
    }
    if (out.empty()) {
      out.reserve(html.size() + html.size() / 8);
    }
    out.append(html.substr(copied, attr.value_begin - copied));
    out.push_back('"');
    append_escaped(out, *absolute);
    out.push_back('"');
    copied = attr.value_end;
  };
  walk_start_tags(html, rewrite, [](std::string_view) { return true; });
  if (copied == 0) {
    return std::nullopt;
  }
  out.append(html.substr(copied));
  return out;
}

std::vector<FeedLink> discover_feed_links(std::string_view html, std::string_view page_url) {
  std::vector<FeedLink> links;
  std::string base(page_url);
  bool base_seen = false;
  std::string rel;
  std::string type;
  std::string href;
  std::string title;
  auto attribute = [&](std::string_view tag, const Attribute& attr) {
    if (!util::iequals(tag, "link") && !util::iequals(tag, "base")) {
      return;
    }
    if (util::iequals(attr.name, "rel")) {
      rel = decode_attribute(attr.value);
    } else if (util::iequals(attr.name, "type")) {
      type = decode_attribute(attr.value);
    } else if (util::iequals(attr.name, "href")) {
      href = decode_attribute(attr.value);
    } else if (util::iequals(attr.name, "title")) {
      title = decode_attribute(attr.value);
    }
  };
  auto start_tag = [&](std::string_view tag) {
    if (util::iequals(tag, "base") && !base_seen && !href.empty()) {
      // The first <base href> sets the document's base URL (HTML §4.2.3).
      base_seen = true;
      if (std::optional<std::string> b = util::resolve_url(page_url, href)) {
        base = std::move(*b);
      }
    } else if (util::iequals(tag, "link") && has_token(rel, "alternate") &&
               !has_token(rel, "stylesheet")) {
      const std::string_view media_type =
          util::trim(std::string_view(type).substr(0, std::min(type.size(), type.find(';'))));
      if (is_feed_type(media_type) && !util::trim(href).empty()) {
        if (std::optional<std::string> url = util::resolve_url(base, href)) {
          links.push_back({std::move(*url), util::to_lower(media_type), title});
        }
      }
    }
    rel.clear();
    type.clear();
    href.clear();
    title.clear();
    return links.size() < k_max_feed_links;
  };
  walk_start_tags(html, attribute, start_tag);
  return links;
}

} // namespace fw::normalize
