#include "normalize/html_text.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

using fw::normalize::html_to_line;
using fw::normalize::html_to_text;
using fw::normalize::looks_like_html;

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.append(s);
  }
  return out;
}

// Runs `f` and fails when it takes longer than `limit`: the point of these tests is that
// pathological nesting stays linear, which a hang would hide behind the ctest timeout.
template <typename F> void expect_fast(F f, std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  f();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, limit);
}

TEST(HtmlToText, ParagraphsAreSeparatedByABlankLine) {
  EXPECT_EQ(html_to_text("<p>a</p><p>b</p>"), "a\n\nb");
  EXPECT_EQ(html_to_text("<p>first</p>\n\n\n<p>second</p>\n<p>third</p>"),
            "first\n\nsecond\n\nthird");
}

TEST(HtmlToText, BrIsALineBreak) {
  EXPECT_EQ(html_to_text("line one<br>line two<br/>line three"), "line one\nline two\nline three");
  EXPECT_EQ(html_to_text("a <br> b"), "a\nb");
}

TEST(HtmlToText, NeverMoreThanOneBlankLine) {
  EXPECT_EQ(html_to_text("a<br><br><br><br>b"), "a\n\nb");
  EXPECT_EQ(html_to_text("<p>a</p><br><br><p></p><div></div><p>b</p>"), "a\n\nb");
}

TEST(HtmlToText, NoLeadingOrTrailingWhiteSpace) {
  EXPECT_EQ(html_to_text("  <p>  a  </p>  <br>  "), "a");
  EXPECT_EQ(html_to_text("<br><br><p>\n\t x</p><br>"), "x");
  EXPECT_EQ(html_to_text("<p> </p><div>\n</div>"), "");
}

TEST(HtmlToText, WhiteSpaceInsideAParagraphCollapses) {
  EXPECT_EQ(html_to_text("<p>one\n   two\t\tthree  </p>"), "one two three");
  EXPECT_EQ(html_to_text("a<b> b </b>c"), "a b c");
  EXPECT_EQ(html_to_text("a<b>b</b>c"), "abc");
}

TEST(HtmlToText, NbspBecomesAnOrdinarySpace) {
  EXPECT_EQ(html_to_text("a&nbsp;b"), "a b");
  EXPECT_EQ(html_to_text("a &nbsp; &nbsp; b&nbsp;"), "a b");
  EXPECT_EQ(html_to_text("a\xc2\xa0\xc2\xa0"
                         "b"),
            "a b");
}

TEST(HtmlToText, DecodesEntities) {
  EXPECT_EQ(html_to_text("Tom &amp; Jerry &mdash; it&#8217;s &lt;fun&gt; &#x263A; &quot;q&quot;"),
            "Tom & Jerry \xe2\x80\x94 it\xe2\x80\x99s <fun> \xe2\x98\xba \"q\"");
  EXPECT_EQ(html_to_text("AT&amp;T &copy 2024"), "AT&T \xc2\xa9 2024");
}

TEST(HtmlToText, DoubleEscapedMarkupStaysText) {
  EXPECT_EQ(html_to_text("&lt;b&gt;bold&lt;/b&gt; &amp;amp;"), "<b>bold</b> &amp;");
}

TEST(HtmlToText, ListItemsGoOnLinesOfTheirOwn) {
  EXPECT_EQ(html_to_text("Intro<ul><li>one</li><li>two</li><li>three</li></ul>Outro"),
            "Intro\n\none\ntwo\nthree\n\nOutro");
  EXPECT_EQ(html_to_text("<ol><li>a<li>b<li>c</ol>"), "a\nb\nc");
}

TEST(HtmlToText, NestedListsContinueLineByLine) {
  EXPECT_EQ(html_to_text("<ul><li>a<ul><li>a1</li><li>a2</li></ul></li><li>b</li></ul>"),
            "a\na1\na2\nb");
}

