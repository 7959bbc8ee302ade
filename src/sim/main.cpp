// koodrive-sim: arguments → SimSetup → Simulator + Server, then run until SIGTERM/SIGINT.
// The first stdout line is "listening on HOST:PORT" (flushed at once; tests and scripts parse it).
#include "sim/options.hpp"
#include "sim/server.hpp"
#include "sim/simulator.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  using namespace kda::sim;
  SimOptions options;
  CLI::App app{"koodrive-sim: a KooDrive backup API simulator on loopback (docs/simulator.md)"};
  app.add_option("--listen", options.listen, "HOST:PORT, loopback only (port 0: ephemeral)")
      ->capture_default_str();
  app.add_option("--state", options.state_file, "initial state file (JSON)");
  app.add_option("--devices", options.devices, "generate N devices for --user-id");
  app.add_option("--scopes-per-module", options.scopes_per_module,
                 "scopes per module of each generated device")
      ->capture_default_str();
  auto* user = app.add_option("--user-id", options.user_id, "the user of a generated population")
                   ->capture_default_str();
  app.add_option("--app-id", options.app_id, "accept app authentication with this AppId");
  app.add_option("--app-secret", options.app_secret, "the AppSecret");
  app.add_option("--app-secret-file", options.app_secret_file, "read the AppSecret from a file");
  app.add_flag("--date-line-in-string-to-sign", options.date_line_in_string_to_sign,
               "verify signatures whose string to sign has the X-Date line");
  app.add_option("--token", options.token, "accept token authentication with this token");
  app.add_option("--token-file", options.token_file, "read the token from a file");
  app.add_option("--token-format", options.token_format, "the exact Authorization form")
      ->capture_default_str();
  app.add_option("--clock-offset", options.clock_offset,
                 "the simulator's clock minus the host's, e.g. =-30s or 2m (clock-skew tests)");
  app.add_option("--latency", options.latency, "added to every KooDrive request (20ms, 1s)")
      ->capture_default_str();
  app.add_option("--tls-cert", options.tls_cert, "serve HTTPS with this PEM certificate chain");
  app.add_option("--tls-key", options.tls_key, "and this PEM private key");
  app.add_option("--threads", options.threads, "I/O threads")->capture_default_str();
  app.add_option("--seed", options.seed, "seed of generated IDs, names and fault draws")
      ->capture_default_str();
  app.add_option("--idle-timeout", options.idle_timeout,
                 "close a connection that sends no request for this long")
      ->capture_default_str();
  app.add_flag("--verbose", options.verbose, "log every request to stderr");
  CLI11_PARSE(app, argc, argv);
  options.user_id_given = user->count() > 0;

  // A reader that goes away must not kill us through a --verbose line.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    if (options.tls_cert.empty() != options.tls_key.empty())
      throw std::runtime_error("--tls-cert and --tls-key go together");
    SimSetup setup = prepare(options);
    ServerOptions server_options{setup.listen, nullptr, setup.idle_timeout, options.verbose};
    if (!options.tls_cert.empty())
      server_options.tls = make_tls_context(options.tls_cert, options.tls_key);
    const std::size_t devices = setup.state.device_count();
    const std::size_t scopes = setup.state.scope_count();

    // Declared before the io_context: connections still open at exit hold in-flight tickets.
    Simulator simulator(std::move(setup.state), std::move(setup.config));
    boost::asio::io_context io(static_cast<int>(options.threads));
    Server server(io, simulator, server_options);

    // Installed before the "listening" line: a test may stop us as soon as it reads it.
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
      if (ec) return;
      if (options.verbose) std::fprintf(stderr, "sim.stopping signal=%d\n", signal_number);
      server.stop();
      io.stop();
    });

    const auto bound = server.local_endpoint();
    const auto address = bound.address();
    std::printf("listening on %s:%u\n",
                (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()).c_str(),
                static_cast<unsigned>(bound.port()));
    std::fflush(stdout);
    if (options.verbose)
      std::fprintf(stderr, "sim.started devices=%zu scopes=%zu threads=%u tls=%s\n", devices,
                   scopes, options.threads, server_options.tls ? "yes" : "no");

    server.start();

    std::vector<std::thread> workers;
    for (unsigned i = 1; i < options.threads; ++i) workers.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& worker : workers) worker.join();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "koodrive-sim: %s\n", e.what());
    return 1;
  }
}
