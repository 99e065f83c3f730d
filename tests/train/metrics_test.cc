// Metrics against hand-worked cases and brute-force oracles: AUC by counting every
// (negative, positive) pair, ROC points by counting scores above each threshold, false-alarm
// thresholds by trying every candidate threshold.
#include <cmath>
#include <limits>
#include <random>

#include "host/train/metrics.h"
#include "host/train/train_error.h"
#include "tests/support/tmf_test.h"

namespace tmf::train {
namespace {

// P(pos > neg) + 0.5 P(pos == neg) over all pairs.
double pairwise_auc(const std::vector<float>& neg, const std::vector<float>& pos) {
  double wins = 0;
  for (float p : pos) {
    for (float n : neg) wins += p > n ? 1.0 : (p == n ? 0.5 : 0.0);
  }
  return wins / (static_cast<double>(neg.size()) * static_cast<double>(pos.size()));
}

std::vector<float> random_scores(std::mt19937& rng, int n, int levels) {
  std::vector<float> v(n);
  for (float& s : v) s = static_cast<float>(rng() % levels);  // few levels: many ties
  return v;
}

TMF_TEST(Metrics, AucHandCases) {
  TMF_EXPECT(roc_auc({1, 2, 3}, {4, 5}) == 1.0);
  TMF_EXPECT(roc_auc({4, 5}, {1, 2, 3}) == 0.0);
  TMF_EXPECT(roc_auc({1, 1}, {1, 1, 1}) == 0.5);
  // pos 0.35: beats 0.1, ties 0.35 -> 1.5; pos 0.8: beats 0.1 0.4 0.35, ties 0.8 -> 3.5;
  // pos 0.9: beats all four -> 4. (1.5 + 3.5 + 4) / 12 = 0.75.
  TMF_EXPECT(roc_auc({0.1f, 0.4f, 0.35f, 0.8f}, {0.35f, 0.8f, 0.9f}) == 0.75);
  // One tie among 2 x 2 pairs: (1 + 1 + 0.5 + 0) / 4.
  TMF_EXPECT(roc_auc({1, 3}, {3, 5}) == 0.875);
}

TMF_TEST(Metrics, AucMatchesPairCountingWithTies) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const auto neg = random_scores(rng, 1 + static_cast<int>(rng() % 40), 6);
    const auto pos = random_scores(rng, 1 + static_cast<int>(rng() % 40), 6);
    const double a = roc_auc(neg, pos), b = pairwise_auc(neg, pos);
    TMF_EXPECT(std::fabs(a - b) < 1e-12);
  }
}

TMF_TEST(Metrics, AucRejectsEmptyAndNaN) {
  TMF_EXPECT_THROWS(roc_auc({}, {1}), TrainError, "negative scores");
  TMF_EXPECT_THROWS(roc_auc({1}, {}), TrainError, "positive scores");
  TMF_EXPECT_THROWS(roc_auc({1, std::nanf("")}, {1}), TrainError, "negative scores[1] is NaN");
}

TMF_TEST(Metrics, RocCurveHandCase) {
  // neg {1, 3}, pos {3, 5}: thresholds 5, 3, 1, -inf.
  const auto pts = roc_curve({1, 3}, {3, 5});
  TMF_ASSERT(pts.size() == 4);
  TMF_EXPECT(pts[0].threshold == 5 && pts[0].false_positive_rate == 0 && pts[0].true_positive_rate == 0);
  TMF_EXPECT(pts[1].threshold == 3 && pts[1].false_positive_rate == 0 && pts[1].true_positive_rate == 0.5);
  TMF_EXPECT(pts[2].threshold == 1 && pts[2].false_positive_rate == 0.5 && pts[2].true_positive_rate == 1);
  TMF_EXPECT(std::isinf(pts[3].threshold) && pts[3].false_positive_rate == 1 &&
             pts[3].true_positive_rate == 1);
}

TMF_TEST(Metrics, RocPointsCountScoresAboveAndAreaIsAuc) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 100; ++trial) {
    const auto neg = random_scores(rng, 1 + static_cast<int>(rng() % 30), 8);
    const auto pos = random_scores(rng, 1 + static_cast<int>(rng() % 30), 8);
    const auto pts = roc_curve(neg, pos);
    TMF_ASSERT(pts.size() >= 2);
    double area = 0;
    for (size_t i = 0; i < pts.size(); ++i) {
      TMF_EXPECT(pts[i].false_positive_rate == rate_above(neg, pts[i].threshold));
      TMF_EXPECT(pts[i].true_positive_rate == rate_above(pos, pts[i].threshold));
      if (i > 0) {
        TMF_EXPECT(pts[i].threshold < pts[i - 1].threshold);
        area += (pts[i].false_positive_rate - pts[i - 1].false_positive_rate) *
                (pts[i].true_positive_rate + pts[i - 1].true_positive_rate) / 2;
      }
    }
    TMF_EXPECT(pts.front().false_positive_rate == 0 && pts.front().true_positive_rate == 0);
    TMF_EXPECT(pts.back().false_positive_rate == 1 && pts.back().true_positive_rate == 1);
    TMF_EXPECT(std::fabs(area - pairwise_auc(neg, pos)) < 1e-12);
  }
}

