#pragma once
// Whether the config file's own mode lets others in. The config names the secret files but may
// still hold what is worth keeping private: a webhook's Authorization header, a URL with a
// token in its query, the audited accounts. A warning, not an error: packaging and a git
// checkout (0644) are common, and the daemon works the same.
#include <filesystem>
#include <string>

namespace kda::config {

// "" when the file is neither readable by others nor writable by group or others (or cannot be
// stat'ed: reading it reports that). Else a phrase without position, e.g. "config file /x is
// readable by others (mode 0644); chmod o-rwx,g-w /x". Never reads the file's content.
std::string config_file_mode_warning(const std::filesystem::path& file);

}  // namespace kda::config
