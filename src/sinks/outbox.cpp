#include "koodrive_audit/sinks.hpp"

#include <algorithm>

namespace kda {

boost::asio::awaitable<DrainReport> drain_outbox(Store& store, Sink& sink,
                                                 const std::set<std::string>& types,
                                                 const Clock& clock, std::size_t batch) {
  DrainReport report;
  std::int64_t cursor = store.sink_cursor(sink.name());
  const std::size_t limit = std::max<std::size_t>(1, std::min(batch, sink.max_batch()));
  for (;;) {
    std::vector<StoredEvent> pending = store.events_after(cursor, limit);
    if (pending.empty()) break;
    const std::int64_t batch_last = pending.back().seq;
    std::vector<StoredEvent> wanted;
    for (StoredEvent& event : pending) {
      if (types.empty() || types.contains(event.type)) {
        wanted.push_back(std::move(event));
      } else {
        ++report.skipped;
      }
    }
    if (!wanted.empty()) {
      Result<void> delivered = co_await sink.deliver(wanted);
      if (!delivered) {
        report.error = delivered.error();
        break;
      }
      report.delivered += wanted.size();
    }
    // Only after the sink acknowledged: a crash before this line redelivers the batch.
    store.set_sink_cursor(sink.name(), batch_last, clock.now());
    cursor = batch_last;
  }
  co_return report;
}

}  // namespace kda
