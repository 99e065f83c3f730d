// Drift alerts: what fired, on which feature or stream, the value against its threshold, and the
// window (telemetry batch or sample index) it refers to. docs/drift.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/monitor/distribution_shift.h"

namespace tmf::monitor {

enum class DriftKind { kPsi, kJensenShannon, kPageHinkley, kCusum };

const char* drift_kind_name(DriftKind kind);  // "psi", "js", "page_hinkley", "cusum"

struct DriftAlert {
  DriftKind what;
  std::string subject;  // "feature 3" or the stream's name (e.g. "device-7/score")
  int64_t feature;      // feature index, -1 for a score stream
  double value;         // the statistic that crossed (PSI, JS, or the detector's lambda/h)
  double threshold;
  uint64_t window;      // the batch / window index the alert refers to
};

struct ShiftThresholds {
  double psi = kPsiThreshold;
  double js = kJsThreshold;
};

// One alert per feature and statistic above its threshold (strictly), in feature order, PSI first.
std::vector<DriftAlert> shift_alerts(const ShiftReport& report, uint64_t window,
                                     const ShiftThresholds& thresholds = {});

}  // namespace tmf::monitor
