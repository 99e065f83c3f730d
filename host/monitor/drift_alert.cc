// Turning a shift report into alerts.
#include "host/monitor/drift_alert.h"

namespace tmf::monitor {

const char* drift_kind_name(DriftKind kind) {
  switch (kind) {
    case DriftKind::kPsi: return "psi";
    case DriftKind::kJensenShannon: return "js";
    case DriftKind::kPageHinkley: return "page_hinkley";
    case DriftKind::kCusum: return "cusum";
  }
  return "unknown";
}

std::vector<DriftAlert> shift_alerts(const ShiftReport& report, uint64_t window,
                                     const ShiftThresholds& thresholds) {
  std::vector<DriftAlert> alerts;
  for (size_t f = 0; f < report.features.size(); ++f) {
    const FeatureShift& s = report.features[f];
    const std::string subject = "feature " + std::to_string(f);
    if (s.psi > thresholds.psi) {
      alerts.push_back({DriftKind::kPsi, subject, static_cast<int64_t>(f), s.psi, thresholds.psi, window});
    }
    if (s.js > thresholds.js) {
      alerts.push_back({DriftKind::kJensenShannon, subject, static_cast<int64_t>(f), s.js, thresholds.js, window});
    }
  }
  return alerts;
}

}  // namespace tmf::monitor
