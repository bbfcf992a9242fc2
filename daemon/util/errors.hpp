#pragma once

#include <stdexcept>
#include <string>

namespace fw {

// A startup or configuration problem (STYLE.md §4): unknown key, bad value, unreadable file,
// state written by a newer schema. main() prints what() as one line and exits non-zero before
// any network I/O, so the message names the file, line and key it is about.
class ConfigError : public std::runtime_error {
public:
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

// An unlikely failure after startup that leaves no safe way on (corrupt database, a system call
// that cannot fail failing): logged by the top-level handler, then the process exits and the
// supervisor restarts it.
class FatalError : public std::runtime_error {
public:
  explicit FatalError(const std::string& message) : std::runtime_error(message) {}
};

} // namespace fw
