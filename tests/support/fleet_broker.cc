// The tests' secure fleet broker (fleet_broker.h).
#include "tests/support/fleet_broker.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "host/fleet/broker_config.h"
#include "host/fleet/pki.h"
#include "host/registry/registry.h"
#include "tests/support/child_process.h"

namespace tmf::test {
namespace {

std::string current_user() {
  const passwd* me = getpwuid(geteuid());
  return me != nullptr ? me->pw_name : "root";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

int tls_set(struct mosquitto* client, const TlsIdentity& identity) {
  return mosquitto_tls_set(client, identity.ca.c_str(), nullptr, identity.cert.c_str(), identity.key.c_str(), nullptr);
}

FleetBroker::FleetBroker(const std::string& work_dir, const std::string& fleet)
    : work_(work_dir), fleet_(fleet), fleet_dir_(work_dir + "/fleet"), ids_dir_(work_dir + "/ids"),
      log_(work_dir + "/mosquitto.log") {
  std::filesystem::remove_all(work_);
  std::filesystem::create_directories(work_);
  fleet::fleet_init(fleet_dir_, fleet_, 3650);
  for (int s = 0; s < static_cast<int>(fleet::FleetService::kFleetServiceCount); ++s) {
    fleet::IssueRequest request;
    request.common_name = fleet::fleet_service_identity(static_cast<fleet::FleetService>(s));
    fleet::pki_issue(fleet_dir_, request, ids_dir_, request.common_name);
  }
  port_ = test_support::free_loopback_port();
  fleet::BrokerConfigRequest request;
  request.fleet_dir = fleet_dir_;
  request.out_dir = work_ + "/broker";
  request.port = port_;
  // Mosquitto run by root would drop to `mosquitto`, which cannot enter the test's directories.
  request.user = current_user();
  config_ = fleet::broker_config_write(request).config_path;
  start();
}

FleetBroker::~FleetBroker() { stop(); }

void FleetBroker::start() {
  if (pid_ > 0) return;
  pid_ = test_support::spawn_logged({"/usr/sbin/mosquitto", "-c", config_}, log_, true);
  for (int i = 0; i < 500 && !test_support::loopback_port_accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!test_support::loopback_port_accepts(port_)) {
    stop();
    throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + ": " + slurp(log_));
  }
}

void FleetBroker::stop() { test_support::stop_child(pid_); }

bool FleetBroker::reload() {
  const auto reloads = [&] {
    const std::string text = slurp(log_);
    size_t n = 0;
    for (size_t at = text.find("Reloading config"); at != std::string::npos; at = text.find("Reloading config", at + 1)) ++n;
    return n;
  };
  const size_t before = reloads();
  if (pid_ <= 0 || ::kill(pid_, SIGHUP) != 0) return false;
  for (int i = 0; i < 1000; ++i) {
    if (reloads() > before) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

fleet::BrokerSettings FleetBroker::service(fleet::FleetService role) const {
  const std::string name = fleet::fleet_service_identity(role);
  fleet::BrokerSettings s;
  s.host = "127.0.0.1";
  s.port = port_;
  s.tls = true;
  s.ca_file = fleet_dir_ + "/ca.pem";
  s.cert_file = ids_dir_ + "/" + name + ".pem";
  s.key_file = ids_dir_ + "/" + name + ".key";
  return s;
}

TlsIdentity FleetBroker::service_identity(fleet::FleetService role) const {
  const fleet::BrokerSettings s = service(role);
  return {s.ca_file, s.cert_file, s.key_file};
}

std::vector<std::string> FleetBroker::service_flags(fleet::FleetService role) const {
  const fleet::BrokerSettings s = service(role);
  return {"--broker", s.url(), "--ca", s.ca_file, "--cert", s.cert_file, "--key", s.key_file};
}

std::string FleetBroker::service_flags_line(fleet::FleetService role) const {
  std::string line;
  for (const std::string& f : service_flags(role)) line += (line.empty() ? "" : " ") + f;
  return line;
}

TlsIdentity FleetBroker::device(const std::string& id) {
  if (!device_serials_.count(id)) {
    fleet::IssueRequest request;
    request.common_name = id;
    device_serials_[id] = fleet::pki_issue(fleet_dir_, request, ids_dir_, id).serial;
  }
  return {fleet_dir_ + "/ca.pem", ids_dir_ + "/" + id + ".pem", ids_dir_ + "/" + id + ".key"};
}

std::vector<std::string> FleetBroker::device_flags(const std::string& id) {
  const TlsIdentity t = device(id);
  return {"--broker-port", std::to_string(port_), "--ca", t.ca, "--cert", t.cert, "--key", t.key};
}

void FleetBroker::enrol(const std::string& registry_dir, const std::string& id, const std::string& group) {
  device(id);
  registry::Registry reg(registry_dir);
  const auto enrolled = reg.device_enrolled(id);
  if (enrolled && !enrolled->revoked && enrolled->serial == device_serials_.at(id)) return;  // a restarted device
  reg.device_enroll(id, group, device_serials_.at(id));
}

}  // namespace tmf::test
