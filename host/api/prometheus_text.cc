// The /metrics body (see prometheus_text.h).
#include "host/api/prometheus_text.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>
#include <sstream>
#include <vector>

#include "host/notify/notify_store.h"

namespace tmf::api {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  void sample(const std::string& name, const Labels& labels, double value) {
    out_ << name;
    if (!labels.empty()) {
      out_ << '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        out_ << (i ? "," : "") << labels[i].first << "=\"" << prometheus_label_escape(labels[i].second) << '"';
      }
      out_ << '}';
    }
    out_ << ' ' << number(value) << '\n';
  }
  std::string text() const { return out_.str(); }

 private:
  static std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", v);
    return text;
  }
  std::ostringstream out_;
};

void counter(Writer& w, const char* name, const char* help, uint64_t value) {
  w.family(name, "counter", help);
  w.sample(name, {}, static_cast<double>(value));
}

void ingest_families(Writer& w, const ServeMetricsSnapshot& s) {
  const monitor::IngestCounters& c = s.counters;
  counter(w, "tinymlops_ingest_messages_total", "MQTT messages received by serve", c.messages);
  counter(w, "tinymlops_ingest_telemetry_total", "TELEMETRY messages decoded", c.telemetry);
  counter(w, "tinymlops_ingest_batches_stored_total", "Telemetry batches stored (new rows)", c.batches_stored);
  counter(w, "tinymlops_ingest_duplicates_total", "Telemetry batches already stored (acknowledged again)", c.duplicates);
  counter(w, "tinymlops_ingest_acks_sent_total", "TELEMETRY_ACK messages sent after commit", c.acks_sent);
  counter(w, "tinymlops_ingest_ack_failures_total", "Acks that could not be queued (the device resends)", c.ack_failures);
  counter(w, "tinymlops_ingest_commits_total", "Ingest transactions committed", c.commits);
  counter(w, "tinymlops_ingest_decode_errors_total", "Malformed payloads or topics dropped", c.decode_errors);
  counter(w, "tinymlops_ingest_not_enrolled_total", "Messages from devices that are not enrolled (dropped)", c.not_enrolled);
  counter(w, "tinymlops_ingest_rate_limited_total", "Batches beyond their device's budget (dropped, not acked)",
          c.rate_limited);
  counter(w, "tinymlops_ingest_data_segments_total", "DATA segments received", c.data_segments);
  counter(w, "tinymlops_ingest_data_dropped_total", "DATA segments dropped", c.data_dropped);
  counter(w, "tinymlops_ingest_captures_completed_total", "Raw-data captures completed", c.captures_completed);
  // Dropped batches in one family: each reason a label, so one query sums them.
  w.family("tinymlops_ingest_dropped_total", "counter", "Telemetry messages dropped by serve, by reason");
  w.sample("tinymlops_ingest_dropped_total", {{"reason", "decode_error"}}, static_cast<double>(c.decode_errors));
  w.sample("tinymlops_ingest_dropped_total", {{"reason", "not_enrolled"}}, static_cast<double>(c.not_enrolled));
  w.sample("tinymlops_ingest_dropped_total", {{"reason", "rate_limited"}}, static_cast<double>(c.rate_limited));

  w.family("tinymlops_ingest_commit_seconds", "histogram", "Duration of one ingest commit (writes and transaction)");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kCommitSecondsBounds.size(); ++i) {
    cumulative += s.commit_buckets[i];
    char le[32];
    std::snprintf(le, sizeof le, "%g", kCommitSecondsBounds[i]);
    w.sample("tinymlops_ingest_commit_seconds_bucket", {{"le", le}}, static_cast<double>(cumulative));
  }
  cumulative += s.commit_buckets.back();
  w.sample("tinymlops_ingest_commit_seconds_bucket", {{"le", "+Inf"}}, static_cast<double>(cumulative));
  w.sample("tinymlops_ingest_commit_seconds_sum", {}, s.commit_seconds_sum);
  w.sample("tinymlops_ingest_commit_seconds_count", {}, static_cast<double>(s.commit_count));

  w.family("tinymlops_broker_connected", "gauge", "1 while serve's MQTT session to the broker is up");
  w.sample("tinymlops_broker_connected", {}, s.broker_connected ? 1 : 0);
  counter(w, "tinymlops_broker_connects_total", "Successful broker connections (reconnects included)", s.broker_connects);
  w.family("tinymlops_serve_start_time_seconds", "gauge", "Unix time serve started");
  w.sample("tinymlops_serve_start_time_seconds", {}, s.started_at_s);
}

