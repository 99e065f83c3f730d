// A synthetic rotary machine with a rolling-element bearing, sensed by an accelerometer (g):
// shaft harmonics 1x/2x/3x, white noise, and bearing-defect impacts that ring a damped structural
// resonance. Load scales harmonics and noise and slows the shaft (slip); the speed factor scales
// the shaft rate; per-fault severity scales the impacts. Model and figures: docs/sim.md.
#pragma once

#include <array>
#include <cstdint>

#include "host/sim/bearing.h"
#include "host/sim/machine_condition.h"
#include "host/sim/vibration_source.h"

namespace tmf::sim {

struct MachineParams {
  uint64_t seed = 1;                  // noise draws, and impact draws unless impact_seed is set
  uint64_t impact_seed = 0;           // impact jitter and amplitude draws; 0: seed (the axes of
                                      // one bearing share it: one impact reaches every axis)
  double sample_rate_hz = 12000;
  double shaft_hz = 29.95;            // at speed factor 1 and load 0 (1797 rpm, as CWRU at 0 hp)
  double slip_per_load = 0.025;       // shaft rate x (1 - slip_per_load * load)
  std::array<double, 3> harmonic_g{0.06, 0.025, 0.012};  // 1x, 2x, 3x amplitudes at load 0
  std::array<double, 3> harmonic_phase_rad{0, 0, 0};
  double load_gain = 0.8;             // harmonics and noise scale by (1 + load_gain * load)
  double noise_g = 0.03;              // white-noise standard deviation at load 0
  double resonance_hz = 3200;         // structural resonance rung by the impacts
  double damping_ratio = 0.06;
  double impact_g = 2.0;              // impact response peak at severity 1 and load 0
  double impact_load_gain = 0.5;      // impacts scale by (1 + impact_load_gain * load)
  double jitter = 0.01;               // std of impact times, as a fraction of the impact period
  BearingGeometry bearing = skf_6205();
};

// Per-device parameters from a seed: shaft rate +-2 %, harmonic amplitudes x[0.7, 1.3] with
// random phases, resonance in [2500, 4000] Hz (at most 0.4 fs), damping [0.04, 0.08], noise and
// impact gain x[0.85, 1.15]. The same seed gives the same machine.
MachineParams machine_params_from_seed(uint64_t seed, double sample_rate_hz = 12000,
                                       double nominal_shaft_hz = 29.95);

class SyntheticMachine : public VibrationSource {
 public:
  // Throws SimError if a parameter is out of range or the shaft rate is not positive at every
  // point of the timeline.
  SyntheticMachine(const MachineParams& params, MachineTimeline timeline);

  double sample_rate_hz() const override { return params_.sample_rate_hz; }
  void generate(double t_seconds, uint32_t n, float* out) const override;

  const MachineParams& params() const { return params_; }
  const MachineTimeline& timeline() const { return timeline_; }
  DefectOrders orders() const { return orders_; }
  // Shaft rotation rate (Hz) at time t, and shaft revolutions since t = 0.
  double shaft_hz_at(double t) const { return shaft_hz_.at(t); }
  double revolutions(double t) const { return shaft_hz_.integral(t); }

 private:
  void add_impacts(FaultType fault, int64_t k0, uint32_t n, double* acc) const;

  MachineParams params_;
  MachineTimeline timeline_;
  PiecewiseLinear shaft_hz_;  // shaft rate over time (speed factor x slip), linear between knots
  DefectOrders orders_;
  double decay_per_s_ = 0, ringing_rad_per_s_ = 0, impact_span_s_ = 0;
};

}  // namespace tmf::sim
