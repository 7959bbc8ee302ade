#pragma once
// Reading JSON documents (the state file, control API bodies, fault rules) field by field, with
// errors that name where the problem is: `users[0].devices[2].deviceId: expected a string`.
// Unknown keys are errors too, so a typo never passes silently.
//
// The readers throw JsonFieldError; each document has exactly one place that catches it (the
// state-file loader at start-up, the control API's request handler, which answers 400).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kda::sim {

class JsonFieldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "users[0]" + "devices" → "users[0].devices"; "" + "kind" → "kind".
std::string member_path(std::string_view path, std::string_view key);
std::string element_path(std::string_view path, std::size_t index);

// Parses a whole document; `what` (may be empty) names it in the error ("body: not valid JSON …").
boost::json::value parse_document(std::string_view text, std::string_view what);

const boost::json::object& as_object(const boost::json::value& value, std::string_view path);
const boost::json::array& as_array(const boost::json::value& value, std::string_view path);
std::string_view as_string(const boost::json::value& value, std::string_view path);

void reject_unknown_keys(const boost::json::object& object,
                         std::initializer_list<std::string_view> allowed, std::string_view path);

std::optional<std::string> optional_string(const boost::json::object& object,
                                           std::string_view key, std::string_view path);
std::string required_string(const boost::json::object& object, std::string_view key,
                            std::string_view path);
// An integer, also accepted as a decimal string ("100"): module codes travel both ways.
std::optional<std::int64_t> optional_integer(const boost::json::object& object,
                                             std::string_view key, std::string_view path);
std::optional<double> optional_number(const boost::json::object& object, std::string_view key,
                                      std::string_view path);

}  // namespace kda::sim
