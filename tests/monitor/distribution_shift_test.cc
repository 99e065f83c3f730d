// PSI and Jensen-Shannon against hand-computed values, their edge cases, and the adapter over
// device sketches fed from the same and from shifted distributions.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "device/detect/sketch.h"
#include "host/monitor/distribution_shift.h"
#include "host/monitor/drift_alert.h"
#include "tests/monitor/gaussian_stream.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using monitor::jensen_shannon;
using monitor::population_stability_index;
using V = std::vector<double>;

bool near(double a, double b, double tol = 1e-12) { return std::fabs(a - b) <= tol; }

TMF_TEST(DistributionShift, IdenticalHistogramsGiveZero) {
  const V h = {3, 0, 7, 10, 1};
  TMF_EXPECT(population_stability_index(h, h) == 0.0);
  TMF_EXPECT(jensen_shannon(h, h) == 0.0);
  // Counts and proportions of the same shape are the same distribution.
  TMF_EXPECT(near(jensen_shannon(V{1, 3}, V{0.25, 0.75}), 0.0));
  TMF_EXPECT(near(population_stability_index(V{1, 3}, V{25, 75}), 0.0));
}

TMF_TEST(DistributionShift, DisjointHistogramsGiveJsOne) {
  TMF_EXPECT(jensen_shannon(V{5, 5, 0, 0}, V{0, 0, 2, 8}) == 1.0);
  TMF_EXPECT(jensen_shannon(V{1, 0}, V{0, 1}) == 1.0);
}

TMF_TEST(DistributionShift, KnownTwoBinCase) {
  // p = (0.5, 0.5), q = (0.9, 0.1):
  // PSI = 0.4 ln(1.8) + (-0.4) ln(0.2) = 0.4 (0.5877866649 + 1.6094379124) = 0.8788898309
  // m = (0.7, 0.3); KL(p||m) = 0.5 log2(5/7) + 0.5 log2(5/3) = 0.1257693...,
  // KL(q||m) = 0.9 log2(9/7) + 0.1 log2(1/3) = 0.1678169...; JS = half their sum = 0.1467931024
  TMF_EXPECT(near(population_stability_index(V{0.5, 0.5}, V{0.9, 0.1}), 0.8788898309344878, 1e-12));
  TMF_EXPECT(near(jensen_shannon(V{0.5, 0.5}, V{0.9, 0.1}), 0.1467931024360521, 1e-12));
}

TMF_TEST(DistributionShift, JsIsSymmetricPsiToo) {
  test::GaussianStream g(7);
  for (int trial = 0; trial < 50; ++trial) {
    V a(12), b(12);
    for (size_t i = 0; i < a.size(); ++i) {
      a[i] = std::fabs(g.next(0, 1));
      b[i] = std::fabs(g.next(0, 1));
    }
    if (trial % 5 == 0) a[trial % 12] = 0;  // empty bins too
    const double ab = jensen_shannon(a, b), ba = jensen_shannon(b, a);
    TMF_EXPECT(near(ab, ba, 1e-15));
    TMF_EXPECT(ab >= 0 && ab <= 1);
    // PSI is symmetric by construction: (q - p) ln(q / p) is unchanged by swapping p and q.
    TMF_EXPECT(near(population_stability_index(a, b), population_stability_index(b, a), 1e-12));
  }
}

TMF_TEST(DistributionShift, PsiWithEmptyBinUsesEpsilon) {
  // p = (0.5, 0.5, 0, 0), q = (0.5, 0.25, 0.25, 0), epsilon 1e-4:
  // bin 1: -0.25 ln(0.5) = 0.1732867951; bin 2: (0.25 - 1e-4) ln(2500) = 1.9552291...;
  // bin 3 (empty in both): (eps - eps) ln(1) = 0. Total 2.1285158932529735.
  const V p = {0.5, 0.5, 0, 0}, q = {0.5, 0.25, 0.25, 0};
  const double psi = population_stability_index(p, q);
  TMF_EXPECT(std::isfinite(psi));
  TMF_EXPECT(near(psi, 2.1285158932529735, 1e-12));
  // A bin empty in both contributes nothing: dropping it changes nothing.
  TMF_EXPECT(near(psi, population_stability_index(V{0.5, 0.5, 0}, V{0.5, 0.25, 0.25}), 1e-15));
  // The empty-bin term grows like ln(1 / epsilon): a smaller epsilon gives a larger PSI.
  TMF_EXPECT(population_stability_index(p, q, 1e-6) > psi);
}

TMF_TEST(DistributionShift, BadInputsNameTheProblem) {
  TMF_EXPECT_THROWS(population_stability_index(V{1, 1}, V{1, 1, 1}), std::invalid_argument, "bins");
  TMF_EXPECT_THROWS(jensen_shannon(V{0, 0}, V{1, 1}), std::invalid_argument, "reference histogram");
  TMF_EXPECT_THROWS(jensen_shannon(V{1, 1}, V{-1, 2}), std::invalid_argument, "current histogram");
}

