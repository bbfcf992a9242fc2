// html_to_text() reads simple markup with its own tokenizer and hands everything else to gumbo.
// These tests hold the two paths to the same text on every HTML field of the golden fixtures and
// of the public corpora in ../shared, and on markup chosen to sit at the edge between them.

#include "normalize/html_text.hpp"
#include "normalize/normalize.hpp"
#include "parse/feed_parser.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using fw::normalize::html_to_text;
using fw::normalize::detail::has_fast_path;
using fw::normalize::detail::html_to_text_with_gumbo;

struct Counts {
  int fragments = 0;
  int fast = 0;
};

// Compares both paths on one fragment; counts whether the fast path took it.
void check(std::string_view html, const std::string& where, Counts& counts) {
  ++counts.fragments;
  if (!has_fast_path(html)) {
    return;
  }
  ++counts.fast;
  EXPECT_EQ(html_to_text(html), html_to_text_with_gumbo(html))
      << where << "\nhtml: " << html.substr(0, 400);
}

void check_tree(const fs::path& dir, Counts& counts) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.ends_with(".expected.json") || name.ends_with(".args") ||
        name.ends_with(".md") || name.ends_with(".txt") || name.ends_with(".serde.json") ||
        name.ends_with("_expected.json") || name == "cases.json") {
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = fw::parse::parse_feed(ss.str(), {});
    if (!parsed) {
      continue;
    }
    const auto doc = fw::normalize::normalize_feed(std::move(parsed).value());
    for (const auto& story : doc.items) {
      for (const auto* field : {&story.summary_html, &story.content_html}) {
        if (*field) {
          check(**field, e.path().string(), counts);
        }
      }
    }
  }
}

TEST(HtmlTextPaths, AgreeOnEveryGoldenFixture) {
  Counts counts;
  check_tree(fs::path(FW_SOURCE_DIR) / "tests" / "fixtures", counts);
  EXPECT_GT(counts.fragments, 50);
  EXPECT_GT(counts.fast, counts.fragments / 2) << "the fast path should carry most fixtures";
}

TEST(HtmlTextPaths, AgreeOnThePublicCorpora) {
  const fs::path corpus = fs::path(FW_SOURCE_DIR) / ".." / "shared" / "corpus";
  if (!fs::exists(corpus)) {
    GTEST_SKIP() << corpus << " is not there";
  }
  Counts counts;
  check_tree(corpus, counts);
  EXPECT_GT(counts.fragments, 300);
}

TEST(HtmlTextPaths, AgreeAtTheEdges) {
  const std::vector<std::string> cases = {
      "<p>a</p><p>b</p>",
      "<p>a<p>b</p>c",
      "<p>a<div>b</div>c</p>",
      "</p>x",
      "a</br>b",
      "<ul><li>a<li>b</ul>c",
      "<ul><li>a<ul><li>b</ul><li>c</ul>",
      "<ol><li><p>a<li>b</ol>",
      "<dl><dt>a<dd>b<dt>c</dl>",
      "<li>a<div><li>b</div>",
      "<h1>a<h2>b</h2>c</h1>d",
      "<pre>\nline1\n  line2</pre>after",
      "<listing>\nx</listing>",
      "<blockquote>q<br/>r</blockquote>",
      "x<script>if (a < b) { document.write('<p>') }</script>y",
      "x<style>p { color: red }</style>y",
      "x<noscript><p>n</p></noscript>y",
      "x<title>t</title>y",
      "a<!-- c -->b",
      "a<!DOCTYPE html>b",
      "a<?php echo 1 ?>b",
      "1 < 2 and 3 > 2",
      "a&nbsp;b&amp;c&lt;d&copy 2024 &notanentity; &#8217; &#x2019; &#150;",
      "<b>bold <i>both</i></b> <em>em</em>",
      "<a href=\"/x\">link</a> and <img src=x alt=y> img",
      "<div/>self<span/>closing",
      "<hr>after rule",
      "<h2>Title</h2>\n\n<p>Body with   spaces\n and newlines</p>",
      "<figure><img src=a><figcaption>cap</figcaption></figure>",
      "<p>unclosed <b>bold",
      "<section><article><p>deep</p></article></section>",
      "<DIV>Upper</DIV><P>case</P>",
      "<p>a</div>b",
      "<span>x</p>y</span>",
  };
  Counts counts;
  for (const std::string& c : cases) {
    check(c, "edge case", counts);
  }
  EXPECT_GT(counts.fast, 25);
}

