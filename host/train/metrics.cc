// ROC AUC (Mann-Whitney, ties counted half), ROC points, false-alarm thresholds, confusion matrix.
#include "host/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "host/train/train_error.h"

namespace tmf::train {
namespace {

void check_scores(const std::vector<float>& scores, const char* what) {
  if (scores.empty()) throw TrainError(std::string(what) + ": no scores");
  for (size_t i = 0; i < scores.size(); ++i) {
    if (std::isnan(scores[i])) throw TrainError(std::string(what) + "[" + std::to_string(i) + "] is NaN");
  }
}

}  // namespace

double roc_auc(const std::vector<float>& negatives, const std::vector<float>& positives) {
  check_scores(negatives, "negative scores");
  check_scores(positives, "positive scores");
  // Ranks over the pooled scores; a run of ties shares the average of its ranks.
  std::vector<std::pair<float, bool>> pooled;  // (score, is_positive)
  pooled.reserve(negatives.size() + positives.size());
  for (float s : negatives) pooled.emplace_back(s, false);
  for (float s : positives) pooled.emplace_back(s, true);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double positive_rank_sum = 0;
  for (size_t begin = 0; begin < pooled.size();) {
    size_t end = begin;
    size_t positives_in_run = 0;
    while (end < pooled.size() && pooled[end].first == pooled[begin].first) {
      positives_in_run += pooled[end].second;
      ++end;
    }
    const double average_rank = 0.5 * static_cast<double>(begin + 1 + end);  // ranks begin+1..end
    positive_rank_sum += average_rank * static_cast<double>(positives_in_run);
    begin = end;
  }
  const double np = static_cast<double>(positives.size());
  const double nn = static_cast<double>(negatives.size());
  const double u = positive_rank_sum - np * (np + 1) / 2;
  return u / (np * nn);
}

std::vector<RocPoint> roc_curve(const std::vector<float>& negatives,
                                const std::vector<float>& positives) {
  check_scores(negatives, "negative scores");
  check_scores(positives, "positive scores");
  std::vector<float> neg = negatives, pos = positives;
  std::sort(neg.begin(), neg.end(), std::greater<>());
  std::sort(pos.begin(), pos.end(), std::greater<>());
  std::vector<float> thresholds = neg;
  thresholds.insert(thresholds.end(), pos.begin(), pos.end());
  std::sort(thresholds.begin(), thresholds.end(), std::greater<>());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  thresholds.push_back(-std::numeric_limits<float>::infinity());

  std::vector<RocPoint> points;
  points.reserve(thresholds.size());
  size_t fp = 0, tp = 0;  // scores > threshold, walking thresholds downwards
  for (size_t i = 0; i < thresholds.size(); ++i) {
    if (i > 0) {
      const float passed = thresholds[i - 1];  // now counted as above the threshold
      while (fp < neg.size() && neg[fp] == passed) ++fp;
      while (tp < pos.size() && pos[tp] == passed) ++tp;
    }
    points.push_back({thresholds[i], static_cast<double>(fp) / static_cast<double>(neg.size()),
                      static_cast<double>(tp) / static_cast<double>(pos.size())});
  }
  return points;
}

double rate_above(const std::vector<float>& scores, float threshold) {
  if (scores.empty()) throw TrainError("rate above threshold: no scores");
  const auto above = std::count_if(scores.begin(), scores.end(), [&](float s) { return s > threshold; });
  return static_cast<double>(above) / static_cast<double>(scores.size());
}

float threshold_for_false_alarm_rate(const std::vector<float>& healthy, double target_far) {
  check_scores(healthy, "healthy scores");
  if (!(target_far >= 0 && target_far < 1)) {
    throw TrainError("target false-alarm rate " + std::to_string(target_far) + " is outside [0, 1)");
  }
  std::vector<float> sorted = healthy;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  // Alarms allowed; the small epsilon keeps e.g. 0.07 * 100 from rounding down to 6.
  size_t allowed = static_cast<size_t>(std::floor(target_far * static_cast<double>(n) + 1e-9));
  allowed = std::min(allowed, n - 1);
  return sorted[n - 1 - allowed];
}

double ConfusionMatrix::accuracy() const {
  int64_t total = 0, correct = 0;
  for (int t = 0; t < num_classes; ++t) {
    for (int p = 0; p < num_classes; ++p) total += at(t, p);
    correct += at(t, t);
  }
  return total > 0 ? static_cast<double>(correct) / static_cast<double>(total) : 0.0;
}

double ConfusionMatrix::recall(int cls) const {
  int64_t row = 0;
  for (int p = 0; p < num_classes; ++p) row += at(cls, p);
  return row > 0 ? static_cast<double>(at(cls, cls)) / static_cast<double>(row) : 0.0;
}

double ConfusionMatrix::precision(int cls) const {
  int64_t column = 0;
  for (int t = 0; t < num_classes; ++t) column += at(t, cls);
  return column > 0 ? static_cast<double>(at(cls, cls)) / static_cast<double>(column) : 0.0;
}

ConfusionMatrix confusion_matrix(const std::vector<int>& truth, const std::vector<int>& predicted,
                                 int num_classes) {
  if (num_classes < 1) throw TrainError("confusion matrix: num_classes must be >= 1");
  if (truth.size() != predicted.size()) {
    throw TrainError("confusion matrix: " + std::to_string(truth.size()) + " true labels but " +
                     std::to_string(predicted.size()) + " predictions");
  }
  ConfusionMatrix m;
  m.num_classes = num_classes;
  m.counts.assign(static_cast<size_t>(num_classes) * num_classes, 0);
  for (size_t i = 0; i < truth.size(); ++i) {
    for (const auto& [name, label] : {std::pair{"truth", truth[i]}, std::pair{"predicted", predicted[i]}}) {
      if (label < 0 || label >= num_classes) {
        throw TrainError(std::string("confusion matrix: ") + name + "[" + std::to_string(i) +
                         "] = " + std::to_string(label) + " is outside [0, " +
                         std::to_string(num_classes) + ")");
      }
    }
    ++m.counts[static_cast<size_t>(truth[i]) * num_classes + predicted[i]];
  }
  return m;
}

}  // namespace tmf::train
