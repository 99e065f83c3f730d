// Webhook delivery state (see notify_store.h).
#include "host/notify/notify_store.h"

namespace tmf::notify {

using registry::Statement;

int64_t NotifyStore::target_register(const std::string& target, const std::string& display, int64_t now_ms) {
  registry::Transaction tx(db_);
  Statement(db_,
            "INSERT OR IGNORE INTO notify_targets(target, display, since_alert, created_at) "
            "VALUES (?, ?, (SELECT COALESCE(MAX(id), 0) FROM alerts), ?)")
      .bind(1, target)
      .bind(2, display)
      .bind(3, now_ms)
      .run();
  Statement s(db_, "SELECT since_alert FROM notify_targets WHERE target = ?");
  s.bind(1, target);
  s.step();
  const int64_t since = s.column_int(0);
  tx.commit();
  return since;
}

std::vector<monitor::Alert> NotifyStore::pending(const std::string& target, size_t limit) {
  std::vector<int64_t> ids;
  {
    Statement s(db_,
                "SELECT a.id FROM alerts a JOIN notify_targets t ON t.target = ?1 "
                "LEFT JOIN notify_deliveries d ON d.target = ?1 AND d.alert = a.id "
                "WHERE a.id > t.since_alert AND d.delivered_at IS NULL ORDER BY a.id LIMIT ?2");
    s.bind(1, target).bind(2, static_cast<int64_t>(limit));
    while (s.step()) ids.push_back(s.column_int(0));
  }
  monitor::AlertStore alerts(db_);
  std::vector<monitor::Alert> out;
  for (const int64_t id : ids) {
    if (auto a = alerts.find(id)) out.push_back(std::move(*a));
  }
  return out;
}

int64_t NotifyStore::record(const std::string& target, int64_t alert, bool delivered, const std::string& error,
                            int64_t now_ms) {
  // The stored row's count named with its table: PostgreSQL refuses a bare `attempts` there as
  // ambiguous with the proposed row's (excluded.attempts); SQLite accepts both forms.
  Statement(db_,
            "INSERT INTO notify_deliveries(target, alert, attempts, last_attempt_at, last_error, delivered_at) "
            "VALUES (?1, ?2, 1, ?3, ?4, ?5) ON CONFLICT(target, alert) DO UPDATE SET attempts = notify_deliveries.attempts + 1, "
            "last_attempt_at = ?3, last_error = ?4, delivered_at = ?5")
      .bind(1, target)
      .bind(2, alert)
      .bind(3, now_ms)
      .bind(4, delivered ? std::optional<std::string>() : std::optional<std::string>(error))
      .bind(5, delivered ? std::optional<int64_t>(now_ms) : std::optional<int64_t>())
      .run();
  Statement s(db_, "SELECT attempts FROM notify_deliveries WHERE target = ? AND alert = ?");
  s.bind(1, target).bind(2, alert);
  s.step();
  return s.column_int(0);
}

int64_t NotifyStore::record_delivered(const std::string& target, int64_t alert, int64_t now_ms) {
  return record(target, alert, true, "", now_ms);
}

int64_t NotifyStore::record_failed(const std::string& target, int64_t alert, const std::string& error,
                                   int64_t now_ms) {
  return record(target, alert, false, error, now_ms);
}

NotifyCounts NotifyStore::counts(const std::string& target) {
  Statement s(db_,
              "SELECT (SELECT COUNT(*) FROM notify_deliveries WHERE target = ?1 AND delivered_at IS NOT NULL), "
              "(SELECT COUNT(*) FROM alerts a JOIN notify_targets t ON t.target = ?1 "
              " LEFT JOIN notify_deliveries d ON d.target = ?1 AND d.alert = a.id "
              " WHERE a.id > t.since_alert AND d.delivered_at IS NULL)");
  s.bind(1, target);
  s.step();
  return {s.column_int(0), s.column_int(1)};
}

}  // namespace tmf::notify
