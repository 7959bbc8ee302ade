#pragma once
// Config → the options, credentials and sinks of the components. Values are copied from the
// config explicitly; no component default stands in for a configured value.
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/sink_worker.hpp"
#include "koodrive_audit/api.hpp"
#include "koodrive_audit/config.hpp"
#include "koodrive_audit/diff.hpp"
#include "koodrive_audit/sinks.hpp"

namespace kda::daemon {

api::ClientOptions client_options(const Config& config);
api::Credentials credentials(const AccountConfig& account);
DiffOptions diff_options(const Config& config);

// A sink built from its config, with the event types it takes and its retry pace.
struct ConfiguredSink {
  std::unique_ptr<Sink> sink;
  std::set<std::string> types;
  SinkBackoff backoff;  // webhook/alertmanager: max = the sink's max_backoff
};

// Every sink of the config. One that cannot be built (an unusable URL) is left out and named
// in `skipped` with why; its cursor does not move, so its events wait in the outbox.
struct SinkSet {
  std::vector<ConfiguredSink> sinks;
  std::vector<std::string> skipped;  // "sink pager: webhook URL …: …"
};
SinkSet make_sinks(const Config& config, boost::asio::any_io_executor executor, const Clock& clock);

}  // namespace kda::daemon