TEST(HtmlToText, NestedBlocks) {
  EXPECT_EQ(html_to_text("<div>a<div>b<blockquote><p>c</p></blockquote>d</div>e</div>"),
            "a\n\nb\n\nc\n\nd\n\ne");
  EXPECT_EQ(html_to_text("<article><h1>Title</h1><section><p>Body</p></section></article>"),
            "Title\n\nBody");
}

TEST(HtmlToText, TablesGiveOneLinePerRow) {
  EXPECT_EQ(html_to_text("<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr>"
                         "</table>after"),
            "k v\na 1\n\nafter");
}

TEST(HtmlToText, PreKeepsItsLineBreaks) {
  EXPECT_EQ(html_to_text("<p>code:</p><pre>int x;\nint y;\n\n\n\nreturn;</pre>"),
            "code:\n\nint x;\nint y;\n\nreturn;");
}

TEST(HtmlToText, ScriptsStylesTemplatesAndCommentsAreRemoved) {
  EXPECT_EQ(html_to_text("a<script>alert('x<b>y</b>')</script>b<style>p{color:red}</style>c"
                         "<!-- a <p>comment</p> -->d<template><p>t</p></template>e"
                         "<noscript>enable js</noscript>f"),
            "abcdef");
}

TEST(HtmlToText, HeadAndTitleOfAFullDocumentAreRemoved) {
  EXPECT_EQ(html_to_text("<!DOCTYPE html><html><head><title>T</title><meta charset=utf-8>"
                         "<style>x</style></head><body><p>text</p></body></html>"),
            "text");
}

TEST(HtmlToText, ImagesAndTheirAltTextAreIgnored) {
  EXPECT_EQ(html_to_text("a<img src=x.png alt=\"picture of a cat\">b"), "ab");
}

TEST(HtmlToText, BrokenMarkup) {
  EXPECT_EQ(html_to_text("<p>unclosed <b>bold <i>both</p><p>next"), "unclosed bold both\n\nnext");
  EXPECT_EQ(html_to_text("a < b and c > d"), "a < b and c > d");
  EXPECT_EQ(html_to_text("<p>a</b></i></div>b</p>"), "ab");
  EXPECT_EQ(html_to_text("x <a href=\"unterminated"), "x");
  EXPECT_EQ(html_to_text("<<<>>>"), "<<<>>>");
  EXPECT_EQ(html_to_text("</p>text</p>"), "text");
}

TEST(HtmlToText, UnclosedTags) {
  EXPECT_EQ(html_to_text("<div><p>one<p>two<div>three"), "one\n\ntwo\n\nthree");
  EXPECT_EQ(html_to_text("<b>bold <i>italic <u>under"), "bold italic under");
}

TEST(HtmlToText, PlainTextFastPathCollapsesEverything) {
  // No '<' and no '&': gumbo is skipped. The result is what gumbo would give: one paragraph.
  EXPECT_EQ(html_to_text("  Plain text\n\nwith   blank lines\tand tabs  "),
            "Plain text with blank lines and tabs");
  EXPECT_EQ(html_to_text(std::string("nul\0byte", 8)), "nulbyte");
  EXPECT_EQ(html_to_text(""), "");
  EXPECT_EQ(html_to_text(" \n\t "), "");
}

TEST(HtmlToText, FastPathAgreesWithParser) {
  const std::string plain = "  one \xc2\xa0 two\n\nthree\r\n";
  EXPECT_EQ(html_to_text(plain), html_to_text(plain + "<!-- force the parser -->"));
  EXPECT_EQ(html_to_line(plain), html_to_line(plain + "<span></span>"));
}

