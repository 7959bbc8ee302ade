#include "config/secrets.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>

namespace kda {

std::string Secret::describe() const {
  return (source_ == Source::file ? "file " : "environment variable ") + origin_;
}

std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "***"; }

std::optional<Secret> reread_secret(const Secret& previous, std::string& error) {
  auto read = previous.source() == Secret::Source::file ? config::read_secret_file(previous.origin())
                                                        : config::read_secret_env(previous.origin());
  if (!read.secret) error = std::move(read.error);
  return std::move(read.secret);
}

namespace config {

namespace {

void strip_trailing_whitespace(std::string& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t'))
    text.pop_back();
}

std::string cannot_read(const std::string& path, int error_number) {
  return "cannot read " + path + ": " + std::strerror(error_number);
}

// A file descriptor closed on every path out.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

bool is_env_name(std::string_view name) noexcept {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

SecretRead read_secret_file(const std::string& path) {
  SecretRead result;
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever; with it
  // the open returns and the regular-file check below refuses it.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    result.error = cannot_read(path, errno);
    return result;
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    result.error = cannot_read(path, errno);
    return result;
  }
  if (!S_ISREG(info.st_mode)) {
    result.error = "cannot read " + path + ": not a regular file";
    return result;
  }
  std::string value;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      result.error = cannot_read(path, errno);
      return result;
    }
    if (n == 0) break;
    value.append(buffer, static_cast<std::size_t>(n));
    if (value.size() > max_secret_bytes) {
      result.error = "secret file " + path + " is larger than 64KiB; is this the right file?";
      return result;
    }
  }
  strip_trailing_whitespace(value);
  if (value.empty()) {
    result.error = "secret file " + path + " is empty";
    return result;
  }
  // Git does not keep mode 0600 (the demo's secrets are 0644 in a checkout), so this is a
  // warning, not an error.
  const auto mode = static_cast<unsigned>(info.st_mode & 07777);
  if ((mode & 044U) != 0) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", mode);
    result.warning = "secret file " + path + " is readable by group or others (mode " + octal +
                     "); chmod 600 " + path;
  }
  result.secret = Secret(std::move(value), Secret::Source::file, path);
  return result;
}

SecretRead read_secret_env(const std::string& name) {
  SecretRead result;
  const char* raw = std::getenv(name.c_str());
  if (raw == nullptr) {
    result.error = "environment variable " + name + " is not set";
    return result;
  }
  std::string value = raw;
  strip_trailing_whitespace(value);
  if (value.empty()) {
    result.error = "environment variable " + name + " is empty";
    return result;
  }
  result.secret = Secret(std::move(value), Secret::Source::env, name);
  return result;
}

}  // namespace config
}  // namespace kda
