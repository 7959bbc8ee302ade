#include "koodrive_audit/sinks.hpp"

#include <gtest/gtest.h>

namespace kda {
namespace {

TEST(EventToJson, ScopeEventHasEveryDesignedFieldInOrder) {
  StoredEvent event;
  event.seq = 42;
  event.event_id = "9b8070d0-70c1-43ff-91ff-c8d4cd3173d5";
  event.poll_id = 7;
  event.observed_at = "2026-11-23T07:00:00.000Z";
  event.type = "scope.changed";
  event.account_id = "1505084218764547200";
  event.device_id = "18446744073709551617";
  event.device_name = "Laptop";
  event.module_code = 101;
  event.scope_id = "1842846715527366528";
  event.before_json = R"({"local_path":"/a"})";
  event.after_json = R"({"local_path":"/b"})";
  EXPECT_EQ(event_to_json(event),
            R"({"event_id":"9b8070d0-70c1-43ff-91ff-c8d4cd3173d5","seq":42,"type":"scope.changed",)"
            R"("observed_at":"2026-11-23T07:00:00.000Z","poll_id":7,"account_id":"1505084218764547200",)"
            R"("device_id":"18446744073709551617","device_name":"Laptop","module_code":101,"module":"album",)"
            R"("scope_id":"1842846715527366528","before":{"local_path":"/a"},"after":{"local_path":"/b"},)"
            R"("cause":null})");
}

TEST(EventToJson, DeviceEventHasNullModuleAndScope) {
  StoredEvent event;
  event.type = "device.removed";
  event.device_id = "1";
  event.before_json = R"({"device_id":"1"})";
  event.after_json = "null";
  event.cause = "";
  const std::string json = event_to_json(event);
  EXPECT_NE(json.find(R"("module_code":null,"module":null,"scope_id":null)"), std::string::npos);
  EXPECT_NE(json.find(R"("after":null)"), std::string::npos);
}

}  // namespace
}  // namespace kda
