// Fleet topic parsing on top of the device codec (see topic.h).
#include "host/fleet/topic.h"

#include <stdexcept>

namespace tmf::fleet {

TopicDirection fleet_topic_direction(OtaTopic topic) {
  switch (topic) {
    case OtaTopic::kOtaTopicPresence:
    case OtaTopic::kOtaTopicInfo:
    case OtaTopic::kOtaTopicStatus:
    case OtaTopic::kOtaTopicEvent:
    case OtaTopic::kOtaTopicRequest:
    case OtaTopic::kOtaTopicTelemetry:
    case OtaTopic::kOtaTopicData:
      return TopicDirection::kTopicUplink;
    case OtaTopic::kOtaTopicManifest:
    case OtaTopic::kOtaTopicChunk:
    case OtaTopic::kOtaTopicCommand:
    case OtaTopic::kOtaTopicAck:
    case OtaTopic::kOtaTopicCount:  // not a leaf; never emitted
      return TopicDirection::kTopicDownlink;
  }
  return TopicDirection::kTopicDownlink;
}

const char* topic_direction_to_string(TopicDirection direction) {
  switch (direction) {
    case TopicDirection::kTopicUplink: return "uplink";
    case TopicDirection::kTopicDownlink: return "downlink";
  }
  return "";
}

std::optional<FleetTopic> fleet_topic_parse(const std::string& topic, const std::string& fleet) {
  const std::string prefix = "tmf/" + fleet + "/";
  if (topic.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const size_t slash = topic.find('/', prefix.size());
  if (slash == std::string::npos) return std::nullopt;
  FleetTopic t;
  t.device = topic.substr(prefix.size(), slash - prefix.size());
  if (!ota_name_valid(t.device.c_str())) return std::nullopt;
  if (!ota_topic_parse(topic.c_str(), fleet.c_str(), t.device.c_str(), &t.leaf)) return std::nullopt;
  return t;
}

std::string fleet_topic(const std::string& fleet, const std::string& device, OtaTopic leaf) {
  char buffer[128];
  const size_t n = ota_topic_format(fleet.c_str(), device.c_str(), leaf, buffer, sizeof buffer);
  if (n == 0) throw std::invalid_argument("fleet '" + fleet + "', device '" + device + "': not a valid topic name");
  return std::string(buffer, n);
}

std::string fleet_topic_pattern(const std::string& fleet, OtaTopic leaf) {
  return "tmf/" + fleet + "/+/" + ota_topic_leaf(leaf);
}

void fleet_share_group_check(const std::string& group) {
  if (group.empty() || group.size() > kOtaMaxNameBytes || !ota_name_valid(group.c_str())) {
    throw std::invalid_argument("--share-group '" + group + "': 1-" + std::to_string(kOtaMaxNameBytes) +
                                " characters of A-Z a-z 0-9 _ -");
  }
}

}  // namespace tmf::fleet
