// device/detect detection loop on a real pipeline model built here: samples -> DSP_FEATURES
// (normalization as a graph input, raw output) -> n x (SCORE_KMEANS around the origin ->
// DECISION_THRESHOLD). Healthy windows are noise plus a tone; fault windows add a tone 20 dB up
// in another band, which drives every normalized band-3 feature far past any threshold.
// Oracles: the baseline against a double two-pass over the raw features dsp::features_compute
// gives for the commissioning windows (and bit for bit against the learner fed those features);
// the alarm timeline from the persistence definition worked out by hand for this stream; the
// restored-baseline loop against the commissioned one.
#include "device/detect/detect_loop.h"

#include <math.h>
#include <string.h>

#include "tests/device/detect_loop_rig.h"
#include "tests/support/tmf_test.h"

namespace tmf::detect {
namespace {

using namespace loop_rig;

TMF_TEST(DetectLoop, CommissionThenAlarmOnTheFault) {
  TMF_ASSERT(build_model(3, kThresholds) == Status::kOk);
  make_windows();
  const DetectLoopConfig c = loop_config(3, 2);
  TMF_ASSERT(detect_loop_bytes(c) == 16 * kF + 8 * kF + sketch_bytes({kF, 16}));
  DetectLoop loop{};
  TMF_ASSERT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kOk);
  TMF_EXPECT(loop.phase == DetectPhase::kCommissioning);
  TMF_ASSERT(run(&loop, 0, kWindows, &g_first));

  // Commissioning: windows 0..29, no votes, the baseline ready at window 29.
  for (uint32_t w = 0; w < 30; ++w) {
    const DetectWindowResult& r = g_first.results[w];
    TMF_EXPECT_EQ(r.window, w);
    TMF_EXPECT(r.phase == DetectPhase::kCommissioning);
    TMF_EXPECT(!r.candidate && !r.alarm && r.votes == 0);
    TMF_EXPECT(r.event == (w == 29 ? DetectEvent::kBaselineReady : DetectEvent::kNone));
  }
  TMF_EXPECT_EQ(loop.counters.baseline_ready_window, 29);
  // The baseline: double two-pass over the commissioning windows' raw features ...
  const float* norm = detect_loop_normalization(loop);
  for (uint32_t f = 0; f < kF; ++f) {
    double sum = 0.0, sq = 0.0;
    for (uint32_t w = 0; w < 30; ++w) sum += g_features[w][f];
    const double mean = sum / 30.0;
    for (uint32_t w = 0; w < 30; ++w) sq += (g_features[w][f] - mean) * (g_features[w][f] - mean);
    TMF_EXPECT(fabs(norm[f] - mean) <= fabs(mean) * 6e-8 + 1e-30);
    const double scale = 1.0 / sqrt(sq / 30.0 > 1e-6 ? sq / 30.0 : 1e-6);
    TMF_EXPECT(fabs(norm[kF + f] - scale) <= 1e-6 * scale);
  }
  // ... and bit for bit the learner fed dsp::features_compute's features (the raw output is them).
  Baseline reference{};
  TMF_ASSERT(baseline_init(&reference, c.baseline, g_spare_memory, sizeof(g_spare_memory)) == DetectStatus::kOk);
  for (uint32_t w = 0; w < 30; ++w) baseline_add(&reference, g_features[w]);
  float expected_norm[2 * kF];
  TMF_ASSERT(baseline_normalization(reference, expected_norm) == DetectStatus::kOk);
  TMF_EXPECT_BYTES_EQ(norm, expected_norm, sizeof(expected_norm));

