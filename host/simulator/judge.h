// Did the loop close? After a `tinymlops sim` run, checks the outcome against the scenario's
// ground truth, from the devices' own records (what each virtual device ran and raised) and the
// registry `serve` wrote (versions with lineage, loop steps, alerts, telemetry), and builds the
// timeline, the summary and the HTML report. docs/sim.md lists the checks.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/simulator/fleet.h"

namespace tmf::simulator {

struct JudgeOptions {
  std::string registry_dir;
  std::string model_name = "fleet-detector";
  double max_drift_delay_s = 0;  // 0: 4 telemetry batches of the scenario (4 x 8 windows x period)
  uint32_t batch_windows = 8;
};

struct Check {
  std::string name;
  bool passed = false;
  std::string detail;
};

struct TimelineEntry {
  double t_s = 0;  // scenario time (negative: while the fleet was being commissioned)
  std::string what;
};

struct JudgeResult {
  std::vector<Check> checks;
  std::vector<TimelineEntry> timeline;  // ordered by time
  nlohmann::json summary;
  bool closed = false;  // every check passed
};

JudgeResult judge(const FleetResult& run, const JudgeOptions& options);
std::string judge_report_html(const FleetResult& run, const JudgeResult& result);

}  // namespace tmf::simulator
