// A Mosquitto 2 configuration for a fleet: one TLS listener that requires a certificate from the
// fleet CA, checks the fleet CRL, takes the certificate CN as the username and enforces the
// generated ACL (acl.h); no anonymous access, no plain-text listener.
//
//   <out>/mosquitto.conf  the configuration (absolute paths; run `mosquitto -c <out>/mosquitto.conf`)
//   <out>/acl             the acl_file (with a section per worker identity the fleet directory lists)
//   <out>/broker.key/.pem the broker's server certificate (CN svc-broker, SANs as requested),
//                         issued once and reused when the configuration is regenerated
// The CRL is read from the fleet directory itself: Mosquitto 2 re-reads it on SIGHUP, so a
// revocation refuses new connections after a reload; a session already open lasts until it
// reconnects or the broker restarts (docs/fleet.md).
#pragma once

#include <string>
#include <vector>

#include "host/fleet/service_workers.h"

namespace tmf::fleet {

struct BrokerConfigRequest {
  std::string fleet_dir;
  std::string out_dir;
  int port = 8883;
  std::string bind = "127.0.0.1";
  std::vector<std::string> dns_names = {"localhost"};
  std::vector<std::string> ip_addresses = {"127.0.0.1"};
  // The account Mosquitto drops to when started as root (its `user` option; Mosquitto's default).
  // Run as root, broker_config_write makes broker.key (0600) that account's; the account must be
  // able to read every file the configuration names.
  std::string user = "mosquitto";
  // Messages Mosquitto queues per client beyond those in flight (its `max_queued_messages`, 1,000 by
  // default; 0 = no limit). A serve worker's persistent session receives the whole fleet's uplinks:
  // past the limit the broker drops QoS 1 messages, and the devices resend only after their ack
  // timeout. 100,000 holds 10 s of uplinks at 10,000 messages/s (the top of one serve worker's measured
  // ingest rate), a worker restart within the default session expiry (docs/fleet.md, docs/scaling.md).
  uint32_t max_queued_messages = 100000;
};

struct BrokerConfig {
  std::string fleet;
  std::string config_path, acl_path, cert_path, key_path, ca_path, crl_path;
  std::string broker_serial;
  bool issued_certificate = false;  // false: an existing broker certificate was reused
  int port = 0;
  std::string bind, user;
  uint32_t max_packet_bytes = 0;
  uint32_t max_queued_messages = 0;
  std::vector<ServiceWorker> workers;  // per-worker identities granted (FLEETDIR/services.json)
};

BrokerConfig broker_config_write(const BrokerConfigRequest& request);

// The largest MQTT packet a fleet member legitimately sends: the largest protocol message
// (chunk, manifest, telemetry, data) plus the longest topic and MQTT 5 framing.
uint32_t broker_max_packet_bytes();

}  // namespace tmf::fleet
