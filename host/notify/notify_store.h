// Webhook delivery state in the registry (migration 9, docs/serve.md "Notifications"): each
// target (a webhook URL, kept as its SHA-256 since its path may hold a secret) is registered once
// with the newest alert id at that moment; every later alert is pending for it until an HTTP 2xx
// answer is recorded. Pending is derived from the alerts table, so an alert that is committed is
// never lost to a crash, and one is sent again only if serve stopped between the answer and this
// record (at-least-once; receivers deduplicate by alert id).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/monitor/alerts.h"
#include "host/registry/database.h"

namespace tmf::notify {

struct NotifyCounts {
  int64_t delivered = 0;
  int64_t pending = 0;
};

class NotifyStore {
 public:
  explicit NotifyStore(registry::Database& db) : db_(db) {}

  // Registers `target` if it is new (alerts raised from now on are delivered to it) and returns
  // the id after which its alerts start.
  int64_t target_register(const std::string& target, const std::string& display, int64_t now_ms);
  // Up to `limit` undelivered alerts of the target, oldest first.
  std::vector<monitor::Alert> pending(const std::string& target, size_t limit);
  // Records the 2xx answer, or a failed attempt and why; returns the alert's attempts so far.
  int64_t record_delivered(const std::string& target, int64_t alert, int64_t now_ms);
  int64_t record_failed(const std::string& target, int64_t alert, const std::string& error, int64_t now_ms);
  NotifyCounts counts(const std::string& target);

 private:
  int64_t record(const std::string& target, int64_t alert, bool delivered, const std::string& error, int64_t now_ms);
  registry::Database& db_;
};

}  // namespace tmf::notify
