#pragma once
// Helpers of the config tests: parse YAML text as if it were tests/fixtures/config/test.yaml
// (so relative secret files resolve to the fixtures), and report errors with that directory
// stripped, so expectations read "test.yaml:3:5: api.timeout: …".
#include "koodrive_audit/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace kda::test {

inline std::filesystem::path fixtures_dir() {
  return std::filesystem::path(KDA_SOURCE_DIR) / "tests" / "fixtures" / "config";
}

inline std::string strip_fixtures(std::string text) {
  const std::string prefix = fixtures_dir().string() + "/";
  for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) text.erase(at, prefix.size());
  return text;
}

inline Config parse(std::string_view yaml) { return parse_config(yaml, fixtures_dir() / "test.yaml"); }

// The error lines of a config that must not load; fails the test if it loads.
inline std::vector<std::string> errors_of(std::string_view yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    std::vector<std::string> lines;
    for (const auto& d : e.diagnostics()) lines.push_back(strip_fixtures(d.to_string()));
    return lines;
  }
  ADD_FAILURE() << "the config loaded, but errors were expected:\n" << yaml;
  return {};
}

// The start of every valid test config: app auth from the fixture secret, one account.
inline constexpr std::string_view minimal =
    "api: {base_url: \"https://intl.myhuaweicloud-koodrive.com\"}\n"
    "auth: {app_id: \"a378331eca141163\", app_secret_file: app-secret}\n"
    "accounts: [{user_id: \"1505084218764547200\"}]\n";

// A directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kda-config-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, std::string_view content,
                              std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::owner_write) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    std::filesystem::permissions(file, perms);
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace kda::test
