// MultiAxisMachine: each axis is a SyntheticMachine, so every axis keeps its pure function of time.
#include "host/sim/multi_axis.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "host/sim/sim_error.h"

namespace tmf::sim {
namespace {
constexpr double kPi = 3.141592653589793;
}  // namespace

MachineParams machine_axis_params(const MachineParams& base, uint32_t axis) {
  if (axis == 0) return base;
  MachineParams p = base;
  const uint32_t kind = (axis - 1) % 2;          // 0: radial at 90 degrees, 1: axial
  const double fade = axis > 2 ? 0.5 : 1.0;      // further axes: the pattern again, weaker
  const double harmonic = (kind == 0 ? 0.8 : 0.35) * fade;
  const double turn = kind == 0 ? kPi / 2 : kPi;
  for (size_t h = 0; h < p.harmonic_g.size(); ++h) {
    p.harmonic_g[h] *= harmonic;
    p.harmonic_phase_rad[h] += turn * static_cast<double>(h + 1);
  }
  p.resonance_hz = std::min(p.resonance_hz * (kind == 0 ? 1.2 : 0.8), 0.45 * p.sample_rate_hz);
  p.impact_g *= (kind == 0 ? 0.7 : 0.4) * fade;
  p.seed = base.seed * 0x9E3779B97F4A7C15ull + axis;  // the axis's own noise
  p.impact_seed = base.impact_seed != 0 ? base.impact_seed : base.seed;  // the bearing's impacts
  return p;
}

MultiAxisMachine::MultiAxisMachine(const MachineParams& base, const MachineTimeline& timeline, uint32_t axes) {
  if (axes < 1 || axes > kMaxAxes) {
    throw SimError("multi-axis machine: " + std::to_string(axes) + " axes, must be 1.." + std::to_string(kMaxAxes));
  }
  axes_.reserve(axes);
  for (uint32_t a = 0; a < axes; ++a) axes_.emplace_back(machine_axis_params(base, a), timeline);
}

void MultiAxisMachine::generate_interleaved(double t_seconds, uint32_t n, float* out) const {
  std::vector<float> one(n);
  const uint32_t c = axes();
  for (uint32_t a = 0; a < c; ++a) {
    axes_[a].generate(t_seconds, n, one.data());
    for (uint32_t k = 0; k < n; ++k) out[static_cast<size_t>(k) * c + a] = one[k];
  }
}

namespace {
void write_bytes(const std::string& path, const void* data, size_t bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
    if (!out) throw SimError(tmp + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw SimError(path + ": cannot rename into place: " + ec.message());
}
}  // namespace

std::vector<MultiAxisRecording> multi_axis_dataset_write(const MultiAxisDatasetSpec& spec, const std::string& dir) {
  if (std::filesystem::exists(dir + "/manifest.csv")) {
    throw SimError(dir + "/manifest.csv: exists; refusing to overwrite a dataset");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw SimError(dir + ": cannot create: " + ec.message());
  const MachineParams base = machine_params_from_seed(spec.seed, spec.sample_rate_hz);
  std::vector<MultiAxisRecording> rows;
  // Healthy data twice as long: training, calibration and held-out windows all come from it.
  const std::pair<FaultType, double> conditions[] = {{FaultType::none, 2 * spec.seconds},
                                                     {FaultType::outer_race, spec.seconds},
                                                     {FaultType::inner_race, spec.seconds},
                                                     {FaultType::ball, spec.seconds}};
  for (const auto& [fault, seconds] : conditions) {
    MachineTimeline timeline;
    timeline.load = PiecewiseLinear(spec.load);
    if (fault != FaultType::none) timeline.severity[fault_index(fault)] = PiecewiseLinear(spec.severity);
    const MultiAxisMachine machine(base, timeline, spec.channels);
    const uint32_t n = static_cast<uint32_t>(seconds * spec.sample_rate_hz);
    std::vector<float> x(static_cast<size_t>(n) * spec.channels);
    machine.generate_interleaved(0.0, n, x.data());
    const std::string condition = fault == FaultType::none ? "normal" : to_string(fault);
    const std::string file = "sim_" + condition + "_" + std::to_string(spec.channels) + "ax.f32";
    write_bytes(dir + "/" + file, x.data(), x.size() * sizeof(float));
    rows.push_back({file, condition, n});
  }
  std::ostringstream manifest;
  manifest << "file,condition,sample_rate_hz,num_samples,channels,source\n";
  for (const MultiAxisRecording& r : rows) {
    manifest << r.file << "," << r.condition << "," << spec.sample_rate_hz << "," << r.samples << ","
             << spec.channels << ",tinymlops sim-dataset seed " << spec.seed << "\n";
  }
  const std::string text = manifest.str();
  write_bytes(dir + "/manifest.csv", text.data(), text.size());
  return rows;
}

}  // namespace tmf::sim
