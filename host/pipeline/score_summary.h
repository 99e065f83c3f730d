// Detection quality of a set of window scores: ROC-AUC of healthy against all faults and against
// each fault condition, and the rates the calibrated threshold gives.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tmf::pipeline {

struct ConditionSummary {
  double auc = 0;             // healthy windows vs this condition's windows
  double detection_rate = 0;  // fraction of its windows with score > threshold
  size_t windows = 0;
};

struct ScoreSummary {
  double auc = 0;                    // healthy vs every other condition
  double true_positive_rate = 0;     // score > threshold, over fault windows
  double false_alarm_rate = 0;       // score > threshold, over healthy windows
  size_t healthy_windows = 0, fault_windows = 0;
  std::map<std::string, ConditionSummary> per_condition;  // faults only
};

// Windows labelled `normal_label` are the negatives. Throws PipelineError when there are no
// healthy windows, or no fault windows while `require_faults` (without faults the AUC is NaN and
// only the false-alarm rate means something: fleet retraining on healthy captures).
ScoreSummary score_summary(const std::vector<float>& scores, const std::vector<std::string>& labels,
                           const std::string& normal_label, float threshold, bool require_faults = true);

}  // namespace tmf::pipeline