  // Monitoring: healthy 30..39, fault 40..49 (two detectors of three fire), healthy 50..59.
  // m = 3 of w = 4 raises at the third fault window (42); fewer than 2 of the last 4 clears at 52.
  for (uint32_t w = 30; w < kWindows; ++w) {
    const DetectWindowResult& r = g_first.results[w];
    const bool fault = w >= 40 && w < 50;
    TMF_EXPECT(r.phase == DetectPhase::kMonitoring);
    TMF_EXPECT_EQ(r.votes, fault ? 2 : 0);
    TMF_EXPECT_EQ(r.candidate, fault);
    TMF_EXPECT_EQ(r.alarm, w >= 42 && w < 52);
    const DetectEvent want = w == 42 ? DetectEvent::kAlarmRaised
                                     : (w == 52 ? DetectEvent::kAlarmCleared : DetectEvent::kNone);
    TMF_EXPECT(r.event == want);
  }
  TMF_EXPECT_EQ(loop.counters.windows, 60);
  TMF_EXPECT_EQ(loop.counters.monitoring_windows, 30);
  TMF_EXPECT_EQ(loop.counters.candidates, 10);
  TMF_EXPECT_EQ(loop.counters.alarms, 1);
  TMF_EXPECT_EQ(loop.counters.alarm_windows, 10);
  TMF_EXPECT_EQ(loop.counters.first_alarm_window, 42);
  TMF_EXPECT_EQ(loop.counters.baseline_restarts, 0);

  // The last window's outputs stay readable: decision i == (score i > threshold i).
  for (uint32_t i = 0; i < 3; ++i) {
    const uint8_t* d = nullptr;
    const uint8_t* s = nullptr;
    TMF_ASSERT(interpreter_output(g_interpreter, 1 + i, nullptr, &d) == Status::kOk);
    TMF_ASSERT(interpreter_output(g_interpreter, 4 + i, nullptr, &s) == Status::kOk);
    float score;
    memcpy(&score, s, 4);
    TMF_EXPECT_EQ(d[0], score > kThresholds[i] ? 1 : 0);
  }

  // The sketch covers the monitoring windows, over baseline mean -+ 4 std.
  const FeatureSketch& sk = loop.sketch;
  TMF_EXPECT_EQ(sk.stats.count, 30);
  for (uint32_t f = 0; f < kF; ++f) {
    TMF_EXPECT(sk.lo[f] == norm[f] - 4.0f / norm[kF + f]);
    TMF_EXPECT(sk.hi[f] == norm[f] + 4.0f / norm[kF + f]);
    uint32_t total = 0;
    for (uint32_t b = 0; b < 16; ++b) total += sk.histogram[f * 16 + b];
    TMF_EXPECT_EQ(total, 30);
    double sum = 0.0;
    for (uint32_t w = 30; w < kWindows; ++w) sum += g_features[w][f];
    TMF_EXPECT(fabs(sk.stats.mean[f] - sum / 30.0) <= 1e-9 * (fabs(sum / 30.0) + 1.0));
  }
  // Band 3 (5 kHz, the fault tone) of the 10 fault windows lies far above the healthy range.
  TMF_EXPECT(sk.histogram[3 * 16 + 15] >= 10);

  // A restored baseline in a fresh loop replays monitoring identically.
  DetectLoop restored{};
  TMF_ASSERT(detect_loop_init(&restored, c, &g_interpreter, g_spare_memory, sizeof(g_spare_memory)) ==
             DetectStatus::kOk);
  TMF_ASSERT(detect_loop_set_baseline(&restored, norm) == DetectStatus::kOk);
  TMF_EXPECT(restored.phase == DetectPhase::kMonitoring);
  TMF_ASSERT(run(&restored, 30, kWindows, &g_second));
  for (uint32_t w = 30; w < kWindows; ++w) {
    TMF_EXPECT_EQ(g_second.results[w].window, w - 30);
    TMF_EXPECT_EQ(g_second.results[w].votes, g_first.results[w].votes);
    TMF_EXPECT(g_second.results[w].event == g_first.results[w].event);
  }
  TMF_EXPECT_EQ(restored.counters.first_alarm_window, 12);

