// The automation loop `tinymlops serve` runs for a device group (docs/loop.md):
//   trigger  no model in production (bootstrap) | feature drift on the group's current model |
//            enough operator labels since the last training
//   collect  raw captures from the group's online devices (not from machines with an alarm an
//            operator labelled true: a faulty machine is not a healthy reference)
//   train    a challenger on those captures, compared with the champion on the same recent
//            held-out windows, registered with lineage, promoted only if at least as good
//   rollout  the promoted version to the group's canary stage (devices trusting the serve key),
//            then, once approved (`loop approve N`), to the whole group with the approved (possibly
//            offline-signed) record: release.h. With --auto-approve: approved at once, one rollout
// One step at a time per group, each recorded in loop_steps with its reason, so a restarted
// serve picks up where it stopped (a rollout resumes the same deployment). Training and rollouts
// run on a worker thread with their own registry connection; tick() never blocks on them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/loop/capture_dataset.h"
#include "host/loop/loop_steps.h"
#include "host/loop/release.h"
#include "host/pipeline/train_pipeline.h"
#include "host/fleet/link.h"
#include "host/registry/registry.h"

namespace tmf::monitor {
class Ingest;
}

namespace tmf::loop {

struct LoopOptions {
  std::string group = "default";
  std::string model_name = "fleet-detector";
  std::string signing_key;          // secret key file; required. Signs the loop's models and the canary
                                    // stage's records (devices trusting it are the canary devices)
  bool auto_approve = false;        // serve --auto-approve: no human between canary and production
  std::string fleet = "default";
  fleet::BrokerSettings broker;     // serve's own broker settings (host, port, TLS identity)
  fleet::FleetEnrolment enrolment;  // serve's enrolment check (empty: an open lab link)
  // Health gate of the loop's rollouts, on the devices' own telemetry with the new model. A
  // device that reboots on it fails; an alarm rate above 0.5 per window on a fleet the loop has
  // just judged healthy means a broken model, not a fault (a bound set from that reasoning, not
  // tuned on any run).
  double gate_max_alarm_rate = 0.5;
  uint32_t gate_max_reboots = 0;
  uint32_t min_devices = 1;         // bootstrap waits until this many group devices are online
  uint32_t capture_samples = 32768; // per device and collection (2.7 s at 12 kHz)
  double capture_timeout_s = 30;    // train when every capture is complete or at this timeout, with
                                    // the complete ones and the contiguous parts of the others
  double capture_idle_s = 5;        // ... or when no DATA arrived for this long (segments were lost)
  uint32_t min_part_samples = 8192; // a part shorter than this (lost DATA segments) is not used
  uint32_t labels_to_retrain = 0;   // retrain after this many new operator labels (0: never)
  double retrain_cooldown_s = 20;   // no drift- or label-triggered collection this soon after a training
  double max_false_alarm_rate = 0.10;  // per window, before the device's m-of-w persistence
  pipeline::TrainOptions train;     // detector and features; device detection is switched on
  std::vector<std::string> stages = {"1", "25%", "100%"};
  double gate_seconds = 2;
  double discover_seconds = 2;
  double stage_timeout_seconds = 300;
  std::function<void(const nlohmann::json&)> log;  // one JSON object per loop event
  // The serve worker running the loop (serve --worker-id): each step records who started it, and
  // a step another worker started and this one took over records the handover (docs/scaling.md).
  std::string worker_id;
};

class LoopPolicy {
 public:
  // Opens a second registry connection in `registry_dir` for the worker thread.
  LoopPolicy(const std::string& registry_dir, const LoopOptions& options);
  ~LoopPolicy();  // leaves a running worker behind (see Worker)
  LoopPolicy(const LoopPolicy&) = delete;
  LoopPolicy& operator=(const LoopPolicy&) = delete;

  // Advances the loop by what can be decided now; call it periodically from serve's thread.
  void tick(monitor::Ingest& ingest);
  bool busy() const { return worker_.joinable(); }

 private:
  void decide_trigger(monitor::Ingest& ingest);
  void start_collect(monitor::Ingest& ingest, const std::string& reason, const nlohmann::json& trigger);
  void check_collect(monitor::Ingest& ingest, const LoopStep& step);
  void start_train(const LoopStep& collect);
  std::vector<CapturePart> usable_parts(const nlohmann::json& capture_ids);
  // phase: "canary" (the first stage, canary-key devices only), "production" (the other stages,
  // with the approval of step `approval`), "all" (every stage: --auto-approve) or "restore" (the
  // production version back to the canary-key devices after a rejection).
  void start_rollout(int64_t parent, const std::string& version_ref, const std::string& reason,
                     const std::string& phase, int64_t approval);
  // `after` is the canary rollout (after_canary) or, with --auto-approve, the training.
  void start_approval(const LoopStep& after, const nlohmann::json& result, bool after_canary);
  void check_approval(const LoopStep& step);
  // What follows a decided approval step: the production (or all-stage) rollout, or after a
  // rejection the production version back to the canary devices.
  void act_on_decision(const LoopStep& step, const Approval& approval);
  void acknowledge_trigger(const LoopStep& step);
  void resume(const LoopStep& step, monitor::Ingest& ingest);
  // Runs `work` on the worker thread for `step` with the worker's registry connection; it returns
  // (result, failed), an exception fails it.
  void start_worker(int64_t step, LoopStepKind kind,
                    std::function<std::pair<nlohmann::json, bool>(registry::Registry&)> work);
  void finish_worker();
  void emit(nlohmann::json event);

  // What the worker thread owns and shares with serve's thread. Held by shared pointer so a
  // serve that stops during a rollout can leave the thread behind (its step stays 'running' in
  // loop_steps and is resumed by the next serve) instead of waiting for it.
  struct Worker {
    explicit Worker(const std::string& dir) : registry(dir) {}
    registry::Registry registry;  // the worker thread's own connection
    std::mutex mutex;
    nlohmann::json result;        // set under mutex
    bool failed = false;
    std::atomic<bool> done{false};
  };

  std::string registry_dir_;
  LoopOptions options_;
  std::string canary_key_id_;  // hex key id of options_.signing_key
  registry::Registry registry_;         // serve's thread
  std::shared_ptr<Worker> shared_;
  LoopSteps steps_;
  std::thread worker_;
  int64_t worker_step_ = 0;
  LoopStepKind worker_kind_ = LoopStepKind::kCollect;
  std::set<std::string> handled_triggers_;  // "drift:<model_version>" already retrained from
  int64_t last_train_ms_ = 0;
  uint64_t collect_received_ = 0;   // samples received for the running collection ...
  int64_t collect_progress_ms_ = 0; // ... and when that last grew
  bool resumed_ = false;
};

}  // namespace tmf::loop
