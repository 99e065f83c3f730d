// tinymlops-device end to end through a real Mosquitto on the fleet's generated mutual-TLS configuration: the test
// plays the host (manifest, chunk answers) over a lossy shaped link with two forced disconnects,
// and checks the model is confirmed, no persisted chunk is re-requested, the retained status and
// the last-will presence.
#include <arpa/inet.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdio.h>
#include <string.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "models.h"
#include "tests/agent/mqtt_host.h"
#include "tests/support/child_process.h"
#include "tests/support/fleet_broker.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  return tmf::test_support::spawn_logged(argv, log, false);
}

struct Host : MqttHost {
  std::map<uint32_t, uint32_t> sends;
  std::vector<tmf::OtaRange> requests;
};

void on_message(struct mosquitto* mosq, void* user, const struct mosquitto_message* m) {
  Host* h = static_cast<Host*>(user);
  const std::string topic = m->topic;
  const uint8_t* p = static_cast<const uint8_t*>(m->payload);
  const size_t n = static_cast<size_t>(m->payloadlen);
  if (mqtt_host_record(h, topic, p, n)) return;
  if (topic == h->prefix + "request" && h->artifact != nullptr) {
    tmf::OtaChunkRequest r{};
    if (tmf::ota_chunk_request_decode(p, n, &r) != tmf::OtaDecodeStatus::kOtaDecodeOk) return;
    for (uint32_t i = 0; i < r.range_count; ++i) {
      const tmf::OtaRange range = r.ranges[i];
      h->requests.push_back(range);
      const std::optional<std::vector<uint8_t>> bytes = mqtt_host_chunk(*h, r.update_id, range);
      if (!bytes) continue;
      ++h->sends[range.offset];
      const std::string t = h->prefix + "chunk";
      mosquitto_publish(mosq, nullptr, t.c_str(), static_cast<int>(bytes->size()), bytes->data(), 0, false);
    }
  }
}

std::vector<std::string> with_identity(std::vector<std::string> argv, const std::vector<std::string>& link) {
  argv.insert(argv.end(), link.begin(), link.end());
  return argv;
}

bool wait_for(struct mosquitto* mosq, const std::function<bool()>& done, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    mosquitto_loop(mosq, 20, 1);
    if (done()) return true;
  }
  return false;
}

TMF_TEST(DeviceMqtt, LossyLinkWithDisconnectsConfirmsOverRealBroker) {
  const std::string work = std::string(TMF_AGENT_WORK) + "/device_mqtt";
  system(("rm -rf '" + work + "' && mkdir -p '" + work + "'").c_str());
  // The fleet's generated broker configuration: the host speaks as the deploy service, the
  // device with its own certificate.
  tmf::test::FleetBroker broker(work + "/broker", "plant");
  const int port = broker.port();

  const Keypair key = keypair_from_seed(9);
  {
    std::ofstream k(work + "/key.pub", std::ios::binary);
    k.write(reinterpret_cast<const char*>(key.public_key), 32);
  }
  const SharedModel model = shared_model("kws", 1);
  Artifact artifact = make_artifact(model.file, key, 501, model.input, model.expected, 1024);
  strcpy(artifact.manifest.record.fleet, "plant");  // the device's --fleet; its group is the default
  strcpy(artifact.manifest.record.group, "default");
  artifact.sign_record();

  Host host;
  host.prefix = "tmf/plant/dev1/";
  mosquitto_lib_init();
  host.mosq = mosquitto_new("test-host", true, &host);
  tmf::test::tls_set(host.mosq, broker.service_identity(tmf::fleet::FleetService::kFleetServiceDeploy));
  mosquitto_message_callback_set(host.mosq, on_message);
  TMF_ASSERT(mosquitto_connect(host.mosq, "127.0.0.1", port, 10) == MOSQ_ERR_SUCCESS);
  mosquitto_subscribe(host.mosq, nullptr, "tmf/plant/dev1/#", 1);
  mosquitto_loop(host.mosq, 100, 1);

  const pid_t device = spawn(with_identity({TMF_DEVICE, "--id", "dev1", "--fleet", "plant", "--flash", work + "/flash.bin", "--trusted-key", work + "/key.pub", "--max-chunk", "1024",
                              "--loss", "20", "--seed", "7", "--disconnect-at", "0.6,1.2", "--reconnect-ms", "300",
                              "--request-timeout-ms", "200", "--latency-ms", "5", "--json"},
                                           broker.device_flags("dev1")),
                             work + "/device.log");
  TMF_EXPECT(wait_for(host.mosq, [&] { return host.presence == 1; }, 10));
  host.artifact = &artifact;
  auto offer = [&] {
    const std::string t = host.prefix + "manifest";
    mosquitto_publish(host.mosq, nullptr, t.c_str(), static_cast<int>(artifact.manifest_bytes.size()),
                      artifact.manifest_bytes.data(), 1, false);
  };
  offer();
  auto confirmed = [&] {
    for (const tmf::OtaEventMessage& e : host.events) {
      if (e.event == tmf::OtaEvent::kOtaEventConfirmed && e.update_id == 501) return true;
    }
    return false;
  };
  auto accepted = [&] {
    for (const tmf::OtaEventMessage& e : host.events) {
      if (e.event == tmf::OtaEvent::kOtaEventAccepted) return true;
    }
    return false;
  };
  // A manifest lost on the lossy link is offered again, as a host would.
  for (int attempt = 0; attempt < 20 && !accepted(); ++attempt) {
    if (!wait_for(host.mosq, accepted, 1.0)) offer();
  }
  TMF_EXPECT(wait_for(host.mosq, confirmed, 60));
  // The STATUS after the confirm may be lost on this link like any message: a host that does not
  // see it asks for it (COMMAND publish status), as the rollout engine does.
  auto new_status = [&] { return host.has_status && host.status.active_model_version == 1; };
  for (int attempt = 0; attempt < 20 && !wait_for(host.mosq, new_status, 1.0); ++attempt) {
    uint8_t command[tmf::kOtaCommandBytes];
    const tmf::OtaCommand ask{tmf::OtaCommandCode::kOtaCommandPublishStatus, 0, 0};
    const size_t n = tmf::ota_command_encode(ask, command, sizeof command);
    const std::string t = host.prefix + "cmd";
    mosquitto_publish(host.mosq, nullptr, t.c_str(), static_cast<int>(n), command, 1, false);
  }
  TMF_EXPECT(new_status());
  TMF_EXPECT_EQ(host.status.last_result, 1);
  TMF_EXPECT_EQ(host.status.active_model_id, kTestModelId);

  // The device's flash now holds the signed file in a slot (checked byte for byte).
  const std::vector<uint8_t> flash = read_file(work + "/flash.bin");
  bool found = false;
  for (size_t at = 0; at + artifact.file.size() <= flash.size() && !found; at += 4096) {
    found = memcmp(flash.data() + at, artifact.file.data(), artifact.file.size()) == 0;
  }
  TMF_EXPECT(found);

  // Power off the device hard: the broker publishes its last will (retained offline).
  kill(device, SIGKILL);
  waitpid(device, nullptr, 0);
  TMF_EXPECT(wait_for(host.mosq, [&] { return host.presence == 0; }, 20));

  mosquitto_disconnect(host.mosq);
  mosquitto_destroy(host.mosq);
  mosquitto_lib_cleanup();
}

