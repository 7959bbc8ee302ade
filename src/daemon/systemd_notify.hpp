#pragma once
// The daemon's side of the systemd service protocol (sd_notify(3), sd_watchdog_enabled(3)).
// Outside systemd (no NOTIFY_SOCKET) every call is a no-op, so the daemon runs the same way
// under a terminal, a container or a test.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kda::daemon {

class ServiceNotifier {
 public:
  virtual ~ServiceNotifier() = default;
  // One or more "KEY=value" lines, e.g. "READY=1\nSTATUS=waiting for the first poll".
  virtual void notify(std::string_view state) = 0;
  // How often to send WATCHDOG=1: half of WATCHDOG_USEC, or nullopt when no watchdog is set.
  virtual std::optional<std::chrono::microseconds> watchdog_period() const = 0;
};

// libsystemd's sd_notify; failures to notify are ignored (systemd's own advice: the service
// must work without a manager listening).
class SystemdNotifier final : public ServiceNotifier {
 public:
  void notify(std::string_view state) override;
  std::optional<std::chrono::microseconds> watchdog_period() const override;
};

// "RELOADING=1\nMONOTONIC_USEC=…": the timestamp lets systemd ≥ 253 match the reload it asked for.
std::string reloading_state();

}  // namespace kda::daemon
