#include "normalize/normalize.hpp"

#include "normalize/html_text.hpp"
#include "normalize/html_urls.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"
#include "util/utf8.hpp"

namespace fw::normalize {
namespace {

using parse::Text;
using parse::TextType;

std::optional<std::string> non_empty(std::string s) {
  if (s.empty()) {
    return std::nullopt;
  }
  return s;
}

// A text construct as one line of plain text (titles, descriptions). An element that is present
// but empty gives "", a missing one null.
std::optional<std::string> line_of(const std::optional<Text>& t) {
  if (!t) {
    return std::nullopt;
  }
  if (t->type == TextType::text) {
    return util::collapse_space(t->value);
  }
  return html_to_line(t->value);
}

// BCP 47 separates subtags with '-'; "en_US" is a common slip.
std::optional<std::string> language_tag(const std::optional<std::string>& raw) {
  if (!raw) {
    return std::nullopt;
  }
  std::string v(util::trim(*raw));
  for (char& c : v) {
    if (c == '_') {
      c = '-';
    }
  }
  return non_empty(std::move(v));
}

std::optional<std::string> html_of(std::optional<Text>& t) {
  if (!t) {
    return std::nullopt;
  }
  if (util::trim(t->value).empty()) {
    return std::nullopt;
  }
  if (t->type == TextType::text) {
    std::string escaped;
    escaped.reserve(t->value.size() + 16);
    util::append_escaped_html(escaped, t->value);
    return escaped;
  }
  if (!t->base.empty() && util::has_scheme(t->base)) {
    if (std::optional<std::string> rewritten = rewrite_html_urls(t->value, t->base)) {
      return rewritten;
    }
  }
  return std::move(t->value); // the field is not read again
}

std::vector<model::Author> clean_authors(std::vector<model::Author> in) {
  std::vector<model::Author> out;
  out.reserve(in.size());
  for (model::Author& a : in) {
    if (a.name) {
      a.name = non_empty(looks_like_html(*a.name) ? html_to_line(*a.name)
                                                  : util::collapse_space(*a.name));
    }
    if (a.name || a.email || a.uri) {
      out.push_back(std::move(a));
    }
  }
  return out;
}

std::vector<std::string> clean_categories(std::vector<std::string> in) {
  std::vector<std::string> out;
  out.reserve(in.size());
  for (std::string& c : in) {
    std::string v = looks_like_html(c) ? html_to_line(c) : util::collapse_space(c);
    if (!v.empty()) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

// The output is UTF-8 whatever the input was: decoding repaired it, but a numeric reference in
// markup that only the lenient pass exposed can still decode to an invalid sequence.
void ensure_utf8(std::optional<std::string>& s) {
  if (s && !util::is_valid_utf8(*s)) {
    util::repair_utf8(*s);
  }
}

} // namespace

model::FeedDocument normalize_feed(parse::ParsedFeed parsed) {
  model::FeedDocument doc;
  doc.format = std::move(parsed.format);
  doc.warnings = std::move(parsed.warnings);
  for (std::string& w : doc.warnings) {
    util::repair_utf8(w); // warnings quote the input; the output is UTF-8 whatever they quote
  }

  parse::Feed& pf = parsed.feed;
  model::FeedInfo& f = doc.feed;
  f.title = line_of(pf.title);
  f.link = std::move(pf.link);
  f.feed_url = std::move(pf.feed_url);
  f.description = line_of(pf.description);
  f.language = language_tag(pf.language);
  f.updated = pf.updated;
  f.authors = clean_authors(std::move(pf.authors));
  f.image = std::move(pf.image);
  f.categories = clean_categories(std::move(pf.categories));
  for (auto* field : {&f.title, &f.link, &f.description}) {
    ensure_utf8(*field);
  }
  f.ttl_minutes = pf.ttl_minutes;
  f.hub = std::move(pf.hub);

  doc.items.reserve(parsed.items.size());
  for (parse::Item& pi : parsed.items) {
    model::Story s;
    s.id = std::move(pi.id);
    s.link = std::move(pi.link);
    s.title = line_of(pi.title);
    s.authors = clean_authors(std::move(pi.authors));
    s.published = pi.published;
    s.updated = pi.updated;
    s.summary_html = html_of(pi.summary);
    s.content_html = html_of(pi.content);
    const std::optional<std::string>& body = s.content_html ? s.content_html : s.summary_html;
    if (body) {
      s.text = non_empty(html_to_text(*body));
    }
    // The HTML fields and the text are left to the source (parse fixes every reference before
    // pugixml decodes it; parse_fuzz checks the JSON): checking them too cost 10% of the time.
    for (auto* field : {&s.id, &s.link, &s.title}) {
      ensure_utf8(*field);
    }
    s.categories = clean_categories(std::move(pi.categories));
    s.enclosures = std::move(pi.enclosures);
    s.image = std::move(pi.image);
    s.comments = std::move(pi.comments);
    doc.items.push_back(std::move(s));
  }
  return doc;
}

} // namespace fw::normalize
