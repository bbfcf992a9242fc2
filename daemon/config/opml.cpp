#include "config/opml.hpp"

#include "config/detail.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cstdio>
#include <pugixml.hpp>
#include <sstream>

namespace fw::config {
namespace {

using detail::position_at;
using detail::slugify;

// OPML files in the wild vary the case of names (xmlURL, xmlurl), so names match ignoring case.
pugi::xml_attribute find_attribute(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_attribute a : node.attributes()) {
    if (util::iequals(a.name(), name)) {
      return a;
    }
  }
  return {};
}

std::string attribute_text(const pugi::xml_node& node, std::string_view name) {
  // Titles end up in TOML (opml_to_toml), which must be valid UTF-8. Repaired before the white
  // space is collapsed, so that a control character dropped leaves no space at either end or two
  // in a row ("\x17 e" gives "e"; found by tests/fuzz/opml_fuzz.cpp).
  std::string text = find_attribute(node, name).value();
  util::repair_utf8(text);
  return util::collapse_space(text);
}

bool is_element(const pugi::xml_node& node, std::string_view name) {
  return node.type() == pugi::node_element && util::iequals(node.name(), name);
}

bool has_element_children(const pugi::xml_node& node) {
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_element) {
      return true;
    }
  }
  return false;
}

void add_tag(std::vector<std::string>& tags, std::string tag) {
  if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end()) {
    tags.push_back(std::move(tag));
  }
}

// "/Boston/Weather,/Harvard/Economics" → boston, weather, harvard, economics.
void add_category_tags(std::vector<std::string>& tags, std::string_view category) {
  std::size_t start = 0;
  while (start <= category.size()) {
    std::size_t end = category.find_first_of(",/", start);
    if (end == std::string_view::npos) {
      end = category.size();
    }
    add_tag(tags, slugify(category.substr(start, end - start)));
    start = end + 1;
  }
}

std::string url_slug(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return slugify(url);
  }
  const boost::urls::url_view& u = *parsed;
  std::string host_path(u.encoded_host());
  host_path += u.encoded_path();
  return slugify(host_path);
}

std::string unique_id(std::string base, std::set<std::string>& taken_ids) {
  if (base.empty()) {
    base = "feed";
  }
  std::string id = base;
  for (int n = 2; taken_ids.count(id) != 0; ++n) {
    id = base + "-" + std::to_string(n);
  }
  taken_ids.insert(id);
  return id;
}

class OpmlWalker {
public:
  OpmlWalker(std::string_view text, const std::string& label, std::set<std::string>& taken_ids,
             std::vector<FeedConfig>& feeds, std::vector<std::string>& problems)
      : m_text(text), m_label(label), m_taken_ids(taken_ids), m_feeds(feeds), m_problems(problems) {
  }

  void walk(const pugi::xml_node& parent, const std::vector<std::string>& folder_tags) {
    for (pugi::xml_node child : parent.children()) {
      if (!is_element(child, "outline")) {
        continue;
      }
      std::string xml_url(util::trim(find_attribute(child, "xmlUrl").value()));
      if (!xml_url.empty()) {
        add_feed(child, xml_url, folder_tags);
        walk(child, folder_tags);
      } else if (has_element_children(child)) {
        std::vector<std::string> tags = folder_tags;
        std::string name = attribute_text(child, "text");
        add_tag(tags, slugify(name.empty() ? attribute_text(child, "title") : name));
        walk(child, tags);
      }
    }
  }

  [[nodiscard]] std::string where(const pugi::xml_node& node) const {
    auto offset = node.offset_debug();
    auto pos = position_at(m_text, offset < 0 ? 0 : static_cast<std::size_t>(offset));
    return m_label + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  }

private:
  void add_feed(const pugi::xml_node& outline, const std::string& xml_url,
                const std::vector<std::string>& folder_tags) {
    FeedConfig feed;
    std::string title = attribute_text(outline, "title");
    if (title.empty()) {
      title = attribute_text(outline, "text");
    }
    feed.url = util::clean_url(xml_url);
    std::string here = where(outline);
    if (auto problem = detail::url_problem(feed.url)) {
      m_problems.push_back(here + ": outline \"" + title + "\": xmlUrl \"" + xml_url + "\" " +
                           *problem);
      return;
    }
    feed.tags = folder_tags;
    add_category_tags(feed.tags, find_attribute(outline, "category").value());
    std::string base = slugify(title);
    if (base.empty()) {
      base = url_slug(feed.url);
    }
    feed.id = unique_id(std::move(base), m_taken_ids);
    if (!title.empty()) {
      feed.title = std::move(title);
    }
    feed.origin = here.substr(0, here.rfind(':'));
    m_feeds.push_back(std::move(feed));
  }

  std::string_view m_text;
  const std::string& m_label;
  std::set<std::string>& m_taken_ids;
  std::vector<FeedConfig>& m_feeds;
  std::vector<std::string>& m_problems;
};

