// `tinymlops sim-dataset`: a labelled dataset folder from the simulator's synthetic machine, with
// one to eight accelerometer axes per recording (issue 16 item 5: the shared data has no 3-axis
// recordings). One healthy recording and one per bearing fault, all of one machine at one load.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "host/cli/cli_common.h"
#include "host/cli/cmd_sim_dataset.h"
#include "host/cli/commands.h"
#include "host/sim/multi_axis.h"
#include "host/sim/sim_error.h"

namespace tmf::cli {
namespace {

struct SimDatasetArgs {
  std::string out;
  uint32_t channels = 3;
  double seconds = 8;
  double severity = 0.3;
  double load = 0.5;
  double rate = 12000;
  uint64_t seed = 1;
  bool json = false;
};

void run_sim_dataset(const SimDatasetArgs& a) {
  sim::MultiAxisDatasetSpec spec;
  spec.channels = a.channels;
  spec.seconds = a.seconds;
  spec.severity = a.severity;
  spec.load = a.load;
  spec.sample_rate_hz = a.rate;
  spec.seed = a.seed;
  const std::vector<sim::MultiAxisRecording> rows = sim::multi_axis_dataset_write(spec, a.out);
  if (a.json) {
    nlohmann::json j = {{"dir", a.out}, {"channels", a.channels}, {"sample_rate_hz", a.rate},
                        {"seed", a.seed}, {"severity", a.severity}, {"load", a.load}};
    for (const auto& r : rows) j["recordings"].push_back({{"file", r.file}, {"condition", r.condition}, {"samples", r.samples}});
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s: %zu recordings of %u channel(s) at %g Hz (normal, outer_race, inner_race, ball; severity %g, load %g)\n",
              a.out.c_str(), rows.size(), a.channels, a.rate, a.severity, a.load);
}

}  // namespace

void register_sim_dataset(CLI::App& app) {
  auto args = std::make_shared<SimDatasetArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sim-dataset", "Write a labelled dataset folder of a synthetic machine sensed on 1-8 axes (docs/sim.md)");
  cmd->add_option("--out", args->out, "Dataset folder to create (manifest.csv + interleaved float32 files)")->required();
  cmd->add_option("--channels", args->channels, "Accelerometer axes")->capture_default_str()->check(CLI::Range(1, 8));
  cmd->add_option("--seconds", args->seconds, "Seconds per fault recording (the healthy one is twice as long)")
      ->capture_default_str()->check(CLI::Range(0.5, 600.0));
  cmd->add_option("--severity", args->severity, "Fault severity in (0, 1]")->capture_default_str()->check(CLI::Range(0.001, 1.0));
  cmd->add_option("--load", args->load, "Load (0 idle, 1 rated)")->capture_default_str()->check(CLI::Range(0.0, 1.5));
  cmd->add_option("--rate", args->rate, "Sample rate, Hz")->capture_default_str()->check(CLI::Range(1000.0, 100000.0));
  cmd->add_option("--seed", args->seed, "Machine seed (parameters, noise, impacts)")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print JSON: {dir, channels, sample_rate_hz, seed, severity, load, recordings}");
  cmd->callback([args] {
    try {
      run_sim_dataset(*args);
    } catch (const sim::SimError& e) {
      throw CliError(e.what(), 2);
    }
  });
}

}  // namespace tmf::cli
