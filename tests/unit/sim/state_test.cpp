#include "sim/state.hpp"
#include "sim/state_file.hpp"
#include "sim/json_fields.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace kda::sim {
namespace {

constexpr std::string_view user = "1505084218764547200";

bool is_19_digits(const std::string& id) {
  return id.size() == 19 && id.front() == '1' &&
         id.find_first_not_of("0123456789") == std::string::npos;
}

NewDevice phone(std::string user_id = "") {
  return NewDevice{std::move(user_id), std::nullopt, "20250911", "Magic v3", "android",
                   "2025-09-15T06:14:48.630Z"};
}

NewScope folder(std::string path, int module = module_folder) {
  return NewScope{module, std::nullopt, path, "/backup" + path, "2025-12-17T07:27:27.709Z"};
}

class StateTest : public ::testing::Test {
 protected:
  void SetUp() override { state.add_user(std::string(user)); }
  SimState state{42};
};

TEST_F(StateTest, AddsADeviceWithAGenerated19DigitId) {
  const auto device = state.add_device(phone());
  ASSERT_TRUE(device) << device.error().message;
  EXPECT_TRUE(is_19_digits(device->device_id)) << device->device_id;
  EXPECT_EQ(device->device_name, "Magic v3");
  const SimDevice* found = state.find_device(user, device->device_id);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->device, *device);
  for (const auto& list : found->scopes) EXPECT_TRUE(list.empty());
  EXPECT_EQ(state.device_count(), 1u);
}

TEST_F(StateTest, KeepsAGivenIdAndRefusesItTwice) {
  auto spec = phone();
  spec.device_id = "1775406005920779393";
  ASSERT_EQ(state.add_device(spec).value().device_id, "1775406005920779393");
  const auto again = state.add_device(spec);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, StateErrc::conflict);
  EXPECT_NE(again.error().message.find("1775406005920779393"), std::string::npos);
}

TEST_F(StateTest, NeedsAUserWhenThereAreSeveral) {
  EXPECT_TRUE(state.add_device(phone(std::string(user))));
  EXPECT_EQ(state.add_device(phone("7")).error().kind, StateErrc::not_found);
  state.add_user("7");
  EXPECT_EQ(state.add_device(phone()).error().kind, StateErrc::invalid);
  const auto theirs = state.add_device(phone("7")).value();
  EXPECT_EQ(state.find_device(user, theirs.device_id), nullptr);
  EXPECT_NE(state.find_device("7", theirs.device_id), nullptr);
  EXPECT_NE(state.find_device(theirs.device_id), nullptr);
  EXPECT_FALSE(state.add_user("7"));
}

TEST_F(StateTest, ChangesADevice) {
  const auto device = state.add_device(phone()).value();
  const auto version = state.find_user(user)->devices_version;
  const auto changed = state.change_device(device.device_id, {std::nullopt, "Magic v4", std::nullopt});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->device_name, "Magic v4");
  EXPECT_EQ(changed->device_os, "android");
  EXPECT_EQ(state.find_device(device.device_id)->device.device_name, "Magic v4");
  EXPECT_GT(state.find_user(user)->devices_version, version);
  EXPECT_EQ(state.change_device("1", {}).error().kind, StateErrc::not_found);
}

TEST_F(StateTest, RemovingADeviceTakesItsScopesAndKeepsTheOthersFindable) {
  std::vector<Device> devices;
  for (int i = 0; i < 4; ++i) devices.push_back(state.add_device(phone()).value());
  const auto scope = state.add_scope(devices[1].device_id, folder("/DCIM")).value();
  state.add_scope(devices[2].device_id, folder("/Music")).value();
  EXPECT_EQ(state.scope_count(), 2u);

  const auto removed = state.remove_device(devices[1].device_id);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, devices[1]);
  EXPECT_EQ(state.device_count(), 3u);
  EXPECT_EQ(state.scope_count(), 1u);
  EXPECT_EQ(state.find_device(devices[1].device_id), nullptr);
  for (int i : {0, 2, 3}) {
    const SimDevice* found = state.find_device(user, devices[static_cast<std::size_t>(i)].device_id);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->device, devices[static_cast<std::size_t>(i)]);
  }
  // Binding order is kept.
  const auto& listed = state.find_user(user)->devices;
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[1].device, devices[2]);
  // The scope went with its device.
  EXPECT_EQ(state.remove_scope(devices[1].device_id, scope.scope_id).error().kind,
            StateErrc::not_found);
  EXPECT_EQ(state.remove_device(devices[1].device_id).error().kind, StateErrc::not_found);
}

TEST_F(StateTest, AddsChangesAndRemovesScopes) {
  const auto device = state.add_device(phone()).value();
  const auto scope = state.add_scope(device.device_id, folder("/DCIM")).value();
  EXPECT_TRUE(is_19_digits(scope.scope_id));
  EXPECT_EQ(scope.module_code, module_folder);
  const auto album = state.add_scope(device.device_id, folder("/DCIM/Camera", module_album)).value();
  const SimDevice* found = state.find_device(device.device_id);
  EXPECT_EQ(found->scopes_of(*module_slot(module_folder)), std::vector<Scope>{scope});
  EXPECT_EQ(found->scopes_of(*module_slot(module_album)), std::vector<Scope>{album});

  const auto changed =
      state.change_scope(device.device_id, scope.scope_id, {std::nullopt, "/elsewhere"});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->local_path, "/DCIM");
  EXPECT_EQ(changed->target_folder_path, "/elsewhere");

  EXPECT_EQ(state.remove_scope(device.device_id, scope.scope_id).value().scope_id, scope.scope_id);
  EXPECT_TRUE(found->scopes_of(*module_slot(module_folder)).empty());
  EXPECT_EQ(state.scope_count(), 1u);
}

