#include "koodrive_audit/model.hpp"

#include <gtest/gtest.h>

namespace kda {
namespace {

TEST(Model, ModuleNamesAreTheEventVocabulary) {
  EXPECT_EQ(module_name(100), "folder");
  EXPECT_EQ(module_name(101), "album");
  EXPECT_EQ(module_name(102), "address_book");
  EXPECT_FALSE(module_name(103));
  EXPECT_FALSE(is_known_module(0));
}

TEST(Model, ChangeTypesRoundTripThroughText) {
  for (auto type : {ChangeType::device_added, ChangeType::device_removed,
                    ChangeType::device_changed, ChangeType::scope_added,
                    ChangeType::scope_removed, ChangeType::scope_changed,
                    ChangeType::suspect_mass_removal, ChangeType::coverage_lost,
                    ChangeType::coverage_restored}) {
    EXPECT_EQ(change_type_from_string(to_string(type)), type);
  }
  EXPECT_EQ(to_string(ChangeType::suspect_mass_removal), "audit.suspect_mass_removal");
  EXPECT_EQ(to_string(ChangeType::coverage_restored), "coverage.restored");
  EXPECT_TRUE(is_configuration_change(ChangeType::scope_changed));
  EXPECT_TRUE(is_configuration_change(ChangeType::device_removed));
  EXPECT_FALSE(is_configuration_change(ChangeType::coverage_lost));
  EXPECT_FALSE(is_configuration_change(ChangeType::suspect_mass_removal));
  EXPECT_EQ(to_string(ChangeType::scope_removed), "scope.removed");
  EXPECT_FALSE(change_type_from_string("scope.moved"));
}

}  // namespace
}  // namespace kda
