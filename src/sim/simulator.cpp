#include "sim/simulator.hpp"

#include "sim/api_bodies.hpp"
#include "sim/api_routes.hpp"
#include "sim/control_api.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <cstdio>

namespace kda::sim {

namespace {

constexpr std::string_view json_type = "application/json;charset=UTF-8";

HttpResponse make_response(const HttpRequest& request, int status, std::string body,
                           SystemTime now) {
  HttpResponse response{static_cast<http::status>(status), request.version()};
  response.set(http::field::server, "koodrive-sim");
  response.set(http::field::date, http_date(now));
  response.set(http::field::content_type, json_type);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

std::optional<std::string> header(const HttpRequest& request, std::string_view name) {
  const auto it = request.find(name);
  if (it == request.end()) return std::nullopt;
  return std::string(it->value());
}

// moduleCode from the decoded query: "100", "101" or "102"; nullopt otherwise.
std::optional<int> module_code_param(const std::vector<std::pair<std::string, std::string>>& query) {
  for (const auto& [name, value] : query) {
    if (name != "moduleCode") continue;
    for (int code : known_modules) {
      if (value == std::to_string(code)) return code;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// The answer a fault action gives in place of the real one (`body` is the real body).
void apply_fault(Reply& reply, const FaultAction& action, const HttpRequest& request,
                 std::string body, SystemTime now) {
  switch (action.kind) {
    case FaultKind::status:
      reply.response = make_response(request, action.http_status,
                                     error_body(code_server_failure, msg_server_failure), now);
      if (action.retry_after)
        reply.response.set(http::field::retry_after, std::to_string(*action.retry_after));
      break;
    case FaultKind::api_code:
      reply.response = make_response(
          request, action.http_status,
          error_body(action.api_code, action.msg ? std::string_view(*action.msg)
                                                 : api_code_message(action.api_code)),
          now);
      break;
    case FaultKind::malformed:
      body.resize(body.size() / 2);
      body += "<!-- not JSON -->";
      reply.response = make_response(request, 200, std::move(body), now);
      break;
    case FaultKind::truncated:
      reply.response = make_response(request, 200, std::move(body), now);
      reply.delivery = Delivery::truncated;
      break;
    case FaultKind::drop: reply.delivery = Delivery::drop; break;
    case FaultKind::hang: reply.delivery = Delivery::hang; break;
    case FaultKind::wrong_type:  // the caller built the body with numeric IDs already
    case FaultKind::latency:
      reply.response = make_response(request, 200, std::move(body), now);
      break;
  }
}

std::string outcome_of(const Reply& reply) {
  switch (reply.delivery) {
    case Delivery::truncated: return "truncated";
    case Delivery::drop: return "drop";
    case Delivery::hang: return "hang";
    case Delivery::normal: break;
  }
  return std::to_string(reply.response.result_int());
}

}  // namespace

InFlight& InFlight::operator=(InFlight&& other) noexcept {
  if (this != &other) {
    if (simulator_ != nullptr) simulator_->finished();
    simulator_ = std::exchange(other.simulator_, nullptr);
  }
  return *this;
}

InFlight::~InFlight() {
  if (simulator_ != nullptr) simulator_->finished();
}

Simulator::Simulator(SimState state, SimulatorConfig config)
    : state_(std::move(state)), config_(std::move(config)), faults_(config_.seed) {}

void Simulator::finished() noexcept {
  const std::lock_guard lock(mutex_);
  counters_.finished();
}

boost::json::object Simulator::counters_json() const {
  const std::lock_guard lock(mutex_);
  return counters_.to_json();
}

std::size_t Simulator::fault_rule_count() const {
  const std::lock_guard lock(mutex_);
  return faults_.size();
}

const std::string& Simulator::device_list(const SimUser& user) {
  CachedList& cached = device_lists_[user.user_id];
  if (cached.version != user.devices_version + 1) {
    cached.body = device_list_body(user.devices);
    cached.version = user.devices_version + 1;
  }
  return cached.body;
}

Reply Simulator::handle(const HttpRequest& request, SystemTime now) {
  now += config_.clock_offset;
  const auto url = boost::urls::parse_origin_form(request.target());
  if (!url) {
    Reply reply;
    reply.response = make_response(request, 400, error_body(400, "bad request target"), now);
    reply.outcome = "400";
    return reply;
  }
  const std::string path = url->path();

  if (is_control_path(path)) {
    ControlAnswer answer;
    {
      const std::lock_guard lock(mutex_);
      answer = handle_control(request.method_string(), path, request.body(),
                              ControlTarget{state_, faults_, counters_}, now);
    }
    Reply reply;
    reply.control = true;
    reply.response = make_response(request, answer.status, std::move(answer.body), now);
    reply.outcome = std::to_string(answer.status);
    return reply;
  }

  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& param : url->params(boost::urls::encoding_opts{})) {
    query.emplace_back(param.key, param.has_value ? param.value : std::string());
  }
  std::unique_lock lock(mutex_);
  counters_.started();
  Reply reply;
  try {
    reply = handle_api(request, path, std::move(query), now);
  } catch (...) {
    counters_.finished();
    throw;
  }
  counters_.record(reply.endpoint, reply.outcome);
  lock.unlock();
  reply.in_flight = InFlight(this);
  return reply;
}

Reply Simulator::handle_api(const HttpRequest& request, std::string_view path,
                            std::vector<std::pair<std::string, std::string>> query,
                            SystemTime now) {
  Reply reply;
  reply.delay = config_.latency;
  const ApiRoute route = route_api(path);
  reply.endpoint = route.endpoint;
  auto answer = [&](int status, std::string body) {
    reply.response = make_response(request, status, std::move(body), now);
    reply.outcome = std::to_string(status);
    return std::move(reply);
  };

  if (route.endpoint == Endpoint::other) return answer(404, error_body(404, "not found"));
  if (request.method() != http::verb::get)
    return answer(405, error_body(405, "method not allowed"));

  AuthRequest auth{std::string(request.method_string()),
                   std::string(path),
                   std::move(query),
                   header(request, "Host"),
                   header(request, "X-Date"),
                   header(request, "X-User-Id"),
                   header(request, "Authorization"),
                   request.body()};
  const auto rejection =
      check_auth(auth, now, config_.credentials,
                 [this](std::string_view user_id) { return state_.has_user(user_id); });
  if (rejection)
    return answer(400, error_body(400, "authentication failed: " + rejection->reason));

  const SimUser& user = *state_.find_user(*auth.user_id);
  std::optional<int> module_code;
  const SimDevice* device = nullptr;
  if (route.endpoint == Endpoint::scopes) {
    module_code = module_code_param(auth.query);
    if (!module_code) return answer(400, error_body(code_bad_parameter, msg_bad_parameter));
    device = state_.find_device(user.user_id, route.device_id);
    if (device == nullptr) return answer(400, error_body(code_not_found, msg_not_found));
  }

  const FaultDecision fault =
      faults_.decide(RequestFacts{route.endpoint, route.device_id, module_code});
  reply.delay += fault.extra_latency;
  const bool wrong_type = fault.action && fault.action->kind == FaultKind::wrong_type;
  std::string body;
  if (device != nullptr) body = scope_list_body(device->scopes_of(*module_slot(*module_code)), wrong_type);
  else body = wrong_type ? device_list_body(user.devices, true) : device_list(user);

  if (fault.action) apply_fault(reply, *fault.action, request, std::move(body), now);
  else reply.response = make_response(request, 200, std::move(body), now);
  reply.outcome = outcome_of(reply);
  return reply;
}

std::string http_date(SystemTime t) {
  using namespace std::chrono;
  static constexpr std::array<const char*, 7> weekdays{"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  const weekday wd{day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                weekdays[wd.c_encoding()], static_cast<unsigned>(ymd.day()),
                months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buffer;
}

}  // namespace kda::sim
