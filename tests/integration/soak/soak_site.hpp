#pragma once
// One soak's world: a work directory, a koodrive-sim with a generated tenant, a config for
// koodrive-audit pointing at both, and the CLI run as a child process (poll --once, verify, the
// daemon). What the fault soak and the crash soak share.
//
// The directory is created (a fresh one under the temp directory when none is given) and removed
// by the destructor unless keep() was called (a failed soak keeps it for a look). Errors: a
// simulator that does not start throws std::runtime_error. Not thread-safe.
#include "daemon_process.hpp"
#include "support/sim_process.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace kda::test::soak {

struct SiteOptions {
  std::string name;  // "fault", "crash": part of the directory's name
  std::filesystem::path dir;  // empty: a fresh one under the temp directory
  int devices = 12;
  int scopes_per_module = 2;
  std::uint64_t seed = 1;  // the tenant's IDs and the fault rules' draws
};

// The keys the soaks vary; everything else is fixed (token auth, one account, jitter 0).
struct DaemonSettings {
  std::string timeout = "500ms";
  int attempts = 2;
  std::string initial_backoff = "5ms";
  std::string max_backoff = "20ms";
  int max_concurrency = 8;
  std::string interval = "1h";
  std::vector<std::string> sinks;  // YAML flow mappings; a log sink is always first
};

class SoakSite {
 public:
  explicit SoakSite(SiteOptions options);
  ~SoakSite();
  SoakSite(const SoakSite&) = delete;
  SoakSite& operator=(const SoakSite&) = delete;

  const SimProcess& sim() const noexcept { return *sim_; }
  const std::filesystem::path& dir() const noexcept { return dir_; }
  std::filesystem::path database() const { return dir_ / "audit.db"; }
  std::filesystem::path config() const { return dir_ / "config.yaml"; }
  std::filesystem::path log() const { return dir_ / "koodrive-audit.log"; }
  void keep() noexcept { keep_ = true; }

  void write_config(const DaemonSettings& settings) const;
  // A file in the work directory holding `content` (mode 0600), for secrets.
  std::filesystem::path write_secret(const std::string& name, const std::string& content) const;

  // `koodrive-audit ARGS --config CONFIG`, to its end: its exit code, or -1 when it was still
  // running at `deadline` (then it is killed). Its output goes to log().
  int run_cli(std::vector<std::string> args, std::chrono::milliseconds deadline) const;
  // `koodrive-audit daemon --config CONFIG`, output to log().
  std::unique_ptr<DaemonProcess> start_daemon() const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<SimProcess> sim_;
  bool keep_ = false;
};

}  // namespace kda::test::soak
