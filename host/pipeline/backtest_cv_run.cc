// `backtest --cv leave-one-run-out` on a run-to-failure folder: the pool model (scores only; the
// device calibrates its thresholds), one device-loop trace per run and commissioning setting, the
// leave-one-run-out search (backtest_cv.cc) for the pool and each detector alone, and a full
// device-loop replay of every held-out run with its chosen setting, which must agree with the
// search's outcome.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>

#include "device/detect/detect_loop.h"
#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"
#include "host/convert/convert.h"
#include "host/convert/pipeline_graph.h"
#include "host/data/dataset.h"
#include "host/pipeline/backtest_cv.h"
#include "host/pipeline/pipeline_settings.h"
#include "host/pipeline/window_set.h"
#include "host/quantize/quantize_network.h"
#include "host/report/html_report.h"

namespace tmf::pipeline {
namespace {

// Health indicators of different kinds: spectral (band energies), level (RMS), impulsiveness
// (crest factor, kurtosis: spalls and cracks hit before the level rises, where physics allows).
// The first-difference crest factor and kurtosis (issue 16): the same impulsiveness with the
// shaft's low-frequency tones suppressed, where a spall's short resonance bursts show first.
constexpr uint32_t kStats = dsp::kFeatureStatLogRms | dsp::kFeatureStatCrest | dsp::kFeatureStatKurtosis |
                            dsp::kFeatureStatDiffCrest | dsp::kFeatureStatDiffKurtosis;

struct CvDetector {
  std::string name;
  uint32_t first, last;  // one axis's features [first, last); every axis's when several
};

// The model's score outputs; then, with --trend, `trend` (kTrendName), the loop's own trend of ln RMS, and with
// --spectral-kurtosis, `spectral_kurtosis`, the loop's own spectral kurtosis of the samples (not model outputs;
// docs/backtest.md, "A trend indicator", "Spectral kurtosis").
std::vector<CvDetector> cv_detectors(uint32_t bands) {
  return {{"all_bands", 0, bands},         {"low_bands", 0, bands / 2},
          {"high_bands", bands / 2, bands}, {"rms", bands, bands + 1},
          {"crest", bands + 1, bands + 2},  {"kurtosis", bands + 2, bands + 3},
          {"diff_crest", bands + 3, bands + 4}, {"diff_kurtosis", bands + 4, bands + 5}};
}

constexpr const char* kTrendName = "trend";
// Fixed before any replay (docs/backtest.md): a 10 min time constant, the 3-sigma step cap.
constexpr double kTrendMinutes = 10.0;
constexpr float kTrendClamp = 3.0f;

constexpr const char* kSpectralKurtosisName = "spectral_kurtosis";
// Fixed before any FEMTO replay (docs/backtest.md, "Spectral kurtosis"): frames of the power of two
// nearest 4/3 ms (16 samples at CWRU's 12 kHz, the frame that separated CWRU's faults from its
// healthy recording best; 32 at FEMTO's 25.6 kHz), every band but DC, the first axis's window.
constexpr double kSpectralKurtosisFrameS = 16.0 / 12000.0;

uint32_t spectral_kurtosis_frame(double rate) {
  const double target = rate * kSpectralKurtosisFrameS;
  uint32_t frame = detect::kSpectralKurtosisMinFrame;
  while (frame < detect::kSpectralKurtosisMaxFrame && std::abs(2.0 * frame - target) < std::abs(frame - target)) frame *= 2;
  return frame;
}

// "both" (issue 16 item 5): the horizontal and vertical records of one snapshot as one window.
constexpr const char* kBothChannels = "both";
const char* const kBothChannelNames[2] = {"horiz", "vert"};

struct CvModel {
  host::AlignedBuffer file;
  Model model{};
  int normalization_input = -1;
  uint32_t features = 0, detectors = 0;  // detectors: the model's scores, then the loop's own
  uint32_t model_scores = 0;
  std::vector<uint32_t> loop_scores;      // kDetectTrendScore, kDetectSpectralKurtosisScore, in pool order
  uint32_t channels = 1;
  uint32_t window = 0;                    // per axis
  double rate = 0;
  bool trend = false;
  uint32_t trend_feature = 0;             // ln RMS of the first (horizontal) axis
};

CvModel cv_model_build(uint32_t window, double rate, uint32_t bands, uint32_t channels, bool trend, bool spectral_kurtosis) {
  host::Graph g;
  g.source = "backtest cv pool";
  const int samples = host::add_samples_input(g, window, "samples", channels);
  const dsp::FeaturesConfig config =
      host::hann_features_config(window, static_cast<float>(rate), 0.0f, static_cast<float>(rate / 2), bands, kStats);
  const uint32_t per_axis = dsp::features_count(config);
  const uint32_t f = channels * per_axis;
  host::DspFeaturesOptions fo;
  // z in [0, 32] baseline std: a quieter machine (run-in over, lighter load) scores 0, not an alarm.
  const host::Quantization q = quantize::quantization_for_range(0.0f, 32.0f);
  fo.output_scale = q.scales[0];
  fo.output_zero_point = static_cast<int32_t>(q.zero_points[0]);
  fo.normalization_as_input = true;
  fo.raw_output = true;
  const host::DspFeaturesTensors t = host::add_dsp_features(g, samples, config, fo);
  g.outputs = {t.raw};
  const std::vector<CvDetector> detectors = cv_detectors(bands);
  for (const CvDetector& d : detectors) {
    // The mean squared excess over this kind of feature on every axis (docs/backtest.md).
    std::vector<float> whitening(static_cast<size_t>(f) * f, 0.0f);
    const float w = 1.0f / std::sqrt(static_cast<float>(channels * (d.last - d.first)));
    for (uint32_t c = 0; c < channels; ++c) {
      for (uint32_t b = c * per_axis + d.first; b < c * per_axis + d.last; ++b) whitening[static_cast<size_t>(b) * f + b] = w;
    }
    g.outputs.push_back(host::add_score_mahalanobis(g, t.features, std::vector<float>(f, 0.0f), whitening, "score_" + d.name));
  }
  host::ConvertOptions co;
  co.model_name = "backtest-cv-pool";
  CvModel m;
  m.file = host::AlignedBuffer(host::convert_graph(std::move(g), co).file);
  if (model_validate(m.file.data(), m.file.size(), &m.model, nullptr) != Status::kOk) {
    throw PipelineError("backtest: the pool model fails validation");
  }
  m.normalization_input = t.normalization_input;
  m.features = f;
  m.channels = channels;
  m.model_scores = static_cast<uint32_t>(detectors.size());
  if (trend) m.loop_scores.push_back(detect::kDetectTrendScore);
  if (spectral_kurtosis) m.loop_scores.push_back(detect::kDetectSpectralKurtosisScore);
  m.detectors = m.model_scores + static_cast<uint32_t>(m.loop_scores.size());
  m.window = window;
  m.rate = rate;
  m.trend = trend;
  m.trend_feature = bands;
  return m;
}

struct Snap {
  double t_s;
  uint32_t recording;
  uint32_t second = UINT32_MAX;  // "both": the vertical record of the same snapshot
};

struct Run {
  std::string name;
  std::vector<Snap> snaps;
  double end_s = 0;
  double spacing_s = 0;  // median time between windows
};


std::vector<Run> runs_read(const data::Dataset& ds, const std::string& channel, double* rate, uint32_t* window) {
  std::map<std::string, Run> runs;
  const bool has_channel = std::find(ds.columns.begin(), ds.columns.end(), "channel") != ds.columns.end();
  const bool has_time = std::find(ds.columns.begin(), ds.columns.end(), "elapsed_s") != ds.columns.end();
  const bool both = channel == kBothChannels;
  if (both && (!has_channel || !has_time)) {
    throw PipelineError(ds.manifest_path + ": --channel both pairs records by the 'channel' and 'elapsed_s' columns");
  }
  *rate = ds.recordings.front().sample_rate_hz;
  uint64_t shortest = UINT64_MAX;
  // "both": (run, elapsed_s) -> the horizontal and the vertical record.
  std::map<std::pair<std::string, double>, std::pair<uint32_t, uint32_t>> pairs;
  for (uint32_t i = 0; i < ds.recordings.size(); ++i) {
    const data::Recording& r = ds.recordings[i];
    if (r.channels != 1) throw PipelineError(r.where + ": the backtest takes single-channel records");
    if (r.sample_rate_hz != *rate) throw PipelineError(r.where + ": every recording must share one sample rate");
    if (both) {
      const std::string& ch = r.field("channel");
      if (ch != kBothChannelNames[0] && ch != kBothChannelNames[1]) continue;
      const std::pair<std::string, double> key(r.condition, r.number("elapsed_s"));
      auto& p = pairs.try_emplace(key, UINT32_MAX, UINT32_MAX).first->second;
      (ch == kBothChannelNames[0] ? p.first : p.second) = i;
      shortest = std::min(shortest, r.num_samples);
      continue;
    }
    if (has_channel && !channel.empty() && r.field("channel") != channel) continue;
    Run& run = runs[r.condition];
    run.name = r.condition;
    run.snaps.push_back({has_time ? r.number("elapsed_s") : static_cast<double>(run.snaps.size()) * r.seconds(), i});
    shortest = std::min(shortest, r.num_samples);
  }
  for (const auto& [key, p] : pairs) {
    if (p.first == UINT32_MAX || p.second == UINT32_MAX) continue;  // a snapshot without both axes
    Run& run = runs[key.first];
    run.name = key.first;
    run.snaps.push_back({key.second, p.first, p.second});
  }
  if (runs.empty()) throw PipelineError(ds.manifest_path + ": no recording of channel '" + channel + "'");
  if (shortest < 64) throw PipelineError(ds.manifest_path + ": recordings shorter than 64 samples");
  *window = std::bit_floor(static_cast<uint32_t>(std::min<uint64_t>(shortest, 4096)));
  std::vector<Run> out;
  for (auto& [name, run] : runs) {
    std::sort(run.snaps.begin(), run.snaps.end(), [](const Snap& a, const Snap& b) { return a.t_s < b.t_s; });
    const double t0 = run.snaps.front().t_s;
    for (Snap& s : run.snaps) s.t_s -= t0;
    run.end_s = run.snaps.back().t_s;
    std::vector<double> gaps;
    for (size_t i = 1; i < run.snaps.size(); ++i) gaps.push_back(run.snaps[i].t_s - run.snaps[i - 1].t_s);
    if (gaps.empty()) throw PipelineError(ds.manifest_path + ": run " + name + " has a single window");
    std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
    run.spacing_s = gaps[gaps.size() / 2];
    out.push_back(std::move(run));
  }
  return out;
}

// Windows of a run in [from_min, to_min) minutes.
uint32_t windows_between(const Run& run, double from_min, double to_min) {
  uint32_t n = 0;
  for (const Snap& s : run.snaps) n += s.t_s >= from_min * 60 && s.t_s < to_min * 60;
  return n;
}

// One device loop over a run. `voting`: pool indices of the detectors that vote (their score
// outputs become the loop's decisions). Returns the trace (every detector's scores read from the
// model's outputs) and, in `loop_out`, what the loop itself decided.
struct LoopReplay {
  CvRunTrace trace;
  double first_alarm_s = -1;
  uint32_t alarms_in_first_half = 0;
  std::vector<float> thresholds;
};

LoopReplay loop_replay(const CvModel& m, const Run& run, SampleCache& cache, const CvCommissioning& cm, const CvGrid& grid,
                       uint32_t probability, uint32_t voting, uint32_t k, std::pair<uint32_t, uint32_t> persistence) {
  const uint32_t arena_bytes = m.model.header->arena_bytes;
  host::AlignedBuffer arena(arena_bytes);
  Interpreter interpreter{};
  interpreter_init(&interpreter, &m.model, arena.data(), arena_bytes);
  detect::DetectLoopConfig c{};
  c.samples_input = 0;
  c.normalization_input = m.normalization_input;
  c.raw_features_output = 0;
  std::vector<uint32_t> voters;
  for (uint32_t d = 0; d < m.detectors; ++d) {
    if (!(voting & (1u << d))) continue;
    c.decision_outputs[voters.size()] = d < m.model_scores ? 1 + d : m.loop_scores[d - m.model_scores];
    voters.push_back(d);
  }
  c.detector_count = static_cast<uint32_t>(voters.size());
  c.vote_k = k;
  c.persistence = {persistence.second, persistence.first, 1};
  c.settle_windows = windows_between(run, 0, cm.settle_min);
  const uint32_t baseline = windows_between(run, cm.settle_min, cm.settle_min + cm.baseline_min);
  const uint32_t calibration =
      windows_between(run, cm.settle_min + cm.baseline_min, cm.settle_min + cm.baseline_min + cm.calibration_min);
  if (baseline < 2 || calibration < 4 || calibration > detect::kCalibrationMaxWindows) {
    throw PipelineError("backtest: run " + run.name + ": commissioning needs >= 2 baseline and 4..256 calibration windows");
  }
  c.baseline = {m.features, baseline, baseline, 2, grid.variance_floor};
  c.calibration = {calibration, grid.probabilities.at(probability), grid.tail_fraction, grid.min_threshold};
  if (cm.tracking_min > 0) {
    // Per window: the device knows its own sampling interval (here the run's median spacing).
    c.tracking_rate = static_cast<float>(-std::expm1(-run.spacing_s / (cm.tracking_min * 60)));
    c.tracking_clamp = grid.tracking_clamp;
  }
  if (m.trend) {
    c.trend = {static_cast<float>(-std::expm1(-run.spacing_s / (kTrendMinutes * 60))), kTrendClamp};
    c.trend_feature = m.trend_feature;
  }
  if (std::find(m.loop_scores.begin(), m.loop_scores.end(), detect::kDetectSpectralKurtosisScore) != m.loop_scores.end()) {
    c.spectral_kurtosis = {static_cast<uint8_t>(spectral_kurtosis_frame(m.rate)), 1, static_cast<uint16_t>(m.window)};
  }
  std::vector<uint64_t> memory((detect::detect_loop_bytes(c) + 7) / 8);
  detect::DetectLoop loop{};
  const detect::DetectStatus st =
      detect::detect_loop_init(&loop, c, &interpreter, memory.data(), static_cast<uint32_t>(memory.size() * 8));
  if (st != detect::DetectStatus::kOk) {
    throw PipelineError(std::string("backtest: detection loop: ") + detect::detect_status_to_string(st));
  }
  LoopReplay r;
  r.trace.name = run.name;
  r.trace.run_end_s = run.end_s;
  r.trace.calibration.resize(m.detectors);
  r.trace.scores.resize(m.detectors);
  const uint32_t window = loop.sample_count / m.channels;
  std::vector<float> both(loop.sample_count);
  for (const Snap& s : run.snaps) {
    const detect::DetectStage stage = loop.stage;
    detect::DetectWindowResult w{};
    const float* samples = cache.samples(s.recording).data();
    if (m.channels == 2) {  // [horizontal window, vertical window]: each record's first samples
      std::copy_n(samples, window, both.data());
      std::copy_n(cache.samples(s.second).data(), window, both.data() + window);
      samples = both.data();
    }
    if (detect::detect_loop_step(&loop, samples, &w) != detect::DetectStatus::kOk) {
      throw PipelineError("backtest: invoke failed");
    }
    const bool monitoring = w.phase == detect::DetectPhase::kMonitoring;
    if (monitoring) r.trace.t_s.push_back(s.t_s);
    for (uint32_t d = 0; d < m.detectors; ++d) {
      float score = 0;
      if (d < m.model_scores) {
        const uint8_t* out = nullptr;
        interpreter_output(interpreter, 1 + d, nullptr, &out);
        std::memcpy(&score, out, 4);
      } else {
        score = m.loop_scores[d - m.model_scores] == detect::kDetectTrendScore
                    ? loop.trend_score
                    : detect::detect_loop_spectral_kurtosis(loop)->score;
      }
      if (stage == detect::DetectStage::kCalibrating) r.trace.calibration[d].push_back(score);
      if (monitoring) r.trace.scores[d].push_back(score);
    }
    if (w.event == detect::DetectEvent::kAlarmRaised) {
      if (r.first_alarm_s < 0) r.first_alarm_s = s.t_s;
      if (s.t_s < run.end_s / 2) ++r.alarms_in_first_half;
    }
  }
  r.thresholds.assign(m.detectors, 0.0f);
  for (size_t i = 0; i < voters.size(); ++i) r.thresholds[voters[i]] = loop.thresholds[i];
  return r;
}

}  // namespace

BacktestCvResult backtest_cv_run(const BacktestCvOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const data::Dataset ds = data::dataset_read(o.data_dir);
  if (ds.recordings.empty()) throw PipelineError(ds.manifest_path + ": no recordings");
  double rate = 0;
  uint32_t window = 0;
  const std::vector<Run> runs = runs_read(ds, o.channel, &rate, &window);
  if (runs.size() < 3) throw PipelineError(ds.manifest_path + ": leave-one-run-out needs at least 3 runs");
  const CvModel m =
      cv_model_build(window, rate, o.bands, o.channel == kBothChannels ? 2 : 1, o.trend, o.spectral_kurtosis);
  BacktestCvResult result;
  for (const CvDetector& d : cv_detectors(o.bands)) result.detectors.push_back(d.name);
  if (o.trend) result.detectors.push_back(kTrendName);
  if (o.spectral_kurtosis) result.detectors.push_back(kSpectralKurtosisName);
  result.spectral_kurtosis_frame = o.spectral_kurtosis ? spectral_kurtosis_frame(rate) : 0;
  result.grid = cv_grid_default();
  result.grid.objective = o.objective;
  if (o.budget_lead) cv_add_budget_lead(&result.grid);
  result.grid.variance_floor = o.variance_floor;
  result.window = window;
  result.model_bytes = m.file.size();
  result.arena_bytes = m.model.header->arena_bytes;
  const CvGrid& grid = result.grid;
  SampleCache cache(ds);
  std::vector<std::vector<CvRunTrace>> traces(grid.commissioning.size());
  for (size_t c = 0; c < grid.commissioning.size(); ++c) {
    if (o.progress) o.progress("device traces, commissioning " + std::to_string(c + 1) + "/" + std::to_string(grid.commissioning.size()));
    for (const Run& run : runs) {
      traces[c].push_back(loop_replay(m, run, cache, grid.commissioning[c], grid, 0, 1, 1, {1, 1}).trace);
    }
  }
  if (o.progress) o.progress("leave-one-run-out: pool");
  const uint32_t all = (1u << m.detectors) - 1;
  result.pool = cv_leave_one_run_out(traces, grid, all, false);
  for (uint32_t d = 0; d < m.detectors; ++d) {
    if (o.progress) o.progress("leave-one-run-out: " + result.detectors[d] + " alone");
    result.members.push_back(cv_leave_one_run_out(traces, grid, 1u << d, true));
  }
  // Every held-out verdict once more through the full device loop with the chosen setting.
  if (o.progress) o.progress("held-out replays through the device loop");
  auto verify = [&](const std::vector<CvFold>& folds) {
    for (size_t r = 0; r < runs.size(); ++r) {
      const CvFold& f = folds[r];
      const LoopReplay rep = loop_replay(m, runs[r], cache, grid.commissioning[f.setting.commissioning], grid,
                                         f.setting.probability, f.setting.detectors, f.setting.vote_k,
                                         grid.persistence[f.setting.persistence]);
      if (rep.first_alarm_s != f.outcome.first_alarm_s || rep.alarms_in_first_half != f.outcome.alarms_in_first_half ||
          rep.thresholds != f.outcome.thresholds) {
        throw PipelineError("backtest: internal: the device loop disagrees with the search on run " + runs[r].name);
      }
    }
  };
  verify(result.pool);
  for (const auto& member : result.members) verify(member);
  if (o.progress) o.progress("leave-one-run-out: the vote of the members");
  result.vote = cv_vote_of_members(traces, grid, result.members);
  result.vote_summary = cv_summarize(result.vote);
  result.pool_summary = cv_summarize(result.pool);
  for (const auto& member : result.members) result.member_summaries.push_back(cv_summarize(member));
  for (size_t r = 0; r < runs.size(); ++r) result.report_traces.push_back(traces[result.pool[r].setting.commissioning][r]);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace tmf::pipeline