  // Recommissioning forgets the baseline.
  detect_loop_recommission(&loop);
  TMF_EXPECT(loop.phase == DetectPhase::kCommissioning);
  TMF_EXPECT(loop.normalization[0] == 0.0f && loop.normalization[kF] == 1.0f);
  TMF_EXPECT_EQ(loop.counters.baseline_ready_window, kDetectNoWindow);
}

TMF_TEST(DetectLoop, VotingNeedsKDetectors) {
  TMF_ASSERT(build_model(3, kThresholds) == Status::kOk);
  make_windows();
  DetectLoop loop{};
  TMF_ASSERT(detect_loop_init(&loop, loop_config(3, 3), &g_interpreter, g_loop_memory,
                              sizeof(g_loop_memory)) == DetectStatus::kOk);
  TMF_ASSERT(run(&loop, 0, kWindows, &g_first));
  for (uint32_t w = 40; w < 50; ++w) TMF_EXPECT_EQ(g_first.results[w].votes, 2);
  TMF_EXPECT_EQ(loop.counters.candidates, 0);
  TMF_EXPECT_EQ(loop.counters.alarms, 0);
  TMF_EXPECT_EQ(loop.counters.first_alarm_window, kDetectNoWindow);
  // k = 1 of the single most sensitive detector: raises at 42 as well.
  TMF_ASSERT(build_model(1, kThresholds) == Status::kOk);
  TMF_ASSERT(detect_loop_init(&loop, loop_config(1, 1), &g_interpreter, g_loop_memory,
                              sizeof(g_loop_memory)) == DetectStatus::kOk);
  TMF_ASSERT(run(&loop, 0, kWindows, &g_first));
  TMF_EXPECT_EQ(loop.counters.first_alarm_window, 42);
  TMF_EXPECT_EQ(loop.counters.alarms, 1);
}

TMF_TEST(DetectLoop, BaselineRestartsWhenWindowsAreNotFinite) {
  TMF_ASSERT(build_model(2, kThresholds) == Status::kOk);
  make_windows();
  DetectLoopConfig c = loop_config(2, 1);
  c.baseline = {kF, 5, 6, 4, 1e-6f};
  c.sketch_bins = 0;
  DetectLoop loop{};
  TMF_ASSERT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kOk);
  // 3 broken windows (a NaN sample makes every feature NaN... or inf) and 3 good ones: only 3
  // finite of 6 offered < 4: learning restarts at window 5; 5 good windows later it is ready.
  for (uint32_t w = 0; w < 3; ++w) g_samples[w][17] = NAN;
  TMF_ASSERT(run(&loop, 0, 11, &g_first));
  for (uint32_t w = 0; w < 11; ++w) {
    const DetectEvent want = w == 5 ? DetectEvent::kBaselineRestarted
                                    : (w == 10 ? DetectEvent::kBaselineReady : DetectEvent::kNone);
    TMF_EXPECT(g_first.results[w].event == want);
  }
  TMF_EXPECT_EQ(loop.counters.baseline_restarts, 1);
  TMF_EXPECT_EQ(loop.counters.baseline_ready_window, 10);
  TMF_EXPECT(loop.phase == DetectPhase::kMonitoring);
}

