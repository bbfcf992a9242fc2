#include "parse/encoding.hpp"

#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iconv.h>
#include <optional>

namespace fw::parse {
namespace {

// ---- The codec registry --------------------------------------------------------------------
//
// Names are looked up the way Python's codec registry does (normalise, then encodings.aliases),
// so the names feedparser accepts work here (all but hz, mbcs and oem). Most codecs are decoded
// by glibc's iconv; where glibc has no converter or disagrees with Python's table (some Mac code
// pages, cp720, cp1006, palmos), a 128-entry table of the upper half taken from Python does it.
// windows-1252 and ISO-8859-1 are tables too: they are the common legacy encodings, and
// windows-1252 is the WHATWG variant that maps every byte (the five bytes Python leaves
// undefined become U+0081 etc.).

// How the characters of the XML declaration are laid out in bytes, which decides whether a name
// can be right for a document at all.
enum class Family : std::uint8_t {
  ascii, // ASCII-compatible: '<', '?', 'x', 'm', 'l' are the ASCII bytes
  utf8,
  utf16, // byte order from the BOM or the layout; little-endian when neither tells
  utf16le,
  utf16be,
  utf32, // as utf16
  utf32le,
  utf32be,
  ebcdic, // '<?xm' is 4C 6F A7 94
};

enum class Method : std::uint8_t {
  utf8,   // validated and repaired, no conversion
  latin1, // bytes are code points
  table,  // Codec::high maps 0x80..0xFF; 0x00..0x7F are ASCII
  iconv,  // Codec::iconv_name
};

using HighHalf = std::array<char16_t, 128>;

struct Codec {
  std::string_view label;      // what Decoded::encoding reports
  std::string_view iconv_name; // for Method::iconv
  Family family;
  Method method;
  const HighHalf* high; // for Method::table
};

struct Alias {
  std::string_view name;  // normalised as Python's encodings.normalize_encoding does
  std::string_view label; // a Codec::label
};

// Upper halves (bytes 0x80..0xFF) as Python 3.11 decodes them: bytes([b]).decode(codec).
constexpr HighHalf k_cp1006_high = {
    0x0080, 0x0081, 0x0082, 0x0083, 0x0084, 0x0085, 0x0086, 0x0087, // 0x80
    0x0088, 0x0089, 0x008A, 0x008B, 0x008C, 0x008D, 0x008E, 0x008F, // 0x88
    0x0090, 0x0091, 0x0092, 0x0093, 0x0094, 0x0095, 0x0096, 0x0097, // 0x90
    0x0098, 0x0099, 0x009A, 0x009B, 0x009C, 0x009D, 0x009E, 0x009F, // 0x98
    0x00A0, 0x06F0, 0x06F1, 0x06F2, 0x06F3, 0x06F4, 0x06F5, 0x06F6, // 0xA0
    0x06F7, 0x06F8, 0x06F9, 0x060C, 0x061B, 0x00AD, 0x061F, 0xFE81, // 0xA8
    0xFE8D, 0xFE8E, 0xFE8E, 0xFE8F, 0xFE91, 0xFB56, 0xFB58, 0xFE93, // 0xB0
    0xFE95, 0xFE97, 0xFB66, 0xFB68, 0xFE99, 0xFE9B, 0xFE9D, 0xFE9F, // 0xB8
    0xFB7A, 0xFB7C, 0xFEA1, 0xFEA3, 0xFEA5, 0xFEA7, 0xFEA9, 0xFB84, // 0xC0
    0xFEAB, 0xFEAD, 0xFB8C, 0xFEAF, 0xFB8A, 0xFEB1, 0xFEB3, 0xFEB5, // 0xC8
    0xFEB7, 0xFEB9, 0xFEBB, 0xFEBD, 0xFEBF, 0xFEC1, 0xFEC5, 0xFEC9, // 0xD0
    0xFECA, 0xFECB, 0xFECC, 0xFECD, 0xFECE, 0xFECF, 0xFED0, 0xFED1, // 0xD8
    0xFED3, 0xFED5, 0xFED7, 0xFED9, 0xFEDB, 0xFB92, 0xFB94, 0xFEDD, // 0xE0
    0xFEDF, 0xFEE0, 0xFEE1, 0xFEE3, 0xFB9E, 0xFEE5, 0xFEE7, 0xFE85, // 0xE8
    0xFEED, 0xFBA6, 0xFBA8, 0xFBA9, 0xFBAA, 0xFE80, 0xFE89, 0xFE8A, // 0xF0
    0xFE8B, 0xFEF1, 0xFEF2, 0xFEF3, 0xFBB0, 0xFBAE, 0xFE7C, 0xFE7D, // 0xF8
};

constexpr HighHalf k_cp720_high = {
    0x0080, 0x0081, 0x00E9, 0x00E2, 0x0084, 0x00E0, 0x0086, 0x00E7, // 0x80
    0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x008D, 0x008E, 0x008F, // 0x88
    0x0090, 0x0651, 0x0652, 0x00F4, 0x00A4, 0x0640, 0x00FB, 0x00F9, // 0x90
    0x0621, 0x0622, 0x0623, 0x0624, 0x00A3, 0x0625, 0x0626, 0x0627, // 0x98
    0x0628, 0x0629, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F, // 0xA0
    0x0630, 0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x00AB, 0x00BB, // 0xA8
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, // 0xB0
    0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510, // 0xB8
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, // 0xC0
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, // 0xC8
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, // 0xD0
    0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580, // 0xD8
    0x0636, 0x0637, 0x0638, 0x0639, 0x063A, 0x0641, 0x00B5, 0x0642, // 0xE0
    0x0643, 0x0644, 0x0645, 0x0646, 0x0647, 0x0648, 0x0649, 0x064A, // 0xE8
    0x2261, 0x064B, 0x064C, 0x064D, 0x064E, 0x064F, 0x0650, 0x2248, // 0xF0
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0, // 0xF8
};

constexpr HighHalf k_mac_arabic_high = {
    0x00C4, 0x00A0, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, // 0x80
    0x00E0, 0x00E2, 0x00E4, 0x06BA, 0x00AB, 0x00E7, 0x00E9, 0x00E8, // 0x88
    0x00EA, 0x00EB, 0x00ED, 0x2026, 0x00EE, 0x00EF, 0x00F1, 0x00F3, // 0x90
    0x00BB, 0x00F4, 0x00F6, 0x00F7, 0x00FA, 0x00F9, 0x00FB, 0x00FC, // 0x98
    0x0020, 0x0021, 0x0022, 0x0023, 0x0024, 0x066A, 0x0026, 0x0027, // 0xA0
    0x0028, 0x0029, 0x002A, 0x002B, 0x060C, 0x002D, 0x002E, 0x002F, // 0xA8
    0x0660, 0x0661, 0x0662, 0x0663, 0x0664, 0x0665, 0x0666, 0x0667, // 0xB0
    0x0668, 0x0669, 0x003A, 0x061B, 0x003C, 0x003D, 0x003E, 0x061F, // 0xB8
    0x274A, 0x0621, 0x0622, 0x0623, 0x0624, 0x0625, 0x0626, 0x0627, // 0xC0
    0x0628, 0x0629, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F, // 0xC8
    0x0630, 0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x0636, 0x0637, // 0xD0
    0x0638, 0x0639, 0x063A, 0x005B, 0x005C, 0x005D, 0x005E, 0x005F, // 0xD8
    0x0640, 0x0641, 0x0642, 0x0643, 0x0644, 0x0645, 0x0646, 0x0647, // 0xE0
    0x0648, 0x0649, 0x064A, 0x064B, 0x064C, 0x064D, 0x064E, 0x064F, // 0xE8
    0x0650, 0x0651, 0x0652, 0x067E, 0x0679, 0x0686, 0x06D5, 0x06A4, // 0xF0
    0x06AF, 0x0688, 0x0691, 0x007B, 0x007C, 0x007D, 0x0698, 0x06D2, // 0xF8
};

constexpr HighHalf k_mac_croatian_high = {
    0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, // 0x80
    0x00E0, 0x00E2, 0x00E4, 0x00E3, 0x00E5, 0x00E7, 0x00E9, 0x00E8, // 0x88
    0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3, // 0x90
    0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC, // 0x98
    0x2020, 0x00B0, 0x00A2, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x00DF, // 0xA0
    0x00AE, 0x0160, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x017D, 0x00D8, // 0xA8
    0x221E, 0x00B1, 0x2264, 0x2265, 0x2206, 0x00B5, 0x2202, 0x2211, // 0xB0
    0x220F, 0x0161, 0x222B, 0x00AA, 0x00BA, 0x03A9, 0x017E, 0x00F8, // 0xB8
    0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x0106, 0x00AB, // 0xC0
    0x010C, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153, // 0xC8
    0x0110, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x25CA, // 0xD0
    0xF8FF, 0x00A9, 0x2044, 0x20AC, 0x2039, 0x203A, 0x00C6, 0x00BB, // 0xD8
    0x2013, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x0107, 0x00C1, // 0xE0
    0x010D, 0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC, 0x00D3, 0x00D4, // 0xE8
    0x0111, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC, // 0xF0
    0x00AF, 0x03C0, 0x00CB, 0x02DA, 0x00B8, 0x00CA, 0x00E6, 0x02C7, // 0xF8
};

constexpr HighHalf k_mac_cyrillic_high = {
    0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417, // 0x80
    0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F, // 0x88
    0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427, // 0x90
    0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F, // 0x98
    0x2020, 0x00B0, 0x0490, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x0406, // 0xA0
    0x00AE, 0x00A9, 0x2122, 0x0402, 0x0452, 0x2260, 0x0403, 0x0453, // 0xA8
    0x221E, 0x00B1, 0x2264, 0x2265, 0x0456, 0x00B5, 0x0491, 0x0408, // 0xB0
    0x0404, 0x0454, 0x0407, 0x0457, 0x0409, 0x0459, 0x040A, 0x045A, // 0xB8
    0x0458, 0x0405, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB, // 0xC0
    0x00BB, 0x2026, 0x00A0, 0x040B, 0x045B, 0x040C, 0x045C, 0x0455, // 0xC8
    0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x201E, // 0xD0
    0x040E, 0x045E, 0x040F, 0x045F, 0x2116, 0x0401, 0x0451, 0x044F, // 0xD8
    0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437, // 0xE0
    0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F, // 0xE8
    0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447, // 0xF0
    0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x20AC, // 0xF8
};

constexpr HighHalf k_mac_farsi_high = {
    0x00C4, 0x00A0, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, // 0x80
    0x00E0, 0x00E2, 0x00E4, 0x06BA, 0x00AB, 0x00E7, 0x00E9, 0x00E8, // 0x88
    0x00EA, 0x00EB, 0x00ED, 0x2026, 0x00EE, 0x00EF, 0x00F1, 0x00F3, // 0x90
    0x00BB, 0x00F4, 0x00F6, 0x00F7, 0x00FA, 0x00F9, 0x00FB, 0x00FC, // 0x98
    0x0020, 0x0021, 0x0022, 0x0023, 0x0024, 0x066A, 0x0026, 0x0027, // 0xA0
    0x0028, 0x0029, 0x002A, 0x002B, 0x060C, 0x002D, 0x002E, 0x002F, // 0xA8
    0x06F0, 0x06F1, 0x06F2, 0x06F3, 0x06F4, 0x06F5, 0x06F6, 0x06F7, // 0xB0
    0x06F8, 0x06F9, 0x003A, 0x061B, 0x003C, 0x003D, 0x003E, 0x061F, // 0xB8
    0x274A, 0x0621, 0x0622, 0x0623, 0x0624, 0x0625, 0x0626, 0x0627, // 0xC0
    0x0628, 0x0629, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F, // 0xC8
    0x0630, 0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x0636, 0x0637, // 0xD0
    0x0638, 0x0639, 0x063A, 0x005B, 0x005C, 0x005D, 0x005E, 0x005F, // 0xD8
    0x0640, 0x0641, 0x0642, 0x0643, 0x0644, 0x0645, 0x0646, 0x0647, // 0xE0
    0x0648, 0x0649, 0x064A, 0x064B, 0x064C, 0x064D, 0x064E, 0x064F, // 0xE8
    0x0650, 0x0651, 0x0652, 0x067E, 0x0679, 0x0686, 0x06D5, 0x06A4, // 0xF0
    0x06AF, 0x0688, 0x0691, 0x007B, 0x007C, 0x007D, 0x0698, 0x06D2, // 0xF8
};

constexpr HighHalf k_mac_greek_high = {
    0x00C4, 0x00B9, 0x00B2, 0x00C9, 0x00B3, 0x00D6, 0x00DC, 0x0385, // 0x80
    0x00E0, 0x00E2, 0x00E4, 0x0384, 0x00A8, 0x00E7, 0x00E9, 0x00E8, // 0x88
    0x00EA, 0x00EB, 0x00A3, 0x2122, 0x00EE, 0x00EF, 0x2022, 0x00BD, // 0x90
    0x2030, 0x00F4, 0x00F6, 0x00A6, 0x20AC, 0x00F9, 0x00FB, 0x00FC, // 0x98
    0x2020, 0x0393, 0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x00DF, // 0xA0
    0x00AE, 0x00A9, 0x03A3, 0x03AA, 0x00A7, 0x2260, 0x00B0, 0x00B7, // 0xA8
    0x0391, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x0392, 0x0395, 0x0396, // 0xB0
    0x0397, 0x0399, 0x039A, 0x039C, 0x03A6, 0x03AB, 0x03A8, 0x03A9, // 0xB8
    0x03AC, 0x039D, 0x00AC, 0x039F, 0x03A1, 0x2248, 0x03A4, 0x00AB, // 0xC0
    0x00BB, 0x2026, 0x00A0, 0x03A5, 0x03A7, 0x0386, 0x0388, 0x0153, // 0xC8
    0x2013, 0x2015, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x0389, // 0xD0
    0x038A, 0x038C, 0x038E, 0x03AD, 0x03AE, 0x03AF, 0x03CC, 0x038F, // 0xD8
    0x03CD, 0x03B1, 0x03B2, 0x03C8, 0x03B4, 0x03B5, 0x03C6, 0x03B3, // 0xE0
    0x03B7, 0x03B9, 0x03BE, 0x03BA, 0x03BB, 0x03BC, 0x03BD, 0x03BF, // 0xE8
    0x03C0, 0x03CE, 0x03C1, 0x03C3, 0x03C4, 0x03B8, 0x03C9, 0x03C2, // 0xF0
    0x03C7, 0x03C5, 0x03B6, 0x03CA, 0x03CB, 0x0390, 0x03B0, 0x00AD, // 0xF8
};

constexpr HighHalf k_mac_iceland_high = {
    0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, // 0x80
    0x00E0, 0x00E2, 0x00E4, 0x00E3, 0x00E5, 0x00E7, 0x00E9, 0x00E8, // 0x88
    0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3, // 0x90
    0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC, // 0x98
    0x00DD, 0x00B0, 0x00A2, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x00DF, // 0xA0
    0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x00C6, 0x00D8, // 0xA8
    0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211, // 0xB0
    0x220F, 0x03C0, 0x222B, 0x00AA, 0x00BA, 0x03A9, 0x00E6, 0x00F8, // 0xB8
    0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB, // 0xC0
    0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153, // 0xC8
    0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x25CA, // 0xD0
    0x00FF, 0x0178, 0x2044, 0x20AC, 0x00D0, 0x00F0, 0x00DE, 0x00FE, // 0xD8
    0x00FD, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, // 0xE0
    0x00CB, 0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC, 0x00D3, 0x00D4, // 0xE8
    0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC, // 0xF0
    0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7, // 0xF8
};

constexpr HighHalf k_mac_romanian_high = {
    0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, // 0x80
    0x00E0, 0x00E2, 0x00E4, 0x00E3, 0x00E5, 0x00E7, 0x00E9, 0x00E8, // 0x88
    0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3, // 0x90
    0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC, // 0x98
    0x2020, 0x00B0, 0x00A2, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x00DF, // 0xA0
    0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x0102, 0x0218, // 0xA8
    0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211, // 0xB0
    0x220F, 0x03C0, 0x222B, 0x00AA, 0x00BA, 0x03A9, 0x0103, 0x0219, // 0xB8
    0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB, // 0xC0
    0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153, // 0xC8
    0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x25CA, // 0xD0
    0x00FF, 0x0178, 0x2044, 0x20AC, 0x2039, 0x203A, 0x021A, 0x021B, // 0xD8
    0x2021, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, // 0xE0
    0x00CB, 0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC, 0x00D3, 0x00D4, // 0xE8
    0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC, // 0xF0
    0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7, // 0xF8
};

constexpr HighHalf k_mac_turkish_high = {
    0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, // 0x80
    0x00E0, 0x00E2, 0x00E4, 0x00E3, 0x00E5, 0x00E7, 0x00E9, 0x00E8, // 0x88
    0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3, // 0x90
    0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC, // 0x98
    0x2020, 0x00B0, 0x00A2, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x00DF, // 0xA0
    0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x00C6, 0x00D8, // 0xA8
    0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211, // 0xB0
    0x220F, 0x03C0, 0x222B, 0x00AA, 0x00BA, 0x03A9, 0x00E6, 0x00F8, // 0xB8
    0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB, // 0xC0
    0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153, // 0xC8
    0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x25CA, // 0xD0
    0x00FF, 0x0178, 0x011E, 0x011F, 0x0130, 0x0131, 0x015E, 0x015F, // 0xD8
    0x2021, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, // 0xE0
    0x00CB, 0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC, 0x00D3, 0x00D4, // 0xE8
    0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0xF8A0, 0x02C6, 0x02DC, // 0xF0
    0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7, // 0xF8
};

constexpr HighHalf k_macintosh_high = {
    0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, // 0x80
    0x00E0, 0x00E2, 0x00E4, 0x00E3, 0x00E5, 0x00E7, 0x00E9, 0x00E8, // 0x88
    0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3, // 0x90
    0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC, // 0x98
    0x2020, 0x00B0, 0x00A2, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x00DF, // 0xA0
    0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x00C6, 0x00D8, // 0xA8
    0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211, // 0xB0
    0x220F, 0x03C0, 0x222B, 0x00AA, 0x00BA, 0x03A9, 0x00E6, 0x00F8, // 0xB8
    0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB, // 0xC0
    0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153, // 0xC8
    0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x25CA, // 0xD0
    0x00FF, 0x0178, 0x2044, 0x20AC, 0x2039, 0x203A, 0xFB01, 0xFB02, // 0xD8
    0x2021, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, // 0xE0
    0x00CB, 0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC, 0x00D3, 0x00D4, // 0xE8
    0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC, // 0xF0
    0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7, // 0xF8
};

constexpr HighHalf k_palmos_high = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, // 0x80
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x2666, 0x2663, 0x2665, // 0x88
    0x2660, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, // 0x90
    0x02DC, 0x2122, 0x0161, 0x009B, 0x0153, 0x009D, 0x009E, 0x0178, // 0x98
    0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7, // 0xA0
    0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF, // 0xA8
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7, // 0xB0
    0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF, // 0xB8
    0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7, // 0xC0
    0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF, // 0xC8
    0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7, // 0xD0
    0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF, // 0xD8
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7, // 0xE0
    0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF, // 0xE8
    0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7, // 0xF0
    0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF, // 0xF8
};

constexpr HighHalf k_windows_1252_high = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, // 0x80
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F, // 0x88
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, // 0x90
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178, // 0x98
    0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7, // 0xA0
    0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF, // 0xA8
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7, // 0xB0
    0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF, // 0xB8
    0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7, // 0xC0
    0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF, // 0xC8
    0x00D0, 0x00D1, 0x00D2, 0x00D3, 0x00D4, 0x00D5, 0x00D6, 0x00D7, // 0xD0
    0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF, // 0xD8
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7, // 0xE0
    0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x00EC, 0x00ED, 0x00EE, 0x00EF, // 0xE8
    0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7, // 0xF0
    0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF, // 0xF8
};