// A sketch of F features x B bins over [-4, 4) in caller memory (vector storage).
struct OwnedSketch {
  std::vector<uint64_t> memory;
  detect::FeatureSketch sketch{};
  OwnedSketch(uint32_t features, uint32_t bins) {
    const detect::SketchConfig c{features, bins};
    memory.resize((detect::sketch_bytes(c) + 7) / 8);
    detect::sketch_init(&sketch, c, memory.data(), static_cast<uint32_t>(memory.size() * 8));
    std::vector<float> lo(features, -4.0f), hi(features, 4.0f);
    detect::sketch_set_ranges(&sketch, lo.data(), hi.data());
  }
};

// Feeds `windows` windows; feature f ~ N(means[f], 1).
void feed(OwnedSketch* s, uint64_t seed, const std::vector<double>& means, int windows) {
  test::GaussianStream g(seed);
  std::vector<float> x(means.size());
  for (int w = 0; w < windows; ++w) {
    for (size_t f = 0; f < means.size(); ++f) x[f] = static_cast<float>(g.next(means[f], 1.0));
    detect::sketch_add(&s->sketch, x.data());
  }
}

TMF_TEST(DistributionShift, SketchesSameVsShifted) {
  constexpr uint32_t F = 3, B = 16;
  OwnedSketch reference(F, B), same(F, B), shifted(F, B);
  feed(&reference, 1, {0, 0, 0}, 5000);
  feed(&same, 2, {0, 0, 0}, 2000);
  feed(&shifted, 3, {0, 1.0, 0}, 2000);  // feature 1 moves by one reference std

  const monitor::ShiftReport a = monitor::compare_sketches(reference.sketch, same.sketch);
  TMF_ASSERT(a.features.size() == F);
  TMF_EXPECT(a.psi_max < monitor::kPsiThreshold);
  TMF_EXPECT(a.js_max < monitor::kJsThreshold);
  TMF_EXPECT(monitor::shift_alerts(a, 0).empty());

  const monitor::ShiftReport b = monitor::compare_sketches(reference.sketch, shifted.sketch);
  TMF_EXPECT(b.psi_max > monitor::kPsiThreshold);
  TMF_EXPECT_EQ(b.psi_max_feature, 1);
  TMF_EXPECT(b.features[0].psi < monitor::kPsiThreshold && b.features[2].psi < monitor::kPsiThreshold);
  TMF_EXPECT(near(b.psi_mean, (b.features[0].psi + b.features[1].psi + b.features[2].psi) / 3, 1e-12));
  const std::vector<monitor::DriftAlert> alerts = monitor::shift_alerts(b, 42);
  TMF_ASSERT(!alerts.empty());
  TMF_EXPECT(alerts[0].what == monitor::DriftKind::kPsi);
  TMF_EXPECT_EQ(alerts[0].feature, 1);
  TMF_EXPECT_EQ(alerts[0].window, 42);
  TMF_EXPECT(alerts[0].subject == "feature 1");
  for (const auto& alert : alerts) TMF_EXPECT_EQ(alert.feature, 1);

  char line[160];
  std::snprintf(line, sizeof line, "  sketches 16 bins: same PSI max %.4f JS max %.4f; 1-std shift PSI %.4f JS %.4f\n",
                a.psi_max, a.js_max, b.features[1].psi, b.features[1].js);
  tmf_test_print(line);

  // The adapter reads the histogram exactly: the same numbers as the free functions.
  std::vector<double> p(B), q(B);
  for (uint32_t i = 0; i < B; ++i) {
    p[i] = reference.sketch.histogram[1 * B + i];
    q[i] = shifted.sketch.histogram[1 * B + i];
  }
  TMF_EXPECT(b.features[1].psi == population_stability_index(p, q));
  TMF_EXPECT(b.features[1].js == jensen_shannon(p, q));

  // Merged batches compare like one sketch: two halves of "same" merged vs reference.
  OwnedSketch half1(F, B), half2(F, B);
  feed(&half1, 2, {0, 0, 0}, 1000);
  feed(&half2, 5, {0, 0, 0}, 1000);
  TMF_ASSERT(detect::sketch_merge(&half1.sketch, half2.sketch) == detect::DetectStatus::kOk);
  TMF_EXPECT(monitor::compare_sketches(reference.sketch, half1.sketch).psi_max < monitor::kPsiThreshold);
}

TMF_TEST(DistributionShift, IncompatibleSketchesRefused) {
  OwnedSketch a(2, 8), b(2, 16), c(2, 8);
  feed(&a, 1, {0, 0}, 10);
  feed(&b, 1, {0, 0}, 10);
  TMF_EXPECT_THROWS(monitor::compare_sketches(a.sketch, b.sketch), std::invalid_argument, "bins");
  TMF_EXPECT_THROWS(monitor::compare_sketches(a.sketch, c.sketch), std::invalid_argument, "no window");
  const float lo[2] = {-5, -4}, hi[2] = {4, 4};
  detect::sketch_set_ranges(&c.sketch, lo, hi);
  feed(&c, 1, {0, 0}, 10);
  TMF_EXPECT_THROWS(monitor::compare_sketches(a.sketch, c.sketch), std::invalid_argument, "ranges");
}

}  // namespace
}  // namespace tmf