void alert_families(Writer& w, registry::Database& db) {
  // Every kind/state pair appears, with 0 when there is none, so a rate or alert rule never sees a gap.
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> counts;
  for (const char* kind_source : {"alarm/device", "drift/shift", "drift/score"}) {
    const char* slash = std::strchr(kind_source, '/');
    for (const char* state : {"open", "acked"}) {
      counts[{std::string(kind_source, slash), slash + 1, state}] = 0;
    }
  }
  registry::Statement s(db, "SELECT kind, source, state, COUNT(*) FROM alerts GROUP BY kind, source, state");
  while (s.step()) counts[{s.column_text(0), s.column_text(1), s.column_text(2)}] = s.column_int(3);
  w.family("tinymlops_alerts", "gauge", "Alerts in the registry by kind, source and state");
  for (const auto& [key, n] : counts) {
    w.sample("tinymlops_alerts", {{"kind", std::get<0>(key)}, {"source", std::get<1>(key)}, {"state", std::get<2>(key)}},
             static_cast<double>(n));
  }
}

void rollout_families(Writer& w, registry::Database& db) {
  std::map<std::string, int64_t> states = {{"running", 0}, {"paused", 0}, {"completed", 0}, {"cancelled", 0}, {"halted", 0}, {"rolled_back", 0}};
  registry::Statement s(db, "SELECT state, COUNT(*) FROM deployments GROUP BY state");
  while (s.step()) states[s.column_text(0)] = s.column_int(1);
  w.family("tinymlops_rollouts", "gauge", "Deployments by state");
  for (const auto& [state, n] : states) w.sample("tinymlops_rollouts", {{"state", state}}, static_cast<double>(n));

  std::map<std::string, int64_t> approvals = {{"pending", 0}, {"approved", 0}, {"rejected", 0}};
  registry::Statement a(db, "SELECT state, COUNT(*) FROM loop_approvals GROUP BY state");
  while (a.step()) approvals[a.column_text(0)] = a.column_int(1);
  w.family("tinymlops_loop_approvals", "gauge", "Release approvals of loop-trained candidates by state");
  for (const auto& [state, n] : approvals) w.sample("tinymlops_loop_approvals", {{"state", state}}, static_cast<double>(n));
}