// Sorted by label. Where a WHATWG superset is what browsers use, it decodes the name: gb2312 and
// gbk as GB18030 (feedparser does the same), euc-kr as CP949, shift_jis as CP932 (which keeps 0x5C
// a backslash) and big5 as Big5-HKSCS. glibc's MAC-IS, MACINTOSH and MAC-CYRILLIC differ from
// Python's tables in a few positions, so those three are tables here too.
constexpr Codec k_codecs[] = {
    {"big5", "BIG5-HKSCS", Family::ascii, Method::iconv, nullptr},
    {"big5-hkscs", "BIG5-HKSCS", Family::ascii, Method::iconv, nullptr},
    {"cp1006", "", Family::ascii, Method::table, &k_cp1006_high},
    {"cp1125", "CP1125", Family::ascii, Method::iconv, nullptr},
    {"cp720", "", Family::ascii, Method::table, &k_cp720_high},
    {"cp737", "CP737", Family::ascii, Method::iconv, nullptr},
    {"cp950", "CP950", Family::ascii, Method::iconv, nullptr},
    {"euc-jisx0213", "EUC-JISX0213", Family::ascii, Method::iconv, nullptr},
    {"euc-jp", "EUC-JP-MS", Family::ascii, Method::iconv, nullptr},
    {"euc-kr", "CP949", Family::ascii, Method::iconv, nullptr},
    {"gb18030", "GB18030", Family::ascii, Method::iconv, nullptr},
    {"hp-roman8", "HP-ROMAN8", Family::ascii, Method::iconv, nullptr},
    {"ibm037", "IBM037", Family::ebcdic, Method::iconv, nullptr},
    {"ibm1026", "IBM1026", Family::ebcdic, Method::iconv, nullptr},
    {"ibm1140", "IBM1140", Family::ebcdic, Method::iconv, nullptr},
    {"ibm273", "IBM273", Family::ebcdic, Method::iconv, nullptr},
    {"ibm424", "IBM424", Family::ebcdic, Method::iconv, nullptr},
    {"ibm437", "IBM437", Family::ascii, Method::iconv, nullptr},
    {"ibm500", "IBM500", Family::ebcdic, Method::iconv, nullptr},
    {"ibm775", "IBM775", Family::ascii, Method::iconv, nullptr},
    {"ibm850", "IBM850", Family::ascii, Method::iconv, nullptr},
    {"ibm852", "IBM852", Family::ascii, Method::iconv, nullptr},
    {"ibm855", "IBM855", Family::ascii, Method::iconv, nullptr},
    {"ibm856", "IBM856", Family::ascii, Method::iconv, nullptr},
    {"ibm857", "IBM857", Family::ascii, Method::iconv, nullptr},
    {"ibm858", "IBM858", Family::ascii, Method::iconv, nullptr},
    {"ibm860", "IBM860", Family::ascii, Method::iconv, nullptr},
    {"ibm861", "IBM861", Family::ascii, Method::iconv, nullptr},
    {"ibm862", "IBM862", Family::ascii, Method::iconv, nullptr},
    {"ibm863", "IBM863", Family::ascii, Method::iconv, nullptr},
    {"ibm864", "IBM864", Family::ascii, Method::iconv, nullptr},
    {"ibm865", "IBM865", Family::ascii, Method::iconv, nullptr},
    {"ibm866", "IBM866", Family::ascii, Method::iconv, nullptr},
    {"ibm869", "IBM869", Family::ascii, Method::iconv, nullptr},
    {"ibm875", "IBM875", Family::ebcdic, Method::iconv, nullptr},
    {"iso-2022-jp", "ISO-2022-JP", Family::ascii, Method::iconv, nullptr},
    {"iso-2022-jp-2", "ISO-2022-JP-2", Family::ascii, Method::iconv, nullptr},
    {"iso-2022-jp-3", "ISO-2022-JP-3", Family::ascii, Method::iconv, nullptr},
    {"iso-2022-kr", "ISO-2022-KR", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-1", "", Family::ascii, Method::latin1, nullptr},
    {"iso-8859-10", "ISO-8859-10", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-11", "ISO-8859-11", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-13", "ISO-8859-13", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-14", "ISO-8859-14", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-15", "ISO-8859-15", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-16", "ISO-8859-16", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-2", "ISO-8859-2", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-3", "ISO-8859-3", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-4", "ISO-8859-4", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-5", "ISO-8859-5", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-6", "ISO-8859-6", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-7", "ISO-8859-7", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-8", "ISO-8859-8", Family::ascii, Method::iconv, nullptr},
    {"iso-8859-9", "ISO-8859-9", Family::ascii, Method::iconv, nullptr},
    {"johab", "JOHAB", Family::ascii, Method::iconv, nullptr},
    {"koi8-r", "KOI8-R", Family::ascii, Method::iconv, nullptr},
    {"koi8-t", "KOI8-T", Family::ascii, Method::iconv, nullptr},
    {"koi8-u", "KOI8-U", Family::ascii, Method::iconv, nullptr},
    {"kz-1048", "RK1048", Family::ascii, Method::iconv, nullptr},
    {"mac-arabic", "", Family::ascii, Method::table, &k_mac_arabic_high},
    {"mac-centraleurope", "MAC-CENTRALEUROPE", Family::ascii, Method::iconv, nullptr},
    {"mac-croatian", "", Family::ascii, Method::table, &k_mac_croatian_high},
    {"mac-cyrillic", "", Family::ascii, Method::table, &k_mac_cyrillic_high},
    {"mac-farsi", "", Family::ascii, Method::table, &k_mac_farsi_high},
    {"mac-greek", "", Family::ascii, Method::table, &k_mac_greek_high},
    {"mac-iceland", "", Family::ascii, Method::table, &k_mac_iceland_high},
    {"mac-romanian", "", Family::ascii, Method::table, &k_mac_romanian_high},
    {"mac-turkish", "", Family::ascii, Method::table, &k_mac_turkish_high},
    {"macintosh", "", Family::ascii, Method::table, &k_macintosh_high},
    {"palmos", "", Family::ascii, Method::table, &k_palmos_high},
    {"ptcp154", "PT154", Family::ascii, Method::iconv, nullptr},
    {"shift_jis", "CP932", Family::ascii, Method::iconv, nullptr},
    {"shift_jisx0213", "SHIFT_JISX0213", Family::ascii, Method::iconv, nullptr},
    {"tis-620", "TIS-620", Family::ascii, Method::iconv, nullptr},
    {"us-ascii", "ANSI_X3.4-1968", Family::ascii, Method::iconv, nullptr},
    {"utf-16", "UTF-16", Family::utf16, Method::iconv, nullptr},
    {"utf-16be", "UTF-16BE", Family::utf16be, Method::iconv, nullptr},
    {"utf-16le", "UTF-16LE", Family::utf16le, Method::iconv, nullptr},
    {"utf-32", "UTF-32", Family::utf32, Method::iconv, nullptr},
    {"utf-32be", "UTF-32BE", Family::utf32be, Method::iconv, nullptr},
    {"utf-32le", "UTF-32LE", Family::utf32le, Method::iconv, nullptr},
    {"utf-7", "UTF-7", Family::ascii, Method::iconv, nullptr},
    {"utf-8", "", Family::utf8, Method::utf8, nullptr},
    {"windows-1250", "CP1250", Family::ascii, Method::iconv, nullptr},
    {"windows-1251", "CP1251", Family::ascii, Method::iconv, nullptr},
    {"windows-1252", "", Family::ascii, Method::table, &k_windows_1252_high},
    {"windows-1253", "CP1253", Family::ascii, Method::iconv, nullptr},
    {"windows-1254", "CP1254", Family::ascii, Method::iconv, nullptr},
    {"windows-1255", "CP1255", Family::ascii, Method::iconv, nullptr},
    {"windows-1256", "CP1256", Family::ascii, Method::iconv, nullptr},
    {"windows-1257", "CP1257", Family::ascii, Method::iconv, nullptr},
    {"windows-1258", "CP1258", Family::ascii, Method::iconv, nullptr},
    {"windows-874", "CP874", Family::ascii, Method::iconv, nullptr},
};

// Normalised name -> codec label, sorted by name: Python 3.11's encodings.aliases and codec
// module names (without the bytes-to-bytes codecs such as base64 and rot13, and without hz, mbcs
// and oem, which have no converter here), plus WHATWG labels Python lacks ("x-sjis",
// "x-mac-cyrillic", "ks_c_5601-1989", ...).
constexpr Alias k_aliases[] = {
    {"037", "ibm037"},
    {"1026", "ibm1026"},
    {"1125", "cp1125"},
    {"1140", "ibm1140"},
    {"1250", "windows-1250"},
    {"1251", "windows-1251"},
    {"1252", "windows-1252"},
    {"1253", "windows-1253"},
    {"1254", "windows-1254"},
    {"1255", "windows-1255"},
    {"1256", "windows-1256"},
    {"1257", "windows-1257"},
    {"1258", "windows-1258"},
    {"273", "ibm273"},
    {"424", "ibm424"},
    {"437", "ibm437"},
    {"500", "ibm500"},
    {"646", "us-ascii"},
    {"775", "ibm775"},
    {"850", "ibm850"},
    {"852", "ibm852"},
    {"855", "ibm855"},
    {"857", "ibm857"},
    {"858", "ibm858"},
    {"860", "ibm860"},
    {"861", "ibm861"},
    {"862", "ibm862"},
    {"863", "ibm863"},
    {"864", "ibm864"},
    {"865", "ibm865"},
    {"866", "ibm866"},
    {"869", "ibm869"},
    {"8859", "iso-8859-1"},
    {"932", "shift_jis"},
    {"936", "gb18030"},
    {"949", "euc-kr"},
    {"950", "cp950"},
    {"ansi_x3.4_1968", "us-ascii"},
    {"ansi_x3.4_1986", "us-ascii"},
    {"ansi_x3_4_1968", "us-ascii"},
    {"arabic", "iso-8859-6"},
    {"ascii", "us-ascii"},
    {"asmo_708", "iso-8859-6"},
    {"big5", "big5"},
    {"big5_hkscs", "big5-hkscs"},
    {"big5_tw", "big5"},
    {"big5hkscs", "big5-hkscs"},
    {"chinese", "gb18030"},
    {"cn_big5", "big5"},
    {"cp037", "ibm037"},
    {"cp1006", "cp1006"},
    {"cp1026", "ibm1026"},
    {"cp1051", "hp-roman8"},
    {"cp1125", "cp1125"},
    {"cp1140", "ibm1140"},
    {"cp1250", "windows-1250"},
    {"cp1251", "windows-1251"},
    {"cp1252", "windows-1252"},
    {"cp1253", "windows-1253"},
    {"cp1254", "windows-1254"},
    {"cp1255", "windows-1255"},
    {"cp1256", "windows-1256"},
    {"cp1257", "windows-1257"},
    {"cp1258", "windows-1258"},
    {"cp1361", "johab"},
    {"cp154", "ptcp154"},
    {"cp273", "ibm273"},
    {"cp367", "us-ascii"},
    {"cp424", "ibm424"},
    {"cp437", "ibm437"},
    {"cp500", "ibm500"},
    {"cp65001", "utf-8"},
    {"cp720", "cp720"},
    {"cp737", "cp737"},
    {"cp775", "ibm775"},
    {"cp819", "iso-8859-1"},
    {"cp850", "ibm850"},
    {"cp852", "ibm852"},
    {"cp855", "ibm855"},
    {"cp856", "ibm856"},
    {"cp857", "ibm857"},
    {"cp858", "ibm858"},
    {"cp860", "ibm860"},
    {"cp861", "ibm861"},
    {"cp862", "ibm862"},
    {"cp863", "ibm863"},
    {"cp864", "ibm864"},
    {"cp865", "ibm865"},
    {"cp866", "ibm866"},
    {"cp866u", "cp1125"},
    {"cp869", "ibm869"},
    {"cp874", "windows-874"},
    {"cp875", "ibm875"},
    {"cp932", "shift_jis"},
    {"cp936", "gb18030"},
    {"cp949", "euc-kr"},
    {"cp950", "cp950"},
    {"cp_gr", "ibm869"},
    {"cp_is", "ibm861"},
    {"csHPRoman8", "hp-roman8"},
    {"csascii", "us-ascii"},
    {"csbig5", "big5"},
    {"csgb2312", "gb18030"},
    {"csibm037", "ibm037"},
    {"csibm1026", "ibm1026"},
    {"csibm273", "ibm273"},
    {"csibm424", "ibm424"},
    {"csibm500", "ibm500"},
    {"csibm855", "ibm855"},
    {"csibm857", "ibm857"},
    {"csibm858", "ibm858"},
    {"csibm860", "ibm860"},
    {"csibm861", "ibm861"},
    {"csibm863", "ibm863"},
    {"csibm864", "ibm864"},
    {"csibm865", "ibm865"},
    {"csibm866", "ibm866"},
    {"csibm869", "ibm869"},
    {"csiso2022jp", "iso-2022-jp"},
    {"csiso2022kr", "iso-2022-kr"},
    {"csiso58gb231280", "gb18030"},
    {"csiso88598i", "iso-8859-8"},
    {"csisolatin1", "iso-8859-1"},
    {"csisolatin2", "iso-8859-2"},
    {"csisolatin3", "iso-8859-3"},
    {"csisolatin4", "iso-8859-4"},
    {"csisolatin5", "iso-8859-9"},
    {"csisolatin6", "iso-8859-10"},
    {"csisolatinarabic", "iso-8859-6"},
    {"csisolatincyrillic", "iso-8859-5"},
    {"csisolatingreek", "iso-8859-7"},
    {"csisolatinhebrew", "iso-8859-8"},
    {"cskoi8r", "koi8-r"},
    {"csksc56011987", "euc-kr"},
    {"csmacintosh", "macintosh"},
    {"cspc775baltic", "ibm775"},
    {"cspc850multilingual", "ibm850"},
    {"cspc862latinhebrew", "ibm862"},
    {"cspc8codepage437", "ibm437"},
    {"cspcp852", "ibm852"},
    {"csptcp154", "ptcp154"},
    {"csshiftjis", "shift_jis"},
    {"csunicode", "utf-16"},
    {"cyrillic", "iso-8859-5"},
    {"cyrillic_asian", "ptcp154"},
    {"dos_874", "windows-874"},
    {"ebcdic_cp_be", "ibm500"},
    {"ebcdic_cp_ca", "ibm037"},
    {"ebcdic_cp_ch", "ibm500"},
    {"ebcdic_cp_he", "ibm424"},
    {"ebcdic_cp_nl", "ibm037"},
    {"ebcdic_cp_us", "ibm037"},
    {"ebcdic_cp_wt", "ibm037"},
    {"ecma_114", "iso-8859-6"},
    {"ecma_118", "iso-8859-7"},
    {"elot_928", "iso-8859-7"},
    {"euc_cn", "gb18030"},
    {"euc_jis2004", "euc-jisx0213"},
    {"euc_jis_2004", "euc-jisx0213"},
    {"euc_jisx0213", "euc-jisx0213"},
    {"euc_jp", "euc-jp"},
    {"euc_kr", "euc-kr"},
    {"euccn", "gb18030"},
    {"eucgb2312_cn", "gb18030"},
    {"eucjis2004", "euc-jisx0213"},
    {"eucjisx0213", "euc-jisx0213"},
    {"eucjp", "euc-jp"},
    {"euckr", "euc-kr"},
    {"gb18030", "gb18030"},
    {"gb18030_2000", "gb18030"},
    {"gb2312", "gb18030"},
    {"gb2312_1980", "gb18030"},
    {"gb2312_80", "gb18030"},
    {"gb_2312", "gb18030"},
    {"gbk", "gb18030"},
    {"greek", "iso-8859-7"},
    {"greek8", "iso-8859-7"},
    {"hebrew", "iso-8859-8"},
    {"hkscs", "big5-hkscs"},
    {"hp_roman8", "hp-roman8"},
    {"ibm037", "ibm037"},
    {"ibm039", "ibm037"},
    {"ibm1026", "ibm1026"},
    {"ibm1051", "hp-roman8"},
    {"ibm1125", "cp1125"},
    {"ibm1140", "ibm1140"},
    {"ibm273", "ibm273"},
    {"ibm367", "us-ascii"},
    {"ibm424", "ibm424"},
    {"ibm437", "ibm437"},
    {"ibm500", "ibm500"},
    {"ibm775", "ibm775"},
    {"ibm819", "iso-8859-1"},
    {"ibm850", "ibm850"},
    {"ibm852", "ibm852"},
    {"ibm855", "ibm855"},
    {"ibm857", "ibm857"},
    {"ibm858", "ibm858"},
    {"ibm860", "ibm860"},
    {"ibm861", "ibm861"},
    {"ibm862", "ibm862"},
    {"ibm863", "ibm863"},
    {"ibm864", "ibm864"},
    {"ibm865", "ibm865"},
    {"ibm866", "ibm866"},
    {"ibm869", "ibm869"},
    {"iso2022_jp", "iso-2022-jp"},
    {"iso2022_jp_1", "iso-2022-jp-2"},
    {"iso2022_jp_2", "iso-2022-jp-2"},
    {"iso2022_jp_2004", "iso-2022-jp-3"},
    {"iso2022_jp_3", "iso-2022-jp-3"},
    {"iso2022_jp_ext", "iso-2022-jp-2"},
    {"iso2022_kr", "iso-2022-kr"},
    {"iso2022jp", "iso-2022-jp"},
    {"iso2022jp_1", "iso-2022-jp-2"},
    {"iso2022jp_2", "iso-2022-jp-2"},
    {"iso2022jp_2004", "iso-2022-jp-3"},
    {"iso2022jp_3", "iso-2022-jp-3"},
    {"iso2022jp_ext", "iso-2022-jp-2"},
    {"iso2022kr", "iso-2022-kr"},
    {"iso646_us", "us-ascii"},
    {"iso8859", "iso-8859-1"},
    {"iso8859_1", "iso-8859-1"},
    {"iso8859_10", "iso-8859-10"},
    {"iso8859_11", "iso-8859-11"},
    {"iso8859_13", "iso-8859-13"},
    {"iso8859_14", "iso-8859-14"},
    {"iso8859_15", "iso-8859-15"},
    {"iso8859_16", "iso-8859-16"},
    {"iso8859_2", "iso-8859-2"},
    {"iso8859_3", "iso-8859-3"},
    {"iso8859_4", "iso-8859-4"},
    {"iso8859_5", "iso-8859-5"},
    {"iso8859_6", "iso-8859-6"},
    {"iso8859_7", "iso-8859-7"},
    {"iso8859_8", "iso-8859-8"},
    {"iso8859_9", "iso-8859-9"},
    {"iso_10646_ucs_2", "utf-16"},
    {"iso_10646_ucs_4", "utf-32"},
    {"iso_2022_jp", "iso-2022-jp"},
    {"iso_2022_jp_1", "iso-2022-jp-2"},
    {"iso_2022_jp_2", "iso-2022-jp-2"},
    {"iso_2022_jp_2004", "iso-2022-jp-3"},
    {"iso_2022_jp_3", "iso-2022-jp-3"},
    {"iso_2022_jp_ext", "iso-2022-jp-2"},
    {"iso_2022_kr", "iso-2022-kr"},
    {"iso_646.irv_1991", "us-ascii"},
    {"iso_8859_1", "iso-8859-1"},
    {"iso_8859_10", "iso-8859-10"},
    {"iso_8859_10_1992", "iso-8859-10"},
    {"iso_8859_11", "iso-8859-11"},
    {"iso_8859_11_2001", "iso-8859-11"},
    {"iso_8859_13", "iso-8859-13"},
    {"iso_8859_14", "iso-8859-14"},
    {"iso_8859_14_1998", "iso-8859-14"},
    {"iso_8859_15", "iso-8859-15"},
    {"iso_8859_16", "iso-8859-16"},
    {"iso_8859_16_2001", "iso-8859-16"},
    {"iso_8859_1_1987", "iso-8859-1"},
    {"iso_8859_2", "iso-8859-2"},
    {"iso_8859_2_1987", "iso-8859-2"},
    {"iso_8859_3", "iso-8859-3"},
    {"iso_8859_3_1988", "iso-8859-3"},
    {"iso_8859_4", "iso-8859-4"},
    {"iso_8859_4_1988", "iso-8859-4"},
    {"iso_8859_5", "iso-8859-5"},
    {"iso_8859_5_1988", "iso-8859-5"},
    {"iso_8859_6", "iso-8859-6"},
    {"iso_8859_6_1987", "iso-8859-6"},
    {"iso_8859_7", "iso-8859-7"},
    {"iso_8859_7_1987", "iso-8859-7"},
    {"iso_8859_8", "iso-8859-8"},
    {"iso_8859_8_1988", "iso-8859-8"},
    {"iso_8859_8_i", "iso-8859-8"},
    {"iso_8859_9", "iso-8859-9"},
    {"iso_8859_9_1989", "iso-8859-9"},
    {"iso_celtic", "iso-8859-14"},
    {"iso_ir_100", "iso-8859-1"},
    {"iso_ir_101", "iso-8859-2"},
    {"iso_ir_109", "iso-8859-3"},
    {"iso_ir_110", "iso-8859-4"},
    {"iso_ir_126", "iso-8859-7"},
    {"iso_ir_127", "iso-8859-6"},
    {"iso_ir_138", "iso-8859-8"},
    {"iso_ir_144", "iso-8859-5"},
    {"iso_ir_148", "iso-8859-9"},
    {"iso_ir_149", "euc-kr"},
    {"iso_ir_157", "iso-8859-10"},
    {"iso_ir_166", "tis-620"},
    {"iso_ir_199", "iso-8859-14"},
    {"iso_ir_226", "iso-8859-16"},
    {"iso_ir_58", "gb18030"},
    {"iso_ir_6", "us-ascii"},
    {"jisx0213", "euc-jisx0213"},
    {"johab", "johab"},
    {"koi", "koi8-r"},
    {"koi8", "koi8-r"},
    {"koi8_r", "koi8-r"},
    {"koi8_ru", "koi8-u"},
    {"koi8_t", "koi8-t"},
    {"koi8_u", "koi8-u"},
    {"korean", "euc-kr"},
    {"ks_c_5601", "euc-kr"},
    {"ks_c_5601_1987", "euc-kr"},
    {"ks_c_5601_1989", "euc-kr"},
    {"ks_x_1001", "euc-kr"},
    {"ksc5601", "euc-kr"},
    {"ksc_5601", "euc-kr"},
    {"ksx1001", "euc-kr"},
    {"kz1048", "kz-1048"},
    {"kz_1048", "kz-1048"},
    {"l1", "iso-8859-1"},
    {"l10", "iso-8859-16"},
    {"l2", "iso-8859-2"},
    {"l3", "iso-8859-3"},
    {"l4", "iso-8859-4"},
    {"l5", "iso-8859-9"},
    {"l6", "iso-8859-10"},
    {"l7", "iso-8859-13"},
    {"l8", "iso-8859-14"},
    {"l9", "iso-8859-15"},
    {"latin", "iso-8859-1"},
    {"latin1", "iso-8859-1"},
    {"latin10", "iso-8859-16"},
    {"latin2", "iso-8859-2"},
    {"latin3", "iso-8859-3"},
    {"latin4", "iso-8859-4"},
    {"latin5", "iso-8859-9"},
    {"latin6", "iso-8859-10"},
    {"latin7", "iso-8859-13"},
    {"latin8", "iso-8859-14"},
    {"latin9", "iso-8859-15"},
    {"latin_1", "iso-8859-1"},
    {"logical", "iso-8859-8"},
    {"mac", "macintosh"},
    {"mac_arabic", "mac-arabic"},
    {"mac_centeuro", "mac-centraleurope"},
    {"mac_croatian", "mac-croatian"},
    {"mac_cyrillic", "mac-cyrillic"},
    {"mac_farsi", "mac-farsi"},
    {"mac_greek", "mac-greek"},
    {"mac_iceland", "mac-iceland"},
    {"mac_latin2", "mac-centraleurope"},
    {"mac_roman", "macintosh"},
    {"mac_romanian", "mac-romanian"},
    {"mac_turkish", "mac-turkish"},
    {"maccentraleurope", "mac-centraleurope"},
    {"maccyrillic", "mac-cyrillic"},
    {"macgreek", "mac-greek"},
    {"maciceland", "mac-iceland"},
    {"macintosh", "macintosh"},
    {"maclatin2", "mac-centraleurope"},
    {"macroman", "macintosh"},
    {"macturkish", "mac-turkish"},
    {"ms1361", "johab"},
    {"ms932", "shift_jis"},
    {"ms936", "gb18030"},
    {"ms949", "euc-kr"},
    {"ms950", "cp950"},
    {"ms_kanji", "shift_jis"},
    {"mskanji", "shift_jis"},
    {"palmos", "palmos"},
    {"pt154", "ptcp154"},
    {"ptcp154", "ptcp154"},
    {"r8", "hp-roman8"},
    {"rk1048", "kz-1048"},
    {"roman8", "hp-roman8"},
    {"ruscii", "cp1125"},
    {"s_jis", "shift_jis"},
    {"s_jis_2004", "shift_jisx0213"},
    {"s_jisx0213", "shift_jisx0213"},
    {"shift_jis", "shift_jis"},
    {"shift_jis_2004", "shift_jisx0213"},
    {"shift_jisx0213", "shift_jisx0213"},
    {"shiftjis", "shift_jis"},
    {"shiftjis2004", "shift_jisx0213"},
    {"shiftjisx0213", "shift_jisx0213"},
    {"sjis", "shift_jis"},
    {"sjis_2004", "shift_jisx0213"},
    {"sjisx0213", "shift_jisx0213"},
    {"strk1048_2002", "kz-1048"},
    {"thai", "iso-8859-11"},
    {"tis620", "tis-620"},
    {"tis_620", "tis-620"},
    {"tis_620_0", "tis-620"},
    {"tis_620_2529_0", "tis-620"},
    {"tis_620_2529_1", "tis-620"},
    {"u16", "utf-16"},
    {"u32", "utf-32"},
    {"u7", "utf-7"},
    {"u8", "utf-8"},
    {"u_jis", "euc-jp"},
    {"ucs_2", "utf-16"},
    {"ucs_4", "utf-32"},
    {"uhc", "euc-kr"},
    {"ujis", "euc-jp"},
    {"unicode", "utf-16"},
    {"unicode11utf8", "utf-8"},
    {"unicode20utf8", "utf-8"},
    {"unicode_1_1_utf_7", "utf-7"},
    {"unicode_1_1_utf_8", "utf-8"},
    {"unicodebigunmarked", "utf-16be"},
    {"unicodefeff", "utf-16le"},
    {"unicodefffe", "utf-16be"},
    {"unicodelittleunmarked", "utf-16le"},
    {"us", "us-ascii"},
    {"us_ascii", "us-ascii"},
    {"utf", "utf-8"},
    {"utf16", "utf-16"},
    {"utf32", "utf-32"},
    {"utf7", "utf-7"},
    {"utf8", "utf-8"},
    {"utf8_ucs2", "utf-8"},
    {"utf8_ucs4", "utf-8"},
    {"utf_16", "utf-16"},
    {"utf_16_be", "utf-16be"},
    {"utf_16_le", "utf-16le"},
    {"utf_16be", "utf-16be"},
    {"utf_16le", "utf-16le"},
    {"utf_32", "utf-32"},
    {"utf_32_be", "utf-32be"},
    {"utf_32_le", "utf-32le"},
    {"utf_32be", "utf-32be"},
    {"utf_32le", "utf-32le"},
    {"utf_7", "utf-7"},
    {"utf_8", "utf-8"},
    {"utf_8_sig", "utf-8"},
    {"visual", "iso-8859-8"},
    {"windows_1250", "windows-1250"},
    {"windows_1251", "windows-1251"},
    {"windows_1252", "windows-1252"},
    {"windows_1253", "windows-1253"},
    {"windows_1254", "windows-1254"},
    {"windows_1255", "windows-1255"},
    {"windows_1256", "windows-1256"},
    {"windows_1257", "windows-1257"},
    {"windows_1258", "windows-1258"},
    {"windows_31j", "shift_jis"},
    {"windows_874", "windows-874"},
    {"windows_949", "euc-kr"},
    {"x_cp1250", "windows-1250"},
    {"x_cp1251", "windows-1251"},
    {"x_cp1252", "windows-1252"},
    {"x_cp1253", "windows-1253"},
    {"x_cp1254", "windows-1254"},
    {"x_cp1255", "windows-1255"},
    {"x_cp1256", "windows-1256"},
    {"x_cp1257", "windows-1257"},
    {"x_cp1258", "windows-1258"},
    {"x_euc_jp", "euc-jp"},
    {"x_gbk", "gb18030"},
    {"x_mac_arabic", "mac-arabic"},
    {"x_mac_ce", "mac-centraleurope"},
    {"x_mac_centraleurope", "mac-centraleurope"},
    {"x_mac_croatian", "mac-croatian"},
    {"x_mac_cyrillic", "mac-cyrillic"},
    {"x_mac_farsi", "mac-farsi"},
    {"x_mac_greek", "mac-greek"},
    {"x_mac_iceland", "mac-iceland"},
    {"x_mac_japanese", "shift_jis"},
    {"x_mac_korean", "euc-kr"},
    {"x_mac_roman", "macintosh"},
    {"x_mac_romanian", "mac-romanian"},
    {"x_mac_simp_chinese", "gb18030"},
    {"x_mac_trad_chinese", "big5"},
    {"x_mac_turkish", "mac-turkish"},
    {"x_mac_ukrainian", "mac-cyrillic"},
    {"x_sjis", "shift_jis"},
    {"x_unicode20utf8", "utf-8"},
    {"x_x_big5", "big5"},
};

template <typename T> constexpr bool is_sorted_by(const T& table, auto key) {
  return std::is_sorted(std::begin(table), std::end(table),
                        [&](const auto& a, const auto& b) { return key(a) < key(b); });
}
static_assert(is_sorted_by(k_codecs, [](const Codec& c) { return c.label; }));
static_assert(is_sorted_by(k_aliases, [](const Alias& a) { return a.name; }));

const Codec* find_codec_by_label(std::string_view label) noexcept {
  const auto* it = std::lower_bound(std::begin(k_codecs), std::end(k_codecs), label,
                                    [](const Codec& c, std::string_view l) { return c.label < l; });
  return it != std::end(k_codecs) && it->label == label ? it : nullptr;
}

const Codec& codec(std::string_view label) noexcept {
  const Codec* c = find_codec_by_label(label);
  return *c; // only called with labels from the table above
}

const Codec* find_alias(std::string_view name) noexcept {
  const auto* it = std::lower_bound(std::begin(k_aliases), std::end(k_aliases), name,
                                    [](const Alias& a, std::string_view n) { return a.name < n; });
  if (it == std::end(k_aliases) || it->name != name) {
    return nullptr;
  }
  return find_codec_by_label(it->label);
}

constexpr bool is_ascii_alnum(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Python's encodings.normalize_encoding after the codec registry's lower-casing: runs of
// characters other than ASCII letters, digits and '.' become one '_', and none leads or trails.
std::string normalize_name(std::string_view name) {
  std::string out;
  bool punct = false;
  for (char c : name) {
    if (is_ascii_alnum(c) || c == '.') {
      if (punct && !out.empty()) {
        out += '_';
      }
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      punct = false;
    } else {
      punct = true;
    }
  }
  return out;
}

// A codec as one decoding attempt uses it: from the table, or a name only iconv knows.
struct Resolved {
  std::string label;
  std::string iconv_name;
  Family family = Family::ascii;
  Method method = Method::utf8;
  const HighHalf* high = nullptr;
};

Resolved resolve(const Codec& c) {
  return Resolved{std::string(c.label), std::string(c.iconv_name), c.family, c.method, c.high};
}

// True when iconv has a converter for `name` that reads ASCII as ASCII. Names that would decode
// an ASCII document as UTF-16, UCS-4 or EBCDIC ("UCS-2LE", "IBM1047") cannot be right for a
// declaration that was itself read as ASCII.
bool iconv_reads_ascii(const std::string& name) {
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return false;
  }
  constexpr std::string_view k_probe = "<?xml version=\"1.0\"?><a b='&#9;'>AZaz09_-.:</a>";
  std::array<char, 2 * k_probe.size()> out{};
  char* in = const_cast<char*>(k_probe.data()); // iconv never writes through it
  std::size_t in_left = k_probe.size();
  char* o = out.data();
  std::size_t o_left = out.size();
  const std::size_t r = iconv(cd, &in, &in_left, &o, &o_left);
  iconv_close(cd);
  return r != static_cast<std::size_t>(-1) && in_left == 0 &&
         std::string_view(out.data(), out.size() - o_left) == k_probe;
}

// Looks `name` up as Python would; ASCII-compatible names Python does not know but glibc's iconv
// does ("EUC-TW", "ARMSCII-8", "VISCII") are accepted too.
std::optional<Resolved> find_codec(std::string_view name) {
  const std::string norm = normalize_name(name);
  if (norm.empty() || norm.size() > 64) {
    return std::nullopt;
  }
  const Codec* c = find_alias(norm);
  if (c == nullptr && norm.find('.') != std::string::npos) {
    std::string dotless = norm;
    std::replace(dotless.begin(), dotless.end(), '.', '_');
    c = find_alias(dotless);
  }
  if (c != nullptr) {
    return resolve(*c);
  }
  // Only plain names reach iconv: no "//TRANSLIT" suffixes, no empty (locale) charset.
  const std::string raw(util::trim(name));
  const bool plain = !raw.empty() && std::all_of(raw.begin(), raw.end(), [](char ch) {
    return is_ascii_alnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == ':';
  });
  if (plain && iconv_reads_ascii(raw)) {
    return Resolved{util::to_lower(raw), raw, Family::ascii, Method::iconv, nullptr};
  }
  return std::nullopt;
}

// ---- Sniffing ----------------------------------------------------------------------------------

// How the first characters are laid out in bytes (XML 1.0 Appendix F), independent of any BOM.
enum class Layout : std::uint8_t { unknown, ascii, utf16le, utf16be, utf32le, utf32be, ebcdic };

struct Sniffed {
  const Codec* bom = nullptr; // the encoding a byte order mark names
  std::size_t bom_size = 0;
  Layout layout = Layout::unknown;
};

Sniffed sniff(std::string_view bytes) noexcept {
  Sniffed s;
  auto at = [&](std::size_t i) -> int {
    return i < bytes.size() ? static_cast<unsigned char>(bytes[i]) : -1;
  };
  const int b0 = at(0);
  const int b1 = at(1);
  const int b2 = at(2);
  const int b3 = at(3);
  if (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF) {
    s.bom = &codec("utf-8");
    s.bom_size = 3;
  } else if (b0 == 0x00 && b1 == 0x00 && b2 == 0xFE && b3 == 0xFF) {
    s.bom = &codec("utf-32be");
    s.bom_size = 4;
  } else if (b0 == 0xFF && b1 == 0xFE && b2 == 0x00 && b3 == 0x00) {
    s.bom = &codec("utf-32le");
    s.bom_size = 4;
  } else if (b0 == 0xFE && b1 == 0xFF) {
    s.bom = &codec("utf-16be");
    s.bom_size = 2;
  } else if (b0 == 0xFF && b1 == 0xFE) {
    s.bom = &codec("utf-16le");
    s.bom_size = 2;
  }
  // The first character of a feed is '<', white space or '{', all ASCII: where the zero bytes
  // fall tells the code unit size and byte order.
  auto ascii = [](int b) { return b > 0 && b < 0x80; };
  if (b0 == 0x4C && b1 == 0x6F && b2 == 0xA7 && b3 == 0x94) {
    s.layout = Layout::ebcdic;
  } else if (b0 == 0 && b1 == 0 && b2 == 0 && ascii(b3)) {
    s.layout = Layout::utf32be;
  } else if (ascii(b0) && b1 == 0 && b2 == 0 && b3 == 0) {
    s.layout = Layout::utf32le;
  } else if (b0 == 0 && ascii(b1) && b2 == 0 && ascii(b3)) {
    s.layout = Layout::utf16be;
  } else if (ascii(b0) && b1 == 0 && ascii(b2) && b3 == 0) {
    s.layout = Layout::utf16le;
  } else if (ascii(b0)) {
    s.layout = Layout::ascii;
  }
  return s;
}

// The codec a layout implies on its own.
const Codec* layout_codec(Layout layout) noexcept {
  switch (layout) {
  case Layout::utf16le:
    return &codec("utf-16le");
  case Layout::utf16be:
    return &codec("utf-16be");
  case Layout::utf32le:
    return &codec("utf-32le");
  case Layout::utf32be:
    return &codec("utf-32be");
  case Layout::ebcdic:
    return &codec("ibm037");
  case Layout::unknown:
  case Layout::ascii:
    break;
  }
  return nullptr;
}

// Fits a named codec to the layout: "utf-16" takes the layout's byte order (little-endian when
// the layout does not say); a name of the wrong family (an ASCII-compatible charset for UTF-16
// bytes, UTF-16 for ASCII bytes) cannot be right, so it gives std::nullopt.
std::optional<Resolved> fit_to_layout(Resolved c, Layout layout) {
  auto is_16 = [](Layout l) { return l == Layout::utf16le || l == Layout::utf16be; };
  auto is_32 = [](Layout l) { return l == Layout::utf32le || l == Layout::utf32be; };
  switch (c.family) {
  case Family::utf16:
  case Family::utf16le:
  case Family::utf16be:
    if (is_16(layout)) {
      return resolve(*layout_codec(layout));
    }
    if (layout != Layout::unknown) {
      return std::nullopt;
    }
    return c.family == Family::utf16 ? resolve(codec("utf-16le")) : c;
  case Family::utf32:
  case Family::utf32le:
  case Family::utf32be:
    if (is_32(layout)) {
      return resolve(*layout_codec(layout));
    }
    if (layout != Layout::unknown) {
      return std::nullopt;
    }
    return c.family == Family::utf32 ? resolve(codec("utf-32le")) : c;
  case Family::ebcdic:
    if (layout == Layout::ebcdic || layout == Layout::unknown) {
      return c;
    }
    return std::nullopt;
  case Family::ascii:
  case Family::utf8:
    break;
  }
  if (is_16(layout) || is_32(layout) || layout == Layout::ebcdic) {
    return std::nullopt;
  }
  return c;
}

// ---- Decoding ------------------------------------------------------------------------------

constexpr std::string_view k_replacement_utf8 = "\xEF\xBF\xBD";

// Number of UTF-8 lead bytes of non-ASCII characters in s: how many such characters it holds.
std::size_t count_non_ascii(std::string_view s) noexcept {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0xC0; }));
}

