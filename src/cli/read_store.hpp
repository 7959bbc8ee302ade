#pragma once
// The database as the read-only commands (`history`, `status`) open it: read-only, never
// created, never migrated -- they look, they do not set anything up.
#include "koodrive_audit/store.hpp"

#include <filesystem>
#include <optional>
#include <ostream>
#include <string_view>

namespace kda::cli {

// The store at `path`, opened with Store::open_read_only, when it exists and its schema version
// is exactly this binary's (embedded_migrations().size()). Otherwise writes one line to `err`,
// "COMMAND: …" naming the path and what to do, and returns std::nullopt:
//   no file           no database at PATH; run `koodrive-audit migrate` or start the daemon
//   version 0         PATH: the database has no schema yet; run `koodrive-audit migrate` …
//   older / newer     PATH: schema version N is older than … / newer than … (upgrade)
//   not openable      PATH: <SQLite's reason>
std::optional<Store> open_store_for_reading(const std::filesystem::path& path,
                                            std::string_view command, std::ostream& err);

}  // namespace kda::cli
