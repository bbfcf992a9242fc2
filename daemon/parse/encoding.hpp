#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fw::parse {

struct Decoded {
  std::string utf8;                  // the document as well-formed UTF-8
  std::string encoding;              // the encoding that was used, lower case ("utf-8", "koi8-r")
  std::vector<std::string> warnings; // repairs and fallbacks, one sentence each
};

// Extracts the charset parameter from an HTTP Content-Type ("text/xml; charset=KOI8-R" ->
// "KOI8-R"); empty when there is none.
[[nodiscard]] std::string charset_from_content_type(std::string_view content_type);

// Converts a feed document to UTF-8. The encoding is chosen as RFC 7303 and XML 1.0 §4.3.3 say:
// a byte order mark wins, then the charset of `content_type` (an HTTP Content-Type value, may be
// empty), then the encoding declaration of the XML prolog (read in any ASCII-compatible or
// UTF-16/32 layout), else UTF-8. Names are matched the way Python's codec registry matches them
// ("cp1252", "windows_1252", "cspc8codepage437", "ebcdic-cp-us" ...) and converted with iconv.
// When the chosen encoding is unknown, or the bytes are not valid in it, the next candidate is
// tried (declared, then UTF-8, then windows-1252) and a warning says so. In the result, the BOM
// is removed, invalid UTF-8 is replaced by U+FFFD and characters XML does not allow are dropped,
// each with a warning. The XML declaration is left in place. Never throws.
[[nodiscard]] Decoded decode_to_utf8(std::string_view bytes, std::string_view content_type);

} // namespace fw::parse
