// Score summaries from the metrics of host/train (see score_summary.h).
#include "host/pipeline/score_summary.h"

#include "host/pipeline/pipeline_settings.h"
#include "host/train/metrics.h"

namespace tmf::pipeline {

ScoreSummary score_summary(const std::vector<float>& scores, const std::vector<std::string>& labels,
                           const std::string& normal_label, float threshold) {
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
  if (faults.empty()) throw PipelineError("no fault windows to evaluate (every window is '" + normal_label + "')");
  const auto above = [threshold](const std::vector<float>& v) { return train::rate_above(v, threshold); };
  ScoreSummary s;
  s.auc = train::roc_auc(healthy, faults);
  s.true_positive_rate = above(faults);
  s.false_alarm_rate = above(healthy);
  s.healthy_windows = healthy.size();
  s.fault_windows = faults.size();
  for (const auto& [condition, v] : by_condition) {
    s.per_condition[condition] = {train::roc_auc(healthy, v), above(v), v.size()};
  }
  return s;
}

}  // namespace tmf::pipeline
