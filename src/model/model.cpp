#include "koodrive_audit/model.hpp"

#include <array>
#include <utility>

namespace kda {

namespace {

constexpr std::array<std::pair<ChangeType, std::string_view>, 9> change_type_names{{
    {ChangeType::device_added, "device.added"},
    {ChangeType::device_removed, "device.removed"},
    {ChangeType::device_changed, "device.changed"},
    {ChangeType::scope_added, "scope.added"},
    {ChangeType::scope_removed, "scope.removed"},
    {ChangeType::scope_changed, "scope.changed"},
    {ChangeType::suspect_mass_removal, "audit.suspect_mass_removal"},
    {ChangeType::coverage_lost, "coverage.lost"},
    {ChangeType::coverage_restored, "coverage.restored"},
}};

}  // namespace

std::optional<std::string_view> module_name(int module_code) noexcept {
  switch (module_code) {
    case module_folder: return "folder";
    case module_album: return "album";
    case module_address_book: return "address_book";
    default: return std::nullopt;
  }
}

bool is_known_module(int module_code) noexcept { return module_name(module_code).has_value(); }

std::string_view to_string(ChangeType type) noexcept {
  for (const auto& [value, name] : change_type_names) {
    if (value == type) return name;
  }
  return "unknown";
}

bool is_configuration_change(ChangeType type) noexcept {
  switch (type) {
    case ChangeType::suspect_mass_removal:
    case ChangeType::coverage_lost:
    case ChangeType::coverage_restored: return false;
    default: return true;
  }
}

std::optional<ChangeType> change_type_from_string(std::string_view text) noexcept {
  for (const auto& [value, name] : change_type_names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace kda
