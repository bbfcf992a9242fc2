#include "normalize/json_output.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>

namespace fw::normalize {
namespace {

// The writer skips 16 bytes at a time until one needs escaping: every escaped byte, at every
// offset of a block and at the end of the string, must come back unchanged through a JSON parser.
TEST(ToJson, EscapesEveryByteThatNeedsItAtEveryBlockOffset) {
  const std::string needs = std::string("\"\\\n\r\t\x01\x1f", 7) + std::string(1, '\0');
  for (const char c : needs) {
    for (std::size_t at = 0; at < 40; ++at) {
      model::FeedDocument doc;
      doc.format = "rss2.0";
      const std::string title = std::string(at, 'a') + c + "\xc3\xa9" + std::string(at % 17, 'b');
      doc.feed.title = title;
      doc.warnings.push_back(std::string(at, 'w') + c);
      const std::string out = to_json(doc);
      ASSERT_EQ(out.back(), '\n');
      const nlohmann::json parsed = nlohmann::json::parse(out);
      EXPECT_EQ(parsed["feed"]["title"].get<std::string>(), title) << "offset " << at;
      EXPECT_EQ(parsed["warnings"][0].get<std::string>(), std::string(at, 'w') + c);
    }
  }
}

} // namespace
} // namespace fw::normalize
