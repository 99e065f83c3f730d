// One uplink message of a device, decoded: the fleet link's unit of work (host/fleet/link.h). The
// decoder is a pure function of the topic and the payload, so it can be fuzzed without a broker
// (tests/fuzz/ingest_fuzz.cc). Every byte is untrusted until it has passed here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "device/agent/protocol.h"

namespace tmf::fleet {

struct PresenceMessage {
  bool online = false;
};

// One decoded uplink message. Telemetry and data point into `payload` (the decoder's body
// pointers), so an event is moved, never copied.
struct FleetEvent {
  std::string device;
  OtaTopic leaf = OtaTopic::kOtaTopicCount;
  std::variant<OtaInfo, OtaStatusMessage, PresenceMessage, OtaEventMessage, OtaChunkRequest, OtaTelemetry, OtaData> message;
  std::vector<uint8_t> payload;
  bool retained = false;

  FleetEvent() = default;
  FleetEvent(FleetEvent&&) = default;
  FleetEvent& operator=(FleetEvent&&) = default;
  FleetEvent(const FleetEvent&) = delete;
  FleetEvent& operator=(const FleetEvent&) = delete;
};

enum class FleetDecodeError : uint8_t {
  kFleetDecodeOk = 0,
  kFleetDecodeTopic,    // not tmf/<fleet>/<valid id>/<known leaf>
  kFleetDecodeDownlink, // a leaf only services publish (manifest, chunk, cmd, ack)
  kFleetDecodePayload,  // the codec refused the payload
};
const char* fleet_decode_error_to_string(FleetDecodeError error);

// Decodes an uplink message of `fleet`; on failure returns nullopt and sets *error.
std::optional<FleetEvent> fleet_event_decode(const std::string& topic, std::vector<uint8_t> payload, bool retained,
                                             const std::string& fleet, FleetDecodeError* error);

}  // namespace tmf::fleet
