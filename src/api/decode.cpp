#include "api/decode.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace kda::api {

namespace {

namespace json = boost::json;

// Keep in one place what the pages leave open, so each is a one-line change.
constexpr std::size_t max_id_digits = 32;
constexpr std::size_t max_quoted_bytes = 40;   // of a peer value quoted in an error detail
constexpr std::size_t max_body_excerpt = 200;  // of a non-JSON error body

std::string_view kind_name(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "value";
}

// Peer text goes into log lines: keep it on one line and printable.
std::string escaped(std::string_view text, std::size_t max_bytes) {
  constexpr std::string_view hex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text.substr(0, max_bytes)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0x0F];
    }
  }
  if (text.size() > max_bytes) out += "...";
  return out;
}

std::string quoted(std::string_view text) {
  return "\"" + escaped(text, max_quoted_bytes) + "\"";
}

Error malformed(std::string_view context, std::string detail) {
  return make_error(errc::malformed_response, std::string(context), std::move(detail));
}

Error field_error(std::string_view context, std::string_view path, std::string_view what) {
  return malformed(context, std::string(path) + ": " + std::string(what));
}

// The parsed document lives only while one answer is decoded, so it is built in a monotonic
// arena (one small buffer on the caller's stack, growing if the answer is large): a scope list
// parses with no call to malloc per string or object, a cost paid on every request otherwise.
struct ParseArena {
  alignas(16) unsigned char first_block[4096];
  alignas(16) unsigned char parser_stack[1024];
  json::monotonic_resource resource{first_block, sizeof first_block};
};

Result<json::value> parse_body(std::string_view body, std::string_view context,
                               const DecodeLimits& limits, ParseArena& arena) {
  if (body.empty()) return malformed(context, "empty body");
  json::parse_options options;
  options.max_depth = limits.max_depth;
  options.allow_invalid_utf8 = false;  // the default; stated because the decoder relies on it
  json::parser parser(json::storage_ptr(), options, arena.parser_stack, sizeof arena.parser_stack);
  parser.reset(&arena.resource);
  boost::system::error_code ec;
  // write() stops where it failed, so its count is the offset of the offending byte.
  const std::size_t consumed = parser.write(body.data(), body.size(), ec);
  if (ec) {
    return malformed(context, "not valid JSON at byte " + std::to_string(consumed) + ": " +
                                  ec.message());
  }
  return parser.release();
}

// An integer `code`, or a string of decimal digits (some KooDrive APIs send "0").
// nullopt when `value` is neither.
std::optional<std::int64_t> code_value(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) return std::nullopt;  // beyond int64: not a KooDrive code
  if (!value.is_string()) return std::nullopt;
  const json::string& text = value.get_string();
  const char* first = text.data();
  const char* last = text.data() + text.size();
  const char* digits = (first != last && *first == '-') ? first + 1 : first;
  if (digits == last || !std::all_of(digits, last, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t code = 0;
  const auto [end, error] = std::from_chars(first, last, code);
  if (error != std::errc{} || end != last) return std::nullopt;
  return code;
}

// The peer's own words, kept readable (UTF-8 whole; Boost.JSON has checked it) but on one line:
// they end up in Error::message(), and so in a log line and the database.
std::string api_msg_of(const json::object& root) {
  const json::value* msg = root.if_contains("msg");
  if (msg == nullptr || !msg->is_string()) return {};
  constexpr std::string_view hex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : msg->get_string()) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7F) {
      out += ch;
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0x0F];
    }
  }
  return out;
}

// The envelope of a 200 answer, and its list `list_key`: the array on success, an error else.
Result<const json::array*> envelope_list(const json::value& root_value, std::string_view list_key,
                                         std::string_view context) {
  const json::object* root = root_value.if_object();
  if (root == nullptr) {
    return malformed(context, "top level: expected an object, got " +
                                  std::string(kind_name(root_value)));
  }
  const json::value* code = root->if_contains("code");
  if (code == nullptr) return field_error(context, "code", "missing");
  const std::optional<std::int64_t> code_number = code_value(*code);
  if (!code_number) {
    return field_error(context, "code",
                       "expected an integer, got " +
                           (code->is_string() ? "string " + quoted(code->get_string())
                                              : std::string(kind_name(*code))));
  }
  if (*code_number != 0) {
    Error error = make_error(errc::api_error, std::string(context));
    error.api_code = *code_number;
    error.api_msg = api_msg_of(*root);
    return error;
  }
  const json::value* list = root->if_contains(list_key);
  if (list == nullptr) return field_error(context, list_key, "missing");
  if (!list->is_array()) {
    return field_error(context, list_key, "expected an array, got " + std::string(kind_name(*list)));
  }
  return &list->get_array();
}

