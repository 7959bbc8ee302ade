#pragma once
// `history`'s human output: the events as one aligned table, oldest first. Pure: events in,
// text out (`history --json` does not come here: it prints kda::event_to_json per event).
#include "koodrive_audit/store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace kda::cli {

// "Laptop (1775406005920779393)"; the bare ID when the device has no name; "-" for an event
// without a device (account-wide audit events).
std::string device_label(const StoredEvent& event);

// "folder" / "album" / "address_book"; the number for a code KooDrive does not define; "-" none.
std::string module_label(std::optional<int> module_code);

// The CHANGE column, one line:
//   scope.added / scope.removed    the local path          "/DCIM"
//   scope.changed / device.changed each differing field    "local_path: /a → /b; …"
//   device.added / device.removed  name and OS             "Laptop, windows"
//   anything else                  the after (else before) JSON as stored
// followed by " (cause: device.removed)" when the event has a cause.
std::string change_summary(const StoredEvent& event);

// Header OBSERVED_AT TYPE DEVICE MODULE SCOPE CHANGE, then one row per event in the given
// order; widths from the data; cells made terminal-safe (cli/table.hpp). Empty input → "".
std::string format_history(const std::vector<StoredEvent>& events);

}  // namespace kda::cli
