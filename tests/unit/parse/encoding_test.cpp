#include "parse/encoding.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#ifndef FW_SOURCE_DIR
#define FW_SOURCE_DIR "."
#endif

namespace fw::parse {
namespace {

// Bytes from hex pairs: hex("93 FA") == "\x93\xFA" (no C++ hex-escape pitfalls).
std::string hex(std::string_view pairs) {
  std::string out;
  for (std::size_t i = 0; i + 1 < pairs.size();) {
    if (pairs[i] == ' ') {
      ++i;
      continue;
    }
    out += static_cast<char>(std::stoi(std::string(pairs.substr(i, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

std::string xml_doc(std::string_view encoding, std::string_view body) {
  return "<?xml version=\"1.0\" encoding=\"" + std::string(encoding) + "\"?>\n<t>" +
         std::string(body) + "</t>\n";
}

// The text between <t> and </t> of a decoded document.
std::string text_of(const Decoded& d) {
  const std::size_t open = d.utf8.find("<t>");
  const std::size_t close = d.utf8.find("</t>");
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return "(no <t> in: " + d.utf8 + ")";
  }
  return d.utf8.substr(open + 3, close - open - 3);
}

std::string decoded_text(std::string_view encoding, std::string_view body,
                         std::string_view content_type = "") {
  return text_of(decode_to_utf8(xml_doc(encoding, body), content_type));
}

bool has_warning(const Decoded& d, std::string_view fragment) {
  return std::any_of(d.warnings.begin(), d.warnings.end(),
                     [&](const std::string& w) { return w.find(fragment) != std::string::npos; });
}

std::string utf16(std::u16string_view text, bool little_endian, bool bom) {
  std::string out;
  auto put = [&](char16_t u) {
    const char hi = static_cast<char>(u >> 8);
    const char lo = static_cast<char>(u & 0xFF);
    out += little_endian ? lo : hi;
    out += little_endian ? hi : lo;
  };
  if (bom) {
    put(0xFEFF);
  }
  for (char16_t u : text) {
    put(u);
  }
  return out;
}

std::string utf32(std::u32string_view text, bool little_endian, bool bom) {
  std::string out;
  auto put = [&](char32_t u) {
    for (int i = 0; i < 4; ++i) {
      const int shift = little_endian ? 8 * i : 8 * (3 - i);
      out += static_cast<char>((u >> shift) & 0xFF);
    }
  };
  if (bom) {
    put(0xFEFF);
  }
  for (char32_t u : text) {
    put(u);
  }
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The rest of the line after `key` and then `prefix` in a feedparser test header ("Header:
// Content-type: text/xml" -> "text/xml"), or "".
std::string header_value(std::string_view doc, std::string_view key, std::string_view prefix) {
  std::size_t at = doc.find(key);
  if (at == std::string_view::npos) {
    return {};
  }
  std::string_view line = doc.substr(at + key.size());
  line = line.substr(0, line.find('\n'));
  line = util::trim(line);
  if (!line.starts_with(prefix)) {
    return {};
  }
  return std::string(util::trim(line.substr(prefix.size())));
}

const std::filesystem::path k_corpus =
    std::filesystem::path(FW_SOURCE_DIR) / ".." / "shared" / "corpus";

// ---- charset_from_content_type -------------------------------------------------------------

TEST(CharsetFromContentType, ReadsTheCharsetParameter) {
  EXPECT_EQ(charset_from_content_type("text/xml; charset=KOI8-R"), "KOI8-R");
  EXPECT_EQ(charset_from_content_type("application/rss+xml;charset=utf-8"), "utf-8");
  EXPECT_EQ(charset_from_content_type("text/xml; CharSet=iso-8859-1; q=0.9"), "iso-8859-1");
  EXPECT_EQ(charset_from_content_type("text/xml; q=0.9; charset=utf-8"), "utf-8");
  EXPECT_EQ(charset_from_content_type("text/xml;charset = us-ascii"), "us-ascii");
  EXPECT_EQ(charset_from_content_type("text/xml;charset= \"us-ascii\""), "us-ascii");
  EXPECT_EQ(charset_from_content_type("text/xml;charset='us-ascii'"), "us-ascii");
  EXPECT_EQ(charset_from_content_type("text/xml; name=\"a;b\"; charset=utf-8"), "utf-8");
}

TEST(CharsetFromContentType, IsEmptyWithoutACharset) {
  EXPECT_EQ(charset_from_content_type(""), "");
  EXPECT_EQ(charset_from_content_type("text/xml"), "");
  EXPECT_EQ(charset_from_content_type("text/xml;"), "");
  EXPECT_EQ(charset_from_content_type("text/xml; charset:iso-8859-1"), "");
  EXPECT_EQ(charset_from_content_type("text/xml; charset="), "");
  EXPECT_EQ(charset_from_content_type("text/xml; qs=0.9"), "");
}

// ---- Unicode encodings ---------------------------------------------------------------------

TEST(DecodeToUtf8, PassesUtf8Through) {
  const std::string doc = xml_doc("utf-8", "Gr\xC3\xBC\xC3\x9F\x65 \xE2\x9C\x93 \xF0\x9F\x98\x80");
  const Decoded d = decode_to_utf8(doc, "");
  EXPECT_EQ(d.utf8, doc); // the XML declaration stays in place
  EXPECT_EQ(d.encoding, "utf-8");
  EXPECT_TRUE(d.warnings.empty());
  EXPECT_EQ(decode_to_utf8("<rss/>", "").encoding, "utf-8"); // no declaration: UTF-8
}

TEST(DecodeToUtf8, RemovesAUtf8ByteOrderMark) {
  const Decoded d = decode_to_utf8("\xEF\xBB\xBF<t>\xC3\xA9</t>", "");
  EXPECT_EQ(d.utf8, "<t>\xC3\xA9</t>");
  EXPECT_EQ(d.encoding, "utf-8");
}

TEST(DecodeToUtf8, DecodesUtf16WithByteOrderMark) {
  const std::u16string doc = u"<?xml version=\"1.0\" encoding=\"utf-16\"?><t>Grüße ✓ 😀</t>";
  for (bool le : {true, false}) {
    const Decoded d = decode_to_utf8(utf16(doc, le, true), "");
    EXPECT_EQ(d.encoding, le ? "utf-16le" : "utf-16be");
    EXPECT_EQ(text_of(d), "Grüße ✓ 😀");
    EXPECT_TRUE(d.utf8.starts_with("<?xml")) << "BOM removed";
    EXPECT_TRUE(d.warnings.empty());
  }
}

TEST(DecodeToUtf8, DetectsUtf16WithoutByteOrderMark) {
  const std::u16string declared = u"<?xml version=\"1.0\" encoding=\"utf-16\"?><t>Grüße</t>";
  const std::u16string undeclared = u"<t>Grüße 😀</t>";
  for (bool le : {true, false}) {
    const std::string expected_label = le ? "utf-16le" : "utf-16be";
    Decoded d = decode_to_utf8(utf16(declared, le, false), "");
    EXPECT_EQ(d.encoding, expected_label);
    EXPECT_EQ(text_of(d), "Grüße");
    d = decode_to_utf8(utf16(undeclared, le, false), "");
    EXPECT_EQ(d.encoding, expected_label);
    EXPECT_EQ(text_of(d), "Grüße 😀");
  }
}

TEST(DecodeToUtf8, DecodesUtf32WithAndWithoutByteOrderMark) {
  const std::u32string doc = U"<?xml version=\"1.0\" encoding=\"utf-32\"?><t>Grüße 😀</t>";
  for (bool le : {true, false}) {
    for (bool bom : {true, false}) {
      const Decoded d = decode_to_utf8(utf32(doc, le, bom), "");
      EXPECT_EQ(d.encoding, le ? "utf-32le" : "utf-32be");
      EXPECT_EQ(text_of(d), "Grüße 😀");
      EXPECT_TRUE(d.utf8.starts_with("<?xml"));
    }
  }
}

TEST(DecodeToUtf8, TrustsTheUtf16LayoutOverAContradictingDeclaration) {
  const Decoded d =
      decode_to_utf8(utf16(u"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>é</t>", true, false), "");
  EXPECT_EQ(d.encoding, "utf-16le");
  EXPECT_EQ(text_of(d), "é");
  EXPECT_TRUE(has_warning(d, "does not match"));
}

TEST(DecodeToUtf8, ReplacesUnpairedSurrogatesInUtf16) {
  std::u16string doc = u"<t>a?b</t>";
  doc[4] = 0xD800;
  const Decoded d = decode_to_utf8(utf16(doc, true, true), "");
  EXPECT_EQ(text_of(d), "a\xEF\xBF\xBD"
                        "b");
  EXPECT_TRUE(has_warning(d, "U+FFFD"));
}

// ---- Legacy encodings ----------------------------------------------------------------------

struct LegacyCase {
  const char* encoding;
  const char* bytes; // hex
  const char* text;  // UTF-8
};

TEST(DecodeToUtf8, DecodesSingleByteEncodings) {
  const LegacyCase cases[] = {
      {"iso-8859-1", "63 61 66 E9", "café"},
      {"ISO-8859-2", "A3 F3 64 BC", "Łódź"},
      {"iso-8859-5", "BF E0 D8 D2 D5 E2", "Привет"},
      {"iso-8859-7", "C1 E8 DE ED E1", "Αθήνα"},
      {"iso-8859-9", "F0", "ğ"},
      {"iso-8859-15", "A4", "€"},
      {"windows-1250", "A3 F3 64 9F", "Łódź"},
      {"windows-1251", "CF F0 E8 E2 E5 F2", "Привет"},
      {"windows-1252", "93 80 94", "“€”"},
      {"windows-1253", "C1 E8 DE ED E1", "Αθήνα"},
      {"windows-1255", "F9 EC E5 ED", "שלום"},
      {"windows-1256", "D3 E1 C7 E3", "سلام"},
      {"windows-1258", "80", "€"},
      {"KOI8-R", "F0 D2 C9 D7 C5 D4", "Привет"},
      {"koi8-u", "F5 CB D2 C1 A7 CE C1", "Україна"},
      {"tis-620", "E4 B7 C2", "ไทย"},
      {"windows-874", "E4 B7 C2 80", "ไทย€"},
      {"ibm866", "80", "А"},
  };
  for (const LegacyCase& c : cases) {
    const Decoded d = decode_to_utf8(xml_doc(c.encoding, hex(c.bytes)), "");
    EXPECT_EQ(text_of(d), c.text) << c.encoding;
    EXPECT_TRUE(d.warnings.empty()) << c.encoding << ": " << d.warnings.front();
  }
}

TEST(DecodeToUtf8, DecodesJapaneseEncodings) {
  EXPECT_EQ(decoded_text("Shift_JIS", hex("93 FA 96 7B 8C EA")), "日本語");
  EXPECT_EQ(decoded_text("shift_jis", hex("5C 7E")), "\\~"); // ASCII, not yen and overline
  EXPECT_EQ(decoded_text("EUC-JP", hex("C6 FC CB DC B8 EC")), "日本語");
  EXPECT_EQ(decoded_text("ISO-2022-JP", hex("1B 24 42 46 7C 4B 5C 38 6C 1B 28 42")), "日本語");
  EXPECT_EQ(decode_to_utf8(xml_doc("sjis", hex("93 FA")), "").encoding, "shift_jis");
}

TEST(DecodeToUtf8, DecodesChineseAndKoreanEncodings) {
  EXPECT_EQ(decoded_text("GB2312", hex("D6 D0 CE C4")), "中文");
  EXPECT_EQ(decoded_text("GBK", hex("D6 D0 CE C4")), "中文");
  EXPECT_EQ(decoded_text("GB18030", hex("D6 D0 CE C4 A2 E3 94 39 FC 36")), "中文€😀");
  EXPECT_EQ(decoded_text("Big5", hex("A4 A4 A4 E5")), "中文");
  EXPECT_EQ(decoded_text("EUC-KR", hex("C7 D1 B1 B9 BE EE")), "한국어");
  EXPECT_EQ(decode_to_utf8(xml_doc("gb2312", "x"), "").encoding, "gb18030");
}

TEST(DecodeToUtf8, ReplacesATruncatedMultiByteSequenceAtTheEnd) {
  const Decoded d = decode_to_utf8(xml_doc("shift_jis", hex("93 FA 96 7B 8C EA")) + hex("93"), "");
  EXPECT_EQ(d.encoding, "shift_jis");
  EXPECT_TRUE(d.utf8.ends_with("</t>\n\xEF\xBF\xBD"));
}

TEST(DecodeToUtf8, AcceptsPythonCodecNames) {
  const LegacyCase cases[] = {
      {"cp437", "80", "Ç"},
      {"IBM437", "80", "Ç"},
      {"cspc8codepage437", "80", "Ç"},
      {"csibm855", "80", "ђ"},
      {"cp_is", "80", "Ç"},
      {"koi8-t", "80", "қ"},
      {"cp1125", "80", "А"},
      {"cp856", "80", "א"},
      {"maccyrillic", "80", "А"},
      {"mac-cyrillic", "80", "А"},
      {"maciceland", "80", "Ä"},
      {"macroman", "80", "Ä"},
      {"macintosh", "80", "Ä"},
      {"macgreek", "80", "Ä"},
      {"macturkish", "80", "Ä"},
      {"windows_1252", "80", "€"},
      {"cp1252", "80", "€"},
      {"latin1", "E9", "é"},
      {"L1", "E9", "é"},
      {"ISO_8859-1:1987", "E9", "é"},
      {"cskoi8r", "C1", "а"},
      {"u8", "C3 A9", "é"},
      {"Windows-1251", "C0", "А"},
      {"x-mac-cyrillic", "80", "А"},
      {"ks_c_5601-1987", "C7 D1", "한"},
  };
  for (const LegacyCase& c : cases) {
    const Decoded d = decode_to_utf8(xml_doc(c.encoding, hex(c.bytes)), "");
    EXPECT_EQ(text_of(d), c.text) << c.encoding;
    EXPECT_TRUE(d.warnings.empty()) << c.encoding << ": " << d.warnings.front();
  }
}

TEST(DecodeToUtf8, DetectsEbcdicByItsXmlDeclaration) {
  // "<?xml version="1.0" encoding="cp037"?><t>Ø</t>" in cp037.
  const std::string doc =
      hex("4C 6F A7 94 93 40 A5 85 99 A2 89 96 95 7E 7F F1 4B F0 7F 40 85 95 83 "
          "96 84 89 95 87 7E 7F 83 97 F0 F3 F7 7F 6F 6E 4C A3 6E 80 4C 61 A3 6E");
  const Decoded d = decode_to_utf8(doc, "");
  EXPECT_EQ(d.encoding, "ibm037");
  EXPECT_EQ(d.utf8, "<?xml version=\"1.0\" encoding=\"cp037\"?><t>Ø</t>");
  std::string undeclared = doc;
  undeclared.replace(undeclared.find(hex("85 95 83")), 16, 16, '\x40'); // blank out encoding=...
  EXPECT_EQ(text_of(decode_to_utf8(undeclared, "")), "Ø");
}

TEST(DecodeToUtf8, FallsBackToIconvForNamesPythonLacks) {
  const Decoded d = decode_to_utf8(xml_doc("ARMSCII-8", hex("B2")), "");
  EXPECT_EQ(d.encoding, "armscii-8");
  EXPECT_EQ(text_of(d), "Ա");
}

// ---- Precedence ----------------------------------------------------------------------------

TEST(DecodeToUtf8, HttpCharsetOverridesTheDeclaration) {
  const Decoded d =
      decode_to_utf8(xml_doc("windows-1251", hex("F0 D2 C9 D7 C5 D4")), "text/xml; charset=koi8-r");
  EXPECT_EQ(d.encoding, "koi8-r");
  EXPECT_EQ(text_of(d), "Привет");
  EXPECT_TRUE(has_warning(d, "overrides"));
}

TEST(DecodeToUtf8, ByteOrderMarkOverridesHttpAndDeclaration) {
  const Decoded d = decode_to_utf8("\xEF\xBB\xBF" + xml_doc("koi8-r", "\xD0\x9F"),
                                   "text/xml; charset=iso-8859-1");
  EXPECT_EQ(d.encoding, "utf-8");
  EXPECT_EQ(text_of(d), "П");
  const Decoded d16 =
      decode_to_utf8(utf16(u"<?xml version=\"1.0\" encoding=\"koi8-r\"?><t>П</t>", false, true),
                     "application/xml; charset=windows-1252");
  EXPECT_EQ(d16.encoding, "utf-16be");
  EXPECT_EQ(text_of(d16), "П");
}

TEST(DecodeToUtf8, TextXmlWithoutCharsetDoesNotForceAscii) {
  // RFC 3023 said us-ascii; RFC 7303 and our contract use the declaration.
  const Decoded d = decode_to_utf8(xml_doc("iso-8859-1", "caf\xE9"), "text/xml");
  EXPECT_EQ(d.encoding, "iso-8859-1");
  EXPECT_EQ(text_of(d), "café");
}

TEST(DecodeToUtf8, IgnoresAnUnknownDeclaredEncoding) {
  Decoded d = decode_to_utf8(xml_doc("bogus", "caf\xC3\xA9"), "");
  EXPECT_EQ(d.encoding, "utf-8");
  EXPECT_EQ(text_of(d), "café");
  EXPECT_TRUE(has_warning(d, "unknown encoding \"bogus\""));
  d = decode_to_utf8(xml_doc("bogus", "caf\xE9"), "");
  EXPECT_EQ(d.encoding, "windows-1252");
  EXPECT_EQ(text_of(d), "café");
}

TEST(DecodeToUtf8, IgnoresAnUnknownHttpCharset) {
  const Decoded d = decode_to_utf8(xml_doc("koi8-r", hex("F0")), "text/xml; charset=x-nonsense");
  EXPECT_EQ(d.encoding, "koi8-r");
  EXPECT_EQ(text_of(d), "П");
  EXPECT_TRUE(has_warning(d, "x-nonsense"));
}

TEST(DecodeToUtf8, RejectsCodecsThatAreNotTextEncodings) {
  for (const char* name : {"base64", "rot13", "zlib", "hex", "//TRANSLIT", "UTF-8//IGNORE",
                           "UCS-2LE", "IBM1047", "mbcs"}) {
    const Decoded d = decode_to_utf8(xml_doc(name, "abc"), "");
    EXPECT_EQ(d.encoding, "utf-8") << name;
    EXPECT_EQ(text_of(d), "abc") << name;
  }
}

TEST(DecodeToUtf8, FallsBackWhenTheBytesAreNotInTheDeclaredEncoding) {
  // Declared UTF-8 but written in windows-1252.
  Decoded d = decode_to_utf8(xml_doc("utf-8", "\x93"
                                              "caf\xE9\x94"),
                             "");
  EXPECT_EQ(d.encoding, "windows-1252");
  EXPECT_EQ(text_of(d), "“café”");
  EXPECT_TRUE(has_warning(d, "not valid utf-8"));
  // The HTTP charset is wrong: the declaration is tried next.
  d = decode_to_utf8(xml_doc("iso-8859-1", "caf\xE9"), "text/xml; charset=utf-8");
  EXPECT_EQ(d.encoding, "iso-8859-1");
  EXPECT_EQ(text_of(d), "café");
  // us-ascii cannot hold non-ASCII bytes.
  d = decode_to_utf8(xml_doc("utf-8", "caf\xC3\xA9"), "text/xml; charset=us-ascii");
  EXPECT_EQ(d.encoding, "utf-8");
  EXPECT_EQ(text_of(d), "café");
}

// ---- Repairs -------------------------------------------------------------------------------

TEST(DecodeToUtf8, ReplacesAFewInvalidBytesInUtf8Text) {
  // Mostly UTF-8 with one stray byte: the stray byte becomes U+FFFD, the rest stays right.
  const Decoded d = decode_to_utf8(xml_doc("utf-8", "café déjà vu \xFF naïve"), "");
  EXPECT_EQ(d.encoding, "utf-8");
  EXPECT_EQ(text_of(d), "café déjà vu \xEF\xBF\xBD naïve");
  EXPECT_TRUE(has_warning(d, "1 invalid byte sequence"));
  const Decoded bom = decode_to_utf8("\xEF\xBB\xBF<t>\xD1\xA8 Espa\xF1"
                                     "a</t>",
                                     "");
  EXPECT_EQ(text_of(bom), "Ѩ Espa\xEF\xBF\xBD"
                          "a");
}

TEST(DecodeToUtf8, DropsControlCharactersWithAWarning) {
  const Decoded d = decode_to_utf8(xml_doc("utf-8", std::string("a\x01\x00\x1B"
                                                                "b\tc\r\nd",
                                                                10)),
                                   "");
  EXPECT_EQ(text_of(d), "ab\tc\r\nd");
  EXPECT_TRUE(has_warning(d, "dropped 3 control characters"));
  const Decoded d16 = decode_to_utf8(utf16(u"<t>a\u0007b\uFFFE</t>", true, true), "");
  EXPECT_EQ(text_of(d16), "ab");
}

TEST(DecodeToUtf8, ReadsC1ControlsAsWindows1252) {
  Decoded d = decode_to_utf8("<t>don\xC2\x92t</t>", "");
  EXPECT_EQ(d.utf8, "<t>don’t</t>");
  EXPECT_TRUE(has_warning(d, "windows-1252"));
  d = decode_to_utf8(xml_doc("iso-8859-1", "\x93quoted\x94 \x81"), "");
  EXPECT_EQ(text_of(d), "“quoted” ");
}

TEST(DecodeToUtf8, HandlesEmptyAndTinyInput) {
  const std::vector<std::string> inputs = {"",     "<",        "\xEF\xBB",
                                           "\xFF", "\xFE\xFF", std::string(3, '\0')};
  for (const std::string& s : inputs) {
    const Decoded d = decode_to_utf8(s, "");
    EXPECT_TRUE(util::is_valid_utf8(d.utf8));
    EXPECT_FALSE(d.encoding.empty());
  }
  EXPECT_EQ(decode_to_utf8("\xFE\xFF", "").utf8, "");
}

TEST(DecodeToUtf8, AlwaysProducesValidUtf8) {
  const char* names[] = {"utf-8", "utf-16", "utf-32", "shift_jis", "iso-2022-jp", "gb18030",
                         "big5",  "euc-kr", "koi8-r", "cp037",     "utf-7",       "bogus"};
  std::uint32_t state = 7;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 24;
  };
  for (int round = 0; round < 300; ++round) {
    std::string body;
    for (int i = 0; i < 50 + round; ++i) {
      body += static_cast<char>(next());
    }
    const char* name = names[round % std::size(names)];
    const std::string prefixes[] = {xml_doc(name, ""), "\xFF\xFE", "\xEF\xBB\xBF", ""};
    const std::string doc = prefixes[round % 4] + body;
    const Decoded d =
        decode_to_utf8(doc, round % 3 == 0 ? "text/xml; charset=" + std::string(name) : "");
    ASSERT_TRUE(util::is_valid_utf8(d.utf8)) << name << " round " << round;
    for (unsigned char c : d.utf8) {
      ASSERT_TRUE(c >= 0x20 || c == '\t' || c == '\n' || c == '\r') << round;
    }
  }
}

TEST(DecodeToUtf8, HandlesLargeDocumentsInBoundedTime) {
  std::string body;
  body.reserve(16 << 20);
  while (body.size() < (16u << 20)) {
    body += "Caf\xE9 \x93quoted\x94 & <b>text</b> ";
  }
  const Decoded d = decode_to_utf8(xml_doc("windows-1252", body), "");
  EXPECT_EQ(d.encoding, "windows-1252");
  EXPECT_GT(d.utf8.size(), body.size());
  // Declared shift_jis and utf-8, really windows-1252: two attempts fail, the last succeeds.
  std::string noise(8 << 20, '\xFF');
  const Decoded n = decode_to_utf8(xml_doc("shift_jis", noise), "text/xml; charset=utf-8");
  EXPECT_EQ(n.encoding, "windows-1252");
  EXPECT_TRUE(util::is_valid_utf8(n.utf8));
}

// ---- The public test corpora -----------------------------------------------------------------

// feedparser's codec vectors: 116 documents in Python codecs from cp037 to windows_1258, each
// with a one-character <title>.
TEST(DecodeToUtf8, DecodesEveryFeedparserCodecCase) {
  const std::filesystem::path dir = k_corpus / "feedparser-codecs";
  if (!std::filesystem::exists(dir / "cases.json")) {
    GTEST_SKIP() << "no corpus at " << dir;
  }
  const nlohmann::json cases = nlohmann::json::parse(read_file(dir / "cases.json"));
  ASSERT_EQ(cases.size(), 116u);
  for (const nlohmann::json& c : cases) {
    const Decoded d = decode_to_utf8(read_file(dir / c.at("file").get<std::string>()), "");
    const std::size_t open = d.utf8.find("<title>");
    const std::size_t close = d.utf8.find("</title>");
    ASSERT_NE(open, std::string::npos) << c.at("name");
    EXPECT_EQ(d.utf8.substr(open + 7, close - open - 7),
              c.at("expect").at("feed.title").get<std::string>())
        << c.at("name") << " decoded as " << d.encoding;
    EXPECT_TRUE(d.warnings.empty()) << c.at("name");
  }
}

// feedparser's encoding suite: where its Expect line names the encoding, we agree, except for
// text/* without a charset, where feedparser applies RFC 3023's us-ascii and we the declaration.
TEST(DecodeToUtf8, AgreesWithFeedparsersEncodingSuite) {
  const std::filesystem::path dir = k_corpus / "feedparser" / "tests" / "encoding";
  if (!std::filesystem::exists(dir)) {
    GTEST_SKIP() << "no corpus at " << dir;
  }
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string bytes = read_file(entry.path());
    const std::string name = entry.path().filename().string();
    const Decoded plain = decode_to_utf8(bytes, ""); // to read the comment header
    const std::string content_type = header_value(plain.utf8, "Header:", "Content-type:");
    const Decoded d = decode_to_utf8(bytes, content_type);
    ASSERT_TRUE(util::is_valid_utf8(d.utf8)) << name;
    const std::string expect = header_value(plain.utf8, "Expect:", "");
    const std::size_t at = expect.find("encoding == '");
    if (at == std::string::npos) {
      continue;
    }
    const std::string expected = expect.substr(at + 13, expect.find('\'', at + 13) - at - 13);
    if (content_type.starts_with("text/") && charset_from_content_type(content_type).empty()) {
      continue;
    }
    EXPECT_EQ(d.encoding, expected) << name << " with " << content_type;
    ++checked;
  }
  EXPECT_GE(checked, 40);
}

TEST(DecodeToUtf8, DecodesFeedparserExamplesTheirWay) {
  const std::filesystem::path dir = k_corpus / "feedparser" / "tests" / "encoding";
  if (!std::filesystem::exists(dir)) {
    GTEST_SKIP() << "no corpus at " << dir;
  }
  EXPECT_NE(decode_to_utf8(read_file(dir / "euc-kr.xml"), "").utf8.find("<title>년</title>"),
            std::string::npos);
  EXPECT_NE(decode_to_utf8(read_file(dir / "demoronize-1.xml"), "").utf8.find("don’t"),
            std::string::npos);
  EXPECT_NE(decode_to_utf8(read_file(dir / "http_text_xml_charset_2.xml"),
                           "text/xml; charset=windows-1252")
                .utf8.find("This is a £“test.”"),
            std::string::npos);
}

} // namespace
} // namespace fw::parse
