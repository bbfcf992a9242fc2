#pragma once

#include <span>
#include <string_view>

namespace fw::cli {

// `feedwire keygen [--out PREFIX [--force]]`: makes a CURVE key pair (publish::generate_key_pair)
// for a feedwired server ([security] curve_secret_key_file) or a client (`feedwire sub
// --client-key`). With --out writes PREFIX.key (both keys, mode 0600) and PREFIX.pub (the public
// key, mode 0644), never replacing an existing file unless --force is given, and prints the
// public key; without it prints the secret key file's text on stdout. Returns 0 on success, 1
// for a usage error or a file that cannot be written (one line on stderr; nothing is left
// half-written).
int keygen_command(std::span<const std::string_view> args);

} // namespace fw::cli
