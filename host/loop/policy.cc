// The automation loop of `serve` (see policy.h).
#include "host/loop/policy.h"

#include <cstdio>
#include <filesystem>
#include <tuple>

#include "host/deploy/rollout.h"
#include "host/deploy/signing.h"
#include "host/loop/capture_dataset.h"
#include "host/loop/loop_error.h"
#include "host/loop/release.h"
#include "host/loop/retrain.h"
#include "host/monitor/ingest.h"
#include "host/monitor/sketch_blob.h"

namespace tmf::loop {
namespace {

using nlohmann::json;

std::string version_ref(const registry::VersionInfo& v) { return v.name + ":" + std::to_string(v.version); }

json parse_object(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

// The drift reference of a fleet model: its training windows sketched with the device's code.
monitor::OwnedSketch reference_sketch(const pipeline::TrainResult& r, uint32_t bins) {
  monitor::OwnedSketch sketch(r.feature_count, bins);
  if (detect::sketch_set_ranges(&sketch.get(), r.sketch_lo.data(), r.sketch_hi.data()) != detect::DetectStatus::kOk) {
    throw LoopError("drift reference: the training sketch ranges are invalid");
  }
  for (size_t row = 0; row + r.feature_count <= r.reference_features.size(); row += r.feature_count) {
    detect::sketch_add(&sketch.get(), r.reference_features.data() + row);
  }
  return sketch;
}

}  // namespace

LoopPolicy::LoopPolicy(const std::string& registry_dir, const LoopOptions& options)
    : registry_dir_(registry_dir),
      options_(options),
      registry_(registry_dir),
      shared_(std::make_shared<Worker>(registry_dir)),
      steps_(registry_.db()) {
  if (options_.signing_key.empty()) throw LoopError("the loop needs a signing key (--signing-key)");
  if (options_.stages.empty()) throw LoopError("the loop needs at least one rollout stage (--stages)");
  const deploy::KeyId key_id = deploy::key_id_of(deploy::key_load_secret(options_.signing_key).public_key);
  canary_key_id_ = deploy::hex_encode(key_id.data(), key_id.size());
  options_.train.device_detection.enabled = true;
  steps_.set_worker(options_.worker_id);
  // Triggers already acted on (a restart must not retrain twice for the same drift).
  for (const LoopStep& s : steps_.list(options_.group)) {
    const json d = parse_object(s.detail_json);
    if (s.kind == LoopStepKind::kCollect && d.contains("trigger_key")) handled_triggers_.insert(d["trigger_key"].get<std::string>());
    if (s.kind == LoopStepKind::kTrain) last_train_ms_ = std::max(last_train_ms_, s.started_at_ms);
  }
}

LoopPolicy::~LoopPolicy() {
  if (!worker_.joinable()) return;
  if (shared_->done.load()) {
    worker_.join();
  } else {
    worker_.detach();  // the process is stopping; the step resumes with the next serve
  }
}

void LoopPolicy::emit(json event) {
  event["group"] = options_.group;
  event["t_ms"] = monitor::unix_ms_now();
  if (options_.log) options_.log(event);
}

void LoopPolicy::tick(monitor::Ingest& ingest) {
  if (worker_.joinable()) {
    if (shared_->done.load()) finish_worker();
    return;
  }
  const std::optional<LoopStep> running = steps_.running(options_.group);
  if (running && !resumed_ && steps_.record_handover(running->id, options_.worker_id, monitor::unix_ms_now())) {
    emit({{"event", "loop.handover"}, {"step", running->id}, {"kind", running->kind}, {"worker", options_.worker_id}});
  }
  if (running) {
    if (running->kind == LoopStepKind::kCollect) {
      check_collect(ingest, *running);
    } else if (running->kind == LoopStepKind::kApproval) {
      check_approval(*running);  // decided by `loop approve|reject`, maybe while serve was down
    } else if (!resumed_) {
      resume(*running, ingest);
    }
    resumed_ = true;
    return;
  }
  if (!resumed_) {
    resumed_ = true;
    // Killed between finishing an approval step and starting what follows it: do that now.
    const std::vector<LoopStep> all = steps_.list(options_.group);
    if (!all.empty() && all.back().kind == LoopStepKind::kApproval && all.back().state == LoopStepState::kDone) {
      const std::optional<Approval> a = Approvals(registry_.db()).find(all.back().id);
      if (a && a->state != ApprovalState::kApprovalPending) {
        act_on_decision(all.back(), *a);
        return;
      }
    }
  }
  decide_trigger(ingest);
}

void LoopPolicy::decide_trigger(monitor::Ingest& ingest) {
  const std::optional<registry::VersionInfo> champion = production_version(registry_, options_.model_name);
  if (!champion) {
    uint32_t online = 0;
    for (const registry::DeviceInfo& d : registry_.list_devices(options_.group)) online += d.online;
    if (online < options_.min_devices) return;
    const std::string key = "bootstrap";
    if (handled_triggers_.count(key)) return;  // a bootstrap challenger was rejected: an operator decides
    start_collect(ingest, "bootstrap: no " + options_.model_name + " in production for group " + options_.group,
                  {{"kind", "bootstrap"}, {"trigger_key", key}});
    return;
  }
  // Feature drift on the group's current model.
  monitor::AlertFilter filter;
  filter.state = "open";
  filter.kind = "drift";
  if (monitor::unix_ms_now() - last_train_ms_ < options_.retrain_cooldown_s * 1000) return;
  for (const monitor::Alert& a : ingest.alerts().list(filter)) {
    if (a.subject != monitor::group_subject(options_.group) || a.source != "shift") continue;
    if (a.model_version != champion->version || a.model_id != champion->model_id) continue;
    const std::string key = "drift:alert:" + std::to_string(a.id);
    if (handled_triggers_.count(key)) continue;
    const json d = parse_object(a.detail_json);
    char what[160];
    std::snprintf(what, sizeof what, "PSI %.2f on feature %d", d.value("value", 0.0), d.value("feature", -1));
    start_collect(ingest, "drift: alert " + std::to_string(a.id) + " on " + version_ref(*champion) + " (" + what + ")",
                  {{"kind", "drift"}, {"alert", a.id}, {"trigger_key", key}, {"from_version", champion->version}});
    return;
  }
  // Operator labels since the last training.
  if (options_.labels_to_retrain > 0) {
    uint32_t labels = 0;
    monitor::AlertFilter alarms;
    alarms.kind = "alarm";
    for (const monitor::Alert& a : ingest.alerts().list(alarms)) {
      labels += a.label.has_value() && a.labelled_at_ms.value_or(0) > last_train_ms_;
    }
    if (labels >= options_.labels_to_retrain) {
      start_collect(ingest, std::to_string(labels) + " new operator labels since the last training",
                    {{"kind", "labels"}, {"labels", labels}, {"trigger_key", "labels:" + std::to_string(monitor::unix_ms_now())}});
    }
  }
}

void LoopPolicy::start_collect(monitor::Ingest& ingest, const std::string& reason, const json& trigger) {
  // Machines an operator confirmed faulty give no healthy reference.
  std::set<std::string> faulty;
  monitor::AlertFilter alarms;
  alarms.kind = "alarm";
  for (const monitor::Alert& a : ingest.alerts().list(alarms)) {
    if (a.label == true && a.device) faulty.insert(*a.device);
  }
  json devices = json::array(), captures = json::array(), skipped = json::array();
  for (const registry::DeviceInfo& d : registry_.list_devices(options_.group)) {
    if (!d.online) continue;
    if (faulty.count(d.id)) {
      skipped.push_back(d.id);
      continue;
    }
    devices.push_back(d.id);
  }
  if (devices.empty()) return;
  json detail = trigger;
  detail["devices"] = devices;
  detail["excluded_faulty"] = skipped;
  detail["samples"] = options_.capture_samples;
  const int64_t id = steps_.start(options_.group, LoopStepKind::kCollect, reason, std::nullopt, detail.dump(), monitor::unix_ms_now());
  handled_triggers_.insert(trigger.value("trigger_key", std::string()));
  for (const auto& device : devices) {
    captures.push_back(ingest.request_capture(device.get<std::string>(), options_.capture_samples));
  }
  detail["captures"] = captures;
  steps_.update_detail(id, detail.dump());
  emit({{"event", "loop.collect"}, {"step", id}, {"reason", reason}, {"devices", devices.size()},
        {"excluded_faulty", skipped}});
}

void LoopPolicy::check_collect(monitor::Ingest& ingest, const LoopStep& step) {
  json detail = parse_object(step.detail_json);
  const json ids = detail.value("captures", json::array());
  size_t complete = 0;
  uint64_t received = 0;
  for (const auto& id : ids) {
    const std::optional<monitor::Capture> c = ingest.store().find_capture(id.get<uint32_t>());
    complete += c && c->state == "complete";
    if (c) received += c->received_samples;
  }
  const int64_t now = monitor::unix_ms_now();
  if (received != collect_received_ || collect_progress_ms_ < step.started_at_ms) {
    collect_received_ = received;
    collect_progress_ms_ = now;
  }
  const double waited_s = (now - step.started_at_ms) / 1000.0;
  const bool idle = received > 0 && (now - collect_progress_ms_) / 1000.0 >= options_.capture_idle_s;
  if (complete < ids.size() && waited_s < options_.capture_timeout_s && !idle) return;
  const std::vector<CapturePart> parts = usable_parts(ids);
  detail["complete"] = complete;
  detail["parts"] = parts.size();
  if (parts.empty()) {
    steps_.finish(step.id, LoopStepState::kFailed, detail.dump(), monitor::unix_ms_now());
    emit({{"event", "loop.collect.failed"}, {"step", step.id}, {"reason", "no usable capture arrived"}});
    return;
  }
  steps_.finish(step.id, LoopStepState::kDone, detail.dump(), monitor::unix_ms_now());
  emit({{"event", "loop.collect.done"}, {"step", step.id}, {"captures", complete}, {"requested", ids.size()},
        {"parts", parts.size()}, {"seconds", waited_s}});
  start_train(*steps_.find(step.id));
}

std::vector<CapturePart> LoopPolicy::usable_parts(const json& capture_ids) {
  std::vector<CapturePart> files;
  monitor::TelemetryStore store(registry_.db());
  for (const auto& cid : capture_ids) {
    const std::optional<monitor::Capture> c = store.find_capture(cid.get<uint32_t>());
    if (!c || !c->total_samples || c->samples_missing) continue;
    // Every contiguous part long enough to train on (all of it when nothing was lost).
    for (const auto& [offset, count] : c->received_ranges) {
      if (count < options_.min_part_samples) continue;
      CapturePart f;
      f.device = c->device;
      f.capture_id = c->id;
      f.offset = offset;
      f.samples = count;
      f.sample_rate_hz = c->sample_rate_hz.value_or(0);
      files.push_back(f);
    }
  }
  return files;
}

void LoopPolicy::start_train(const LoopStep& collect) {
  const json trigger = parse_object(collect.detail_json);
  const json capture_ids = trigger.value("captures", json::array());
  json detail = {{"captures", capture_ids}, {"trigger", trigger.value("kind", "")}};
  const int64_t id = steps_.start(options_.group, LoopStepKind::kTrain, collect.reason, collect.id, detail.dump(), monitor::unix_ms_now());
  last_train_ms_ = monitor::unix_ms_now();
  const std::vector<CapturePart> files = usable_parts(capture_ids);
  emit({{"event", "loop.train"}, {"step", id}, {"reason", collect.reason}, {"parts", files.size()}});
  RetrainOptions r;
  r.dataset_dir = (std::filesystem::path(registry_dir_) / "datasets" /
                   (options_.model_name + "-step" + std::to_string(id))).string();
  r.model_name = options_.model_name;
  r.reason = collect.reason;
  r.signing_key = options_.signing_key;
  r.train = options_.train;
  r.max_false_alarm_rate = options_.max_false_alarm_rate;
  r.holdout_dir = r.dataset_dir + "-holdout";
  r.promote_stage = "staging";  // production only once approved (release.h)
  start_worker(id, LoopStepKind::kTrain, [r, files](registry::Registry& registry) {
    // Whole uploads are held out for the challenge (docs/loop.md "Challenge").
    const CaptureSplit split = capture_split_by_upload(files);
    // The samples come from the database: whichever worker received the DATA stored them there.
    const CaptureSamples stored = capture_samples_from_store(registry.db());
    if (!std::filesystem::exists(r.dataset_dir)) write_capture_dataset(split.train, r.dataset_dir, stored);
    if (!std::filesystem::exists(r.holdout_dir)) write_capture_dataset(split.holdout, r.holdout_dir, stored);
    json held = json::array();
    for (const CapturePart& c : split.holdout) held.push_back(c.capture_id);
    const RetrainResult out = retrain(registry, r);
    const uint32_t bins = r.train.device_detection.sketch_bins;
    monitor::TelemetryStore(registry.db())
        .put_reference(out.version.model_id, out.version.version, reference_sketch(out.train, bins).get());
    const json result = {{"version", version_ref(out.version)},
                         {"model_id", out.version.model_id},
                         {"promoted", out.challenge.promote},
                         {"decision", out.challenge.why},
                         {"dataset", r.dataset_dir},
                         {"holdout", r.holdout_dir},
                         {"holdout_captures", held},
                         {"recordings", files.size()},
                         {"train_windows", out.train.train_windows},
                         {"threshold", out.train.settings.threshold},
                         {"challenger_false_alarm_rate", out.challenge.challenger_false_alarm_rate},
                         {"champion_false_alarm_rate", out.challenge.champion_false_alarm_rate
                                                           ? json(*out.challenge.champion_false_alarm_rate)
                                                           : json(nullptr)},
                         {"held_out_windows", out.challenge.windows},
                         {"seconds", out.train.seconds}};
    return std::make_pair(result, false);
  });
}

void LoopPolicy::start_rollout(int64_t parent, const std::string& ref, const std::string& reason,
                               const std::string& phase, int64_t approval) {
  const registry::VersionInfo version = registry_.get_version(registry::parse_version_ref(ref));
  deploy::RolloutOptions ro;
  ro.stages = options_.stages;
  ro.record_key = options_.signing_key;
  if (phase == "canary") {
    // The first stage, among the devices trusting the serve key (docs/security.md).
    ro.stages = {options_.stages.front()};
    ro.member_key_id = canary_key_id_;
  } else if (phase == "production") {
    ro.stages.erase(ro.stages.begin());
    if (ro.stages.empty()) ro.stages = {"100%"};
  } else if (phase == "restore") {
    // A rejected candidate's canary devices go back to the production version.
    ro.stages = {"100%"};
    ro.member_key_id = canary_key_id_;
  }
  const std::optional<Approval> a = phase == "canary" ? std::nullopt : Approvals(registry_.db()).find(approval);
  if (a && !a->record.empty()) {
    ro.record = a->record;  // signed offline by `loop approve --signing-key`
    ro.file = a->file;
  }
  json detail = {{"version", ref}, {"stages", ro.stages}, {"phase", phase}, {"approval", approval}};
  int64_t id = 0;
  const std::optional<LoopStep> running = steps_.running(options_.group);
  if (running && running->kind == LoopStepKind::kRollout) {
    id = running->id;  // resuming after a restart
  } else {
    id = steps_.start(options_.group, LoopStepKind::kRollout, reason, parent, detail.dump(), monitor::unix_ms_now());
  }
  emit({{"event", "loop.rollout"}, {"step", id}, {"version", ref}, {"phase", phase}, {"resumed", running.has_value()}});
  ro.broker = options_.broker;
  ro.enrolment = options_.enrolment;
  ro.max_alarm_rate = options_.gate_max_alarm_rate;
  ro.max_reboots = options_.gate_max_reboots;
  ro.fleet = options_.fleet;
  ro.group = options_.group;
  ro.gate_seconds = options_.gate_seconds;
  ro.discover_seconds = options_.discover_seconds;
  ro.stage_timeout_seconds = options_.stage_timeout_seconds;
  // The rollout's transitions (device states, stages, gates) as loop events, from the worker thread.
  const auto log = options_.log;
  const std::string group = options_.group;
  ro.log = [log, group, id](const std::string& line) {
    if (log) log({{"event", "loop.rollout.log"}, {"group", group}, {"step", id}, {"message", line}});
  };
  start_worker(id, LoopStepKind::kRollout, [version, ro, phase](registry::Registry& registry) {
    const deploy::RolloutResult r = deploy::rollout_run(registry, version, ro);
    const json result = {{"version", version_ref(version)}, {"phase", phase}, {"deployment", r.deployment}, {"state", r.state},
                         {"reason", r.reason},  {"devices", r.devices},       {"healthy", r.healthy},
                         {"failed", r.failed},  {"seconds", r.seconds},       {"update_seconds", r.update_seconds}};
    return std::make_pair(result, r.state != registry::DeploymentState::kCompleted);
  });
}

void LoopPolicy::start_worker(int64_t step, LoopStepKind kind,
                              std::function<std::pair<json, bool>(registry::Registry&)> work) {
  worker_step_ = step;
  worker_kind_ = kind;
  shared_->done = false;
  worker_ = std::thread([shared = shared_, work = std::move(work)]() {
    json result;
    bool failed = false;
    try {
      std::tie(result, failed) = work(shared->registry);
    } catch (const std::exception& e) {
      failed = true;
      result = {{"error", e.what()}};
    }
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->result = result;
    shared->failed = failed;
    shared->done = true;
  });
}

void LoopPolicy::finish_worker() {
  worker_.join();
  json result;
  bool failed;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    result = shared_->result;
    failed = shared_->failed;
  }
  const std::optional<LoopStep> step = steps_.find(worker_step_);
  steps_.finish(worker_step_, failed ? LoopStepState::kFailed : LoopStepState::kDone, result.dump(), monitor::unix_ms_now());
  emit({{"event", std::string("loop.") + to_string(worker_kind_) + (failed ? ".failed" : ".done")}, {"step", worker_step_}, {"result", result}});
  if (worker_kind_ == LoopStepKind::kTrain && !failed && result.value("promoted", false)) {
    if (options_.auto_approve) {
      // No human: approved at once, then one staged rollout of every --stages stage.
      start_approval(*steps_.find(worker_step_), result, false);
    } else {
      start_rollout(worker_step_, result["version"].get<std::string>(), step ? step->reason : "", "canary", 0);
    }
    return;
  }
  if (worker_kind_ == LoopStepKind::kRollout && !failed && step && result.value("phase", "") == "canary") {
    start_approval(*steps_.find(worker_step_), result, true);
    return;
  }
  if (worker_kind_ == LoopStepKind::kTrain && step) acknowledge_trigger(*step);
}

void LoopPolicy::acknowledge_trigger(const LoopStep& from) {
  // The drift that triggered a training which did not end in a rollout stays on the record as
  // acknowledged by the loop, so the next drift of that model can trigger again.
  std::optional<LoopStep> s = from;
  while (s && s->kind != LoopStepKind::kCollect) s = s->parent ? steps_.find(*s->parent) : std::nullopt;
  const json trigger = s ? parse_object(s->detail_json) : json::object();
  if (trigger.value("kind", "") == "drift" && trigger.contains("alert")) {
    monitor::AlertStore(registry_.db()).ack(trigger["alert"].get<int64_t>());
  }
}

void LoopPolicy::start_approval(const LoopStep& after, const json& result, bool after_canary) {
  const std::string ref = result.value("version", "");
  json detail = {{"version", ref}, {"after_canary", after_canary}, {"auto_approve", options_.auto_approve}};
  if (after_canary) detail["canary_deployment"] = result.value("deployment", 0);
  const int64_t now = monitor::unix_ms_now();
  const int64_t id = steps_.start(options_.group, LoopStepKind::kApproval,
                                  after_canary ? ref + " passed its canary stage; beyond it only after `tinymlops loop approve`"
                                               : ref + " won its challenge; serve --auto-approve skips the human",
                                  after.id, detail.dump(), now);
  Approval a;
  a.step = id;
  a.group = options_.group;
  a.fleet = options_.fleet;
  a.version = ref;
  a.requested_at_ms = now;
  Approvals(registry_.db()).request(a);
  emit({{"event", "loop.approval"}, {"step", id}, {"version", ref}, {"auto_approve", options_.auto_approve}});
  check_approval(*steps_.find(id));
}

void LoopPolicy::check_approval(const LoopStep& step) {
  Approvals approvals(registry_.db());
  json detail = parse_object(step.detail_json);
  std::optional<Approval> a = approvals.find(step.id);
  if (!a) {  // a restart between the step and its row
    Approval r;
    r.step = step.id;
    r.group = options_.group;
    r.fleet = options_.fleet;
    r.version = detail.value("version", "");
    r.requested_at_ms = monitor::unix_ms_now();
    approvals.request(r);
    return;
  }
  if (a->state == ApprovalState::kApprovalPending) {
    if (!options_.auto_approve) return;
    a = release_approve(registry_, step.id, "auto-approve", "", monitor::unix_ms_now());
  }
  detail["approval"] = approval_state_to_string(a->state);
  detail["decided_by"] = a->decided_by;
  detail["decided_at_ms"] = a->decided_at_ms.value_or(0);
  detail["signer_key_id"] = a->signer_key_id;
  detail["reason"] = a->reason;
  steps_.finish(step.id, LoopStepState::kDone, detail.dump(), monitor::unix_ms_now());
  emit({{"event", "loop.approval.decided"}, {"step", step.id}, {"version", a->version},
        {"approval", approval_state_to_string(a->state)}, {"by", a->decided_by}, {"signer_key_id", a->signer_key_id}});
  act_on_decision(*steps_.find(step.id), *a);
}

void LoopPolicy::act_on_decision(const LoopStep& step, const Approval& a) {
  const json detail = parse_object(step.detail_json);
  if (a.state == ApprovalState::kApprovalRejected) {
    acknowledge_trigger(step);
    const std::optional<registry::VersionInfo> champion = production_version(registry_, options_.model_name);
    if (champion && detail.value("after_canary", true)) {
      start_rollout(step.id, version_ref(*champion), a.version + " rejected: its canary devices go back to production",
                    "restore", 0);
    }
    return;
  }
  const registry::VersionInfo v = registry_.get_version(registry::parse_version_ref(a.version));
  if (v.stage != "production") registry_.promote({v.name, v.version}, "production");  // a crash after the decision
  // After the canary: the other stages; approved before any rollout (--auto-approve): all of them.
  start_rollout(step.id, a.version, step.reason, detail.value("after_canary", true) ? "production" : "all", step.id);
}

void LoopPolicy::resume(const LoopStep& step, monitor::Ingest& ingest) {
  (void)ingest;
  const json detail = parse_object(step.detail_json);
  emit({{"event", "loop.resume"}, {"step", step.id}, {"kind", step.kind}});
  if (step.kind == LoopStepKind::kRollout) {
    start_rollout(step.parent.value_or(0), detail.value("version", ""), step.reason, detail.value("phase", ""),
                  detail.value("approval", int64_t{0}));
  } else if (step.kind == LoopStepKind::kTrain) {
    // The worker died with the process: train again on the same captures (same dataset folder).
    steps_.finish(step.id, LoopStepState::kFailed, json({{"error", "interrupted by a restart; training again"}}).dump(),
                  monitor::unix_ms_now());
    const std::optional<LoopStep> collect = step.parent ? steps_.find(*step.parent) : std::nullopt;
    if (collect) start_train(*collect);
  }
}

}  // namespace tmf::loop
