#pragma once
// Store's private state, shared by the files that implement Store's members (store.cpp for
// the write side and the outbox, queries.cpp for the CLI's read side).
#include "koodrive_audit/store.hpp"
#include "store/statement_cache.hpp"

#include <SQLiteCpp/Database.h>
#include <boost/uuid/random_generator.hpp>

#include <filesystem>
#include <utility>

namespace kda {

struct Store::Impl {
  Impl(std::filesystem::path p, SQLite::Database database, StoreOptions o)
      : path(std::move(p)), db(std::move(database)), options(std::move(o)), statements(db) {}

  std::filesystem::path path;
  SQLite::Database db;
  StoreOptions options;
  store::StatementCache statements;  // after db: destroyed first
  boost::uuids::random_generator uuids;
};

}  // namespace kda
