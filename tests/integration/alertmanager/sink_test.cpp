// The alertmanager sink against a real Prometheus Alertmanager started by the test: what
// Alertmanager shows after a delivery, the HA rule, and an Alertmanager that comes up late.
#include "api/coroutine_warnings.hpp"
#include "koodrive_audit/sinks.hpp"

#include "alertmanager_process.hpp"
#include "support/wait.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <optional>
#include <random>

namespace kda::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* account = "1505084218764547200";
constexpr const char* phone = "1842812272691451648";

class RealAlertmanagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kda-am-" + std::to_string(std::random_device{}()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    alertmanager_ = std::make_unique<AlertmanagerProcess>(dir_ / "am");
  }

  void TearDown() override {
    if (alertmanager_ && HasFailure()) std::cerr << "Alertmanager log:\n" << alertmanager_->log();
    alertmanager_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  std::unique_ptr<Sink> make_sink(std::vector<std::string> urls) {
    AlertmanagerSinkOptions options;
    options.name = "pager";
    options.urls = std::move(urls);
    options.severity = {
        {"scope.removed", "critical"}, {"device.removed", "critical"}, {"scope.added", "warning"}};
    options.generator_url = "https://grafana.example.com/d/koodrive";
    options.timeout = 5s;
    auto sink = make_alertmanager_sink(io_.get_executor(), std::move(options), clock_);
    if (!sink) throw std::runtime_error(sink.error().message());
    return std::move(*sink);
  }

  Result<void> deliver(Sink& sink, const std::vector<StoredEvent>& events) {
    std::optional<Result<void>> done;
    boost::asio::co_spawn(io_, sink.deliver(events),
                          [&done](std::exception_ptr error, Result<void> result) {
                            if (error) std::rethrow_exception(error);
                            done = std::move(result);
                          });
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (!done && std::chrono::steady_clock::now() < until) io_.run_one_for(20ms);
    if (!done) throw std::runtime_error("deliver() did not finish within 30 s");
    return *done;
  }

  // Recent times: Alertmanager lists only alerts whose endsAt is still ahead.
  StoredEvent scope_removed(std::string scope_id, std::string local_path) {
    StoredEvent e;
    e.seq = ++seq_;
    e.event_id = "00000000-0000-4000-8000-" + std::string(12 - std::to_string(seq_).size(), '0') +
                 std::to_string(seq_);
    e.observed_at = format_iso8601(clock_.now());
    e.type = "scope.removed";
    e.account_id = account;
    e.device_id = phone;
    e.device_name = "P60 Art";
    e.module_code = 101;
    e.scope_id = scope_id;
    e.before_json = R"({"scope_id":")" + scope_id + R"(","module_code":101,"local_path":")" +
                    local_path + R"(","target_folder_path":"/backup)" + local_path +
                    R"(","create_time":"1730000000000"})";
    e.after_json = "null";
    return e;
  }

  StoredEvent device_removed() {
    StoredEvent e;
    e.seq = ++seq_;
    e.event_id = "00000000-0000-4000-8000-0000000000" + std::to_string(10 + seq_);
    e.observed_at = format_iso8601(clock_.now());
    e.type = "device.removed";
    e.account_id = account;
    e.device_id = phone;
    e.device_name = "P60 Art";
    e.before_json = R"({"device_id":")" + std::string(phone) +
                    R"(","machine_code":"m2","device_name":"P60 Art","device_os":"android",)"
                    R"("create_time":"1730000000000"})";
    e.after_json = "null";
    return e;
  }

  // The alert Alertmanager holds for this event (by the event_id annotation), if any.
  std::optional<json::object> alert_for(const std::string& event_id) const {
    for (const json::value& alert : alertmanager_->alerts()) {
      const json::value* id =
          alert.as_object().at("annotations").as_object().if_contains("event_id");
      if (id && id->is_string() && id->get_string() == event_id) return alert.as_object();
    }
    return std::nullopt;
  }

  bool arrives(const std::string& event_id, std::chrono::milliseconds deadline = 10s) const {
    return wait_until([&] { return alert_for(event_id).has_value(); }, deadline, 50ms);
  }

  fs::path dir_;
  boost::asio::io_context io_;
  SystemClock clock_;
  std::unique_ptr<AlertmanagerProcess> alertmanager_;
  std::int64_t seq_ = 0;
};

SystemTime time_of(const json::value& text) {
  const auto parsed = parse_iso8601(text.as_string());
  if (!parsed) throw std::runtime_error("not ISO-8601: " + json::serialize(text));
  return *parsed;
}