enum class Presence {
  required,  // must be a string
  nullable,  // a string, or absent / null read as ""
};

// "data[3]": where an item of a list is, for error details.
std::string item_path(std::string_view list_key, std::size_t index) {
  return std::string(list_key) + "[" + std::to_string(index) + "]";
}

// One object of a list, with its path ("data[3]") for error details, spelt out only for an
// error: a scope list answer is decoded thousands of times a poll, almost never in error.
class Item {
 public:
  Item(const json::object& object, std::string_view list_key, std::size_t index,
       std::string_view context)
      : object_(object), list_key_(list_key), index_(index), context_(context) {}

  std::string path() const { return item_path(list_key_, index_); }
  std::string field_path(std::string_view name) const { return path() + "." + std::string(name); }

  Result<std::string> text(std::string_view name, Presence presence) const {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr || value->is_null()) {
      if (presence == Presence::nullable) return std::string{};
      return field_error(context_, field_path(name), value == nullptr ? "missing"
                                                                     : "expected a string, got null");
    }
    if (!value->is_string()) {
      return field_error(context_, field_path(name),
                         "expected a string, got " + std::string(kind_name(*value)));
    }
    return std::string(value->get_string());
  }

  // IDs exceed 2^53: they must arrive as strings and stay strings.
  Result<std::string> id(std::string_view name) const {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr) return field_error(context_, field_path(name), "missing");
    constexpr std::string_view expected = "expected a string of decimal digits, got ";
    if (!value->is_string()) {
      return field_error(context_, field_path(name), std::string(expected) + std::string(kind_name(*value)));
    }
    const json::string& text = value->get_string();
    const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (!digits_only) {
      return field_error(context_, field_path(name), std::string(expected) + "string " + quoted(text));
    }
    if (text.size() > max_id_digits) {
      return field_error(context_, field_path(name),
                         "expected at most " + std::to_string(max_id_digits) + " digits, got " +
                             std::to_string(text.size()));
    }
    return std::string(text);
  }

  // The string at `name`, not copied; nullptr when absent or not a string.
  const json::string* if_string(std::string_view name) const {
    const json::value* value = object_.if_contains(name);
    return value == nullptr ? nullptr : value->if_string();
  }

 private:
  const json::object& object_;
  std::string_view list_key_;
  std::size_t index_;
  std::string_view context_;
};

// Calls `decode_item(Item)` for each element of `list`, which must be objects.
template <class T, class DecodeItem>
Result<std::vector<T>> decode_items(const json::array& list, std::string_view list_key,
                                    std::string_view context, DecodeItem decode_item) {
  std::vector<T> out;
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json::object* object = list[i].if_object();
    if (object == nullptr) {
      return field_error(context, item_path(list_key, i),
                         "expected an object, got " + std::string(kind_name(list[i])));
    }
    Result<T> item = decode_item(Item(*object, list_key, i, context));
    if (!item) return item.error();
    out.push_back(std::move(*item));
  }
  return out;
}

Result<Device> decode_device(const Item& item) {
  Device device;
  struct Field {
    std::string_view name;
    std::string Device::*member;
    Presence presence;
  };
  static constexpr Field text_fields[] = {
      {"machineCode", &Device::machine_code, Presence::required},
      {"deviceName", &Device::device_name, Presence::nullable},
      {"deviceOS", &Device::device_os, Presence::nullable},
      {"createTime", &Device::create_time, Presence::required},
  };
  Result<std::string> id = item.id("deviceId");
  if (!id) return id.error();
  device.device_id = std::move(*id);
  for (const Field& field : text_fields) {
    Result<std::string> text = item.text(field.name, field.presence);
    if (!text) return text.error();
    device.*field.member = std::move(*text);
  }
  return device;
}

