#pragma once

#include <string>
#include <string_view>

namespace fw::publish {

enum class Layout { compact, pretty };

// What `feedwire sub` prints for one received message: {"topic":"<topic>","message":<body>}.
// The body goes in as JSON when it parses as JSON (re-serialised, keys in their order), else as
// a JSON string. compact is one line; pretty indents by two spaces. No trailing newline. Invalid
// UTF-8 in the topic or in a non-JSON body becomes U+FFFD. Never throws for any input.
[[nodiscard]] std::string format_sub_line(std::string_view topic, std::string_view body,
                                          Layout layout);

} // namespace fw::publish
