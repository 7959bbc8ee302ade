#include "daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <ctime>

namespace kda::daemon {

void SystemdNotifier::notify(std::string_view state) {
  const std::string text(state);
  (void)sd_notify(0, text.c_str());
}

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_period() const {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::int64_t>(usec / 2));
}

std::string reloading_state() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u +
                    static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
}

}  // namespace kda::daemon
