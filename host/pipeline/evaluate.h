// `tinymlops eval`: scores every window of a dataset folder with a pipeline model file through
// the device runtime, skipping windows the model was trained on, and summarizes detection
// quality, footprint and cost; optionally writes an HTML report with ROC curves and histograms.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "host/pipeline/pipeline_settings.h"
#include "host/pipeline/score_summary.h"

namespace tmf::pipeline {

struct EvalOptions {
  std::string model_path;
  std::string data_dir;
  uint32_t hop = 0;  // 0: the model's own hop
  // Background noise (snr_noise.h): NaN none; the same seed as train/select adds the same noise.
  double snr_db = std::numeric_limits<double>::quiet_NaN();
  uint64_t noise_seed = 1;
  std::function<void(double fraction)> progress;
};

struct EvalResult {
  PipelineSettings settings;
  ScoreSummary summary;
  size_t windows = 0, skipped_trained_windows = 0;
  size_t model_bytes = 0, arena_bytes = 0;
  uint64_t macs = 0;
  std::vector<float> scores;
  std::vector<std::string> labels;
  // Classifiers: confusion[true class][predicted class] over the window labels the model knows.
  std::vector<std::string> classes;
  std::vector<std::vector<size_t>> confusion;
};

EvalResult evaluate_model(const EvalOptions& options);

// The report page (self-contained HTML).
std::string evaluation_report_html(const EvalResult& result, const std::string& title);

}  // namespace tmf::pipeline
