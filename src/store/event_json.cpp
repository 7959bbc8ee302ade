#include "koodrive_audit/event_json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace kda {

namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 5> device_keys{"device_id", "machine_code", "device_name",
                                                      "device_os", "create_time"};
constexpr std::array<std::string_view, 5> scope_keys{"scope_id", "module_code", "local_path",
                                                     "target_folder_path", "create_time"};

// Written field by field rather than through a json::object: a silent baseline serialises
// 90,000 scope records inside the commit, and building an object per record cost about three
// times as much. Strings go through json::serialize, so the escaping is Boost.JSON's either way.
void append_field(std::string& out, char before, std::string_view key, std::string_view value) {
  out += before;
  out += '"';
  out += key;
  out += "\":";
  // Straight into `out`: json::serialize would allocate a string per field.
  json::serializer serializer;
  serializer.reset(value);
  char buffer[256];
  while (!serializer.done()) out += serializer.read(buffer);
}

template <typename T>
std::string to_json(const T& record) {
  std::string out;
  out.reserve(192);
  append_record_json(out, record);
  return out;
}

// Exactly these keys, no others: a stored record with an unknown key was not written by us.
template <std::size_t N>
bool has_exactly(const json::object& o, const std::array<std::string_view, N>& keys) {
  if (o.size() != N) return false;
  for (const auto key : keys) {
    if (!o.contains(key)) return false;
  }
  return true;
}

std::optional<std::string> string_at(const json::object& o, std::string_view key) {
  const json::value& v = o.at(key);
  if (!v.is_string()) return std::nullopt;
  return std::string(v.get_string());
}

std::optional<Record> device_from(const json::object& o) {
  if (!has_exactly(o, device_keys)) return std::nullopt;
  Device d;
  std::string* fields[] = {&d.device_id, &d.machine_code, &d.device_name, &d.device_os,
                           &d.create_time};
  for (std::size_t i = 0; i < device_keys.size(); ++i) {
    auto text = string_at(o, device_keys[i]);
    if (!text) return std::nullopt;
    *fields[i] = std::move(*text);
  }
  return Record{std::move(d)};
}

std::optional<Record> scope_from(const json::object& o) {
  if (!has_exactly(o, scope_keys)) return std::nullopt;
  Scope s;
  const json::value& code = o.at("module_code");
  // Boost.JSON reads every integer that fits as int64; anything else is not a module code.
  if (!code.is_int64()) return std::nullopt;
  const std::int64_t wide = code.get_int64();
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max())
    return std::nullopt;
  s.module_code = static_cast<int>(wide);
  std::string* fields[] = {&s.scope_id, &s.local_path, &s.target_folder_path, &s.create_time};
  const std::string_view keys[] = {"scope_id", "local_path", "target_folder_path", "create_time"};
  for (std::size_t i = 0; i < std::size(keys); ++i) {
    auto text = string_at(o, keys[i]);
    if (!text) return std::nullopt;
    *fields[i] = std::move(*text);
  }
  return Record{std::move(s)};
}

}  // namespace

void append_record_json(std::string& out, const Device& d) {
  append_field(out, '{', "device_id", d.device_id);
  append_field(out, ',', "machine_code", d.machine_code);
  append_field(out, ',', "device_name", d.device_name);
  append_field(out, ',', "device_os", d.device_os);
  append_field(out, ',', "create_time", d.create_time);
  out += '}';
}

void append_record_json(std::string& out, const Scope& s) {
  append_field(out, '{', "scope_id", s.scope_id);
  out += ",\"module_code\":";
  out += std::to_string(s.module_code);
  append_field(out, ',', "local_path", s.local_path);
  append_field(out, ',', "target_folder_path", s.target_folder_path);
  append_field(out, ',', "create_time", s.create_time);
  out += '}';
}

std::string record_to_json(const Record& record) {
  return std::visit(
      [](const auto& r) -> std::string {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "null";
        } else if constexpr (std::is_same_v<T, AuditDetail>) {
          return r.json;
        } else {
          return to_json(r);
        }
      },
      record);
}

std::optional<Record> record_from_json(std::string_view text) {
  boost::system::error_code ec;
  const json::value value = json::parse(text, ec);
  if (ec) return std::nullopt;
  if (value.is_null()) return Record{};
  if (!value.is_object()) return std::nullopt;
  const json::object& o = value.get_object();
  if (o.contains("device_id")) return device_from(o);
  if (o.contains("scope_id")) return scope_from(o);
  return std::nullopt;
}

}  // namespace kda
