// MQTT ingest with batched commits and acknowledgements after the commit (see ingest.h).
#include "host/monitor/ingest.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "device/agent/protocol.h"

namespace tmf::monitor {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

Ingest::Ingest(registry::Registry& registry, const IngestOptions& options)
    : registry_(registry), options_(options), store_(registry.db()), alerts_(registry.db()) {
  if (!ota_name_valid(options_.fleet.c_str())) throw std::invalid_argument("--fleet '" + options_.fleet + "': 1-32 of [A-Za-z0-9_-]");
  if (!options_.share_group.empty()) {
    fleet::fleet_share_group_check(options_.share_group);
    if (!ota_name_valid(options_.worker_id.c_str())) {
      throw std::invalid_argument("--worker-id '" + options_.worker_id +
                                  "': each worker of a --share-group needs its own stable id, 1-32 of [A-Za-z0-9_-]");
    }
  }
  if (options_.client_id.empty()) {
    options_.client_id = "tinymlops-serve-" + options_.fleet;
    if (!options_.share_group.empty()) options_.client_id += "-" + options_.worker_id;
  }
  if (options_.synchronous_full) registry_.db().require_durable_commits();
  fleet::FleetLinkOptions link;
  link.fleet = options_.fleet;
  link.client_id = options_.client_id;
  link.broker = options_.broker;
  link.clean_session = false;
  link.enrolment = options_.enrolment;
  link.share_group = options_.share_group;
  link.shared_uplinks = {OtaTopic::kOtaTopicTelemetry, OtaTopic::kOtaTopicData};
  link.session_expiry_s = options_.session_expiry_s;
  // EVENT: a device's revert after a fault or watchdog reset becomes its last fault in the registry.
  link.uplinks = {OtaTopic::kOtaTopicTelemetry, OtaTopic::kOtaTopicData, OtaTopic::kOtaTopicPresence,
                  OtaTopic::kOtaTopicInfo, OtaTopic::kOtaTopicStatus, OtaTopic::kOtaTopicEvent};
  link_ = std::make_unique<fleet::FleetLink>(std::move(link));
}

Ingest::~Ingest() = default;

size_t Ingest::pending() const { return batches_.size() + data_.size() + device_messages_; }

void Ingest::poll(std::chrono::milliseconds budget) {
  const auto deadline = Clock::now() + budget;
  for (;;) {
    auto now = Clock::now();
    if (!oldest_ && devices_backlog_) oldest_ = now;
    if (oldest_ && (pending() >= options_.commit_messages || now >= *oldest_ + options_.commit_interval)) {
      commit();
      now = Clock::now();
    }
    if (now >= deadline) return;
    auto until = deadline;
    if (oldest_) until = std::min(until, *oldest_ + options_.commit_interval);
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
    if (auto event = link_->next(std::max(wait, std::chrono::milliseconds(0)))) handle(*event);
    const fleet::FleetLinkCounters& link = link_->counters();
    counters_.messages = link.messages;
    counters_.decode_errors = link.decode_errors + link.topic_errors;
    counters_.not_enrolled = link.not_enrolled;
  }
}

void Ingest::set_device_writer(bool writer) {
  if (writer && !device_writer_) devices_backlog_ = link_->devices_unwritten() > 0;
  device_writer_ = writer;
}

void Ingest::flush() {
  if (oldest_) commit();
}

bool Ingest::within_budget(const std::string& device) {
  const double rate = options_.max_device_batches_per_second;
  if (!(rate > 0)) return true;
  const double burst = rate * 10;
  const auto now = Clock::now();
  auto [it, fresh] = budgets_.try_emplace(device, Budget{burst, now});
  Budget& b = it->second;
  b.tokens = std::min(burst, b.tokens + rate * std::chrono::duration<double>(now - b.at).count());
  b.at = now;
  if (b.tokens < 1) {
    ++counters_.rate_limited;
    return false;
  }
  b.tokens -= 1;
  return true;
}

void Ingest::handle(fleet::FleetEvent& e) {
  if (auto* t = std::get_if<OtaTelemetry>(&e.message)) {
    ++counters_.telemetry;
    if (!within_budget(e.device)) return;
    try {
      batches_.push_back(batch_from_telemetry(e.device, *t, unix_ms_now()));
    } catch (const std::invalid_argument&) {
      // A malformed sketch (e.g. a range not lo < hi) loses only the sketch, not the batch.
      ++counters_.sketch_errors;
      t->feature_count = 0;
      t->bins = 0;
      batches_.push_back(batch_from_telemetry(e.device, *t, unix_ms_now()));
    }
  } else if (const auto* d = std::get_if<OtaData>(&e.message)) {
    PendingData pd{e.device, d->capture_id, d->offset, d->total_samples, d->sample_rate_hz, d->model_id, d->model_version, {}};
    pd.samples.reserve(d->sample_count);
    for (uint32_t i = 0; i < d->sample_count; ++i) pd.samples.push_back(ota_data_sample(*d, i));
    data_.push_back(std::move(pd));
    ++counters_.data_segments;
  } else {
    // INFO, STATUS, PRESENCE, EVENT: the link keeps the device's record; the commit writes it
    // (a follower of a share group keeps it only: nothing to commit).
    if (!device_writer_) return;
    ++device_messages_;
  }
  if (!oldest_) oldest_ = Clock::now();
}

Capture* Ingest::capture(uint32_t id) {
  auto it = captures_.find(id);
  if (it != captures_.end()) return &it->second;
  std::optional<Capture> row = store_.find_capture_for_update(id);
  if (!row) return nullptr;
  return &captures_.emplace(id, std::move(*row)).first->second;
}

void Ingest::write_data_segments(std::set<uint32_t>& touched) {
  // Each touched capture's samples are read once, every segment of this commit written into them
  // (a later segment over an earlier one wins, as the device sent them), and written back: all in
  // the commit's transaction, with the ranges that say they arrived.
  std::map<uint32_t, std::string> samples;
  for (const PendingData& d : data_) {
    Capture* c = capture(d.capture_id);
    if (c == nullptr ||
        !capture_segment_accepted(*c, d.device, d.offset, static_cast<uint32_t>(d.samples.size()), d.total_samples)) {
      ++counters_.data_dropped;
      continue;
    }
    auto it = samples.find(d.capture_id);
    if (it == samples.end()) it = samples.emplace(d.capture_id, store_.capture_data(d.capture_id)).first;
    std::string& bytes = it->second;
    const size_t at = size_t{d.offset} * sizeof(float), size = d.samples.size() * sizeof(float);
    if (bytes.size() < at + size) bytes.resize(at + size, '\0');  // bounded: offset + count <= total <= 1 Mi
    std::memcpy(bytes.data() + at, d.samples.data(), size);
    c->sample_rate_hz = d.sample_rate_hz;
    c->model_id = d.model_id;
    c->model_version = d.model_version;
    c->total_samples = d.total_samples;
    c->received_samples = capture_add_range(c->received_ranges, d.offset, static_cast<uint32_t>(d.samples.size()));
    touched.insert(d.capture_id);
  }
  for (const auto& [id, bytes] : samples) store_.put_capture_data(id, bytes);
}

void Ingest::raise_alarm_alerts(const TelemetryBatch& b) {
  std::optional<std::string> group;
  if (const auto d = registry_.find_device(b.device)) group = d->group;
  for (uint32_t i = 1; i <= b.alarms_raised; ++i) {
    // TELEMETRY v1 says how many alarms the batch's windows raised, not at which window: the
    // alert names the batch and its window range.
    nlohmann::json detail = {{"incarnation", b.incarnation},
                             {"boot_count", b.boot_count},
                             {"seq", b.seq},
                             {"raise", i},
                             {"raises_in_batch", b.alarms_raised},
                             {"first_window", b.first_window},
                             {"last_window", b.window_count ? b.first_window + b.window_count - 1 : b.first_window},
                             {"candidates", b.candidates},
                             {"alarm_after_batch", b.alarm != 0}};
    Alert a;
    a.kind = "alarm";
    a.source = "device";
    a.subject = device_subject(b.device);
    a.device = b.device;
    a.group = group;
    a.model_id = b.model_id;
    a.model_version = b.model_version;
    a.raised_at_ms = b.received_at_ms;
    a.detail_json = detail.dump();
    a.id = alerts_.raise(a);
    new_alerts_.push_back(a);
    ++counters_.alarm_alerts;
  }
}

void Ingest::commit() {
  const size_t messages = pending();
  const auto commit_started = std::chrono::steady_clock::now();
  std::set<uint32_t> touched;
  std::vector<BatchKey> acks;
  // On failure nothing of this commit counts: the counters and lists are restored.
  const IngestCounters counters_before = counters_;
  const size_t alerts_before = new_alerts_.size();
  const size_t completed_before = completed_captures_.size();
  bool devices_attempted = false;
  try {
    // Workers of a share group commit side by side (a shared write lock; docs/scaling.md "Ingest
    // commits side by side"). The capture rows are read, locked and written inside the
    // transaction: workers each receive some of a capture's DATA, so a cached row would be stale.
    // Rows are taken in one global order, captures by id and then batches by key, so that two
    // commits never wait for each other in a cycle.
    const bool shared = !options_.share_group.empty();
    registry::Transaction tx(registry_.db(), shared ? registry::WriteLock::kShared : registry::WriteLock::kExclusive);
    if (shared) captures_.clear();
    std::set<uint32_t> capture_ids;
    for (const PendingData& d : data_) capture_ids.insert(d.capture_id);
    for (const uint32_t id : capture_ids) capture(id);
    write_data_segments(touched);
    std::sort(batches_.begin(), batches_.end(), [](const TelemetryBatch& a, const TelemetryBatch& b) {
      return std::tie(a.device, a.boot_count, a.seq, a.incarnation) < std::tie(b.device, b.boot_count, b.seq, b.incarnation);
    });
    std::set<BatchKey> seen;
    for (const TelemetryBatch& b : batches_) {
      BatchKey key{b.device, b.boot_count, b.seq, b.incarnation};
      if (!seen.insert(key).second) {
        ++counters_.duplicates;  // the same batch twice in one commit
        continue;
      }
      if (store_.insert_batch(b)) {
        ++counters_.batches_stored;
        if (b.alarms_raised > 0) raise_alarm_alerts(b);
      } else {
        ++counters_.duplicates;
      }
      acks.push_back(std::move(key));
    }
    for (const uint32_t id : touched) {
      Capture& c = captures_.at(id);
      if (c.state != "complete" && c.total_samples && c.received_samples >= *c.total_samples) {
        c.state = "complete";
        c.completed_at_ms = unix_ms_now();
        completed_captures_.push_back(id);
        ++counters_.captures_completed;
      }
      store_.update_capture(c);
    }
    devices_attempted = device_writer_;
    const bool backlog = devices_attempted && link_->write_devices(registry_, options_.commit_messages);
    tx.commit();
    devices_backlog_ = backlog;
  } catch (...) {
    if (devices_attempted) link_->rewrite_last_devices();  // their rows were rolled back with the rest
    captures_.clear();  // reload from the rows next time
    counters_ = counters_before;
    new_alerts_.resize(alerts_before);
    completed_captures_.resize(completed_before);
    throw;
  }
  for (const uint32_t id : touched) {
    if (captures_.at(id).state == "complete") captures_.erase(id);
  }
  ++counters_.commits;
  counters_.committed_messages += messages;
  counters_.device_updates = link_->counters().registry_writes;
  if (options_.on_commit) options_.on_commit(std::chrono::steady_clock::now() - commit_started, messages);
  batches_.clear();
  data_.clear();
  device_messages_ = 0;
  oldest_.reset();
  // Only now, with the rows durable, does any device hear that its batch is stored.
  for (const BatchKey& k : acks) {
    const OtaTelemetryAck ack{k.boot_count, k.seq, k.incarnation, true};
    uint8_t bytes[kOtaTelemetryAckBytes];
    const size_t size = ota_telemetry_ack_encode(ack, bytes, sizeof bytes);
    if (size > 0 && link_->publish(k.device, OtaTopic::kOtaTopicAck, bytes, size, 1)) {
      ++counters_.acks_sent;
    } else {
      ++counters_.ack_failures;
    }
  }
}

uint32_t request_capture(TelemetryStore& store, registry::Database& db, fleet::MqttClient& client,
                         const std::string& fleet, const std::string& device, uint32_t samples,
                         std::chrono::milliseconds connect_timeout) {
  if (!ota_name_valid(device.c_str())) throw std::invalid_argument("device '" + device + "': 1-32 of [A-Za-z0-9_-]");
  if (samples == 0) throw std::invalid_argument("--samples: a capture needs at least 1 sample");
  capture_samples_check(samples);  // before waiting for the broker
  if (!client.wait_connected(connect_timeout)) throw fleet::MqttError("broker not connected: capture not requested");
  uint32_t id = 0;
  {
    registry::Transaction tx(db);
    id = store.create_capture(device, samples, unix_ms_now());
    tx.commit();
  }
  const OtaCommand command{OtaCommandCode::kOtaCommandCollect, id, samples};
  uint8_t bytes[kOtaCommandCollectBytes];
  const size_t size = ota_command_encode(command, bytes, sizeof bytes);
  const std::string topic = "tmf/" + fleet + "/" + device + "/cmd";
  if (size == 0 || !client.publish(topic, bytes, size, 1, false)) {
    throw fleet::MqttError(topic + ": cannot publish COMMAND collect for capture " + std::to_string(id));
  }
  return id;
}

uint32_t Ingest::request_capture(const std::string& device, uint32_t samples, std::chrono::milliseconds connect_timeout) {
  const uint32_t id = monitor::request_capture(store_, registry_.db(), link_->client(), options_.fleet, device, samples,
                                               connect_timeout);
  ++counters_.captures_requested;
  return id;
}

std::vector<Alert> Ingest::take_new_alerts() { return std::exchange(new_alerts_, {}); }
std::vector<uint32_t> Ingest::take_completed_captures() { return std::exchange(completed_captures_, {}); }

}  // namespace tmf::monitor
