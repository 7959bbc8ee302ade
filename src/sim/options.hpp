#pragma once
// The simulator's command line, validated: what main() parses (CLI11) turned into the parts the
// Simulator and the Server are built from. Every error is a std::runtime_error whose message
// names the option and the value ("--listen 0.0.0.0:80: only loopback addresses are accepted").
#include "sim/simulator.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kda::sim {

inline constexpr std::string_view default_user_id = "1505084218764547200";

// The options as given; `*_given` tells an explicit value from the default.
struct SimOptions {
  std::string listen = "127.0.0.1:0";
  std::string state_file;
  std::optional<std::size_t> devices;  // --devices: generate a population
  std::size_t scopes_per_module = 2;
  std::string user_id{default_user_id};
  bool user_id_given = false;
  std::string app_id;
  std::string app_secret;
  std::string app_secret_file;
  bool date_line_in_string_to_sign = false;
  std::string token;
  std::string token_file;
  std::string token_format = "Bearer {token}";
  std::string latency = "0";
  std::string clock_offset = "0";
  std::string tls_cert;
  std::string tls_key;
  unsigned threads = 1;
  std::uint64_t seed = 1;
  std::string idle_timeout = "60s";
  bool verbose = false;
};

// "127.0.0.1:0", "localhost:8080" (= 127.0.0.1), "[::1]:8080". Loopback only.
boost::asio::ip::tcp::endpoint parse_listen(std::string_view text);
// "0", "250ms", "20ms", "1s", "2m": a non-negative integer with an optional unit (default ms).
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view option);
// The same with an optional sign: "-30s", "+2m", "20ms".
std::chrono::milliseconds parse_offset(std::string_view text, std::string_view option);
// The file's contents without trailing whitespace (a secret file usually ends in a newline).
std::string read_secret_file(const std::string& path, std::string_view option);

// Everything the program needs, checked.
struct SimSetup {
  SimState state;
  SimulatorConfig config;
  boost::asio::ip::tcp::endpoint listen;
  std::chrono::milliseconds idle_timeout{60'000};
};

// Loads the state file, generates the population, reads secret files; throws on any problem.
// Users: those of the state file, plus `user_id` when there is no state file, when --user-id is
// given, or when --devices is.
SimSetup prepare(const SimOptions& options);

}  // namespace kda::sim
