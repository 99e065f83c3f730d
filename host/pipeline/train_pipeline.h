// `tinymlops train`: from a dataset folder to one int8 model file that carries the whole
// pipeline (DSP front end, detector, score, calibrated decision), with float-vs-int8 parity
// figures on held-out windows (docs/pipeline.md).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "host/pipeline/feature_spec.h"
#include "host/pipeline/pipeline_settings.h"
#include "host/pipeline/score_summary.h"

namespace tmf::pipeline {

// Fleet models: what the device's detection loop needs besides the detector (TLV 0x101,
// device/detect/model_config.h). Anomaly detectors only.
struct DeviceDetectionOptions {
  bool enabled = false;           // adds the raw-features output and the detection settings
  uint32_t persist_m = 3, persist_w = 5;  // alarm when m of the last w windows are anomalous
  uint32_t baseline_windows = 4;  // windows a device runs before it may alarm (settling)
  uint32_t sketch_bins = 8;       // drift sketch: bins per feature (few: PSI's small-sample bias
                                  // grows with the bins, about (B - 1)(1/n_ref + 1/n)) ...
  float sketch_sigmas = 4;        // ... over the training mean -+ this many standard deviations
};

struct TrainOptions {
  std::string data_dir;
  std::string detector = "autoencoder";  // autoencoder|kmeans|gmm|mahalanobis|mlp|cnn1d
  FeatureSpec features;                  // window, bands, band range, time statistics
  std::string normal_label = "normal";
  double target_false_alarm_rate = 0.01;
  uint64_t seed = 1;
  int epochs = 0;                        // 0: the detector's default
  int clusters = 0;                      // kmeans/gmm components; 0: default
  std::string model_name = "bearing-detector";
  uint32_t model_version = 1;
  DeviceDetectionOptions device_detection;
  // Issue 16: background noise at this SNR (NaN: none; snr_noise.h) on every recording, and the
  // first selection_fraction of each fault recording kept out of `test` for choosing pipelines.
  double snr_db = std::numeric_limits<double>::quiet_NaN();
  uint64_t noise_seed = 1;
  double selection_fraction = 0;
  // Progress: a stage name and a fraction in [0, 1] of that stage.
  std::function<void(const std::string& stage, double fraction)> progress;
};

struct TrainResult {
  std::vector<uint8_t> file;      // the model file
  PipelineSettings settings;
  size_t train_windows = 0, validation_windows = 0, test_windows = 0;
  ScoreSummary float_scores;      // the float pipeline (float features, float detector)
  ScoreSummary int8_scores;       // the model file through the device runtime on the host
  // selection_fraction > 0: the model file on the healthy validation windows and the selection
  // fault windows; the margin is min over conditions of (q10(fault) - q90(healthy)) /
  // (q90(healthy) - q10(healthy)), how far apart the scores are when every AUC is 1.
  ScoreSummary selection_scores;
  double selection_margin = 0;
  double max_score_relative_difference = 0;  // |int8 - float| / max(|float|, threshold), healthy test windows
  std::map<std::string, double> seconds;     // per stage: features, fit, quantize, calibrate, evaluate
  // Fleet models (device_detection.enabled): the sketch ranges written into the model and the
  // raw features of the healthy training windows, from which the drift reference is sketched.
  std::vector<float> sketch_lo, sketch_hi;
  std::vector<float> reference_features;  // rows of feature_count values
  uint32_t feature_count = 0;
};

// Throws PipelineError / data::DataError / host::ConvertError naming what is wrong.
TrainResult train_pipeline(const TrainOptions& options);

}  // namespace tmf::pipeline
