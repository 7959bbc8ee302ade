#include "config/file_mode.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <vector>

namespace kda::config {

std::string config_file_mode_warning(const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return {};
  const auto mode = static_cast<unsigned>(info.st_mode & 07777);
  // Group read is fine: the unit's group (koodrive-audit) is how an operator is let in.
  // Group or other write is not: whoever can write the config can point the daemon elsewhere.
  std::vector<std::string> problems;
  if ((mode & S_IROTH) != 0) problems.emplace_back("readable by others");
  if ((mode & S_IWGRP) != 0 && (mode & S_IWOTH) != 0) {
    problems.emplace_back("writable by group and others");
  } else if ((mode & S_IWGRP) != 0) {
    problems.emplace_back("writable by group");
  } else if ((mode & S_IWOTH) != 0) {
    problems.emplace_back("writable by others");
  }
  if (problems.empty()) return {};
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", mode);
  std::string text = "config file " + file.string() + " is " + problems.front();
  if (problems.size() > 1) text += " and " + problems.back();
  return text + " (mode " + octal + "); chmod o-rwx,g-w " + file.string();
}

}  // namespace kda::config
