#include "api/coroutine_warnings.hpp"
#include "webhook_receiver.hpp"

#include "sinks/standard_webhooks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace kda::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::int64_t tolerance_seconds = 300;

// Deliberately written apart from sinks/standard_webhooks.cpp (no shared helper), so that the
// two agree only if both follow the scheme.
std::optional<std::string> key_of(std::string_view secret) {
  constexpr std::string_view prefix = "whsec_";
  if (secret.substr(0, prefix.size()) != prefix) return std::string(secret);
  const std::string_view text = secret.substr(prefix.size());
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string key(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(key.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  key.resize(static_cast<std::size_t>(n) - padding);
  return key;
}

}  // namespace

bool recompute_matches(std::string_view secret, std::string_view id, std::string_view timestamp,
                       std::string_view body, std::string_view signatures) {
  const auto key = key_of(secret);
  if (!key || key->empty()) return false;
  const std::string content =
      std::string(id) + "." + std::string(timestamp) + "." + std::string(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac.data(),
           &size) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  std::array<unsigned char, 64> encoded{};
  const int length = EVP_EncodeBlock(encoded.data(), mac.data(), static_cast<int>(size));
  const std::string expected =
      "v1," + std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(length));
  std::size_t start = 0;
  while (start < signatures.size()) {
    std::size_t end = signatures.find(' ', start);
    if (end == std::string_view::npos) end = signatures.size();
    if (signatures.substr(start, end - start) == expected) return true;
    start = end + 1;
  }
  return false;
}

struct ReceiverState {
  std::mutex mutex;
  std::vector<std::string> secrets;
  std::deque<ScriptedReply> script;
  bool hang_all = false;
  std::vector<ReceivedWebhook> received;

  // The coroutines hold a ReceiverState*: the destructor resets io (destroying suspended
  // sessions) while the state is still whole.
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
};

namespace {

// Records the request and picks its answer: 401 unless both checks pass, else the script.
ScriptedReply judge(ReceiverState& state, const http::request<http::string_body>& request) {
  ReceivedWebhook record;
  record.target = std::string(request.target());
  record.id = std::string(request["webhook-id"]);
  record.timestamp = std::string(request["webhook-timestamp"]);
  record.signature = std::string(request["webhook-signature"]);
  record.content_type = std::string(request[http::field::content_type]);
  for (const auto& field : request) {
    record.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  record.body = request.body();

  const auto now = std::chrono::system_clock::now();
  const std::int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  bool fresh = false;
  try {
    std::size_t used = 0;
    const long long sent = std::stoll(record.timestamp, &used);
    fresh = used == record.timestamp.size() && sent >= now_seconds - tolerance_seconds &&
            sent <= now_seconds + tolerance_seconds;
  } catch (const std::exception&) {
    fresh = false;
  }

  std::lock_guard lock(state.mutex);
  for (const std::string& secret : state.secrets) {
    record.verified = record.verified || webhooks::verify(secret, record.id, record.timestamp,
                                                          record.body, record.signature, now);
    record.recomputed =
        record.recomputed ||
        (fresh && recompute_matches(secret, record.id, record.timestamp, record.body, record.signature));
  }
  ScriptedReply reply;
  if (!record.verified || !record.recomputed) {
    reply.status = 401;
    reply.body = "signature rejected";
  } else if (!state.script.empty()) {
    reply = std::move(state.script.front());
    state.script.pop_front();
  } else if (state.hang_all) {
    reply.hang = true;
  }
  record.status = reply.hang ? 0 : reply.status;
  state.received.push_back(std::move(record));
  return reply;
}

asio::awaitable<void> session(ReceiverState* state, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    auto [read_ec, read] = co_await http::async_read(stream, buffer, request, use_tuple);
    if (read_ec) co_return;
    const ScriptedReply reply = judge(*state, request);
    if (reply.hang) {
      // Holds the connection open, unanswered, until the client gives up or the receiver stops.
      std::array<char, 256> sink{};
      for (;;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
        if (ec) co_return;
      }
    }
    http::response<http::string_body> response{static_cast<http::status>(reply.status),
                                               request.version()};
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    response.set(http::field::content_type, "text/plain");
    response.body() = reply.body;
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(stream, response, use_tuple);
    if (write_ec || !response.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept_loop(ReceiverState* state) {
  for (;;) {
    auto [ec, socket] = co_await state->acceptor->async_accept(use_tuple);
    if (ec) co_return;
    asio::co_spawn(*state->io, session(state, std::move(socket)), asio::detached);
  }
}

}  // namespace

WebhookReceiver::WebhookReceiver(std::vector<std::string> secrets)
    : state_(std::make_unique<ReceiverState>()) {
  if (secrets.empty()) throw std::invalid_argument("WebhookReceiver needs a secret");
  state_->secrets = std::move(secrets);
  state_->io = std::make_unique<asio::io_context>();
  state_->acceptor = std::make_unique<tcp::acceptor>(
      *state_->io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = state_->acceptor->local_endpoint().port();
  asio::co_spawn(*state_->io, accept_loop(state_.get()), asio::detached);
  state_->thread = std::thread([io = state_->io.get()] { io->run(); });
}

WebhookReceiver::~WebhookReceiver() {
  state_->io->stop();
  state_->thread.join();
  state_->acceptor.reset();
  state_->io.reset();  // destroys the suspended sessions, closing their sockets
}

std::string WebhookReceiver::url(std::string_view path_and_query) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path_and_query);
}

void WebhookReceiver::then(ScriptedReply reply) {
  std::lock_guard lock(state_->mutex);
  state_->script.push_back(std::move(reply));
}

void WebhookReceiver::then(int status, std::size_t times) {
  for (std::size_t i = 0; i < times; ++i) {
    ScriptedReply reply;
    reply.status = status;
    reply.body = "scripted " + std::to_string(status);
    then(std::move(reply));
  }
}

void WebhookReceiver::hang_from_now_on() {
  std::lock_guard lock(state_->mutex);
  state_->hang_all = true;
}

std::vector<ReceivedWebhook> WebhookReceiver::received() const {
  std::lock_guard lock(state_->mutex);
  return state_->received;
}

std::size_t WebhookReceiver::count() const {
  std::lock_guard lock(state_->mutex);
  return state_->received.size();
}

std::vector<std::string> WebhookReceiver::accepted_ids() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> ids;
  for (const auto& request : state_->received) {
    if (request.status >= 200 && request.status <= 299) ids.push_back(request.id);
  }
  return ids;
}

std::vector<std::string> WebhookReceiver::arrived_ids() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> ids;
  for (const auto& request : state_->received) ids.push_back(request.id);
  return ids;
}

}  // namespace kda::test
