// Captures of healthy synthetic pumps (host/sim) at a constant load, written as raw float32
// files the way serve stores device uploads: the input of the loop's dataset and retraining tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "host/loop/capture_dataset.h"
#include "host/sim/synthetic_machine.h"

namespace tmf::test {

inline std::vector<loop::CaptureFile> synthetic_captures(const std::filesystem::path& dir, double load,
                                                         uint32_t machines, uint32_t samples) {
  std::vector<loop::CaptureFile> out;
  for (uint32_t m = 0; m < machines; ++m) {
    sim::MachineTimeline timeline;
    timeline.load = sim::PiecewiseLinear(load);
    const sim::SyntheticMachine machine(sim::machine_params_from_seed(100 + m), timeline);
    std::vector<float> x(samples);
    machine.generate(50.0 + 3 * m, samples, x.data());
    loop::CaptureFile c;
    c.device = "pump-" + std::to_string(m);
    c.capture_id = 10 + m;
    c.path = (dir / ("raw-" + std::to_string(load) + "-" + std::to_string(m) + ".f32")).string();
    c.samples = samples;
    c.sample_rate_hz = 12000;
    std::ofstream(c.path, std::ios::binary).write(reinterpret_cast<const char*>(x.data()), samples * 4);
    out.push_back(c);
  }
  return out;
}

}  // namespace tmf::test
