#pragma once
// Reading secrets at load time: from a file (whole content, trailing whitespace stripped) or an
// environment variable. Failures and warnings come back as phrases without key or position;
// the caller places them. No phrase ever contains a secret's value.
#include "koodrive_audit/config.hpp"

#include <optional>
#include <string>

namespace kda::config {

struct SecretRead {
  std::optional<Secret> secret;
  std::string error;    // set when !secret: "cannot read /x: No such file or directory"
  std::string warning;  // may be set on success: "secret file /x is readable by …"
};

// `path` is absolute.
SecretRead read_secret_file(const std::string& path);
SecretRead read_secret_env(const std::string& name);

// An environment variable name as POSIX shells accept it: [A-Za-z_][A-Za-z0-9_]*.
bool is_env_name(std::string_view name) noexcept;

// Secret files above this size are refused: a secret is short, a mistaken path is not.
inline constexpr std::size_t max_secret_bytes = 64 * 1024;

}  // namespace kda::config