TMF_TEST(DetectLoop, SettleThenCalibrateThresholdsThenAlarm) {
  // Issue 16: 5 settling windows (nothing learned), baseline from windows 5..19, the next 10
  // windows' scores calibrate each detector's threshold (budget p), monitoring from window 30.
  // Oracles: the baseline two-pass over windows 5..19 only; each threshold by the empirical
  // quantile's definition over the calibration scores read from the model (p = 0.3: at most 3
  // of 10 above, more than 3 at or above); decisions and the alarm timeline from the
  // persistence rule applied by hand to the monitoring scores.
  TMF_ASSERT(build_model(3, kThresholds) == Status::kOk);
  make_windows();
  DetectLoopConfig c = loop_config(3, 2);
  for (uint32_t i = 0; i < 3; ++i) c.decision_outputs[i] = 4 + i;  // the float scores
  c.settle_windows = 5;
  c.baseline = {kF, 15, 15, 2, 1e-6f};
  c.calibration = {10, 0.3f, 0.25f, 0.0f};
  TMF_ASSERT(detect_loop_bytes(c) == 16 * kF + 8 * kF + sketch_bytes({kF, 16}) + 4 * 3 * 10 + 0);
  DetectLoop loop{};
  TMF_ASSERT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) == DetectStatus::kOk);
  float scores[kWindows][3];
  for (uint32_t w = 0; w < kWindows; ++w) {
    TMF_ASSERT(detect_loop_step(&loop, g_samples[w], &g_first.results[w]) == DetectStatus::kOk);
    for (uint32_t i = 0; i < 3; ++i) {
      const uint8_t* s = nullptr;
      TMF_ASSERT(interpreter_output(g_interpreter, 4 + i, nullptr, &s) == Status::kOk);
      memcpy(&scores[w][i], s, 4);
    }
  }
  TMF_EXPECT_EQ(loop.counters.baseline_ready_window, 19);
  TMF_EXPECT_EQ(loop.counters.thresholds_ready_window, 29);
  for (uint32_t w = 0; w < 30; ++w) {
    const DetectWindowResult& r = g_first.results[w];
    TMF_EXPECT(r.phase == DetectPhase::kCommissioning && !r.alarm && r.votes == 0);
    const DetectEvent want = w == 19 ? DetectEvent::kBaselineReady : (w == 29 ? DetectEvent::kThresholdsReady : DetectEvent::kNone);
    TMF_EXPECT(r.event == want);
  }
  const float* norm = detect_loop_normalization(loop);
  for (uint32_t f = 0; f < kF; ++f) {
    double sum = 0.0;
    for (uint32_t w = 5; w < 20; ++w) sum += g_features[w][f];
    TMF_EXPECT(fabs(norm[f] - sum / 15.0) <= fabs(sum / 15.0) * 6e-8 + 1e-30);
  }
  for (uint32_t i = 0; i < 3; ++i) {
    const float t = loop.thresholds[i];
    uint32_t above = 0, at_or_above = 0;
    for (uint32_t w = 20; w < 30; ++w) above += scores[w][i] > t, at_or_above += scores[w][i] >= t;
    TMF_EXPECT(above <= 3 && at_or_above > 3);
  }
  bool cand[kWindows] = {};
  bool alarm = false;
  uint32_t first = kDetectNoWindow;
  for (uint32_t w = 30; w < kWindows; ++w) {
    uint32_t votes = 0;
    for (uint32_t i = 0; i < 3; ++i) votes += scores[w][i] > loop.thresholds[i] ? 1u : 0u;
    const DetectWindowResult& r = g_first.results[w];
    TMF_EXPECT_EQ(r.votes, votes);
    cand[w] = votes >= 2;
    uint32_t set = 0;  // candidates among the last 4 monitoring windows
    for (uint32_t j = (w >= 33 ? w - 3 : 30); j <= w; ++j) set += cand[j] ? 1u : 0u;
    if (!alarm && set >= 3) {
      alarm = true;
      if (first == kDetectNoWindow) first = w;
    } else if (alarm && set < 2) {
      alarm = false;
    }
    TMF_EXPECT_EQ(r.alarm, alarm);
  }
  TMF_EXPECT_EQ(loop.counters.first_alarm_window, first);
  TMF_EXPECT(first >= 40 && first <= 43);  // the fault (windows 40..49) is what alarms
  // A bad calibration config is refused.
  c.calibration.false_alarm_probability = 0.0f;
  TMF_EXPECT(detect_loop_bytes(c) == 0);
  // Calibration on with int8 decisions named: the interface check refuses it.
  c.calibration.false_alarm_probability = 0.3f;
  for (uint32_t i = 0; i < 3; ++i) c.decision_outputs[i] = 1 + i;
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrModelInterface);
}

