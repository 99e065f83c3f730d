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
  const train::FeatureMatrix* healthy_z = nullptr;  // calibration of the activation ranges
  const train::FeatureMatrix* all_z = nullptr;      // range of the quantized features
  std::string model_name;
  uint32_t model_version = 1;
};

// The model file bytes (validated by the device validator). Throws host::ConvertError.
std::vector<uint8_t> pipeline_file_build(const PipelineBuild& build, const PipelineSettings& settings);

}  // namespace tmf::pipeline
