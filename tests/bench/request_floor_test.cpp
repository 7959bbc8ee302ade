// koodrive-request-floor against the simulator: it measures every scope list of the tenant, and
// a refused request ends it with the reason rather than with figures that would look like a
// floor.
#include "run_command.hpp"
#include "support/sim_process.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace kda::test {
namespace {

constexpr const char* user_id = "1505084218764547200";
constexpr const char* app_id = "floor-test-app";

class RequestFloorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    dir_ = fs::temp_directory_path() /
           ("kda-floor-" + std::to_string(std::random_device{}()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "app-secret") << "floor-test-secret-0123456789\n";
    std::ofstream(dir_ / "other-secret") << "not-the-simulators-secret-42\n";
    sim_ = std::make_unique<SimProcess>(std::vector<std::string>{
        "--listen", "127.0.0.1:0", "--devices", "4", "--scopes-per-module", "2", "--latency",
        "0ms", "--user-id", user_id, "--app-id", app_id, "--app-secret-file",
        (dir_ / "app-secret").string()});
  }
  void TearDown() override {
    sim_.reset();
    std::filesystem::remove_all(dir_);
  }

  CommandResult run_floor(const std::string& secret_file) const {
    return run_binary(KDA_FLOOR_BINARY,
                      {"--port", std::to_string(sim_->port()), "--user-id", user_id, "--app-id",
                       app_id, "--app-secret-file", (dir_ / secret_file).string(),
                       "--concurrency", "3"});
  }

  std::filesystem::path dir_;
  std::unique_ptr<SimProcess> sim_;
};

TEST_F(RequestFloorTest, MeasuresEveryScopeListOfTheTenant) {
  const CommandResult result = run_floor("app-secret");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const boost::json::object figures = boost::json::parse(result.out).as_object();
  EXPECT_EQ(figures.at("requests").to_number<int>(), 12);  // 4 devices × 3 modules
  EXPECT_GE(figures.at("wall_s").to_number<double>(), 0.0);
  EXPECT_GE(figures.at("cpu_user_s").to_number<double>(), 0.0);
  EXPECT_GE(figures.at("cpu_sys_s").to_number<double>(), 0.0);
}

TEST_F(RequestFloorTest, ARefusedRequestEndsItWithTheReason) {
  const CommandResult result = run_floor("other-secret");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("koodrive-request-floor: GET /koodrive/ose/v1/backup/device: HTTP 4"),
            std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace kda::test