TMF_TEST(DetectLoop, TrackingBaselineFollowsSlowlyAndCapsSteps) {
  // Issue 16: after the baseline (windows 0..14) the offsets follow every window, calibration
  // and monitoring alike, by a capped EWMA. Oracles: the recurrence recomputed in double from the
  // raw features dsp::features_compute gives (the loop must stay within float rounding of it)
  // and in float with every operation rounded (bit for bit, on the host and under QEMU),
  // and the cap: during the fault (windows 40..49, far beyond 3 sigma in band 3) an offset moves
  // by at most rate * clamp baseline standard deviations per window.
  TMF_ASSERT(build_model(3, kThresholds) == Status::kOk);
  make_windows();
  DetectLoopConfig c = loop_config(3, 2);
  for (uint32_t i = 0; i < 3; ++i) c.decision_outputs[i] = 4 + i;
  c.baseline = {kF, 15, 15, 2, 1e-6f};
  c.calibration = {10, 0.3f, 0.25f, 0.0f};
  c.tracking_rate = 0.25f;
  c.tracking_clamp = 3.0f;
  DetectLoop loop{};
  TMF_ASSERT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) == DetectStatus::kOk);
  double offset[kF], scale[kF];
  float before[kF], exact[kF];  // the float recurrence, each product and sum rounded (volatile)
  for (uint32_t w = 0; w < kWindows; ++w) {
    memcpy(before, detect_loop_normalization(loop), sizeof(before));
    TMF_ASSERT(detect_loop_step(&loop, g_samples[w], &g_first.results[w]) == DetectStatus::kOk);
    const float* norm = detect_loop_normalization(loop);
    if (w < 14) continue;
    if (w == 14) {  // the baseline window: nothing tracked yet
      for (uint32_t f = 0; f < kF; ++f) offset[f] = exact[f] = norm[f], scale[f] = norm[kF + f];
      continue;
    }
    for (uint32_t f = 0; f < kF; ++f) {
      const double cap = 3.0 / scale[f];
      const double d = fmin(fmax(static_cast<double>(g_features[w][f]) - offset[f], -cap), cap);
      offset[f] += 0.25 * d;
      // IEEE single rounding at every step, as the library computes it: the same bits on every
      // core (the library is built with -ffp-contract=off; volatile keeps this oracle unfused).
      volatile float cap_f = 3.0f / norm[kF + f];
      volatile float d_f = g_features[w][f] - exact[f];
      const float capped = d_f > cap_f ? cap_f : (d_f < -cap_f ? -cap_f : d_f);
      volatile float step = 0.25f * capped;
      exact[f] = exact[f] + step;
      TMF_EXPECT(norm[f] == exact[f]);
      TMF_EXPECT(fabs(norm[f] - offset[f]) <= 1e-5 * (fabs(offset[f]) + 1.0));
      TMF_EXPECT(norm[kF + f] == static_cast<float>(scale[f]));  // scales stay
      // (+ one float rounding of the offset sum)
      TMF_EXPECT(fabs(static_cast<double>(norm[f]) - before[f]) <= 0.25 * cap * (1 + 1e-6) + 1.2e-7 * fabs(before[f]));
    }
  }
  // The fault is far beyond the cap: capped steps cannot absorb it within its ten windows.
  TMF_EXPECT(g_first.results[45].alarm);
  // Tracking off is the loop as before; a rate outside [0, 1) or a missing clamp is refused.
  c.tracking_rate = 1.0f;
  TMF_EXPECT(detect_loop_bytes(c) == 0);
  c.tracking_rate = NAN;
  TMF_EXPECT(detect_loop_bytes(c) == 0);
  c.tracking_rate = 0.1f;
  c.tracking_clamp = 0.0f;
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrBadConfig);
}

TMF_TEST(DetectLoop, TrendOfLnRmsVotesWithItsOwnScore) {
  // Issue 16 item 2: detector 1 is the loop's own trend of ln RMS (feature kBands), detector 0 a
  // model score. Oracles: a Trend started by hand from the commissioned mean and std of ln RMS
  // (the two-pass mean over windows 0..14, within float rounding of the loop's) and pushed the
  // raw features dsp::features_compute gives, window by window from 15; the calibrated threshold
  // by the empirical quantile's definition over those scores; the votes by hand.
  TMF_ASSERT(build_model(1, kThresholds) == Status::kOk);
  make_windows();
  DetectLoopConfig c = loop_config(2, 1);
  c.decision_outputs[0] = 2;  // the float score of the model's only detector
  c.decision_outputs[1] = kDetectTrendScore;
  c.baseline = {kF, 15, 15, 2, 1e-6f};
  c.calibration = {10, 0.3f, 0.25f, 0.0f};
  c.trend = {0.25f, 3.0f};
  c.trend_feature = kBands;
  DetectLoop loop{};
  TMF_ASSERT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) == DetectStatus::kOk);
  Trend oracle{};
  float trend[kWindows] = {}, model[kWindows] = {};
  for (uint32_t w = 0; w < kWindows; ++w) {
    TMF_ASSERT(detect_loop_step(&loop, g_samples[w], &g_first.results[w]) == DetectStatus::kOk);
    const uint8_t* s = nullptr;
    TMF_ASSERT(interpreter_output(g_interpreter, 2, nullptr, &s) == Status::kOk);
    memcpy(&model[w], s, 4);
    if (w < 14) {
      TMF_EXPECT(loop.trend_score == 0.0f);
      continue;
    }
    if (w == 14) {
      const float* norm = detect_loop_normalization(loop);
      double sum = 0.0;
      for (uint32_t j = 0; j < 15; ++j) sum += g_features[j][kBands];
      TMF_EXPECT(fabs(norm[kBands] - sum / 15.0) <= fabs(sum / 15.0) * 6e-8 + 1e-30);
      TMF_ASSERT(trend_init(&oracle, {0.25f, 3.0f}, norm[kBands], 1.0f / norm[kF + kBands]) == DetectStatus::kOk);
      continue;
    }
    trend[w] = trend_push(&oracle, g_features[w][kBands]);
    TMF_EXPECT(loop.trend_score == trend[w]);
  }
  const float t = loop.thresholds[1];
  uint32_t above = 0, at_or_above = 0;
  for (uint32_t w = 15; w < 25; ++w) above += trend[w] > t, at_or_above += trend[w] >= t;
  TMF_EXPECT(above <= 3 && at_or_above > 3);
  for (uint32_t w = 25; w < kWindows; ++w) {
    const uint32_t votes = (model[w] > loop.thresholds[0] ? 1u : 0u) + (trend[w] > t ? 1u : 0u);
    TMF_EXPECT_EQ(g_first.results[w].votes, votes);
  }
  // The fault's level step (window 40) is a rise: the trend scores it above its threshold.
  TMF_EXPECT(trend[40] > t && trend[41] > t);
  // The trend named without being on, or on a feature the model lacks, is refused.
  c.trend = {0.0f, 3.0f};
  TMF_EXPECT(detect_loop_bytes(c) == 0);
  c.trend = {0.25f, 3.0f};
  c.trend_feature = kF;
  TMF_EXPECT(detect_loop_bytes(c) == 0);
  c.trend_feature = kBands;
  c.trend.rate = 1.0f;
  TMF_EXPECT(detect_loop_bytes(c) == 0);
}

