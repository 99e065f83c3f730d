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

// Which way a leaf flows (docs/protocol.md): uplink leaves are published by devices, downlink
// leaves only by services (the broker ACL enforces it, docs/fleet.md).
bool fleet_topic_is_uplink(OtaTopic leaf);

// tmf/<fleet>/<device>/<leaf> of `fleet` with a valid device name and a known leaf; else nullopt.
std::optional<FleetTopic> fleet_topic_parse(const std::string& topic, const std::string& fleet);

// "tmf/<fleet>/<device>/<leaf>"; throws std::invalid_argument for an invalid fleet or device name.
std::string fleet_topic(const std::string& fleet, const std::string& device, OtaTopic leaf);

// "tmf/<fleet>/+/<leaf>": the subscription for one leaf of every device.
std::string fleet_topic_pattern(const std::string& fleet, OtaTopic leaf);

}  // namespace tmf::fleet