// A decoding whose invalid sequences are few next to the well-formed non-ASCII characters is
// taken to be right, with the invalid ones replaced; otherwise the bytes are in some other
// encoding. (A windows-1252 text read as UTF-8 has almost no well-formed multi-byte sequences.)
constexpr std::size_t k_min_good_per_invalid = 2;
// A rejected attempt stops early, once this many sequences were invalid and the ratio is off.
constexpr std::size_t k_min_invalid_to_give_up = 64;

struct Attempt {
  std::string utf8;
  std::size_t invalid = 0; // sequences replaced by U+FFFD
  bool gave_up = false;    // stopped early: the bytes are clearly not in this encoding
};

// Decodes a single-byte encoding whose lower half is ASCII; `high` maps the upper half (nullptr:
// ISO-8859-1, where bytes are code points). Two passes: size the output, then fill it.
void decode_single_byte(std::string_view bytes, const HighHalf* high, std::string& out) {
  struct Encoded {
    std::array<char, 3> bytes{};
    std::size_t size = 0;
  };
  std::array<Encoded, 128> upper;
  std::string tmp;
  for (std::size_t b = 0; b < upper.size(); ++b) {
    tmp.clear();
    util::append_utf8(tmp, high != nullptr ? (*high)[b] : static_cast<char32_t>(0x80 + b));
    std::copy(tmp.begin(), tmp.end(), upper[b].bytes.begin()); // every entry is in the BMP
    upper[b].size = tmp.size();
  }
  std::size_t size = 0;
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    size += b < 0x80 ? 1 : upper[b - 0x80].size;
  }
  out.resize(size);
  char* o = out.data();
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      *o++ = c;
    } else {
      const Encoded& e = upper[b - 0x80];
      std::memcpy(o, e.bytes.data(), e.size);
      o += e.size;
    }
  }
}

