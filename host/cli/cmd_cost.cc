// `tinymlops cost M.tmf --target PROFILE [--per-op] [--json]`: predicted flash, RAM,
// instructions, latency and energy of one inference on a target profile, and whether it fits
// (exit status 4 if it does not, naming the limit). docs/select.md.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/select/estimate.h"
#include "host/select/select_error.h"

namespace tmf::cli {
namespace {

constexpr int kExitDoesNotFit = 4;

struct CostArgs {
  std::string model;
  std::string target;
  bool per_op = false;
  bool json = false;
};

void run_cost(const CostArgs& args) {
  const LoadedModel loaded(args.model);
  select::CostEstimate e;
  select::Profile profile;
  try {
    profile = select::find_profile(args.target);
    const select::CostTable table = select::load_cost_table(select::cost_table_path());
    e = select::estimate_cost(loaded.model(), profile, table);
  } catch (const select::SelectError& err) {
    throw CliError(args.model + ": " + err.what(), 2);
  }
  nlohmann::json j = {{"model", args.model},
                      {"target", profile.name},
                      {"cost_core", e.cost_core},
                      {"flash_bytes", std::llround(e.flash_bytes)},
                      {"model_file_bytes", std::llround(e.file_bytes)},
                      {"runtime_flash_bytes", std::llround(e.runtime_flash_bytes)},
                      {"ram_bytes", std::llround(e.ram_bytes)},
                      {"arena_bytes", std::llround(e.arena_bytes)},
                      {"stack_bytes", std::llround(e.stack_bytes)},
                      {"runtime_static_ram_bytes", std::llround(e.runtime_static_ram_bytes)},
                      {"ram_available_bytes", std::llround(e.ram_available_bytes)},
                      {"flash_available_bytes", std::llround(e.flash_available_bytes)},
                      {"instructions", std::llround(e.instructions)},
                      {"cycles_per_instruction", e.cycles_per_instruction},
                      {"latency_ms", e.latency_ms},
                      {"energy_uj", e.energy_uj},
                      {"fits", e.fits()},
                      {"exceeded", e.exceeded}};
  if (args.per_op) {
    nlohmann::json ops = nlohmann::json::array();
    for (const auto& op : e.detail.ops) {
      ops.push_back({{"index", op.index}, {"op", op.op}, {"cost_entry", op.key}, {"instructions", std::llround(op.instructions)}});
    }
    j["ops"] = ops;
  }
  if (args.json) {
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s on %s (cost table %s):\n", args.model.c_str(), profile.name.c_str(), e.cost_core.c_str());
    std::printf("  flash   %8.0f bytes (model %.0f + runtime %.0f) of %.0f\n", e.flash_bytes, e.file_bytes,
                e.runtime_flash_bytes, e.flash_available_bytes);
    std::printf("  RAM     %8.0f bytes (arena %.0f + stack %.0f + runtime %.0f) of %.0f\n", e.ram_bytes, e.arena_bytes,
                e.stack_bytes, e.runtime_static_ram_bytes, e.ram_available_bytes);
    std::printf("  %.0f instructions per inference; at %g MHz and %.2f cycles/instruction: %.3f ms, %.3f uJ\n",
                e.instructions, profile.clock_hz / 1e6, e.cycles_per_instruction, e.latency_ms, e.energy_uj);
    if (args.per_op) {
      for (const auto& op : e.detail.ops) {
        std::printf("    %3u %-28s %12.0f\n", op.index, op.key.c_str(), op.instructions);
      }
    }
    std::printf("  %s\n", e.fits() ? "fits" : "does NOT fit");
  }
  if (!e.fits()) {
    std::string why;
    for (const std::string& x : e.exceeded) why += (why.empty() ? "" : "; ") + x;
    throw CliError(args.model + " does not fit " + profile.name + ": " + why, kExitDoesNotFit);
  }
}

}  // namespace

void register_cost(CLI::App& app) {
  auto args = std::make_shared<CostArgs>();
  CLI::App* cmd = app.add_subcommand(
      "cost", "Predict flash, RAM, instructions, latency and energy of a model on a target profile (exit 4: does not fit)");
  cmd->add_option("model", args->model, "The .tmf model")->required()->check(CLI::ExistingFile);
  cmd->add_option("--target", args->target, "A built-in profile name (tinymlops profiles list) or a profile .json file")
      ->required();
  cmd->add_flag("--per-op", args->per_op, "Also show the predicted instructions of each op");
  cmd->add_flag("--json", args->json,
                "Print JSON (flash_bytes, ram_bytes, instructions, latency_ms, energy_uj, fits, exceeded, ...)");
  cmd->callback([args] { run_cost(*args); });
}

}  // namespace tmf::cli
