// What a virtual device senses: a vibration signal as a pure function of scenario time.
// Implementations: SyntheticMachine (synthetic_machine.h), RecordingReplay (recording_replay.h),
// MultiAxisMachine (multi_axis.h: several axes).
#pragma once

#include <cstdint>

namespace tmf::sim {

class VibrationSource {
 public:
  virtual ~VibrationSource() = default;
  virtual double sample_rate_hz() const = 0;
  // Sensor axes: each sample time is a frame of axes() values, interleaved (MultiAxisMachine).
  virtual uint32_t axes() const { return 1; }
  // Writes the n samples (acceleration in g; n frames of axes() interleaved values) that start at
  // scenario time t, i.e. samples k0 .. k0+n-1 with k0 = llround(t * sample_rate_hz()).
  // Deterministic: the same (t, n) gives the same samples, and a call at t + n / fs continues the
  // signal bit-exactly (generating [k0, k0+2n) at once gives the same values as two calls of n).
  virtual void generate(double t_seconds, uint32_t n, float* out) const = 0;
};

}  // namespace tmf::sim
