// `tinymlops serve --retain-telemetry DAYS --retain-captures DAYS`: the options and the serve hook
// that prunes older telemetry and captures while serving (host/monitor/retention.h, docs/serve.md
// "Retention").
#pragma once

#include <CLI/CLI.hpp>

#include "host/monitor/serve_loop.h"

namespace tmf::cli {

struct RetentionCliArgs {
  double telemetry_days = 0;  // 0: keep forever
  double capture_days = 0;
};

void add_retention_options(CLI::App* serve, RetentionCliArgs& args);

// `inner` plus, when a retention is set, one bounded retention step per serve tick while a pass is
// due (a pass at start, then hourly), with a "retention" event after each pass. The ages are
// checked here (std::invalid_argument naming the option).
monitor::ServeHooks retention_hooks(monitor::ServeHooks inner, const RetentionCliArgs& args, bool json);

}  // namespace tmf::cli
