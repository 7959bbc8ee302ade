#include "koodrive_audit/sinks.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace kda {

namespace {

// The path a scope event is about, for the human reading the log line.
std::string path_of(const std::string& record_json) {
  if (record_json.empty() || record_json == "null") return {};
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(record_json, ec);
  if (ec || !value.is_object()) return {};
  const auto* path = value.as_object().if_contains("local_path");
  return path && path->is_string() ? std::string(path->as_string()) : std::string{};
}

class LogSink final : public Sink {
 public:
  explicit LogSink(std::string name) : name_(std::move(name)) {}
  const std::string& name() const noexcept override { return name_; }

  boost::asio::awaitable<Result<void>> deliver(const std::vector<StoredEvent>& events) override {
    for (const StoredEvent& event : events) {
      std::string line = event.type + " device=\"" + event.device_name + "\"";
      if (event.module_code) {
        const auto module = module_name(*event.module_code);
        line += " module=" + std::string(module ? *module : "unknown");
      }
      const std::string before = path_of(event.before_json);
      const std::string after = path_of(event.after_json);
      if (!before.empty()) line += " before=\"" + before + "\"";
      if (!after.empty()) line += " after=\"" + after + "\"";
      line += " account=" + event.account_id + " device_id=" + event.device_id;
      if (!event.scope_id.empty()) line += " scope_id=" + event.scope_id;
      if (!event.cause.empty()) line += " cause=" + event.cause;
      line += " seq=" + std::to_string(event.seq) + " event_id=" + event.event_id;
      spdlog::info("{}", line);
    }
    co_return Result<void>{};
  }

 private:
  std::string name_;
};

}  // namespace

std::unique_ptr<Sink> make_log_sink(std::string name) {
  return std::make_unique<LogSink>(std::move(name));
}

}  // namespace kda
