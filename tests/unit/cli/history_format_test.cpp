// cli/history_format.hpp: the CHANGE summary of each event type and the history table.
#include "cli/history_format.hpp"

#include "koodrive_audit/event_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace kda::cli {
namespace {

const Device laptop{"1775406005920779393", "m1", "Laptop", "windows", "2025-09-15T06:14:48.630Z"};
const Scope docs{"1842846715527366528", module_folder, "/Documents", "/backup/Documents",
                 "2025-12-17T07:27:27.709Z"};

StoredEvent event(std::string type, const Record& before, const Record& after,
                  std::string cause = {}) {
  const bool scope_event = type.rfind("scope.", 0) == 0;
  StoredEvent e;
  e.seq = 7;
  e.event_id = "0b742b2e-0000-4000-8000-000000000000";
  e.poll_id = 3;
  e.observed_at = "2026-11-23T07:05:00.250Z";
  e.type = std::move(type);
  e.account_id = "1505084218764547200";
  e.device_id = laptop.device_id;
  e.device_name = "Laptop";
  if (scope_event) {
    e.module_code = module_folder;
    e.scope_id = docs.scope_id;
  }
  e.before_json = record_to_json(before);
  e.after_json = record_to_json(after);
  e.cause = std::move(cause);
  return e;
}

TEST(ChangeSummary, AScopeAddedOrRemovedShowsItsLocalPath) {
  EXPECT_EQ(change_summary(event("scope.added", {}, docs)), "/Documents");
  EXPECT_EQ(change_summary(event("scope.removed", docs, {})), "/Documents");
}

TEST(ChangeSummary, AChangeListsEachDifferingField) {
  Scope moved = docs;
  moved.local_path = "/Work";
  EXPECT_EQ(change_summary(event("scope.changed", docs, moved)), "local_path: /Documents → /Work");
  moved.target_folder_path = "/backup/Work";
  EXPECT_EQ(change_summary(event("scope.changed", docs, moved)),
            "local_path: /Documents → /Work; target_folder_path: /backup/Documents → /backup/Work");

  Device renamed = laptop;
  renamed.device_name = "Work laptop";
  renamed.device_os = "";
  EXPECT_EQ(change_summary(event("device.changed", laptop, renamed)),
            "device_name: Laptop → Work laptop; device_os: windows → \"\"");
}

TEST(ChangeSummary, ADeviceAddedOrRemovedShowsItsNameAndOs) {
  EXPECT_EQ(change_summary(event("device.added", {}, laptop)), "Laptop, windows");
  EXPECT_EQ(change_summary(event("device.removed", laptop, {})), "Laptop, windows");
}

TEST(ChangeSummary, TheCauseFollows) {
  EXPECT_EQ(change_summary(event("scope.removed", docs, {}, "device.removed")),
            "/Documents (cause: device.removed)");
  StoredEvent bare = event("coverage.lost", {}, {}, "fetch failures");
  EXPECT_EQ(change_summary(bare), "cause: fetch failures");
}

TEST(ChangeSummary, APayloadThatIsNotARecordIsShownAsStored) {
  StoredEvent audit = event("audit.suspect_mass_removal", {}, {});
  audit.after_json = R"({"removed":12,"of":14})";
  EXPECT_EQ(change_summary(audit), R"({"removed":12,"of":14})");
  audit.after_json = "null";
  EXPECT_EQ(change_summary(audit), "");
}

TEST(Labels, DeviceAndModule) {
  StoredEvent e = event("scope.added", {}, docs);
  EXPECT_EQ(device_label(e), "Laptop (1775406005920779393)");
  e.device_name.clear();
  EXPECT_EQ(device_label(e), "1775406005920779393");
  e.device_id.clear();
  EXPECT_EQ(device_label(e), "-");
  EXPECT_EQ(module_label(module_folder), "folder");
  EXPECT_EQ(module_label(module_album), "album");
  EXPECT_EQ(module_label(module_address_book), "address_book");
  EXPECT_EQ(module_label(103), "103");
  EXPECT_EQ(module_label(std::nullopt), "-");
}

TEST(FormatHistory, OneAlignedRowPerEventInOrder) {
  Scope moved = docs;
  moved.local_path = "/Work";
  StoredEvent changed = event("scope.changed", docs, moved);
  StoredEvent removed_device = event("device.removed", laptop, {});
  removed_device.observed_at = "2026-11-23T07:10:00.500Z";
  StoredEvent cascade = event("scope.removed", moved, {}, "device.removed");
  cascade.observed_at = "2026-11-23T07:10:00.500Z";
  EXPECT_EQ(format_history({changed, removed_device, cascade}),
            "OBSERVED_AT               TYPE            DEVICE                        MODULE  "
            "SCOPE                CHANGE\n"
            "2026-11-23T07:05:00.250Z  scope.changed   Laptop (1775406005920779393)  folder  "
            "1842846715527366528  local_path: /Documents → /Work\n"
            "2026-11-23T07:10:00.500Z  device.removed  Laptop (1775406005920779393)  -       "
            "-                    Laptop, windows\n"
            "2026-11-23T07:10:00.500Z  scope.removed   Laptop (1775406005920779393)  folder  "
            "1842846715527366528  /Work (cause: device.removed)\n");
  EXPECT_EQ(format_history({}), "");
}

TEST(FormatHistory, ADeviceNameCannotBreakTheTable) {
  StoredEvent e = event("scope.added", {}, docs);
  e.device_name = "x\n2026-01-01T00:00:00.000Z  scope.removed";
  const std::string table = format_history({e});
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 2);
  EXPECT_NE(table.find("x\\n2026-01-01"), std::string::npos);
}

}  // namespace
}  // namespace kda::cli
