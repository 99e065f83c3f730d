// MqttClient with clean_session = false: QoS 1 messages published while the client is away are
// queued by the broker and delivered when a client with the same id connects again (what lets
// a restarted `tinymlops serve` catch up without waiting for device resends).
#include <mosquitto.h>

#include <string>
#include <thread>

#include "host/fleet/mqtt_client.h"
#include "serve_fixture.h"
#include "tests/support/fleet_broker.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

// Publishes as device dev1, with its own certificate.
void publish_numbers(FleetBroker& broker, int first, int count) {
  struct mosquitto* mosq = mosquitto_new("session-publisher", true, nullptr);
  const TlsIdentity me = broker.device("dev1");
  tls_set(mosq, me);
  mosquitto_connect(mosq, "127.0.0.1", broker.port(), 10);
  for (int i = first; i < first + count; ++i) {
    const std::string text = std::to_string(i);
    mosquitto_publish(mosq, nullptr, "tmf/plant/dev1/telemetry", static_cast<int>(text.size()), text.data(), 1, false);
  }
  for (int i = 0; i < 20; ++i) mosquitto_loop(mosq, 20, 1);  // deliver, then leave
  mosquitto_disconnect(mosq);
  mosquitto_loop(mosq, 20, 1);
  mosquitto_destroy(mosq);
}

fleet::BrokerSettings settings(const FleetBroker& broker) {
  return broker.service(fleet::FleetService::kFleetServiceServe);
}

fleet::MqttClientOptions persistent() {
  fleet::MqttClientOptions o;
  o.clean_session = false;
  return o;
}

std::vector<std::string> drain(fleet::MqttClient& client, size_t want, double seconds) {
  std::vector<std::string> got;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (got.size() < want && std::chrono::steady_clock::now() < end) {
    if (auto m = client.next(std::chrono::milliseconds(50))) got.emplace_back(m->payload.begin(), m->payload.end());
  }
  return got;
}

TMF_TEST(PersistentSession, MessagesPublishedWhileAwayArriveOnReconnect) {
  const std::string dir = scratch_dir("persistent_session");
  FleetBroker broker(dir + "/broker", "plant");
  mosquitto_lib_init();
  {
    fleet::MqttClient client("serve-session-test", settings(broker), persistent());
    client.subscribe("tmf/plant/+/telemetry", 1);
    TMF_ASSERT(client.wait_connected(std::chrono::seconds(5)));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // SUBACK
    publish_numbers(broker, 0, 3);
    TMF_EXPECT_EQ(drain(client, 3, 5).size(), 3);
  }  // disconnected: the broker keeps the session
  publish_numbers(broker, 3, 5);
  fleet::MqttClient again("serve-session-test", settings(broker), persistent());
  again.subscribe("tmf/plant/+/telemetry", 1);
  const std::vector<std::string> queued = drain(again, 5, 5);
  TMF_ASSERT(queued.size() == 5);
  for (int i = 0; i < 5; ++i) TMF_EXPECT(queued[i] == std::to_string(3 + i));

  // A clean session (the default) gets nothing that was published while it was away.
  {
    fleet::MqttClient clean("serve-clean-test", settings(broker));
    clean.subscribe("tmf/plant/+/telemetry", 1);
    TMF_ASSERT(clean.wait_connected(std::chrono::seconds(5)));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  publish_numbers(broker, 8, 2);
  fleet::MqttClient clean_again("serve-clean-test", settings(broker));
  clean_again.subscribe("tmf/plant/+/telemetry", 1);
  TMF_EXPECT_EQ(drain(clean_again, 1, 1.0).size(), 0);
}

}  // namespace
}  // namespace tmf::test
