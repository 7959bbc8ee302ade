// The Alertmanager alerts built from events (sinks/alert_payload): labels, annotations and
// times, without a network.
#include "sinks/alert_payload.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace kda {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

StoredEvent scope_removed() {
  StoredEvent event;
  event.seq = 12;
  event.event_id = "9b8070d0-70c1-43ff-91ff-c8d4cd3173d5";
  event.poll_id = 3;
  event.observed_at = "2026-11-23T07:00:00.000Z";
  event.type = "scope.removed";
  event.account_id = "1505084218764547200";
  event.device_id = "1842812272691451648";
  event.device_name = "P60 Art";
  event.module_code = 100;
  event.scope_id = "1842846715527366529";
  event.before_json = R"({"scope_id":"1842846715527366529","module_code":100,"local_path":"/DCIM",)"
                      R"("target_folder_path":"/backup/DCIM","create_time":"1730000000000"})";
  event.after_json = "null";
  return event;
}

StoredEvent device_removed() {
  StoredEvent event;
  event.seq = 11;
  event.event_id = "0a3c5c0e-4f57-4a43-9f7e-5b4a2d0f6c11";
  event.observed_at = "2026-11-23T07:00:00.000Z";
  event.type = "device.removed";
  event.account_id = "1505084218764547200";
  event.device_id = "1842812272691451648";
  event.device_name = "P60 Art";
  event.before_json =
      R"({"device_id":"1842812272691451648","machine_code":"m2","device_name":"P60 Art",)"
      R"("device_os":"android","create_time":"1730000000000"})";
  event.after_json = "null";
  return event;
}

AlertmanagerSinkOptions options() {
  AlertmanagerSinkOptions result;
  result.name = "alertmanager";
  result.urls = {"http://127.0.0.1:9093"};
  result.severity = {{"scope.removed", "critical"},
                     {"device.removed", "critical"},
                     {"scope.added", "warning"},
                     {"scope.changed", "warning"}};
  return result;
}

json::object alert_of(const StoredEvent& event, const AlertmanagerSinkOptions& with = options()) {
  auto alert = event_to_alert(event, with);
  EXPECT_TRUE(alert.has_value()) << alert.error().message();
  return alert ? *alert : json::object{};
}

TEST(AlertPayload, ScopeRemovalCarriesEveryIdentifyingLabel) {
  const json::object alert = alert_of(scope_removed());
  EXPECT_EQ(json::value(alert.at("labels")), json::parse(R"({
    "alertname": "KooDriveBackupConfigChanged", "severity": "critical", "type": "scope.removed",
    "account": "1505084218764547200", "device": "1842812272691451648", "module": "folder",
    "scope_id": "1842846715527366529"})"));
}

TEST(AlertPayload, StartsAtTheObservationAndEndsOneAlertDurationLater) {
  AlertmanagerSinkOptions with = options();
  with.alert_duration = 90min;
  const json::object alert = alert_of(scope_removed(), with);
  EXPECT_EQ(alert.at("startsAt"), "2026-11-23T07:00:00.000Z");
  EXPECT_EQ(alert.at("endsAt"), "2026-11-23T08:30:00.000Z");
}

TEST(AlertPayload, DefaultDurationIsOneHourAndCrossesMidnight) {
  StoredEvent event = scope_removed();
  event.observed_at = "2026-12-31T23:30:00.250Z";
  const json::object alert = alert_of(event);
  EXPECT_EQ(alert.at("startsAt"), "2026-12-31T23:30:00.250Z");
  EXPECT_EQ(alert.at("endsAt"), "2027-01-01T00:30:00.250Z");
}

TEST(AlertPayload, SummaryNamesDeviceModuleAndPath) {
  EXPECT_EQ(alert_summary(scope_removed()), "Backup scope removed on P60 Art (folder /DCIM)");
  const json::object alert = alert_of(scope_removed());
  EXPECT_EQ(alert.at("annotations").at("summary"),
            "Backup scope removed on P60 Art (folder /DCIM)");
}

TEST(AlertPayload, DescriptionHasDevicePathsCauseAndEvent) {
  StoredEvent event = scope_removed();
  event.cause = "device.removed";
  const std::string description = alert_description(event);
  EXPECT_THAT(description, HasSubstr("Device: P60 Art (id 1842812272691451648)"));
  EXPECT_THAT(description, HasSubstr("Module: folder (code 100)"));
  EXPECT_THAT(description, HasSubstr("Scope: 1842846715527366529"));
  EXPECT_THAT(description, HasSubstr("Before: /DCIM, backed up to /backup/DCIM"));
  EXPECT_THAT(description, HasSubstr("After: none"));
  EXPECT_THAT(description, HasSubstr("Cause: device.removed"));
  EXPECT_THAT(description, HasSubstr("Event: 9b8070d0-70c1-43ff-91ff-c8d4cd3173d5, observed at "
                                     "2026-11-23T07:00:00.000Z"));
  const json::object alert = alert_of(event);
  EXPECT_EQ(std::string(alert.at("annotations").at("description").as_string()), description);
  EXPECT_EQ(alert.at("annotations").at("event_id"), "9b8070d0-70c1-43ff-91ff-c8d4cd3173d5");
}

