#pragma once
// Event sinks and the outbox (DESIGN §5 rule 6: delivery is at least once).
//
// A Sink delivers a batch of events in seq order. The outbox reads events with seq greater than
// the sink's cursor in sink_cursors, hands those the sink wants to it, and advances the cursor
// only after the sink reported success; a redelivered event carries the same event_id.
// Sinks run on the daemon's io_context; deliver() must not block it for long.
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/error.hpp"
#include "koodrive_audit/store.hpp"

#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace kda {

class Sink {
 public:
  virtual ~Sink() = default;
  // The key of this sink's cursor in sink_cursors.
  virtual const std::string& name() const noexcept = 0;
  // Delivers every event of the batch, in order, or reports why not (nothing counts as
  // delivered then; the batch comes again).
  virtual boost::asio::awaitable<Result<void>> deliver(const std::vector<StoredEvent>& events) = 0;
  // SIGHUP: reopen files. Default: nothing to reopen.
  virtual void reopen() {}
};

// The event as one JSON object (DESIGN §5 event JSON); `before`/`after` are objects or null.
std::string event_to_json(const StoredEvent& event);

// One line per event, `key=value`, human first, through spdlog at info level.
std::unique_ptr<Sink> make_log_sink(std::string name);
// One JSON object per line appended to `path` (created 0640), fsync per batch.
std::unique_ptr<Sink> make_jsonl_sink(std::string name, std::filesystem::path path);

struct DrainReport {
  std::size_t delivered = 0;  // events handed to the sink and acknowledged
  std::size_t skipped = 0;    // events of types the sink does not take (cursor still advances)
  std::optional<Error> error; // why delivery stopped early
};

// Delivers every pending event (seq > cursor) to `sink` in batches, advancing the cursor after
// each acknowledged batch. `types` empty = every type.
boost::asio::awaitable<DrainReport> drain_outbox(Store& store, Sink& sink,
                                                 const std::set<std::string>& types,
                                                 const Clock& clock, std::size_t batch = 500);

}  // namespace kda
