#include "koodrive_audit/sinks.hpp"

#include "koodrive_audit/model.hpp"

#include <boost/json.hpp>

namespace kda {

namespace json = boost::json;

namespace {

json::value parsed_or_null(const std::string& text) {
  if (text.empty() || text == "null") return nullptr;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  return ec ? json::value(nullptr) : value;
}

json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

}  // namespace

std::string event_to_json(const StoredEvent& event) {
  json::object object;
  object["event_id"] = event.event_id;
  object["seq"] = event.seq;
  object["type"] = event.type;
  object["observed_at"] = event.observed_at;
  object["poll_id"] = event.poll_id;
  object["account_id"] = event.account_id;
  object["device_id"] = text_or_null(event.device_id);
  object["device_name"] = text_or_null(event.device_name);
  if (event.module_code) {
    object["module_code"] = *event.module_code;
    const auto name = module_name(*event.module_code);
    object["module"] = name ? json::value(json::string(*name)) : json::value(nullptr);
  } else {
    object["module_code"] = nullptr;
    object["module"] = nullptr;
  }
  object["scope_id"] = text_or_null(event.scope_id);
  object["before"] = parsed_or_null(event.before_json);
  object["after"] = parsed_or_null(event.after_json);
  object["cause"] = text_or_null(event.cause);
  return json::serialize(object);
}

}  // namespace kda