TMF_TEST(Metrics, ThresholdForFalseAlarmRateHandCases) {
  std::vector<float> healthy;
  for (int i = 100; i >= 1; --i) healthy.push_back(static_cast<float>(i));
  TMF_EXPECT(threshold_for_false_alarm_rate(healthy, 0.05) == 95.0f);  // 96..100 above: 5%
  TMF_EXPECT(threshold_for_false_alarm_rate(healthy, 0.07) == 93.0f);  // 0.07 * 100 is 7
  TMF_EXPECT(threshold_for_false_alarm_rate(healthy, 0.0) == 100.0f);
  TMF_EXPECT(threshold_for_false_alarm_rate(healthy, 0.999) == 1.0f);
  const std::vector<float> tied = {2, 1, 2, 3, 2};
  TMF_EXPECT(threshold_for_false_alarm_rate(tied, 0.1) == 3.0f);  // no alarm allowed
  TMF_EXPECT(threshold_for_false_alarm_rate(tied, 0.2) == 2.0f);  // 3 above: 20%
  TMF_EXPECT(threshold_for_false_alarm_rate(tied, 0.5) == 2.0f);  // below 2, 80% would alarm
  TMF_EXPECT(threshold_for_false_alarm_rate(tied, 0.8) == 1.0f);
  TMF_EXPECT_THROWS(threshold_for_false_alarm_rate({}, 0.1), TrainError, "no scores");
  TMF_EXPECT_THROWS(threshold_for_false_alarm_rate(tied, 1.0), TrainError, "outside [0, 1)");
  TMF_EXPECT_THROWS(threshold_for_false_alarm_rate(tied, -0.1), TrainError, "outside [0, 1)");
}

// The returned threshold meets the target and every lower candidate misses it.
TMF_TEST(Metrics, ThresholdIsTheSmallestMeetingTheTarget) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    const auto healthy = random_scores(rng, 1 + static_cast<int>(rng() % 50), 12);
    const double target = (rng() % 1000) / 1000.0;
    const float t = threshold_for_false_alarm_rate(healthy, target);
    TMF_EXPECT(false_alarm_rate(healthy, t) <= target);
    for (float candidate : healthy) {
      if (candidate < t) TMF_EXPECT(false_alarm_rate(healthy, candidate) > target);
    }
    const float below_all = -std::numeric_limits<float>::infinity();
    if (t > below_all) TMF_EXPECT(false_alarm_rate(healthy, below_all) > target);
  }
}

TMF_TEST(Metrics, RatesAboveThreshold) {
  TMF_EXPECT(tpr_at_threshold({1, 2, 3, 4}, 2) == 0.5);   // strictly above
  TMF_EXPECT(false_alarm_rate({1, 2, 3, 4}, 0.5f) == 1.0);
  TMF_EXPECT(false_alarm_rate({1, 2, 3, 4}, 4) == 0.0);
}

TMF_TEST(Metrics, ConfusionMatrix) {
  const std::vector<int> truth = {0, 0, 1, 1, 1, 2, 2, 2, 2};
  const std::vector<int> pred = {0, 1, 1, 1, 0, 2, 2, 1, 2};
  const ConfusionMatrix m = confusion_matrix(truth, pred, 3);
  TMF_EXPECT_EQ(m.at(0, 0), 1);
  TMF_EXPECT_EQ(m.at(0, 1), 1);
  TMF_EXPECT_EQ(m.at(1, 1), 2);
  TMF_EXPECT_EQ(m.at(1, 0), 1);
  TMF_EXPECT_EQ(m.at(2, 2), 3);
  TMF_EXPECT_EQ(m.at(2, 1), 1);
  TMF_EXPECT_EQ(m.at(2, 0), 0);
  TMF_EXPECT(std::fabs(m.accuracy() - 6.0 / 9.0) < 1e-15);
  TMF_EXPECT(std::fabs(m.recall(2) - 0.75) < 1e-15);
  TMF_EXPECT(std::fabs(m.precision(1) - 0.5) < 1e-15);  // column 1: 1 + 2 + 1
  TMF_EXPECT_THROWS(confusion_matrix({0, 1}, {0}, 2), TrainError, "2 true labels but 1");
  TMF_EXPECT_THROWS(confusion_matrix({0, 3}, {0, 1}, 3), TrainError, "truth[1] = 3");
  TMF_EXPECT_THROWS(confusion_matrix({0, 1}, {0, -1}, 3), TrainError, "predicted[1] = -1");
}

}  // namespace
}  // namespace tmf::train
