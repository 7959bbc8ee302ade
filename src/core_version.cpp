#include "koodrive_audit/version.hpp"

namespace kda {

std::string_view version() noexcept { return KDA_VERSION; }

}  // namespace kda
