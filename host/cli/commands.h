// Registration of the `tinymlops` subcommands with CLI11. Each parses its options and runs in
// its callback; failures throw CliError or ConvertError, which main() reports.
#pragma once

#include <CLI/CLI.hpp>

namespace tmf::cli {

void register_convert(CLI::App& app);
void register_inspect(CLI::App& app);
void register_run(CLI::App& app);
void register_data(CLI::App& app);
void register_profiles(CLI::App& app);  // profiles list|show, cost: docs/select.md
void register_cost(CLI::App& app);
void register_train(CLI::App& app);  // train, eval: docs/pipeline.md
void register_eval(CLI::App& app);
void register_select(CLI::App& app);  // select: docs/select.md
void register_backtest(CLI::App& app);  // backtest: docs/backtest.md
void register_registry(CLI::App& app);  // registry, devices, keys, sign, deploy, rollout: docs/registry.md, docs/deploy.md
void register_devices(CLI::App& app);
void register_keys(CLI::App& app);
void register_sign(CLI::App& app);
void register_deploy(CLI::App& app);  // deploy and rollout
void register_serve(CLI::App& app);    // serve, alerts, collect: docs/serve.md
void register_alerts(CLI::App& app);
void register_collect(CLI::App& app);
void register_sim(CLI::App& app);      // sim: docs/sim.md
void register_sim_signal(CLI::App& app);  // sim-signal: docs/sim.md
void register_loop(CLI::App& app);     // loop history: docs/loop.md
void register_fleet(CLI::App& app);    // fleet init|service|crl, broker config, devices enroll|revoke: docs/fleet.md
void register_broker(CLI::App& app);
void register_devices_enrolment(CLI::App* devices);  // called by register_devices
void register_gateway(CLI::App& app);  // gateway: docs/link.md
void register_tokens(CLI::App& app);   // tokens create|list|revoke: docs/api.md

}  // namespace tmf::cli
