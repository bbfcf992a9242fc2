#pragma once

#include <span>
#include <string_view>

namespace fw::cli {

// `feedwire sub [--endpoint E]... [--pretty] [--count N] [--timeout-ms MS]
// [--server-key KEY|FILE --client-key FILE] [TOPIC-PREFIX...]` (and the recovery options of
// --help): connects a SUB socket to each endpoint (default tcp://127.0.0.1:7701), as a CURVE
// client when given the server's public key and a client key file, subscribes to each
// prefix (every topic when none is given) and prints each message on stdout as one JSON line
// (publish::format_sub_line), flushed at once. Runs until --count messages have arrived, until
// --timeout-ms passes without a message, or until SIGINT/SIGTERM; each of those returns 0.
// Returns 1 for a usage error or a ZeroMQ/stdout failure, after one line on stderr. Installs
// SIGINT/SIGTERM handlers for the duration of the call and restores the previous ones.
int sub_command(std::span<const std::string_view> args);

} // namespace fw::cli
