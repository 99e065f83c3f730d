// host/fleet: broker URLs and their checks, topics parsed with the device codec, and the fleet
// link against a real Mosquitto: events only from enrolled devices, malformed payloads and
// downlink leaves counted and dropped, the enrolled group kept against an INFO's claim, the
// registry written only for enrolled devices, and a clear error for an unreachable broker.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include "host/fleet/broker_settings.h"
#include "host/fleet/link.h"
#include "host/fleet/mqtt_client.h"
#include "host/fleet/topic.h"
#include "tests/support/child_process.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using fleet::BrokerSettings;
using fleet::BrokerSettingsError;

std::string scratch(const std::string& name) {
  const std::string dir = std::filesystem::temp_directory_path().string() + "/tmf_fleet_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

template <typename F>
bool throws_naming(F f, const std::string& words) {
  try {
    f();
  } catch (const std::exception& e) {
    return std::string(e.what()).find(words) != std::string::npos;
  }
  return false;
}

TMF_TEST(BrokerSettings, UrlsParseAndBadOnesAreNamed) {
  BrokerSettings s;
  fleet::broker_settings_set_url(s, "mqtts://broker.plant:8884");
  TMF_EXPECT(s.tls && s.host == "broker.plant" && s.port == 8884);
  fleet::broker_settings_set_url(s, "mqtt://127.0.0.1");
  TMF_EXPECT(!s.tls && s.host == "127.0.0.1" && s.port == 1883);
  fleet::broker_settings_set_url(s, "mqtts://[::1]");
  TMF_EXPECT(s.tls && s.host == "::1" && s.port == 8883);
  TMF_EXPECT(s.url() == "mqtts://::1:8883");
  TMF_EXPECT(throws_naming([&] { fleet::broker_settings_set_url(s, "http://x:1"); }, "expected mqtt://"));
  TMF_EXPECT(throws_naming([&] { fleet::broker_settings_set_url(s, "mqtt://x:0"); }, "port '0'"));
  TMF_EXPECT(throws_naming([&] { fleet::broker_settings_set_url(s, "mqtt://x:99999"); }, "port '99999'"));
  TMF_EXPECT(throws_naming([&] { fleet::broker_settings_set_url(s, "mqtt://:1883"); }, "no host"));
}

TMF_TEST(BrokerSettings, ChecksNameTheOptionAndTheFile) {
  const std::string dir = scratch("settings");
  std::ofstream(dir + "/ca.pem") << "x";
  BrokerSettings s;
  s.tls = true;
  TMF_EXPECT(throws_naming([&] { fleet::broker_settings_check(s); }, "TLS needs --ca"));
  s.ca_file = dir + "/missing.pem";
  TMF_EXPECT(throws_naming([&] { fleet::broker_settings_check(s); }, "--ca " + dir + "/missing.pem"));
  s.ca_file = dir + "/ca.pem";
  s.cert_file = dir + "/ca.pem";
  TMF_EXPECT(throws_naming([&] { fleet::broker_settings_check(s); }, "--cert and --key go together"));
  s.cert_file.clear();
  fleet::broker_settings_check(s);  // CA only: a server-authenticated TLS link
  BrokerSettings plain;
  plain.ca_file = dir + "/ca.pem";
  TMF_EXPECT(throws_naming([&] { fleet::broker_settings_check(plain); }, "use mqtts://"));
  plain.ca_file.clear();
  plain.password_file = dir + "/ca.pem";
  TMF_EXPECT(throws_naming([&] { fleet::broker_settings_check(plain); }, "needs --username"));
}

TMF_TEST(FleetTopic, ParsedWithTheDeviceCodec) {
  const auto t = fleet::fleet_topic_parse("tmf/plant/pump-7/telemetry", "plant");
  TMF_ASSERT(t.has_value());
  TMF_EXPECT(t->device == "pump-7" && t->leaf == OtaTopic::kOtaTopicTelemetry);
  TMF_EXPECT(!fleet::fleet_topic_parse("tmf/other/pump-7/telemetry", "plant"));
  TMF_EXPECT(!fleet::fleet_topic_parse("tmf/plant/pump 7/telemetry", "plant"));
  TMF_EXPECT(!fleet::fleet_topic_parse("tmf/plant/pump-7/health", "plant"));  // not a protocol leaf
  TMF_EXPECT(!fleet::fleet_topic_parse("tmf/plant/pump-7/telemetry/x", "plant"));
  // Every leaf the codec names round-trips, and exactly the device-published ones are uplinks.
  int uplinks = 0;
  for (uint8_t i = 0; i < static_cast<uint8_t>(OtaTopic::kOtaTopicCount); ++i) {
    const auto leaf = static_cast<OtaTopic>(i);
    const auto back = fleet::fleet_topic_parse(fleet::fleet_topic("plant", "d1", leaf), "plant");
    TMF_EXPECT(back.has_value() && back->leaf == leaf);
    uplinks += fleet::fleet_topic_is_uplink(leaf);
  }
  TMF_EXPECT_EQ(uplinks, 7);
  TMF_EXPECT(!fleet::fleet_topic_is_uplink(OtaTopic::kOtaTopicManifest));
  TMF_EXPECT(!fleet::fleet_topic_is_uplink(OtaTopic::kOtaTopicAck));
}

struct PlainBroker {
  int port = test_support::free_loopback_port();
  pid_t pid = -1;
  explicit PlainBroker(const std::string& dir) {
    std::ofstream(dir + "/mosquitto.conf") << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence false\n";
    pid = test_support::spawn_logged({"mosquitto", "-c", dir + "/mosquitto.conf"}, dir + "/mosquitto.log", false);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ~PlainBroker() {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
};

std::vector<uint8_t> info_bytes(const char* group) {
  OtaInfo info{};
  info.agent_version = 1;
  info.ram_bytes = 65536;
  info.slot_bytes = 131072;
  info.flash_bytes = 1 << 20;
  info.max_chunk_bytes = 1024;
  std::snprintf(info.core, sizeof info.core, "cortex-m4");
  std::snprintf(info.group, sizeof info.group, "%s", group);
  std::vector<uint8_t> bytes(512);
  bytes.resize(ota_info_encode(info, bytes.data(), bytes.size()));
  return bytes;
}

TMF_TEST(FleetLink, OnlyEnrolledDevicesSpeak) {
  const std::string dir = scratch("link");
  PlainBroker broker(dir);
  registry::Registry reg(dir + "/registry");
  BrokerSettings settings;
  settings.port = broker.port;
  fleet::FleetLinkOptions o;
  o.fleet = "plant";
  o.client_id = "link-test";
  o.broker = settings;
  o.uplinks = {OtaTopic::kOtaTopicInfo, OtaTopic::kOtaTopicPresence};
  o.enrolment = [](const std::string& id) -> std::optional<std::string> {
    if (id == "dev-a") return std::string("press");
    return std::nullopt;
  };
  fleet::FleetLink link(o);
  link.client().require_connected(std::chrono::seconds(5));
  fleet::MqttClient other("link-test-sender", settings);
  other.require_connected(std::chrono::seconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  const auto forged = info_bytes("press");
  other.publish("tmf/plant/0-canary/info", forged.data(), forged.size(), 1, false);   // not enrolled
  const std::vector<uint8_t> junk = {1, 2, 3};
  other.publish("tmf/plant/dev-a/info", junk.data(), junk.size(), 1, false);           // malformed
  const auto claim = info_bytes("elsewhere");
  other.publish("tmf/plant/dev-a/info", claim.data(), claim.size(), 1, false);         // enrolled, wrong group claim

  std::vector<std::string> from;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until && link.counters().messages < 3) {
    if (auto e = link.next(std::chrono::milliseconds(100))) from.push_back(e->device);
  }
  TMF_EXPECT_EQ(link.counters().messages, 3u);
  TMF_EXPECT(from.size() == 1 && from[0] == "dev-a");
  TMF_EXPECT_EQ(link.counters().not_enrolled, 1u);
  TMF_EXPECT_EQ(link.counters().decode_errors, 1u);
  TMF_EXPECT_EQ(link.counters().group_mismatch, 1u);
  TMF_EXPECT(link.device("0-canary") == nullptr);
  TMF_ASSERT(link.device("dev-a") != nullptr);
  TMF_EXPECT(link.device("dev-a")->group == "press");

  {
    registry::Transaction tx(reg.db());
    link.write_devices(reg);
    tx.commit();
  }
  TMF_EXPECT(!reg.find_device("0-canary").has_value());
  const auto row = reg.find_device("dev-a");
  TMF_ASSERT(row.has_value());
  TMF_EXPECT(row->group == "press");  // the enrolment's group, not the INFO's claim
  // A service never publishes an uplink leaf through the link.
  TMF_EXPECT(throws_naming([&] { link.publish("dev-a", OtaTopic::kOtaTopicTelemetry, junk.data(), junk.size(), 1); }, "uplink"));
}

TMF_TEST(MqttClient, UnreachableBrokerIsSaidClearly) {
  BrokerSettings s;
  s.port = test_support::free_loopback_port();  // nothing listens there
  fleet::MqttClient client("unreachable-test", s);
  TMF_EXPECT(throws_naming([&] { client.require_connected(std::chrono::milliseconds(1500)); },
                           "mqtt://127.0.0.1:" + std::to_string(s.port) + ": "));
  TMF_EXPECT(!client.connected());
}

}  // namespace
}  // namespace tmf
