// The ingest side of `tinymlops serve`: the fleet link (host/fleet: persistent MQTT session, QoS 1,
// enrolled devices only) on tmf/<fleet>/+/{telemetry,data,presence,info,status}; decoded events are buffered and
// committed in batched transactions, and only after a commit is each stored TELEMETRY batch
// acknowledged (TELEMETRY_ACK), so an acknowledged batch is always in the database. DATA segments
// go to their capture's samples in the database, in the commit that records their ranges (so
// every worker sharing the database has them), device presence/info/status to the
// registry's devices table, device alarms to alerts. Single-threaded: call poll() in a loop.
// docs/serve.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/fleet/link.h"
#include "host/monitor/alerts.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"

namespace tmf::monitor {

struct IngestOptions {
  std::string fleet = "fleet";  // as `deploy`
  fleet::BrokerSettings broker;
  // Who may speak (host/fleet/link.h); empty: an open lab link (serve --allow-unenrolled).
  fleet::FleetEnrolment enrolment;
  std::string client_id;  // empty: "tinymlops-serve-<fleet>" (stable: the persistent session's name)
  // Shared ingest (serve --worker-id/--share-group, docs/scaling.md): TELEMETRY and DATA are
  // subscribed as `$share/<share_group>/...` over MQTT 5, so the broker spreads them over the
  // group's live workers; INFO, STATUS and PRESENCE (few, some retained) reach every worker. Each
  // worker keeps its own persistent session, "tinymlops-serve-<fleet>-<worker_id>" unless
  // client_id says otherwise, kept by the broker `session_expiry_s` after a connection ends.
  std::string worker_id;    // this worker's name (also the leader's name, leader_lease.h)
  std::string share_group;  // empty: the whole fleet on one persistent session, MQTT 3.1.1
  uint32_t session_expiry_s = 10;
  // A commit runs when the oldest buffered message is this old, or when this many are buffered.
  std::chrono::milliseconds commit_interval{100};
  size_t commit_messages = 256;
  // Durable commits on the registry connection (SQLite synchronous=FULL, PostgreSQL
  // synchronous_commit=on): a commit (and so every ack) survives a power cut too, not only a
  // crash of the process (SQLite NORMAL, the registry default).
  bool synchronous_full = true;
  // Per-device budget for TELEMETRY batches (a token bucket: this many per second, bursts of ten
  // seconds' worth); a batch beyond it is neither stored nor acknowledged (the device resends it
  // later) and is counted. 50/s is 400 windows/s at the smallest batch of 8: 1024-sample windows
  // at 410 kHz, far beyond the accelerometers served (12-25.6 kHz), so only a flood reaches it
  // (a bound from that arithmetic, not tuned on any run). 0: no budget.
  double max_device_batches_per_second = 50;
  // Called on the ingest thread after each successful commit with its duration (writes, captures
  // and the transaction's commit; acks not included) and its message count: /metrics' histogram.
  std::function<void(std::chrono::nanoseconds, size_t)> on_commit;
};

struct IngestCounters {
  uint64_t messages = 0;        // every message received
  uint64_t telemetry = 0;       // TELEMETRY messages decoded
  uint64_t batches_stored = 0;  // new rows
  uint64_t duplicates = 0;      // batches already stored (acked again)
  uint64_t acks_sent = 0;
  uint64_t ack_failures = 0;    // could not be queued (not connected): the device resends
  uint64_t commits = 0;         // transactions
  uint64_t committed_messages = 0;
  uint64_t decode_errors = 0;   // malformed payloads or topics (dropped)
  uint64_t not_enrolled = 0;    // messages from ids that are not enrolled (dropped, never stored)
  uint64_t rate_limited = 0;    // batches beyond their device's budget (dropped, not acked)
  uint64_t sketch_errors = 0;   // batches whose sketch was malformed (stored without it)
  uint64_t data_segments = 0;
  uint64_t data_dropped = 0;    // DATA for an unknown capture, another device, beyond the request or after completion
  uint64_t captures_requested = 0;
  uint64_t captures_completed = 0;
  uint64_t alarm_alerts = 0;
  uint64_t device_updates = 0;  // presence / info / status applied to the devices table
  double mean_batch_size() const { return commits ? double(committed_messages) / double(commits) : 0; }
};

// Records a capture request (row `requested`, committed) and publishes COMMAND collect (QoS 1)
// to tmf/<fleet>/<device>/cmd through `client`; returns the capture id. The DATA segments are
// stored by whoever ingests the fleet (`tinymlops serve`). Throws fleet::MqttError when the
// client is not connected within `connect_timeout` (nothing recorded then) or cannot publish.
uint32_t request_capture(TelemetryStore& store, registry::Database& db, fleet::MqttClient& client,
                         const std::string& fleet, const std::string& device, uint32_t samples,
                         std::chrono::milliseconds connect_timeout);

class Ingest {
 public:
  // Connects in the background (see MqttClient); throws fleet::MqttError / BrokerSettingsError.
  Ingest(registry::Registry& registry, const IngestOptions& options);
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // Receives and buffers messages for up to `budget`, committing whenever a commit is due.
  void poll(std::chrono::milliseconds budget);
  // Commits everything buffered now and sends its acks (also called on shutdown).
  void flush();

