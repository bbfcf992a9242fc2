// libFuzzer target for the control socket's request parser, service::parse_control_request: what
// any client that reaches the socket can send. Besides crashes and sanitizer reports it checks:
// - it never throws, and a refusal is a one-line message;
// - a request it accepts, sent again as `feedwire ctl` would send it (control_request), reads
//   back the same.
//
// Dictionary: control_fuzz.dict. Seeds: tests/fuzz/corpus/control/ (one request frame a file).
// run_fuzz.sh caps inputs at the socket's own limit, 64 KiB.

#include "service/control.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

namespace {

[[noreturn]] void contract_broken(const char* what, std::string_view frame) {
  std::fprintf(stderr, "control_fuzz: %s\n  frame: %.*s\n", what, static_cast<int>(frame.size()),
               frame.data());
  std::abort();
}

void check(std::string_view frame) {
  const fw::Result<fw::service::ControlRequest> request = fw::service::parse_control_request(frame);
  if (!request) {
    const std::string& message = request.error().message;
    if (message.empty() || message.find('\n') != std::string::npos) {
      contract_broken("a refusal is not one line", frame);
    }
    return;
  }
  const std::string again = fw::service::control_request(request->command, request->args);
  const fw::Result<fw::service::ControlRequest> reread = fw::service::parse_control_request(again);
  if (!reread || reread.value() != request.value()) {
    contract_broken("control_request of an accepted request does not read back the same", frame);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  try {
    check(frame);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "control_fuzz: %s: %s\n", typeid(e).name(), e.what());
    contract_broken("parse_control_request threw", frame);
  }
  return 0;
}
