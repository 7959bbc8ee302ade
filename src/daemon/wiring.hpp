#pragma once
// Config → the options, credentials and sinks of the components. Values are copied from the
// config explicitly; no component default stands in for a configured value.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "koodrive_audit/api.hpp"
#include "koodrive_audit/config.hpp"
#include "koodrive_audit/diff.hpp"
#include "koodrive_audit/sinks.hpp"

namespace kda::daemon {

api::ClientOptions client_options(const Config& config);
api::Credentials credentials(const AccountConfig& account);
DiffOptions diff_options(const Config& config);

// A sink built from its config, with the event types it takes.
struct ConfiguredSink {
  std::unique_ptr<Sink> sink;
  std::set<std::string> types;
};

// The sinks this build can deliver to. A sink type not built yet is left out with a warning
// in `skipped`; its cursor does not move, so its events wait in the outbox.
struct SinkSet {
  std::vector<ConfiguredSink> sinks;
  std::vector<std::string> skipped;  // "sink NAME: type webhook is not implemented yet"
};
SinkSet make_sinks(const Config& config);

}  // namespace kda::daemon
