#include "store_fixture.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdlib>
#include <stdexcept>

namespace kda::test {

void StoreTest::SetUp() {
  std::string pattern = (std::filesystem::temp_directory_path() / "kda-store-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
}

void StoreTest::TearDown() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Store StoreTest::open_migrated(StoreOptions options) const {
  Store store = Store::open(db_path(), std::move(options));
  store.migrate();
  return store;
}

std::string dump(const std::filesystem::path& db_path) {
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  std::string out = "user_version=" + db.execAndGet("PRAGMA user_version").getString() + "\n";
  SQLite::Statement schema(db,
                           "SELECT type, name, IFNULL(sql, '') FROM sqlite_master ORDER BY name");
  std::vector<std::string> tables;
  while (schema.executeStep()) {
    out += schema.getColumn(0).getString() + " " + schema.getColumn(1).getString() + ": " +
           schema.getColumn(2).getString() + "\n";
    if (schema.getColumn(0).getString() == "table") tables.push_back(schema.getColumn(1).getString());
  }
  for (const std::string& table : tables) {
    out += "-- " + table + "\n";
    // A WITHOUT ROWID table has no rowid: its rows in the order of every column (its key
    // leads, so that is key order).
    SQLite::Statement shape(db, "SELECT wr, (SELECT count(*) FROM pragma_table_info(?1)) "
                                "FROM pragma_table_list WHERE name = ?1 AND schema = 'main'");
    shape.bind(1, table);
    std::string order = "rowid";
    if (shape.executeStep() && shape.getColumn(0).getInt() == 1) {
      order = "1";
      for (int i = 2; i <= shape.getColumn(1).getInt(); ++i) order += ", " + std::to_string(i);
    }
    SQLite::Statement rows(db, "SELECT * FROM \"" + table + "\" ORDER BY " + order);
    while (rows.executeStep()) {
      for (int i = 0; i < rows.getColumnCount(); ++i) {
        const SQLite::Column column = rows.getColumn(i);
        if (column.isNull()) {
          out += "NULL";
        } else if (column.isText()) {
          out += "'" + column.getString() + "'";
        } else {
          out += column.getString();
        }
        out += "|";
      }
      out += "\n";
    }
  }
  return out;
}

void exec_sql(const std::filesystem::path& db_path, const std::string& sql) {
  SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
  db.exec(sql);
}

std::string query_text(const std::filesystem::path& db_path, const std::string& sql) {
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, sql);
  if (!q.executeStep()) return "<no row>";
  return q.getColumn(0).isNull() ? "NULL" : q.getColumn(0).getString();
}

SystemTime at(const char* iso8601) {
  const auto t = parse_iso8601(iso8601);
  if (!t) throw std::invalid_argument(iso8601);
  return *t;
}

Device make_device(const std::string& id, const std::string& name) {
  return Device{id, "mc-" + id, name, "Windows 11", "2025-01-02 03:04:05"};
}

Scope make_scope(const std::string& id, int module_code, const std::string& path) {
  return Scope{id, module_code, path, "/Backup/" + id, "2025-02-03 04:05:06"};
}

PollCommit make_poll(const std::string& account_id, SystemTime finished, std::string outcome) {
  PollCommit poll;
  poll.account_id = account_id;
  poll.account_name = "finance-laptops";
  poll.started_at = finished - std::chrono::seconds(2);
  poll.finished_at = finished;
  poll.outcome = std::move(outcome);
  poll.requests = 4;
  return poll;
}

void TwoPollHistory::commit_at_schema(const std::filesystem::path& db, int version) const {
  Store store = Store::open(db);
  ASSERT_EQ(store.migrate(embedded_migrations().first(static_cast<std::size_t>(version))).to_version,
            version);
  PollCommit first = make_poll("acc", at("2026-11-23T07:00:00.000Z"));
  first.device_writes = {{RowWrite::seen, laptop, 0}, {RowWrite::seen, phone, 0}};
  first.scope_writes = {{RowWrite::seen, "d1", docs, 0},
                        {RowWrite::seen, "d1", pictures, 0},
                        {RowWrite::seen, "d2", camera, 0}};
  first.attempts = {{{"d1", module_folder}, true, ""}, {{"d2", module_album}, true, ""}};
  first.device_list_baseline = true;
  first.baseline_pairs = {{"d1", module_folder}, {"d2", module_album}};
  store.commit_poll(first);

  PollCommit second = make_poll("acc", at("2026-11-23T07:05:00.000Z"), "partial");
  second.scope_writes = {{RowWrite::removed, "d1", pictures, 1}};
  second.changes = {Change{ChangeType::scope_removed, "d1", "laptop", module_folder, "s2",
                           pictures, std::monostate{}, ""}};
  second.attempts = {{{"d2", module_album}, false, "HTTP 503"}};
  second.error = "HTTP 503";
  store.commit_poll(second);
}

}  // namespace kda::test
