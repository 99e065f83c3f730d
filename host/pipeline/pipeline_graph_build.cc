// The pipeline graph and its model file (see pipeline_graph_build.h).
#include "host/pipeline/pipeline_graph_build.h"

#include <algorithm>
#include <limits>

#include "host/convert/convert.h"
#include "host/convert/pipeline_graph.h"
#include "host/quantize/quantize_network.h"

namespace tmf::pipeline {
host::Quantization feature_quantization(const train::FeatureMatrix& healthy_z) {
  float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
  for (float v : healthy_z.data) lo = std::min(lo, v), hi = std::max(hi, v);
  const float margin = 0.5f * (hi - lo);
  return quantize::quantization_for_range(lo - margin, hi + margin);
}

void clip_to_quantized_range(train::FeatureMatrix& z, const host::Quantization& quant) {
  const float scale = quant.scales[0];
  const float zp = static_cast<float>(quant.zero_points[0]);
  const float lo = scale * (-128.0f - zp), hi = scale * (127.0f - zp);
  for (float& v : z.data) v = std::clamp(v, lo, hi);
}

std::vector<uint8_t> pipeline_file_build(const PipelineBuild& build, const PipelineSettings& settings) {
  const train::FeatureMatrix& calibration = *build.calibration_z;

  host::Graph graph;
  graph.source = build.model_name;
  graph.description = "tinymlops train: " + settings.detector + ", " + settings.features;
  const int input = host::add_samples_input(graph, build.spec.window, "samples", build.spec.channels);
  const host::Quantization& fq = build.feature_quant;
  host::DspFeaturesOptions features_options;
  features_options.offset = build.normalization.offset;
  features_options.scale = build.normalization.scale;
  features_options.output_scale = fq.scales[0];
  features_options.output_zero_point = static_cast<int32_t>(fq.zero_points[0]);
  features_options.raw_output = build.raw_features_output;
  const host::DspFeaturesTensors features =
      host::add_dsp_features(graph, input, feature_config(build.spec), features_options);
  const DetectorGraph detector = detector_append(graph, features.features, *build.detector, calibration);
  const int decision = host::add_decision_threshold(graph, detector.score, settings.threshold);
  graph.outputs = {detector.score, decision};
  if (detector.probabilities >= 0) graph.outputs.push_back(detector.probabilities);
  if (build.raw_features_output) graph.outputs.push_back(features.raw);

  host::ConvertOptions options;
  options.model_name = build.model_name;
  options.model_version = build.model_version;
  options.extra_metadata.push_back({kMetadataPipelineSettings, settings.to_json()});
  if (!build.detect_config.empty()) options.extra_metadata.push_back({kMetadataDetectConfig, build.detect_config});
  if (!settings.classes.empty()) {
    std::string labels;
    for (const std::string& c : settings.classes) labels += (labels.empty() ? "" : "\n") + c;
    options.extra_metadata.push_back({kMetadataLabels, labels});
  }
  return host::convert_graph(std::move(graph), options).file;
}

}  // namespace tmf::pipeline
