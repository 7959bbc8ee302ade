#include "daemon_fixture.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json.hpp>
#include <fstream>
#include <random>

namespace kda::test {

namespace fs = std::filesystem;

namespace {
constexpr const char* token = "daemon-test-token-0123456789";
}

void DaemonTest::SetUp() {
  dir_ =
      fs::temp_directory_path() / ("kda-daemon-" + std::to_string(std::random_device{}()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::create_directories(dir_);
  std::ofstream(dir_ / "token") << token;
  fs::permissions(dir_ / "token", fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir_ / "state.json")
      << R"({"users":[{"user_id":"1505084218764547200","devices":[
    {"deviceId":")"
      << laptop << R"(","machineCode":"m1","deviceName":"Laptop","deviceOS":"windows",
     "scopes":{"100":[{"scopeId":")"
      << laptop_docs << R"(","localPath":"/Documents","targetFolderPath":"/backup/Documents"}]}},
    {"deviceId":")"
      << phone << R"(","machineCode":"m2","deviceName":"Phone","deviceOS":"android",
     "scopes":{"101":[{"scopeId":")"
      << phone_album << R"(","localPath":"/DCIM","targetFolderPath":"/backup/DCIM"}]}}]}]})";
  restart_sim({});
}

void DaemonTest::restart_sim(const std::vector<std::string>& extra_args) {
  sim_.reset();
  std::vector<std::string> args{"--listen", "127.0.0.1:0", "--state",
                                (dir_ / "state.json").string(), "--token", token};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  sim_ = std::make_unique<SimProcess>(std::move(args));
}

void DaemonTest::TearDown() {
  sim_.reset();
  if (!HasFailure()) fs::remove_all(dir_);
}

void DaemonTest::write_config(const DaemonConfig& config) {
  std::ofstream out(dir_ / "config.yaml");
  out << "api:\n  base_url: " << sim_->base_url() << "\n  timeout: " << config.timeout
      << "\n  retry: {attempts: 1}\n"
         "auth: {mode: token, token_file: token}\n"
         "accounts: [{user_id: \"1505084218764547200\", name: test}]\n"
         "database: {path: audit.db}\n"
         "poll: {interval: "
      << config.interval
      << ", jitter: 0%, run_on_start: " << (config.run_on_start ? "true" : "false")
      << "}\n"
         "metrics: "
      << config.metrics
      << "\n"
         "events:\n  sinks:\n    - {type: log}\n    - {type: jsonl, path: events.jsonl}\n";
  for (const std::string& sink : config.extra_sinks) out << "    - " << sink << "\n";
}

std::unique_ptr<DaemonProcess> DaemonTest::start(std::map<std::string, std::string> environment) {
  return std::make_unique<DaemonProcess>(
      std::vector<std::string>{"daemon", "--config", (dir_ / "config.yaml").string()},
      dir_ / "daemon.log", std::move(environment));
}

void DaemonTest::sim_ok(std::string_view method, std::string_view target, std::string_view body) {
  const HttpReply reply = sim_->control(method, target, body);
  ASSERT_EQ(reply.status, 200) << method << " " << target << ": " << reply.body;
}

int DaemonTest::count_rows(const std::string& sql) const {
  SQLite::Database db((dir_ / "audit.db").string());
  return db.execAndGet(sql).getInt();
}

std::vector<std::string> DaemonTest::event_ids() const {
  SQLite::Database db((dir_ / "audit.db").string());
  SQLite::Statement query(db, "SELECT event_id FROM events ORDER BY seq");
  std::vector<std::string> ids;
  while (query.executeStep()) ids.push_back(query.getColumn(0).getString());
  return ids;
}

std::vector<std::string> DaemonTest::event_types() const {
  SQLite::Database db((dir_ / "audit.db").string());
  SQLite::Statement query(db, "SELECT type FROM events ORDER BY seq");
  std::vector<std::string> types;
  while (query.executeStep()) types.push_back(query.getColumn(0).getString());
  return types;
}

std::vector<std::string> DaemonTest::jsonl_event_ids(const std::string& file) const {
  std::ifstream in(dir_ / file);
  std::vector<std::string> ids;
  for (std::string line; std::getline(in, line);) {
    ids.emplace_back(boost::json::parse(line).as_object().at("event_id").as_string());
  }
  return ids;
}

}  // namespace kda::test