std::size_t code_unit_size(Family f) noexcept {
  switch (f) {
  case Family::utf16:
  case Family::utf16le:
  case Family::utf16be:
    return 2;
  case Family::utf32:
  case Family::utf32le:
  case Family::utf32be:
    return 4;
  case Family::ascii:
  case Family::utf8:
  case Family::ebcdic:
    break;
  }
  return 1;
}

// Converts with iconv in one growing buffer. Each invalid or truncated sequence becomes U+FFFD
// and decoding goes on one code unit later. Unless `keep_going`, gives up as soon as the bytes
// are clearly not in this encoding. std::nullopt when iconv cannot open the converter.
std::optional<Attempt> decode_iconv(std::string_view bytes, const Resolved& c, bool keep_going) {
  iconv_t cd = iconv_open("UTF-8", c.iconv_name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return std::nullopt;
  }
  Attempt a;
  std::string& out = a.utf8;
  out.resize(bytes.size() + bytes.size() / 2 + 64);
  // iconv's prototype wants a non-const input pointer but never writes through it.
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  std::size_t used = 0;
  std::size_t good = 0;    // non-ASCII characters in out[0, counted), counted once one is bad
  std::size_t counted = 0; // out[0, counted) is in `good`
  const std::size_t unit = code_unit_size(c.family);
  bool flushing = false;
  while (true) {
    char* o = out.data() + used;
    std::size_t o_left = out.size() - used;
    const std::size_t r =
        flushing ? iconv(cd, nullptr, nullptr, &o, &o_left) : iconv(cd, &in, &in_left, &o, &o_left);
    const int err = errno;
    used = static_cast<std::size_t>(o - out.data());
    if (r != static_cast<std::size_t>(-1)) {
      if (flushing) {
        break;
      }
      flushing = true; // all input read; emit what a stateful decoder still holds
      continue;
    }
    if (err == E2BIG) {
      out.resize(out.size() + out.size() / 2 + 64);
      continue;
    }
    if (flushing || (err != EILSEQ && err != EINVAL)) {
      break; // nothing more iconv can tell us
    }
    // EILSEQ: an invalid sequence; EINVAL: a sequence cut off by the end of the input.
    if (out.size() - used < k_replacement_utf8.size()) {
      out.resize(out.size() + 64);
    }
    std::memcpy(out.data() + used, k_replacement_utf8.data(), k_replacement_utf8.size());
    used += k_replacement_utf8.size();
    ++a.invalid;
    const std::size_t skip = err == EINVAL ? in_left : std::min(unit, in_left);
    in += skip;
    in_left -= skip;
    if (!keep_going && a.invalid >= k_min_invalid_to_give_up) {
      good += count_non_ascii(std::string_view(out).substr(counted, used - counted));
      counted = used;
      // `good` also counts the U+FFFD written so far, one per invalid sequence.
      if (good < a.invalid * (k_min_good_per_invalid + 1)) {
        a.gave_up = true;
        break;
      }
    }
  }
  iconv_close(cd);
  out.resize(used);
  return a;
}