// The text runs are scanned 16 bytes at a time: white space of every kind at every offset of
// a block, and at the end of the input, collapses as it does elsewhere.
TEST(HtmlToText, WhiteSpaceCollapsesAtEveryBlockOffset) {
  const std::vector<std::string> spaces = {" ", "  ", "\n", " \t", "\xc2\xa0", "\xe2\x80\x83"};
  for (const std::string& space : spaces) {
    for (std::size_t at = 0; at < 40; ++at) {
      const std::string head(at, 'a');
      EXPECT_EQ(html_to_text("<p>" + head + space + "b" + space + "c" + space + "</p>"),
                head + (head.empty() ? "" : " ") + "b c")
          << "offset " << at;
      EXPECT_EQ(html_to_text(head + space + "é" + std::string(20, 'x') + space),
                head + (head.empty() ? "" : " ") + "é" + std::string(20, 'x'))
          << "offset " << at;
    }
  }
}

TEST(HtmlToText, NoMarkupDebrisInTheOutput) {
  const std::string text = html_to_text(
      "<p class=\"x\">Caf&eacute; &amp; <b>bar</b></p><div><span style='a'>baz</span></div>"
      "<p>&lt;&gt; &#60;</p>");
  EXPECT_EQ(text, "Caf\xc3\xa9 & bar\n\nbaz\n\n<> <");
  EXPECT_EQ(text.find("&amp;"), std::string::npos);
  EXPECT_EQ(text.find("<b>"), std::string::npos);
}

TEST(HtmlToText, DeeplyNestedDivsCompleteQuickly) {
  const std::string html = repeat("<div>", 100000) + "deep" + repeat("</div>", 100000);
  expect_fast([&] { EXPECT_EQ(html_to_text(html), "deep"); }, std::chrono::seconds(2));
}

TEST(HtmlToText, DeeplyNestedFormattingCompletesQuickly) {
  const std::string html = repeat("<b>", 100000) + "x" + repeat("</b>", 100000) + "y";
  expect_fast([&] { EXPECT_EQ(html_to_line(html), "xy"); }, std::chrono::seconds(2));
}

TEST(HtmlToText, DeeplyNestedUnclosedBlocksKeepTheirText) {
  const std::string html = repeat("<div>x", 100000);
  expect_fast(
      [&] {
        // The tokenizer path keeps every paragraph break.
        const std::string text = html_to_text(html);
        EXPECT_EQ(text.size(), 1 + 3 * (100000 - 1));
        EXPECT_TRUE(text.ends_with("x\n\nx\n\nx"));
      },
      std::chrono::seconds(2));
  expect_fast(
      [&] {
        const std::string text = fw::normalize::detail::html_to_text_with_gumbo(html);
        // Through gumbo, blocks nested up to the depth limit keep their paragraph breaks;
        // beyond it, their text is separated by spaces.
        EXPECT_EQ(text.size(), 1 + 3 * 127 + 2 * (100000 - 128));
        EXPECT_TRUE(text.starts_with("x\n\nx\n\n"));
        EXPECT_TRUE(text.ends_with("x x x"));
      },
      std::chrono::seconds(2));
}

TEST(HtmlToText, OtherPathologicalNestingCompletesQuickly) {
  for (const char* unit : {"<span>", "<a href=x>", "<table><tr><td>", "<ul><li>", "<svg><g>",
                           "<b><i></b>x", "<div><b></div>x", "<font><span>", "<p><q>",
                           "<x-custom><x-other></x-custom>", "<form><section></form>"}) {
    const std::string html = repeat(unit, 20000) + "end";
    expect_fast([&] { EXPECT_TRUE(html_to_line(html).ends_with("end")) << unit; },
                std::chrono::seconds(2));
  }
}

TEST(HtmlToText, ManyUnclosedParagraphsKeepTheirBreaks) {
  // Unclosed <p> and <li> close their predecessor: this is not deep nesting.
  const std::string html = repeat("<p><b>x", 1000);
  const std::string text = html_to_text(html);
  EXPECT_EQ(text, repeat("x\n\n", 999) + "x");
}

TEST(HtmlToText, StrayEndTagsUnderDeepNestingStayLinear) {
  // Every </i> closes nothing; finding that out must not mean scanning 80,000 open spans.
  const std::string html = repeat("<span>x", 80000) + repeat("</i>", 80000);
  expect_fast([&] { EXPECT_EQ(html_to_text(html).size(), 80000U); }, std::chrono::seconds(2));
}