// A figure, not an assertion on time: ad01 over a 250 kbit/s shaped link, printed as the ratio of
// the end-to-end update time (manifest to confirmed) to the file's bits at the link rate.
TMF_TEST(DeviceMqtt, ShapedLinkFigure) {
  const std::string work = std::string(TMF_AGENT_WORK) + "/device_mqtt_rate";
  system(("rm -rf '" + work + "' && mkdir -p '" + work + "'").c_str());
  // The fleet's generated broker configuration: the host speaks as the deploy service, the
  // device with its own certificate.
  tmf::test::FleetBroker broker(work + "/broker", "plant");
  const int port = broker.port();
  const Keypair key = keypair_from_seed(9);
  {
    std::ofstream k(work + "/key.pub", std::ios::binary);
    k.write(reinterpret_cast<const char*>(key.public_key), 32);
  }
  const SharedModel model = shared_model("ad01", 1);
  Artifact artifact = make_artifact(model.file, key, 601, model.input, model.expected, 4096);
  strcpy(artifact.manifest.record.fleet, "plant");  // the device's --fleet; its group is the default
  strcpy(artifact.manifest.record.group, "default");
  artifact.sign_record();
  Host host;
  host.prefix = "tmf/plant/dev2/";
  mosquitto_lib_init();
  host.mosq = mosquitto_new("test-host-rate", true, &host);
  tmf::test::tls_set(host.mosq, broker.service_identity(tmf::fleet::FleetService::kFleetServiceDeploy));
  mosquitto_message_callback_set(host.mosq, on_message);
  TMF_ASSERT(mosquitto_connect(host.mosq, "127.0.0.1", port, 10) == MOSQ_ERR_SUCCESS);
  mosquitto_subscribe(host.mosq, nullptr, "tmf/plant/dev2/#", 1);
  const pid_t device = spawn(with_identity({TMF_DEVICE, "--id", "dev2", "--fleet", "plant", "--flash", work + "/flash.bin", "--trusted-key", work + "/key.pub", "--max-chunk", "4096",
                              "--link-kbps", "250", "--latency-ms", "10", "--window", "4", "--quiet"},
                                           broker.device_flags("dev2")),
                             work + "/device.log");
  TMF_EXPECT(wait_for(host.mosq, [&] { return host.presence == 1; }, 10));
  host.artifact = &artifact;
  const auto start = std::chrono::steady_clock::now();
  const std::string t = host.prefix + "manifest";
  mosquitto_publish(host.mosq, nullptr, t.c_str(), static_cast<int>(artifact.manifest_bytes.size()),
                    artifact.manifest_bytes.data(), 1, false);
  const bool done = wait_for(host.mosq, [&] {
    for (const tmf::OtaEventMessage& e : host.events) {
      if (e.event == tmf::OtaEvent::kOtaEventConfirmed) return true;
    }
    return false;
  }, 120);
  TMF_EXPECT(done);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double link_seconds = artifact.file.size() * 8.0 / 250000.0;
  uint32_t resent = 0;
  for (const auto& [offset, times] : host.sends) resent += times > 1 ? 1 : 0;
  char line[200];
  snprintf(line, sizeof(line), "  ad01 %zu B at 250 kbit/s: %.2f s end to end, link time %.2f s, ratio %.3f, chunks sent twice %u\n",
           artifact.file.size(), seconds, link_seconds, seconds / link_seconds, resent);
  tmf_test_print(line);
  kill(device, SIGTERM);
  waitpid(device, nullptr, 0);
  mosquitto_disconnect(host.mosq);
  mosquitto_destroy(host.mosq);
  mosquitto_lib_cleanup();
}

}  // namespace
}  // namespace tmf_test
