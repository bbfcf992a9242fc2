#include "publish/sub_format.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>

namespace fw::publish {
namespace {

TEST(SubFormat, JsonBodyIsInsertedAsJsonAfterTheTopic) {
  EXPECT_EQ(format_sub_line("story.new.7", R"({"seq":12,"title":"Hi","tags":["a","b"]})",
                            Layout::compact),
            R"({"topic":"story.new.7","message":{"seq":12,"title":"Hi","tags":["a","b"]}})");
}

TEST(SubFormat, BodyKeysKeepThePublishersOrder) {
  EXPECT_EQ(format_sub_line("t", R"({"z":1,"a":2})", Layout::compact),
            R"({"topic":"t","message":{"z":1,"a":2}})");
}

TEST(SubFormat, BodyThatIsNotJsonBecomesAString) {
  EXPECT_EQ(format_sub_line("sys.heartbeat", "not \"json\"\n", Layout::compact),
            R"({"topic":"sys.heartbeat","message":"not \"json\"\n"})");
  EXPECT_EQ(format_sub_line("t", "", Layout::compact), R"({"topic":"t","message":""})");
  EXPECT_EQ(format_sub_line("t", R"({"a":1} trailing)", Layout::compact),
            R"({"topic":"t","message":"{\"a\":1} trailing"})");
}

TEST(SubFormat, ScalarJsonBodiesStayScalars) {
  EXPECT_EQ(format_sub_line("t", " 42 ", Layout::compact), R"({"topic":"t","message":42})");
  EXPECT_EQ(format_sub_line("t", "null", Layout::compact), R"({"topic":"t","message":null})");
  EXPECT_EQ(format_sub_line("t", R"("text")", Layout::compact),
            R"({"topic":"t","message":"text"})");
}

TEST(SubFormat, MultiLineJsonBodyBecomesOneCompactLine) {
  std::string line = format_sub_line("t", "{\n  \"a\": [1,\n 2]\n}\n", Layout::compact);
  EXPECT_EQ(line, R"({"topic":"t","message":{"a":[1,2]}})");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(SubFormat, PrettyIndentsByTwoSpaces) {
  EXPECT_EQ(format_sub_line("t", R"({"a":[1]})", Layout::pretty), "{\n"
                                                                  "  \"topic\": \"t\",\n"
                                                                  "  \"message\": {\n"
                                                                  "    \"a\": [\n"
                                                                  "      1\n"
                                                                  "    ]\n"
                                                                  "  }\n"
                                                                  "}");
}

TEST(SubFormat, InvalidUtf8IsReplacedNotThrown) {
  const std::string bad = "caf\xc3";
  std::string line = format_sub_line(bad, bad, Layout::compact);
  EXPECT_EQ(line, "{\"topic\":\"caf\xef\xbf\xbd\",\"message\":\"caf\xef\xbf\xbd\"}");
  EXPECT_TRUE(nlohmann::json::accept(line));
}

TEST(SubFormat, NonAsciiTextStaysReadable) {
  EXPECT_EQ(format_sub_line("tag.café", R"({"t":"naïve"})", Layout::compact),
            R"({"topic":"tag.café","message":{"t":"naïve"}})");
}

} // namespace
} // namespace fw::publish
