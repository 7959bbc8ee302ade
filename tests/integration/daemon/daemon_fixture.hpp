#pragma once
// A koodrive-sim with two devices (laptop: one folder scope; phone: one album scope), a token
// file, a config writer and database readers: what the daemon tests share.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "daemon_process.hpp"
#include "support/sim_process.hpp"

namespace kda::test {

inline constexpr const char* laptop = "1775406005920779393";
inline constexpr const char* phone = "1842812272691451648";
inline constexpr const char* laptop_docs = "1842846715527366528";  // laptop, folder (100)
inline constexpr const char* phone_album = "1842846715527366529";  // phone, album (101)

struct DaemonConfig {
  std::string interval = "1h";
  bool run_on_start = true;
  std::string timeout = "2s";
  std::vector<std::string> extra_sinks;  // YAML flow mappings, e.g. "{type: jsonl, path: b.jsonl}"
  // The metrics section: by default a free loopback port, so that tests never collide.
  std::string metrics = R"({listen: "127.0.0.1:0"})";

  DaemonConfig& every(std::string value) {
    interval = std::move(value);
    return *this;
  }
  DaemonConfig& not_on_start() {
    run_on_start = false;
    return *this;
  }
  DaemonConfig& request_timeout(std::string value) {
    timeout = std::move(value);
    return *this;
  }
  DaemonConfig& metrics_section(std::string yaml) {
    metrics = std::move(yaml);
    return *this;
  }
  DaemonConfig& sink(std::string yaml) {
    extra_sinks.push_back(std::move(yaml));
    return *this;
  }
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  void write_config(const DaemonConfig& config = {});
  std::unique_ptr<DaemonProcess> start(std::map<std::string, std::string> environment = {});
  void sim_ok(std::string_view method, std::string_view target, std::string_view body = {});
  // A new simulator with the same devices and these arguments added (before write_config).
  void restart_sim(const std::vector<std::string>& extra_args);

  int count_rows(const std::string& sql) const;
  std::vector<std::string> event_ids() const;
  std::vector<std::string> event_types() const;
  std::vector<std::string> jsonl_event_ids(const std::string& file = "events.jsonl") const;

  std::filesystem::path dir_;
  std::unique_ptr<SimProcess> sim_;
};

}  // namespace kda::test
