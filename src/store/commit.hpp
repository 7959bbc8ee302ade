#pragma once
// The write side of Store::commit_poll: one account poll → one transaction.
#include "koodrive_audit/store.hpp"
#include "store/statement_cache.hpp"

#include <SQLiteCpp/Database.h>
#include <boost/uuid/random_generator.hpp>

#include <functional>
#include <string_view>

namespace kda::store {

struct CommitContext {
  SQLite::Database& db;
  StatementCache& statements;
  boost::uuids::random_generator& uuids;
  const std::function<void(std::string_view stage)>& on_stage;  // may be empty
};

// Validates the poll (throws StoreError before touching the database), then writes it all in
// one write transaction; any exception rolls everything back.
CommitResult commit_poll(CommitContext context, const PollCommit& poll);

}  // namespace kda::store