TEST(AlertPayload, ChangedScopeShowsBothPathsAndSummarisesTheNewOne) {
  StoredEvent event = scope_removed();
  event.type = "scope.changed";
  event.module_code = 101;
  event.after_json =
      R"({"scope_id":"1842846715527366529","module_code":101,"local_path":"/DCIM/Camera",)"
      R"("target_folder_path":"/backup/Camera","create_time":"1730000000000"})";
  EXPECT_EQ(alert_summary(event), "Backup scope changed on P60 Art (album /DCIM/Camera)");
  const std::string description = alert_description(event);
  EXPECT_THAT(description, HasSubstr("Before: /DCIM, backed up to /backup/DCIM"));
  EXPECT_THAT(description, HasSubstr("After: /DCIM/Camera, backed up to /backup/Camera"));
  EXPECT_EQ(alert_of(event).at("labels").at("module"), "album");
}

TEST(AlertPayload, DeviceEventHasNoModuleOrScopeLabel) {
  const json::object alert = alert_of(device_removed());
  const json::object& labels = alert.at("labels").as_object();
  EXPECT_FALSE(labels.contains("module"));
  EXPECT_FALSE(labels.contains("scope_id"));
  EXPECT_EQ(labels.at("device"), "1842812272691451648");
  EXPECT_EQ(labels.at("severity"), "critical");
  EXPECT_EQ(alert_summary(device_removed()), "Backup device removed: P60 Art");
  EXPECT_THAT(alert_description(device_removed()), HasSubstr("Before: device P60 Art (android)"));
  EXPECT_THAT(alert_description(device_removed()), Not(HasSubstr("Module:")));
}

TEST(AlertPayload, EmptyValuesAreLeftOutNotSentAsEmptyLabels) {
  StoredEvent event = scope_removed();
  event.scope_id.clear();
  event.device_id.clear();
  AlertmanagerSinkOptions without_severity = options();
  without_severity.severity.clear();
  const json::object alert = alert_of(event, without_severity);
  for (const auto& label : alert.at("labels").as_object()) {
    EXPECT_FALSE(label.value().as_string().empty()) << label.key();
  }
  EXPECT_FALSE(alert.at("labels").as_object().contains("severity"));
  EXPECT_FALSE(alert.at("labels").as_object().contains("device"));
  EXPECT_FALSE(alert.at("labels").as_object().contains("scope_id"));
}

TEST(AlertPayload, GeneratorUrlOnlyWhenConfigured) {
  EXPECT_FALSE(alert_of(scope_removed()).contains("generatorURL"));
  AlertmanagerSinkOptions with = options();
  with.generator_url = "https://grafana.example.com/d/koodrive";
  EXPECT_EQ(alert_of(scope_removed(), with).at("generatorURL"),
            "https://grafana.example.com/d/koodrive");
}

TEST(AlertPayload, UnknownModuleCodeIsLabelledByNumber) {
  StoredEvent event = scope_removed();
  event.module_code = 105;
  EXPECT_EQ(alert_of(event).at("labels").at("module"), "105");
  EXPECT_EQ(alert_summary(event), "Backup scope removed on P60 Art (module 105 /DCIM)");
}

TEST(AlertPayload, UnnamedDeviceIsSummarisedById) {
  StoredEvent event = scope_removed();
  event.device_name.clear();
  EXPECT_EQ(alert_summary(event),
            "Backup scope removed on device 1842812272691451648 (folder /DCIM)");
}

TEST(AlertPayload, UnreadableRecordIsDescribedNotRefused) {
  StoredEvent event = scope_removed();
  event.before_json = "{not json";
  EXPECT_THAT(alert_description(event), HasSubstr("Before: (unreadable record)"));
  EXPECT_EQ(alert_summary(event),
            "Backup scope removed on P60 Art (folder scope 1842846715527366529)");
}

TEST(AlertPayload, AuditEventWithoutDeviceNamesTheAccount) {
  StoredEvent event;
  event.event_id = "e1";
  event.observed_at = "2026-11-23T07:00:00.000Z";
  event.type = "audit.suspect_mass_removal";
  event.account_id = "1505084218764547200";
  event.after_json = R"({"held_scope_removals":10,"live_scopes":12})";
  EXPECT_EQ(alert_summary(event),
            "KooDrive audit held a suspect mass removal in account 1505084218764547200");
  EXPECT_THAT(alert_description(event),
              HasSubstr(R"(Detail: {"held_scope_removals":10,"live_scopes":12})"));
  EXPECT_THAT(alert_description(event), Not(HasSubstr("Before:")));
  const json::object alert = alert_of(event);
  EXPECT_EQ(json::value(alert.at("labels")), json::parse(R"({
    "alertname": "KooDriveBackupConfigChanged", "type": "audit.suspect_mass_removal",
    "account": "1505084218764547200"})"));
}

