#include "publish/sub_format.hpp"

#include <nlohmann/json.hpp>

namespace fw::publish {

std::string format_sub_line(std::string_view topic, std::string_view body, Layout layout) {
  // ordered_json keeps "topic" first and the publisher's key order inside the body.
  using Json = nlohmann::ordered_json;
  Json line = Json::object();
  line["topic"] = std::string(topic);
  Json message = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    line["message"] = std::string(body);
  } else {
    line["message"] = std::move(message);
  }
  const int indent = layout == Layout::pretty ? 2 : -1;
  return line.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

} // namespace fw::publish
