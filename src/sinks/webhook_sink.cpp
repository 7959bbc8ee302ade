#include "api/coroutine_warnings.hpp"
#include "koodrive_audit/sinks.hpp"

#include "api/endpoint.hpp"
#include "api/http_client.hpp"
#include "sinks/refused_delivery.hpp"
#include "sinks/standard_webhooks.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace kda {

namespace {

namespace asio = boost::asio;

// Plenty for any acknowledgement. A bigger answer fails as body_too_large (and is retried)
// rather than costing memory for a page of which 200 bytes would be quoted.
constexpr std::size_t max_response_bytes = 1024 * 1024;

struct WebhookTarget {
  api::Endpoint endpoint;
  std::string target;  // "/path?query", percent-encoding kept as configured
  std::string shown;   // for errors: scheme://host[:port]/path, a query shown as "?…"
};

// parse_base_url refuses a query (an API root has none), but a webhook URL may carry one, e.g. a
// receiver's routing key. So Boost.URL splits the URL, and parse_base_url checks the origin:
// scheme, host, port, no userinfo, plain HTTP to loopback only. The query may hold a token, so
// it never appears in an error.
Result<WebhookTarget> split_url(std::string_view url, const std::string& context) {
  auto parsed = boost::urls::parse_uri(url);  // not parse_absolute_uri: name a #fragment
  if (!parsed) return make_error(errc::invalid_request, context, "url is not an absolute URL");
  const boost::urls::url_view& u = *parsed;
  if (u.has_fragment()) return make_error(errc::invalid_request, context, "url must not have a #fragment");
  auto endpoint =
      api::parse_base_url(std::string(u.scheme()) + "://" + std::string(u.encoded_authority()));
  if (!endpoint) return make_error(errc::invalid_request, context, "url: " + endpoint.error().detail);
  WebhookTarget out;
  out.endpoint = std::move(*endpoint);
  out.endpoint.path_prefix.clear();
  out.target = u.encoded_path().empty() ? std::string("/") : std::string(u.encoded_path());
  out.shown = (out.endpoint.tls ? "https://" : "http://") + out.endpoint.host_header + out.target;
  if (u.has_query()) {
    out.target += "?" + std::string(u.encoded_query());
    out.shown += "?…";
  }
  return out;
}

bool is_token_char(unsigned char c) noexcept {
  static constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return std::isalnum(c) != 0 || specials.find(static_cast<char>(c)) != std::string_view::npos;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The config refuses these too; checked again here because the options are the contract and a
// header that changes framing or forges a signature must never reach the wire.
Result<void> check_headers(const std::map<std::string, std::string>& headers,
                           const std::string& context) {
  static constexpr std::array<std::string_view, 5> reserved = {
      "host", "content-type", "content-length", "transfer-encoding", "connection"};
  for (const auto& [name, value] : headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return is_token_char(static_cast<unsigned char>(c));
        })) {
      return make_error(errc::invalid_request, context, "header '" + name + "' is not a valid name");
    }
    const std::string folded = lower(name);
    if (folded.starts_with("webhook-") ||
        std::find(reserved.begin(), reserved.end(), folded) != reserved.end()) {
      return make_error(errc::invalid_request, context,
                        "header '" + name + "' is set by the webhook sink itself");
    }
    // The value is not quoted: it may be a token.
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return make_error(errc::invalid_request, context,
                        "header '" + name + "' has a line break or NUL in its value");
    }
  }
  return {};
}

