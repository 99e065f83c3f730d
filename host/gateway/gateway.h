// `tinymlops gateway`: bridges one device's serial link (docs/link.md), reached as a TCP byte
// stream (QEMU's -serial socket, or a serial-to-TCP adapter), to its MQTT topics
// tmf/<fleet>/<device>/<leaf>. Reconnects to the device after it restarts and to the broker after
// it restarts; within a device session every message goes through once and in order.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "gateway_session.h"
#include "host/fleet/broker_settings.h"

namespace tmf::gateway {

struct GatewayOptions {
  std::string link_host;  // the device's TCP byte stream
  int link_port = 0;
  std::string device, fleet = "fleet";
  fleet::BrokerSettings broker;  // with mutual TLS: the gateway's service identity (svc-gateway)
  double run_seconds = 0;  // 0: until stopped
  double link_kbps = 0;    // simulated line rate of the device link, each direction (line_pacer.h); 0: unpaced
};

// Parses "tcp:HOST:PORT"; throws std::invalid_argument naming the bad input.
void gateway_parse_link(const std::string& link, std::string* host, int* port);

// Runs until `stop` is set or run_seconds pass. `event` gets one line per state change
// ("link connected", "session up 0x...", ...); `counters` are final figures. Throws
// std::runtime_error if the MQTT client cannot be created.
GatewayCounters gateway_run(const GatewayOptions& options, const std::atomic<bool>& stop,
                            const std::function<void(const std::string& event, uint32_t session)>& event);

}  // namespace tmf::gateway
