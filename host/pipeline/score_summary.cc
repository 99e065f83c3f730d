// Score summaries from the metrics of host/train (see score_summary.h).
#include "host/pipeline/score_summary.h"

#include "host/pipeline/pipeline_settings.h"
#include "host/train/metrics.h"

#include <limits>

namespace tmf::pipeline {

ScoreSummary score_summary(const std::vector<float>& scores, const std::vector<std::string>& labels,
                           const std::string& normal_label, float threshold, bool require_faults) {
  std::vector<float> healthy, faults;
  std::map<std::string, std::vector<float>> by_condition;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (labels[i] == normal_label) {
      healthy.push_back(scores[i]);
    } else {
      faults.push_back(scores[i]);
      by_condition[labels[i]].push_back(scores[i]);
    }
  }
  if (healthy.empty()) throw PipelineError("no healthy ('" + normal_label + "') windows to evaluate");
  if (faults.empty() && require_faults) throw PipelineError("no fault windows to evaluate (every window is '" + normal_label + "')");
  const auto above = [threshold](const std::vector<float>& v) { return train::rate_above(v, threshold); };
  ScoreSummary s;
  s.auc = faults.empty() ? std::numeric_limits<double>::quiet_NaN() : train::roc_auc(healthy, faults);
  s.true_positive_rate = faults.empty() ? 0.0 : above(faults);
  s.false_alarm_rate = above(healthy);
  s.healthy_windows = healthy.size();
  s.fault_windows = faults.size();
  for (const auto& [condition, v] : by_condition) {
    s.per_condition[condition] = {train::roc_auc(healthy, v), above(v), v.size()};
  }
  return s;
}

}  // namespace tmf::pipeline