// Replaces each C1 control U+0080..U+009F that windows-1252 defines by that character: such
// controls in a feed come from windows-1252 text labelled ISO-8859-1 or mis-converted to UTF-8.
// Returns how many were replaced. The five windows-1252 leaves undefined are left alone.
std::size_t remap_c1(std::string& s) {
  static constexpr std::array<char16_t, 32> k_cp1252 = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, // 0x80
      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F, // 0x88
      0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, // 0x90
      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178, // 0x98
  };
  auto is_mapped_c1 = [&](std::size_t i) {
    if (i + 1 >= s.size() || s[i] != '\xC2') {
      return false;
    }
    const auto b = static_cast<unsigned char>(s[i + 1]);
    return b >= 0x80 && b <= 0x9F && k_cp1252[b - 0x80] != b;
  };
  std::size_t i = s.find('\xC2');
  while (i != std::string::npos && !is_mapped_c1(i)) {
    i = s.find('\xC2', i + 1);
  }
  if (i == std::string::npos) {
    return 0;
  }
  std::string out;
  out.reserve(s.size() + s.size() / 16 + 16);
  std::size_t copied = 0;
  std::size_t count = 0;
  while (i != std::string::npos) {
    if (is_mapped_c1(i)) {
      out.append(s, copied, i - copied);
      util::append_utf8(out, k_cp1252[static_cast<unsigned char>(s[i + 1]) - 0x80]);
      copied = i + 2;
      ++count;
    }
    i = s.find('\xC2', i + 1);
  }
  out.append(s, copied, std::string::npos);
  s = std::move(out);
  return count;
}

