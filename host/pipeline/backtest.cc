// The backtest (see backtest.h): a pool model built for the dataset's rate, replayed per run
// through device/detect's loop on the device runtime.
#include "host/pipeline/backtest.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>

#include "device/detect/detect_loop.h"
#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"
#include "host/convert/convert.h"
#include "host/convert/pipeline_graph.h"
#include "host/data/dataset.h"
#include "host/pipeline/pipeline_settings.h"
#include "host/quantize/quantize_network.h"
#include "host/report/html_report.h"
#include "host/pipeline/window_set.h"

namespace tmf::pipeline {
namespace {

// The pool's detectors: mean squared positive excess over the device's own baseline, over all
// bands, the lower half and the upper half (SCORE_MAHALANOBIS with mean 0 and a diagonal
// whitening that averages the chosen bands). Negative deviations (a quieter machine) are clipped
// by the features' int8 range [0, 32], so only rising energy counts.
struct PoolDetector {
  std::string name;
  uint32_t first, last;  // bands [first, last)
};

std::vector<PoolDetector> pool_detectors(uint32_t bands) {
  return {{"all_bands", 0, bands}, {"low_bands", 0, bands / 2}, {"high_bands", bands / 2, bands}};
}

// The pool file, validated once where it lies (a 16-aligned copy); every replay runs it with its
// own arena. `model` points into `file`, whose heap buffer survives a move of the struct.
struct PoolModel {
  host::AlignedBuffer file;
  Model model{};
  uint32_t window = 0;
  int normalization_input = -1;
};

PoolModel pool_model_build(uint32_t window, double rate, const BacktestOptions& o) {
  host::Graph g;
  g.source = "backtest pool";
  const int samples = host::add_samples_input(g, window);
  const dsp::FeaturesConfig config =
      host::hann_features_config(window, static_cast<float>(rate), 0.0f, static_cast<float>(rate / 2), o.bands, 0);
  host::DspFeaturesOptions fo;
  const host::Quantization q = quantize::quantization_for_range(0.0f, 32.0f);
  fo.output_scale = q.scales[0];
  fo.output_zero_point = static_cast<int32_t>(q.zero_points[0]);
  fo.normalization_as_input = true;
  fo.raw_output = true;
  const host::DspFeaturesTensors t = host::add_dsp_features(g, samples, config, fo);
  std::vector<int> decisions, scores;
  for (const PoolDetector& d : pool_detectors(o.bands)) {
    std::vector<float> whitening(static_cast<size_t>(o.bands) * o.bands, 0.0f);
    const float w = 1.0f / std::sqrt(static_cast<float>(d.last - d.first));
    for (uint32_t b = d.first; b < d.last; ++b) whitening[static_cast<size_t>(b) * o.bands + b] = w;
    const int score = host::add_score_mahalanobis(g, t.features, std::vector<float>(o.bands, 0.0f), whitening,
                                                  "score_" + d.name);
    scores.push_back(score);
    decisions.push_back(host::add_decision_threshold(g, score, o.threshold, "decision_" + d.name));
  }
  g.outputs = {t.raw};
  g.outputs.insert(g.outputs.end(), decisions.begin(), decisions.end());
  g.outputs.insert(g.outputs.end(), scores.begin(), scores.end());
  host::ConvertOptions co;
  co.model_name = "backtest-pool";
  PoolModel m;
  m.file = host::AlignedBuffer(host::convert_graph(std::move(g), co).file);
  if (model_validate(m.file.data(), m.file.size(), &m.model, nullptr) != Status::kOk) {
    throw PipelineError("backtest: the pool model fails validation");
  }
  m.window = window;
  m.normalization_input = t.normalization_input;
  return m;
}

struct Snapshot {
  double t_s;
  uint32_t recording;
};

struct Replay {
  double first_alarm_s = -1;
  uint32_t alarms_in_first_half = 0;
  uint32_t baseline_windows = 0;
  std::vector<BacktestPoint> points;
};

// One run through the device's detection loop on the device runtime, voting over `detectors`
// (indices into the pool) with k of n and m of w.
Replay replay(const PoolModel& pm, const std::vector<Snapshot>& snaps, SampleCache& cache,
              const std::vector<uint32_t>& detectors, uint32_t k, detect::PersistenceConfig persistence,
              uint32_t baseline_windows, uint32_t bands, double half_s) {
  const uint32_t arena_bytes = pm.model.header->arena_bytes;
  host::AlignedBuffer arena(arena_bytes);
  Interpreter interpreter{};
  interpreter_init(&interpreter, &pm.model, arena.data(), arena_bytes);

  detect::DetectLoopConfig c{};
  c.samples_input = 0;
  c.normalization_input = pm.normalization_input;
  c.raw_features_output = 0;
  c.detector_count = static_cast<uint32_t>(detectors.size());
  for (size_t i = 0; i < detectors.size(); ++i) c.decision_outputs[i] = 1 + detectors[i];
  c.vote_k = k;
  c.persistence = persistence;
  c.baseline.feature_count = bands;
  c.baseline.target_windows = std::max<uint32_t>(baseline_windows, 2);
  c.baseline.max_windows = c.baseline.target_windows;
  c.baseline.min_windows = 2;
  // ln-energy units: a floor of (0.05)^2 keeps a band that barely moved during commissioning from
  // turning noise into huge z-scores.
  c.baseline.variance_floor = 0.0025f;
  std::vector<uint64_t> memory((detect::detect_loop_bytes(c) + 7) / 8);
  detect::DetectLoop loop{};
  const detect::DetectStatus st = detect::detect_loop_init(&loop, c, &interpreter, memory.data(),
                                                           static_cast<uint32_t>(memory.size() * 8));
  if (st != detect::DetectStatus::kOk) {
    throw PipelineError(std::string("backtest: detection loop: ") + detect::detect_status_to_string(st));
  }
  Replay r;
  r.baseline_windows = c.baseline.target_windows;
  const uint32_t score_output = 1 + 3;  // scores follow the three decisions; the first is all bands
  for (const Snapshot& s : snaps) {
    detect::DetectWindowResult w{};
    if (detect::detect_loop_step(&loop, cache.samples(s.recording).data(), &w) != detect::DetectStatus::kOk) {
      throw PipelineError("backtest: invoke failed");
    }
    const TensorRecord* tensor = nullptr;
    const uint8_t* out = nullptr;
    interpreter_output(interpreter, score_output, &tensor, &out);
    BacktestPoint p;
    p.t_s = s.t_s;
    std::memcpy(&p.score, out, sizeof(float));
    p.alarm = w.alarm;
    if (w.phase == detect::DetectPhase::kCommissioning) p.score = 0;
    r.points.push_back(p);
    if (w.event == detect::DetectEvent::kAlarmRaised) {
      if (r.first_alarm_s < 0) r.first_alarm_s = s.t_s;
      if (s.t_s < half_s) ++r.alarms_in_first_half;
    }
  }
  return r;
}

}  // namespace

BacktestResult backtest_run(const BacktestOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const data::Dataset ds = data::dataset_read(o.data_dir);
  if (ds.recordings.empty()) throw PipelineError(ds.manifest_path + ": no recordings");
  // Runs: recordings grouped by label (`bearing` in the run-to-failure layout), one channel,
  // ordered by elapsed time.
  std::map<std::string, std::vector<Snapshot>> runs;
  const double rate = ds.recordings.front().sample_rate_hz;
  uint64_t shortest = UINT64_MAX;
  const bool has_channel = std::find(ds.columns.begin(), ds.columns.end(), "channel") != ds.columns.end();
  const bool has_time = std::find(ds.columns.begin(), ds.columns.end(), "elapsed_s") != ds.columns.end();
  for (uint32_t i = 0; i < ds.recordings.size(); ++i) {
    const data::Recording& r = ds.recordings[i];
    if (has_channel && !o.channel.empty() && r.field("channel") != o.channel) continue;
    if (r.sample_rate_hz != rate) throw PipelineError(r.where + ": every recording must share one sample rate");
    std::vector<Snapshot>& run = runs[r.condition];
    run.push_back({has_time ? r.number("elapsed_s") : static_cast<double>(run.size()) * r.seconds(), i});
    shortest = std::min(shortest, r.num_samples);
  }
  if (runs.empty()) throw PipelineError(ds.manifest_path + ": no recording of channel '" + o.channel + "'");
  if (shortest < 64) throw PipelineError(ds.manifest_path + ": recordings shorter than 64 samples");
  // The window: the largest power of two a recording holds (its first samples), at most 4096.
  const uint32_t window = std::min<uint32_t>(4096, std::bit_floor(static_cast<uint32_t>(std::min<uint64_t>(shortest, 4096))));
  const PoolModel pm = pool_model_build(window, rate, o);

  BacktestResult result;
  for (const PoolDetector& d : pool_detectors(o.bands)) result.detectors.push_back(d.name);
  result.window = window;
  result.model_bytes = pm.file.size();
  result.arena_bytes = pm.model.header->arena_bytes;
  SampleCache cache(ds);
  size_t done = 0;
  for (auto& [name, snaps] : runs) {
    if (o.progress) o.progress(name, done, runs.size());
    std::sort(snaps.begin(), snaps.end(), [](const Snapshot& a, const Snapshot& b) { return a.t_s < b.t_s; });
    BacktestRun run;
    run.name = name;
    const double t0 = snaps.front().t_s;
    for (Snapshot& s : snaps) s.t_s -= t0;
    run.run_end_s = snaps.back().t_s;
    run.windows = static_cast<uint32_t>(snaps.size());
    uint32_t baseline = 0;
    for (const Snapshot& s : snaps) baseline += s.t_s < o.baseline_minutes * 60;
    const double half = run.run_end_s / 2;
    const Replay pool = replay(pm, snaps, cache, {0, 1, 2}, o.vote_k, {o.persist_w, o.persist_m, 1}, baseline,
                               o.bands, half);
    run.first_alarm_s = pool.first_alarm_s;
    run.alarms_in_first_half = pool.alarms_in_first_half;
    run.baseline_windows = pool.baseline_windows;
    run.points = pool.points;
    for (uint32_t d = 0; d < result.detectors.size(); ++d) {
      const Replay single = replay(pm, snaps, cache, {d}, 1, {1, 1, 1}, baseline, o.bands, half);
      run.single_alarms_in_first_half[result.detectors[d]] = single.alarms_in_first_half;
      run.single_first_alarm_s[result.detectors[d]] = single.first_alarm_s;
    }
    result.runs.push_back(std::move(run));
    ++done;
  }
  if (o.progress) o.progress("", done, runs.size());
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string backtest_report_html(const BacktestResult& r, const BacktestOptions& o) {
  std::vector<std::string> body;
  char text[512];
  std::snprintf(text, sizeof text,
                "<p>Pool: %zu detectors (mean squared excess over the device's own baseline: %s), "
                "threshold %.3g each, %u of %zu vote, alarm when %u of the last %u windows agree; "
                "baseline from each run's first %.4g minutes. Window %u samples, model %zu B, arena %zu B.</p>",
                r.detectors.size(), "all, low and high bands", o.threshold, o.vote_k, r.detectors.size(),
                o.persist_m, o.persist_w, o.baseline_minutes, r.window, r.model_bytes, r.arena_bytes);
  body.push_back(text);
  std::vector<std::vector<std::string>> rows{{"run", "end (h)", "first alarm (h)", "alarms in first half"}};
  for (const std::string& d : r.detectors) rows[0].push_back(d + " alone: first-half alarms");
  for (const BacktestRun& run : r.runs) {
    std::vector<std::string> row{run.name};
    std::snprintf(text, sizeof text, "%.2f", run.run_end_s / 3600);
    row.push_back(text);
    std::snprintf(text, sizeof text, "%.2f", run.first_alarm_s / 3600);
    row.push_back(run.first_alarm_s < 0 ? "none" : text);
    row.push_back(std::to_string(run.alarms_in_first_half));
    for (const std::string& d : r.detectors) row.push_back(std::to_string(run.single_alarms_in_first_half.at(d)));
    rows.push_back(row);
  }
  body.push_back(report::html_table(rows));
  for (const BacktestRun& run : r.runs) {
    report::Series score{"all-band score", {}, {}}, alarm{"alarm (on = 2 x threshold)", {}, {}};
    for (const BacktestPoint& p : run.points) {
      score.x.push_back(p.t_s / 3600);
      score.y.push_back(p.score);
      alarm.x.push_back(p.t_s / 3600);
      alarm.y.push_back(p.alarm ? 2 * o.threshold : 0);
    }
    body.push_back(report::svg_line_chart(run.name + ": score over time", {score, alarm},
                                          report::Axis{"hours from the run's start"},
                                          report::Axis{"score (baseline std^2)"}, false, o.threshold));
  }
  return report::html_page("Backtest", body);
}

}  // namespace tmf::pipeline
