// The generated broker configuration against the real Mosquitto (`mosquitto -c` on a free
// loopback port) and real libmosquitto TLS clients. Each case asserts what the broker does:
// CONNACK accepted, connection refused, a message delivered or not. "Not delivered" is decided
// without sleeping: the forbidden publishes are acknowledged (QoS 1) before a permitted sentinel
// is published to the same observer, and the broker routes in order, so once the sentinel
// arrives anything permitted before it would have arrived too.
#include <mosquitto.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "device/agent/protocol.h"
#include "host/fleet/acl.h"
#include "host/fleet/pki.h"
#include "tests/host/test_files.h"
#include "tests/support/child_process.h"
#include "tests/fleet/fleet_fixture.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using namespace fleet_test;
using namespace std::chrono_literals;

#define EXPECT_OUTCOME(actual, expected)                                                                     \
  do {                                                                                                       \
    const ConnectOutcome o_ = (actual);                                                                      \
    if (o_ != (expected)) {                                                                                  \
      tmf_test_fail(tmf_test_state_, __FILE__, __LINE__,                                                     \
                    (std::string(#actual) + ": " + outcome_text(o_) + ", expected " + outcome_text(expected)).c_str()); \
    }                                                                                                        \
  } while (0)

TMF_TEST(FleetBroker, OnlyValidFleetCertificatesConnect) {
  Fleet f;
  TMF_ASSERT(make_fleet(&f, "broker_connect"));
  // Another CA issuing the same CN: a forged pump-a.
  const std::string rogue = f.root + "/rogue";
  fleet::fleet_init(rogue, "plant7", 30);
  fleet::IssueRequest forged;
  forged.common_name = "pump-a";
  const fleet::Issued impostor = fleet::pki_issue(rogue, forged, rogue + "/ids", "pump-a");

  Mosquitto broker(f.config, f.port, f.log);
  {
    Client a("pump-a", f.identity("pump-a"));
    EXPECT_OUTCOME(a.connect(f.port), ConnectOutcome::kAccepted);
  }
  {
    Client service("svc-serve", f.identity("svc-serve"));
    EXPECT_OUTCOME(service.connect(f.port), ConnectOutcome::kAccepted);
  }
  {
    Client none("nobody", Identity{f.fleet_dir + "/ca.pem", "", ""});
    EXPECT_OUTCOME(none.connect(f.port), ConnectOutcome::kDropped);
  }
  {
    Client forged_client("pump-a", Identity{f.fleet_dir + "/ca.pem", impostor.cert_path, impostor.key_path});
    EXPECT_OUTCOME(forged_client.connect(f.port), ConnectOutcome::kDropped);
  }
}

TMF_TEST(FleetBroker, RevokedDeviceRefusedAfterReload) {
  Fleet f;
  TMF_ASSERT(make_fleet(&f, "broker_revoke"));
  Mosquitto broker(f.config, f.port, f.log);
  {
    Client c("pump-c", f.identity("pump-c"));
    EXPECT_OUTCOME(c.connect(f.port), ConnectOutcome::kAccepted);
  }
  TMF_ASSERT(cli_ok("devices revoke pump-c --ca-dir " + f.fleet_dir + " --registry " + f.root + "/registry"));
  TMF_ASSERT(broker.reload());  // SIGHUP: Mosquitto re-reads crlfile
  {
    Client c("pump-c", f.identity("pump-c"));
    EXPECT_OUTCOME(c.connect(f.port), ConnectOutcome::kDropped);
  }
  {
    Client a("pump-a", f.identity("pump-a"));  // the others are untouched
    EXPECT_OUTCOME(a.connect(f.port), ConnectOutcome::kAccepted);
  }
  broker.stop();
  broker.start();
  {
    Client c("pump-c", f.identity("pump-c"));
    EXPECT_OUTCOME(c.connect(f.port), ConnectOutcome::kDropped);
  }
  // Re-enrolled (new hardware, new key): the new certificate connects, the old stays revoked.
  std::filesystem::rename(f.root + "/ids/pump-c.key", f.root + "/ids/pump-c.old.key");
  std::filesystem::rename(f.root + "/ids/pump-c.pem", f.root + "/ids/pump-c.old.pem");
  TMF_ASSERT(cli_ok("devices enroll pump-c --group pumps --out " + f.root + "/ids --ca-dir " + f.fleet_dir +
                    " --registry " + f.root + "/registry"));
  {
    Client c("pump-c", f.identity("pump-c"));
    EXPECT_OUTCOME(c.connect(f.port), ConnectOutcome::kAccepted);
  }
  {
    Client old("pump-c", Identity{f.fleet_dir + "/ca.pem", f.root + "/ids/pump-c.old.pem", f.root + "/ids/pump-c.old.key"});
    EXPECT_OUTCOME(old.connect(f.port), ConnectOutcome::kDropped);
  }
}

TMF_TEST(FleetBroker, DeviceCannotSpeakForAnother) {
  Fleet f;
  TMF_ASSERT(make_fleet(&f, "broker_impersonate"));
  Mosquitto broker(f.config, f.port, f.log);
  Client service("svc-serve", f.identity("svc-serve"));
  Client a("pump-a", f.identity("pump-a"));
  TMF_ASSERT(service.connect(f.port) == ConnectOutcome::kAccepted);
  TMF_ASSERT(a.connect(f.port) == ConnectOutcome::kAccepted);
  TMF_ASSERT(service.subscribe("tmf/plant7/#"));

  // Every uplink leaf: as pump-b (forbidden), then as itself (allowed: the control and sentinel).
  for (OtaTopic leaf : leaves(fleet::TopicDirection::kTopicUplink)) {
    TMF_EXPECT(a.publish(topic("pump-b", leaf), "forged"));
  }
  for (OtaTopic leaf : leaves(fleet::TopicDirection::kTopicUplink)) {
    TMF_EXPECT(a.publish(topic("pump-a", leaf), "own"));
  }
  for (OtaTopic leaf : leaves(fleet::TopicDirection::kTopicUplink)) {
    TMF_EXPECT(service.await_message(topic("pump-a", leaf), "own"));
  }
  for (const auto& [t, payload] : service.received()) TMF_EXPECT(t.find("/pump-b/") == std::string::npos);
  TMF_EXPECT_EQ(service.received().size(), leaves(fleet::TopicDirection::kTopicUplink).size());

  // Claiming a service's username in CONNECT changes nothing: the certificate names the client.
  Client claimant("pump-b", f.identity("pump-b"));
  claimant.claim_username("svc-serve");
  TMF_ASSERT(claimant.connect(f.port) == ConnectOutcome::kAccepted);
  TMF_EXPECT(claimant.publish(topic("pump-a", OtaTopic::kOtaTopicManifest), "claimed"));
  TMF_EXPECT(claimant.publish(topic("pump-a", OtaTopic::kOtaTopicTelemetry), "claimed"));
  TMF_EXPECT(claimant.publish(topic("pump-b", OtaTopic::kOtaTopicEvent), "sentinel"));
  TMF_EXPECT(service.await_message(topic("pump-b", OtaTopic::kOtaTopicEvent), "sentinel"));
  for (const auto& [t, payload] : service.received()) TMF_EXPECT(payload != "claimed");
}

TMF_TEST(FleetBroker, DownlinksOnlyFromServicesAndOnlyToTheirDevice) {
  Fleet f;
  TMF_ASSERT(make_fleet(&f, "broker_downlink"));
  Mosquitto broker(f.config, f.port, f.log);
  Client service("svc-serve", f.identity("svc-serve"));
  Client a("pump-a", f.identity("pump-a"));
  Client b("pump-b", f.identity("pump-b"));
  TMF_ASSERT(service.connect(f.port) == ConnectOutcome::kAccepted);
  TMF_ASSERT(a.connect(f.port) == ConnectOutcome::kAccepted);
  TMF_ASSERT(b.connect(f.port) == ConnectOutcome::kAccepted);
  const auto downlinks = leaves(fleet::TopicDirection::kTopicDownlink);
  for (OtaTopic leaf : downlinks) TMF_ASSERT(b.subscribe(topic("pump-b", leaf)));
  // A device's subscription to another device's downlinks and uplinks, and to the whole fleet.
  for (OtaTopic leaf : downlinks) TMF_ASSERT(a.subscribe(topic("pump-b", leaf)));
  TMF_ASSERT(a.subscribe("tmf/plant7/#"));

  // pump-a publishes every downlink leaf, to pump-b and to itself: all must be dropped.
  for (OtaTopic leaf : downlinks) {
    TMF_EXPECT(a.publish(topic("pump-b", leaf), "from-device"));
    TMF_EXPECT(a.publish(topic("pump-a", leaf), "from-device"));
  }
  // pump-b's uplinks are not for pump-a's eyes either.
  TMF_EXPECT(b.publish(topic("pump-b", OtaTopic::kOtaTopicTelemetry), "b-uplink"));
  // The service reaches each device on its own downlinks: manifest to pump-a (the sentinel for a)
  // and every downlink to pump-b (what a must not see, and the sentinel for b).
  for (OtaTopic leaf : downlinks) TMF_EXPECT(service.publish(topic("pump-b", leaf), "from-service"));
  TMF_EXPECT(service.publish(topic("pump-a", OtaTopic::kOtaTopicManifest), "from-service"));

  TMF_EXPECT(a.await_message(topic("pump-a", OtaTopic::kOtaTopicManifest), "from-service"));
  for (OtaTopic leaf : downlinks) TMF_EXPECT(b.await_message(topic("pump-b", leaf), "from-service"));
  const auto got_a = a.received();
  TMF_EXPECT_EQ(got_a.size(), 1u);  // only its manifest from the service
  for (const auto& [t, payload] : b.received()) TMF_EXPECT(payload == "from-service");
  TMF_EXPECT_EQ(b.received().size(), downlinks.size());
}

// A serve worker's persistent session while the worker is away (a restart): the broker queues the
// fleet's uplinks for it beyond Mosquitto's default of 1,000 messages, and hands over every one
// when the worker reconnects; with the default, QoS 1 messages past 1,000 are dropped and the
// devices would resend only after their ack timeout.
TMF_TEST(FleetBroker, ServiceSessionQueuesABurstBeyondMosquittosDefault) {
  Fleet f;
  TMF_ASSERT(make_fleet(&f, "broker_queue"));
  TMF_EXPECT(slurp(f.config).find("max_queued_messages 100000\n") != std::string::npos);
  Mosquitto broker(f.config, f.port, f.log);
  const std::string uplinks = "tmf/plant7/+/telemetry";
  {
    Client service("svc-serve", f.identity("svc-serve"), false);
    TMF_ASSERT(service.connect(f.port) == ConnectOutcome::kAccepted);
    TMF_ASSERT(service.subscribe(uplinks));
  }  // disconnects; the session stays
  constexpr size_t kBurst = 3000;
  Client a("pump-a", f.identity("pump-a"));
  TMF_ASSERT(a.connect(f.port) == ConnectOutcome::kAccepted);
  for (size_t i = 0; i < kBurst; ++i) TMF_ASSERT(a.publish(topic("pump-a", OtaTopic::kOtaTopicTelemetry), "batch " + std::to_string(i)));
  Client service("svc-serve", f.identity("svc-serve"), false);
  TMF_ASSERT(service.connect(f.port) == ConnectOutcome::kAccepted);
  TMF_EXPECT(service.await_count(kBurst, 30s));
  TMF_EXPECT_EQ(service.received_count(), kBurst);
}

}  // namespace
}  // namespace tmf
