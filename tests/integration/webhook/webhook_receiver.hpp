#pragma once
// A Standard Webhooks receiver for tests: Boost.Beast HTTP/1.1 on 127.0.0.1 (an ephemeral port),
// with its own io_context on its own thread, so a test can drive a sink on its io_context, or a
// daemon process, and watch what arrives.
//
// Every request is checked twice against each secret the receiver knows: with
// kda::webhooks::verify() (the rule the README shows) and with an HMAC recomputed here directly
// with OpenSSL, so a fault shared by signer and verifier cannot hide. A request that fails
// either check is answered 401 and is never accepted. One that passes gets the next scripted
// reply (e.g. 503, 503, 429 with Retry-After), or 200 once the script is used up.
//
// Thread-safety: every public member may be called from the test thread while the receiver runs;
// accessors return copies. The destructor stops the thread and closes every connection.
#include "koodrive_audit/clock.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kda::test {

struct ReceiverState;  // webhook_receiver.cpp

struct ScriptedReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool hang = false;  // read the request, never answer (until the client goes away)
};

// One request as it arrived, and what the receiver did with it.
struct ReceivedWebhook {
  std::string target;
  std::string id;         // webhook-id
  std::string timestamp;  // webhook-timestamp
  std::string signature;  // webhook-signature
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // all of them, as sent
  std::string body;
  bool verified = false;    // verify() accepted it with one of the receiver's secrets
  bool recomputed = false;  // the independent OpenSSL recomputation matched a v1 signature
  int status = 0;           // the answer; 0 while hung
};

class WebhookReceiver {
 public:
  // `secrets`: what this receiver knows ("whsec_…" or raw), at least one.
  explicit WebhookReceiver(std::vector<std::string> secrets);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // "http://127.0.0.1:PORT" + path_and_query
  std::string url(std::string_view path_and_query = "/hook") const;

  // Appends to the script; verified requests consume it in order.
  void then(ScriptedReply reply);
  void then(int status, std::size_t times = 1);
  // Every verified request from now on hangs (after the script).
  void hang_from_now_on();

  std::vector<ReceivedWebhook> received() const;
  std::size_t count() const;
  // The webhook-ids answered 2xx, in arrival order (a redelivered id appears again).
  std::vector<std::string> accepted_ids() const;
  // The webhook-ids of every request, in arrival order.
  std::vector<std::string> arrived_ids() const;

 private:
  std::unique_ptr<ReceiverState> state_;
  std::uint16_t port_ = 0;
};

// The independent check: HMAC-SHA256 with OpenSSL directly (not sinks/standard_webhooks), true
// when some "v1,<base64>" entry of `signatures` matches `secret`'s key over id.timestamp.body.
bool recompute_matches(std::string_view secret, std::string_view id, std::string_view timestamp,
                       std::string_view body, std::string_view signatures);

}  // namespace kda::test