std::int64_t unix_seconds(SystemTime t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

// What a request carries that a receiver might echo into its answer, and so into our logs and
// `status`: every header value (the sink cannot tell a token from a tenant name; short ones
// are left, replacing "acme" everywhere would garble the answer) and the URL's query and its
// values. The signing secrets never go on the wire, so they cannot come back.
std::vector<std::string> credentials_sent(const std::map<std::string, std::string>& headers,
                                          const WebhookTarget& target) {
  constexpr std::size_t shortest = 8;
  std::vector<std::string> out;
  for (const auto& [name, value] : headers) {
    if (value.size() >= shortest) out.push_back(value);
    // "Bearer <token>": the token may come back on its own.
    if (const auto space = value.rfind(' '); space != std::string::npos && value.size() - space - 1 >= shortest) {
      out.push_back(value.substr(space + 1));
    }
  }
  if (const auto mark = target.target.find('?'); mark != std::string::npos) {
    const std::string query = target.target.substr(mark + 1);
    out.push_back(query);
    for (std::size_t from = 0; from <= query.size();) {
      const std::size_t end = std::min(query.find('&', from), query.size());
      const std::string pair = query.substr(from, end - from);
      if (const auto eq = pair.find('='); eq != std::string::npos && pair.size() - eq - 1 >= shortest) {
        out.push_back(pair.substr(eq + 1));
      }
      from = end + 1;
    }
  }
  // Longest first: a value inside another is then replaced as part of the longer one.
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

class WebhookSink final : public Sink {
 public:
  WebhookSink(WebhookSinkOptions options, WebhookTarget target,
              std::shared_ptr<api::HttpClient> http, const Clock& clock)
      : name_(std::move(options.name)),
        secrets_(std::move(options.secrets)),
        headers_(options.headers.begin(), options.headers.end()),
        sent_credentials_(credentials_sent(options.headers, target)),
        target_(std::move(target)),
        http_(std::move(http)),
        clock_(clock) {}

  ~WebhookSink() override { http_->stop(); }
  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  const std::string& name() const noexcept override { return name_; }
  std::size_t max_batch() const noexcept override { return 1; }

  // Terminal, like the transport's stop(): it is meant for shutdown, and a delivery started
  // after it would only hold the shutdown up.
  void cancel() override {
    cancelled_ = true;
    http_->stop();
  }

  asio::awaitable<Result<void>> deliver(const std::vector<StoredEvent>& events) override {
    // max_batch() is 1, so the outbox sends one event at a time; a longer batch still goes in
    // order and stops at the first failure.
    for (const StoredEvent& event : events) {
      if (auto sent = co_await post(event); !sent) co_return sent.error();
    }
    co_return Result<void>{};
  }

 private:
  asio::awaitable<Result<void>> post(const StoredEvent& event) {
    const std::string context =
        "sink " + name_ + " POST " + target_.shown + " event " + event.event_id;
    if (cancelled_) co_return make_error(errc::cancelled, context, "sink cancelled");
    const std::string body = event_to_json(event);
    // Called by the transport right before each write: if a stale keep-alive connection makes
    // it send again, the timestamp and signatures are fresh, the webhook-id the same.
    api::RequestBuilder build = [&]() -> Result<api::HttpRequest> {
      const std::int64_t timestamp = unix_seconds(clock_.now());
      api::HttpRequest request;
      request.method = "POST";
      request.target = target_.target;
      request.headers = headers_;
      request.headers.emplace_back("webhook-id", event.event_id);
      request.headers.emplace_back("webhook-timestamp", std::to_string(timestamp));
      request.headers.emplace_back(
          "webhook-signature",
          webhooks::signature_header(event.event_id, timestamp, body, secrets_));
      request.body = body;
      request.content_type = "application/json";
      return request;
    };
    auto response = co_await http_->send(std::move(build), context);
    if (!response) co_return std::move(response.error());
    if (delivery_accepted(response->status)) co_return Result<void>{};
    co_return refused_delivery(*response, context, clock_.now(), sent_credentials_);
  }

  std::string name_;
  std::vector<std::string> secrets_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::vector<std::string> sent_credentials_;
  WebhookTarget target_;
  std::shared_ptr<api::HttpClient> http_;
  const Clock& clock_;
  bool cancelled_ = false;
};

}  // namespace

Result<std::unique_ptr<Sink>> make_webhook_sink(asio::any_io_executor executor,
                                                WebhookSinkOptions options, const Clock& clock) {
  const std::string context = "webhook sink " + options.name;
  auto target = split_url(options.url, context);
  if (!target) return target.error();
  if (options.secrets.empty()) {
    return make_error(errc::invalid_request, context, "no signing secret");
  }
  for (std::size_t i = 0; i < options.secrets.size(); ++i) {
    if (!webhooks::decode_secret(options.secrets[i])) {
      return make_error(errc::invalid_request, context,
                        "secret #" + std::to_string(i + 1) +
                            " is not usable: empty, or whsec_ not followed by base64");
    }
  }
  if (auto checked = check_headers(options.headers, context); !checked) return checked.error();

  api::TransportOptions transport;
  transport.timeout = options.timeout;
  transport.max_connections = 1;  // one event at a time, in order
  transport.max_response_bytes = max_response_bytes;
  auto http = api::make_http_client(std::move(executor), target->endpoint, transport);
  if (!http) {
    return make_error(errc::invalid_request, context, http.error().detail);
  }
  return std::unique_ptr<Sink>(
      std::make_unique<WebhookSink>(std::move(options), std::move(*target), std::move(*http), clock));
}

}  // namespace kda
