#pragma once

#include "feedwire/plugin.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

// The shipped plugins' configuration: the [[plugin]] table's `config`, as JSON.
namespace feedwire {

// `text` as a JSON object; an empty or blank text is an empty object. Throws ConfigError when
// it is not JSON or not an object, saying so (the host adds which plugin and which file).
inline nlohmann::json parse_config_object(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return nlohmann::json::object();
  }
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(std::string("the configuration is not valid JSON: ") + e.what());
  }
  if (!config.is_object()) {
    throw ConfigError(std::string("the configuration must be a JSON object, got ") +
                      config.type_name());
  }
  return config;
}

} // namespace feedwire