struct Outcome {
  std::string utf8;
  std::size_t invalid = 0;
  std::size_t c1 = 0;
  std::size_t controls = 0;
  bool plausible = true; // the bytes look like this encoding
};

// Decodes `bytes` (without BOM) as `c`, then brings the text into shape: C1 controls read as
// windows-1252, invalid UTF-8 replaced, characters XML does not allow dropped.
std::optional<Outcome> decode_as(std::string_view bytes, const Resolved& c, bool keep_going) {
  Outcome o;
  switch (c.method) {
  case Method::utf8:
    o.utf8.assign(bytes);
    break;
  case Method::latin1:
    decode_single_byte(bytes, nullptr, o.utf8);
    break;
  case Method::table:
    decode_single_byte(bytes, c.high, o.utf8);
    break;
  case Method::iconv: {
    std::optional<Attempt> a = decode_iconv(bytes, c, keep_going);
    if (!a) {
      return std::nullopt;
    }
    if (a->gave_up) {
      o.plausible = false;
      return o;
    }
    o.utf8 = std::move(a->utf8);
    o.invalid = a->invalid;
    break;
  }
  }
  o.c1 = remap_c1(o.utf8);
  const util::Utf8Repair r = util::repair_utf8(o.utf8);
  o.invalid += r.invalid_sequences;
  o.controls = r.control_characters;
  if (o.invalid > 0) {
    const std::size_t non_ascii = count_non_ascii(o.utf8);
    const std::size_t good = non_ascii > o.invalid ? non_ascii - o.invalid : 0;
    o.plausible = good >= o.invalid * k_min_good_per_invalid;
  }
  return o;
}

