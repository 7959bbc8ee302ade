#include "sim/json_fields.hpp"

#include <boost/json/parse.hpp>

#include <charconv>

namespace kda::sim {

namespace json = boost::json;

namespace {

[[noreturn]] void fail(std::string_view path, std::string_view problem) {
  throw JsonFieldError((path.empty() ? std::string("document") : std::string(path)) + ": " +
                       std::string(problem));
}

}  // namespace

std::string member_path(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

std::string element_path(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

json::value parse_document(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) {
    const std::string problem = "not valid JSON (" + ec.message() + ")";
    throw JsonFieldError(what.empty() ? problem : std::string(what) + ": " + problem);
  }
  return value;
}

const json::object& as_object(const json::value& value, std::string_view path) {
  if (!value.is_object()) fail(path, "expected an object");
  return value.get_object();
}

const json::array& as_array(const json::value& value, std::string_view path) {
  if (!value.is_array()) fail(path, "expected an array");
  return value.get_array();
}

std::string_view as_string(const json::value& value, std::string_view path) {
  if (!value.is_string()) fail(path, "expected a string");
  return value.get_string();
}

void reject_unknown_keys(const json::object& object,
                         std::initializer_list<std::string_view> allowed, std::string_view path) {
  for (const auto& member : object) {
    bool known = false;
    for (auto key : allowed) known = known || member.key() == key;
    if (!known) fail(member_path(path, member.key()), "unknown key");
  }
}

std::optional<std::string> optional_string(const json::object& object, std::string_view key,
                                           std::string_view path) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  return std::string(as_string(*value, member_path(path, key)));
}

std::string required_string(const json::object& object, std::string_view key,
                            std::string_view path) {
  auto value = optional_string(object, key, path);
  if (!value) fail(member_path(path, key), "missing");
  return std::move(*value);
}

std::optional<std::int64_t> optional_integer(const json::object& object, std::string_view key,
                                             std::string_view path) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= INT64_MAX)
    return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_string()) {
    const auto text = std::string_view(value->get_string());
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc{} && end == text.data() + text.size() && !text.empty()) return number;
  }
  fail(member_path(path, key), "expected an integer");
}

std::optional<double> optional_number(const json::object& object, std::string_view key,
                                      std::string_view path) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) fail(member_path(path, key), "expected a number");
  return value->to_number<double>();
}

}  // namespace kda::sim