StoredEvent coverage_event(const std::string& type, const std::string& observed_at) {
  StoredEvent event;
  event.event_id = type == "coverage.lost" ? "lost-1" : "restored-1";
  event.observed_at = observed_at;
  event.type = type;
  event.account_id = "1505084218764547200";
  event.device_id = "1842812272691451648";
  event.device_name = "P60 Art";
  event.module_code = 101;
  event.after_json = R"({"target":"pair","module":"album","consecutive_failures":3,)"
                     R"("last_error":"GET …/scope?moduleCode=101: HTTP 503"})";
  return event;
}

TEST(AlertPayload, CoverageRestoredResolvesTheLostAlert) {
  AlertmanagerSinkOptions with = options();
  with.severity["coverage.lost"] = "warning";
  with.severity["coverage.restored"] = "info";  // ignored: the lost alert's severity is kept
  const json::object lost = alert_of(coverage_event("coverage.lost", "2026-11-23T07:00:00.000Z"), with);
  const json::object restored =
      alert_of(coverage_event("coverage.restored", "2026-11-23T09:30:00.000Z"), with);

  EXPECT_EQ(json::value(lost.at("labels")), json::parse(R"({
    "alertname": "KooDriveCoverageLost", "severity": "warning",
    "account": "1505084218764547200", "device": "1842812272691451648", "module": "album"})"));
  EXPECT_EQ(lost.at("labels"), restored.at("labels"));
  // Lost: firing until restored, but bounded (30 days). Restored: ends when observed.
  EXPECT_EQ(lost.at("startsAt"), "2026-11-23T07:00:00.000Z");
  EXPECT_EQ(lost.at("endsAt"), "2026-12-23T07:00:00.000Z");
  EXPECT_EQ(restored.at("startsAt"), "2026-11-23T09:30:00.000Z");
  EXPECT_EQ(restored.at("endsAt"), "2026-11-23T09:30:00.000Z");
  EXPECT_EQ(alert_summary(coverage_event("coverage.lost", "2026-11-23T07:00:00.000Z")),
            "KooDrive audit lost sight of P60 Art (album)");
  EXPECT_THAT(std::string(lost.at("annotations").at("description").as_string()),
              HasSubstr("HTTP 503"));
}

TEST(AlertPayload, CoverageOfTheDeviceListNamesTheAccount) {
  StoredEvent event = coverage_event("coverage.restored", "2026-11-23T07:00:00.000Z");
  event.device_id.clear();
  event.device_name.clear();
  event.module_code.reset();
  EXPECT_EQ(alert_summary(event),
            "KooDrive audit sees again the device list of account 1505084218764547200");
  const json::object alert = alert_of(event);
  EXPECT_EQ(json::value(alert.at("labels")), json::parse(R"({
    "alertname": "KooDriveCoverageLost", "account": "1505084218764547200"})"));
}

TEST(AlertPayload, ObservedAtThatIsNotIso8601IsAnErrorNamingTheEvent) {
  StoredEvent event = scope_removed();
  event.observed_at = "yesterday";
  const auto alert = event_to_alert(event, options());
  ASSERT_FALSE(alert.has_value());
  EXPECT_EQ(alert.error().code, make_error_code(errc::invalid_request));
  EXPECT_THAT(alert.error().message(), HasSubstr("9b8070d0-70c1-43ff-91ff-c8d4cd3173d5"));
  EXPECT_THAT(alert.error().message(), HasSubstr("yesterday"));
}

TEST(AlertPayload, BodyIsAnArrayWithOneAlertPerEventInOrder) {
  const std::vector<StoredEvent> events{device_removed(), scope_removed()};
  const auto body = alerts_body(events, options());
  ASSERT_TRUE(body.has_value()) << body.error().message();
  const json::array alerts = json::parse(*body).as_array();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].at("labels").at("type"), "device.removed");
  EXPECT_EQ(alerts[1].at("labels").at("type"), "scope.removed");
  EXPECT_EQ(*alerts_body({}, options()), "[]");
}

TEST(AlertPayload, OneBadEventFailsTheWholeBody) {
  std::vector<StoredEvent> events{scope_removed(), scope_removed()};
  events[1].observed_at = "";
  EXPECT_FALSE(alerts_body(events, options()).has_value());
}

TEST(AlertPayload, SameEventGivesTheSameAlert) {
  // A redelivered batch must only refresh the alerts Alertmanager already holds.
  EXPECT_EQ(alert_of(scope_removed()), alert_of(scope_removed()));
}

}  // namespace
}  // namespace kda
