// Float features of one window on the host, computed by the device's own DSP code
// (device/dsp/features.h) with the very twiddle and window tables the model file carries, so
// training sees exactly what the device computes. The per-feature standardization the device's
// DSP_FEATURES op applies before quantizing is train::Standardizer.
#pragma once

#include <cstdint>
#include <vector>

#include "device/dsp/features.h"
#include "host/pipeline/feature_spec.h"
#include "host/train/float_model.h"
#include "host/train/standardize.h"

namespace tmf::pipeline {

// The device op's parameters for a spec (throws PipelineError for an invalid spec).
dsp::FeaturesConfig feature_params(const FeatureSpec& spec);

class FeatureExtractor {
 public:
  explicit FeatureExtractor(const FeatureSpec& spec);
  uint32_t count() const { return count_; }
  // `spec.window` samples in, count() features out.
  void compute(const float* samples, float* features);
  const std::vector<float>& twiddles() const { return twiddles_; }
  const std::vector<float>& window() const { return window_; }
  const dsp::FeaturesConfig& params() const { return params_; }

 private:
  dsp::FeaturesConfig params_{};
  uint32_t count_ = 0;
  std::vector<float> twiddles_;
  std::vector<float> window_;
  std::vector<float> work_;
};

}  // namespace tmf::pipeline
