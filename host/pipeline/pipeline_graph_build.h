// Assembles a pipeline's converter graph and writes the model file: float32 samples ->
// DSP_FEATURES (int8 normalized features) -> detector ops -> float32 score -> DECISION_THRESHOLD,
// with the pipeline settings in metadata (docs/pipeline.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/pipeline/detector.h"
#include "host/pipeline/feature_spec.h"
#include "host/train/standardize.h"
#include "host/pipeline/pipeline_settings.h"

namespace tmf::pipeline {

struct PipelineBuild {
  FeatureSpec spec;
  train::Standardizer normalization;
  const FloatDetector* detector = nullptr;
  const train::FeatureMatrix* calibration_z = nullptr;  // activation ranges (features as clipped)
  host::Quantization feature_quant;                    // int8 of the normalized features
  std::string model_name;
  uint32_t model_version = 1;
  // Device detection (fleet models): output 2 is the float32 raw features (before
  // normalization) for the device's drift sketches, and `detect_config` (the TLV 0x101 value,
  // device/detect/model_config.h) tells the device's detection loop how to use the outputs.
  bool raw_features_output = false;
  std::string detect_config;
};

// The int8 quantization of the normalized features: the range seen on healthy training windows
// widened by half its span on both sides, so windows louder than any healthy one still read as
// distinct before they saturate (a saturated feature still reads as far out, only no farther).
host::Quantization feature_quantization(const train::FeatureMatrix& healthy_z);

// Clips every value to the range `quant` represents: the features as the device sees them, so
// float training and scoring see what the int8 file will.
void clip_to_quantized_range(train::FeatureMatrix& z, const host::Quantization& quant);

// The model file bytes (validated by the device validator). Throws host::ConvertError.
std::vector<uint8_t> pipeline_file_build(const PipelineBuild& build, const PipelineSettings& settings);

}  // namespace tmf::pipeline