TMF_TEST(DetectLoop, InitChecksTheModelInterface) {
  TMF_ASSERT(build_model(2, kThresholds) == Status::kOk);
  const DetectLoopConfig good = loop_config(2, 2);
  DetectLoop loop{};
  TMF_EXPECT(detect_loop_init(&loop, good, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kOk);
  DetectLoopConfig c = good;
  c.raw_features_output = 1;  // an int8 decision
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrModelInterface);
  c = good, c.decision_outputs[1] = 3;  // a float score
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrModelInterface);
  c = good, c.decision_outputs[0] = 5;  // no such output
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrModelInterface);
  c = good, c.normalization_input = 0;  // the samples
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrModelInterface);
  c = good, c.samples_input = 2;
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrModelInterface);
  c = good, c.baseline.feature_count = kF + 1;
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrModelInterface);
  c = good, c.vote_k = 3;
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrBadConfig);
  c = good, c.sketch_sigmas = 0.0f;
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrBadConfig);
  c = good, c.persistence = {4, 5, 1};
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrBadConfig);
  TMF_EXPECT(detect_loop_init(&loop, good, &g_interpreter, g_loop_memory, detect_loop_bytes(good) - 8) ==
             DetectStatus::kErrMemoryTooSmall);
  TMF_EXPECT(detect_loop_init(&loop, good, nullptr, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrNullArgument);
  // Without the normalization input (the model's own constants would apply) the interface holds.
  c = good, c.normalization_input = kDetectNoInput;
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kOk);
  // Fixed sketch ranges are copied and kept.
  float ranges[2 * kF];
  for (uint32_t f = 0; f < kF; ++f) ranges[f] = -30.0f, ranges[kF + f] = 30.0f;
  c = good, c.sketch_ranges = ranges;
  TMF_ASSERT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kOk);
  ranges[0] = 0.0f;
  float norm[2 * kF];
  for (uint32_t f = 0; f < kF; ++f) norm[f] = 0.0f, norm[kF + f] = 1.0f;
  TMF_ASSERT(detect_loop_set_baseline(&loop, norm) == DetectStatus::kOk);
  TMF_EXPECT(loop.sketch.lo[0] == -30.0f && loop.sketch.hi[kF - 1] == 30.0f);
  norm[kF] = 0.0f;
  TMF_EXPECT(detect_loop_set_baseline(&loop, norm) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(strcmp(detect_event_to_string(DetectEvent::kAlarmRaised), "alarm_raised") == 0);
  TMF_EXPECT(strcmp(detect_phase_to_string(DetectPhase::kMonitoring), "monitoring") == 0);
}

}  // namespace
}  // namespace tmf::detect
