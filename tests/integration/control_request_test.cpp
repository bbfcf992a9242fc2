// The control socket's request frames, read without a socket: service::parse_control_request,
// which ControlServer runs on every frame a client sends, and control_request, which
// `feedwire ctl` sends. The socket itself is exercised by service_test.cpp. Fuzzed by
// tests/fuzz/control_fuzz.cpp.

#include "service/control.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace fw {
namespace {

using service::control_request;
using service::ControlRequest;
using service::parse_control_request;

constexpr std::string_view k_malformed =
    R"(malformed request: expected {"command": "...", "args": [...]})";

ControlRequest accepted(std::string_view frame) {
  Result<ControlRequest> request = parse_control_request(frame);
  EXPECT_TRUE(request.has_value()) << frame << ": " << (request ? "" : request.error().message);
  return request ? request.value() : ControlRequest{};
}

std::string refused(std::string_view frame) {
  Result<ControlRequest> request = parse_control_request(frame);
  EXPECT_FALSE(request.has_value()) << frame;
  return request ? std::string() : request.error().message;
}

TEST(ControlRequest, ReadsWhatCtlSends) {
  EXPECT_EQ(accepted(control_request("status", {})), (ControlRequest{"status", {}}));
  EXPECT_EQ(accepted(control_request("feed", {"a", "--explain"})),
            (ControlRequest{"feed", {"a", "--explain"}}));
  const std::vector<std::string> odd{"", "ü \"quoted\" \\", std::string("nul\0byte", 8)};
  EXPECT_EQ(accepted(control_request("poll", odd)), (ControlRequest{"poll", odd}));
}

TEST(ControlRequest, ArgsAreOptionalAndNonStringArgsKeepTheirJson) {
  EXPECT_EQ(accepted(R"({"command": "status"})"), (ControlRequest{"status", {}}));
  EXPECT_EQ(accepted(R"({"command": "poll", "args": "a"})"), (ControlRequest{"poll", {}}));
  EXPECT_EQ(accepted(R"({"args": [1, null, {"x": [true]}, "s"], "command": "x", "more": 0})"),
            (ControlRequest{"x", {"1", "null", R"({"x":[true]})", "s"}}));
}

TEST(ControlRequest, AnythingButAnObjectWithAStringCommandIsRefusedInOneLine) {
  for (const std::string_view frame :
       {"", "status", "[]", "\"status\"", "{}", R"({"command": 1})", R"({"command": null})",
        R"({"command": ["status"]})", R"({"Command": "status"})", "{\"command\": \"status\"",
        "{\"command\": \"\xff\"}", R"({"command": "status"} trailing)"}) {
    EXPECT_EQ(refused(frame), k_malformed) << frame;
  }
}

std::string nested(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

// Up to the depth limit a value is read back as it was sent; past it the frame is refused in one
// line, up to the 64 KiB the socket lets in (maxmsgsize), without ever building the deep value.
TEST(ControlRequest, NestingPastTheDepthLimitIsRefusedInOneLine) {
  const std::string too_deep = "malformed request: arrays and objects nested deeper than " +
                               std::to_string(service::k_control_max_depth) + " levels";
  // "args" is one level, so its elements may nest one less.
  const std::string deepest = nested(service::k_control_max_depth - 1);
  const ControlRequest request = accepted(R"({"command": "x", "args": [)" + deepest + "]}");
  ASSERT_EQ(request.args.size(), 1U);
  EXPECT_EQ(request.args[0], deepest);
  EXPECT_EQ(refused(R"({"command": "x", "args": [)" + nested(service::k_control_max_depth) + "]}"),
            too_deep);
  EXPECT_EQ(refused(R"({"command": "x", "args": [{"a": )" + deepest + "}]}"), too_deep);
  EXPECT_EQ(refused(nested(32 * 1024)), too_deep);
  EXPECT_EQ(refused(R"({"command": "x", "args": [)" + nested(30000) + "]}"), too_deep);
  EXPECT_EQ(refused(std::string(64 * 1024, '[')), too_deep); // never closed
}

} // namespace
} // namespace fw
