// `tinymlops select --data DIR --target PROFILE -o OUT.tmf`: trains a grid of pipelines, predicts
// their cost on the target with the measured per-op cost tables, keeps the Pareto front and
// writes the most accurate candidate that fits (docs/select.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/data/dataset.h"
#include "host/pipeline/select_search.h"
#include "host/select/select_error.h"

namespace tmf::cli {
namespace {

struct SelectArgs {
  std::string data;
  std::string target;
  std::string out;
  std::string report;
  std::optional<double> max_latency_ms, max_ram, max_energy_uj;
  std::vector<uint32_t> windows, bands;
  std::vector<std::string> detectors;
  uint64_t seed = 1;
  std::optional<double> snr_db;
  uint64_t noise_seed = 1;
  bool json = false;
  bool quiet = false;
};

double held_out_min(const pipeline::SearchCandidate& c) {
  double m = 1.0;
  for (const auto& [condition, v] : c.held_out.per_condition) m = std::min(m, v.auc);
  return m;
}

nlohmann::json candidate_json(const pipeline::SearchCandidate& c, const select::CostEstimate& e) {
  return {{"name", c.name},
          {"detector", c.detector},
          {"features", c.features.to_string()},
          {"auc", c.held_out.auc},
          {"min_condition_auc", c.quality},
          {"selection_margin", c.margin},
          {"held_out_min_condition_auc", held_out_min(c)},
          {"ram_bytes", e.ram_bytes},
          {"arena_bytes", e.arena_bytes},
          {"flash_bytes", e.flash_bytes},
          {"model_bytes", e.file_bytes},
          {"predicted_instructions", e.instructions},
          {"predicted_latency_ms", e.latency_ms},
          {"predicted_energy_uj", e.energy_uj},
          {"fits", e.fits()}};
}

void run_select(const SelectArgs& args) {
  pipeline::SelectOptions o;
  o.data_dir = args.data;
  o.targets = {args.target};
  o.limits.max_latency_ms = args.max_latency_ms;
  o.limits.max_ram_bytes = args.max_ram;
  o.limits.max_energy_uj = args.max_energy_uj;
  if (!args.windows.empty()) o.space.windows = args.windows;
  if (!args.bands.empty()) o.space.bands = args.bands;
  if (!args.detectors.empty()) o.space.detectors = args.detectors;
  o.seed = args.seed;
  if (args.snr_db) o.snr_db = *args.snr_db;
  o.noise_seed = args.noise_seed;
  if (!args.quiet) {
    o.progress = [](size_t done, size_t total, const std::string& name) {
      if (name.empty()) {
        std::fprintf(stderr, "select: %zu/%zu candidates trained\n", done, total);
      } else {
        std::fprintf(stderr, "select: [%zu/%zu] %s\n", done + 1, total, name.c_str());
      }
    };
  }
  const pipeline::SelectResult r = pipeline::select_search(o);
  const pipeline::TargetChoice& choice = r.targets.front();
  if (!args.report.empty()) {
    const std::string html = pipeline::select_report_html(r);
    write_file_atomic(args.report, reinterpret_cast<const uint8_t*>(html.data()), html.size());
  }
  if (!choice.selected) {
    std::string why;
    for (const std::string& line : choice.refusals) why += "\n  " + line;
    throw CliError("no candidate fits " + choice.profile.name + " (" + std::to_string(r.candidates.size()) +
                       " tried); the Pareto front's candidates and what they exceed:" + why, 4);
  }
  const pipeline::SearchCandidate& best = r.candidates[*choice.selected];
  write_file_atomic(args.out, best.file.data(), best.file.size());
  const select::CostEstimate& e = best.costs.front();
  if (args.json) {
    nlohmann::json j{{"target", choice.profile.name}, {"model", args.out}, {"seconds", r.seconds},
                     {"candidates", r.candidates.size()},
                     {"snr_db", args.snr_db ? nlohmann::json(*args.snr_db) : nlohmann::json(nullptr)}};
    j["selected"] = candidate_json(best, e);
    j["pareto"] = nlohmann::json::array();
    for (size_t i : choice.pareto) j["pareto"].push_back(candidate_json(r.candidates[i], r.candidates[i].costs.front()));
    if (!args.report.empty()) j["report"] = args.report;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s: %zu candidates in %.1f s, %zu on the Pareto front\n", choice.profile.name.c_str(),
              r.candidates.size(), r.seconds, choice.pareto.size());
  std::printf("%-36s %9s %9s %9s %11s %10s\n", "Pareto front", "min AUC", "RAM B", "flash B", "latency ms", "energy uJ");
  for (size_t i : choice.pareto) {
    const select::CostEstimate& c = r.candidates[i].costs.front();
    std::printf("%-36s %9.5f %9.0f %9.0f %11.3f %10.2f%s\n", r.candidates[i].name.c_str(), r.candidates[i].quality,
                c.ram_bytes, c.flash_bytes, c.latency_ms, c.energy_uj,
                i == *choice.selected ? "  <- selected" : (c.fits() ? "" : "  (does not fit)"));
  }
  std::printf("wrote %s: %s\n", args.out.c_str(), best.name.c_str());
}

}  // namespace

void register_select(CLI::App& app) {
  auto args = std::make_shared<SelectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "select", "Search pipelines (features x detectors) for the most accurate one that fits a target device");
  cmd->add_option("--data", args->data, "Dataset folder (manifest.csv + float32 files)")->required();
  cmd->add_option("--target", args->target, "Target profile: a built-in name (tinymlops profiles list) or a file")->required();
  cmd->add_option("-o,--out", args->out, "Model file to write (the selected candidate)")->required();
  cmd->add_option("--max-latency-ms", args->max_latency_ms, "Limit on predicted latency per window");
  cmd->add_option("--max-ram", args->max_ram, "Limit on RAM bytes (arena + stack + runtime), below the profile's");
  cmd->add_option("--max-energy-uj", args->max_energy_uj, "Limit on predicted energy per window, microjoules");
  cmd->add_option("--windows", args->windows, "Window lengths to try (default 256 512 1024 2048)");
  cmd->add_option("--bands", args->bands, "Band counts to try (default 8 16 32)");
  cmd->add_option("--detectors", args->detectors, "Detectors to try (default kmeans mahalanobis autoencoder)");
  cmd->add_option("--seed", args->seed, "Random seed")->capture_default_str();
  cmd->add_option("--report", args->report, "Write an HTML report with the Pareto plots");
  cmd->add_option("--snr-db", args->snr_db,
                  "Add white Gaussian background noise: healthy recordings' mean power / 10^(X/10), one power for all");
  cmd->add_option("--noise-seed", args->noise_seed, "Seed of that noise (per recording: seed and its sha256)")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress on stderr");
  cmd->callback([args] {
    try {
      run_select(*args);
    } catch (const data::DataError& e) {
      throw CliError(e.what(), 2);
    } catch (const pipeline::PipelineError& e) {
      throw CliError(e.what(), 2);
    } catch (const select::SelectError& e) {
      throw CliError(e.what(), 2);
    }
  });
}

}  // namespace tmf::cli
