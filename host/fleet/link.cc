// Typed device events, enrolment filter and device records (see link.h).
#include "host/fleet/link.h"

#include "host/fleet/device_fault.h"

#include <mutex>
#include <stdexcept>

namespace tmf::fleet {

FleetEnrolment fleet_enrolment_from_registry(const std::string& registry_dir) {
  // A connection of its own: the link runs on its owner's thread, and the owner's registry may be
  // inside a transaction when a message arrives. Looked up per message, so an enrolment or a
  // revocation takes effect at once.
  // One function may serve several links on several threads (serve's ingest and the loop's
  // rollout): a libpq connection must not be used by two threads at once (SQLite serialises
  // its own), so lookups take turns.
  auto registry = std::make_shared<registry::Registry>(registry_dir);
  auto mutex = std::make_shared<std::mutex>();
  return [registry, mutex](const std::string& device) -> std::optional<std::string> {
    std::lock_guard<std::mutex> lock(*mutex);
    const std::optional<registry::Enrolment> e = registry->device_enrolled(device);
    if (!e || e->revoked) return std::nullopt;
    return e->group;
  };
}

FleetLink::FleetLink(FleetLinkOptions options) : options_(std::move(options)) {
  if (!ota_name_valid(options_.fleet.c_str())) throw std::invalid_argument("--fleet '" + options_.fleet + "': 1-32 of [A-Za-z0-9_-]");
  MqttClientOptions client_options;
  client_options.clean_session = options_.clean_session;
  if (!options_.share_group.empty()) {
    fleet_share_group_check(options_.share_group);
    client_options.mqtt5 = true;
    client_options.session_expiry_s = options_.session_expiry_s;
  }
  client_ = std::make_unique<MqttClient>(options_.client_id, options_.broker, client_options);
  for (const OtaTopic leaf : options_.uplinks) {
    if (!fleet_topic_is_uplink(leaf)) throw std::invalid_argument(std::string("fleet link: '") + ota_topic_leaf(leaf) + "' is not an uplink leaf");
    const std::string pattern = fleet_topic_pattern(options_.fleet, leaf);
    const bool shared = !options_.share_group.empty() && options_.shared_uplinks.count(leaf) > 0;
    client_->subscribe(shared ? "$share/" + options_.share_group + "/" + pattern : pattern, 1);
  }
}

std::optional<std::string> FleetLink::enrolled_group(const std::string& id) const {
  if (options_.enrolment) return options_.enrolment(id);
  const auto it = records_.find(id);
  if (it == records_.end() || !it->second.info) return std::nullopt;
  return it->second.group;
}

std::optional<FleetEvent> FleetLink::decode(MqttMessage&& m) {
  ++counters_.messages;
  // Who is speaking is settled before the payload is looked at: a topic naming an id that is not
  // enrolled is dropped whatever it carries.
  const std::optional<FleetTopic> topic = fleet_topic_parse(m.topic, options_.fleet);
  std::optional<std::string> group;
  if (topic && options_.enrolment) {
    group = options_.enrolment(topic->device);
    if (!group) {
      ++counters_.not_enrolled;
      return std::nullopt;
    }
  }
  if (topic && !records_.count(topic->device) && records_.size() >= options_.max_devices) {
    ++counters_.devices_dropped;
    return std::nullopt;
  }
  FleetDecodeError error = FleetDecodeError::kFleetDecodeOk;
  std::optional<FleetEvent> e = fleet_event_decode(m.topic, std::move(m.payload), m.retained, options_.fleet, &error);
  if (!e) {
    if (error == FleetDecodeError::kFleetDecodePayload) {
      ++counters_.decode_errors;
    } else {
      ++counters_.topic_errors;
    }
    return std::nullopt;
  }
  DeviceRecord& record = records_[e->device];
  if (group) record.group = *group;
  remember(*e);
  ++counters_.events;
  return e;
}

void FleetLink::remember(FleetEvent& e) {
  DeviceRecord& r = records_[e.device];
  if (const auto* info = std::get_if<OtaInfo>(&e.message)) {
    r.info = *info;
    if (!options_.enrolment) {
      r.group = info->group;
    } else if (r.group != info->group) {
      ++counters_.group_mismatch;  // the device's claim never moves it to another group
    }
    dirty_.insert(e.device);
  } else if (const auto* status = std::get_if<OtaStatusMessage>(&e.message)) {
    r.status = *status;
    dirty_.insert(e.device);
  } else if (const auto* presence = std::get_if<PresenceMessage>(&e.message)) {
    r.online = presence->online;
    dirty_.insert(e.device);
  } else if (const auto* event = std::get_if<OtaEventMessage>(&e.message)) {
    if (event->event == OtaEvent::kOtaEventReverted && device_fault_name(event->result)) {
      r.fault = *event;
      r.fault_unwritten = true;
      dirty_.insert(e.device);
    }
  } else if (const auto* t = std::get_if<OtaTelemetry>(&e.message)) {
    TelemetrySummary s;
    s.incarnation = t->incarnation;
    s.boot_count = t->boot_count;
    s.seq = t->seq;
    s.model_id = t->model_id;
    s.model_version = t->model_version;
    s.windows = t->window_count;
    s.alarms_raised = t->alarms_raised;
    s.dropped_batches = t->dropped_batches;
    s.inference_cycles = t->inference_cycles;
    s.free_ram_bytes = t->free_ram_bytes;
    s.uptime_s = t->uptime_s;
    s.received = std::chrono::steady_clock::now();
    r.telemetry = s;
  }
}

std::optional<FleetEvent> FleetLink::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto m = client_->next(std::max(left, std::chrono::milliseconds(0)));
    if (!m) return std::nullopt;
    if (auto e = decode(std::move(*m))) return e;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
  }
}

