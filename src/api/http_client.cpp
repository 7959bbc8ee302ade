#include "api/coroutine_warnings.hpp"
#include "api/http_client.hpp"

// The only translation unit of the client that includes Beast and asio::ssl: they are heavy,
// and keeping them here keeps the rest of the component cheap to compile.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api/fields_arena.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <deque>
#include <optional>

namespace kda::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t response_buffer_bytes = 16 * 1024;

// Raw sockets rather than beast::tcp_stream: its timeout arms and cancels a timer around every
// read and write. Here one pool timer watches the deadlines of the connections in use (see
// Pool::sweep), and the socket is closed when one passes, which ends whatever step is pending.
struct Connection {
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  beast::flat_buffer buffer;
  FieldsArena fields;  // the header fields of the exchange at hand
  Clock::time_point idle_since{};
  Clock::time_point deadline = Clock::time_point::max();  // while in use
  bool timed_out = false;  // the sweep closed it: its pending step failed for that reason

  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
  void close() {
    beast::error_code ignored;
    socket().close(ignored);
  }
};

struct Exchange {
  beast::error_code ec;
  const char* stage = "";
  bool got_bytes = false;  // any byte of a response arrived
  bool keep_alive = false;
  HttpResponse response;
};

bool is_http_category(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

Error transport_error(const std::string& context, std::string_view stage,
                      const beast::error_code& ec) {
  errc kind = errc::connection_failed;
  if (ec == beast::error::timeout) {
    kind = errc::timeout;
  } else if (ec == asio::error::operation_aborted) {
    kind = errc::cancelled;
  } else if (ec == http::error::body_limit) {
    kind = errc::body_too_large;
  } else if (is_http_category(ec) && ec != http::error::end_of_stream &&
             ec != http::error::partial_message) {
    kind = errc::malformed_response;  // bytes arrived, but not an HTTP response
  }
  return make_error(kind, context, std::string(stage) + ": " + ec.message());
}

using ArenaFields = http::basic_fields<ArenaAllocator<char>>;
using Request = http::request<http::string_body, ArenaFields>;

std::string serialize(Request& message, beast::error_code& ec) {
  std::string wire;
  // A signed request is a few hundred bytes: one allocation, usually.
  wire.reserve(1024 + message.body().size());
  http::request_serializer<http::string_body, ArenaFields> serializer(message);
  while (!ec && !serializer.is_done()) {
    serializer.next(ec, [&](beast::error_code&, const auto& buffers) {
      // One walk of the sequence (its iterators are costly), not one to size it and one to copy.
      std::size_t size = 0;
      for (const asio::const_buffer buffer : beast::buffers_range_ref(buffers)) {
        wire.append(static_cast<const char*>(buffer.data()), buffer.size());
        size += buffer.size();
      }
      serializer.consume(size);
    });
  }
  return wire;
}

Error cancelled(const std::string& context) {
  return make_error(errc::cancelled, context, "client stopped");
}

class Pool final : public HttpClient, public std::enable_shared_from_this<Pool> {
 public:
  Pool(asio::any_io_executor executor, Endpoint endpoint, TransportOptions options,
       std::optional<ssl::context> ssl_context)
      : executor_(std::move(executor)),
        endpoint_(std::move(endpoint)),
        options_(std::move(options)),
        ssl_context_(std::move(ssl_context)),
        stop_timer_(executor_, Clock::time_point::max()),
        sweep_timer_(executor_) {}

  ~Pool() override {
    for (auto& connection : idle_) connection->close();
  }

  const Endpoint& endpoint() const noexcept override { return endpoint_; }
  std::uint64_t connections_opened() const noexcept override { return opened_; }

  void stop() override {
    stopped_ = true;
    for (auto& connection : idle_) connection->close();
    idle_.clear();
    for (Connection* connection : active_) connection->close();
    for (Waiter* waiter : waiters_) waiter->timer.cancel();
    stop_timer_.cancel();
    sweep_timer_.cancel();
  }

  asio::awaitable<Result<HttpResponse>> send(RequestBuilder build, std::string context) override {
    auto self = shared_from_this();  // the pool outlives every send in progress
    const auto deadline = Clock::now() + options_.timeout;
    if (stopped_) co_return cancelled(context);
    if (auto slot = co_await acquire_slot(deadline, context); !slot) co_return slot.error();
    SlotGuard slot_guard{this};
    if (stopped_) co_return cancelled(context);

    std::unique_ptr<Connection> connection = take_idle();
    bool resent = false;
    for (;;) {
      const bool reused = connection != nullptr;
      if (!connection) {
        auto opened = co_await open(deadline, context);
        if (!opened) co_return opened.error();
        connection = std::move(*opened);
      }
      auto request = build();
      if (!request) {
        keep_idle(std::move(connection));
        co_return request.error();
      }
      Exchange exchanged;
      {
        ActiveGuard active{this, connection.get(), deadline};
        if (connection->tls) {
          exchanged = co_await exchange(*connection->tls, *connection, *request);
        } else {
          exchanged = co_await exchange(*connection->plain, *connection, *request);
        }
      }
      if (!exchanged.ec) {
        if (exchanged.keep_alive) {
          keep_idle(std::move(connection));
        } else {
          connection->close();  // the server said `Connection: close`
        }
        co_return std::move(exchanged.response);
      }
      connection->close();
      connection.reset();
      if (stopped_) co_return cancelled(context);
      // A keep-alive connection the server closed while idle fails before any response byte;
      // the request was then most likely never processed, and a GET is safe to repeat.
      if (reused && !exchanged.got_bytes && !resent && exchanged.ec != beast::error::timeout) {
        resent = true;
        continue;
      }
      if (exchanged.ec == http::error::body_limit) {
        // Beast's "body limit exceeded" does not say which limit; the operator needs the number.
        co_return make_error(errc::body_too_large, context,
                             std::string(exchanged.stage) + ": body over the limit of " +
                                 std::to_string(options_.max_response_bytes) + " bytes");
      }
      co_return transport_error(context, exchanged.stage, exchanged.ec);
    }
  }

 private:
  struct Waiter {
    asio::steady_timer timer;
    bool granted = false;
  };

  struct SlotGuard {
    Pool* pool;
    ~SlotGuard() { pool->release_slot(); }
  };

  // A connection in use: its deadline is watched, and stop() closes it.
  struct ActiveGuard {
    Pool* pool;
    Connection* connection;
    ActiveGuard(Pool* p, Connection* c, Clock::time_point deadline) : pool(p), connection(c) {
      connection->deadline = deadline;
      connection->timed_out = false;
      pool->active_.push_back(c);
      pool->watch(deadline);
    }
    ~ActiveGuard() {
      auto& active = pool->active_;
      const auto it = std::find(active.begin(), active.end(), connection);
      *it = active.back();
      active.pop_back();
      connection->deadline = Clock::time_point::max();
      // A timer left waiting would keep io_context::run() from returning.
      if (active.empty()) pool->unwatch();
    }
    ActiveGuard(const ActiveGuard&) = delete;
    ActiveGuard& operator=(const ActiveGuard&) = delete;
  };

  // Makes sure the sweep runs by `deadline`. Deadlines of later sends are later (the timeout
  // is fixed), so the timer is set again only after a sweep (for the earliest deadline left)
  // or when the pool goes from idle to busy (unwatch() stopped it), not on every send.
  void watch(Clock::time_point deadline) {
    if (sweep_at_ <= deadline) return;
    sweep_at_ = deadline;
    sweep_timer_.expires_at(deadline);  // a wait already pending ends as operation_aborted
    sweep_timer_.async_wait([weak = weak_from_this()](const beast::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->sweep();
    });
  }

  void unwatch() {
    sweep_at_ = Clock::time_point::max();
    sweep_timer_.cancel();
  }

  // Closes every connection in use whose deadline has passed; watches the earliest of the rest.
  void sweep() {
    sweep_at_ = Clock::time_point::max();
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (Connection* connection : active_) {
      if (connection->deadline <= now) {
        if (!connection->timed_out) {
          connection->timed_out = true;
          connection->close();
        }
      } else {
        next = std::min(next, connection->deadline);
      }
    }
    if (next != Clock::time_point::max()) watch(next);
  }

  // The error of a step: a socket the sweep closed failed because its deadline passed.
  static beast::error_code step_error(const Connection& connection, beast::error_code ec) {
    if (ec && connection.timed_out) return beast::error::timeout;
    return ec;
  }

  asio::awaitable<Result<void>> acquire_slot(Clock::time_point deadline,
                                             const std::string& context) {
    if (in_use_ < options_.max_connections) {
      ++in_use_;
      co_return Result<void>{};
    }
    Waiter waiter{asio::steady_timer(executor_, deadline)};
    waiters_.push_back(&waiter);
    struct Unlink {
      Pool* pool;
      Waiter* waiter;
      ~Unlink() { std::erase(pool->waiters_, waiter); }
    } unlink{this, &waiter};
    co_await waiter.timer.async_wait(use_tuple);
    if (waiter.granted) {
      // The releaser handed its slot over; no use starting once the deadline has passed.
      if (!stopped_ && Clock::now() < deadline) co_return Result<void>{};
      release_slot();
    }
    if (stopped_) co_return cancelled(context);
    co_return make_error(errc::timeout, context, "waiting for a free connection");
  }

  void release_slot() {
    while (!waiters_.empty()) {
      Waiter* waiter = waiters_.front();
      waiters_.pop_front();
      if (waiter->granted) continue;
      waiter->granted = true;
      waiter->timer.cancel();
      return;
    }
    --in_use_;
  }

  std::unique_ptr<Connection> take_idle() {
    const auto now = Clock::now();
    while (!idle_.empty()) {
      // Most recently used first: the likeliest to still be open on the server's side.
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      if (now - connection->idle_since <= options_.idle_timeout) return connection;
      connection->close();
    }
    return nullptr;
  }

  void keep_idle(std::unique_ptr<Connection> connection) {
    if (stopped_) {
      connection->close();
      return;
    }
    connection->idle_since = Clock::now();
    idle_.push_back(std::move(connection));
  }

  asio::awaitable<Result<std::vector<tcp::endpoint>>> resolve(Clock::time_point deadline,
                                                              const std::string& context) {
    std::vector<tcp::endpoint> endpoints;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(endpoint_.host, ec);
    if (!ec) {
      endpoints.emplace_back(address, endpoint_.port);
      co_return endpoints;
    }
    using namespace asio::experimental::awaitable_operators;
    tcp::resolver resolver(executor_);
    asio::steady_timer deadline_timer(executor_, deadline);
    auto outcome = co_await (
        resolver.async_resolve(endpoint_.host, std::to_string(endpoint_.port), use_tuple) ||
        deadline_timer.async_wait(use_tuple) || stop_timer_.async_wait(use_tuple));
    if (outcome.index() == 1) {
      co_return make_error(errc::timeout, context, "resolve " + endpoint_.host + ": timed out");
    }
    if (outcome.index() == 2) co_return cancelled(context);
    auto [resolve_ec, results] = std::get<0>(std::move(outcome));
    if (resolve_ec) {
      co_return make_error(errc::connection_failed, context,
                           "resolve " + endpoint_.host + ": " + resolve_ec.message());
    }
    for (const auto& entry : results) {
      // Plain HTTP may reach loopback only, whatever a resolver says "localhost" is.
      if (endpoint_.tls || entry.endpoint().address().is_loopback()) {
        endpoints.push_back(entry.endpoint());
      }
    }
    if (endpoints.empty()) {
      co_return make_error(errc::connection_failed, context,
                           "resolve " + endpoint_.host + ": no usable address");
    }
    co_return endpoints;
  }

  asio::awaitable<Result<std::unique_ptr<Connection>>> open(Clock::time_point deadline,
                                                            const std::string& context) {
    auto endpoints = co_await resolve(deadline, context);
    if (!endpoints) co_return endpoints.error();
    if (stopped_) co_return cancelled(context);

    auto connection = std::make_unique<Connection>();
    // Beast reads into the buffer's spare capacity, at least 512 bytes: without room for a
    // whole typical answer every response would take two or three recv calls.
    connection->buffer.reserve(response_buffer_bytes);
    if (endpoint_.tls) {
      connection->tls.emplace(executor_, *ssl_context_);
    } else {
      connection->plain.emplace(executor_);
    }
    ActiveGuard active{this, connection.get(), deadline};
    ++opened_;
    auto [connect_ec, connected] =
        co_await asio::async_connect(connection->socket(), *endpoints, use_tuple);
    connect_ec = step_error(*connection, connect_ec);
    if (connect_ec) {
      if (stopped_) co_return cancelled(context);
      co_return transport_error(context, "connect " + endpoint_.host_header, connect_ec);
    }
    // stop() cancels what is pending; a step that had already completed (its handler queued)
    // is not, so every resumption checks the flag too.
    if (stopped_) co_return cancelled(context);
    if (!connection->tls) co_return connection;

    auto& stream = *connection->tls;
    boost::system::error_code ip_ec;
    asio::ip::make_address(endpoint_.host, ip_ec);
    // SNI carries host names only (RFC 6066); an IP literal is checked against the SAN IPs.
    if (ip_ec && !SSL_set_tlsext_host_name(stream.native_handle(), endpoint_.host.c_str())) {
      co_return make_error(errc::connection_failed, context, "TLS: cannot set SNI");
    }
    beast::error_code verify_ec;
    stream.set_verify_mode(ssl::verify_peer, verify_ec);
    if (!verify_ec) stream.set_verify_callback(ssl::host_name_verification(endpoint_.host), verify_ec);
    if (verify_ec) co_return transport_error(context, "TLS setup", verify_ec);
    auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    handshake_ec = step_error(*connection, handshake_ec);
    if (handshake_ec) {
      if (stopped_) co_return cancelled(context);
      co_return transport_error(context, "TLS handshake with " + endpoint_.host_header, handshake_ec);
    }
    if (stopped_) co_return cancelled(context);
    co_return connection;
  }

  template <class Stream>
  asio::awaitable<Exchange> exchange(Stream& stream, Connection& connection,
                                     const HttpRequest& request) {
    Exchange out;
    // The fields of the last exchange on this connection are gone (they were locals of it).
    connection.fields.reset();
    const ArenaAllocator<char> fields_allocator(connection.fields);
    Request message(std::piecewise_construct, std::make_tuple(),
                    std::make_tuple(fields_allocator));
    message.version(11);
    const auto verb = http::string_to_verb(request.method);
    if (verb == http::verb::unknown) {
      message.method_string(request.method);
    } else {
      message.method(verb);
    }
    message.target(request.target);
    message.set(http::field::host, endpoint_.host_header);
    message.set(http::field::user_agent, "koodrive-audit/" KDA_VERSION);
    message.set(http::field::accept, "application/json");
    for (const auto& [name, value] : request.headers) message.set(name, value);
    if (!request.body.empty()) {
      message.set(http::field::content_type, request.content_type);
      message.body() = request.body;
    }
    message.keep_alive(true);
    message.prepare_payload();

    // Serialised up front into one buffer and sent with one write: http::async_write walks
    // the header's buffer sequence again on every write_some, which cost about a tenth of the
    // client's instructions per request (callgrind).
    beast::error_code serialize_ec;
    std::string wire = serialize(message, serialize_ec);
    if (serialize_ec) {
      out.ec = serialize_ec;
      out.stage = "serialise";
      co_return out;
    }
    auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(wire), use_tuple);
    write_ec = step_error(connection, write_ec);
    if (!write_ec && stopped_) write_ec = asio::error::operation_aborted;  // see open()
    if (write_ec) {
      out.ec = write_ec;
      out.stage = "write";
      co_return out;
    }
    http::response_parser<http::string_body, ArenaAllocator<char>> parser(
        std::piecewise_construct, std::make_tuple(), std::make_tuple(fields_allocator));
    parser.body_limit(options_.max_response_bytes);
    auto [read_ec, read] = co_await http::async_read(stream, connection.buffer, parser, use_tuple);
    read_ec = step_error(connection, read_ec);
    out.got_bytes = parser.got_some();
    if (read_ec) {
      out.ec = read_ec;
      out.stage = "read";
      co_return out;
    }
    auto& response = parser.get();
    out.keep_alive = response.keep_alive();
    out.response.status = static_cast<int>(response.result_int());
    out.response.retry_after = std::string(response[http::field::retry_after]);
    out.response.date = std::string(response[http::field::date]);
    out.response.body = std::move(response.body());
    co_return out;
  }

  asio::any_io_executor executor_;
  Endpoint endpoint_;
  TransportOptions options_;
  std::optional<ssl::context> ssl_context_;
  asio::steady_timer stop_timer_;  // never expires; cancelled by stop() to end races with it
  asio::steady_timer sweep_timer_;  // see watch()
  Clock::time_point sweep_at_ = Clock::time_point::max();  // max: not armed
  std::vector<std::unique_ptr<Connection>> idle_;
  std::vector<Connection*> active_;  // at most max_connections: a vector beats a set
  std::deque<Waiter*> waiters_;
  std::size_t in_use_ = 0;
  std::uint64_t opened_ = 0;
  bool stopped_ = false;
};

}  // namespace

