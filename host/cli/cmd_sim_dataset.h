// `tinymlops sim-dataset` (docs/sim.md): declared apart from commands.h so that adding it does not
// touch the header every other subcommand includes.
#pragma once

#include <CLI/CLI.hpp>

namespace tmf::cli {

void register_sim_dataset(CLI::App& app);  // sim-dataset: a labelled multi-axis dataset folder

}  // namespace tmf::cli
