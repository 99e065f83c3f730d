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
  // A multi-axis group: `samples` frames of C interleaved values (the dataset file layout).
  const uint32_t axes = source->axes();
  std::vector<float> x(static_cast<size_t>(a.samples) * axes);
  source->generate(a.at, a.samples, x.data());
  std::vector<double> rms_by_axis(axes), peak_by_axis(axes);
  for (uint32_t c_axis = 0; c_axis < axes; ++c_axis) {
    double sum = 0, sq = 0, axis_peak = 0;
    for (uint32_t k = 0; k < a.samples; ++k) {
      const double v = x[static_cast<size_t>(k) * axes + c_axis];
      sum += v;
      axis_peak = std::max(axis_peak, std::fabs(v));
    }
    const double mean = sum / a.samples;
    for (uint32_t k = 0; k < a.samples; ++k) {
      const double v = x[static_cast<size_t>(k) * axes + c_axis] - mean;
      sq += v * v;
    }
    rms_by_axis[c_axis] = std::sqrt(sq / a.samples);
    peak_by_axis[c_axis] = axis_peak;
  }
  const double rms = rms_by_axis[0], peak = peak_by_axis[0];  // axis 0: the single-axis machine
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
    if (axes > 1) {
      j["axes"] = axes;
      j["axis_rms_g"] = rms_by_axis;
      j["axis_peak_g"] = peak_by_axis;
    }
    if (!a.out.empty()) j["out"] = a.out;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s (%s) at t=%g s: load %.3f, speed x%.3f, fault %s severity %.3f\n", id.c_str(),
              sim::to_string(g.source), a.at, c.load, c.speed_factor, sim::to_string(c.fault), c.severity);
  if (axes == 1) {
    std::printf("%u samples at %g Hz: RMS %.4f g, peak %.4f g%s%s\n", a.samples, source->sample_rate_hz(), rms, peak,
                a.out.empty() ? "" : ", written to ", a.out.c_str());
    return;
  }
  std::printf("%u frames of %u axes at %g Hz%s%s\n", a.samples, axes, source->sample_rate_hz(),
              a.out.empty() ? "" : ", interleaved, written to ", a.out.c_str());
  for (uint32_t c_axis = 0; c_axis < axes; ++c_axis) {
    std::printf("  axis %u: RMS %.4f g, peak %.4f g\n", c_axis, rms_by_axis[c_axis], peak_by_axis[c_axis]);
  }
}

}  // namespace

void register_sim_signal(CLI::App& app) {
  auto args = std::make_shared<SimSignalArgs>();
  CLI::App* cmd = app.add_subcommand("sim-signal", "Write what one virtual device of a scenario senses (float32, g)");
  cmd->add_option("--scenario", args->scenario, "Scenario file (docs/sim.md)")->required();
  cmd->add_option("--group", args->group, "Device group")->required();
  cmd->add_option("--device", args->device, "Device index in the group")->required();
  cmd->add_option("--at", args->at, "Scenario time of the first sample, seconds")->capture_default_str();
  cmd->add_option("--samples", args->samples, "Number of samples (per axis: frames, for a multi-axis group)")->capture_default_str()->check(CLI::Range(1, 50000000));
  cmd->add_option("--out", args->out, "Write the samples here (raw little-endian float32)");
  cmd->add_flag("--json", args->json,
                "Print JSON: {device, source, sample_rate_hz, at_s, samples, load, speed_factor, fault, severity, rms_g, peak_g (axis 0), axes, axis_rms_g, axis_peak_g (several axes), out?}");
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
