// serve's retention options and hook (see serve_retention_cli.h).
#include "host/cli/serve_retention_cli.h"

#include <memory>

#include "host/cli/serve_events.h"
#include "host/monitor/retention.h"

namespace tmf::cli {

// Ages are whole or fractional days; an hour between passes keeps the newest pruned row at most
// 1/24 of the shortest sensible retention (one day) past its age.
constexpr std::chrono::hours kRetentionEvery{1};

void add_retention_options(CLI::App* serve, RetentionCliArgs& a) {
  serve->add_option("--retain-telemetry", a.telemetry_days,
                    "Delete telemetry batches older than DAYS, hourly, in transactions of at most 1,000 rows "
                    "(0: keep forever, the default; what is always kept: docs/serve.md \"Retention\")");
  serve->add_option("--retain-captures", a.capture_days,
                    "Delete raw-data captures (rows and files) requested more than DAYS ago, except those the loop "
                    "or a model version's lineage uses (0: keep forever, the default)");
}

monitor::ServeHooks retention_hooks(monitor::ServeHooks inner, const RetentionCliArgs& a, bool json) {
  monitor::retention_check_days(a.telemetry_days, "--retain-telemetry");
  monitor::retention_check_days(a.capture_days, "--retain-captures");
  if (a.telemetry_days == 0 && a.capture_days == 0) return inner;
  monitor::RetentionPolicy policy;
  policy.telemetry_days = a.telemetry_days;
  policy.capture_days = a.capture_days;
  auto schedule = std::make_shared<monitor::RetentionSchedule>(policy, kRetentionEvery);
  monitor::ServeHooks out = inner;
  out.on_tick = [schedule, json, next = inner.on_tick](monitor::ServeContext& ctx) {
    if (const auto c = schedule->tick(ctx.registry, ctx.now_ms)) {
      serve_event_print(json,
                        {{"event", "retention"},
                         {"telemetry_deleted", c->telemetry_deleted},
                         {"telemetry_kept", c->telemetry_kept},
                         {"captures_deleted", c->captures_deleted},
                         {"captures_kept", c->captures_kept},
                         {"capture_files_deleted", c->capture_files_deleted},
                         {"transactions", c->transactions},
                         {"max_transaction_ms", c->max_transaction_ms}},
                        "retention: " + std::to_string(c->telemetry_deleted) + " telemetry batch(es) and " +
                            std::to_string(c->captures_deleted) + " capture(s) deleted in " +
                            std::to_string(c->transactions) + " transaction(s)");
    }
    if (next) next(ctx);
  };
  return out;
}

}  // namespace tmf::cli
