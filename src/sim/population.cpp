#include "sim/population.hpp"

#include "koodrive_audit/clock.hpp"
#include "sim/random.hpp"

#include <array>
#include <chrono>
#include <string_view>

namespace kda::sim {

namespace {

struct Model {
  std::string_view name;
  std::string_view os;
  std::string_view short_name;  // for backup folder names
};

constexpr std::array<Model, 12> models{{
    {"Magic v3", "android", "MagicV3"},
    {"Magic6 Pro", "android", "Magic6Pro"},
    {"Mate 60 Pro", "HarmonyOS", "Mate60Pro"},
    {"Mate X5", "HarmonyOS", "MateX5"},
    {"Pura 70 Ultra", "HarmonyOS", "Pura70Ultra"},
    {"P60 Art", "HarmonyOS", "P60Art"},
    {"nova 12 Ultra", "HarmonyOS", "nova12Ultra"},
    {"nova Flip", "HarmonyOS", "novaFlip"},
    {"MatePad Pro 13", "HarmonyOS", "MatePadPro13"},
    {"Honor 90", "android", "Honor90"},
    {"MateBook X Pro", "windows", "MateBookXPro"},
    {"MateBook D 16", "windows", "MateBookD16"},
}};

constexpr std::array<std::string_view, 10> folder_paths{
    "/DCIM",       "/Documents",     "/Download", "/Pictures/Screenshots", "/Music",
    "/Movies",     "/Documents/Work", "/WhatsApp/Media", "/Recordings",    "/Books"};
constexpr std::array<std::string_view, 6> album_paths{
    "/DCIM/Camera",    "/Pictures/Screenshots", "/Pictures/WeChat",
    "/DCIM/Video",     "/Pictures/Edited",      "/Pictures/Instagram"};
constexpr std::array<std::string_view, 3> contact_paths{"/contacts", "/contacts/sim",
                                                        "/contacts/groups"};

// The i-th local path of a module; past the end of the list, numbered subfolders of it.
std::string local_path(int module_code, std::size_t i) {
  auto pick = [i](const auto& list) {
    std::string path(list[i % list.size()]);
    if (i >= list.size()) path += "/set" + std::to_string(i / list.size());
    return path;
  };
  switch (module_code) {
    case module_folder: return pick(folder_paths);
    case module_album: return pick(album_paths);
    default: return pick(contact_paths);
  }
}

std::string_view module_folder_name(int module_code) {
  switch (module_code) {
    case module_folder: return "Files";
    case module_album: return "Gallery";
    default: return "Contacts";
  }
}

std::string hex16(std::uint64_t bits) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, bits >>= 4) out[static_cast<std::size_t>(i)] = digits[bits & 0xf];
  return out;
}

}  // namespace

void generate_population(SimState& state, const PopulationSpec& spec) {
  using namespace std::chrono;
  state.add_user(spec.user_id);
  state.reserve(spec.user_id, spec.devices, spec.devices * 3 * spec.scopes_per_module);

  std::uint64_t rng = spec.seed;
  const SystemTime epoch = sys_days{year{2024} / January / 1};
  constexpr std::uint64_t span_ms = 600ULL * 24 * 3600 * 1000;  // devices bound over ~600 days

  for (std::size_t d = 0; d < spec.devices; ++d) {
    const Model& model = models[splitmix64(rng) % models.size()];
    const auto device_ms = splitmix64(rng) % span_ms;
    const SystemTime device_time = epoch + milliseconds(static_cast<std::int64_t>(device_ms));
    auto device = state.add_device(NewDevice{spec.user_id, std::nullopt, hex16(splitmix64(rng)),
                                             std::string(model.name), std::string(model.os),
                                             format_iso8601(device_time)});
    const std::string& device_id = device.value().device_id;
    const std::string target_root = "/Backup/" + std::string(model.short_name) + "-" +
                                    device_id.substr(device_id.size() - 4) + "/";

    for (int code : known_modules) {
      for (std::size_t s = 0; s < spec.scopes_per_module; ++s) {
        std::string path = local_path(code, s);
        const auto scope_delay = splitmix64(rng) % (30ULL * 24 * 3600 * 1000);
        state.add_scope(device_id,
                        NewScope{code, std::nullopt, path,
                                 target_root + std::string(module_folder_name(code)) + path,
                                 format_iso8601(device_time + milliseconds(static_cast<std::int64_t>(scope_delay)))})
            .value();
      }
    }
  }
}

}  // namespace kda::sim
