// The detection loop's own spectral-kurtosis detector voting beside a model score (issue 16
// item 2), on the loop rig of detect_loop_rig.h. Oracles: a SpectralKurtosis fed the same windows,
// a double two-pass baseline, the contract's score formula, and votes counted by hand.
#include "device/detect/detect_loop.h"

#include <math.h>
#include <string.h>

#include "tests/device/detect_loop_rig.h"
#include "tests/support/tmf_test.h"

namespace tmf::detect {
namespace {

using namespace loop_rig;

TMF_TEST(DetectLoop, SpectralKurtosisVotesWithItsOwnScore) {
  // Issue 16 item 2: detector 1 is the loop's own spectral kurtosis of the samples (16-sample
  // frames, 16 of them per window), detector 0 a model score. Oracles: a SpectralKurtosis fed the
  // same windows; its baseline against the two-pass double mean and std of windows 0..14; each
  // later window's score from that oracle's indicator by the contract's formula; votes by hand.
  TMF_ASSERT(build_model(1, kThresholds) == Status::kOk);
  make_windows();
  DetectLoopConfig c = loop_config(2, 1);
  c.decision_outputs[0] = 2;
  c.decision_outputs[1] = kDetectSpectralKurtosisScore;
  c.baseline = {kF, 15, 15, 2, 1e-6f};
  c.calibration = {10, 0.3f, 0.25f, 0.0f};
  c.spectral_kurtosis = {16, 1, kN};
  const uint32_t state_bytes = (sizeof(DetectLoopSpectralKurtosis) + 7) & ~7u;
  TMF_ASSERT(detect_loop_bytes(c) ==
             16 * kF + 8 * kF + sketch_bytes({kF, 16}) + 8 * 10 + state_bytes + spectral_kurtosis_bytes({16, 1, kN}));
  DetectLoop loop{};
  TMF_ASSERT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) == DetectStatus::kOk);
  const DetectLoopSpectralKurtosis* k = detect_loop_spectral_kurtosis(loop);
  TMF_ASSERT(k != nullptr);
  SpectralKurtosis oracle{};
  TMF_ASSERT(spectral_kurtosis_init(&oracle, {16, 1, kN}, g_spare_memory, sizeof(g_spare_memory)) == DetectStatus::kOk);
  float x[kWindows] = {}, sk[kWindows] = {}, model[kWindows] = {};
  for (uint32_t w = 0; w < kWindows; ++w) {
    TMF_ASSERT(detect_loop_step(&loop, g_samples[w], &g_first.results[w]) == DetectStatus::kOk);
    const uint8_t* s = nullptr;
    TMF_ASSERT(interpreter_output(g_interpreter, 2, nullptr, &s) == Status::kOk);
    memcpy(&model[w], s, 4);
    x[w] = spectral_kurtosis_max(&oracle, g_samples[w]);
    if (w < 15) {
      TMF_EXPECT(k->score == 0.0f);
      continue;
    }
    if (w == 15) {
      double mean = 0.0, var = 0.0;
      for (uint32_t j = 0; j < 15; ++j) mean += x[j];
      mean /= 15.0;
      for (uint32_t j = 0; j < 15; ++j) var += (x[j] - mean) * (x[j] - mean);
      const double std = sqrt(var / 15.0);
      TMF_EXPECT(fabs(k->offset - mean) <= 1e-6 * (fabs(mean) + std));
      TMF_EXPECT(fabs(1.0 / k->scale - std) <= 1e-6 * std);
    }
    const float z = (x[w] - k->offset) * k->scale;
    sk[w] = z > 0.0f ? z * z : 0.0f;
    TMF_EXPECT(k->score == sk[w]);
  }
  const float t = loop.thresholds[1];
  uint32_t above = 0, at_or_above = 0;
  for (uint32_t w = 15; w < 25; ++w) above += sk[w] > t, at_or_above += sk[w] >= t;
  TMF_EXPECT(above <= 3 && at_or_above > 3);
  for (uint32_t w = 25; w < kWindows; ++w) {
    const uint32_t votes = (model[w] > loop.thresholds[0] ? 1u : 0u) + (sk[w] > t ? 1u : 0u);
    TMF_EXPECT_EQ(g_first.results[w].votes, votes);
  }
  // An installed baseline carries no indicator baseline: refused with spectral kurtosis on.
  float norm[2 * kF];
  memcpy(norm, detect_loop_normalization(loop), sizeof(norm));
  TMF_EXPECT(detect_loop_set_baseline(&loop, norm) == DetectStatus::kErrBadConfig);
  // Named without being on, on without calibration, a frame longer than the samples, or samples
  // beyond the model's: refused. Off: no state.
  c.spectral_kurtosis = {0, 0, 0};
  TMF_EXPECT(detect_loop_bytes(c) == 0);
  c.decision_outputs[1] = 2;  // the model's score twice
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) == DetectStatus::kOk);
  TMF_EXPECT(detect_loop_spectral_kurtosis(loop) == nullptr);
  c.decision_outputs[1] = kDetectSpectralKurtosisScore;
  c.spectral_kurtosis = {16, 1, kN};
  c.calibration = {0, 0.0f, 0.0f, 0.0f};
  TMF_EXPECT(detect_loop_bytes(c) == 0);
  c.calibration = {10, 0.3f, 0.25f, 0.0f};
  c.spectral_kurtosis = {16, 1, 48};
  TMF_EXPECT(detect_loop_bytes(c) == 0);
  c.spectral_kurtosis = {16, 1, 2 * kN};
  TMF_EXPECT(detect_loop_init(&loop, c, &g_interpreter, g_loop_memory, sizeof(g_loop_memory)) ==
             DetectStatus::kErrModelInterface);
}

}  // namespace
}  // namespace tmf::detect
