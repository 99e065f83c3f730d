// Alert notifications of `tinymlops serve --notify-webhook URL` (docs/serve.md "Notifications"):
// a thread of its own posts each new alert as JSON to the webhook, oldest first, and retries
// failures with exponential backoff until an HTTP 2xx answer, so ingest never waits on it.
// Delivery state lives in the registry (notify_store.h): at-least-once across restarts, each
// alert once per target unless serve stopped between the answer and its record.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "host/monitor/alerts.h"
#include "host/notify/webhook_url.h"

namespace tmf::registry {
class Registry;
}

namespace tmf::notify {

struct WebhookOptions {
  std::string url;
  std::string ca_file;  // https: CA certificates to verify the receiver with (default: the system's)
  std::string fleet = "fleet";
  // Backoff after a failed request: initial, doubling per consecutive failure, capped.
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{300000};
  // Pending alerts are looked for at least this often, besides wake().
  std::chrono::milliseconds poll{2000};
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds io_timeout{5000};
};

// The JSON body posted for an alert.
nlohmann::json alert_notification_json(const monitor::Alert& alert, const std::string& fleet, int64_t attempt);

class AlertNotifier {
 public:
  // (event JSON, text line): how the notifier reports deliveries and failures.
  using Log = std::function<void(const nlohmann::json&, const std::string&)>;

  // Checks the URL (WebhookUrlError) and the options (std::invalid_argument), registers the
  // target in the registry at `registry_dir` (alerts raised from now on are its), then starts.
  AlertNotifier(const std::string& registry_dir, WebhookOptions options, Log log);
  // Stops after the request in flight (bounded by the timeouts).
  ~AlertNotifier();
  AlertNotifier(const AlertNotifier&) = delete;
  AlertNotifier& operator=(const AlertNotifier&) = delete;

  // New alerts were committed: look now instead of at the next poll (a backoff still holds).
  void wake();
  uint64_t delivered() const;
  uint64_t failed_attempts() const;

 private:
  void run();
  bool deliver(const monitor::Alert& alert);  // one attempt; false on failure

  WebhookOptions options_;
  WebhookUrl url_;
  std::string target_;  // hex SHA-256 of the URL
  Log log_;
  std::unique_ptr<registry::Registry> registry_;  // this thread's own connection
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  uint64_t delivered_ = 0;
  uint64_t failed_ = 0;
  std::thread thread_;
};

}  // namespace tmf::notify
