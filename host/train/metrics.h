// Detection and classification metrics. Convention everywhere: a higher score is more abnormal
// and the decision is "anomaly" when score > threshold (strictly), as on the device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tmf::train {

// Area under the ROC curve = P(positive score > negative score) + 0.5 P(equal), computed exactly
// from average ranks (Mann-Whitney U / (n_neg * n_pos)). Throws TrainError on an empty side.
double roc_auc(const std::vector<float>& negatives, const std::vector<float>& positives);

struct RocPoint {
  float threshold;              // decision: score > threshold
  double false_positive_rate;   // of the negatives
  double true_positive_rate;    // of the positives
};
// One point per distinct score, thresholds descending: the first (threshold = highest score) is
// (0, 0), the last (threshold = -infinity) is (1, 1). The trapezoid area under the points equals
// roc_auc() (tied scores give a diagonal segment).
std::vector<RocPoint> roc_curve(const std::vector<float>& negatives,
                                const std::vector<float>& positives);

// Fraction of `scores` above `threshold` (false-alarm rate on healthy scores, true-positive rate
// on faulty ones).
double rate_above(const std::vector<float>& scores, float threshold);
inline double false_alarm_rate(const std::vector<float>& healthy, float threshold) {
  return rate_above(healthy, threshold);
}
inline double tpr_at_threshold(const std::vector<float>& positives, float threshold) {
  return rate_above(positives, threshold);
}

// The smallest threshold whose false-alarm rate on `healthy` is <= target_far (in [0, 1)):
// with m = floor(target_far * n) alarms allowed it is the (n - m)-th smallest healthy score, so
// at most m healthy scores lie above it. Throws TrainError on no scores or a target outside [0, 1).
float threshold_for_false_alarm_rate(const std::vector<float>& healthy, double target_far);

// counts[truth][predicted], labels in [0, num_classes).
struct ConfusionMatrix {
  int num_classes = 0;
  std::vector<int64_t> counts;  // row-major [truth][predicted]
  int64_t at(int truth, int predicted) const {
    return counts[static_cast<size_t>(truth) * num_classes + predicted];
  }
  double accuracy() const;           // trace / total
  double recall(int cls) const;      // at(c, c) / row c (0 when the row is empty)
  double precision(int cls) const;   // at(c, c) / column c (0 when the column is empty)
};
// Throws TrainError on different lengths or a label outside [0, num_classes).
ConfusionMatrix confusion_matrix(const std::vector<int>& truth, const std::vector<int>& predicted,
                                 int num_classes);

}  // namespace tmf::train
