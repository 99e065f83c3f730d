// The per-window detection loop (contract in detect_loop.h).
#include "device/detect/detect_loop.h"

#include <math.h>
#include <string.h>

#include "device/detect/detect_memory.h"
#include "device/runtime/model.h"

namespace tmf::detect {
namespace {

bool finite(float v) { return v == v && v - v == 0.0f; }

bool config_valid(const DetectLoopConfig& c) {
  if (!vote_config_valid(c.detector_count, c.vote_k)) return false;
  if (!calibration_config_valid(c.calibration)) return false;
  if (!(c.tracking_rate >= 0.0f && c.tracking_rate < 1.0f)) return false;  // NaN fails too
  if (c.tracking_rate > 0.0f && !(finite(c.tracking_clamp) && c.tracking_clamp > 0.0f)) return false;
  if (baseline_bytes(c.baseline.feature_count) == 0) return false;
  const bool trend_on = c.trend.rate != 0.0f;
  if (trend_on && (!(c.trend.rate > 0.0f && c.trend.rate < 1.0f) || !(finite(c.trend.clamp) && c.trend.clamp > 0.0f) ||
                   c.trend_feature >= c.baseline.feature_count)) {
    return false;
  }
  if (!spectral_kurtosis_config_valid(c.spectral_kurtosis)) return false;
  const bool sk_on = c.spectral_kurtosis.frame != 0;
  for (uint32_t i = 0; i < c.detector_count; ++i) {
    if (c.decision_outputs[i] == kDetectTrendScore && !(trend_on && c.calibration.windows > 0)) return false;
    if (c.decision_outputs[i] == kDetectSpectralKurtosisScore && !sk_on) return false;
  }
  if (sk_on && c.calibration.windows == 0) return false;
  if (c.sketch_bins > kSketchMaxBins) return false;
  if (c.sketch_bins > 0 && c.sketch_ranges == nullptr &&
      !(finite(c.sketch_sigmas) && c.sketch_sigmas > 0.0f)) {
    return false;
  }
  return true;
}

bool plain_float(const TensorRecord& t) {
  return t.type == kTensorTypeFloat32 && t.quant == kTensorQuantNone;
}

// The graph inputs and outputs the config names exist with the types and sizes the loop writes
// and reads.
bool interface_valid(const DetectLoopConfig& c, const Interpreter& interpreter, uint32_t* samples) {
  const uint32_t f = c.baseline.feature_count;
  const TensorRecord* t = nullptr;
  if (interpreter_input(interpreter, c.samples_input, &t, nullptr) != Status::kOk ||
      !plain_float(*t)) {
    return false;
  }
  *samples = tensor_element_count(*t);
  if (c.normalization_input != kDetectNoInput) {
    if (c.normalization_input < 0 ||
        interpreter_input(interpreter, static_cast<uint32_t>(c.normalization_input), &t, nullptr) !=
            Status::kOk ||
        !plain_float(*t) || tensor_element_count(*t) != 2 * f ||
        static_cast<uint32_t>(c.normalization_input) == c.samples_input) {
      return false;
    }
  }
  if (interpreter_output(interpreter, c.raw_features_output, &t, nullptr) != Status::kOk ||
      !plain_float(*t) || tensor_element_count(*t) != f) {
    return false;
  }
  for (uint32_t i = 0; i < c.detector_count; ++i) {
    if (c.decision_outputs[i] == kDetectTrendScore || c.decision_outputs[i] == kDetectSpectralKurtosisScore) {
      continue;  // the loop's own (config_valid)
    }
    if (c.calibration.windows > 0) {
      if (interpreter_output(interpreter, c.decision_outputs[i], &t, nullptr) != Status::kOk ||
          !plain_float(*t) || tensor_element_count(*t) != 1) {
        return false;
      }
      continue;
    }
    if (interpreter_output(interpreter, c.decision_outputs[i], &t, nullptr) != Status::kOk ||
        t->type != kTensorTypeInt8 || tensor_element_count(*t) != 1 ||
        t->quant == kTensorQuantPerChannel ||
        (t->quant == kTensorQuantPerTensor && t->zero_point != 0)) {
      return false;
    }
  }
  return true;
}

void write_identity(float* norm, uint32_t f) {
  for (uint32_t i = 0; i < f; ++i) norm[i] = 0.0f, norm[f + i] = 1.0f;
}

// Sketch ranges from the baseline: offset -+ sigmas / scale; a range that collapses in float
// (a huge mean next to a tiny std) falls back to offset -+ 1.
void set_sketch_ranges_from_baseline(DetectLoop* loop) {
  if (loop->config.sketch_bins == 0) return;
  if (loop->sketch_ranges_fixed) {
    sketch_reset(&loop->sketch);
    return;
  }
  const uint32_t f = loop->config.baseline.feature_count;
  const float sigmas = loop->config.sketch_sigmas;
  for (uint32_t i = 0; i < f; ++i) {
    const float offset = loop->normalization[i];
    const float half = sigmas / loop->normalization[f + i];
    float lo = offset - half, hi = offset + half;
    if (!(lo < hi) || !finite(lo) || !finite(hi) || !finite(hi - lo)) lo = offset - 1.0f, hi = offset + 1.0f;
    loop->sketch.lo[i] = lo;
    loop->sketch.hi[i] = hi;
  }
  sketch_reset(&loop->sketch);
}

// The capped EWMA of detect_loop.h (tracking_rate > 0), after the window was scored.
void track_baseline(DetectLoop* loop, const float* raw) {
  const DetectLoopConfig& c = loop->config;
  const uint32_t f = c.baseline.feature_count;
  for (uint32_t i = 0; i < f; ++i) {
    if (!finite(raw[i])) return;
  }
  float* offset = loop->normalization;
  const float* scale = loop->normalization + f;
  for (uint32_t i = 0; i < f; ++i) {
    const float cap = c.tracking_clamp / scale[i];
    float d = raw[i] - offset[i];
    d = d > cap ? cap : (d < -cap ? -cap : d);
    offset[i] = offset[i] + c.tracking_rate * d;
  }
}

// The trend starts from the baseline just set: offset = mean, scale = 1 / std.
void start_trend(DetectLoop* loop) {
  const DetectLoopConfig& c = loop->config;
  loop->trend_score = 0.0f;
  if (c.trend.rate == 0.0f) return;
  const uint32_t f = c.baseline.feature_count;
  const float std = 1.0f / loop->normalization[f + c.trend_feature];
  if (trend_init(&loop->trend, c.trend, loop->normalization[c.trend_feature], std) != DetectStatus::kOk) {
    // A scale whose inverse overflows: a trend that never moves (unit std, level 0, no score).
    trend_init(&loop->trend, c.trend, 0.0f, 1.0f);
    loop->trend.config.clamp = 0.0f;
  }
}

// Where the spectral kurtosis state lies: after the calibration scores (calibration is on).
DetectLoopSpectralKurtosis* sk_state(const DetectLoop& loop) {
  if (loop.config.spectral_kurtosis.frame == 0) return nullptr;
  const uint32_t scores = align8(4u * loop.config.detector_count * loop.config.calibration.windows);
  return reinterpret_cast<DetectLoopSpectralKurtosis*>(reinterpret_cast<uint8_t*>(loop.calibration_scores) + scores);
}

void reset_spectral_kurtosis(DetectLoop* loop) {
  DetectLoopSpectralKurtosis* k = sk_state(*loop);
  if (k == nullptr) return;
  k->mean = 0.0;
  k->m2 = 0.0;
  k->count = 0;
  k->offset = 0.0f;
  k->scale = 0.0f;  // 0 until the baseline is ready: scores 0
  k->score = 0.0f;
}

// One baseline window's indicator (Welford in double, as running_stats).
void learn_spectral_kurtosis(DetectLoopSpectralKurtosis* k, float x) {
  if (!finite(x)) return;
  ++k->count;
  const double v = static_cast<double>(x);
  const double d = v - k->mean;
  k->mean = k->mean + d / static_cast<double>(k->count);
  k->m2 = k->m2 + d * (v - k->mean);
}

// The indicator's baseline as baseline_normalization computes a feature's; fewer than 2 finite
// windows: a score that never moves (scale 0).
void start_spectral_kurtosis(DetectLoop* loop) {
  DetectLoopSpectralKurtosis* k = sk_state(*loop);
  if (k == nullptr) return;
  k->score = 0.0f;
  if (k->count < 2) {
    k->scale = 0.0f;
    return;
  }
  const double floor = static_cast<double>(loop->config.baseline.variance_floor);
  const double variance = k->m2 / static_cast<double>(k->count);
  k->offset = static_cast<float>(k->mean);
  k->scale = static_cast<float>(1.0 / sqrt(variance > floor ? variance : floor));
}

float spectral_kurtosis_score(const DetectLoopSpectralKurtosis& k, float x) {
  if (!finite(x)) return 0.0f;
  const float z = (x - k.offset) * k.scale;
  return z > 0.0f ? z * z : 0.0f;
}

// Detector i's score of the latest invoke: the model's output or the loop's own.
DetectStatus read_score(const DetectLoop& loop, uint32_t i, float* score) {
  if (loop.config.decision_outputs[i] == kDetectTrendScore) {
    *score = loop.trend_score;
    return DetectStatus::kOk;
  }
  if (loop.config.decision_outputs[i] == kDetectSpectralKurtosisScore) {
    *score = sk_state(loop)->score;  // config_valid: on
    return DetectStatus::kOk;
  }
  const uint8_t* out = nullptr;
  if (interpreter_output(*loop.interpreter, loop.config.decision_outputs[i], nullptr, &out) != Status::kOk) {
    return DetectStatus::kErrInvoke;
  }
  memcpy(score, out, 4);
  return DetectStatus::kOk;
}

void enter_stage(DetectLoop* loop, DetectStage stage) {
  loop->stage = stage;
  loop->stage_windows = 0;
}

void enter_monitoring(DetectLoop* loop) {
  enter_stage(loop, DetectStage::kMonitoring);
  loop->phase = DetectPhase::kMonitoring;
  persistence_reset(&loop->persistence);
  set_sketch_ranges_from_baseline(loop);
}

// Commissioning, one window: settle (nothing learned), learn the baseline, then (calibration on)
// collect each detector's score and calibrate its threshold.
DetectStatus commission_step(DetectLoop* loop, const float* raw, DetectWindowResult* result) {
  const DetectLoopConfig& c = loop->config;
  DetectCounters& n = loop->counters;
  ++loop->stage_windows;
  switch (loop->stage) {
    case DetectStage::kSettling:
      if (loop->stage_windows >= c.settle_windows) enter_stage(loop, DetectStage::kLearningBaseline);
      return DetectStatus::kOk;
    case DetectStage::kLearningBaseline: {
      const BaselineState state = baseline_add(&loop->baseline, raw);
      if (state == BaselineState::kReady) {
        baseline_normalization(loop->baseline, loop->normalization);
        start_trend(loop);
        start_spectral_kurtosis(loop);
        n.baseline_ready_window = n.windows;
        result->event = DetectEvent::kBaselineReady;
        if (c.calibration.windows > 0) {
          enter_stage(loop, DetectStage::kCalibrating);
        } else {
          enter_monitoring(loop);
        }
      } else if (state == BaselineState::kFailed) {
        baseline_reset(&loop->baseline);
        reset_spectral_kurtosis(loop);
        ++n.baseline_restarts;
        result->event = DetectEvent::kBaselineRestarted;
      }
      return DetectStatus::kOk;
    }
    case DetectStage::kCalibrating: {
      const uint32_t w = c.calibration.windows;
      for (uint32_t i = 0; i < c.detector_count; ++i) {
        const DetectStatus s = read_score(*loop, i, &loop->calibration_scores[i * w + loop->stage_windows - 1]);
        if (s != DetectStatus::kOk) return s;
      }
      if (c.tracking_rate > 0.0f) track_baseline(loop, raw);
      if (loop->stage_windows < w) return DetectStatus::kOk;
      for (uint32_t i = 0; i < c.detector_count; ++i) {
        // Too few finite scores (a broken sensor): an unreachable threshold, never an alarm storm.
        if (calibrate_threshold(&loop->calibration_scores[i * w], w, c.calibration, &loop->thresholds[i]) !=
            DetectStatus::kOk) {
          loop->thresholds[i] = 3.0e38f;
        }
      }
      n.thresholds_ready_window = n.windows;
      result->event = DetectEvent::kThresholdsReady;
      enter_monitoring(loop);
      return DetectStatus::kOk;
    }
    case DetectStage::kMonitoring:
      break;
  }
  return DetectStatus::kOk;
}

}  // namespace

uint32_t detect_loop_bytes(const DetectLoopConfig& config) {
  if (!config_valid(config)) return 0;
  const uint32_t f = config.baseline.feature_count;
  uint32_t bytes = baseline_bytes(f) + align8(8u * f);
  if (config.sketch_bins > 0) bytes += sketch_bytes({f, config.sketch_bins});
  bytes += align8(4u * config.detector_count * config.calibration.windows);
  if (config.spectral_kurtosis.frame != 0) {
    bytes += align8(static_cast<uint32_t>(sizeof(DetectLoopSpectralKurtosis))) + spectral_kurtosis_bytes(config.spectral_kurtosis);
  }
  return bytes;
}

DetectStatus detect_loop_init(DetectLoop* loop, const DetectLoopConfig& config,
                              Interpreter* interpreter, void* memory, uint32_t bytes) {
  if (loop == nullptr || interpreter == nullptr || interpreter->model == nullptr) {
    return DetectStatus::kErrNullArgument;
  }
  if (!config_valid(config)) return DetectStatus::kErrBadConfig;
  const uint32_t needed = detect_loop_bytes(config);
  DetectStatus s = check_memory(memory, bytes, needed);
  if (s != DetectStatus::kOk) return s;
  uint32_t samples = 0;
  if (!interface_valid(config, *interpreter, &samples)) return DetectStatus::kErrModelInterface;

  const uint32_t f = config.baseline.feature_count;
  MemoryCarver carve(memory);
  void* baseline_memory = carve.take<double>(2u * f);
  s = baseline_init(&loop->baseline, config.baseline, baseline_memory, baseline_bytes(f));
  if (s != DetectStatus::kOk) return s;
  s = persistence_init(&loop->persistence, config.persistence);
  if (s != DetectStatus::kOk) return s;
  loop->normalization = carve.take<float>(2u * f);
  if (config.sketch_bins > 0) {
    const SketchConfig sc{f, config.sketch_bins};
    void* sketch_memory = carve.take<uint8_t>(sketch_bytes(sc));
    s = sketch_init(&loop->sketch, sc, sketch_memory, sketch_bytes(sc));
    if (s == DetectStatus::kOk && config.sketch_ranges != nullptr) {
      s = sketch_set_ranges(&loop->sketch, config.sketch_ranges, nullptr);
    }
    if (s != DetectStatus::kOk) return s;
  }
  loop->calibration_scores = config.calibration.windows > 0
                                 ? carve.take<float>(config.detector_count * config.calibration.windows)
                                 : nullptr;
  if (config.spectral_kurtosis.frame != 0) {
    if (config.spectral_kurtosis.samples > samples) return DetectStatus::kErrModelInterface;
    // Right after the calibration scores: sk_state finds it there.
    DetectLoopSpectralKurtosis* k = carve.take<DetectLoopSpectralKurtosis>(1);
    const uint32_t sk_bytes = spectral_kurtosis_bytes(config.spectral_kurtosis);
    s = spectral_kurtosis_init(&k->sk, config.spectral_kurtosis, carve.take<uint8_t>(sk_bytes), sk_bytes);
    if (s != DetectStatus::kOk) return s;
  }
  for (uint32_t i = 0; i < kDetectMaxDetectors; ++i) loop->thresholds[i] = 0.0f;
  loop->config = config;
  loop->config.sketch_ranges = nullptr;  // copied into the sketch; the caller's array may go
  loop->sketch_ranges_fixed = config.sketch_ranges != nullptr;
  loop->interpreter = interpreter;
  loop->sample_count = samples;
  loop->counters = DetectCounters{0, 0, 0, 0, 0, kDetectNoWindow, kDetectNoWindow, 0, kDetectNoWindow};
  loop->trend = Trend{};
  loop->trend_score = 0.0f;
  detect_loop_recommission(loop);
  return DetectStatus::kOk;
}

void detect_loop_recommission(DetectLoop* loop) {
  loop->phase = DetectPhase::kCommissioning;
  baseline_reset(&loop->baseline);
  persistence_reset(&loop->persistence);
  write_identity(loop->normalization, loop->config.baseline.feature_count);
  loop->counters.baseline_ready_window = kDetectNoWindow;
  loop->counters.thresholds_ready_window = kDetectNoWindow;
  loop->trend_score = 0.0f;
  reset_spectral_kurtosis(loop);
  enter_stage(loop, loop->config.settle_windows > 0 ? DetectStage::kSettling : DetectStage::kLearningBaseline);
}

DetectStatus detect_loop_set_baseline(DetectLoop* loop, const float* norm) {
  if (loop == nullptr || norm == nullptr) return DetectStatus::kErrNullArgument;
  if (loop->config.spectral_kurtosis.frame != 0) return DetectStatus::kErrBadConfig;
  const uint32_t f = loop->config.baseline.feature_count;
  for (uint32_t i = 0; i < f; ++i) {
    if (!finite(norm[i]) || !finite(norm[f + i]) || !(norm[f + i] > 0.0f)) {
      return DetectStatus::kErrBadConfig;
    }
  }
  memcpy(loop->normalization, norm, 8u * f);
  start_trend(loop);
  if (loop->config.calibration.windows > 0) {
    loop->phase = DetectPhase::kCommissioning;
    persistence_reset(&loop->persistence);
    enter_stage(loop, DetectStage::kCalibrating);
  } else {
    enter_monitoring(loop);
  }
  return DetectStatus::kOk;
}

DetectStatus detect_loop_step(DetectLoop* loop, const float* samples, DetectWindowResult* result) {
  if (loop == nullptr || samples == nullptr || result == nullptr) {
    return DetectStatus::kErrNullArgument;
  }
  const DetectLoopConfig& c = loop->config;
  const uint32_t f = c.baseline.feature_count;
  Interpreter& interpreter = *loop->interpreter;
  // Graph inputs may share arena bytes with later tensors: both are written before every invoke.
  uint8_t* in = nullptr;
  if (interpreter_input(interpreter, c.samples_input, nullptr, &in) != Status::kOk) {
    return DetectStatus::kErrInvoke;
  }
  memcpy(in, samples, 4u * loop->sample_count);
  if (c.normalization_input != kDetectNoInput) {
    if (interpreter_input(interpreter, static_cast<uint32_t>(c.normalization_input), nullptr, &in) !=
        Status::kOk) {
      return DetectStatus::kErrInvoke;
    }
    memcpy(in, loop->normalization, 8u * f);
  }
  if (interpreter_invoke(&interpreter) != Status::kOk) return DetectStatus::kErrInvoke;
  const uint8_t* out = nullptr;
  if (interpreter_output(interpreter, c.raw_features_output, nullptr, &out) != Status::kOk) {
    return DetectStatus::kErrInvoke;
  }
  const float* raw = reinterpret_cast<const float*>(out);

  DetectCounters& n = loop->counters;
  result->window = n.windows;
  result->phase = loop->phase;
  result->event = DetectEvent::kNone;
  result->votes = 0;
  result->candidate = false;
  result->alarm = false;
  // The trend runs from the window after the baseline was ready (calibration and monitoring).
  const bool scoring = loop->phase == DetectPhase::kMonitoring || loop->stage == DetectStage::kCalibrating;
  if (c.trend.rate != 0.0f && scoring) loop->trend_score = trend_push(&loop->trend, raw[c.trend_feature]);
  if (c.spectral_kurtosis.frame != 0 && (scoring || loop->stage == DetectStage::kLearningBaseline)) {
    DetectLoopSpectralKurtosis* k = sk_state(*loop);
    const float x = spectral_kurtosis_max(&k->sk, samples);
    if (scoring) {
      k->score = spectral_kurtosis_score(*k, x);
    } else {
      learn_spectral_kurtosis(k, x);  // before commission_step, which may end the baseline here
    }
  }
  if (loop->phase == DetectPhase::kCommissioning) {
    const DetectStatus s = commission_step(loop, raw, result);
    ++n.windows;
    return s;
  }

  if (c.sketch_bins > 0) sketch_add(&loop->sketch, raw);
  int8_t decisions[kDetectMaxDetectors];
  for (uint32_t i = 0; i < c.detector_count; ++i) {
    if (c.calibration.windows > 0) {
      float score;
      const DetectStatus s = read_score(*loop, i, &score);
      if (s != DetectStatus::kOk) return s;
      decisions[i] = score > loop->thresholds[i] ? 1 : 0;  // NaN: not set
    } else {
      if (interpreter_output(interpreter, c.decision_outputs[i], nullptr, &out) != Status::kOk) {
        return DetectStatus::kErrInvoke;
      }
      decisions[i] = static_cast<int8_t>(out[0]);
    }
  }
  result->votes = vote_count(decisions, c.detector_count);
  result->candidate = result->votes >= c.vote_k;
  const PersistenceEvent e = persistence_push(&loop->persistence, result->candidate);
  result->alarm = loop->persistence.alarm;
  if (e == PersistenceEvent::kRaised) {
    result->event = DetectEvent::kAlarmRaised;
    ++n.alarms;
    if (n.first_alarm_window == kDetectNoWindow) n.first_alarm_window = n.windows;
  } else if (e == PersistenceEvent::kCleared) {
    result->event = DetectEvent::kAlarmCleared;
  }
  if (c.tracking_rate > 0.0f) track_baseline(loop, raw);
  ++n.monitoring_windows;
  n.candidates += result->candidate ? 1u : 0u;
  n.alarm_windows += result->alarm ? 1u : 0u;
  ++n.windows;
  return DetectStatus::kOk;
}

const DetectLoopSpectralKurtosis* detect_loop_spectral_kurtosis(const DetectLoop& loop) { return sk_state(loop); }

const char* detect_phase_to_string(DetectPhase phase) {
  switch (phase) {
    case DetectPhase::kCommissioning: return "commissioning";
    case DetectPhase::kMonitoring: return "monitoring";
  }
  return "unknown phase";
}

const char* detect_event_to_string(DetectEvent event) {
  switch (event) {
    case DetectEvent::kNone: return "none";
    case DetectEvent::kBaselineReady: return "baseline_ready";
    case DetectEvent::kBaselineRestarted: return "baseline_restarted";
    case DetectEvent::kAlarmRaised: return "alarm_raised";
    case DetectEvent::kAlarmCleared: return "alarm_cleared";
    case DetectEvent::kThresholdsReady: return "thresholds_ready";
  }
  return "unknown event";
}

}  // namespace tmf::detect
