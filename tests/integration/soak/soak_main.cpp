// koodrive-soak: issue #6's fault soak and crash soak with the numbers given on the command line
// (scripts/soak runs the long versions). Prints the figures; exits 1 when a check failed.
#include <CLI/CLI.hpp>

#include <iostream>

#include "crash_soak.hpp"
#include "fault_soak.hpp"

int main(int argc, char** argv) {
  using namespace kda::test::soak;
  FaultSoakOptions fault;
  CrashSoakOptions crash;
  std::string only;
  std::uint64_t seed = 1;
  bool keep = false;

  CLI::App app{"koodrive-soak: the fault soak and the crash soak of koodrive-audit (issue #6)"};
  // scripts/soak passes its defaults first: a later value of the same option wins.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--polls", fault.polls, "fault soak: polls under faults")->capture_default_str();
  app.add_option("--fault-fraction", fault.fault_fraction,
                 "fault soak: share of requests disturbed on each endpoint")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  app.add_option("--changes", fault.changes, "fault soak: changes made")->capture_default_str();
  app.add_option("--kills", crash.kills, "crash soak: SIGKILLs")->capture_default_str();
  app.add_option("--require-kills-in-poll", crash.required_kills_in_a_poll_with_changes,
                 "crash soak: fail unless this many kills came while a poll with changes was in "
                 "flight")
      ->capture_default_str();
  app.add_option("--devices", fault.devices, "devices of the generated tenant")
      ->capture_default_str();
  app.add_option("--seed", seed, "tenant, changes, fault draws and kill moments")
      ->capture_default_str();
  app.add_option("--only", only, "run one soak")->check(CLI::IsMember({"fault", "crash"}));
  app.add_flag("--keep", keep, "keep the work directories (they are kept anyway on failure)");
  CLI11_PARSE(app, argc, argv);

  fault.seed = crash.seed = seed;
  crash.devices = fault.devices;
  fault.keep = crash.keep = keep;
  bool ok = true;
  try {
    if (only.empty() || only == "fault") {
      const FaultSoakReport report = run_fault_soak(fault);
      std::cout << describe(report) << std::flush;
      ok = ok && report.ok();
    }
    if (only.empty() || only == "crash") {
      const CrashSoakReport report = run_crash_soak(crash);
      std::cout << describe(report) << std::flush;
      ok = ok && report.ok();
    }
  } catch (const std::exception& error) {
    std::cerr << "koodrive-soak: " << error.what() << "\n";
    return 1;
  }
  return ok ? 0 : 1;
}
