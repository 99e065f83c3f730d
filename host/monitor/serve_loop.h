// The `tinymlops serve` loop as a library: ingest (MQTT -> batched commits -> acks), periodic
// drift evaluation, progress lines, and hooks through which an automation step (retraining,
// redeployment, captures) plugs in without touching the loop. cmd_serve.cc only parses options.
// docs/serve.md.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "host/monitor/alerts.h"
#include "host/monitor/fleet_drift.h"
#include "host/monitor/ingest.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"

namespace tmf::monitor {

struct ServeOptions {
  IngestOptions ingest;
  FleetDriftOptions drift;
  std::chrono::milliseconds drift_every{10000};   // drift evaluation period (--drift-every-seconds)
  std::chrono::milliseconds tick{200};            // hooks run at least this often
  std::chrono::milliseconds progress_every{5000}; // a progress line this often (0: never)
  // How often a follower tries to take the leadership, and the leader checks it still holds it
  // (leader_lease.h); the worker's name is ingest.worker_id (empty: this host's name).
  std::chrono::milliseconds leader_every{2000};
  bool json = false;                              // JSON lines instead of text
  std::function<void(const std::string&)> print;  // one output line; default: stdout, flushed
};

// What a hook sees. References stay valid for the call only.
struct ServeContext {
  registry::Registry& registry;
  Ingest& ingest;  // request_capture(), counters()
  TelemetryStore& store;
  AlertStore& alerts;
  FleetDrift& drift;
  int64_t now_ms;
  const std::vector<Alert>& new_alerts;       // raised since the previous tick (alarms and drift)
  const std::vector<uint32_t>& completed_captures;  // capture ids completed since the previous tick
  const DriftEvaluation* evaluation;          // the evaluation run in this tick, else nullptr
  std::function<void(const std::string&)> log;  // prints a line in the loop's format
};

struct ServeHooks {
  std::function<void(ServeContext&)> on_start;
  std::function<void(ServeContext&)> on_tick;  // every tick, after ingest and any drift evaluation
  std::function<void(ServeContext&)> on_stop;  // after the last commit
};

struct ServeSummary {
  bool leader_lost = false;  // stopped because the leadership was lost (not by `stop`)
  IngestCounters counters;
  uint64_t drift_evaluations = 0;
  uint64_t drift_alerts = 0;
  double seconds = 0;
};

// This host's name (gethostname), the worker id when none is given.
std::string serve_default_worker_id();

// Runs until `stop` is set (e.g. by SIGINT/SIGTERM), then commits and acks what is buffered.
// A hook that throws std::exception is reported as an error line; the loop goes on.
// Every worker ingests and runs `hooks`. Drift evaluation and `leader_hooks` (the loop, the
// notifier) run only while this worker holds the fleet's leader lease (leader_lease.h):
// leader_hooks.on_start when it takes the lease (at once if it is free, else when a follower's
// retry finds it free). A leader that loses the lease while running stops at once, as if `stop`
// were set (summary.leader_lost): what it ran may already be someone else's, and a supervisor's
// restart makes it a follower.
ServeSummary serve_run(registry::Registry& registry, const ServeOptions& options, const ServeHooks& hooks,
                       const std::atomic<bool>& stop, const ServeHooks& leader_hooks = {});

}  // namespace tmf::monitor
