// The training pipeline (see train_pipeline.h): windows -> float features -> normalization ->
// detector fit -> int8 graph with the DSP front end -> threshold calibrated on the device
// runtime's own scores of healthy validation windows -> evaluation on held-out windows.
#include "host/pipeline/train_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "host/convert/convert.h"
#include "host/data/dataset.h"
#include "host/pipeline/detector.h"
#include "host/convert/pipeline_graph.h"
#include "host/pipeline/pipeline_graph_build.h"
#include "host/pipeline/pipeline_model.h"
#include "host/pipeline/score_summary.h"
#include "host/pipeline/window_set.h"
#include "host/train/metrics.h"
#include "host/train/standardize.h"

namespace tmf::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Float features of every window, one row each.
train::FeatureMatrix extract(host::FeatureExtractor& extractor, SampleCache& cache, const LabeledWindows& windows,
                             const std::function<void(double)>& progress) {
  train::FeatureMatrix m;
  m.rows = static_cast<int>(windows.size());
  m.cols = static_cast<int>(extractor.feature_count());
  m.data.resize(static_cast<size_t>(m.rows) * m.cols);
  for (size_t i = 0; i < windows.size(); ++i) {
    extractor.compute(cache.window(windows.refs[i]), m.data.data() + i * m.cols);
    if (progress && (i % 256 == 0 || i + 1 == windows.size())) progress(static_cast<double>(i + 1) / windows.size());
  }
  return m;
}

std::vector<float> runtime_scores(PipelineModel& model, SampleCache& cache, const LabeledWindows& windows) {
  std::vector<float> scores(windows.size());
  for (size_t i = 0; i < windows.size(); ++i) scores[i] = model.score(cache.window(windows.refs[i])).score;
  return scores;
}

}  // namespace

TrainResult train_pipeline(const TrainOptions& options) {
  if (!detector_is_known(options.detector)) {
    throw PipelineError("unknown detector '" + options.detector + "'");
  }
  const auto progress = [&](const std::string& stage) {
    return [&options, stage](double f) { if (options.progress) options.progress(stage, f); };
  };
  TrainResult result;
  auto start = Clock::now();
  const data::Dataset dataset = data::dataset_read(options.data_dir);
  if (dataset.recordings.empty()) throw PipelineError(dataset.manifest_path + ": no recordings");

  FeatureSpec spec = options.features;
  if (spec.sample_rate_hz == 0) spec.sample_rate_hz = dataset.recordings.front().sample_rate_hz;
  if (spec.f_hi == 0) spec.f_hi = spec.sample_rate_hz / 2;
  host::FeatureExtractor extractor(feature_config(spec));

  const bool classifier = detector_is_classifier(options.detector);
  SplitOptions split;
  split.window = spec.window;
  split.train_hop = std::max<uint32_t>(spec.window / 8, 1);
  split.eval_hop = spec.window / 2;
  split.fault_train_hop = spec.window / 2;
  split.faults_in_training = classifier;
  const TrainingWindows windows = training_windows(dataset, options.normal_label, spec.sample_rate_hz, split);
  result.train_windows = windows.train.size();
  result.validation_windows = windows.validation.size();
  result.test_windows = windows.test.size();

  SampleCache cache(dataset);
  const train::FeatureMatrix train_raw = extract(extractor, cache, windows.train, progress("features"));
  const train::FeatureMatrix test_raw = extract(extractor, cache, windows.test, nullptr);
  result.seconds["features"] = seconds_since(start);

  // Normalization from the healthy training windows only: the device applies the same
  // offset/scale inside its DSP op.
  start = Clock::now();
  const train::Standardizer norm =
      train::fit_standardizer(rows_with_label(train_raw, windows.train.labels, options.normal_label));
  train::FeatureMatrix train_z = norm.applied(train_raw);
  train::FeatureMatrix test_z = norm.applied(test_raw);
  const host::Quantization feature_quant =
      feature_quantization(rows_with_label(train_z, windows.train.labels, options.normal_label));
  clip_to_quantized_range(train_z, feature_quant);
  clip_to_quantized_range(test_z, feature_quant);
  const train::FeatureMatrix healthy_z = rows_with_label(train_z, windows.train.labels, options.normal_label);

  DetectorOptions detector_options;
  detector_options.seed = options.seed;
  detector_options.epochs = options.epochs;
  detector_options.clusters = options.clusters;
  detector_options.progress = progress("fit");
  const FloatDetector detector =
      detector_fit(options.detector, train_z, windows.train.labels, options.normal_label, detector_options);
  result.seconds["fit"] = seconds_since(start);

  // The model file, first with a placeholder threshold: the threshold is calibrated on the
  // scores the device runtime itself gives (int8), not on the float ones.
  start = Clock::now();
  PipelineSettings settings;
  settings.window = spec.window;
  settings.hop = spec.window / 2;
  settings.sample_rate_hz = spec.sample_rate_hz;
  settings.detector = options.detector;
  settings.normal_label = options.normal_label;
  settings.classes = detector.classes;
  settings.target_false_alarm_rate = options.target_false_alarm_rate;
  settings.seed = options.seed;
  settings.trained_on = windows.trained_on;
  settings.features = spec.to_string();
  // Activation ranges: healthy windows for anomaly detectors, every training window for classifiers.
  PipelineBuild build{spec, norm, &detector, classifier ? &train_z : &healthy_z, feature_quant,
                      options.model_name, options.model_version};
  settings.threshold = std::numeric_limits<float>::max();
  std::vector<uint8_t> file = pipeline_file_build(build, settings);
  result.seconds["quantize_convert"] = seconds_since(start);

  start = Clock::now();
  {
    PipelineModel model(file, options.model_name);
    const std::vector<float> validation_scores = runtime_scores(model, cache, windows.validation);
    settings.threshold = train::threshold_for_false_alarm_rate(validation_scores, options.target_false_alarm_rate);
    // A classifier's score is 1 - p(normal) in steps of 1/256, mostly exactly 0 on healthy
    // windows, so the quantile alone would alarm on any doubt; it alarms at least when another
    // class is more likely than normal.
    if (classifier) settings.threshold = std::max(settings.threshold, 0.5f);
  }
  file = pipeline_file_build(build, settings);
  result.seconds["calibrate"] = seconds_since(start);
  if (options.progress) options.progress("calibrate", 1.0);

  // Held-out evaluation: float reference vs the model file on the device runtime.
  start = Clock::now();
  PipelineModel model(file, options.model_name);
  const std::vector<float> int8_scores = runtime_scores(model, cache, windows.test);
  std::vector<float> float_scores(windows.test.size());
  double max_difference = 0;
  for (size_t i = 0; i < windows.test.size(); ++i) {
    float_scores[i] = detector.score(test_z.row(static_cast<int>(i)));
    // Compared on healthy windows only: fault windows may saturate the int8 features on purpose.
    if (windows.test.labels[i] != options.normal_label) continue;
    const double denominator = std::max<double>(std::fabs(float_scores[i]), std::fabs(settings.threshold));
    if (denominator > 0) max_difference = std::max(max_difference, std::fabs(int8_scores[i] - float_scores[i]) / denominator);
  }
  result.float_scores = score_summary(float_scores, windows.test.labels, options.normal_label, settings.threshold);
  result.int8_scores = score_summary(int8_scores, windows.test.labels, options.normal_label, settings.threshold);
  result.max_score_relative_difference = max_difference;
  result.seconds["evaluate"] = seconds_since(start);
  if (options.progress) options.progress("evaluate", 1.0);

  result.file = std::move(file);
  result.settings = settings;
  return result;
}

}  // namespace tmf::pipeline
