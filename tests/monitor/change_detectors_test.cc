// Page-Hinkley and CUSUM on seeded Gaussian streams (deterministic): a 3-std mean step is
// signalled within a bounded delay and 10,000 stationary samples raise no alarm at the defaults;
// plus the recursions against a hand trace, directions, restart and reset.
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <vector>

#include "host/monitor/change_detectors.h"
#include "tests/monitor/gaussian_stream.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using monitor::Cusum;
using monitor::CusumOptions;
using monitor::PageHinkley;
using monitor::PageHinkleyOptions;

constexpr double kMean = 10.0, kStd = 2.0;  // the reference score: not standard, on purpose
constexpr int kSeeds = 20;
constexpr uint64_t kChangeAt = 1000;

// Delay bounds from the theory of each detector at the defaults (docs/drift.md): CUSUM's mean
// delay is about (h + 1.166) / (3 - k) = 5.3 samples, Page-Hinkley's about lambda / (3 - delta)
// = 6 samples plus the pull of its own mean estimate; the bounds allow about twice that.
constexpr uint64_t kCusumMaxDelay = 12;
constexpr uint64_t kPageHinkleyMaxDelay = 15;

// Runs kChangeAt stationary samples then a step of 3 std; returns the first alarm index.
template <typename Detector>
std::optional<uint64_t> first_alarm_on_step(Detector* d, uint64_t seed, uint64_t length) {
  test::GaussianStream g(seed);
  for (uint64_t i = 0; i < length; ++i) {
    const double x = g.next(i < kChangeAt ? kMean : kMean + 3 * kStd, kStd);
    if (auto at = d->update(x)) return at;
  }
  return std::nullopt;
}

template <typename Detector>
int alarms_on_stationary(Detector* d, uint64_t seed, int length) {
  test::GaussianStream g(seed);
  int alarms = 0;
  for (int i = 0; i < length; ++i) alarms += d->update(g.next(kMean, kStd)).has_value();
  return alarms;
}

template <typename Detector>
void check_step_and_stationary(TmfTestState* tmf_test_state_, const char* name, Detector make(),
                               uint64_t max_delay) {
  uint64_t worst = 0, total = 0;
  int false_alarms = 0;
  for (int s = 0; s < kSeeds; ++s) {
    Detector d = make();
    const std::optional<uint64_t> at = first_alarm_on_step(&d, 100 + s, kChangeAt + 200);
    TMF_ASSERT(at.has_value());
    TMF_EXPECT(*at >= kChangeAt);  // nothing before the step
    const uint64_t delay = *at - kChangeAt;
    TMF_EXPECT(delay <= max_delay);
    worst = std::max(worst, delay);
    total += delay;
    Detector q = make();
    false_alarms += alarms_on_stationary(&q, 500 + s, 10000);
  }
  TMF_EXPECT_EQ(false_alarms, 0);
  char line[200];
  std::snprintf(line, sizeof line,
                "  %s: 3-std step, delay over %d seeds mean %.2f max %llu; false alarms %d in %d x 10,000\n",
                name, kSeeds, static_cast<double>(total) / kSeeds,
                static_cast<unsigned long long>(worst), false_alarms, kSeeds);
  tmf_test_print(line);
}

Cusum make_cusum() { return Cusum(CusumOptions{.reference_mean = kMean, .reference_std = kStd}); }
PageHinkley make_ph() {
  return PageHinkley(PageHinkleyOptions{.reference_mean = kMean, .reference_std = kStd});
}
PageHinkley make_ph_fading() {
  return PageHinkley(PageHinkleyOptions{.reference_mean = kMean, .reference_std = kStd, .alpha = 0.01});
}

TMF_TEST(ChangeDetectors, CusumStepAndStationary) {
  check_step_and_stationary<Cusum>(tmf_test_state_, "CUSUM k=0.5 h=12", make_cusum, kCusumMaxDelay);
}

TMF_TEST(ChangeDetectors, PageHinkleyStepAndStationary) {
  check_step_and_stationary<PageHinkley>(tmf_test_state_, "Page-Hinkley delta=0.5 lambda=15",
                                         make_ph, kPageHinkleyMaxDelay);
  check_step_and_stationary<PageHinkley>(tmf_test_state_, "Page-Hinkley alpha=0.01",
                                         make_ph_fading, kPageHinkleyMaxDelay);
}