// ---- The XML declaration -----------------------------------------------------------------

// The start of the document as ASCII text, as far as it can be read in the given layout.
std::string prolog_text(std::string_view bytes, Layout layout) {
  constexpr std::size_t k_max_prolog = 512;
  std::string text;
  switch (layout) {
  case Layout::utf16le:
  case Layout::utf16be:
  case Layout::utf32le:
  case Layout::utf32be: {
    const bool is_16 = layout == Layout::utf16le || layout == Layout::utf16be;
    const bool is_le = layout == Layout::utf16le || layout == Layout::utf32le;
    const std::size_t unit = is_16 ? 2 : 4;
    for (std::size_t i = 0; i + unit <= bytes.size() && text.size() < k_max_prolog; i += unit) {
      std::uint32_t v = 0;
      for (std::size_t k = 0; k < unit; ++k) {
        const std::size_t at = is_le ? i + unit - 1 - k : i + k;
        v = (v << 8) | static_cast<unsigned char>(bytes[at]);
      }
      if (v == 0 || v >= 0x80) {
        break;
      }
      text += static_cast<char>(v);
    }
    return text;
  }
  case Layout::ebcdic: {
    const Resolved ebcdic = resolve(codec("ibm037"));
    std::optional<Attempt> a =
        decode_iconv(bytes.substr(0, std::min(bytes.size(), k_max_prolog)), ebcdic, true);
    return a ? std::move(a->utf8) : std::string();
  }
  case Layout::ascii:
  case Layout::unknown:
    break;
  }
  return std::string(bytes.substr(0, std::min(bytes.size(), k_max_prolog)));
}

