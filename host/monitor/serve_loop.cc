// The serve loop: ingest, drift every S seconds, progress lines, hooks (see serve_loop.h).
#include "host/monitor/serve_loop.h"

#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/monitor/leader_lease.h"

namespace tmf::monitor {
namespace {

using Clock = std::chrono::steady_clock;

nlohmann::json counters_json(const IngestCounters& c) {
  return {{"messages", c.messages},
          {"telemetry", c.telemetry},
          {"batches_stored", c.batches_stored},
          {"duplicates", c.duplicates},
          {"acks_sent", c.acks_sent},
          {"ack_failures", c.ack_failures},
          {"commits", c.commits},
          {"mean_commit_messages", c.mean_batch_size()},
          {"decode_errors", c.decode_errors},
          {"not_enrolled", c.not_enrolled},
          {"rate_limited", c.rate_limited},
          {"sketch_errors", c.sketch_errors},
          {"data_segments", c.data_segments},
          {"data_dropped", c.data_dropped},
          {"captures_requested", c.captures_requested},
          {"captures_completed", c.captures_completed},
          {"alarm_alerts", c.alarm_alerts},
          {"device_updates", c.device_updates}};
}

nlohmann::json alert_json(const Alert& a) {
  nlohmann::json j = {{"id", a.id},           {"kind", a.kind},
                      {"source", a.source},   {"subject", a.subject},
                      {"raised_at_ms", a.raised_at_ms}, {"detail", nlohmann::json::parse(a.detail_json)}};
  if (a.model_id && a.model_version) j["model"] = {{"model_id", *a.model_id}, {"version", *a.model_version}};
  return j;
}

}  // namespace

std::string serve_default_worker_id() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "serve";
  return name;
}

