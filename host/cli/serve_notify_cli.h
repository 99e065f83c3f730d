// `tinymlops serve --notify-webhook URL`: the options and the serve hooks that run the alert
// notifier (host/notify/alert_notifier.h, docs/serve.md "Notifications").
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "host/monitor/serve_loop.h"

namespace tmf::cli {

struct NotifyCliArgs {
  std::string webhook;  // empty: no notifications
  std::string ca;
  double retry_initial_seconds = 1;
  double retry_max_seconds = 300;
};

void add_notify_options(CLI::App* serve, NotifyCliArgs& args);

// `inner` plus the notifier when --notify-webhook was given: it is started here (the URL and
// options are checked first: std::invalid_argument naming the option), woken on each tick that
// raised alerts, and stopped after serve's last commit.
monitor::ServeHooks notify_hooks(monitor::ServeHooks inner, const NotifyCliArgs& args, const std::string& registry_dir,
                                 const std::string& fleet, bool json);

}  // namespace tmf::cli
