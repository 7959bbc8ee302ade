#pragma once
// What an HTTP sink (webhook, Alertmanager) makes of a receiver's answer other than 2xx: an
// Error the SinkWorker can act on (sinks.hpp: 410 disables, other 4xx slow, the rest backs off).
#include "api/http_client.hpp"
#include "koodrive_audit/clock.hpp"
#include "koodrive_audit/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kda {

// 2xx: the receiver took it.
inline bool delivery_accepted(int http_status) noexcept {
  return http_status >= 200 && http_status <= 299;
}

// errc::http_status with http_status, retry_after (Retry-After in seconds or as an HTTP-date,
// relative to `now`) and, as the detail, the receiver's words: at most 200 bytes, control
// characters as spaces (a line break must not forge a log line), no UTF-8 sequence cut in half.
// `sent_credentials` are what the request carried that a receiver may echo back (a header's
// token, the URL's query): each occurrence is "***" before the words are cut.
Error refused_delivery(const api::HttpResponse& response, std::string context, SystemTime now,
                       const std::vector<std::string>& sent_credentials = {});

}  // namespace kda
