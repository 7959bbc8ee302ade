#include "daemon/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <charconv>
#include <cstdlib>

namespace kda::daemon {

namespace {

// "%*" in the pattern: the syslog priority digit of the line's level (sd-daemon(3) prefixes).
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& destination) override {
    char digit = '6';
    switch (message.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        digit = '7';
        break;
      case spdlog::level::info:
        digit = '6';
        break;
      case spdlog::level::warn:
        digit = '4';
        break;
      case spdlog::level::err:
        digit = '3';
        break;
      case spdlog::level::critical:
        digit = '2';
        break;
      default:
        break;
    }
    destination.push_back(digit);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

spdlog::level::level_enum spdlog_level(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

bool parse_number(std::string_view text, unsigned long long& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size() && !text.empty();
}

}  // namespace

bool journal_stream_matches(std::optional<std::string_view> journal_stream,
                            unsigned long long device, unsigned long long inode) noexcept {
  if (!journal_stream) return false;
  const std::size_t colon = journal_stream->find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long stream_device = 0;
  unsigned long long stream_inode = 0;
  return parse_number(journal_stream->substr(0, colon), stream_device) &&
         parse_number(journal_stream->substr(colon + 1), stream_inode) && stream_device == device &&
         stream_inode == inode;
}

bool stderr_is_journal() {
  const char* variable = std::getenv("JOURNAL_STREAM");
  if (variable == nullptr) return false;
  struct stat status {};
  if (::fstat(2, &status) != 0) return false;
  return journal_stream_matches(std::string_view(variable), status.st_dev, status.st_ino);
}

void configure_logging(LogLevel level) {
  // Replaces any earlier logger of the same name (a command may configure twice).
  spdlog::drop("koodrive-audit");
  auto logger = spdlog::stderr_logger_st("koodrive-audit");
  if (stderr_is_journal()) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("<%*>%v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%l %v");
  }
  spdlog::set_default_logger(std::move(logger));
  set_log_level(level);
}

void set_log_level(LogLevel level) { spdlog::set_level(spdlog_level(level)); }

}  // namespace kda::daemon
