#pragma once
// `history`'s command-line values → a HistoryFilter for Store::history. Pure: "now" is passed
// in (from the injected clock), so ages such as "24h" are tested without a real clock.
#include "cli/commands.hpp"
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kda::cli {

// The instant `--since` names, or (instant empty) why the text names none.
struct ParsedSince {
  std::optional<SystemTime> instant;
  std::string error;
};

// Accepts, in UTC:
//   an instant  "2026-11-23T08:00:00Z" or "2026-11-23T08:00:00.250Z"
//   a date      "2026-11-23" = 00:00:00.000 UTC that day
//   an age      a whole number and s, m, h or d: "90m", "24h", "7d" = now minus that
// An age over 36500d is refused (a typo, and beyond what the clock can subtract). The error is
// one sentence naming the text and the accepted forms.
ParsedSince parse_since(std::string_view text, SystemTime now);

// std::nullopt when `text` is one of kda::event_type_names; else the error, listing them.
std::optional<std::string> event_type_error(std::string_view text);

struct HistoryArgs {
  HistoryFilter filter;             // since in the stored form ("…T08:00:00.000Z")
  std::vector<std::string> errors;  // "--since: …", "--type: …", "--device: …"; all of them
};

HistoryArgs parse_history_args(const HistoryOptions& options, SystemTime now);

}  // namespace kda::cli
