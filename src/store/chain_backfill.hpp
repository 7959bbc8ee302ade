#pragma once
// The C++ half of migration 0003_hash_chain, run by the migrator right after the file's SQL and
// inside the same transaction (so the version bump, the columns and the hashes commit together):
//   1. hashes the events already stored, in seq order, from the genesis hash;
//   2. records the live devices and scopes as baselines with poll_id NULL and observed_at =
//      chain_origin.created_at: the state verify's replay starts from, since the silent
//      baselines of earlier polls were never recorded. One row per account with live devices
//      (device_id NULL), one per (device, module) with live scopes.
// On a new database both steps find nothing to do.
// Throws StoreError when a stored event holds a REAL or BLOB column (the store never writes one).
#include <SQLiteCpp/Database.h>

namespace kda::store {

void backfill_hash_chain(SQLite::Database& db);

}  // namespace kda::store
