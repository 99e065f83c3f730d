// `tinymlops`: the command-line entry point; each subcommand lives in its own cmd_*.cc.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "host/cli/cli_common.h"
#include "host/cli/cmd_sim_dataset.h"
#include "host/cli/commands.h"
#include "host/cli/version.h"
#include "host/convert/graph.h"

int main(int argc, char** argv) {
  CLI::App app{"Tiny-MLOps: the MLOps loop for fleets of microcontrollers. Train, quantize and convert anomaly "
               "detectors into model files a Cortex-M runs in place, pick the one that fits each device, sign and "
               "roll it out over MQTT in stages, then ingest the fleet's telemetry, watch for drift, raise alerts "
               "and retrain",
               "tinymlops"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tinymlops ") + tmf::kTinymlopsVersion, "Print the version and exit");
  app.footer(
      "Models:  data, train, eval, select, backtest, convert, inspect, run, profiles, cost\n"
      "Fleet:   fleet, devices, broker, keys, sign, registry, deploy, rollout, gateway\n"
      "Operate: serve (ingest, drift, alerts, the automation loop), alerts, collect, loop\n"
      "Try:     sim, sim-signal (virtual fleets)\n"
      "`tinymlops COMMAND --help` for each; docs/ (installed: share/doc/tinymlops) for the rest.");
  // Every option can come from a TOML/INI file instead: `[serve]` / `[deploy]` sections hold the
  // subcommand's options (e.g. broker = "mqtts://broker:8883", ca = "fleet/ca.crt").
  app.set_config("--config", "", "Read options from this TOML/INI file (sections named after the subcommands)");
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error naming it
  tmf::cli::register_convert(app);
  tmf::cli::register_inspect(app);
  tmf::cli::register_run(app);
  tmf::cli::register_data(app);
  tmf::cli::register_profiles(app);
  tmf::cli::register_cost(app);
  tmf::cli::register_train(app);
  tmf::cli::register_eval(app);
  tmf::cli::register_select(app);
  tmf::cli::register_backtest(app);
  tmf::cli::register_registry(app);
  tmf::cli::register_devices(app);
  tmf::cli::register_keys(app);
  tmf::cli::register_sign(app);
  tmf::cli::register_deploy(app);
  tmf::cli::register_serve(app);
  tmf::cli::register_alerts(app);
  tmf::cli::register_collect(app);
  tmf::cli::register_sim(app);
  tmf::cli::register_sim_signal(app);
  tmf::cli::register_sim_dataset(app);
  tmf::cli::register_loop(app);
  tmf::cli::register_fleet(app);
  tmf::cli::register_broker(app);
  tmf::cli::register_gateway(app);
  tmf::cli::register_tokens(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help prints and exits 0; any usage error exits 2 (CLI11's own codes are 100+).
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const tmf::cli::CliError& e) {
    std::fprintf(stderr, "tinymlops: %s\n", e.what());
    return e.exit_code();
  } catch (const tmf::host::ConvertError& e) {
    std::fprintf(stderr, "tinymlops: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tinymlops: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