ServeSummary serve_run(registry::Registry& registry, const ServeOptions& options_in, const ServeHooks& hooks,
                       const std::atomic<bool>& stop, const ServeHooks& leader_hooks) {
  ServeOptions options = options_in;
  if (options.ingest.worker_id.empty()) options.ingest.worker_id = serve_default_worker_id();
  auto print = options.print ? options.print : [](const std::string& line) {
    std::fprintf(stdout, "%s\n", line.c_str());
    std::fflush(stdout);
  };
  auto emit = [&](const nlohmann::json& j, const std::string& text) { print(options.json ? j.dump() : "serve: " + text); };
  auto log = [&](const std::string& line) { emit({{"event", "log"}, {"message", line}}, line); };

  Ingest ingest(registry, options.ingest);
  FleetDrift drift(registry, ingest.store(), ingest.alerts(), options.drift);
  LeaderLease lease(registry.dir(), options.ingest.fleet, options.ingest.worker_id);
  ServeSummary summary;
  const auto start = Clock::now();
  auto next_drift = start + options.drift_every;
  auto next_progress = start + options.progress_every;

  std::vector<Alert> no_alerts;
  std::vector<uint32_t> no_captures;
  auto run_hook = [&](const std::function<void(ServeContext&)>& hook, const char* name, const std::vector<Alert>& alerts,
                      const std::vector<uint32_t>& captures, const DriftEvaluation* evaluation) {
    if (!hook) return;
    ServeContext ctx{registry, ingest, ingest.store(), ingest.alerts(), drift, unix_ms_now(), alerts, captures,
                     evaluation, log};
    try {
      hook(ctx);
    } catch (const std::exception& e) {
      emit({{"event", "error"}, {"hook", name}, {"message", e.what()}}, std::string("hook ") + name + ": " + e.what());
    }
  };

  emit({{"event", "started"},
        {"worker", options.ingest.worker_id},
        {"share_group", options.ingest.share_group},
        {"fleet", options.ingest.fleet},
        {"broker", options.ingest.broker.url()},
        {"registry", registry.dir()},
        {"drift_every_seconds", options.drift_every.count() / 1000.0}},
       "fleet " + options.ingest.fleet + ", broker " + options.ingest.broker.url() + ", registry " + registry.dir());
  run_hook(hooks.on_start, "on_start", no_alerts, no_captures, nullptr);
  auto next_leader = start;
  auto leader_step = [&] {
    if (Clock::now() < next_leader) return;
    next_leader = Clock::now() + options.leader_every;
    if (lease.held()) {
      if (lease.check()) return;
      summary.leader_lost = true;
      emit({{"event", "leader_lost"}, {"worker", lease.worker()}, {"lease", lease.where()}},
           "worker " + lease.worker() + " lost the leadership (" + lease.where() + "); stopping");
      return;
    }
    if (!lease.try_acquire()) return;
    emit({{"event", "leader"}, {"worker", lease.worker()}, {"lease", lease.where()}, {"t_ms", unix_ms_now()}},
         "worker " + lease.worker() + " leads (" + lease.where() + "): drift, loop and notifications run here");
    next_drift = Clock::now() + options.drift_every;
    run_hook(leader_hooks.on_start, "on_start", no_alerts, no_captures, nullptr);
  };
  // Device rows: every worker of a share group receives INFO, STATUS, PRESENCE and EVENT, and the
  // leader alone writes them (docs/scaling.md "Device rows"); a lone serve writes its own.
  const auto device_writer = [&] { ingest.set_device_writer(options.ingest.share_group.empty() || lease.held()); };
  leader_step();
  device_writer();

  while (!stop.load() && !summary.leader_lost) {
    leader_step();
    if (summary.leader_lost) break;
    device_writer();
    ingest.poll(options.tick);
    std::vector<Alert> alerts = ingest.take_new_alerts();
    const std::vector<uint32_t> captures = ingest.take_completed_captures();
    for (const uint32_t id : captures) {
      emit({{"event", "capture_complete"}, {"capture_id", id}}, "capture " + std::to_string(id) + " complete");
    }
    std::optional<DriftEvaluation> evaluation;
    const auto now = Clock::now();
    if (lease.held() && now >= next_drift) {
      next_drift = now + options.drift_every;
      ingest.flush();  // evaluate what has arrived
      evaluation = drift.evaluate(unix_ms_now());
      ++summary.drift_evaluations;
      summary.drift_alerts += evaluation->raised.size();
      nlohmann::json shifts = nlohmann::json::array();
      for (const SubjectShift& s : evaluation->shifts) {
        shifts.push_back({{"subject", s.subject}, {"model_id", s.model_id}, {"version", s.model_version},
                          {"windows", s.windows}, {"psi_max", s.psi_max}, {"feature", s.psi_max_feature}});
      }
      emit({{"event", "drift"},
            {"devices", evaluation->devices},
            {"compared", evaluation->shifts.size()},
            {"no_reference", evaluation->no_reference},
            {"too_few_windows", evaluation->too_few_windows},
            {"incompatible", evaluation->incompatible},
            {"alerts", evaluation->raised.size()},
            {"shifts", shifts}},
           "drift: " + std::to_string(evaluation->devices) + " device(s), " + std::to_string(evaluation->shifts.size()) +
               " comparison(s), " + std::to_string(evaluation->raised.size()) + " alert(s)");
      alerts.insert(alerts.end(), evaluation->raised.begin(), evaluation->raised.end());
    }
    for (const Alert& a : alerts) {
      nlohmann::json j = alert_json(a);
      j["event"] = "alert";
      emit(j, "alert " + std::to_string(a.id) + ": " + a.kind + "/" + a.source + " " + a.subject + " " + a.detail_json);
    }
    run_hook(hooks.on_tick, "on_tick", alerts, captures, evaluation ? &*evaluation : nullptr);
    if (lease.held()) run_hook(leader_hooks.on_tick, "on_tick", alerts, captures, evaluation ? &*evaluation : nullptr);
    if (options.progress_every.count() > 0 && Clock::now() >= next_progress) {
      next_progress = Clock::now() + options.progress_every;
      const IngestCounters& c = ingest.counters();
      nlohmann::json j = counters_json(c);
      j["event"] = "progress";
      j["seconds"] = std::chrono::duration<double>(Clock::now() - start).count();
      j["connected"] = ingest.connected();
      char text[256];
      std::snprintf(text, sizeof text,
                    "%llu msgs, %llu batches stored, %llu duplicates, %llu acks, %llu commits (%.1f msgs each)%s",
                    static_cast<unsigned long long>(c.messages), static_cast<unsigned long long>(c.batches_stored),
                    static_cast<unsigned long long>(c.duplicates), static_cast<unsigned long long>(c.acks_sent),
                    static_cast<unsigned long long>(c.commits), c.mean_batch_size(),
                    ingest.connected() ? "" : ", broker not connected");
      emit(j, text);
    }
  }
  if (summary.leader_lost) ingest.set_device_writer(false);  // the new leader writes them
  ingest.flush();
  if (lease.held() || summary.leader_lost) run_hook(leader_hooks.on_stop, "on_stop", no_alerts, no_captures, nullptr);
  run_hook(hooks.on_stop, "on_stop", no_alerts, no_captures, nullptr);
  summary.counters = ingest.counters();
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  nlohmann::json j = counters_json(summary.counters);
  j["event"] = "stopped";
  j["seconds"] = summary.seconds;
  j["drift_evaluations"] = summary.drift_evaluations;
  j["drift_alerts"] = summary.drift_alerts;
  j["leader"] = lease.held();
  j["leader_lost"] = summary.leader_lost;
  char text[160];
  std::snprintf(text, sizeof text, "stopped after %.1f s: %llu batches stored, %llu acks, %llu commits", summary.seconds,
                static_cast<unsigned long long>(summary.counters.batches_stored),
                static_cast<unsigned long long>(summary.counters.acks_sent),
                static_cast<unsigned long long>(summary.counters.commits));
  emit(j, text);
  return summary;
}

}  // namespace tmf::monitor
