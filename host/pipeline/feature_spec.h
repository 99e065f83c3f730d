// The feature front end of a pipeline, as a user picks it (`--features`): window length, number
// of equal-width log band energies and their frequency range, and time-domain statistics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "device/dsp/features.h"

namespace tmf::pipeline {

struct FeatureSpec {
  uint32_t window = 1024;       // samples per window = FFT length (power of two, 64..4096)
  double sample_rate_hz = 0;    // 0: taken from the dataset
  double f_lo = 0;              // Hz
  double f_hi = 0;              // Hz; 0: Nyquist
  uint32_t bands = 32;          // log band energies
  uint32_t stats_mask = 0;      // time statistics appended after the bands (device/dsp/features.h FeatureStat bits)
  uint32_t channels = 1;        // sensor axes, each with the features above (from the dataset, not --features)

  uint32_t count() const;       // features per window, all channels
  std::string to_string() const;  // the --features form
};

// The DSP_FEATURES configuration of a spec (Hann window, amplitude-calibrated power spectrum).
// Throws PipelineError for a spec the device would reject.
dsp::FeaturesConfig feature_config(const FeatureSpec& spec);

// Parses a comma-separated list of key=value: window=1024, bands=32, lo=0, hi=6000 (Hz),
// stats=rms+peak+crest+kurtosis+skewness (or stats=none). Keys not given keep `defaults`.
// Throws PipelineError naming the bad key or value.
FeatureSpec feature_spec_parse(const std::string& text, FeatureSpec defaults = {});

}  // namespace tmf::pipeline
