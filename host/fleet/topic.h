// Fleet topics tmf/<fleet>/<device>/<leaf> on the host, parsed and formatted with the device
// codec's own names (ota_topic_parse / ota_topic_format / OtaTopic): there is no second leaf list.
#pragma once

#include <optional>
#include <string>

#include "device/agent/protocol.h"

namespace tmf::fleet {

struct FleetTopic {
  std::string device;
  OtaTopic leaf = OtaTopic::kOtaTopicCount;
};

enum class TopicDirection {
  kTopicUplink,    // device -> host
  kTopicDownlink,  // host -> device
};
// docs/protocol.md "Topics, direction, QoS". A switch without default: a new leaf does not
// compile (-Wswitch) until its direction is stated here.
TopicDirection fleet_topic_direction(OtaTopic topic);
const char* topic_direction_to_string(TopicDirection direction);
// Uplink leaves are published by devices, downlink leaves only by services (the broker ACL
// enforces it, docs/fleet.md).
inline bool fleet_topic_is_uplink(OtaTopic leaf) {
  return leaf != OtaTopic::kOtaTopicCount && fleet_topic_direction(leaf) == TopicDirection::kTopicUplink;
}

// tmf/<fleet>/<device>/<leaf> of `fleet` with a valid device name and a known leaf; else nullopt.
std::optional<FleetTopic> fleet_topic_parse(const std::string& topic, const std::string& fleet);

// "tmf/<fleet>/<device>/<leaf>"; throws std::invalid_argument for an invalid fleet or device name.
std::string fleet_topic(const std::string& fleet, const std::string& device, OtaTopic leaf);

// "tmf/<fleet>/+/<leaf>": the subscription for one leaf of every device.
std::string fleet_topic_pattern(const std::string& fleet, OtaTopic leaf);

// A shared-subscription group name (`$share/<group>/...`): 1-32 of [A-Za-z0-9_-] (MQTT 5 forbids
// '/', '+' and '#' in it; the rest is this project's name rule). Throws std::invalid_argument
// naming --share-group and the text.
void fleet_share_group_check(const std::string& group);

}  // namespace tmf::fleet