bool FleetLink::publish(const std::string& device, OtaTopic leaf, const uint8_t* data, size_t bytes, int qos) {
  if (fleet_topic_is_uplink(leaf)) throw std::invalid_argument(std::string("fleet link: a service never publishes the uplink leaf '") + ota_topic_leaf(leaf) + "'");
  return client_->publish(fleet_topic(options_.fleet, device, leaf), data, bytes, qos, false);
}

const DeviceRecord* FleetLink::device(const std::string& id) const {
  const auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

bool FleetLink::write_devices(registry::Registry& registry, size_t max_devices) {
  size_t written = 0;
  last_written_.clear();
  last_faults_written_.clear();
  auto it = dirty_.begin();
  for (; it != dirty_.end() && written < max_devices;) {
    const DeviceRecord& r = records_.at(*it);
    if (r.info) {
      registry.upsert_device(*it, r.group, {r.info->core, r.info->ram_bytes, r.info->flash_bytes, 0});
    }
    // STATUS and PRESENCE need the device's row, which its INFO creates: kept dirty until then.
    if (!registry.find_device(*it)) {
      ++it;
      continue;
    }
    if (r.status && r.status->active_model_id != 0) {
      registry.record_device_model(*it, r.status->active_model_id, r.status->active_model_version);
    }
    if (r.online) registry.record_device_presence(*it, *r.online);
    if (r.fault && r.fault_unwritten) {
      registry.record_device_fault(*it, static_cast<int64_t>(r.fault->result), *device_fault_name(r.fault->result),
                                   r.fault->detail);
      records_.at(*it).fault_unwritten = false;
      last_faults_written_.insert(*it);
    }
    ++counters_.registry_writes;
    ++written;
    last_written_.insert(*it);
    it = dirty_.erase(it);
  }
  return it != dirty_.end();
}

void FleetLink::rewrite_last_devices() {
  dirty_.insert(last_written_.begin(), last_written_.end());
  counters_.registry_writes -= last_written_.size();
  for (const std::string& id : last_faults_written_) records_.at(id).fault_unwritten = true;
  last_written_.clear();
  last_faults_written_.clear();
}

}  // namespace tmf::fleet
