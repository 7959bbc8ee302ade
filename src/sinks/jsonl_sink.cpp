#include "koodrive_audit/sinks.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kda {

namespace {

// Appends with write(2) and fsync(2): the cursor advances only after the lines are on disk.
class JsonlSink final : public Sink {
 public:
  JsonlSink(std::string name, std::filesystem::path path)
      : name_(std::move(name)), path_(std::move(path)) {}
  ~JsonlSink() override { close_file(); }

  const std::string& name() const noexcept override { return name_; }

  boost::asio::awaitable<Result<void>> deliver(const std::vector<StoredEvent>& events) override {
    // Synchronous (short: append and fsync); kept out of the coroutine body, where GCC 12 with
    // ASan reports a false maybe-uninitialized on the co_return of a Result<void>.
    co_return append(events);
  }

  void reopen() override { close_file(); }

 private:
  Result<void> append(const std::vector<StoredEvent>& events) {
    if (fd_ < 0) {
      fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
      if (fd_ < 0) return failure("cannot open");
    }
    std::string buffer;
    for (const StoredEvent& event : events) {
      buffer += event_to_json(event);
      buffer += '\n';
    }
    std::size_t written = 0;
    while (written < buffer.size()) {
      const ssize_t n = ::write(fd_, buffer.data() + written, buffer.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return failure("cannot write");
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd_) != 0) return failure("cannot fsync");
    return {};
  }

  Error failure(const char* what) {
    const int saved = errno;
    close_file();
    return make_error(errc::invalid_request, "jsonl sink " + name_,
                      std::string(what) + " " + path_.string() + ": " + std::strerror(saved));
  }
  void close_file() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string name_;
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<Sink> make_jsonl_sink(std::string name, std::filesystem::path path) {
  return std::make_unique<JsonlSink>(std::move(name), std::move(path));
}

}  // namespace kda
