// The training pipeline (see train_pipeline.h): windows -> float features -> normalization ->
// detector fit -> int8 graph with the DSP front end -> threshold calibrated on the device
// runtime's own scores of healthy validation windows -> evaluation on held-out windows.
#include "host/pipeline/train_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "device/detect/model_config.h"
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
    extractor.compute(cache.window(windows.refs[i], extractor.config().n_fft), m.data.data() + i * m.cols);
    if (progress && (i % 256 == 0 || i + 1 == windows.size())) progress(static_cast<double>(i + 1) / windows.size());
  }
  return m;
}

std::vector<float> runtime_scores(PipelineModel& model, SampleCache& cache, const LabeledWindows& windows) {
  std::vector<float> scores(windows.size());
  for (size_t i = 0; i < windows.size(); ++i) scores[i] = model.score(cache.window(windows.refs[i], model.window())).score;
  return scores;
}

double quantile(std::vector<float> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

// See TrainResult::selection_margin.
double score_margin(const std::vector<float>& scores, const std::vector<std::string>& labels, const std::string& normal) {
  std::map<std::string, std::vector<float>> by;
  for (size_t i = 0; i < scores.size(); ++i) by[labels[i]].push_back(scores[i]);
  const std::vector<float>& healthy = by[normal];
  const double hi = quantile(healthy, 0.9), lo = quantile(healthy, 0.1);
  const double spread = std::max(hi - lo, 1e-12 * std::max(1.0, std::fabs(hi)));
  double margin = std::numeric_limits<double>::infinity();
  for (const auto& [label, v] : by) {
    if (label != normal) margin = std::min(margin, (quantile(v, 0.1) - hi) / spread);
  }
  return std::isfinite(margin) ? margin : 0.0;
}

// Sketch ranges mean -+ sigmas * std of each raw feature over the healthy training windows.
void sketch_ranges(const train::FeatureMatrix& healthy_raw, float sigmas, std::vector<float>* lo, std::vector<float>* hi) {
  const int f_count = healthy_raw.cols;
  lo->assign(f_count, 0);
  hi->assign(f_count, 0);
  for (int f = 0; f < f_count; ++f) {
    double sum = 0, sum2 = 0;
    for (int r = 0; r < healthy_raw.rows; ++r) sum += healthy_raw.row(r)[f];
    const double mean = sum / healthy_raw.rows;
    for (int r = 0; r < healthy_raw.rows; ++r) sum2 += (healthy_raw.row(r)[f] - mean) * (healthy_raw.row(r)[f] - mean);
    const double std = std::max(std::sqrt(sum2 / healthy_raw.rows), 1e-3);
    (*lo)[f] = static_cast<float>(mean - sigmas * std);
    (*hi)[f] = static_cast<float>(mean + sigmas * std);
  }
}

// The TLV 0x101 value of a fleet model: outputs 0 score, 1 decision, 2 raw features.
std::string detect_config_tlv(const DeviceDetectionOptions& o, const std::vector<float>& lo, const std::vector<float>& hi) {
  if (lo.size() > detect::kModelConfigMaxFeatures) {
    throw PipelineError("device detection: " + std::to_string(lo.size()) + " features, at most " +
                        std::to_string(detect::kModelConfigMaxFeatures) + " can be sketched");
  }
  detect::ModelConfig c{};
  c.samples_input = 0;
  c.normalization_input = detect::kDetectNoInput;
  c.score_output = 0;
  c.raw_features_output = 2;
  c.detector_count = 1;
  c.decision_outputs[0] = 1;
  c.vote_k = 1;
  c.persist_m = o.persist_m;
  c.persist_w = o.persist_w;
  c.persist_clear_below = 1;
  c.baseline_windows = o.baseline_windows;
  c.sketch_bins = o.sketch_bins;
  c.feature_count = static_cast<uint32_t>(lo.size());
  std::copy(lo.begin(), lo.end(), c.sketch_lo);
  std::copy(hi.begin(), hi.end(), c.sketch_hi);
  std::string bytes(detect::model_config_bytes(c.feature_count), '\0');
  if (detect::model_config_encode(c, reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()) != bytes.size()) {
    throw PipelineError("device detection: bad settings (persistence m " + std::to_string(o.persist_m) + " of w " +
                        std::to_string(o.persist_w) + ", baseline windows " + std::to_string(o.baseline_windows) +
                        ", sketch bins " + std::to_string(o.sketch_bins) + ")");
  }
  return bytes;
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
  spec.channels = dataset.channels();  // a multi-axis sensor: every axis gets the same front end
  host::FeatureExtractor extractor(feature_config(spec), spec.channels);
  if (options.device_detection.enabled) {
    // Every feature gets a drift sketch in TELEMETRY: all axes' features must fit its limit.
    if (spec.count() > detect::kModelConfigMaxFeatures) {
      throw PipelineError("device detection: " + std::to_string(spec.count()) + " features (" +
                          std::to_string(spec.channels) + " channel(s) x " + std::to_string(spec.count() / spec.channels) +
                          ") exceed the " + std::to_string(detect::kModelConfigMaxFeatures) +
                          " a device sketches (kOtaMaxTelemetryFeatures)");
    }
  }

  const bool classifier = detector_is_classifier(options.detector);
  if (classifier && options.device_detection.enabled) {
    throw PipelineError("device detection (fleet models) needs an anomaly detector, not the classifier '" +
                        options.detector + "'");
  }
  SplitOptions split;
  split.window = spec.window;
  split.train_hop = std::max<uint32_t>(spec.window / 8, 1);
  split.eval_hop = spec.window / 2;
  split.fault_train_hop = spec.window / 2;
  split.faults_in_training = classifier;
  split.selection_fraction = classifier ? 0.0 : options.selection_fraction;
  const TrainingWindows windows = training_windows(dataset, options.normal_label, spec.sample_rate_hz, split);
  result.train_windows = windows.train.size();
  result.validation_windows = windows.validation.size();
  result.test_windows = windows.test.size();

  SampleCache cache(dataset, snr_noise_for(dataset, options.normal_label, options.snr_db, options.noise_seed));
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
  settings.channels = spec.channels;
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
                      options.model_name, options.model_version, false, {}};
  if (options.device_detection.enabled) {
    const train::FeatureMatrix healthy_raw = rows_with_label(train_raw, windows.train.labels, options.normal_label);
    sketch_ranges(healthy_raw, options.device_detection.sketch_sigmas, &result.sketch_lo, &result.sketch_hi);
    build.raw_features_output = true;
    build.detect_config = detect_config_tlv(options.device_detection, result.sketch_lo, result.sketch_hi);
    result.reference_features = healthy_raw.data;
    result.feature_count = static_cast<uint32_t>(healthy_raw.cols);
  }
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
  const bool require_faults = !options.device_detection.enabled;
  result.float_scores =
      score_summary(float_scores, windows.test.labels, options.normal_label, settings.threshold, require_faults);
  result.int8_scores =
      score_summary(int8_scores, windows.test.labels, options.normal_label, settings.threshold, require_faults);
  result.max_score_relative_difference = max_difference;
  if (windows.selection.size() > 0) {
    LabeledWindows chooser = windows.validation;
    for (size_t i = 0; i < windows.selection.size(); ++i) {
      chooser.add(windows.selection.refs[i].recording, windows.selection.refs[i].offset, windows.selection.labels[i]);
    }
    const std::vector<float> s = runtime_scores(model, cache, chooser);
    result.selection_scores = score_summary(s, chooser.labels, options.normal_label, settings.threshold, true);
    result.selection_margin = score_margin(s, chooser.labels, options.normal_label);
  }
  result.seconds["evaluate"] = seconds_since(start);
  if (options.progress) options.progress("evaluate", 1.0);

  result.file = std::move(file);
  result.settings = settings;
  return result;
}

}  // namespace tmf::pipeline