TEST(HtmlToText, SvgElementsWithTableNamesDoNotAbortGumbo) {
  // Debian's gumbo 0.10.1 is built with assertions, and this input fails one
  // (close_current_cell) when the SVG <th> reaches it.
  const std::string html =
      "<table/>x<caption id=2>x<svg id=2><th id=2><desc id=2>x<table id=2></table></table>";
  EXPECT_EQ(html_to_line(html), "x x"); // the text inside SVG <desc> is not shown
  EXPECT_EQ(fw::normalize::detail::html_to_text_with_gumbo(html), "x\n\nx");
}

// Found by tests/fuzz/html_text_fuzz.cpp. gumbo keeps the control a reference names ("&#1;"),
// which the UTF-8 repair then drops: dropped before the text is put together, it leaves no
// space at the start ("\r" sends the input to gumbo).
TEST(HtmlToText, ReferencesToControlsLeaveNoWhiteSpaceBehind) {
  EXPECT_EQ(html_to_text("&#1;\r<b>x</b>"), "x");
  EXPECT_EQ(html_to_text("<b>x</b>\r&#1;"), "x");
  EXPECT_EQ(html_to_line("a&#7;b<i>c</i>"), "abc");
}

// gumbo 0.10.1 reads the value of a numeric reference through an int that wraps around; HTML
// reads anything beyond U+10FFFF as U+FFFD. Found by tests/fuzz/html_text_fuzz.cpp.
TEST(HtmlToText, ReferencesBeyondUnicodeAreReplacementCharacters) {
  const std::string gumbo_only = "<table><tr><td>"; // forces the parser
  EXPECT_EQ(html_to_line(gumbo_only + "a&#2147483648;b"), "a\xef\xbf\xbd"
                                                          "b");
  EXPECT_EQ(html_to_line(gumbo_only + "a&#x100000041;b"), "a\xef\xbf\xbd"
                                                          "b");
  EXPECT_EQ(html_to_line(gumbo_only + "a&#88888888888;b"), "a\xef\xbf\xbd"
                                                           "b");
  EXPECT_EQ(html_to_line("a&#x100000041;b"), "a\xef\xbf\xbd"
                                             "b");
}

TEST(HtmlToLine, EverythingOnOneLine) {
  EXPECT_EQ(html_to_line("<p>a</p><p>b</p>"), "a b");
  EXPECT_EQ(html_to_line("Title<br>with <em>break</em>\n and\tspace "),
            "Title with break and space");
  EXPECT_EQ(html_to_line("<ul><li>x</li><li>y</li></ul><pre>1\n2</pre>"), "x y 1 2");
  EXPECT_EQ(html_to_line("  plain \n title  "), "plain title");
  EXPECT_EQ(html_to_line("Q&amp;A"), "Q&A");
}

TEST(LooksLikeHtml, DetectsTagsAndReferences) {
  EXPECT_TRUE(looks_like_html("<b>x</b>"));
  EXPECT_TRUE(looks_like_html("a</p>"));
  EXPECT_TRUE(looks_like_html("<!-- c -->"));
  EXPECT_TRUE(looks_like_html("<?xml?>"));
  EXPECT_TRUE(looks_like_html("AT&amp;T"));
  EXPECT_TRUE(looks_like_html("&#8217;"));
  EXPECT_TRUE(looks_like_html("a&b"));
}

TEST(LooksLikeHtml, IgnoresPlainTextWithSymbols) {
  EXPECT_FALSE(looks_like_html("plain title"));
  EXPECT_FALSE(looks_like_html("a < b > c"));
  EXPECT_FALSE(looks_like_html("1<2"));
  EXPECT_FALSE(looks_like_html("fish & chips"));
  EXPECT_FALSE(looks_like_html("trailing <"));
  EXPECT_FALSE(looks_like_html("trailing &"));
  EXPECT_FALSE(looks_like_html(""));
}

} // namespace
