// Alerts table access (see alerts.h).
#include "host/monitor/alerts.h"

namespace tmf::monitor {
namespace {

using registry::Statement;

constexpr const char* kColumns =
    "SELECT id, kind, source, subject, device, device_group, model_id, model_version, raised_at, detail, state, label, "
    "label_note, labelled_at FROM alerts ";

std::optional<uint32_t> optional_u32(const std::optional<int64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

Alert read_alert(Statement& s) {
  Alert a;
  a.id = s.column_int(0);
  a.kind = s.column_text(1);
  a.source = s.column_text(2);
  a.subject = s.column_text(3);
  a.device = s.column_optional_text(4);
  a.group = s.column_optional_text(5);
  a.model_id = optional_u32(s.column_optional_int(6));
  a.model_version = optional_u32(s.column_optional_int(7));
  a.raised_at_ms = s.column_int(8);
  a.detail_json = s.column_text(9);
  a.state = s.column_text(10);
  if (!s.column_is_null(11)) a.label = s.column_int(11) != 0;
  a.label_note = s.column_optional_text(12);
  a.labelled_at_ms = s.column_optional_int(13);
  return a;
}

}  // namespace

std::string device_subject(const std::string& device) { return "device:" + device; }
std::string group_subject(const std::string& group) { return "group:" + group; }

int64_t AlertStore::raise(const Alert& a) {
  Statement s(db_,
              "INSERT INTO alerts(kind, source, subject, device, device_group, model_id, model_version, raised_at, detail) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, a.kind).bind(2, a.source).bind(3, a.subject).bind(4, a.device).bind(5, a.group);
  if (a.model_id) s.bind(6, int64_t{*a.model_id}); else s.bind_null(6);
  if (a.model_version) s.bind(7, int64_t{*a.model_version}); else s.bind_null(7);
  s.bind(8, a.raised_at_ms).bind(9, a.detail_json);
  s.run();
  return db_.last_insert_id();
}

bool AlertStore::has_open(const std::string& kind, const std::string& source, const std::string& subject,
                          uint32_t model_id, uint32_t model_version) {
  Statement s(db_,
              "SELECT 1 FROM alerts WHERE kind = ? AND source = ? AND subject = ? AND model_id = ? AND model_version = ? "
              "AND state = 'open' LIMIT 1");
  s.bind(1, kind).bind(2, source).bind(3, subject).bind(4, int64_t{model_id}).bind(5, int64_t{model_version});
  return s.step();
}

std::vector<Alert> AlertStore::list(const AlertFilter& f) {
  Statement s(db_, (std::string(kColumns) +
                    "WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR device = ?3) "
                    "ORDER BY id")
                       .c_str());
  s.bind(1, f.state).bind(2, f.kind).bind(3, f.device);
  std::vector<Alert> out;
  while (s.step()) out.push_back(read_alert(s));
  return out;
}

std::optional<Alert> AlertStore::find(int64_t id) {
  Statement s(db_, (std::string(kColumns) + "WHERE id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_alert(s);
}

void AlertStore::ack(int64_t id) {
  Statement(db_, "UPDATE alerts SET state = 'acked' WHERE id = ?").bind(1, id).run();
  if (db_.changes() == 0) throw registry::RegistryError("alert " + std::to_string(id) + ": no such alert in " + db_.path());
}

void AlertStore::label(int64_t id, bool true_alarm, const std::optional<std::string>& note, int64_t now_ms) {
  Statement(db_, "UPDATE alerts SET label = ?, label_note = ?, labelled_at = ? WHERE id = ?")
      .bind(1, int64_t{true_alarm ? 1 : 0})
      .bind(2, note)
      .bind(3, now_ms)
      .bind(4, id)
      .run();
  if (db_.changes() == 0) throw registry::RegistryError("alert " + std::to_string(id) + ": no such alert in " + db_.path());
}

}  // namespace tmf::monitor
