// The device link of a host service: the one place that speaks to devices. It owns the MQTT
// session, parses topics with the device codec, decodes every uplink message into a typed
// FleetEvent, drops (and counts) messages from devices that are not enrolled, keeps one record per
// device (INFO, STATUS, PRESENCE, last TELEMETRY summary) and is the one writer of devices to the
// registry. Rollout (host/deploy) and ingest (host/monitor) consume its events; they never see a
// topic string or raw payload. docs/fleet.md.
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

#include "device/agent/protocol.h"
#include "host/fleet/event.h"
#include "host/fleet/mqtt_client.h"
#include "host/fleet/topic.h"
#include "host/registry/registry.h"

namespace tmf::fleet {

// What the last TELEMETRY batch of a device said (for health gates and operators).
struct TelemetrySummary {
  uint32_t incarnation = 0, boot_count = 0, seq = 0;
  uint32_t model_id = 0, model_version = 0;
  uint32_t windows = 0, alarms_raised = 0, dropped_batches = 0;
  uint32_t inference_cycles = 0, free_ram_bytes = 0, uptime_s = 0;
  std::chrono::steady_clock::time_point received{};
};

struct DeviceRecord {
  std::optional<OtaInfo> info;
  std::optional<OtaStatusMessage> status;
  std::optional<bool> online;
  std::optional<TelemetrySummary> telemetry;
  std::string group;  // the enrolled group (or INFO's, for an open lab link)
  // The last EVENT reverted with a fault result (22-25, device_fault.h); written to the registry
  // once (fault_unwritten) by write_devices.
  std::optional<OtaEventMessage> fault;
  bool fault_unwritten = false;
};

// Who may speak on the link: the enrolled group of a device id, nullopt if it is not enrolled
// (or revoked). An empty function means an open lab link: every well-formed id counts and its
// group is what its INFO says (the fleet commands' --allow-unenrolled).
using FleetEnrolment = std::function<std::optional<std::string>(const std::string& device)>;

// The registry's enrolment (host/registry/enrolment.cc, `tinymlops devices enroll`): a device
// counts while it holds a valid certificate; its group is the one it was enrolled in.
FleetEnrolment fleet_enrolment_from_registry(const std::string& registry_dir);

struct FleetLinkOptions {
  std::string fleet = "fleet";
  std::string client_id;
  BrokerSettings broker;
  bool clean_session = true;
  std::set<OtaTopic> uplinks;  // leaves to subscribe to (QoS 1)
  // Several workers splitting the uplinks (serve --share-group, docs/scaling.md): the leaves in
  // `shared_uplinks` are subscribed as `$share/<share_group>/tmf/<fleet>/+/<leaf>` over MQTT 5, so
  // the broker hands each message to one member of the group; the other leaves reach every worker.
  std::string share_group;
  std::set<OtaTopic> shared_uplinks;
  uint32_t session_expiry_s = 0;  // MQTT 5 session expiry of a persistent shared worker
  FleetEnrolment enrolment;
  size_t max_devices = 100000;  // records kept; beyond, new ids are dropped and counted
};

struct FleetLinkCounters {
  uint64_t messages = 0;        // every message received
  uint64_t events = 0;          // decoded and handed on
  uint64_t topic_errors = 0;    // not a topic of this fleet, or a downlink leaf
  uint64_t decode_errors = 0;   // malformed payloads
  uint64_t not_enrolled = 0;    // from ids that are not enrolled (dropped, never stored)
  uint64_t group_mismatch = 0;  // INFO naming another group than the enrolled one (enrolled kept)
  uint64_t devices_dropped = 0; // messages from new ids beyond max_devices
  uint64_t registry_writes = 0; // device rows written
};

class FleetLink {
 public:
  // Starts connecting (see MqttClient); throws BrokerSettingsError / MqttError.
  explicit FleetLink(FleetLinkOptions options);

  // The next decoded event from an enrolled device, waiting up to `timeout`.
  std::optional<FleetEvent> next(std::chrono::milliseconds timeout);
  // Publishes a downlink message to a device (QoS as docs/protocol.md says for the leaf).
  bool publish(const std::string& device, OtaTopic leaf, const uint8_t* data, size_t bytes, int qos);

  const DeviceRecord* device(const std::string& id) const;
  const std::map<std::string, DeviceRecord>& devices() const { return records_; }
  // Enrolled group of a device (nullopt: not enrolled); with an open link, its INFO group.
  std::optional<std::string> enrolled_group(const std::string& id) const;
  bool enrolment_enforced() const { return static_cast<bool>(options_.enrolment); }

  // Writes the devices whose INFO, STATUS, PRESENCE or last fault (an EVENT reverted with result
  // 22-25) changed since the last call: rows, active model, presence, last fault. Call inside the caller's transaction. A device without a registry row and
  // without INFO is kept dirty until its INFO arrives. At most `max_devices` are written; the
  // others stay dirty for the next call (a new leader's first write, or a fleet reconnecting,
  // is spread over several transactions instead of holding the write lock for all of them).
  // Returns true when it stopped at `max_devices` with devices still to write.
  bool write_devices(registry::Registry& registry, size_t max_devices = SIZE_MAX);
  // Marks the devices of the last write_devices dirty again (their faults unwritten): the
  // caller's transaction that held those writes was rolled back.
  void rewrite_last_devices();
  // Devices whose record changed and is not written yet (a shared worker's follower keeps them).
  size_t devices_unwritten() const { return dirty_.size(); }

  const FleetLinkCounters& counters() const { return counters_; }
  const std::string& fleet() const { return options_.fleet; }
  MqttClient& client() { return *client_; }
  const MqttClient& client() const { return *client_; }  // connection state, last error
  bool connected() const { return client_->connected(); }

 private:
  std::optional<FleetEvent> decode(MqttMessage&& message);
  void remember(FleetEvent& event);

  FleetLinkOptions options_;
  std::unique_ptr<MqttClient> client_;
  std::map<std::string, DeviceRecord> records_;
  std::set<std::string> dirty_;
  std::set<std::string> last_written_, last_faults_written_;  // by the last write_devices
  FleetLinkCounters counters_;
};

}  // namespace tmf::fleet
