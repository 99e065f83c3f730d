// device/detect feature sketches: running moments and fixed-bin histograms, and their merge.
// Oracles: two-pass double moments; bin membership from values placed by construction inside a
// known bin (centre +- 0.4 bin widths, so no rounding question arises) or outside the range; a
// merge must equal one sketch fed the concatenated stream (histograms exactly, moments within
// 1e-12 relative).
#include "device/detect/sketch.h"

#include <math.h>
#include <string.h>

#include "tests/support/tmf_test.h"

namespace tmf::detect {
namespace {

constexpr uint32_t kF = 5;
constexpr uint32_t kBins = 16;
constexpr uint32_t kWindows = 400;

alignas(8) uint8_t g_memory_a[4096];
alignas(8) uint8_t g_memory_b[4096];
alignas(8) uint8_t g_memory_c[4096];
float g_values[kWindows][kF];
uint32_t g_expected_bin[kWindows][kF];
const float kLo[kF] = {-10.0f, 0.0f, 2.5f, -1.0f, 100.0f};
const float kHi[kF] = {6.0f, 1.0f, 4.5f, 1.0f, 164.0f};

uint32_t g_rng = 1;
double next_unit() {  // [0, 1)
  g_rng = g_rng * 1664525u + 1013904223u;
  return static_cast<double>(g_rng >> 8) / 16777216.0;
}

// Values in a chosen bin (or below / above the range, expected in the edge bins).
void make_values(uint32_t seed) {
  g_rng = seed;
  for (uint32_t w = 0; w < kWindows; ++w) {
    for (uint32_t f = 0; f < kF; ++f) {
      const double width = (static_cast<double>(kHi[f]) - kLo[f]) / kBins;
      const uint32_t pick = static_cast<uint32_t>(next_unit() * (kBins + 2));  // 0..17
      double x;
      uint32_t bin;
      if (pick == kBins) {
        x = kLo[f] - width * (0.5 + 10.0 * next_unit());
        bin = 0;
      } else if (pick == kBins + 1) {
        x = kHi[f] + width * (0.5 + 10.0 * next_unit());
        bin = kBins - 1;
      } else {
        x = kLo[f] + width * (pick + 0.5 + 0.8 * (next_unit() - 0.5));
        bin = pick;
      }
      g_values[w][f] = static_cast<float>(x);
      g_expected_bin[w][f] = bin;
    }
  }
}

FeatureSketch make_sketch(uint8_t* memory) {
  FeatureSketch s{};
  sketch_init(&s, {kF, kBins}, memory, 4096);
  sketch_set_ranges(&s, kLo, kHi);
  return s;
}

TMF_TEST(DetectSketch, SizeForTheBearingSetting) {
  TMF_EXPECT_EQ(sketch_bytes({32, 16}), 512 + 256 + 2048);
  TMF_EXPECT_EQ(sketch_bytes({5, 16}), 80 + 2 * 24 + 320);
  TMF_EXPECT_EQ(sketch_bytes({0, 16}), 0);
  TMF_EXPECT_EQ(sketch_bytes({4, 0}), 0);
  TMF_EXPECT_EQ(sketch_bytes({4, kSketchMaxBins + 1}), 0);
}

TMF_TEST(DetectSketch, HistogramAndMomentsMatchOracles) {
  make_values(3);
  FeatureSketch s = make_sketch(g_memory_a);
  for (uint32_t w = 0; w < kWindows; ++w) TMF_ASSERT(sketch_add(&s, g_values[w]));
  for (uint32_t f = 0; f < kF; ++f) {
    uint32_t want[kBins] = {};
    double sum = 0.0;
    for (uint32_t w = 0; w < kWindows; ++w) ++want[g_expected_bin[w][f]], sum += g_values[w][f];
    for (uint32_t b = 0; b < kBins; ++b) TMF_EXPECT_EQ(s.histogram[f * kBins + b], want[b]);
    const double mean = sum / kWindows;
    double sq = 0.0;
    for (uint32_t w = 0; w < kWindows; ++w) sq += (g_values[w][f] - mean) * (g_values[w][f] - mean);
    TMF_EXPECT(fabs(s.stats.mean[f] - mean) <= 1e-12 * (fabs(mean) + 1.0));
    TMF_EXPECT(fabs(running_stats_variance(s.stats, f) - sq / kWindows) <= 1e-10 * sq / kWindows);
  }
  TMF_EXPECT_EQ(s.stats.count, kWindows);
  TMF_EXPECT_EQ(s.rejected, 0);
}

TMF_TEST(DetectSketch, BinEdgesAndNonFiniteWindows) {
  // The documented rule at the edges: lo is bin 0, hi (and above) is the last bin.
  TMF_EXPECT_EQ(sketch_bin(0.0f, 0.0f, 16.0f, 16), 0);
  TMF_EXPECT_EQ(sketch_bin(1.0f, 0.0f, 16.0f, 16), 1);
  TMF_EXPECT_EQ(sketch_bin(15.999f, 0.0f, 16.0f, 16), 15);
  TMF_EXPECT_EQ(sketch_bin(16.0f, 0.0f, 16.0f, 16), 15);
  TMF_EXPECT_EQ(sketch_bin(-1e30f, 0.0f, 16.0f, 16), 0);
  TMF_EXPECT_EQ(sketch_bin(3e38f, -1e38f, 1e38f, 16), 15);  // (x - lo) overflows to +inf
  TMF_EXPECT_EQ(sketch_bin(0.5f, 0.0f, 1.0f, 1), 0);
  FeatureSketch s = make_sketch(g_memory_a);
  float v[kF] = {0.0f, 0.5f, 3.0f, 0.0f, 120.0f};
  TMF_EXPECT(sketch_add(&s, v));
  v[2] = NAN;
  TMF_EXPECT(!sketch_add(&s, v));
  v[2] = -INFINITY;
  TMF_EXPECT(!sketch_add(&s, v));
  TMF_EXPECT_EQ(s.rejected, 2);
  TMF_EXPECT_EQ(s.stats.count, 1);
  uint32_t total = 0;
  for (uint32_t i = 0; i < kF * kBins; ++i) total += s.histogram[i];
  TMF_EXPECT_EQ(total, kF);
  sketch_reset(&s);
  TMF_EXPECT_EQ(s.rejected, 0);
  TMF_EXPECT_EQ(s.stats.count, 0);
  TMF_EXPECT(s.lo[4] == 100.0f && s.hi[4] == 164.0f);  // ranges kept
}

TMF_TEST(DetectSketch, MergeEqualsOneSketchOverBothStreams) {
  make_values(8);
  FeatureSketch a = make_sketch(g_memory_a), b = make_sketch(g_memory_b), all = make_sketch(g_memory_c);
  const uint32_t split = 137;
  for (uint32_t w = 0; w < kWindows; ++w) {
    sketch_add(w < split ? &a : &b, g_values[w]);
    sketch_add(&all, g_values[w]);
  }
  float bad[kF] = {NAN, 0, 0, 0, 0};
  sketch_add(&b, bad);
  TMF_ASSERT(sketch_merge(&a, b) == DetectStatus::kOk);
  TMF_EXPECT_EQ(a.stats.count, kWindows);
  TMF_EXPECT_EQ(a.rejected, 1);
  TMF_EXPECT_BYTES_EQ(a.histogram, all.histogram, 4 * kF * kBins);
  for (uint32_t f = 0; f < kF; ++f) {
    TMF_EXPECT(fabs(a.stats.mean[f] - all.stats.mean[f]) <= 1e-12 * (fabs(all.stats.mean[f]) + 1.0));
    TMF_EXPECT(fabs(a.stats.m2[f] - all.stats.m2[f]) <= 1e-12 * all.stats.m2[f]);
  }
  // Merging an empty sketch changes nothing.
  FeatureSketch empty = make_sketch(g_memory_b);
  TMF_ASSERT(sketch_merge(&a, empty) == DetectStatus::kOk);
  TMF_EXPECT_EQ(a.stats.count, kWindows);
  // Into an empty one: a copy.
  TMF_ASSERT(sketch_merge(&empty, all) == DetectStatus::kOk);
  TMF_EXPECT_EQ(empty.stats.count, kWindows);
  TMF_EXPECT(empty.stats.mean[2] == all.stats.mean[2]);
}

TMF_TEST(DetectSketch, MergeRejectsDifferentLayouts) {
  FeatureSketch a = make_sketch(g_memory_a), b = make_sketch(g_memory_b);
  float lo[kF], hi[kF];
  memcpy(lo, kLo, sizeof(lo));
  memcpy(hi, kHi, sizeof(hi));
  hi[3] = 1.5f;
  TMF_ASSERT(sketch_set_ranges(&b, lo, hi) == DetectStatus::kOk);
  TMF_EXPECT(sketch_merge(&a, b) == DetectStatus::kErrMismatch);
  FeatureSketch c{};
  TMF_ASSERT(sketch_init(&c, {kF, 8}, g_memory_c, 4096) == DetectStatus::kOk);
  TMF_ASSERT(sketch_set_ranges(&c, kLo, kHi) == DetectStatus::kOk);
  TMF_EXPECT(sketch_merge(&a, c) == DetectStatus::kErrMismatch);
  TMF_ASSERT(sketch_init(&c, {kF - 1, kBins}, g_memory_c, 4096) == DetectStatus::kOk);
  TMF_EXPECT(sketch_merge(&a, c) == DetectStatus::kErrMismatch);
}

TMF_TEST(DetectSketch, RangesInTheDspFeaturesLayoutAndBadRanges) {
  FeatureSketch s{};
  TMF_ASSERT(sketch_init(&s, {kF, kBins}, g_memory_a, 4096) == DetectStatus::kOk);
  float both[2 * kF];
  memcpy(both, kLo, sizeof(kLo));
  memcpy(both + kF, kHi, sizeof(kHi));
  TMF_ASSERT(sketch_set_ranges(&s, both, nullptr) == DetectStatus::kOk);
  TMF_EXPECT(s.lo[2] == 2.5f && s.hi[2] == 4.5f);
  both[1] = both[kF + 1];  // lo == hi
  TMF_EXPECT(sketch_set_ranges(&s, both, nullptr) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(s.lo[1] == 0.0f);  // unchanged
  both[1] = -3e38f, both[kF + 1] = 3e38f;  // width overflows
  TMF_EXPECT(sketch_set_ranges(&s, both, nullptr) == DetectStatus::kErrBadConfig);
  both[1] = NAN;
  TMF_EXPECT(sketch_set_ranges(&s, both, nullptr) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(sketch_set_ranges(&s, nullptr, nullptr) == DetectStatus::kErrNullArgument);
  TMF_EXPECT(sketch_init(&s, {kF, kBins}, g_memory_a + 4, 4000) == DetectStatus::kErrMisaligned);
  TMF_EXPECT(sketch_init(&s, {kF, kBins}, g_memory_a, sketch_bytes({kF, kBins}) - 1) ==
             DetectStatus::kErrMemoryTooSmall);
  TMF_EXPECT(sketch_init(&s, {kF, 0}, g_memory_a, 4096) == DetectStatus::kErrBadConfig);
}

}  // namespace
}  // namespace tmf::detect
