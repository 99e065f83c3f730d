// `tinymlops`: the command-line entry point; each subcommand lives in its own cmd_*.cc.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/convert/graph.h"

int main(int argc, char** argv) {
  CLI::App app{"Tiny-MLOps: convert, inspect and run int8 models for microcontrollers", "tinymlops"};
  app.require_subcommand(1);
  // Every option can come from a TOML/INI file instead: `[serve]` / `[deploy]` sections hold the
  // subcommand's options (e.g. broker = "mqtts://broker:8883", ca = "fleet/ca.crt").
  app.set_config("--config", "", "Read options from this TOML/INI file (sections named after the subcommands)");
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
