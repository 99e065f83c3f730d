// The per-window detection loop a device (and the host backtest, and the virtual devices) runs on
// a pipeline model file: commissioning (learn the device's own baseline from the raw features, no
// alarms) then monitoring (write the baseline into the model's normalization input, invoke, read
// the n detectors' decisions, vote k of n, filter m of the last w, emit alarm raised / cleared).
// Fixed memory from the caller, no heap; the caller owns the interpreter. docs/detect.md.
#pragma once

#include <stdint.h>

#include "device/detect/baseline.h"
#include "device/detect/calibrate.h"
#include "device/detect/detect_status.h"
#include "device/detect/persistence.h"
#include "device/detect/sketch.h"
#include "device/detect/spectral_kurtosis.h"
#include "device/detect/trend.h"
#include "device/detect/vote.h"
#include "device/runtime/interpreter.h"

namespace tmf::detect {

constexpr uint32_t kDetectNoWindow = 0xFFFFFFFFu;
constexpr int32_t kDetectNoInput = -1;
// A decision_outputs entry naming the loop's own trend score (trend on, calibration on) instead
// of a model output.
constexpr uint32_t kDetectTrendScore = 0xFFFFFFFEu;
// ... naming the loop's own spectral kurtosis score (spectral kurtosis on, calibration on).
constexpr uint32_t kDetectSpectralKurtosisScore = 0xFFFFFFFDu;

struct DetectLoopConfig {
  // The model interface: graph input / output indices of the model the interpreter runs.
  uint32_t samples_input;        // float32 without quantization, N elements (the raw window)
  int32_t normalization_input;   // float32 [2, F] (DSP_FEATURES input 3 as a graph input), or
                                 // kDetectNoInput: the model's constant normalization is used and
                                 // the learned baseline only feeds sketches and telemetry
  uint32_t raw_features_output;  // float32 without quantization, F elements (DSP_FEATURES output 1)
  uint32_t detector_count;       // n: 1..kDetectMaxDetectors
  uint32_t decision_outputs[kDetectMaxDetectors];  // int8, one element each (DECISION_THRESHOLD)
  uint32_t vote_k;               // k: 1..n
  PersistenceConfig persistence;
  BaselineConfig baseline;       // baseline.feature_count = F, the model's feature count
  uint32_t sketch_bins;          // 0: no sketch; else 1..kSketchMaxBins
  float sketch_sigmas;           // ranges mean -+ sigmas * std of the baseline (finite, > 0) ...
  const float* sketch_ranges;    // ... unless this is set: fixed [2][F] ranges (lows, then highs),
                                 // copied at init
  // Issue 16 (zero = off, the behaviour above). Run-in: the first settle_windows windows after
  // (re)commissioning are invoked but neither learned nor monitored (a new bearing's first,
  // noisy hours).
  uint32_t settle_windows;
  // calibration.windows > 0: decision_outputs name float32 score outputs (one element each, no
  // quantization) instead of int8 decisions; after the baseline, the next calibration.windows
  // windows (still commissioning, no alarms) collect each detector's scores, and each threshold
  // is calibrate_threshold() of its own scores; monitoring then sets decision i when
  // score_i > threshold_i.
  CalibrationConfig calibration;
  // Issue 16, a baseline that keeps learning (run-in, slow drift of load and temperature).
  // tracking_rate = 0: off. In (0, 1): from the window after the baseline is ready (calibration
  // and monitoring, also after detect_loop_set_baseline), once the window has been scored, every
  // offset moves toward the window's raw feature by
  //   offset += tracking_rate * clamp(raw - offset, -tracking_clamp / scale, +tracking_clamp / scale)
  // in float (an EWMA whose step is capped at tracking_clamp baseline standard deviations, so a
  // spike moves it little); a window with a non-finite feature moves nothing. Scales stay as
  // commissioned. The scores then measure change against the machine's own recent past: a
  // drift slower than 1 / tracking_rate windows is followed, a step is not.
  float tracking_rate;
  float tracking_clamp;  // finite, > 0 when tracking is on
  // Issue 16 item 2, a trend of one raw feature (trend.h; trend.rate = 0: off). From the
  // baseline's ready window the trend starts at that feature's commissioned mean and std; every
  // later window (calibration and monitoring) pushes raw[trend_feature] before the detectors are
  // read, and a decision_outputs entry kDetectTrendScore votes with its score like a model score.
  TrendConfig trend;
  uint32_t trend_feature;  // < F when the trend is on
  // Issue 16 item 2, spectral kurtosis of the raw samples (spectral_kurtosis.h; frame = 0: off;
  // samples <= the model's sample count). Its indicator's own baseline (mean, std with
  // baseline.variance_floor, in double as the feature baseline) is learned from the same
  // baseline windows (a window with a non-finite indicator is skipped); every later window
  // (calibration and monitoring) scores (max(0, x - mean) / std)^2, the z^2 of the model's
  // detectors, and a decision_outputs entry kDetectSpectralKurtosisScore votes with it. Needs
  // calibration on. detect_loop_set_baseline refuses a loop with it on (the installed baseline has
  // no indicator). Its state lives in the caller's memory (DetectLoopSpectralKurtosis).
  SpectralKurtosisConfig spectral_kurtosis;
};

// The loop's spectral kurtosis state, carved from the caller's memory right after the calibration
// scores (DetectLoop keeps no pointer to it: the 16 KB build has no RAM for a larger DetectLoop).
struct DetectLoopSpectralKurtosis {
  double mean, m2;      // Welford over the baseline windows' indicators
  uint32_t count;
  float offset, scale;  // the mean and 1 / std once the baseline is ready (scale 0 before: scores 0)
  float score;          // the latest window's score (0 before)
  SpectralKurtosis sk;
};

enum class DetectPhase : uint8_t { kCommissioning = 0, kMonitoring };

enum class DetectEvent : uint8_t {
  kNone = 0,
  kBaselineReady,      // commissioning ended at this window; monitoring starts with the next
  kBaselineRestarted,  // the budget ran out with too few finite windows: learning starts again
  kAlarmRaised,
  kAlarmCleared,
  kThresholdsReady,    // calibration ended at this window (calibration on); monitoring starts next
};

// What one window did.
struct DetectWindowResult {
  uint32_t window;    // 0-based index of the window since init
  DetectPhase phase;  // the phase the window was processed in
  DetectEvent event;
  uint32_t votes;     // decisions set (monitoring; 0 while commissioning)
  bool candidate;     // votes >= k
  bool alarm;         // the alarm state after this window
};

struct DetectCounters {
  uint32_t windows;                // windows processed (both phases)
  uint32_t monitoring_windows;
  uint32_t candidates;             // monitoring windows with votes >= k
  uint32_t alarms;                 // alarms raised
  uint32_t alarm_windows;          // monitoring windows that ended with the alarm on
  uint32_t first_alarm_window;     // window index of the first raise, or kDetectNoWindow
  uint32_t baseline_ready_window;  // window index where commissioning ended, or kDetectNoWindow
  uint32_t baseline_restarts;
  uint32_t thresholds_ready_window;  // calibration ended here (calibration on), or kDetectNoWindow
};

// Where commissioning is (DetectPhase::kCommissioning covers all three).
enum class DetectStage : uint8_t { kSettling = 0, kLearningBaseline, kCalibrating, kMonitoring };

struct DetectLoop {
  DetectLoopConfig config;
  Interpreter* interpreter;
  uint32_t sample_count;  // N
  // The one-byte fields side by side: no padding between them (the 16 KB build counts these bytes).
  DetectPhase phase;
  DetectStage stage;
  bool sketch_ranges_fixed;  // config.sketch_ranges was given (copied into sketch.lo / hi)
  Baseline baseline;
  Persistence persistence;
  FeatureSketch sketch;   // valid when config.sketch_bins > 0; reset when monitoring starts
  float* normalization;   // [2F]: identity while commissioning, the baseline while monitoring
  DetectCounters counters;
  uint32_t stage_windows;               // windows spent in the current stage
  float* calibration_scores;            // [n][calibration.windows] (calibration on)
  float thresholds[kDetectMaxDetectors];  // calibrated (calibration on, once monitoring)
  Trend trend;                          // config.trend.rate > 0, once the baseline is ready
  float trend_score;                    // the latest window's trend score (0 before)
};

// Bytes of caller memory: baseline_bytes(F) + align8(8 F) (normalization) + sketch_bytes (if any)
// + align8(4 n calibration.windows) (calibration on) + align8(sizeof(DetectLoopSpectralKurtosis)) +
// spectral_kurtosis_bytes (spectral kurtosis on); 0 for a bad config. F = 32, 16 bins: 512 + 256 + 2,816 = 3,584.
uint32_t detect_loop_bytes(const DetectLoopConfig& config);

// Checks the config and the model interface (indices, types, element counts) against the
// interpreter's model. memory: detect_loop_bytes(config), 8-byte aligned. The interpreter and the
// memory must outlive the loop. Errors: kErrNullArgument, kErrBadConfig, kErrMisaligned,
// kErrMemoryTooSmall, kErrModelInterface.
DetectStatus detect_loop_init(DetectLoop* loop, const DetectLoopConfig& config,
                              Interpreter* interpreter, void* memory, uint32_t bytes);

// One window of N raw samples: writes the samples and the normalization (identity offsets 0 and
// scales 1 while commissioning, the baseline afterwards) into the model's inputs, invokes, then
// commissioning: offers the raw features to the baseline (decisions are ignored);
// monitoring: sketches the raw features, votes the decisions, pushes the candidate through the
// persistence filter. The model's outputs (scores, decisions) stay readable in the interpreter
// until the next invoke. Errors: kErrNullArgument, kErrInvoke (nothing counted).
DetectStatus detect_loop_step(DetectLoop* loop, const float* samples, DetectWindowResult* result);

// Installs a baseline learned before (e.g. kept in flash across a reboot): norm is [2][F] as
// baseline_normalization writes it (scales finite and > 0, offsets finite). Enters monitoring
// with an empty persistence ring (calibration on: enters calibration, which then monitors). Errors:
// kErrNullArgument, kErrBadConfig (also: spectral kurtosis on).
DetectStatus detect_loop_set_baseline(DetectLoop* loop, const float* norm);

// Forgets the baseline and the alarm state and commissions again (e.g. after a sensor remount).
// Counters other than the phase-related ones are kept.
void detect_loop_recommission(DetectLoop* loop);

// The normalization written before each invoke ([2][F]); the learned baseline once monitoring.
inline const float* detect_loop_normalization(const DetectLoop& loop) { return loop.normalization; }

// The spectral kurtosis state (config.spectral_kurtosis.frame > 0), else nullptr.
const DetectLoopSpectralKurtosis* detect_loop_spectral_kurtosis(const DetectLoop& loop);

const char* detect_phase_to_string(DetectPhase phase);
const char* detect_event_to_string(DetectEvent event);

}  // namespace tmf::detect