TEST_F(RealAlertmanagerTest, DeliveredBatchIsListedWithLabelsAnnotationsAndTimes) {
  alertmanager_->start();
  auto sink = make_sink({alertmanager_->url()});
  const std::vector<StoredEvent> events{device_removed(),
                                        scope_removed("1842846715527366529", "/DCIM"),
                                        scope_removed("1842846715527366530", "/Pictures")};
  const auto delivered = deliver(*sink, events);
  ASSERT_TRUE(delivered.has_value()) << delivered.error().message();

  ASSERT_TRUE(arrives(events[2].event_id)) << json::serialize(alertmanager_->alerts());
  EXPECT_EQ(alertmanager_->alerts().size(), 3u);

  const auto scope = alert_for(events[1].event_id);
  ASSERT_TRUE(scope);
  EXPECT_EQ(json::value(scope->at("labels")),
            json::parse(R"({"alertname":"KooDriveBackupConfigChanged","severity":"critical",)"
                        R"("type":"scope.removed","account":"1505084218764547200",)"
                        R"("device":"1842812272691451648","module":"album",)"
                        R"("scope_id":"1842846715527366529"})"));
  const json::object& annotations = scope->at("annotations").as_object();
  EXPECT_EQ(annotations.at("summary"), "Backup scope removed on P60 Art (album /DCIM)");
  const std::string description(annotations.at("description").as_string());
  EXPECT_THAT(description, HasSubstr("Device: P60 Art (id 1842812272691451648)"));
  EXPECT_THAT(description, HasSubstr("Before: /DCIM, backed up to /backup/DCIM"));
  EXPECT_THAT(description, HasSubstr("After: none"));
  EXPECT_THAT(description, HasSubstr(events[1].event_id));
  EXPECT_EQ(time_of(scope->at("startsAt")), *parse_iso8601(events[1].observed_at));
  EXPECT_EQ(time_of(scope->at("endsAt")), *parse_iso8601(events[1].observed_at) + 1h);
  EXPECT_EQ(scope->at("generatorURL"), "https://grafana.example.com/d/koodrive");
  EXPECT_EQ(scope->at("status").at("state"), "active");

  const auto device = alert_for(events[0].event_id);
  ASSERT_TRUE(device);
  EXPECT_FALSE(device->at("labels").as_object().contains("module"));
  EXPECT_FALSE(device->at("labels").as_object().contains("scope_id"));
  EXPECT_EQ(device->at("labels").at("type"), "device.removed");
  EXPECT_EQ(device->at("annotations").at("summary"), "Backup device removed: P60 Art");
}

TEST_F(RealAlertmanagerTest, RedeliveredBatchMakesNoDuplicateAlert) {
  alertmanager_->start();
  auto sink = make_sink({alertmanager_->url()});
  const std::vector<StoredEvent> events{scope_removed("1842846715527366529", "/DCIM")};
  ASSERT_TRUE(deliver(*sink, events).has_value());
  ASSERT_TRUE(deliver(*sink, events).has_value());  // at least once: the same batch again
  ASSERT_TRUE(arrives(events[0].event_id));
  EXPECT_EQ(alertmanager_->alerts().size(), 1u);
}

TEST_F(RealAlertmanagerTest, HaPairDeliversWhenTheFirstMemberIsDown) {
  alertmanager_->start();
  const std::string dead = "http://127.0.0.1:" + std::to_string(AlertmanagerProcess::free_port());
  auto sink = make_sink({dead, alertmanager_->url()});
  const std::vector<StoredEvent> events{scope_removed("1842846715527366529", "/DCIM")};
  const auto delivered = deliver(*sink, events);
  ASSERT_TRUE(delivered.has_value()) << delivered.error().message();
  EXPECT_TRUE(arrives(events[0].event_id));
}

TEST_F(RealAlertmanagerTest, HaPairWithBothMembersDownFailsNamingBothUrls) {
  const std::string first = "http://127.0.0.1:" + std::to_string(AlertmanagerProcess::free_port());
  const std::string second = alertmanager_->url();  // never started
  auto sink = make_sink({first, second});
  const auto delivered = deliver(*sink, {scope_removed("1842846715527366529", "/DCIM")});
  ASSERT_FALSE(delivered.has_value());
  EXPECT_EQ(delivered.error().code, make_error_code(errc::connection_failed));
  EXPECT_TRUE(delivered.error().transient());
  const std::string message = delivered.error().message();
  EXPECT_THAT(message, HasSubstr("alertmanager sink pager"));
  EXPECT_THAT(message, HasSubstr(first + "/api/v2/alerts"));
  EXPECT_THAT(message, HasSubstr(second + "/api/v2/alerts"));
}

TEST_F(RealAlertmanagerTest, DownAtFirstThenUpTheNextDeliveryArrives) {
  auto sink = make_sink({alertmanager_->url()});
  const std::vector<StoredEvent> events{scope_removed("1842846715527366529", "/DCIM")};
  const auto first = deliver(*sink, events);
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, make_error_code(errc::connection_failed));
  EXPECT_THAT(first.error().message(), HasSubstr(alertmanager_->url()));

  alertmanager_->start(30s, /*may_move=*/false);  // the sink knows this port
  const auto second = deliver(*sink, events);
  ASSERT_TRUE(second.has_value()) << second.error().message();
  EXPECT_TRUE(arrives(events[0].event_id));
}

TEST_F(RealAlertmanagerTest, RestartedAlertmanagerGetsTheNextBatchOnTheSameSink) {
  // The sink's idle keep-alive connection dies with the old process; the next batch must not.
  alertmanager_->start();
  auto sink = make_sink({alertmanager_->url()});
  ASSERT_TRUE(deliver(*sink, {scope_removed("1842846715527366529", "/DCIM")}).has_value());
  alertmanager_->stop();
  alertmanager_->start(30s, /*may_move=*/false);
  const std::vector<StoredEvent> events{scope_removed("1842846715527366530", "/Pictures")};
  const auto delivered = deliver(*sink, events);
  ASSERT_TRUE(delivered.has_value()) << delivered.error().message();
  EXPECT_TRUE(arrives(events[0].event_id));
}

}  // namespace
}  // namespace kda::test