TMF_TEST(ChangeDetectors, DownwardStepDetectedOnlyWhenWatched) {
  for (auto direction : {monitor::ChangeDirection::kBoth, monitor::ChangeDirection::kDecrease,
                         monitor::ChangeDirection::kIncrease}) {
    Cusum c(CusumOptions{.reference_mean = kMean, .reference_std = kStd, .direction = direction});
    PageHinkley p(PageHinkleyOptions{.reference_mean = kMean, .reference_std = kStd, .direction = direction});
    test::GaussianStream g(9);
    std::optional<uint64_t> ca, pa;
    for (uint64_t i = 0; i < kChangeAt + 200; ++i) {
      const double x = g.next(i < kChangeAt ? kMean : kMean - 3 * kStd, kStd);
      if (auto a = c.update(x); a && !ca) ca = a;
      if (auto a = p.update(x); a && !pa) pa = a;
    }
    const bool watched = direction != monitor::ChangeDirection::kIncrease;
    TMF_EXPECT(ca.has_value() == watched);
    TMF_EXPECT(pa.has_value() == watched);
    if (watched) {
      TMF_EXPECT(*ca >= kChangeAt && *ca - kChangeAt <= kCusumMaxDelay);
      TMF_EXPECT(*pa >= kChangeAt && *pa - kChangeAt <= kPageHinkleyMaxDelay);
    }
  }
}

TMF_TEST(ChangeDetectors, CusumHandTrace) {
  // z = 2, 2, -1, 3 with k = 0.5, h = 4: S+ = 1.5, 3.0, 1.5, 4.0 (not > 4), then z = 0.6 -> 4.1.
  Cusum c(CusumOptions{.k = 0.5, .h = 4});
  for (double z : {2.0, 2.0, -1.0, 3.0}) TMF_EXPECT(!c.update(z).has_value());
  TMF_EXPECT(std::fabs(c.upper() - 4.0) < 1e-12);
  TMF_EXPECT(c.lower() == 0.0);
  const std::optional<uint64_t> at = c.update(0.6);
  TMF_ASSERT(at.has_value());
  TMF_EXPECT_EQ(*at, 4);
  TMF_EXPECT(std::fabs(c.last_signal_value() - 4.1) < 1e-12);
  TMF_EXPECT(c.upper() == 0.0);  // restarted after the signal, index kept
  TMF_EXPECT_EQ(c.samples(), 5);
  c.reset();
  TMF_EXPECT_EQ(c.samples(), 0);
  TMF_EXPECT(c.last_signal_value() == 0.0);
}

TMF_TEST(ChangeDetectors, PageHinkleyHandTrace) {
  // delta = 0, lambda = 1, running mean. z = 0, 0, 3:
  // t0: mean 0, m = 0; t1: mean 0, m = 0; t2: mean 1, m = 2 > 1 -> signal at index 2.
  PageHinkley p(PageHinkleyOptions{.delta = 0, .lambda = 1});
  TMF_EXPECT(!p.update(0).has_value());
  TMF_EXPECT(!p.update(0).has_value());
  const std::optional<uint64_t> at = p.update(3);
  TMF_ASSERT(at.has_value());
  TMF_EXPECT_EQ(*at, 2);
  TMF_EXPECT(p.last_signal_value() == 2.0);
  TMF_EXPECT(p.rise() == 0.0 && p.fall() == 0.0);
  // After the restart the new level is the new mean: a constant 3 raises nothing.
  for (int i = 0; i < 100; ++i) TMF_EXPECT(!p.update(3).has_value());
}

TMF_TEST(ChangeDetectors, BadOptionsRefused) {
  TMF_EXPECT_THROWS(Cusum(CusumOptions{.reference_std = 0}), std::invalid_argument, "reference_std");
  TMF_EXPECT_THROWS(Cusum(CusumOptions{.h = 0}), std::invalid_argument, "h > 0");
  TMF_EXPECT_THROWS(PageHinkley(PageHinkleyOptions{.alpha = 2}), std::invalid_argument, "alpha");
}

}  // namespace
}  // namespace tmf
