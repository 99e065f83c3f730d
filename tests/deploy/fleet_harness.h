// Test fleet: a real Mosquitto broker on its generated mutual-TLS configuration
// (tests/support/fleet_broker.h: stoppable and restartable on the same port) and virtual devices
// (build/bin/tinymlops-device) as child processes, each with its own certificate and enrolled.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "device/agent/protocol.h"
#include "tests/support/fleet_broker.h"

namespace tmf::test {

class VirtualDevice {
 public:
  // Enrols `id` in `group` of the registry at `registry_dir` and starts tinymlops-device with its
  // own certificate and flash file in `work_dir`; `extra` are more options.
  VirtualDevice(const std::string& work_dir, const std::string& id, const std::string& group, FleetBroker& broker,
                const std::string& registry_dir, const std::string& trusted_key,
                const std::vector<std::string>& extra = {});
  ~VirtualDevice();
  void stop();
  const std::string& id() const { return id_; }
  const std::string& log_path() const { return log_; }

 private:
  std::string id_, log_;
  pid_t pid_ = -1;
};

// The STATUS each device of `ids` retained on the broker (read as the serve service within 5 s);
// a device that retained none is missing. The oracle of what a device itself reports.
std::map<std::string, OtaStatusMessage> reported_status(const FleetBroker& broker, const std::vector<std::string>& ids);

// Runs `argv` to completion; returns its exit status (-1 if it could not run).
int run_process(const std::vector<std::string>& argv, const std::string& log_path);

}  // namespace tmf::test
