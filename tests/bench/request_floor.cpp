// koodrive-request-floor: what a poll's requests cost a client that does only what every
// client of this API must, built on the project's mandated stack: one io_context, C coroutines
// each with one keep-alive connection, the request signed by our auth headers, written and
// read by Beast, the answer parsed by Boost.JSON into a DOM and dropped. No decoding into
// records, no diff, no database, no retries, no deadlines.
//
// scripts/bench runs it against the same simulator as the daemon and prints its CPU per request
// beside the daemon's: the part of the daemon's figure that no daemon on this machine can avoid.
// A measuring tool, not a client: it stops at the first failure (exit 1, the reason on stderr).
// Prints one JSON line: {"requests":…,"wall_s":…,"cpu_user_s":…,"cpu_sys_s":…}.
#include "api/coroutine_warnings.hpp"
#include "api/request_headers.hpp"
#include "koodrive_audit/api.hpp"
#include "koodrive_audit/clock.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

constexpr std::string_view device_list_path = "/koodrive/ose/v1/backup/device";

struct Run {
  tcp::endpoint endpoint;
  std::string host_header;
  kda::api::Credentials credentials;
  kda::SystemClock clock;
  std::vector<std::string> device_ids;
  std::size_t next_request = 0;  // of 3 × device_ids.size(): device index × 3 + module
  std::size_t requests = 0;
};

asio::awaitable<json::value> get(Run& run, tcp::socket& socket, beast::flat_buffer& buffer,
                                 const kda::api::ApiRequest& request) {
  auto headers = kda::api::auth_headers(run.credentials, request, run.host_header, run.clock.now());
  if (!headers) throw std::runtime_error(headers.error().message());
  http::request<http::empty_body> message(http::verb::get, kda::api::request_target(request), 11);
  message.set(http::field::host, run.host_header);
  message.set(http::field::accept, "application/json");
  for (const auto& [name, value] : *headers) message.set(name, value);
  message.keep_alive(true);
  co_await http::async_write(socket, message, asio::use_awaitable);
  http::response<http::string_body> response;
  co_await http::async_read(socket, buffer, response, asio::use_awaitable);
  ++run.requests;
  if (response.result() != http::status::ok) {
    throw std::runtime_error(kda::api::describe(request) + ": HTTP " +
                             std::to_string(response.result_int()));
  }
  co_return json::parse(response.body());
}

asio::awaitable<void> list_devices(Run& run) {
  tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(run.endpoint, asio::use_awaitable);
  beast::flat_buffer buffer;
  // Named: built as a temporary inside the co_await it was freed twice (g++ 12, abort).
  const kda::api::ApiRequest request{"GET", std::string(device_list_path), {}};
  const json::value answer = co_await get(run, socket, buffer, request);
  for (const json::value& device : answer.at("data").as_array()) {
    const json::value& id = device.at("deviceId");
    run.device_ids.push_back(id.is_string() ? std::string(id.get_string()) : json::serialize(id));
  }
}

asio::awaitable<void> list_scopes(Run& run) {
  tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(run.endpoint, asio::use_awaitable);
  beast::flat_buffer buffer;
  while (run.next_request < 3 * run.device_ids.size()) {
    const std::size_t index = run.next_request++;
    kda::api::ApiRequest request{
        "GET",
        std::string(device_list_path) + "/" + run.device_ids[index / 3] + "/scope",
        {{"moduleCode", std::to_string(100 + index % 3)}}};
    const json::value answer = co_await get(run, socket, buffer, request);
    if (!answer.is_object())
      throw std::runtime_error(kda::api::describe(request) + ": not an object");
  }
}

double seconds(const timeval& time) {
  return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
}

void rethrow(const std::exception_ptr& error) {
  if (error) std::rethrow_exception(error);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The request floor of a poll: signed keep-alive GETs, Beast and Boost.JSON only"};
  unsigned short port = 0;
  std::string secret_file;
  std::size_t concurrency = 64;
  Run run;
  app.add_option("--port", port, "koodrive-sim's port on 127.0.0.1")->required();
  app.add_option("--user-id", run.credentials.user_id, "X-User-Id")->required();
  app.add_option("--app-id", run.credentials.app_id, "the app id")->required();
  app.add_option("--app-secret-file", secret_file, "the app secret")->required();
  app.add_option("--concurrency", concurrency, "C: connections, one request each at a time")
      ->check(CLI::Range(1, 4096));
  CLI11_PARSE(app, argc, argv);
  try {
    std::ifstream secret(secret_file);
    if (!std::getline(secret, run.credentials.app_secret)) {
      throw std::runtime_error("cannot read " + secret_file);
    }
    run.endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"), port);
    run.host_header = "127.0.0.1:" + std::to_string(port);

    asio::io_context io;
    asio::co_spawn(io, list_devices(run), rethrow);
    io.run();

    // Only the scope lists are measured: 3 × N of the poll's 1 + 3 × N requests.
    io.restart();
    const std::size_t device_list_requests = run.requests;
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < concurrency; ++i) asio::co_spawn(io, list_scopes(run), rethrow);
    io.run();
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - started;
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    std::printf("{\"requests\":%zu,\"wall_s\":%.3f,\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f}\n",
                run.requests - device_list_requests, wall.count(),
                seconds(after.ru_utime) - seconds(before.ru_utime),
                seconds(after.ru_stime) - seconds(before.ru_stime));
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "koodrive-request-floor: %s\n", error.what());
    return 1;
  }
}
