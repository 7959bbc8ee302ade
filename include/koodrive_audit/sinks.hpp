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

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <map>
#include <optional>

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
  // delivered then; the batch comes again). `events` is read across suspensions: the caller
  // keeps it alive until the returned awaitable completes (never pass a temporary to co_spawn).
  virtual boost::asio::awaitable<Result<void>> deliver(const std::vector<StoredEvent>& events) = 0;
  // SIGHUP: reopen files. Default: nothing to reopen.
  virtual void reopen() {}
  // Shutdown: end a delivery in progress at once (it then fails with errc::cancelled and the
  // batch is not acknowledged). Default: nothing to cancel.
  virtual void cancel() {}
  // At most this many events per deliver(). A sink that sends one request per event says 1,
  // so that a failure on the 7th event does not resend the first 6.
  virtual std::size_t max_batch() const noexcept { return 500; }
};

// How the outbox treats a failed deliver(), from the Error it returned (SinkWorker):
//   http_status 410 (Gone): the receiver asks us to stop; the sink is disabled until a reload
//     or restart, with an error in the log and in `status`.
//   other 4xx but 429: our request is refused; retried at the slowest rate (max_backoff).
//   anything else (429, 5xx, timeouts, connection errors): exponential backoff with full
//     jitter, at least retry_after when the receiver sent Retry-After, capped by max_backoff.

// The event as one JSON object (DESIGN §5 event JSON); `before`/`after` are objects or null.
std::string event_to_json(const StoredEvent& event);

// One line per event, `key=value`, human first, through spdlog at info level.
std::unique_ptr<Sink> make_log_sink(std::string name);
// One JSON object per line appended to `path` (created 0640), fsync per batch.
std::unique_ptr<Sink> make_jsonl_sink(std::string name, std::filesystem::path path);

// Standard Webhooks POST of each event's JSON (event_to_json), one event per request
// (max_batch 1): headers webhook-id (= event_id), webhook-timestamp (Unix seconds, taken at
// send time) and webhook-signature "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", one
// space-separated signature per secret (key rotation). A secret "whsec_<base64>" is the base64
// of the key; any other secret is the key's bytes. 2xx = delivered; any other status or a
// transport failure is an Error with http_status / retry_after set. `headers` are added to
// every request. https:// verifies the peer with the system trust store; http:// is allowed to
// loopback only. Errors name the sink and the event, never a secret.
struct WebhookSinkOptions {
  std::string name;
  std::string url;
  std::vector<std::string> secrets;  // revealed values, at least one
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout{10'000};
};
Result<std::unique_ptr<Sink>> make_webhook_sink(boost::asio::any_io_executor executor,
                                                WebhookSinkOptions options, const Clock& clock);

// Prometheus Alertmanager: POST {url}/api/v2/alerts, one alert per event of the batch (at most
// 64 per request) (labels alertname="KooDriveBackupConfigChanged", severity, type, account,
// device, module, scope_id — empty ones left out; annotations summary, description and
// event_id; startsAt = observed_at, endsAt = observed_at + alert_duration; generatorURL when
// set). The batch goes to every URL of an HA cluster in parallel, and is delivered when at
// least one accepted it (2xx); otherwise the last Error is returned (retry_after = the longest
// any member asked for). cancel() is final: later deliveries fail with errc::cancelled.
struct AlertmanagerSinkOptions {
  std::string name;
  std::vector<std::string> urls;  // base URLs, e.g. http://127.0.0.1:9093
  std::chrono::milliseconds alert_duration{60 * 60 * 1000};
  std::map<std::string, std::string> severity;  // event type → severity label
  std::optional<std::string> generator_url;
  std::chrono::milliseconds timeout{10'000};
};
Result<std::unique_ptr<Sink>> make_alertmanager_sink(boost::asio::any_io_executor executor,
                                                     AlertmanagerSinkOptions options,
                                                     const Clock& clock);

struct DrainReport {
  std::size_t delivered = 0;  // events handed to the sink and acknowledged
  std::size_t skipped = 0;    // events of types the sink does not take (cursor still advances)
  std::optional<Error> error; // why delivery stopped early
};

// Delivers every pending event (seq > cursor) to `sink` in batches of at most
// min(batch, sink.max_batch()) events, advancing the cursor after each acknowledged batch.
// `types` empty = every type.
boost::asio::awaitable<DrainReport> drain_outbox(Store& store, Sink& sink,
                                                 const std::set<std::string>& types,
                                                 const Clock& clock, std::size_t batch = 500);

}  // namespace kda
