// `tinymlops serve`: telemetry ingest, drift evaluation and alerts until SIGINT/SIGTERM; the loop
// itself is host/monitor/serve_loop (docs/serve.md).
#include <csignal>
#include <cstdio>

#include "host/cli/broker_flags.h"
#include "host/cli/commands.h"
#include "host/cli/registry_cli.h"
#include "host/cli/serve_broker_status.h"
#include "host/cli/serve_config_cli.h"
#include "host/cli/serve_notify_cli.h"
#include "host/cli/serve_retention_cli.h"
#include "host/cli/serve_loop_cli.h"
#include "host/cli/serve_http_cli.h"
#include "host/loop/loop_error.h"
#include "host/monitor/serve_loop.h"

namespace tmf::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

struct ServeArgs {
  std::string dir;
  monitor::ServeOptions options;
  double drift_every_seconds = 10;
  double progress_seconds = 5;
  uint32_t commit_ms = 100;
  LoopCliArgs loop;
  BrokerFlags broker;
  bool allow_unenrolled = false;  // --loop-group: the automation loop (serve_loop_cli.h)
  NotifyCliArgs notify;           // --notify-webhook (serve_notify_cli.h)
  HttpCliArgs http;               // --http: API and /metrics (serve_http_cli.h)
  RetentionCliArgs retention;     // --retain-telemetry/--retain-captures (serve_retention_cli.h)
};

void run_serve(ServeArgs& a) {
  if (!(a.drift_every_seconds > 0)) throw CliError("--drift-every-seconds must be > 0", 2);
  a.options.drift_every = std::chrono::milliseconds(static_cast<int64_t>(a.drift_every_seconds * 1000));
  a.options.progress_every = std::chrono::milliseconds(static_cast<int64_t>(a.progress_seconds * 1000));
  a.options.ingest.commit_interval = std::chrono::milliseconds(a.commit_ms);
  a.options.ingest.broker = broker_flags_settings(a.broker);
  registry::Registry reg(a.dir);
  if (!a.allow_unenrolled) a.options.ingest.enrolment = fleet::fleet_enrolment_from_registry(reg.dir());
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  try {
    // What must run once per fleet runs on the leader only (docs/scaling.md); every worker ingests,
    // reports its broker connection and serves --http.
    if (!a.options.ingest.share_group.empty() && a.options.ingest.worker_id.empty()) {
      throw CliError("--share-group needs --worker-id: each worker keeps its own broker session under a stable name", 2);
    }
    if (a.options.ingest.worker_id.empty()) a.options.ingest.worker_id = monitor::serve_default_worker_id();
    a.loop.options.worker_id = a.options.ingest.worker_id;
    const monitor::ServeHooks leader = retention_hooks(
        notify_hooks(loop_hooks(a.loop, reg.dir(), a.options.ingest.fleet, a.options.ingest.broker,
                                a.options.ingest.enrolment, a.options.json),
                     a.notify, reg.dir(), a.options.ingest.fleet, a.options.json),
        a.retention, a.options.json);
    monitor::ServeHooks every_worker;
    const auto http = serve_http_start(a.http, reg.dir(), a.options, every_worker);
    const monitor::ServeSummary summary =
        monitor::serve_run(reg, a.options, broker_status_hooks(every_worker, a.options.json), g_stop, leader);
    if (summary.leader_lost) throw CliError("the leadership was lost (docs/scaling.md); restart to follow", 3);
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what(), 2);
  } catch (const fleet::MqttError& e) {
    throw CliError(e.what(), 1);
  } catch (const loop::LoopError& e) {
    throw CliError(e.what(), 2);
  }
}

}  // namespace

void register_serve(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Ingest device telemetry, evaluate drift, raise alerts (until SIGINT/SIGTERM)");
  add_registry_option(cmd, args->dir);
  monitor::ServeOptions& o = args->options;
  broker_flags_add(cmd, args->broker);
  cmd->add_flag("--allow-unenrolled", args->allow_unenrolled,
                "Lab only: take messages from devices that are not enrolled (default: only enrolled devices count; "
                "`tinymlops devices enroll`)");
  cmd->add_option("--fleet", o.ingest.fleet, "Fleet name in the topics tmf/<fleet>/<device>/... (default fleet)");
  cmd->add_option("--client-id", o.ingest.client_id,
                  "MQTT client id of the persistent session (default tinymlops-serve-<fleet>)");
  cmd->add_option("--worker-id", o.ingest.worker_id,
                  "This worker's stable name: its MQTT session with --share-group, the leader's name in events and "
                  "loop history (default: the host name; docs/scaling.md)");
  cmd->add_option("--share-group", o.ingest.share_group,
                  "Share the fleet's telemetry with the other workers of this group (MQTT 5 $share/NAME/...; needs "
                  "--worker-id); the leader among them runs drift, the loop and notifications (docs/scaling.md)");
  cmd->add_option("--session-expiry-seconds", o.ingest.session_expiry_s,
                  "With --share-group: how long the broker keeps a worker's session after it disconnects (default 10)");
  cmd->add_option("--drift-every-seconds", args->drift_every_seconds, "Drift evaluation period (default 10)");
  cmd->add_option("--progress-seconds", args->progress_seconds, "Progress line period, 0 for none (default 5)");
  cmd->add_option("--commit-ms", args->commit_ms, "Commit buffered messages after this many ms (default 100)");
  cmd->add_option("--commit-messages", o.ingest.commit_messages, "... or when this many are buffered (default 256)");
  cmd->add_option("--max-device-batches-per-second", o.ingest.max_device_batches_per_second,
                  "Telemetry budget per device (bursts of 10 s worth); beyond it batches are dropped unacked and "
                  "counted (default 50; 0: none)");
  cmd->add_option("--recent-batches", o.drift.recent_batches, "K: batches per device merged for drift (default 16)");
  cmd->add_option("--min-windows", o.drift.min_windows, "Windows a merged sketch needs before PSI is compared (default 256)");
  cmd->add_option("--psi-threshold", o.drift.psi_threshold, "PSI max above this raises a drift alert (default 0.2)");
  cmd->add_flag("--json", o.json, "Print JSON lines (events started, progress, drift, alert, capture_complete, stopped)");
  add_loop_options(cmd, args->loop);
  add_notify_options(cmd, args->notify);
  add_http_options(cmd, args->http);
  add_retention_options(cmd, args->retention);
  add_serve_config_options(cmd);  // last: --print-config sees every option above
  cmd->callback([args] { run_registry_command([&] { run_serve(*args); }); });
}

}  // namespace tmf::cli
