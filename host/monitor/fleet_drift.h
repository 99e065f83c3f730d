// Drift on live telemetry (issue 6 item 3): per device and per group, the feature sketches of the
// last K batches on the device's current model version are merged (sketch_merge) and compared
// with the version's reference sketch (PSI, compare_sketches); each device's score stream runs
// through CUSUM and Page-Hinkley. A drift alert is raised once per (subject, model version,
// source) until acknowledged. Defaults and detection delays: docs/serve.md, docs/drift.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/monitor/alerts.h"
#include "host/monitor/change_detectors.h"
#include "host/monitor/distribution_shift.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"

namespace tmf::monitor {

struct FleetDriftOptions {
  uint32_t recent_batches = 16;  // K: batches per device merged for the feature comparison
  uint32_t min_windows = 256;    // a merged sketch with fewer windows is not compared (sampling noise)
  double psi_threshold = kPsiThreshold;  // psi_max above this raises a 'shift' alert (0.2)
  // A group drift alert also needs the shift on most machines, each against its own first
  // batches on the version: a developing fault on one machine moves the group's sketch too, but
  // it is that machine's anomaly, not the fleet drifting. A machine counts as shifted when some
  // feature's recent mean moved more than spread_sigmas of its own early standard deviation.
  double spread_share = 0.5;           // share of the compared machines that must have shifted
  double spread_sigmas = 1.0;
  uint32_t spread_early_batches = 8;   // a machine's early reference: its first batches on the version
  bool per_device = true;
  bool per_group = true;
  bool score_detectors = true;
  CusumOptions cusum;             // k = 0.5, h = 12 (reference mean/std set per stream)
  PageHinkleyOptions page_hinkley;  // delta = 0.5, lambda = 15
  // Without a stored reference score, a device's stream is standardized by its own first
  // windows on the version (monitoring phase only).
  uint32_t score_warmup_windows = 256;
};

struct SubjectShift {
  std::string subject;  // device:<id> | group:<name>
  uint32_t model_id = 0, model_version = 0;
  uint32_t windows = 0;  // in the merged sketch
  uint32_t batches = 0;
  double psi_max = 0;
  uint32_t psi_max_feature = 0;
  double js_max = 0;
  uint32_t devices_compared = 0, devices_shifted = 0;  // group subjects: the spread check
};

struct DriftEvaluation {
  uint32_t devices = 0;
  uint32_t no_reference = 0;      // subjects whose model version has no reference sketch
  uint32_t too_few_windows = 0;   // subjects below min_windows
  uint32_t incompatible = 0;      // batch sketches whose shape or ranges differ from the reference
  std::vector<SubjectShift> shifts;  // every comparison made
  std::vector<Alert> raised;
};

class FleetDrift {
 public:
  FleetDrift(registry::Registry& registry, TelemetryStore& store, AlertStore& alerts,
             const FleetDriftOptions& options = {});

  // One pass over the fleet; alerts are written in one transaction.
  DriftEvaluation evaluate(int64_t now_ms);
  const FleetDriftOptions& options() const { return options_; }

 private:
  struct ScoreStream {
    uint32_t model_id = 0, model_version = 0;
    int64_t last_row = 0;
    uint64_t windows = 0;                        // monitoring windows seen on this version
    uint64_t warmup_n = 0;
    double warmup_mean = 0, warmup_m2 = 0;
    std::optional<Cusum> cusum;
    std::optional<PageHinkley> page_hinkley;
    double reference_mean = 0, reference_std = 0;
  };

  void run_scores(const TelemetryBatch& latest, const std::optional<Reference>& reference, int64_t now_ms,
                  DriftEvaluation& out);
  void raise_shift(const SubjectShift& shift, const std::optional<std::string>& device,
                   const std::optional<std::string>& group, int64_t now_ms, DriftEvaluation& out);

  registry::Registry& registry_;
  TelemetryStore& store_;
  AlertStore& alerts_;
  FleetDriftOptions options_;
  std::map<std::string, ScoreStream> streams_;  // by device
};

}  // namespace tmf::monitor
