// Shared pieces of the API tests: a fleet (CA, mutual-TLS Mosquitto, enrolled devices), an HTTPS
// certificate issued by the same CA, tokens made with the CLI, `tinymlops serve --http` as a child
// process, and a verifying HTTPS client that returns status and JSON.
#pragma once

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/fleet/pki.h"
#include "host/registry/registry.h"
#include "tests/host/test_files.h"
#include "tests/monitor/serve/publisher.h"
#include "tests/monitor/serve/serve_fixture.h"
#include "tests/support/fleet_broker.h"
#include "tests/support/postgres_server.h"

namespace tmf::test {

// ad01 converted in-process with the given version (the bytes differ per version), as `convert` does.
inline registry::AddRequest ad01_model_request(int version, const std::string& data, double auc) {
  host::ConvertOptions options;
  options.model_name = "ad01";
  options.model_version = static_cast<uint32_t>(version);
  registry::AddRequest r;
  r.path = "ad01_v" + std::to_string(version) + ".tmf";
  r.bytes = host::convert_graph(host::tflite_read_file(real_models()[0].tflite), options).file;
  r.metrics = {{"auc", auc}};
  r.lineage.data = data;
  return r;
}

struct HttpReply {
  int status = -1;
  std::string body;
  nlohmann::json json;  // discarded when the body is not JSON
  std::string content_type;
};

class ApiFleet {
 public:
  // `database`: the test's (test_support::ScopedTestDatabase); serve and the commands the fixture
  // runs get its --db, the test's own Registry objects use it as the process default.
  explicit ApiFleet(const std::string& name, const test_support::ScopedTestDatabase* database = nullptr)
      : dir_(scratch_dir(name)), registry_(dir_ + "/registry"), broker_(dir_ + "/broker", "plant"),
        http_port_(free_port()), db_flags_(database ? database->cli_flags() : std::vector<std::string>{}),
        db_line_(database ? database->cli_line() : "") {
    // The API's HTTPS identity: a server certificate of the fleet CA for 127.0.0.1.
    fleet::IssueRequest request;
    request.common_name = "tinymlops-api";
    request.usage = fleet::CertificateUsage::kCertificateServer;
    request.ip_addresses = {"127.0.0.1"};
    const fleet::Issued issued = fleet::pki_issue(broker_.fleet_dir(), request, dir_ + "/api", "api");
    cert_ = issued.cert_path;
    key_ = issued.key_path;
    ca_ = issued.ca_path;
  }
  ~ApiFleet() { test_support::stop_child(serve_); }

  const std::string& dir() const { return dir_; }
  const std::string& registry() const { return registry_; }
  const std::string& ca() const { return ca_; }
  FleetBroker& broker() { return broker_; }
  int http_port() const { return http_port_; }
  std::string serve_log() const { return dir_ + "/serve.log"; }
  // " --registry DIR [--db URL]" for the tinymlops commands a test runs on this fleet's registry.
  std::string registry_flags() const { return " --registry " + registry_ + db_line_; }

  // `tinymlops serve --http 127.0.0.1:PORT` over HTTPS, on the fleet's broker as the serve service.
  std::vector<std::string> serve_argv() const {
    std::vector<std::string> argv = {TMF_CLI, "serve", "--registry", registry_, "--fleet", "plant", "--json",
                                     "--progress-seconds", "0", "--http", "127.0.0.1:" + std::to_string(http_port_),
                                     "--http-cert", cert_, "--http-key", key_};
    for (const auto& flag : broker_.service_flags(fleet::FleetService::kFleetServiceServe)) argv.push_back(flag);
    argv.insert(argv.end(), db_flags_.begin(), db_flags_.end());
    return argv;
  }
  // Starts serve and waits (up to 10 s) until its HTTP port accepts connections.
  bool start_serve() {
    serve_ = spawn(serve_argv(), serve_log());
    for (int i = 0; i < 1000; ++i) {
      if (test_support::loopback_port_accepts(http_port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void stop_serve() { test_support::stop_child(serve_); }

  // A token made by `tinymlops tokens create NAME --role ROLE --json`.
  std::string token(const std::string& name, const std::string& role) {
    const CommandResult r = run_cli("tokens create " + name + " --role " + role + " --json" + registry_flags());
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_object() && j.contains("token") ? j["token"].get<std::string>() : "";
  }

  HttpReply get(const std::string& path, const std::string& token) { return request("GET", path, token, ""); }
  HttpReply post(const std::string& path, const std::string& token, const std::string& body = "") {
    return request("POST", path, token, body);
  }

 private:
  HttpReply request(const std::string& method, const std::string& path, const std::string& token, const std::string& body) {
    httplib::SSLClient client("127.0.0.1", http_port_);
    client.set_ca_cert_path(ca_.c_str());
    client.enable_server_certificate_verification(true);
    client.set_read_timeout(std::chrono::seconds(10));
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result r = method == "GET" ? client.Get(path.c_str(), headers)
                                        : client.Post(path.c_str(), headers, body, "application/json");
    HttpReply out;
    if (!r) return out;
    out.status = r->status;
    out.body = r->body;
    out.content_type = r->get_header_value("Content-Type");
    out.json = nlohmann::json::parse(r->body, nullptr, false);
    return out;
  }

  std::string dir_, registry_;
  FleetBroker broker_;
  int http_port_;
  std::vector<std::string> db_flags_;
  std::string db_line_;
  std::string cert_, key_, ca_;
  pid_t serve_ = -1;
};

// Publishes `keys` (with their alarm counts) through `publishers` and publishes each again every
// second until it is acknowledged (20 s at most), as the agent does.
inline bool publish_until_acked(DevicePublishers& publishers, const std::vector<std::pair<monitor::BatchKey, uint16_t>>& keys) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < end) {
    const std::set<monitor::BatchKey> acked = publishers.acked();
    size_t missing = 0;
    for (const auto& [key, alarms] : keys) {
      if (acked.count(key)) continue;
      ++missing;
      publishers.publish(key, 8, alarms);
    }
    if (missing == 0) return true;
    for (int i = 0; i < 10 && publishers.acked_count() < keys.size(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return false;
}

}  // namespace tmf::test