void device_families(Writer& w, registry::Database& db) {
  registry::Statement g(db, "SELECT device_group, COUNT(*), SUM(online) FROM devices GROUP BY device_group ORDER BY 1");
  std::vector<std::tuple<std::string, int64_t, int64_t>> groups;
  while (g.step()) groups.emplace_back(g.column_text(0), g.column_int(1), g.column_int(2));
  w.family("tinymlops_devices", "gauge", "Devices the registry knows, per group");
  for (const auto& [group, n, online] : groups) w.sample("tinymlops_devices", {{"group", group}}, static_cast<double>(n));
  w.family("tinymlops_devices_online", "gauge", "Devices whose last PRESENCE said online, per group");
  for (const auto& [group, n, online] : groups) {
    w.sample("tinymlops_devices_online", {{"group", group}}, static_cast<double>(online));
  }

  // One row per device: its newest batch by arrival (an index seek per device on
  // telemetry_by_arrival, whose entries end with the rowid), never a scan of all batches.
  registry::Statement d(db,
                        "SELECT d.id, d.device_group, d.online, d.current_model_id, d.current_version, "
                        "t.model_id, t.model_version, t.alarm, t.inference_cycles, t.window_count, t.scores, "
                        "t.received_at FROM devices d LEFT JOIN telemetry_batches t ON t.rowid = "
                        "(SELECT rowid FROM telemetry_batches WHERE device = d.id ORDER BY rowid DESC LIMIT 1) "
                        "ORDER BY d.id");
  struct Row {
    std::string id, group;
    bool online;
    std::optional<int64_t> version;
    bool has_batch;
    int64_t alarm, cycles, windows, received_at;
    double last_score;
  };
  std::vector<Row> rows;
  while (d.step()) {
    Row r{d.column_text(0), d.column_text(1), d.column_int(2) != 0, d.column_optional_int(4), !d.column_is_null(5),
          0, 0, 0, 0, NAN};
    if (r.has_batch) {
      if (!r.version) r.version = d.column_int(6);
      r.alarm = d.column_int(7);
      r.cycles = d.column_int(8);
      r.windows = d.column_int(9);
      r.received_at = d.column_int(11);
      const std::string scores = d.column_text(10);
      if (r.windows > 0 && scores.size() >= static_cast<size_t>(r.windows) * 4) {
        float last;
        std::memcpy(&last, scores.data() + (r.windows - 1) * 4, 4);  // f32 little-endian, as stored
        r.last_score = last;
      }
    }
    rows.push_back(std::move(r));
  }
  w.family("tinymlops_device_online", "gauge", "1 while the device's last PRESENCE said online");
  for (const Row& r : rows) w.sample("tinymlops_device_online", {{"device", r.id}, {"group", r.group}}, r.online ? 1 : 0);
  w.family("tinymlops_device_model_version", "gauge", "Model version the device reports running");
  for (const Row& r : rows) {
    if (r.version) w.sample("tinymlops_device_model_version", {{"device", r.id}, {"group", r.group}}, double(*r.version));
  }
  w.family("tinymlops_device_last_score", "gauge", "Anomaly score of the last window of the device's newest batch");
  for (const Row& r : rows) {
    if (r.has_batch && !std::isnan(r.last_score)) {
      w.sample("tinymlops_device_last_score", {{"device", r.id}, {"group", r.group}}, r.last_score);
    }
  }
  w.family("tinymlops_device_alarm", "gauge", "Alarm flag of the device's newest batch (1 raised)");
  for (const Row& r : rows) {
    if (r.has_batch) w.sample("tinymlops_device_alarm", {{"device", r.id}, {"group", r.group}}, double(r.alarm));
  }
  w.family("tinymlops_device_inference_cycles", "gauge", "Inference cycles per window the device's newest batch reports");
  for (const Row& r : rows) {
    if (r.has_batch) w.sample("tinymlops_device_inference_cycles", {{"device", r.id}, {"group", r.group}}, double(r.cycles));
  }
  w.family("tinymlops_device_last_batch_time_seconds", "gauge", "Unix time serve received the device's newest batch");
  for (const Row& r : rows) {
    if (r.has_batch) {
      w.sample("tinymlops_device_last_batch_time_seconds", {{"device", r.id}, {"group", r.group}},
               double(r.received_at) / 1000.0);
    }
  }
}

// Webhook targets by their display form (scheme://host:port/..., never the path, which may hold
// a secret); pending counts alerts not yet answered with a 2xx, as the notifier derives them.
void notify_families(Writer& w, registry::Database& db) {
  std::vector<std::pair<std::string, notify::NotifyCounts>> targets;
  registry::Statement t(db, "SELECT target, display FROM notify_targets ORDER BY display, target");
  notify::NotifyStore store(db);
  while (t.step()) targets.emplace_back(t.column_text(1), store.counts(t.column_text(0)));
  w.family("tinymlops_notify_pending", "gauge", "Alerts not yet delivered to a webhook target (retried with backoff)");
  for (const auto& [display, c] : targets) w.sample("tinymlops_notify_pending", {{"target", display}}, double(c.pending));
  w.family("tinymlops_notify_delivered_total", "counter", "Alerts a webhook target answered with HTTP 2xx");
  for (const auto& [display, c] : targets) {
    w.sample("tinymlops_notify_delivered_total", {{"target", display}}, double(c.delivered));
  }
}

}  // namespace

std::string prometheus_label_escape(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string prometheus_render(registry::Database& db, const ServeMetricsSnapshot& serve, const std::string& version) {
  Writer w;
  w.family("tinymlops_build_info", "gauge", "Always 1; the version of the running tinymlops");
  w.sample("tinymlops_build_info", {{"version", version}}, 1);
  ingest_families(w, serve);
  alert_families(w, db);
  rollout_families(w, db);
  device_families(w, db);
  notify_families(w, db);
  return w.text();
}

}  // namespace tmf::api
