#include "cli/keygen_command.hpp"

#include "publish/curve.hpp"
#include "util/errors.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire keygen [--out PREFIX [--force]]\n"
    "\n"
    "Makes a CURVE key pair (Z85 keys, 40 characters each) for encrypting and authenticating\n"
    "feedwired's publish and replay sockets (docs/security.md).\n"
    "\n"
    "  --out PREFIX  write PREFIX.key (public and secret key, mode 0600) and PREFIX.pub (the\n"
    "                public key only, mode 0644), then print the public key. An existing file\n"
    "                is never replaced: the command fails and writes nothing\n"
    "  --force       with --out, replace existing PREFIX.key and PREFIX.pub\n"
    "\n"
    "Without --out the secret key file's text is printed on stdout; save it with mode 0600\n"
    "(feedwired and feedwire sub refuse a secret key file that group or others can read).\n"
    "\n"
    "For the server, name PREFIX.key in [security] curve_secret_key_file and give PREFIX.pub to\n"
    "the clients. For a client, pass PREFIX.key to `feedwire sub --client-key` and add the\n"
    "public key (the line it prints) to the server's curve_allowed_clients_file. The files are\n"
    "CZMQ certificates: pyzmq's zmq.auth.load_certificate() reads them too.\n"
    "\n"
    "Exit status: 0 success, 1 usage error or a file that cannot be written.\n";

enum class Overwrite { no, yes };

// Writes `text` to a new file `path` with exactly `mode`. O_EXCL: an existing file (or a link
// planted there) is an error, unless `overwrite` removes it first. Throws fw::ConfigError naming
// the file; a file it created is removed again when writing fails.
void write_new_file(const std::string& path, const std::string& text, mode_t mode,
                    Overwrite overwrite) {
  if (overwrite == Overwrite::yes && ::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw ConfigError(path + ": cannot replace: " + std::strerror(errno));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      throw ConfigError(path + " already exists; not replacing it (choose another --out, or "
                               "add --force to replace it)");
    }
    throw ConfigError(path + ": cannot create: " + std::strerror(errno));
  }
  std::size_t written = 0;
  int error = 0;
  // The umask may have taken bits away from 0644; set the mode the files are documented with.
  if (::fchmod(fd, mode) != 0) {
    error = errno;
  }
  while (error == 0 && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      error = errno;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (error == 0 && ::fsync(fd) != 0) {
    error = errno;
  }
  if (::close(fd) != 0 && error == 0) {
    error = errno;
  }
  if (error != 0) {
    ::unlink(path.c_str());
    throw ConfigError(path + ": cannot write: " + std::strerror(error));
  }
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

int write_key_files(const std::string& prefix, Overwrite overwrite) {
  const std::string secret_file = prefix + ".key";
  const std::string public_file = prefix + ".pub";
  if (overwrite == Overwrite::no) {
    for (const std::string& file : {secret_file, public_file}) {
      if (exists(file)) {
        std::cerr << "feedwire keygen: " << file
                  << " already exists; not replacing it (choose another --out, or add --force "
                     "to replace it)\n";
        return 1;
      }
    }
  }
  const publish::KeyPair keys = publish::generate_key_pair();
  try {
    write_new_file(secret_file, publish::format_key_file(keys), 0600, overwrite);
    try {
      write_new_file(public_file, publish::format_key_file({keys.public_key, ""}), 0644, overwrite);
    } catch (const ConfigError&) {
      ::unlink(secret_file.c_str());
      throw;
    }
  } catch (const ConfigError& e) {
    std::cerr << "feedwire keygen: " << e.what() << "\n";
    return 1;
  }
  std::cout << keys.public_key << "\n";
  std::cerr << "feedwire keygen: wrote " << secret_file << " (secret, mode 0600) and "
            << public_file << " (public key, printed above)\n";
  return 0;
}

} // namespace

int keygen_command(std::span<const std::string_view> args) {
  std::optional<std::string> prefix;
  Overwrite overwrite = Overwrite::no;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << k_usage;
      return 0;
    }
    if (a == "--force") {
      overwrite = Overwrite::yes;
      continue;
    }
    if (a == "--out" || a.starts_with("--out=")) {
      std::string_view value;
      if (a == "--out") {
        if (i + 1 >= args.size()) {
          std::cerr << "feedwire keygen: --out needs a PREFIX\n";
          return 1;
        }
        value = args[++i];
      } else {
        value = a.substr(6);
      }
      if (value.empty()) {
        std::cerr << "feedwire keygen: --out needs a PREFIX\n";
        return 1;
      }
      prefix = std::string(value);
      continue;
    }
    std::cerr << "feedwire keygen: unexpected argument '" << a
              << "' (see feedwire keygen --help)\n";
    return 1;
  }
  if (overwrite == Overwrite::yes && !prefix) {
    std::cerr << "feedwire keygen: --force goes with --out\n";
    return 1;
  }
  try {
    if (prefix) {
      return write_key_files(*prefix, overwrite);
    }
    std::cout << publish::format_key_file(publish::generate_key_pair());
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "feedwire keygen: cannot write to standard output\n";
      return 1;
    }
    return 0;
  } catch (const FatalError& e) {
    std::cerr << "feedwire keygen: " << e.what() << "\n";
    return 1;
  }
}

} // namespace fw::cli
