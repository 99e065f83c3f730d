// Uplink message decoding (see event.h).
#include "host/fleet/event.h"

#include "host/fleet/topic.h"

namespace tmf::fleet {
namespace {

template <typename T, typename Decode>
bool decode_into(FleetEvent& e, Decode decode) {
  T value{};
  if (decode(e.payload.data(), e.payload.size(), &value) != OtaDecodeStatus::kOtaDecodeOk) return false;
  e.message = value;
  return true;
}

}  // namespace

const char* fleet_decode_error_to_string(FleetDecodeError error) {
  switch (error) {
    case FleetDecodeError::kFleetDecodeOk: return "ok";
    case FleetDecodeError::kFleetDecodeTopic: return "not a topic of this fleet";
    case FleetDecodeError::kFleetDecodeDownlink: return "a downlink leaf";
    case FleetDecodeError::kFleetDecodePayload: return "malformed payload";
  }
  return "unknown";
}

std::optional<FleetEvent> fleet_event_decode(const std::string& topic, std::vector<uint8_t> payload, bool retained,
                                             const std::string& fleet, FleetDecodeError* error) {
  *error = FleetDecodeError::kFleetDecodeOk;
  const std::optional<FleetTopic> t = fleet_topic_parse(topic, fleet);
  if (!t) {
    *error = FleetDecodeError::kFleetDecodeTopic;
    return std::nullopt;
  }
  if (!fleet_topic_is_uplink(t->leaf)) {
    *error = FleetDecodeError::kFleetDecodeDownlink;
    return std::nullopt;
  }
  FleetEvent e;
  e.device = t->device;
  e.leaf = t->leaf;
  e.payload = std::move(payload);
  e.retained = retained;
  bool ok = false;
  switch (e.leaf) {
    case OtaTopic::kOtaTopicInfo: ok = decode_into<OtaInfo>(e, ota_info_decode); break;
    case OtaTopic::kOtaTopicStatus: ok = decode_into<OtaStatusMessage>(e, ota_status_decode); break;
    case OtaTopic::kOtaTopicEvent: ok = decode_into<OtaEventMessage>(e, ota_event_decode); break;
    case OtaTopic::kOtaTopicRequest: ok = decode_into<OtaChunkRequest>(e, ota_chunk_request_decode); break;
    case OtaTopic::kOtaTopicTelemetry: ok = decode_into<OtaTelemetry>(e, ota_telemetry_decode); break;
    case OtaTopic::kOtaTopicData: ok = decode_into<OtaData>(e, ota_data_decode); break;
    case OtaTopic::kOtaTopicPresence: {
      bool online = false;
      ok = ota_presence_decode(e.payload.data(), e.payload.size(), &online) == OtaDecodeStatus::kOtaDecodeOk;
      e.message = PresenceMessage{online};
      break;
    }
    default: break;
  }
  if (!ok) {
    *error = FleetDecodeError::kFleetDecodePayload;
    return std::nullopt;
  }
  return e;
}

}  // namespace tmf::fleet
