// Captures of healthy synthetic pumps (host/sim) at a constant load, stored the way serve stores
// device uploads (complete captures in the registry's database): the input of the loop's dataset
// and retraining tests.
#pragma once

#include <string>
#include <vector>

#include "host/loop/capture_dataset.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/database.h"
#include "host/sim/synthetic_machine.h"

namespace tmf::test {

// Machine `m`'s healthy signal at `load` (the same every call: the tests' oracle).
inline std::vector<float> synthetic_signal(double load, uint32_t m, uint32_t samples) {
  sim::MachineTimeline timeline;
  timeline.load = sim::PiecewiseLinear(load);
  const sim::SyntheticMachine machine(sim::machine_params_from_seed(100 + m), timeline);
  std::vector<float> x(samples);
  machine.generate(50.0 + 3 * m, samples, x.data());
  return x;
}

inline std::vector<loop::CapturePart> synthetic_captures(registry::Database& db, double load, uint32_t machines,
                                                         uint32_t samples) {
  monitor::TelemetryStore store(db);
  std::vector<loop::CapturePart> out;
  for (uint32_t m = 0; m < machines; ++m) {
    const std::vector<float> x = synthetic_signal(load, m, samples);
    loop::CapturePart c;
    c.device = "pump-" + std::to_string(m);
    c.samples = samples;
    c.sample_rate_hz = 12000;
    registry::Transaction tx(db);
    c.capture_id = store.create_capture(c.device, samples, monitor::unix_ms_now());
    monitor::Capture row = *store.find_capture(c.capture_id);
    store.put_capture_data(c.capture_id, std::string(reinterpret_cast<const char*>(x.data()), 4 * x.size()));
    row.total_samples = samples;
    row.sample_rate_hz = 12000;
    row.received_samples = samples;
    row.received_ranges = {{0, samples}};
    row.state = "complete";
    store.update_capture(row);
    tx.commit();
    out.push_back(c);
  }
  return out;
}

}  // namespace tmf::test
