#pragma once
// The version of koodrive-audit, as set by the CMake project.
#include <string_view>

namespace kda {

std::string_view version() noexcept;

}  // namespace kda