TEST_F(StateTest, RefusesBadScopes) {
  const auto device = state.add_device(phone()).value();
  EXPECT_EQ(state.add_scope(device.device_id, folder("/x", 103)).error().kind, StateErrc::invalid);
  EXPECT_EQ(state.add_scope("404", folder("/x")).error().kind, StateErrc::not_found);
  auto spec = folder("/x");
  spec.scope_id = "1842846715527366528";
  EXPECT_TRUE(state.add_scope(device.device_id, spec));
  EXPECT_EQ(state.add_scope(device.device_id, spec).error().kind, StateErrc::conflict);
  EXPECT_EQ(state.change_scope(device.device_id, "9", {}).error().kind, StateErrc::not_found);
}

TEST(State, TheSameSeedGivesTheSameIds) {
  SimState a(7), b(7), c(8);
  for (auto* s : {&a, &b, &c}) s->add_user("u");
  for (int i = 0; i < 5; ++i) {
    const auto id_a = a.add_device(phone()).value().device_id;
    EXPECT_EQ(id_a, b.add_device(phone()).value().device_id);
    EXPECT_NE(id_a, c.add_device(phone()).value().device_id);
  }
}

TEST(StateFile, RoundTrips) {
  SimState state(3);
  state.add_user(std::string(user));
  state.add_user("2");
  const auto device = state.add_device(phone(std::string(user))).value();
  state.add_scope(device.device_id, folder("/DCIM")).value();
  state.add_scope(device.device_id, folder("/contacts", module_address_book)).value();
  state.add_device(phone("2")).value();

  const auto document = state_to_json(state);
  SimState copy(99);
  load_state(copy, document);
  EXPECT_EQ(boost::json::serialize(state_to_json(copy)), boost::json::serialize(document));
  EXPECT_EQ(copy.scope_count(), 2u);
  EXPECT_EQ(copy.find_device(user, device.device_id)->device, device);
}

TEST(StateFile, ReadsTheDocumentedExample) {
  const auto document = parse_document(R"({"users": [{"user_id": "1505084218764547200",
      "devices": [{"deviceId": "1775406005920779393", "machineCode": "20250911",
                   "deviceName": "Magic v3", "deviceOS": "android",
                   "createTime": "2025-09-15T06:14:48.630Z",
                   "scopes": {"100": [{"scopeId": "1842846715527366528", "localPath": "/DCIM",
                                       "targetFolderPath": "/backup/DCIM",
                                       "createTime": "2025-12-17T07:27:27.709Z"}],
                              "101": [], "102": []}}]}]})", "");
  SimState state;
  load_state(state, document);
  const SimDevice* device = state.find_device(user, "1775406005920779393");
  ASSERT_NE(device, nullptr);
  EXPECT_EQ(device->device.create_time, "2025-09-15T06:14:48.630Z");
  const auto& scopes = device->scopes_of(0);
  ASSERT_EQ(scopes.size(), 1u);
  EXPECT_EQ(scopes[0], (Scope{"1842846715527366528", 100, "/DCIM", "/backup/DCIM",
                              "2025-12-17T07:27:27.709Z"}));
}

std::string load_error(std::string_view text) {
  SimState state;
  try {
    load_state(state, parse_document(text, ""));
  } catch (const JsonFieldError& e) {
    return e.what();
  }
  return "loaded";
}

TEST(StateFile, ErrorsNameThePath) {
  EXPECT_EQ(load_error(R"({"users":[{"user_id":"1","devices":[{"deviceId":1}]}]})"),
            "users[0].devices[0].deviceId: expected a string");
  EXPECT_EQ(load_error(R"({"users":[{"user_id":"1","device":[]}]})"), "users[0].device: unknown key");
  EXPECT_EQ(load_error(R"({"users":[{"user_id":"1","devices":[{"deviceId":"5","machineCode":"m",
      "deviceName":"n","deviceOS":"o","scopes":{"103":[]}}]}]})"),
            "users[0].devices[0].scopes.103: unknown module code (expected 100, 101 or 102)");
  EXPECT_EQ(load_error(R"({"users":[{"user_id":"1","devices":[
      {"deviceId":"5","machineCode":"m","deviceName":"n","deviceOS":"o"},
      {"deviceId":"5","machineCode":"m","deviceName":"n","deviceOS":"o"}]}]})"),
            "users[0].devices[1]: device 5 already exists");
  EXPECT_EQ(load_error(R"({"users":[{"user_id":"1","devices":[{"deviceId":"5","machineCode":"m",
      "deviceName":"n","deviceOS":"o","scopes":{"100":[{"scopeId":"6","localPath":"/a"}]}}]}]})"),
            "users[0].devices[0].scopes.100[0].targetFolderPath: missing");
  EXPECT_EQ(load_error("[]"), "document: expected an object");
  EXPECT_NE(load_error("{").find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace kda::sim
