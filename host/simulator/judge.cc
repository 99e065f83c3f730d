// The loop's outcome against the scenario's ground truth (see judge.h).
#include "host/simulator/judge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "host/loop/loop_steps.h"
#include "host/loop/retrain.h"
#include "host/monitor/alerts.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"
#include "host/report/html_report.h"
#include "host/sim/scenario_world.h"

namespace tmf::simulator {
namespace {

using nlohmann::json;

std::string fmt(const char* format, double a, double b = 0) {
  char text[160];
  std::snprintf(text, sizeof text, format, a, b);
  return text;
}

// Device-side truth: the first window at or after `from` whose alarm was on (NaN: none).
double first_alarm_after(const VirtualDevice& d, double from) {
  for (const WindowRecord& w : d.windows()) {
    if (w.t_s >= from && w.alarm) return w.t_s;
  }
  return NAN;
}

std::string reason_of(const registry::VersionInfo& v) {
  if (!v.lineage.parameters) return "";
  const json p = json::parse(*v.lineage.parameters, nullptr, false);
  return p.is_object() ? p.value("reason", "") : "";
}

}  // namespace

JudgeResult judge(const FleetResult& run, const JudgeOptions& options) {
  JudgeResult r;
  const sim::Scenario& s = run.scenario;
  registry::Registry registry(options.registry_dir);
  monitor::AlertStore alerts(registry.db());
  monitor::TelemetryStore store(registry.db());
  loop::LoopSteps steps(registry.db());
  const double max_delay =
      options.max_drift_delay_s > 0 ? options.max_drift_delay_s : 4.0 * options.batch_windows * s.window_period_s;
  auto at = [&](int64_t unix_ms) { return run.scenario_time(unix_ms); };

  // Ground truth on the timeline.
  const std::vector<sim::DriftTruth> drifts = sim::scenario_drifts(s);
  const std::vector<sim::FaultTruth> faults = sim::scenario_faults(s);
  for (const sim::DriftTruth& d : drifts) {
    r.timeline.push_back({d.at_s, std::string("scenario: ") + sim::to_string(d.kind) + " of group " + d.group +
                                      " to " + fmt("%.2f", d.target) + " over " + fmt("%.0f s", d.ramp_s)});
  }
  for (const sim::FaultTruth& f : faults) {
    r.timeline.push_back({f.onset_s, std::string("scenario: ") + sim::to_string(f.fault) + " fault starts on " +
                                         f.device_id + fmt(" (severity to %.2f over %.0f s)", f.max_severity,
                                                           f.full_s - f.onset_s)});
  }
  // What the loop did.
  json steps_json = json::array();
  for (const loop::LoopStep& st : steps.list()) {
    const std::string kind = loop::to_string(st.kind);
    r.timeline.push_back({at(st.started_at_ms), "loop: " + kind + " started (" + st.reason.substr(0, 120) + ")"});
    if (st.ended_at_ms) {
      const json d = json::parse(st.detail_json, nullptr, false);
      std::string outcome = loop::to_string(st.state);
      if (st.kind == loop::LoopStepKind::kTrain && d.is_object() && d.contains("version")) {
        outcome += ": " + d["version"].get<std::string>() + (d.value("promoted", false) ? " promoted" : " not promoted");
      }
      if (st.kind == loop::LoopStepKind::kRollout && d.is_object()) {
        outcome += ": " + d.value("version", std::string()) + " " + d.value("state", std::string()) + ", " +
                   std::to_string(d.value("healthy", 0)) + " devices healthy";
      }
      r.timeline.push_back({at(*st.ended_at_ms), "loop: " + kind + " " + outcome});
    }
    steps_json.push_back({{"kind", st.kind}, {"state", st.state}, {"reason", st.reason},
                          {"started_s", at(st.started_at_ms)},
                          {"ended_s", st.ended_at_ms ? json(at(*st.ended_at_ms)) : json(nullptr)}});
  }
  monitor::AlertFilter drift_filter;
  drift_filter.kind = "drift";
  std::optional<double> first_group_drift;
  const std::string group = s.groups.front().name;
  for (const monitor::Alert& a : alerts.list(drift_filter)) {
    const double t = at(a.raised_at_ms);
    r.timeline.push_back({t, "serve: drift alert (" + a.source + ") on " + a.subject + " for v" +
                                 std::to_string(a.model_version.value_or(0))});
    if (a.subject == monitor::group_subject(group) && a.source == "shift" && !drifts.empty() && t >= drifts.front().at_s &&
        (!first_group_drift || t < *first_group_drift)) {
      first_group_drift = t;
    }
  }

  // 1. Drift detected within the documented delay.
  Check drift{"load or speed change detected as drift", false, "no load/speed change in the scenario"};
  if (!drifts.empty()) {
    const double change = drifts.front().at_s;
    if (first_group_drift) {
      const double delay = *first_group_drift - change;
      drift.passed = delay <= max_delay + drifts.front().ramp_s;
      drift.detail = fmt("group drift alert %.0f s after the change", delay) + fmt(" (limit %.0f s)", max_delay);
    } else {
      drift.detail = "no group drift alert after the change at " + fmt("%.0f s", change);
    }
  }
  r.checks.push_back(drift);

  // 2. The retrained model reached the whole group.
  Check deployed{"retrained model deployed to the whole group", false, ""};
  const std::optional<registry::VersionInfo> production = loop::production_version(registry, options.model_name);
  json versions = json::array();
  for (const registry::VersionInfo& v : registry.list_versions(options.model_name)) {
    versions.push_back({{"version", v.version}, {"stage", v.stage}, {"reason", reason_of(v)},
                        {"parent", v.lineage.parent ? json(*v.lineage.parent) : json(nullptr)}, {"metrics", v.metrics}});
  }
  if (!production) {
    deployed.detail = "no version of " + options.model_name + " in production";
  } else {
    uint32_t running = 0, group_devices = 0;
    for (const auto& d : run.devices) {
      if (d->group() != group) continue;
      ++group_devices;
      running += d->model() == std::make_pair(production->model_id, production->version);
    }
    // A bare-metal device's model is what its STATUS said (through its gateway; serve records it).
    for (const auto& d : run.bare_metal) {
      if (d->group() != group) continue;
      ++group_devices;
      for (const registry::DeviceInfo& info : registry.list_devices(group)) {
        running += info.id == d->id() && info.current_model_id == production->model_id &&
                   info.current_version == production->version;
      }
    }
    const bool retrained = reason_of(*production).rfind("drift", 0) == 0;
    // The registry must agree: the version's deployment to the group completed (also when a
    // serve restart interrupted it).
    std::string deployment_state = "no deployment";
    for (const registry::DeploymentInfo& dep : registry.list_deployments()) {
      if (dep.model_name == production->name && dep.model_version == production->version && dep.group == group) {
        deployment_state = registry::to_string(dep.state);
      }
    }
    deployed.passed = retrained && running == group_devices && deployment_state == "completed";
    deployed.detail = options.model_name + ":" + std::to_string(production->version) + " (" +
                      (retrained ? "retrained on drift" : "not a drift retrain: " + reason_of(*production)) + ") runs on " +
                      std::to_string(running) + " of " + std::to_string(group_devices) + " devices, deployment " +
                      deployment_state;
  }
  r.checks.push_back(deployed);

  // 3. Every injected fault detected (device-side alarm after onset).
  Check detected{"every injected fault detected", true, ""};
  json fault_json = json::array();
  std::map<std::string, const VirtualDevice*> by_id;
  for (const auto& d : run.devices) by_id[d->id()] = d.get();
  for (const sim::FaultTruth& f : faults) {
    const VirtualDevice* d = by_id.count(f.device_id) ? by_id[f.device_id] : nullptr;
    const double hit = d ? first_alarm_after(*d, f.onset_s) : NAN;
    const bool found = !std::isnan(hit);
    if (found) {
      r.timeline.push_back({hit, "device: " + f.device_id + " alarm (fault detected " +
                                     fmt("%.0f s after onset)", hit - f.onset_s)});
    } else {
      detected.passed = false;
    }
    detected.detail += (detected.detail.empty() ? "" : "; ") + f.device_id + ": " +
                       (found ? fmt("%.0f s after onset", hit - f.onset_s) : std::string("not detected"));
    json entry = {{"device", f.device_id}, {"fault", sim::to_string(f.fault)}, {"onset_s", f.onset_s},
                  {"detected_s", nullptr}, {"delay_s", nullptr}};
    if (found) {
      entry["detected_s"] = hit;
      entry["delay_s"] = hit - f.onset_s;
    }
    fault_json.push_back(entry);
  }
  if (faults.empty()) detected.detail = "no fault injected";
  r.checks.push_back(detected);

  // 4. No acknowledged telemetry lost.
  Check kept{"no acknowledged telemetry lost", true, ""};
  uint64_t acked = 0, missing = 0;
  for (const auto& d : run.devices) {
    for (const auto& [incarnation, boot, seq] : d->acked()) {
      ++acked;
      if (!store.has_batch({d->id(), boot, seq, incarnation})) ++missing;
    }
  }
  kept.passed = missing == 0 && acked > 0;
  kept.detail = std::to_string(acked) + " batches acknowledged to devices, " + std::to_string(missing) +
                " of them missing from the store";
  r.checks.push_back(kept);

  // False alarms (device side): raises on a machine without a fault growing.
  std::map<std::string, double> onset;
  for (const sim::FaultTruth& f : faults) onset[f.device_id] = std::min(onset.count(f.device_id) ? onset[f.device_id] : f.onset_s, f.onset_s);
  uint64_t false_alarms = 0, false_on_stale_model = 0, raises = 0, windows = 0;
  const double change = drifts.empty() ? INFINITY : drifts.front().at_s;
  // The first version retrained on drift: models before it were trained before the change.
  uint32_t retrained = UINT32_MAX;
  for (const registry::VersionInfo& v : registry.list_versions(options.model_name)) {
    if (reason_of(v).rfind("drift", 0) == 0 && v.stage != "none") retrained = std::min(retrained, v.version);
  }
  for (const auto& d : run.devices) {
    for (const WindowRecord& w : d->windows()) {
      if (w.t_s < 0) continue;
      ++windows;
      if (!w.raised) continue;
      ++raises;
      const bool faulty = onset.count(d->id()) && w.t_s >= onset[d->id()];
      if (faulty) continue;
      ++false_alarms;
      // A model trained before the change, still running after it.
      if (w.t_s >= change && w.model_version < retrained) ++false_on_stale_model;
    }
  }
  r.closed = std::all_of(r.checks.begin(), r.checks.end(), [](const Check& c) { return c.passed; });
  std::stable_sort(r.timeline.begin(), r.timeline.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.t_s < b.t_s; });