Result<int> module_code_of(const Item& item, int requested, std::string_view context) {
  constexpr std::string_view name = "moduleCode";
  // The pages type moduleCode as String; a number would mean the contract changed.
  const json::string* given = item.if_string(name);
  if (given == nullptr) {
    // Missing, null or not a string: text() says which.
    Result<std::string> text = item.text(name, Presence::required);
    return text ? field_error(context, item.field_path(name), "expected a string") : text.error();
  }
  const std::string_view text(given->data(), given->size());
  static constexpr std::pair<std::string_view, int> known[] = {
      {"100", module_folder}, {"101", module_album}, {"102", module_address_book}};
  for (const auto& [spelling, code] : known) {
    if (text != spelling) continue;
    if (code != requested) {
      return field_error(context, item.field_path(name),
                         quoted(text) + " but module " + std::to_string(requested) +
                             " was requested");
    }
    return code;
  }
  return field_error(context, item.field_path(name),
                     "unknown module code " + quoted(text) +
                         ", expected \"100\", \"101\" or \"102\"");
}

Result<Scope> decode_scope(const Item& item, int requested, std::string_view context) {
  Scope scope;
  Result<std::string> id = item.id("scopeId");
  if (!id) return id.error();
  scope.scope_id = std::move(*id);
  Result<int> module = module_code_of(item, requested, context);
  if (!module) return module.error();
  scope.module_code = *module;
  struct Field {
    std::string_view name;
    std::string Scope::*member;
    Presence presence;
  };
  static constexpr Field text_fields[] = {
      {"localPath", &Scope::local_path, Presence::nullable},
      {"targetFolderPath", &Scope::target_folder_path, Presence::nullable},
      {"createTime", &Scope::create_time, Presence::required},
  };
  for (const Field& field : text_fields) {
    Result<std::string> text = item.text(field.name, field.presence);
    if (!text) return text.error();
    scope.*field.member = std::move(*text);
  }
  // KooDrive refuses to add such a scope; seeing one means the field names changed.
  if (scope.local_path.empty() && scope.target_folder_path.empty()) {
    return field_error(context, item.path(), "localPath and targetFolderPath both empty");
  }
  return scope;
}

}  // namespace

Result<std::vector<Device>> decode_device_list(std::string_view body, std::string_view context,
                                               const DecodeLimits& limits) {
  ParseArena arena;
  Result<json::value> root = parse_body(body, context, limits, arena);
  if (!root) return root.error();
  constexpr std::string_view list_key = "data";
  Result<const json::array*> list = envelope_list(*root, list_key, context);
  if (!list) return list.error();
  return decode_items<Device>(**list, list_key, context, decode_device);
}

Result<std::vector<Scope>> decode_scope_list(std::string_view body, int module_code,
                                             std::string_view context,
                                             const DecodeLimits& limits) {
  if (!is_known_module(module_code)) {
    return make_error(errc::invalid_request, std::string(context),
                      "module code " + std::to_string(module_code) + " is not a KooDrive module");
  }
  ParseArena arena;
  Result<json::value> root = parse_body(body, context, limits, arena);
  if (!root) return root.error();
  constexpr std::string_view list_key = "scopeList";
  Result<const json::array*> list = envelope_list(*root, list_key, context);
  if (!list) return list.error();
  return decode_items<Scope>(**list, list_key, context, [&](const Item& item) {
    return decode_scope(item, module_code, context);
  });
}

Error error_from_status(int http_status, std::string_view body, std::string_view context) {
  std::optional<std::int64_t> api_code;
  std::string api_msg;
  ParseArena arena;
  if (Result<json::value> root = parse_body(body, context, DecodeLimits{}, arena)) {
    if (const json::object* object = root->if_object()) {
      if (const json::value* code = object->if_contains("code")) api_code = code_value(*code);
      // "code":0 on a failed answer says nothing; treat it as no code.
      if (api_code == 0) api_code.reset();
      if (api_code) api_msg = api_msg_of(*object);
    }
  }

  errc kind = errc::http_status;
  if (http_status == 401 || http_status == 403) {
    kind = errc::auth_rejected;
  } else if (http_status == 400) {
    // Every documented business code comes with 400; a 400 without one is the page's
    // "authentication failed" (koodrive-api.md, decisions).
    // KooDrive's business codes are eight digits starting 13 (koodrive-api.md §4); anything
    // else on a 400 (a gateway's 400, "code":400) is not one of them.
    const bool business_code = api_code && *api_code >= 13000000 && *api_code <= 13999999;
    kind = business_code ? errc::api_error : errc::auth_rejected;
  }

  std::string detail;
  if (!api_code) {
    detail = body.empty() ? std::string("empty body")
                          : "body: " + escaped(body, max_body_excerpt);
  }
  Error error = make_error(kind, std::string(context), std::move(detail));
  error.http_status = http_status;
  error.api_code = api_code.value_or(0);
  error.api_msg = std::move(api_msg);
  return error;
}

}  // namespace kda::api