  // Records a capture request (row `requested`) and publishes COMMAND collect (QoS 1) to the
  // device; the DATA segments arrive through poll(). Returns the capture id. Throws
  // fleet::MqttError when the broker is not reachable within `connect_timeout`.
  uint32_t request_capture(const std::string& device, uint32_t samples,
                           std::chrono::milliseconds connect_timeout = std::chrono::seconds(5));

  const IngestCounters& counters() const { return counters_; }
  const IngestOptions& options() const { return options_; }
  registry::Registry& registry() { return registry_; }
  TelemetryStore& store() { return store_; }
  AlertStore& alerts() { return alerts_; }
  bool connected() const { return link_->connected(); }
  bool wait_connected(std::chrono::milliseconds timeout) { return link_->client().wait_connected(timeout); }
  const fleet::FleetLink& link() const { return *link_; }
  // Whether commits write the devices table (INFO, STATUS, PRESENCE, last fault). Workers of a
  // share group receive every device message, and only the leader writes them (serve_loop.cc,
  // docs/scaling.md "Device rows"): a follower keeps its records unwritten and, once it leads,
  // writes them all, at most commit_messages devices per commit. Default: true.
  void set_device_writer(bool writer);
  uint64_t broker_connects() const { return link_->client().connect_count(); }
  // Alerts raised by commits since the last call (for progress lines and hooks).
  std::vector<Alert> take_new_alerts();
  // Capture ids completed by commits since the last call.
  std::vector<uint32_t> take_completed_captures();

 private:
  struct PendingData {
    std::string device;
    uint32_t capture_id, offset, total_samples, sample_rate_hz, model_id, model_version;
    std::vector<float> samples;
  };
  void handle(fleet::FleetEvent& event);
  bool within_budget(const std::string& device);
  size_t pending() const;
  void commit();
  void write_data_segments(std::set<uint32_t>& touched);
  void raise_alarm_alerts(const TelemetryBatch& batch);
  Capture* capture(uint32_t id);

  registry::Registry& registry_;
  IngestOptions options_;
  TelemetryStore store_;
  AlertStore alerts_;
  std::unique_ptr<fleet::FleetLink> link_;
  IngestCounters counters_;

  std::vector<TelemetryBatch> batches_;
  std::vector<PendingData> data_;
  size_t device_messages_ = 0;
  bool device_writer_ = true;
  bool devices_backlog_ = false;  // device records left for the next commit (write bound reached)
  std::optional<std::chrono::steady_clock::time_point> oldest_;
  std::map<uint32_t, Capture> captures_;  // rows being filled (cached)
  std::vector<Alert> new_alerts_;
  std::vector<uint32_t> completed_captures_;
  struct Budget {
    double tokens = 0;
    std::chrono::steady_clock::time_point at{};
  };
  std::map<std::string, Budget> budgets_;  // devices that passed the link: enrolled, or bounded by it
};

}  // namespace tmf::monitor
