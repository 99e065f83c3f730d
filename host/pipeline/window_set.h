// Windows of a dataset's recordings, with their labels and the parts they belong to: training
// splits healthy recordings by time (train / validation / test, a window-length guard between
// parts), evaluation skips the sample ranges a model was trained on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/data/dataset.h"
#include "host/pipeline/pipeline_settings.h"
#include "host/pipeline/snr_noise.h"

namespace tmf::pipeline {

struct WindowRef {
  uint32_t recording = 0;  // index into Dataset::recordings
  uint64_t offset = 0;     // first sample
};

// Samples of every recording of a dataset, loaded on first use (plus the background noise, if any:
// snr_noise.h), channel-major (Recording::load_planar).
class SampleCache {
 public:
  explicit SampleCache(const data::Dataset& dataset, NoiseSpec noise = {})
      : dataset_(dataset), samples_(dataset.recordings.size()), noise_(noise) {}
  const std::vector<float>& samples(uint32_t recording);
  // One window of `length` samples per channel as a model input takes it: [C, length],
  // channel-major. One channel: a pointer into the recording; several: a copy valid until the
  // next call.
  const float* window(const WindowRef& ref, uint32_t length);
  const data::Dataset& dataset() const { return dataset_; }

 private:
  const data::Dataset& dataset_;
  std::vector<std::vector<float>> samples_;
  std::vector<float> gathered_;
  NoiseSpec noise_;
  std::vector<bool> loaded_ = std::vector<bool>(samples_.size(), false);
};

struct LabeledWindows {
  std::vector<WindowRef> refs;
  std::vector<std::string> labels;  // the recording's condition
  size_t size() const { return refs.size(); }
  void add(uint32_t recording, uint64_t offset, const std::string& label) {
    refs.push_back({recording, offset});
    labels.push_back(label);
  }
};

// The windows for training a pipeline on a dataset.
struct TrainingWindows {
  LabeledWindows train;       // fit the detector (healthy only for anomaly detectors)
  LabeledWindows validation;  // calibrate the threshold (healthy)
  LabeledWindows test;        // evaluate: healthy test part + every fault window not trained on
  LabeledWindows selection;   // fault windows kept for choosing among pipelines (selection_fraction)
  std::vector<TrainedRange> trained_on;  // train + validation ranges, recorded in the model
};

struct SplitOptions {
  uint32_t window = 1024;
  uint32_t train_hop = 128;       // healthy windows: dense overlap, healthy data is scarce
  uint32_t fault_train_hop = 512; // fault windows (classifiers): plentiful, so sparser
  uint32_t eval_hop = 512;
  double train_fraction = 0.5;    // of every recording, by time
  double validation_fraction = 0.2;
  bool faults_in_training = false;  // classifiers learn faults from the first part of each fault recording
  // Anomaly detectors: the first part of each fault recording goes to `selection` (not `test`)
  // and into trained_on, so `eval` never reports on what chose the pipeline.
  double selection_fraction = 0;
};

// Throws PipelineError if the dataset has no recording labelled `normal_label` or a recording's
// rate differs from `sample_rate_hz`.
TrainingWindows training_windows(const data::Dataset& dataset, const std::string& normal_label,
                                 double sample_rate_hz, const SplitOptions& options);

// Every window (hop apart) of every recording, minus windows overlapping a trained range of the
// same content (matched by the manifest's sha256 column when present, else by file name).
// `skipped` receives the number of windows left out for that reason.
LabeledWindows evaluation_windows(const data::Dataset& dataset, const PipelineSettings& settings,
                                  uint32_t hop, size_t* skipped);

}  // namespace tmf::pipeline