  uint64_t sent = 0, resent = 0, dropped = 0;
  for (const auto& d : run.devices) {
    sent += d->counters().batches_sent;
    resent += d->counters().batches_resent;
    dropped += d->counters().batches_dropped;
  }
  json bare_metal = json::array();
  for (const auto& d : run.bare_metal) {
    json entry = {{"id", d->id()}, {"core", d->core()}, {"windows_streamed", d->windows_streamed()},
                  {"captures_streamed", d->captures_streamed()}, {"telemetry_batches_stored", store.batch_count(d->id())},
                  {"model_version", nullptr}, {"online", false}};
    for (const registry::DeviceInfo& info : registry.list_devices()) {
      if (info.id != d->id()) continue;
      if (info.current_version) entry["model_version"] = *info.current_version;
      entry["online"] = info.online;
    }
    uint32_t captures = 0;
    for (const monitor::Capture& c : store.list_captures(d->id())) captures += c.state == "complete" ? 1 : 0;
    entry["captures_complete"] = captures;
    bare_metal.push_back(entry);
  }
  json checks = json::array();
  for (const Check& c : r.checks) checks.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
  uint64_t true_labels = 0;
  for (const LabelRecord& l : run.labels) true_labels += l.truth;
  r.summary = {{"closed", r.closed},
               {"checks", checks},
               {"devices", run.devices.size()},
               {"bare_metal", bare_metal},
               {"scenario_seconds", s.duration_s},
               {"speed", s.speed},
               {"commission_wall_s", run.commission_wall_s},
               {"run_wall_s", run.run_wall_s},
               {"versions", versions},
               {"loop_steps", steps_json},
               {"drift_detected_s", first_group_drift ? json(*first_group_drift) : json(nullptr)},
               {"drift_delay_limit_s", max_delay},
               {"faults", fault_json},
               {"windows", windows},
               {"alarms_raised", raises},
               {"false_alarms", false_alarms},
               {"false_alarms_on_models_trained_before_the_change", false_on_stale_model},
               {"operator_labels", {{"true", true_labels}, {"false", run.labels.size() - true_labels}}},
               {"telemetry", {{"batches_sent", sent}, {"batches_resent", resent}, {"batches_dropped", dropped},
                              {"batches_acknowledged", acked}, {"batches_stored", store.batch_count()}}}};
  return r;
}

