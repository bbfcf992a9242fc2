#include "parse/entities.hpp"

#include <gtest/gtest.h>
#include <pugixml.hpp>
#include <string>
#include <vector>

namespace fw::parse {
namespace {

using std::string_literals::operator""s;

const std::string k_nbsp = "\xC2\xA0";
const std::string k_fffd = "\xEF\xBF\xBD";

std::string fixed(std::string_view xml, std::vector<std::string>* warnings = nullptr) {
  std::vector<std::string> local;
  std::string out = fix_xml_entities(xml, warnings != nullptr ? *warnings : local);
  return out;
}

// The text content of the document element after a strict XML parse of the fixed document.
std::string parsed_text(std::string_view xml) {
  const std::string doc = fixed(xml);
  pugi::xml_document d;
  const pugi::xml_parse_result r =
      d.load_buffer(doc.data(), doc.size(), pugi::parse_default, pugi::encoding_utf8);
  EXPECT_TRUE(r) << r.description() << " in " << doc;
  return d.document_element().text().get();
}

TEST(HtmlEntity, FindsCommonNames) {
  EXPECT_EQ(html_entity("nbsp"), k_nbsp);
  EXPECT_EQ(html_entity("mdash"), "\xE2\x80\x94");
  EXPECT_EQ(html_entity("rsquo"), "\xE2\x80\x99");
  EXPECT_EQ(html_entity("amp"), "&");
  EXPECT_EQ(html_entity("lt"), "<");
  EXPECT_EQ(html_entity("apos"), "'");
  EXPECT_EQ(html_entity("AElig"), "\xC3\x86");
  EXPECT_EQ(html_entity("euro"), "\xE2\x82\xAC");
}

TEST(HtmlEntity, CoversTheWholeWhatwgTable) {
  // The first and last names, the longest, and some with two code points.
  EXPECT_EQ(html_entity("AElig"), "\xC3\x86");
  EXPECT_EQ(html_entity("zwnj"), "\xE2\x80\x8C");
  EXPECT_EQ(html_entity("CounterClockwiseContourIntegral"), "\xE2\x88\xB3");
  EXPECT_EQ(html_entity("NotEqualTilde"), "\xE2\x89\x82\xCC\xB8");
  EXPECT_EQ(html_entity("fjlig"), "fj");
  EXPECT_EQ(html_entity("NewLine"), "\n");
  EXPECT_EQ(html_entity("Tab"), "\t");
  EXPECT_EQ(html_entity("bopf"), "\xF0\x9D\x95\x93");
}

TEST(HtmlEntity, IsCaseSensitiveAndExact) {
  EXPECT_EQ(html_entity("AMP"), "&");
  EXPECT_FALSE(html_entity("Amp"));
  EXPECT_FALSE(html_entity("NBSP"));
  EXPECT_FALSE(html_entity("nbsp;"));
  EXPECT_FALSE(html_entity("&nbsp"));
  EXPECT_FALSE(html_entity(""));
  EXPECT_FALSE(html_entity("nbs"));
  EXPECT_FALSE(html_entity("CounterClockwiseContourIntegralX"));
}

TEST(DecodeHtmlEntities, DecodesNamedReferences) {
  EXPECT_EQ(decode_html_entities("a&nbsp;b&mdash;c&rsquo;d"), "a" + k_nbsp +
                                                                  "b\xE2\x80\x94"
                                                                  "c\xE2\x80\x99"
                                                                  "d");
  EXPECT_EQ(decode_html_entities("&lt;p&gt; &quot;x&quot; &amp; &apos;"), "<p> \"x\" & '");
  EXPECT_EQ(decode_html_entities("&NotEqualTilde;"), "\xE2\x89\x82\xCC\xB8");
}

TEST(DecodeHtmlEntities, DecodesDecimalAndHexadecimalReferences) {
  EXPECT_EQ(decode_html_entities("&#65;&#x42;&#X43;&#0068;"), "ABCD");
  EXPECT_EQ(decode_html_entities("&#233;t&#xE9;"), "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(decode_html_entities("&#x1F600;"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(decode_html_entities("&#65x"), "Ax"); // the ';' is optional, as in browsers
}

TEST(DecodeHtmlEntities, ReadsC1ReferencesAsWindows1252) {
  EXPECT_EQ(decode_html_entities("1990&#150;2000"), "1990\xE2\x80\x93"
                                                    "2000");
  EXPECT_EQ(decode_html_entities("don&#146;t"), "don\xE2\x80\x99t");
  EXPECT_EQ(decode_html_entities("&#128;&#x80;&#159;"), "\xE2\x82\xAC\xE2\x82\xAC\xC5\xB8");
  EXPECT_EQ(decode_html_entities("&#129;"), "\xC2\x81"); // undefined in windows-1252: kept
}

TEST(DecodeHtmlEntities, ReplacesInvalidCodePoints) {
  EXPECT_EQ(decode_html_entities("&#0;"), k_fffd);
  EXPECT_EQ(decode_html_entities("&#1;"), k_fffd);
  EXPECT_EQ(decode_html_entities("&#xD800;"), k_fffd);
  EXPECT_EQ(decode_html_entities("&#xDFFF;"), k_fffd);
  EXPECT_EQ(decode_html_entities("&#x110000;"), k_fffd);
  EXPECT_EQ(decode_html_entities("&#xFFFF;"), k_fffd);
  EXPECT_EQ(decode_html_entities("&#99999999999999999999999;x"), k_fffd + "x");
  EXPECT_EQ(decode_html_entities("&#9;&#10;"), "\t\n");
}

TEST(DecodeHtmlEntities, KeepsWhatIsNotAReference) {
  EXPECT_EQ(decode_html_entities("AT&T"), "AT&T");
  EXPECT_EQ(decode_html_entities("a & b && c &"), "a & b && c &");
  EXPECT_EQ(decode_html_entities("&; &#; &#x; &#xg;"), "&; &#; &#x; &#xg;");
  EXPECT_EQ(decode_html_entities("&foo; &mdash &Nbsp;"), "&foo; &mdash &Nbsp;");
  EXPECT_EQ(decode_html_entities("no references at all"), "no references at all");
  EXPECT_EQ(decode_html_entities(""), "");
}

TEST(DecodeHtmlEntities, ReadsLegacyNamesWithoutSemicolonAsBrowsersDo) {
  EXPECT_EQ(decode_html_entities("&copy 2024"), "\xC2\xA9 2024");
  EXPECT_EQ(decode_html_entities("a&nbspb"), "a" + k_nbsp + "b");
  EXPECT_EQ(decode_html_entities("&ampx"), "&x");
  EXPECT_EQ(decode_html_entities("&notit;"), "\xC2\xACit;");
  EXPECT_EQ(decode_html_entities("&notin;"), "\xE2\x88\x89");
}

TEST(DecodeHtmlEntities, DecodesOneLevelOnly) {
  EXPECT_EQ(decode_html_entities("&amp;nbsp;"), "&nbsp;");
  EXPECT_EQ(decode_html_entities("&amp;#146;"), "&#146;");
  EXPECT_EQ(decode_html_entities("&&amp;&"), "&&&");
}

TEST(FixXmlEntities, ReturnsDocumentsWithoutAmpersandsUnchanged) {
  std::vector<std::string> warnings;
  const std::string doc = "<?xml version=\"1.0\"?><rss><title>x</title></rss>";
  EXPECT_EQ(fixed(doc, &warnings), doc);
  EXPECT_TRUE(warnings.empty());
}

TEST(FixXmlEntities, TurnsHtmlNamedReferencesIntoNumericOnes) {
  std::vector<std::string> warnings;
  EXPECT_EQ(fixed("<t>a&nbsp;b&mdash;c&rsquo;&nbsp;</t>", &warnings),
            "<t>a&#160;b&#8212;c&#8217;&#160;</t>");
  ASSERT_EQ(warnings.size(), 1u); // one per kind, not per occurrence
  EXPECT_NE(warnings[0].find("&nbsp;"), std::string::npos);
  EXPECT_EQ(fixed("<t>&NotEqualTilde;</t>"), "<t>&#8770;&#824;</t>");
}

TEST(FixXmlEntities, KeepsTheFiveXmlReferencesAndValidNumericOnes) {
  std::vector<std::string> warnings;
  const std::string doc = "<t a=\"&quot;&amp;\">&amp;&lt;&gt;&quot;&apos;&#233;&#x263A;</t>";
  EXPECT_EQ(fixed(doc, &warnings), doc);
  EXPECT_TRUE(warnings.empty());
}

TEST(FixXmlEntities, LeavesEscapedAmpersandsAlone) {
  // "&amp;nbsp;" is the text "&nbsp;": it must not turn into a no-break space.
  EXPECT_EQ(fixed("<t>&amp;nbsp;</t>"), "<t>&amp;nbsp;</t>");
  EXPECT_EQ(parsed_text("<t>&amp;nbsp; &amp;amp; &amp;#146;</t>"), "&nbsp; &amp; &#146;");
}

TEST(FixXmlEntities, EscapesStrayAmpersands) {
  std::vector<std::string> warnings;
  EXPECT_EQ(fixed("<t>AT&T &amp; a & b &#12 &; &#x;</t>", &warnings),
            "<t>AT&amp;T &amp; a &amp; b &amp;#12 &amp;; &amp;#x;</t>");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(parsed_text("<t>AT&T & &#12 &</t>"), "AT&T & &#12 &");
}

TEST(FixXmlEntities, KeepsUnknownNamesAsLiteralText) {
  std::vector<std::string> warnings;
  EXPECT_EQ(fixed("<t>&foo; &Nbsp; &x-y.z;</t>", &warnings),
            "<t>&amp;foo; &amp;Nbsp; &amp;x-y.z;</t>");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("&foo;"), std::string::npos);
  EXPECT_EQ(parsed_text("<t>&foo;</t>"), "&foo;");
}

TEST(FixXmlEntities, RewritesNumericReferencesXmlWouldMisread) {
  std::vector<std::string> warnings;
  EXPECT_EQ(fixed("<t>don&#146;t 1990&#150;2000 &#x80;</t>", &warnings),
            "<t>don&#8217;t 1990&#8211;2000 &#8364;</t>");
  EXPECT_EQ(fixed("<t>&#0;&#xD800;&#1;&#x110000;</t>", &warnings),
            "<t>&#65533;&#65533;&#65533;&#65533;</t>");
  EXPECT_EQ(fixed("<t>&#X41;</t>", &warnings), "<t>&#65;</t>");
  EXPECT_EQ(warnings.size(), 3u);
  EXPECT_EQ(parsed_text("<t>don&#146;t</t>"), "don\xE2\x80\x99t");
}

TEST(FixXmlEntities, LeavesCdataCommentsAndProcessingInstructionsAlone) {
  const std::string doc = "<?xml version=\"1.0\"?><?pi a & b?><!-- & &nbsp; --><t><![CDATA[ "
                          "AT&T &nbsp; ]]>&nbsp;<![CDATA[&]]></t><!-- x & y -->";
  EXPECT_EQ(fixed(doc), "<?xml version=\"1.0\"?><?pi a & b?><!-- & &nbsp; --><t><![CDATA[ "
                        "AT&T &nbsp; ]]>&#160;<![CDATA[&]]></t><!-- x & y -->");
  EXPECT_EQ(parsed_text("<t><![CDATA[a & b &nbsp;]]></t>"), "a & b &nbsp;");
}

TEST(FixXmlEntities, TreatsUnterminatedSectionsAsRunningToTheEnd) {
  EXPECT_EQ(fixed("<t><![CDATA[ & &nbsp;"), "<t><![CDATA[ & &nbsp;");
  EXPECT_EQ(fixed("<t><!-- & &nbsp;"), "<t><!-- & &nbsp;");
  EXPECT_EQ(fixed("<t><?pi &"), "<t><?pi &");
}

TEST(FixXmlEntities, FixesReferencesInAttributeValues) {
  const std::string out = fixed("<a href=\"/x?a=1&b=2\" title='&nbsp;&amp;' alt=\"&foo;\"/>");
  EXPECT_EQ(out, "<a href=\"/x?a=1&amp;b=2\" title='&#160;&amp;' alt=\"&amp;foo;\"/>");
  pugi::xml_document d;
  ASSERT_TRUE(d.load_string(out.c_str()));
  EXPECT_STREQ(d.child("a").attribute("href").value(), "/x?a=1&b=2");
  EXPECT_EQ(std::string(d.child("a").attribute("title").value()), k_nbsp + "&");
  EXPECT_STREQ(d.child("a").attribute("alt").value(), "&foo;");
}

TEST(FixXmlEntities, SkipsTheDoctypeAndDoesNotExpandItsEntities) {
  const std::string doc = "<!DOCTYPE rss [\n"
                          "  <!ENTITY foo \"b&amp;r\">\n"
                          "  <!-- ] > & -->\n"
                          "  <!ENTITY q '>]&'>\n"
                          "]>\n"
                          "<rss>&foo; &nbsp;</rss>";
  const std::string out = fixed(doc);
  EXPECT_EQ(out.substr(0, out.find("<rss>")), doc.substr(0, doc.find("<rss>")));
  EXPECT_EQ(out.substr(out.find("<rss>")), "<rss>&amp;foo; &#160;</rss>");
}

TEST(FixXmlEntities, MakesARealFeedParse) {
  const std::string feed =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<rss version=\"2.0\"><channel><title>Tom &amp; Jerry&nbsp;&mdash; AT&T</title>"
      "<link>http://example.com/?a=1&b=2</link>"
      "<description><![CDATA[<p>R&D &copy;</p>]]> &hellip;</description></channel></rss>";
  const std::string out = fixed(feed);
  pugi::xml_document d;
  ASSERT_TRUE(d.load_buffer(out.data(), out.size()));
  const pugi::xml_node ch = d.child("rss").child("channel");
  EXPECT_EQ(std::string(ch.child_value("title")), "Tom & Jerry" + k_nbsp + "\xE2\x80\x94 AT&T");
  EXPECT_STREQ(ch.child_value("link"), "http://example.com/?a=1&b=2");
  EXPECT_EQ(std::string(ch.child("description").text().get()), "<p>R&D &copy;</p>");
}

TEST(FixXmlEntities, StaysLinearOnLargeAdversarialInput) {
  std::string doc = "<t>";
  for (int i = 0; i < 200000; ++i) {
    doc += "&x<b>&#<!-- &&nbsp;";
  }
  const std::string out = fixed(doc); // one comment runs from the first "<!--" to the end
  EXPECT_EQ(out.substr(0, 23), "<t>&amp;x<b>&amp;#<!-- ");
  EXPECT_EQ(out.size(), doc.size() + 8);
  std::string many(1 << 20, '&');
  EXPECT_EQ(fixed(many).size(), many.size() * 5);
}

} // namespace
} // namespace fw::parse
