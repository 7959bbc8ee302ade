#pragma once
// Where the log lines go. Under systemd (JOURNAL_STREAM names our stderr) each line starts with
// its syslog priority, "<3>" … "<7>", which journald turns into the entry's PRIORITY so that
// `journalctl -p warning` works; elsewhere lines are "LEVEL event key=value…" on stderr.
// stdout stays free for the commands' own output.
#include <optional>
#include <string_view>

#include "koodrive_audit/config.hpp"

namespace kda::daemon {

// Pure: whether JOURNAL_STREAM ("DEVICE:INODE") names the file with this device and inode.
bool journal_stream_matches(std::optional<std::string_view> journal_stream,
                            unsigned long long device, unsigned long long inode) noexcept;

// Whether stderr is connected to the journal (JOURNAL_STREAM vs fstat(2) of fd 2).
bool stderr_is_journal();

// Installs the stderr logger (journal format when stderr_is_journal()) at `level`.
void configure_logging(LogLevel level);
// Changes the level only (SIGHUP).
void set_log_level(LogLevel level);

}  // namespace kda::daemon
