// serve's alert notifier options and hooks (see serve_notify_cli.h).
#include "host/cli/serve_notify_cli.h"

#include <cmath>
#include <memory>
#include <stdexcept>

#include "host/cli/serve_events.h"
#include "host/notify/alert_notifier.h"

namespace tmf::cli {

void add_notify_options(CLI::App* serve, NotifyCliArgs& a) {
  serve->add_option("--notify-webhook", a.webhook,
                    "POST each new alert as JSON to this http:// or https:// URL (only to its host; no redirects), "
                    "retried with backoff until answered 2xx, at least once per alert (docs/serve.md)");
  serve->add_option("--notify-ca", a.ca, "CA certificates (PEM) to verify an https:// webhook with (default: the system's)");
  serve->add_option("--notify-retry-initial-seconds", a.retry_initial_seconds,
                    "First retry delay after a failed webhook request, doubling per failure (default 1)");
  serve->add_option("--notify-retry-max-seconds", a.retry_max_seconds, "Longest retry delay (default 300)");
}

monitor::ServeHooks notify_hooks(monitor::ServeHooks inner, const NotifyCliArgs& a, const std::string& registry_dir,
                                 const std::string& fleet, bool json) {
  if (a.webhook.empty()) {
    if (!a.ca.empty()) throw std::invalid_argument("--notify-ca needs --notify-webhook");
    return inner;
  }
  if (!(a.retry_initial_seconds > 0) || !(a.retry_max_seconds >= a.retry_initial_seconds) ||
      !std::isfinite(a.retry_max_seconds)) {
    throw std::invalid_argument("--notify-retry-initial-seconds / --notify-retry-max-seconds: need 0 < initial <= max");
  }
  notify::WebhookOptions o;
  o.url = a.webhook;
  o.ca_file = a.ca;
  o.fleet = fleet;
  o.retry_initial = std::chrono::milliseconds(static_cast<int64_t>(a.retry_initial_seconds * 1000));
  o.retry_max = std::chrono::milliseconds(static_cast<int64_t>(a.retry_max_seconds * 1000));
  if (o.retry_initial.count() == 0) o.retry_initial = std::chrono::milliseconds(1);
  const notify::WebhookUrl url = notify::webhook_url_parse(a.webhook);
  if (url.scheme == "http" && !a.ca.empty()) throw std::invalid_argument("--notify-ca is for an https:// webhook, not " + url.redacted());
  // Started when this worker leads (serve_run's leader hooks, docs/scaling.md): at serve's start
  // for a single serve, before its first message. The delivery state is in the registry, so a new
  // leader's notifier finds what the previous one left pending.
  auto notifier = std::make_shared<std::unique_ptr<notify::AlertNotifier>>();
  auto start = [notifier, registry_dir, o, json, target = url.redacted()] {
    *notifier = std::make_unique<notify::AlertNotifier>(registry_dir, o, [json](const nlohmann::json& event, const std::string& text) {
      serve_event_print(json, event, text);
    });
    serve_event_print(json, {{"event", "notify"}, {"state", "started"}, {"target", target}}, "notify: alerts go to " + target);
  };
  monitor::ServeHooks out = inner;
  out.on_start = [start, next = inner.on_start](monitor::ServeContext& ctx) {
    start();
    if (next) next(ctx);
  };
  out.on_tick = [notifier, next = inner.on_tick](monitor::ServeContext& ctx) {
    if (!ctx.new_alerts.empty() && *notifier) (*notifier)->wake();
    if (next) next(ctx);
  };
  out.on_stop = [notifier, next = inner.on_stop](monitor::ServeContext& ctx) {
    if (next) next(ctx);
    notifier->reset();  // what is still pending goes at the next start
  };
  return out;
}

}  // namespace tmf::cli
