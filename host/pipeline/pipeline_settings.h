// What a pipeline model file says about itself beyond its graph: the windowing it expects, the
// detector, its calibrated threshold, the labels and which recording samples it was trained on
// (so `eval` never scores a window the model has seen). Stored as JSON in metadata TLV 0x100
// (docs/format.md, "Pipeline settings").
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tmf::pipeline {

constexpr uint16_t kMetadataPipelineSettings = 0x100;
// The device detection settings (device/detect/model_config.h) of fleet models.
constexpr uint16_t kMetadataDetectConfig = 0x101;

class PipelineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A sample range of one recording, identified by its content hash (the manifest's sha256) so the
// identity survives copies and renames.
struct TrainedRange {
  std::string sha256;
  std::string file;
  uint64_t begin = 0;
  uint64_t end = 0;
};

struct PipelineSettings {
  uint32_t window = 1024;          // samples per window and channel (the DSP front end's FFT length)
  uint32_t channels = 1;           // sensor axes; the model's input is [channels, window] (JSON key
                                   // written only when > 1, so single-channel files keep their bytes)
  uint32_t hop = 512;              // samples between window starts when scoring a recording
  double sample_rate_hz = 12000;   // the rate the features were designed for
  std::string features;            // the FeatureSpec in --features form
  std::string detector = "autoencoder";
  std::string normal_label = "normal";
  std::vector<std::string> classes;  // classifiers: class names in output order
  float threshold = 0;             // decision: score > threshold
  double target_false_alarm_rate = 0.01;
  uint64_t seed = 0;
  std::vector<TrainedRange> trained_on;

  std::string to_json() const;
  // Throws PipelineError naming the bad field.
  static PipelineSettings from_json(const std::string& text);
};

}  // namespace tmf::pipeline