Result<std::shared_ptr<HttpClient>> make_http_client(asio::any_io_executor executor,
                                                     Endpoint endpoint, TransportOptions options) {
  const std::string context = "client for " + endpoint.host_header;
  if (!endpoint.tls && !is_loopback_host(endpoint.host)) {
    return make_error(errc::invalid_request, context, "plain HTTP is allowed only to loopback");
  }
  if (options.max_connections == 0) {
    return make_error(errc::invalid_request, context, "max_concurrency must be at least 1");
  }
  if (options.timeout <= std::chrono::milliseconds::zero()) {
    return make_error(errc::invalid_request, context, "timeout must be positive");
  }
  std::optional<ssl::context> ssl_context;
  if (endpoint.tls) {
    ssl_context.emplace(ssl::context::tls_client);
    beast::error_code ec;
    ssl_context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                 ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                 ssl::context::no_tlsv1_1,
                             ec);
    if (!ec && SSL_CTX_set_min_proto_version(ssl_context->native_handle(), TLS1_2_VERSION) != 1) {
      return make_error(errc::invalid_request, context, "TLS: cannot require TLS 1.2");
    }
    if (!ec) {
      if (options.ca_file.empty()) {
        ssl_context->set_default_verify_paths(ec);
      } else {
        ssl_context->load_verify_file(options.ca_file, ec);
        if (ec) {
          return make_error(errc::invalid_request, context,
                            "ca_file " + options.ca_file + ": " + ec.message());
        }
      }
    }
    if (!ec) ssl_context->set_verify_mode(ssl::verify_peer, ec);
    if (ec) return make_error(errc::invalid_request, context, "TLS setup: " + ec.message());
  }
  return std::shared_ptr<HttpClient>(std::make_shared<Pool>(
      std::move(executor), std::move(endpoint), std::move(options), std::move(ssl_context)));
}

}  // namespace kda::api
