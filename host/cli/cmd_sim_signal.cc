// `tinymlops sim-signal`: writes what one virtual device of a scenario senses at a given time
// (float32 samples) and prints its condition there, for looking at the simulator's world
// (docs/sim.md).
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/data/dataset.h"
#include "host/sim/scenario.h"
#include "host/sim/scenario_world.h"
#include "host/sim/sim_error.h"

namespace tmf::cli {
namespace {

struct SimSignalArgs {
  std::string scenario, group, out;
  uint32_t device = 0;
  double at = 0;
  uint32_t samples = 12000;
  bool json = false;
};

void run_sim_signal(const SimSignalArgs& a) {
  const sim::Scenario s = sim::scenario_load(a.scenario);
  const sim::GroupSpec& g = s.group(a.group);
  const auto source = sim::make_device_source(s, a.group, a.device);
  const sim::MachineCondition c = sim::scenario_condition(s, a.group, a.device, a.at);
  std::vector<float> x(a.samples);
  source->generate(a.at, a.samples, x.data());
  double sum = 0, sq = 0, peak = 0;
  for (float v : x) sum += v, peak = std::max(peak, std::fabs(static_cast<double>(v)));
  const double mean = sum / a.samples;
  for (float v : x) sq += (v - mean) * (v - mean);
  const double rms = std::sqrt(sq / a.samples);
  if (!a.out.empty()) {
    write_file_atomic(a.out, reinterpret_cast<const uint8_t*>(x.data()), x.size() * sizeof(float));
  }
  const std::string id = sim::device_id(a.group, a.device);
  if (a.json) {
    nlohmann::json j = {{"device", id},
                        {"source", sim::to_string(g.source)},
                        {"sample_rate_hz", source->sample_rate_hz()},
                        {"at_s", a.at},
                        {"samples", a.samples},
                        {"load", c.load},
                        {"speed_factor", c.speed_factor},
                        {"fault", sim::to_string(c.fault)},
                        {"severity", c.severity},
                        {"rms_g", rms},
                        {"peak_g", peak}};
    if (!a.out.empty()) j["out"] = a.out;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s (%s) at t=%g s: load %.3f, speed x%.3f, fault %s severity %.3f\n", id.c_str(),
              sim::to_string(g.source), a.at, c.load, c.speed_factor, sim::to_string(c.fault), c.severity);
  std::printf("%u samples at %g Hz: RMS %.4f g, peak %.4f g%s%s\n", a.samples, source->sample_rate_hz(), rms, peak,
              a.out.empty() ? "" : ", written to ", a.out.c_str());
}

}  // namespace

void register_sim_signal(CLI::App& app) {
  auto args = std::make_shared<SimSignalArgs>();
  CLI::App* cmd = app.add_subcommand("sim-signal", "Write what one virtual device of a scenario senses (float32, g)");
  cmd->add_option("--scenario", args->scenario, "Scenario file (docs/sim.md)")->required();
  cmd->add_option("--group", args->group, "Device group")->required();
  cmd->add_option("--device", args->device, "Device index in the group")->required();
  cmd->add_option("--at", args->at, "Scenario time of the first sample, seconds")->capture_default_str();
  cmd->add_option("--samples", args->samples, "Number of samples")->capture_default_str()->check(CLI::Range(1, 50000000));
  cmd->add_option("--out", args->out, "Write the samples here (raw little-endian float32)");
  cmd->add_flag("--json", args->json,
                "Print JSON: {device, source, sample_rate_hz, at_s, samples, load, speed_factor, fault, severity, rms_g, peak_g, out?}");
  cmd->callback([args] {
    try {
      run_sim_signal(*args);
    } catch (const sim::SimError& e) {
      throw CliError(e.what(), 2);
    } catch (const data::DataError& e) {
      throw CliError(e.what(), 2);
    }
  });
}

}  // namespace tmf::cli
