#pragma once
// Config → the options and credentials of the components. Values are copied from the config
// explicitly; no component default stands in for a configured value.
#include "koodrive_audit/api.hpp"
#include "koodrive_audit/config.hpp"

namespace kda::cli {

api::ClientOptions client_options(const Config& config);
api::Credentials credentials(const AccountConfig& account);

}  // namespace kda::cli
