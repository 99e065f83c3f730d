// The part of the host that device_mqtt_test.cc and the QEMU rig (tests/qemu_device/
// qemu_device_rig.h) both play over MQTT: what a device says on PRESENCE, STATUS and EVENT, and
// the CHUNK answering one requested range. Each rig's Host adds what only its tests check.
#pragma once

#include <mosquitto.h>

#include <optional>
#include <string>
#include <vector>

#include "device/agent/protocol.h"
#include "tests/agent/ota_harness.h"

namespace tmf_test {

struct MqttHost {
  std::string prefix;  // "tmf/<fleet>/<device>/"
  const Artifact* artifact = nullptr;  // answers chunk requests once set
  std::vector<tmf::OtaEventMessage> events;
  tmf::OtaStatusMessage status{};
  bool has_status = false;
  int presence = -1;
  struct mosquitto* mosq = nullptr;
};

// Records a PRESENCE, STATUS or EVENT message on `topic`; false if the topic is none of these.
// Payloads that do not decode leave the record as it was (has_status: false).
inline bool mqtt_host_record(MqttHost* h, const std::string& topic, const uint8_t* p, size_t n) {
  if (topic == h->prefix + "presence") {
    bool online = false;
    if (tmf::ota_presence_decode(p, n, &online) == tmf::OtaDecodeStatus::kOtaDecodeOk) h->presence = online;
  } else if (topic == h->prefix + "status") {
    h->has_status = tmf::ota_status_decode(p, n, &h->status) == tmf::OtaDecodeStatus::kOtaDecodeOk;
  } else if (topic == h->prefix + "event") {
    tmf::OtaEventMessage e{};
    if (tmf::ota_event_decode(p, n, &e) == tmf::OtaDecodeStatus::kOtaDecodeOk) h->events.push_back(e);
  } else {
    return false;
  }
  return true;
}

// The encoded CHUNK of `range` of the artifact's file for update `update_id`; none when the range
// reaches past the file (the device asked for bytes that do not exist).
inline std::optional<std::vector<uint8_t>> mqtt_host_chunk(const MqttHost& h, uint32_t update_id,
                                                          const tmf::OtaRange& range) {
  if (range.offset + range.length > h.artifact->file.size()) return std::nullopt;
  tmf::OtaChunk c{update_id, range.offset, range.length, 0, h.artifact->file.data() + range.offset};
  std::vector<uint8_t> bytes(tmf::kOtaChunkHeaderBytes + range.length);
  bytes.resize(tmf::ota_chunk_encode(c, bytes.data(), bytes.size()));
  return bytes;
}

}  // namespace tmf_test
