#include "sim/options.hpp"

#include "sim/json_fields.hpp"
#include "sim/population.hpp"
#include "sim/state_file.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kda::sim {

namespace {

[[noreturn]] void fail(std::string_view option, std::string_view value, std::string_view problem) {
  throw std::runtime_error(std::string(option) + " " + std::string(value) + ": " +
                           std::string(problem));
}

std::string read_file(const std::string& path, std::string_view option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(option, path, "cannot be read");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) fail(option, path, "read failed");
  return std::move(contents).str();
}

}  // namespace

boost::asio::ip::tcp::endpoint parse_listen(std::string_view text) {
  constexpr std::string_view option = "--listen";
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) fail(option, text, "expected HOST:PORT");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port > 65535)
    fail(option, text, "bad port");
  boost::asio::ip::address address;
  if (host == "localhost") {
    address = boost::asio::ip::address_v4::loopback();
  } else {
    boost::system::error_code parse_error;
    address = boost::asio::ip::make_address(host, parse_error);
    if (parse_error) fail(option, text, "not an IP address (or localhost)");
  }
  if (!address.is_loopback()) fail(option, text, "only loopback addresses are accepted");
  return {address, static_cast<unsigned short>(port)};
}

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view option) {
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || ec != std::errc{} || number < 0)
    fail(option, text, "expected a duration such as 20ms, 1s or 2m");
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(number);
  if (unit == "s") return std::chrono::seconds(number);
  if (unit == "m") return std::chrono::minutes(number);
  fail(option, text, "unknown unit (ms, s or m)");
}

std::chrono::milliseconds parse_offset(std::string_view text, std::string_view option) {
  const bool negative = text.starts_with('-');
  const std::string_view magnitude =
      negative || text.starts_with('+') ? text.substr(1) : text;
  try {
    const std::chrono::milliseconds value = parse_duration(magnitude, option);
    return negative ? -value : value;
  } catch (const std::runtime_error&) {
    fail(option, text, "expected a signed duration such as -30s, 20ms or +2m");
  }
}

std::string read_secret_file(const std::string& path, std::string_view option) {
  std::string text = read_file(path, option);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t'))
    text.pop_back();
  if (text.empty()) fail(option, path, "is empty");
  return text;
}

SimSetup prepare(const SimOptions& options) {
  SimSetup setup{SimState(options.seed), {}, parse_listen(options.listen), {}};
  setup.idle_timeout = parse_duration(options.idle_timeout, "--idle-timeout");
  if (setup.idle_timeout.count() == 0) fail("--idle-timeout", options.idle_timeout, "must be positive");

  SimulatorConfig& config = setup.config;
  config.latency = parse_duration(options.latency, "--latency");
  config.clock_offset = parse_offset(options.clock_offset, "--clock-offset");
  config.seed = options.seed;

  if (!options.app_secret.empty() && !options.app_secret_file.empty())
    throw std::runtime_error("--app-secret and --app-secret-file: give one of them");
  const std::string app_secret = options.app_secret_file.empty()
                                     ? options.app_secret
                                     : read_secret_file(options.app_secret_file, "--app-secret-file");
  if (options.app_id.empty() != app_secret.empty())
    throw std::runtime_error("--app-id and --app-secret (or --app-secret-file) go together");
  if (!options.app_id.empty())
    config.credentials.app = AppCredentials{options.app_id, app_secret,
                                            {options.date_line_in_string_to_sign}};

  if (!options.token.empty() && !options.token_file.empty())
    throw std::runtime_error("--token and --token-file: give one of them");
  const std::string token = options.token_file.empty()
                                ? options.token
                                : read_secret_file(options.token_file, "--token-file");
  if (options.token_format.find("{token}") == std::string::npos)
    fail("--token-format", options.token_format, "must contain {token}");
  if (!token.empty()) config.credentials.token = TokenCredentials{token, options.token_format};
  if (!config.credentials.app && !config.credentials.token)
    throw std::runtime_error(
        "no credentials: give --app-id with --app-secret[-file], or --token[-file], or both");

  if (options.threads < 1 || options.threads > 64)
    fail("--threads", std::to_string(options.threads), "must be between 1 and 64");
  if (options.user_id.empty()) throw std::runtime_error("--user-id: must not be empty");

  if (!options.state_file.empty()) {
    const std::string what = "--state " + options.state_file;
    try {
      load_state(setup.state, parse_document(read_file(options.state_file, "--state"), ""));
    } catch (const JsonFieldError& e) {
      throw std::runtime_error(what + ": " + e.what());
    }
  }
  if (options.state_file.empty() || options.user_id_given || options.devices)
    setup.state.add_user(options.user_id);
  if (options.devices)
    generate_population(setup.state, PopulationSpec{options.user_id, *options.devices,
                                                    options.scopes_per_module, options.seed});
  return setup;
}

}  // namespace kda::sim
