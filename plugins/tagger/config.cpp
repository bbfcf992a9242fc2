#include "tagger/config.hpp"

#include "config_json.hpp"
#include "feedwire/plugin.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace feedwire::tagger {
namespace {

using nlohmann::json;

[[noreturn]] void bad(std::string_view key, std::string_view what) {
  throw ConfigError("tagger: config key `" + std::string(key) + "` " + std::string(what));
}

std::size_t integer_in(const json& value, std::string_view key, std::uint64_t low,
                       std::uint64_t high) {
  const std::string range =
      "must be an integer from " + std::to_string(low) + " to " + std::to_string(high);
  if (!value.is_number_integer()) {
    bad(key, range);
  }
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v < low || v > high) {
      bad(key, range);
    }
    return static_cast<std::size_t>(v);
  }
  const auto v = value.get<std::int64_t>();
  if (v < 0 || static_cast<std::uint64_t>(v) < low || static_cast<std::uint64_t>(v) > high) {
    bad(key, range);
  }
  return static_cast<std::size_t>(v);
}

bool boolean(const json& value, std::string_view key) {
  if (!value.is_boolean()) {
    bad(key, "must be true or false");
  }
  return value.get<bool>();
}

bool is_language_tag(std::string_view s) {
  if (s.empty() || s.size() > 35) {
    return false;
  }
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

} // namespace

Config parse_config(std::string_view text) {
  Config config;
  const json root = parse_config_object(text);
  for (const auto& [key, value] : root.items()) {
    if (key == "rules") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        bad(key, "must be the path of a TOML rules file");
      }
      config.rules = value.get<std::string>();
    } else if (key == "max_tags") {
      // 64 is what feedwired accepts from one plugin call.
      config.max_tags = integer_in(value, key, 1, 64);
    } else if (key == "min_score") {
      if (!value.is_number() || value.get<double>() < 0.0 || value.get<double>() > 1.0) {
        bad(key, "must be a number from 0 to 1");
      }
      config.min_score = value.get<double>();
    } else if (key == "entities") {
      config.entities = boolean(value, key);
    } else if (key == "keywords") {
      config.keywords = boolean(value, key);
    } else if (key == "max_terms") {
      config.max_terms = integer_in(value, key, 100, 100'000'000);
    } else if (key == "save_every") {
      config.save_every = integer_in(value, key, 1, 100'000'000);
    } else if (key == "language") {
      if (!value.is_string() || !is_language_tag(value.get<std::string>())) {
        bad(key, "must be a language tag such as \"en\" or \"fr-CA\"");
      }
      config.language = value.get<std::string>();
    } else {
      bad(key, "is unknown (known: rules, max_tags, min_score, entities, keywords, max_terms, "
               "save_every, language)");
    }
  }
  return config;
}

} // namespace feedwire::tagger
