#include "parse/feed_parser.hpp"

#include "parse/encoding.hpp"
#include "parse/formats.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

namespace fw::parse {
namespace {

// How far into the document markup may start before we call it "not a feed". Some servers
// prepend a PHP warning or a stray line; a binary file has no '<' early on.
constexpr std::size_t k_max_leading_garbage = 4096;

void resolve_against(std::optional<std::string>& url, const std::string& base) {
  if (url && !util::has_scheme(*url)) {
    if (auto r = util::resolve_url(base, *url)) {
      url = std::move(r);
    }
  }
}

void resolve_authors(std::vector<model::Author>& authors, const std::string& base) {
  for (model::Author& a : authors) {
    resolve_against(a.uri, base);
  }
}

// The last resort of RFC 3986 resolution for feeds without xml:base or a known location: the
// feed's own site link (what feedparser and browsers of feeds do).
void resolve_with_site_link(ParsedFeed& pf) {
  if (!pf.feed.link || !util::has_scheme(*pf.feed.link)) {
    return;
  }
  const std::string& site = *pf.feed.link;
  Feed& f = pf.feed;
  resolve_against(f.feed_url, site);
  resolve_against(f.image, site);
  resolve_against(f.hub, site);
  resolve_authors(f.authors, site);
  auto fix_text = [&](std::optional<Text>& t) {
    if (!t) {
      return;
    }
    if (t->base.empty()) {
      t->base = site;
    } else if (!util::has_scheme(t->base)) {
      if (auto r = util::resolve_url(site, t->base)) {
        t->base = std::move(*r);
      }
    }
  };
  fix_text(f.description);
  for (Item& it : pf.items) {
    resolve_against(it.link, site);
    resolve_against(it.image, site);
    resolve_against(it.comments, site);
    resolve_authors(it.authors, site);
    for (model::Enclosure& e : it.enclosures) {
      if (!util::has_scheme(e.url)) {
        if (auto r = util::resolve_url(site, e.url)) {
          e.url = std::move(*r);
        }
      }
    }
    fix_text(it.summary);
    fix_text(it.content);
  }
}

} // namespace

Result<ParsedFeed> parse_feed(std::string_view bytes, const ParseOptions& options) {
  if (util::trim(bytes).empty()) {
    return Error{"not a feed: the document is empty"};
  }
  Decoded decoded = decode_to_utf8(bytes, options.content_type);
  std::string_view doc = decoded.utf8;

  std::size_t start = 0;
  while (start < doc.size() && util::is_space(doc[start])) {
    ++start;
  }
  std::vector<std::string> warnings = std::move(decoded.warnings);
  Result<ParsedFeed> result = Error{""};
  if (start < doc.size() && (doc[start] == '{' || doc[start] == '[')) {
    result = detail::parse_json_feed(doc.substr(start), options);
  } else {
    std::size_t lt = doc.find('<', start);
    if (lt == std::string_view::npos || lt - start > k_max_leading_garbage) {
      return Error{"not a feed: neither XML nor JSON (no markup in the first " +
                   std::to_string(k_max_leading_garbage) + " bytes)"};
    }
    if (lt != start) {
      warnings.push_back("skipped " + std::to_string(lt - start) +
                         " bytes of text before the first tag");
    }
    result = detail::parse_xml_feed(doc.substr(lt), options);
  }
  if (!result) {
    return result;
  }
  ParsedFeed& pf = result.value();
  resolve_with_site_link(pf);
  if (!warnings.empty()) {
    warnings.insert(warnings.end(), std::make_move_iterator(pf.warnings.begin()),
                    std::make_move_iterator(pf.warnings.end()));
    pf.warnings = std::move(warnings);
  }
  return result;
}

} // namespace fw::parse
