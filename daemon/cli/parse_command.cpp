#include "cli/parse_command.hpp"

#include "normalize/json_output.hpp"
#include "normalize/normalize.hpp"
#include "parse/feed_parser.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire parse [--base-url URL] [--content-type TYPE] FILE|-\n"
    "\n"
    "Parses one feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1) and prints\n"
    "it as one JSON object (schema v1, see docs/parse-output.md).\n"
    "\n"
    "  --base-url URL       where the document came from; relative URLs resolve against it\n"
    "  --content-type TYPE  the HTTP Content-Type it was served with (its charset counts)\n"
    "  FILE                 the document, or - for standard input\n"
    "\n"
    "Exit status: 0 a feed was read (see \"warnings\" for repairs), 2 the input is not a feed,\n"
    "1 usage or I/O error.\n";

bool read_all(std::FILE* f, std::string& out) {
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
  }
  return std::ferror(f) == 0;
}

} // namespace

int parse_command(std::span<const std::string_view> args) {
  parse::ParseOptions options;
  std::string_view path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto take_value = [&](std::string& into) {
      if (i + 1 >= args.size()) {
        std::cerr << "feedwire parse: " << a << " needs a value\n";
        return false;
      }
      into = std::string(args[++i]);
      return true;
    };
    if (a == "--help" || a == "-h") {
      std::cout << k_usage;
      return 0;
    }
    if (a == "--base-url") {
      if (!take_value(options.base_url)) {
        return 1;
      }
    } else if (a.starts_with("--base-url=")) {
      options.base_url = std::string(a.substr(11));
    } else if (a == "--content-type") {
      if (!take_value(options.content_type)) {
        return 1;
      }
    } else if (a.starts_with("--content-type=")) {
      options.content_type = std::string(a.substr(15));
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "feedwire parse: unknown option " << a << "\n" << k_usage;
      return 1;
    } else if (path.empty()) {
      path = a;
    } else {
      std::cerr << "feedwire parse: one FILE at a time (got " << path << " and " << a << ")\n";
      return 1;
    }
  }
  if (path.empty()) {
    std::cerr << k_usage;
    return 1;
  }

  std::string bytes;
  if (path == "-") {
    if (!read_all(stdin, bytes)) {
      std::cerr << "feedwire parse: cannot read standard input: " << std::strerror(errno) << "\n";
      return 1;
    }
  } else {
    std::string p(path);
    std::FILE* f = std::fopen(p.c_str(), "rb");
    if (!f) {
      std::cerr << "feedwire parse: cannot open " << p << ": " << std::strerror(errno) << "\n";
      return 1;
    }
    bool ok = read_all(f, bytes);
    int err = errno;
    std::fclose(f);
    if (!ok) {
      std::cerr << "feedwire parse: cannot read " << p << ": " << std::strerror(err) << "\n";
      return 1;
    }
  }

  Result<parse::ParsedFeed> parsed = parse::parse_feed(bytes, options);
  if (!parsed) {
    std::cerr << "feedwire parse: " << (path == "-" ? std::string("stdin") : std::string(path))
              << ": " << parsed.error().message << "\n";
    return 2;
  }
  std::string json = normalize::to_json(normalize::normalize_feed(std::move(parsed).value()));
  std::fwrite(json.data(), 1, json.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace fw::cli