// Where tests/fuzz/html_text_fuzz.cpp found the fast path reading markup otherwise than gumbo:
// each case with the text both give now.
TEST(HtmlTextPaths, AgreeWhereTheFuzzerFoundThemApart) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      // A start tag that closes a <p> closes what is open inside it too.
      {"<p>a<li>b", "a\n\nb"},
      {"<P>*<DD>*", "*\n\n*"},
      {"<p>a<b>c<li>b", "ac\n\nb"},
      {"<p>a<span>c<li>b", "ac\n\nb"},
      {"<p><b><h1>t<h2></h2>t</h1><", "t\n\nt\n\n<"},
      {"<p><p><dd>x<dd>y", "x\ny"},
      {"<p>x<div>y</div>z<dd>a", "x\n\ny\n\nz\na"},
      {"<p>a<legend>b<li>c", "a\n\nb\n\nc"},
      {"<p>a<hr>b<li>c", "a\n\nb\nc"},
      {"<p>a<ul><li>b<li>c</ul>d", "a\n\nb\nc\n\nd"},
      // An inline end tag over an open <p>: the adoption agency, or ignored.
      {"<b><p>x</b>y", "xy"},
      {"<a><P>></a>>", ">>"},
      {"<span><p>x</span>y", "xy"},
      {"<a>q<p>x</a>y", "q\n\nxy"},
      // "<!--->" is an empty comment, whatever "-->" comes later.
      {"/<!---><x/<!--><y", "/"},
      {"a<!--->b<!-- c -->d", "abd"},
      // Before any text the parser is in the head, where <noscript> holds markup.
      {"<style>p{}</style><noscript>no js</noscript><p>text</p>", "no js\n\ntext"},
      {"<noscript><p>x</p></noscript>y", "x\n\ny"},
      {"x<noscript><p>n</p></noscript>y", "xy"},
      {"><noscript><j</noscript>>", ">"},
      // "<!--" in a script: a "<script>" after it hides the next "</script>".
      {"<script><!--<script></script><p>x</p>", ""},
      {"<script><!-- a --></script>b", "b"},
      {"<script><!--<script></script>--></script>b", "b"},
      // Hidden elements whose content is markup.
      {"a<desc>x</desc>y", "ay"},
      {"a<datalist><", "a"},
      // A new list item closes the open one above elements that are not special.
      {"<dt><legend>p<dt>/", "p\n\n/"},
      {"<ul><li>a<span><li>b</ul>", "a\nb"},
      {"<dt><foreignObject><div>><dt>k", ">\n\nk"},
      // Ruby annotations close what is left open inside the ruby.
      {"<ruby><p>l<rp>>", "l\n\n>"},
      {"<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>", "漢(kan)"},
      // References to controls and non-characters, which gumbo reads otherwise.
      {"a&#7;b<i>c</i>", "abc"},
      {"a&#12;b<i>c</i>", "abc"},
      {"a&#x7f;b<i>c</i>", "abc"},
      {"a&#x81;b<i>c</i>", "abc"},
      {"a&#xFFFE;b<i>c</i>", "abc"},
  };
  for (const auto& [html, text] : cases) {
    EXPECT_EQ(html_to_text(html), text) << html;
    EXPECT_EQ(html_to_text_with_gumbo(html), text) << html;
  }
}

} // namespace