// The encoding name in the XML declaration, if the document starts with one (white space before
// it is tolerated). Only names made of EncName characters (and ':', as in "ISO_8859-1:1987")
// count.
std::string declared_encoding(std::string_view bytes, Layout layout) {
  const std::string text = prolog_text(bytes, layout);
  std::string_view s = text;
  while (!s.empty() && util::is_space(s.front())) {
    s.remove_prefix(1);
  }
  if (!s.starts_with("<?xml") || s.size() < 6 || !util::is_space(s[5])) {
    return {};
  }
  s = s.substr(0, s.find("?>"));
  std::size_t at = 0;
  while ((at = s.find("encoding", at)) != std::string_view::npos) {
    const bool word_start = at > 0 && util::is_space(s[at - 1]);
    at += 8;
    if (!word_start) {
      continue;
    }
    std::size_t i = at;
    while (i < s.size() && util::is_space(s[i])) {
      ++i;
    }
    if (i >= s.size() || s[i] != '=') {
      continue;
    }
    ++i;
    while (i < s.size() && util::is_space(s[i])) {
      ++i;
    }
    if (i >= s.size() || (s[i] != '"' && s[i] != '\'')) {
      return {};
    }
    const std::size_t close = s.find(s[i], i + 1);
    if (close == std::string_view::npos) {
      return {};
    }
    const std::string_view name = s.substr(i + 1, close - i - 1);
    const bool ok =
        !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
          return is_ascii_alnum(c) || c == '.' || c == '_' || c == '-' || c == ':';
        });
    return ok ? std::string(name) : std::string();
  }
  return {};
}

// ---- Choosing ----------------------------------------------------------------------------

struct Candidate {
  Resolved codec;
  std::string source; // "the byte order mark", "the HTTP charset", ...
  bool is_final;      // accepted however many sequences are invalid
};

// A name from the outside world, fit for a warning: printable ASCII, at most 64 characters.
std::string printable(std::string_view name) {
  constexpr std::size_t k_max = 64;
  std::string out;
  for (char c : name.substr(0, std::min(name.size(), k_max))) {
    out += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  return name.size() > k_max ? out + "..." : out;
}

class CandidateList {
public:
  explicit CandidateList(Layout layout, std::vector<std::string>& warnings)
      : m_layout(layout), m_warnings(warnings) {}

  // Adds the codec `name` (as found in `source`) unless it is unknown, cannot match the bytes,
  // or is already listed.
  void add_named(std::string_view name, const std::string& source) {
    std::optional<Resolved> c = find_codec(name);
    if (!c) {
      m_warnings.push_back("unknown encoding \"" + printable(name) + "\" in " + source +
                           "; ignored");
      return;
    }
    std::optional<Resolved> fitted = fit_to_layout(std::move(*c), m_layout);
    if (!fitted) {
      m_warnings.push_back("encoding \"" + printable(name) + "\" in " + source +
                           " does not match the bytes of the document; ignored");
      return;
    }
    add(std::move(*fitted), source, false);
  }

  void add(Resolved c, const std::string& source, bool is_final) {
    for (Candidate& have : m_list) {
      if (have.codec.label == c.label) {
        have.is_final = have.is_final || is_final; // a BOM or the layout confirms the name
        return;
      }
    }
    m_list.push_back(Candidate{std::move(c), source, is_final});
  }

  std::vector<Candidate>& list() { return m_list; }

private:
  Layout m_layout;
  std::vector<std::string>& m_warnings;
  std::vector<Candidate> m_list;
};

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

Decoded decode_document(std::string_view bytes, std::string_view content_type) {
  Decoded result;
  const Sniffed s = sniff(bytes);
  const std::string_view body = bytes.substr(s.bom_size);
  CandidateList candidates(s.layout, result.warnings);
  if (s.bom != nullptr) {
    candidates.add(resolve(*s.bom), "the byte order mark", true);
  } else {
    const std::string http = charset_from_content_type(content_type);
    if (!http.empty()) {
      candidates.add_named(http, "the HTTP charset");
    }
    const std::string declared = declared_encoding(bytes, s.layout);
    if (!declared.empty()) {
      candidates.add_named(declared, "the XML declaration");
    }
    if (const Codec* c = layout_codec(s.layout)) {
      candidates.add(resolve(*c), "the byte layout", true);
    }
    candidates.add(resolve(codec("utf-8")), "the default", false);
    candidates.add(resolve(codec("windows-1252")), "the last resort", true);
  }

  std::vector<Candidate>& list = candidates.list();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Candidate& c = list[i];
    const bool is_last = c.is_final || i + 1 == list.size();
    std::optional<Outcome> o = decode_as(body, c.codec, is_last);
    if (!o) {
      result.warnings.push_back("no converter for " + c.codec.label + " (" + c.source +
                                "); ignored");
      continue;
    }
    if (!o->plausible && !is_last) {
      result.warnings.push_back("the document is not valid " + c.codec.label + " (" + c.source +
                                "); trying " + list[i + 1].codec.label);
      continue;
    }
    if (i == 0 && c.source == "the HTTP charset" && list.size() > 1 &&
        list[1].source == "the XML declaration") {
      result.warnings.push_back("the HTTP charset " + c.codec.label +
                                " overrides the declared encoding " + list[1].codec.label);
    }
    if (o->c1 > 0) {
      result.warnings.push_back("read " +
                                plural(o->c1, "C1 control character", "C1 control characters") +
                                " as windows-1252");
    }
    if (o->invalid > 0) {
      result.warnings.push_back(
          "replaced " + plural(o->invalid, "invalid byte sequence", "invalid byte sequences") +
          " in " + c.codec.label + " with U+FFFD");
    }
    if (o->controls > 0) {
      result.warnings.push_back("dropped " +
                                plural(o->controls, "control character", "control characters") +
                                " XML does not allow");
    }
    result.utf8 = std::move(o->utf8);
    result.encoding = c.codec.label;
    return result;
  }
  // Unreachable: the last candidate is always accepted. Keep the contract anyway.
  result.utf8.assign(body);
  util::repair_utf8(result.utf8);
  result.encoding = "utf-8";
  return result;
}

} // namespace

std::string charset_from_content_type(std::string_view content_type) {
  std::size_t i = content_type.find(';');
  while (i != std::string_view::npos && i < content_type.size()) {
    ++i; // past the ';'
    const std::size_t eq = content_type.find_first_of("=;", i);
    if (eq == std::string_view::npos) {
      return {};
    }
    if (content_type[eq] == ';') {
      i = eq;
      continue; // a parameter without '=' ("text/xml; charset:iso-8859-1")
    }
    const bool is_charset = util::iequals(util::trim(content_type.substr(i, eq - i)), "charset");
    std::size_t v = eq + 1;
    while (v < content_type.size() && util::is_space(content_type[v])) {
      ++v;
    }
    std::string value;
    if (v < content_type.size() && (content_type[v] == '"' || content_type[v] == '\'')) {
      // A quoted string; single quotes are not HTTP but common enough to accept.
      const char quote = content_type[v];
      for (++v; v < content_type.size() && content_type[v] != quote; ++v) {
        if (content_type[v] == '\\' && quote == '"' && v + 1 < content_type.size()) {
          ++v;
        }
        value += content_type[v];
      }
      i = content_type.find(';', v);
    } else {
      const std::size_t end = content_type.find(';', v);
      value = util::trim(content_type.substr(v, end == std::string_view::npos ? end : end - v));
      i = end;
    }
    if (is_charset) {
      return std::string(util::trim(value));
    }
  }
  return {};
}

Decoded decode_to_utf8(std::string_view bytes, std::string_view content_type) {
  try {
    return decode_document(bytes, content_type);
  } catch (const std::exception& e) {
    // Out of memory, in practice. Keep the promise of well-formed UTF-8.
    Decoded d;
    d.encoding = "utf-8";
    d.warnings.push_back(std::string("could not decode the document: ") + e.what());
    return d;
  }
}

} // namespace fw::parse
