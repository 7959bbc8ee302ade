#include "soak_site.hpp"

#include <fstream>
#include <random>
#include <stdexcept>

namespace kda::test::soak {

namespace fs = std::filesystem;

namespace {
constexpr const char* token = "soak-token-0123456789abcdef";
constexpr const char* user_id = "1505084218764547200";
}  // namespace

SoakSite::SoakSite(SiteOptions options) : dir_(std::move(options.dir)) {
  if (dir_.empty()) {
    dir_ = fs::temp_directory_path() /
           ("kda-soak-" + options.name + "-" + std::to_string(std::random_device{}()));
  }
  fs::create_directories(dir_);
  write_secret("token", token);
  sim_ = std::make_unique<SimProcess>(std::vector<std::string>{
      "--listen", "127.0.0.1:0", "--token", token, "--user-id", user_id, "--devices",
      std::to_string(options.devices), "--scopes-per-module",
      std::to_string(options.scopes_per_module), "--seed", std::to_string(options.seed)});
}

SoakSite::~SoakSite() {
  sim_.reset();
  if (!keep_) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

void SoakSite::write_config(const DaemonSettings& settings) const {
  std::ofstream out(config());
  out << "api:\n  base_url: " << sim_->base_url() << "\n  timeout: " << settings.timeout
      << "\n  max_concurrency: " << settings.max_concurrency
      << "\n  retry: {attempts: " << settings.attempts
      << ", initial_backoff: " << settings.initial_backoff
      << ", max_backoff: " << settings.max_backoff
      << "}\n"
         "auth: {mode: token, token_file: token}\n"
         "accounts: [{user_id: \""
      << user_id
      << "\", name: soak}]\n"
         "database: {path: audit.db}\n"
         "poll: {interval: "
      << settings.interval
      << ", jitter: 0%, run_on_start: true}\n"
         "metrics: {enabled: false}\n"
         "events:\n  sinks:\n    - {type: log}\n";
  for (const std::string& sink : settings.sinks) out << "    - " << sink << "\n";
  if (!out) throw std::runtime_error("cannot write " + config().string());
}

fs::path SoakSite::write_secret(const std::string& name, const std::string& content) const {
  const fs::path path = dir_ / name;
  std::ofstream(path) << content << "\n";
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  return path;
}

int SoakSite::run_cli(std::vector<std::string> args, std::chrono::milliseconds deadline) const {
  args.push_back("--config");
  args.push_back(config().string());
  DaemonProcess process(std::move(args), log());
  return process.wait_exit(deadline).value_or(-1);  // the destructor kills one still running
}

std::unique_ptr<DaemonProcess> SoakSite::start_daemon() const {
  return std::make_unique<DaemonProcess>(
      std::vector<std::string>{"daemon", "--config", config().string()}, log());
}

}  // namespace kda::test::soak
