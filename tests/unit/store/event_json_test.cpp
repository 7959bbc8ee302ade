#include "koodrive_audit/event_json.hpp"

#include <gtest/gtest.h>

namespace kda {
namespace {

TEST(EventJson, DeviceIsSnakeCaseInTheDocumentedOrder) {
  const Device device{"1505084218764547200", "MC-01", "Anna's \"laptop\"", "Windows 11",
                      "2025-11-03 07:01:40"};
  EXPECT_EQ(record_to_json(device),
            R"({"device_id":"1505084218764547200","machine_code":"MC-01",)"
            R"("device_name":"Anna's \"laptop\"","device_os":"Windows 11",)"
            R"("create_time":"2025-11-03 07:01:40"})");
}

TEST(EventJson, ScopeHasANumericModuleCode) {
  const Scope scope{"9007199254740993", module_album, "C:\\Users\\anna\\Pictures",
                    "/Backup/Pictures", "2025-11-03 07:01:40"};
  EXPECT_EQ(record_to_json(scope),
            R"({"scope_id":"9007199254740993","module_code":101,)"
            R"("local_path":"C:\\Users\\anna\\Pictures","target_folder_path":"/Backup/Pictures",)"
            R"("create_time":"2025-11-03 07:01:40"})");
}

// A baseline's writer appends its records to one text: the same JSON, after what was there.
TEST(EventJson, AppendedRecordsAreRecordToJsonsText) {
  const Device device{"1505084218764547200", "MC-01", "caf\xC3\xA9 \"x\"\n", "Windows 11", "t"};
  const Scope scope{"9007199254740993", module_album, "C:\\Users", "/Backup/\x01", "t"};
  std::string out = "[";
  append_record_json(out, device);
  out += ',';
  append_record_json(out, scope);
  EXPECT_EQ(out, "[" + record_to_json(device) + "," + record_to_json(scope));
}

TEST(EventJson, NothingIsNull) { EXPECT_EQ(record_to_json(Record{}), "null"); }

TEST(EventJson, ControlCharactersAndUnicodeAreValidJson) {
  const Device device{"1", "", "caf\xC3\xA9\n\ttab", "", ""};
  EXPECT_EQ(record_to_json(device),
            "{\"device_id\":\"1\",\"machine_code\":\"\",\"device_name\":\"caf\xC3\xA9\\n\\ttab\","
            "\"device_os\":\"\",\"create_time\":\"\"}");
}

TEST(EventJson, RoundTrips) {
  const Record records[] = {
      Record{},
      Record{Device{"1505084218764547200", "MC", "n\"ame", "os", "t"}},
      Record{Scope{"123456789012345678901234567", module_address_book, "/a", "/b", "t"}},
  };
  for (const Record& record : records) {
    const auto back = record_from_json(record_to_json(record));
    ASSERT_TRUE(back.has_value()) << record_to_json(record);
    EXPECT_EQ(*back, record);
  }
}

TEST(EventJson, MalformedInputIsNullopt) {
  for (const char* text : {
           "", "{", "[]", "42", "{}",
           R"({"device_id":"1"})",                                              // missing keys
           R"({"device_id":1,"machine_code":"","device_name":"","device_os":"","create_time":""})",
           R"({"device_id":"1","machine_code":"","device_name":"","device_os":"","create_time":"","x":1})",
           R"({"scope_id":"1","module_code":"101","local_path":"","target_folder_path":"","create_time":""})",
           R"({"scope_id":"1","module_code":1e3,"local_path":"","target_folder_path":"","create_time":""})",
           R"({"scope_id":"1","module_code":99999999999,"local_path":"","target_folder_path":"","create_time":""})",
       }) {
    EXPECT_FALSE(record_from_json(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace kda