// A TOML basic string: quotes, backslashes and control characters escaped.
void append_toml_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(c));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  out += '"';
}

void append_string_line(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += " = ";
  append_toml_string(out, value);
  out += '\n';
}

} // namespace

namespace detail {

void parse_opml(std::string_view text, const std::string& label, std::set<std::string>& taken_ids,
                std::vector<FeedConfig>& feeds, std::vector<std::string>& problems) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size());
  if (!parsed) {
    auto pos = position_at(text, parsed.offset < 0 ? 0 : static_cast<std::size_t>(parsed.offset));
    problems.push_back(label + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
                       ": malformed OPML: " + parsed.description());
    return;
  }
  std::vector<std::string> no_tags;
  OpmlWalker walker(text, label, taken_ids, feeds, problems);
  pugi::xml_node root = doc.document_element();
  if (!is_element(root, "opml")) {
    problems.push_back((root ? walker.where(root) : label + ":1:1") +
                       ": not an OPML document: the root element must be <opml>, found <" +
                       root.name() + ">");
    return;
  }
  pugi::xml_node body;
  for (pugi::xml_node child : root.children()) {
    if (is_element(child, "body")) {
      body = child;
      break;
    }
  }
  if (!body) {
    problems.push_back(walker.where(root) + ": not an OPML document: <opml> has no <body>");
    return;
  }
  walker.walk(body, no_tags);
}

} // namespace detail

std::vector<FeedConfig> read_opml(const std::filesystem::path& file) {
  auto text = detail::read_text_file(file);
  if (!text) {
    throw ConfigError(file.string() + ": cannot read OPML file: " + text.error().message);
  }
  return parse_opml(*text, file.string());
}

std::vector<FeedConfig> parse_opml(std::string_view text, const std::string& label) {
  std::set<std::string> taken_ids;
  std::vector<FeedConfig> feeds;
  std::vector<std::string> problems;
  detail::parse_opml(text, label, taken_ids, feeds, problems);
  if (!problems.empty()) {
    detail::throw_problems(problems);
  }
  return feeds;
}

std::string opml_to_toml(const std::vector<FeedConfig>& feeds) {
  std::string out;
  for (const FeedConfig& feed : feeds) {
    if (!out.empty()) {
      out += '\n';
    }
    if (!feed.origin.empty()) {
      out += "# ";
      // A comment ends at the line break, so one in the origin would leak into the TOML.
      for (char c : feed.origin) {
        out += (c == '\n' || c == '\r') ? ' ' : c;
      }
      out += '\n';
    }
    out += "[[feed]]\n";
    append_string_line(out, "id", feed.id);
    append_string_line(out, "url", feed.url);
    if (feed.title) {
      append_string_line(out, "title", *feed.title);
    }
    if (feed.interval) {
      out += "interval = " + std::to_string(feed.interval->count()) + "\n";
    }
    if (!feed.tags.empty()) {
      out += "tags = [";
      for (std::size_t i = 0; i < feed.tags.size(); ++i) {
        out += i == 0 ? "" : ", ";
        append_toml_string(out, feed.tags[i]);
      }
      out += "]\n";
    }
    if (!feed.headers.empty()) {
      out += "headers = { ";
      for (std::size_t i = 0; i < feed.headers.size(); ++i) {
        out += i == 0 ? "" : ", ";
        append_toml_string(out, feed.headers[i].first);
        out += " = ";
        append_toml_string(out, feed.headers[i].second);
      }
      out += " }\n";
    }
    if (feed.user_agent) {
      append_string_line(out, "user_agent", *feed.user_agent);
    }
    if (!feed.enabled) {
      out += "enabled = false\n";
    }
    if (feed.on_first_poll) {
      append_string_line(out, "on_first_poll",
                         *feed.on_first_poll == OnFirstPoll::publish ? "publish" : "mark_seen");
    }
  }
  return out;
}

std::string feeds_to_opml(const std::vector<FeedConfig>& feeds, std::string_view title) {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node opml = doc.append_child("opml");
  opml.append_attribute("version") = "2.0";
  opml.append_child("head").append_child("title").text().set(std::string(title).c_str());
  pugi::xml_node body = opml.append_child("body");
  for (const FeedConfig& f : feeds) {
    pugi::xml_node outline = body.append_child("outline");
    const std::string& name = f.title ? *f.title : f.id;
    outline.append_attribute("type") = "rss";
    outline.append_attribute("text") = name.c_str();
    outline.append_attribute("title") = name.c_str();
    outline.append_attribute("xmlUrl") = f.url.c_str();
    if (!f.tags.empty()) {
      std::string category;
      for (const std::string& tag : f.tags) {
        category += (category.empty() ? "" : ",") + tag;
      }
      outline.append_attribute("category") = category.c_str();
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

} // namespace fw::config
