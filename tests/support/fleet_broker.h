// A fleet as an operator sets it up, for every test that talks to a broker: a fleet CA, the
// service identities, the generated Mosquitto configuration (mutual TLS, certificate CN as user
// name, CRL, ACL; host/fleet/broker_config.h) and Mosquitto running it on a free loopback port.
// Devices get their own certificates (CN = device id) and are enrolled in a test's registry, as
// `tinymlops devices enroll` does, so serve and deploy run with their enrolment filter on.
#pragma once

#include <sys/types.h>

#include <mosquitto.h>

#include <map>
#include <string>
#include <vector>

#include "host/fleet/broker_settings.h"
#include "host/fleet/identity.h"

namespace tmf::test {

struct TlsIdentity {
  std::string ca, cert, key;
};

// Makes a libmosquitto client use `identity` (mutual TLS) for its next connect.
int tls_set(struct mosquitto* client, const TlsIdentity& identity);

class FleetBroker {
 public:
  // Creates the fleet `fleet` in `work_dir` (CA, service identities, broker configuration) and
  // starts Mosquitto; throws std::runtime_error with the broker's log when it does not start.
  FleetBroker(const std::string& work_dir, const std::string& fleet);
  ~FleetBroker();
  FleetBroker(const FleetBroker&) = delete;
  FleetBroker& operator=(const FleetBroker&) = delete;

  int port() const { return port_; }
  const std::string& fleet() const { return fleet_; }
  const std::string& fleet_dir() const { return fleet_dir_; }
  const std::string& log_path() const { return log_; }
  // The folder of mosquitto.conf and acl: `tinymlops broker config --out` regenerates them there
  // (e.g. with per-worker identities); start() after stop() runs the new configuration.
  std::string config_dir() const { return work_ + "/broker"; }
  void start();  // again on the same port after stop()
  void stop();
  // SIGHUP, as `systemctl reload mosquitto` sends, then waits (10 s at most) until the broker logs
  // "Reloading config"; false if it never did. Mosquitto 2 re-reads the ACL file, the CRL and
  // its certificate and key then (docs/fleet.md "Reloading the broker").
  bool reload();
  bool running() const { return pid_ > 0; }

  // Connection settings of a service identity (mqtts://127.0.0.1:PORT, fleet CA, its key pair).
  fleet::BrokerSettings service(fleet::FleetService role) const;
  // The same as command-line options: --broker URL --ca FILE --cert FILE --key FILE.
  std::vector<std::string> service_flags(fleet::FleetService role) const;
  std::string service_flags_line(fleet::FleetService role) const;  // space-joined, for run_cli
  TlsIdentity service_identity(fleet::FleetService role) const;

  // The device's key and certificate (issued on first use).
  TlsIdentity device(const std::string& id);
  // tinymlops-device options: --broker-port PORT --ca --cert --key.
  std::vector<std::string> device_flags(const std::string& id);
  // Issues the device's identity if needed and enrols it in the registry at `registry_dir` under
  // `group` (as `tinymlops devices enroll` does); enrolling it again with the same certificate is
  // a no-op (a restarted device).
  void enrol(const std::string& registry_dir, const std::string& id, const std::string& group);

 private:
  std::string work_, fleet_, fleet_dir_, ids_dir_, config_, log_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::map<std::string, std::string> device_serials_;  // id -> certificate serial
};

}  // namespace tmf::test
