// Broker and virtual-device processes for the deployment tests (see fleet_harness.h).
#include "tests/deploy/fleet_harness.h"

#include <sys/wait.h>

#include <chrono>
#include <filesystem>

#include "host/fleet/mqtt_client.h"

#include "tests/support/child_process.h"

namespace tmf::test {

VirtualDevice::VirtualDevice(const std::string& work_dir, const std::string& id, const std::string& group,
                             FleetBroker& broker, const std::string& registry_dir, const std::string& trusted_key,
                             const std::vector<std::string>& extra)
    : id_(id), log_(work_dir + "/" + id + ".log") {
  std::filesystem::create_directories(work_dir);
  broker.enrol(registry_dir, id, group);
  std::vector<std::string> argv = {TMF_DEVICE, "--id", id, "--fleet", broker.fleet(), "--group", group,
                                   "--flash", work_dir + "/" + id + ".flash", "--trusted-key", trusted_key};
  const std::vector<std::string> link = broker.device_flags(id);
  argv.insert(argv.end(), link.begin(), link.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_ = test_support::spawn_logged(argv, log_, true);
}

VirtualDevice::~VirtualDevice() { stop(); }

void VirtualDevice::stop() { test_support::stop_child(pid_); }

std::map<std::string, OtaStatusMessage> reported_status(const FleetBroker& broker, const std::vector<std::string>& ids) {
  fleet::MqttClient observer("test-observer", broker.service(fleet::FleetService::kFleetServiceServe));
  observer.subscribe("tmf/" + broker.fleet() + "/+/status", 1);
  observer.wait_connected(std::chrono::seconds(5));
  std::map<std::string, OtaStatusMessage> out;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.size() < ids.size() && std::chrono::steady_clock::now() < until) {
    auto m = observer.next(std::chrono::milliseconds(100));
    if (!m) continue;
    OtaStatusMessage s{};
    if (ota_status_decode(m->payload.data(), m->payload.size(), &s) != OtaDecodeStatus::kOtaDecodeOk) continue;
    for (const auto& id : ids) {
      if (m->topic == "tmf/" + broker.fleet() + "/" + id + "/status") out[id] = s;
    }
  }
  return out;
}

int run_process(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_t pid = test_support::spawn_logged(argv, log_path, true);
  if (pid <= 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace tmf::test
