#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fw::util {

// Appends the UTF-8 encoding of `cp` to `out`. Surrogates and values above U+10FFFF are
// written as U+FFFD.
void append_utf8(std::string& out, char32_t cp);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

struct Utf8Repair {
  std::size_t invalid_sequences = 0;  // each replaced by one U+FFFD
  std::size_t control_characters = 0; // C0 controls other than TAB/LF/CR, and DEL..C1, dropped
};

// Rewrites `s` in place into well-formed UTF-8 holding only characters XML 1.0 allows:
// invalid byte sequences become U+FFFD (one per maximal invalid subpart, as WHATWG decoding
// does), C0 control characters other than TAB, LF and CR are removed, as are U+FFFE/U+FFFF.
// Returns what was changed, so the caller can warn.
Utf8Repair repair_utf8(std::string& s);

// The longest prefix of `s` that is at most `max_bytes` long and does not cut a UTF-8 sequence:
// for quoting input in messages. Borrows from `s`.
[[nodiscard]] std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) noexcept;

} // namespace fw::util
