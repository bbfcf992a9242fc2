// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).

#include "parse/date.hpp"
#include "parse/formats.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace fw::parse::detail {
namespace {

using json = nlohmann::json;

std::optional<std::string> str(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    return std::nullopt;
  }
  if (it->is_string()) {
    std::string_view v = util::trim(it->get_ref<const std::string&>());
    if (v.empty()) {
      return std::nullopt;
    }
    return std::string(v);
  }
  if (it->is_number_integer() || it->is_number_unsigned()) {
    return it->dump(); // ids written as numbers
  }
  return std::nullopt;
}

std::optional<std::string> url(const json& obj, const char* key, const std::string& base) {
  auto v = str(obj, key);
  if (!v) {
    return v;
  }
  if (!base.empty() && !util::has_scheme(*v)) {
    if (auto r = util::resolve_url(base, *v)) {
      return r;
    }
  }
  return util::clean_url(*v);
}

std::vector<model::Author> authors(const json& obj, const std::string& base) {
  std::vector<model::Author> out;
  auto add = [&](const json& a) {
    if (!a.is_object()) {
      return;
    }
    model::Author au;
    au.name = str(a, "name");
    au.uri = url(a, "url", base);
    if (au.uri && util::istarts_with(*au.uri, "mailto:")) {
      au.email = au.uri->substr(7);
    }
    if (au.name || au.uri) {
      out.push_back(std::move(au));
    }
  };
  // 1.0's "author" and 1.1's "authors" may both be there: both count, once each.
  if (auto it1 = obj.find("author"); it1 != obj.end()) {
    add(*it1);
  }
  if (auto it = obj.find("authors"); it != obj.end() && it->is_array()) {
    for (const json& a : *it) {
      add(a);
    }
  }
  std::vector<model::Author> unique;
  for (model::Author& a : out) {
    if (std::find(unique.begin(), unique.end(), a) == unique.end()) {
      unique.push_back(std::move(a));
    }
  }
  return unique;
}

std::optional<model::Timestamp> date(ParsedFeed& out, const std::string& where, const json& obj,
                                     const char* key) {
  auto v = str(obj, key);
  if (!v) {
    return std::nullopt;
  }
  if (auto d = parse_date(*v)) {
    return d;
  }
  out.warnings.push_back(where + key + " \"" + std::string(util::utf8_prefix(*v, 100)) +
                         "\" is not a date");
  return std::nullopt;
}

} // namespace

Result<ParsedFeed> parse_json_feed(std::string_view utf8, const ParseOptions& options) {
  json doc = json::parse(utf8.begin(), utf8.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Error{"not a feed: the document starts like JSON but is not valid JSON"};
  }
  if (!doc.is_object()) {
    return Error{"not a feed: the JSON document is not an object"};
  }
  ParsedFeed out;
  std::string version = str(doc, "version").value_or("");
  if (version.find("jsonfeed.org/version/1.1") != std::string::npos || version == "1.1") {
    out.format = "jsonfeed1.1";
  } else if (version.find("jsonfeed.org/version/1") != std::string::npos || version == "1" ||
             version == "1.0") {
    out.format = "jsonfeed1.0";
  } else if (doc.contains("items") && doc["items"].is_array()) {
    out.format = "jsonfeed1.1";
    out.warnings.push_back("version \"" + std::string(util::utf8_prefix(version, 100)) +
                           "\" is not a JSON Feed version; read as JSON Feed 1.1");
  } else {
    return Error{"not a feed: a JSON document without a JSON Feed version or items"};
  }

  Feed& f = out.feed;
  std::string base = options.base_url;
  f.feed_url = url(doc, "feed_url", base);
  if (base.empty() && f.feed_url && util::has_scheme(*f.feed_url)) {
    base = *f.feed_url;
  }
  f.link = url(doc, "home_page_url", base);
  if (base.empty() && f.link && util::has_scheme(*f.link)) {
    base = *f.link;
  }
  if (auto t = str(doc, "title")) {
    f.title = Text{*t, TextType::text, base};
  }
  if (auto d = str(doc, "description")) {
    f.description = Text{*d, TextType::text, base};
  }
  f.language = str(doc, "language");
  f.image = url(doc, "icon", base);
  if (!f.image) {
    f.image = url(doc, "favicon", base);
  }
  f.authors = authors(doc, base);
  if (auto it = doc.find("hubs"); it != doc.end() && it->is_array()) {
    for (const json& h : *it) {
      if (h.is_object() && !f.hub) {
        f.hub = url(h, "url", base);
      }
    }
  }

  auto items = doc.find("items");
  if (items == doc.end() || !items->is_array()) {
    out.warnings.push_back("the feed has no \"items\" array");
    return out;
  }
  std::size_t index = 0;
  for (const json& j : *items) {
    ++index;
    std::string where = "item " + std::to_string(index) + ": ";
    if (!j.is_object()) {
      out.warnings.push_back(where + "is not an object; skipped");
      continue;
    }
    Item it;
    it.id = str(j, "id");
    it.link = url(j, "url", base);
    if (!it.link) {
      it.link = url(j, "external_url", base);
    }
    if (auto t = str(j, "title")) {
      it.title = Text{*t, TextType::text, base};
    }
    if (auto h = str(j, "content_html")) {
      it.content = Text{*h, TextType::html, base};
    } else if (auto t = str(j, "content_text")) {
      it.content = Text{*t, TextType::text, base};
    }
    if (auto s = str(j, "summary")) {
      it.summary = Text{*s, TextType::text, base};
    }
    it.image = url(j, "image", base);
    if (!it.image) {
      it.image = url(j, "banner_image", base);
    }
    it.published = date(out, where, j, "date_published");
    it.updated = date(out, where, j, "date_modified");
    it.authors = authors(j, base);
    if (it.authors.empty()) {
      it.authors = f.authors; // JSON Feed 1.1: items inherit the feed's authors
    }
    if (auto tags = j.find("tags"); tags != j.end() && tags->is_array()) {
      for (const json& t : *tags) {
        if (t.is_string() && !util::trim(t.get_ref<const std::string&>()).empty()) {
          it.categories.emplace_back(util::trim(t.get_ref<const std::string&>()));
        }
      }
    }
    if (auto att = j.find("attachments"); att != j.end() && att->is_array()) {
      for (const json& a : *att) {
        if (!a.is_object()) {
          continue;
        }
        auto u = url(a, "url", base);
        if (!u) {
          continue;
        }
        model::Enclosure e;
        e.url = *u;
        e.type = str(a, "mime_type");
        if (auto s = a.find("size_in_bytes"); s != a.end() && s->is_number_integer()) {
          e.length = s->get<std::int64_t>();
        }
        it.enclosures.push_back(std::move(e));
      }
    }
    out.items.push_back(std::move(it));
  }
  return out;
}

} // namespace fw::parse::detail