std::string judge_report_html(const FleetResult& run, const JudgeResult& result) {
  std::vector<std::string> body;
  std::vector<std::vector<std::string>> checks = {{"check", "result", "detail"}};
  for (const Check& c : result.checks) checks.push_back({c.name, c.passed ? "passed" : "FAILED", c.detail});
  body.push_back("<h2>Did the loop close? " + std::string(result.closed ? "yes" : "no") + "</h2>");
  body.push_back(report::html_table(checks));
  // Scores over time: the faulty machines and two healthy ones.
  std::set<std::string> faulty;
  for (const sim::FaultTruth& f : sim::scenario_faults(run.scenario)) faulty.insert(f.device_id);
  std::vector<const VirtualDevice*> shown;
  for (const auto& d : run.devices) {
    if (faulty.count(d->id())) shown.push_back(d.get());
  }
  int healthy = 0;
  for (const auto& d : run.devices) {
    if (!faulty.count(d->id()) && healthy < 2) shown.push_back(d.get()), ++healthy;
  }
  for (const VirtualDevice* d : shown) {
    report::Series score{"score", {}, {}}, alarm{"alarm (1 = on)", {}, {}}, version{"model version", {}, {}};
    for (const WindowRecord& w : d->windows()) {
      if (w.t_s < 0) continue;
      score.x.push_back(w.t_s);
      score.y.push_back(std::log10(std::max(1e-6f, w.score)));
      alarm.x.push_back(w.t_s);
      alarm.y.push_back(w.alarm ? 1 : 0);
      version.x.push_back(w.t_s);
      version.y.push_back(w.model_version);
    }
    const std::string title = d->id() + (faulty.count(d->id()) ? " (fault injected)" : " (healthy)");
    body.push_back(report::svg_line_chart(title + ": log10 score", {score}, {"scenario time (s)"}, {"log10 score"}));
    body.push_back(report::svg_line_chart(title + ": alarm and model version", {alarm, version},
                                          {"scenario time (s)"}, {"value"}));
  }
  std::vector<std::vector<std::string>> timeline = {{"t (s; negative: before the fleet was commissioned)", "what"}};
  for (const TimelineEntry& e : result.timeline) {
    char t[32];
    std::snprintf(t, sizeof t, "%.0f", e.t_s);
    timeline.push_back({t, e.what});
  }
  body.push_back("<h2>Timeline</h2>");
  body.push_back(report::html_table(timeline));
  body.push_back("<h2>Summary</h2><pre>" + report::html_escape(result.summary.dump(2)) + "</pre>");
  return report::html_page("tinymlops sim: " + run.scenario.name, body);
}

}  // namespace tmf::simulator
