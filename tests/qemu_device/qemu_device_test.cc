// The bare-metal device end to end: Mosquitto on a free loopback port, `tinymlops gateway`, and
// the firmware under QEMU (Cortex-M4; the deploy test on the core of --core) (scripts/qemu-device.sh) with its flash in a host file and a
// sensor stream of a synthetic machine. The test plays the host over MQTT (manifest, chunk
// answers, TELEMETRY_ACK, COMMAND collect) and checks, against what it sent and against the
// models' own oracles (TFLite-style golden digests in the manifests, the DATA it asked for):
//   1. a signed pipeline model is installed, confirmed after the app's healthy trial windows;
//   2. TELEMETRY arrives, is acknowledged, and an acknowledged batch is not sent again;
//   3. COMMAND collect is answered with the requested number of DATA samples;
//   4. a model the app cannot run (no detection settings) is reverted (result 13);
//   5. a model on which the app hangs on trial (fault injection hang_version) is reset by the
//      watchdog and reverted at once (result 25, the PC of the hang); the first model keeps running.
#include "tests/qemu_device/qemu_device_rig.h"

#include "host/fleet/link.h"
#include "host/registry/registry.h"

namespace tmf_test {
namespace {

std::pair<uint64_t, uint64_t> symbol_range(const std::string& elf, const std::string& name, bool exact = false);

TMF_TEST(QemuDevice, InstallTelemetryCollectAppCheckAndWatchdogRevert) {
  const std::string work = std::string(TMF_QEMU_DEVICE_WORK) + "/e2e";
  const std::string core = g_qemu_device_core;  // --core (ctest: cortex-m4)
  const std::string elf = std::string(TMF_DEVICE_FIRMWARE_DIR) + "/" + core + "/bin/device_firmware.elf";
  TMF_ASSERT(std::system(("rm -rf '" + work + "' && mkdir -p '" + work + "'").c_str()) == 0);
  {
    std::ifstream firmware(elf);
    if (!firmware) {
      std::fprintf(stderr, "no firmware image %s: build the %s preset (make cores)\n", elf.c_str(), core.c_str());
      TMF_ASSERT(false);
    }
  }
  // The fleet's generated mutual-TLS broker: the test host speaks as the deploy service, the
  // gateway with the device's own certificate (so the broker lets it speak only as that device).
  tmf::test::FleetBroker broker(work + "/broker", "plant");
  const int broker_port = broker.port();
  const int link_port = tmf::test_support::free_loopback_port();

  const Keypair key = keypair_from_seed(21);
  {
    std::ofstream k(work + "/key.pub", std::ios::binary);
    k.write(reinterpret_cast<const char*>(key.public_key), 32);
  }
  // The sensor: 400 windows of the synthetic machine (noise + 1 kHz tone), float32 LE.
  {
    std::ofstream s(work + "/sensor.f32", std::ios::binary);
    for (uint32_t i = 0; i < 400; ++i) {
      const std::vector<float> w = machine_window(i, false);
      s.write(reinterpret_cast<const char*>(w.data()), static_cast<std::streamsize>(w.size() * sizeof(float)));
    }
  }
  const PipelineTestModel good = build_pipeline_model(1, 4.0f);
  const PipelineTestModel no_config = build_pipeline_model(2, 4.0f, false);
  const PipelineTestModel hangs = build_pipeline_model(3, 4.0f);
  const Artifact a1 = make_artifact(good.file, key, 601, good.golden_input, good.golden_output, 1024);
  const Artifact a2 = make_artifact(no_config.file, key, 602, no_config.golden_input, no_config.golden_output, 1024);
  const Artifact a3 = make_artifact(hangs.file, key, 603, hangs.golden_input, hangs.golden_output, 1024);

  Host host;
  host.prefix = "tmf/plant/mcu1/";
  mosquitto_lib_init();
  host.mosq = mosquitto_new("test-host", true, &host);
  tmf::test::tls_set(host.mosq, broker.service_identity(tmf::fleet::FleetService::kFleetServiceDeploy));
  mosquitto_message_callback_set(host.mosq, on_message);
  TMF_ASSERT(mosquitto_connect(host.mosq, "127.0.0.1", broker_port, 10) == MOSQ_ERR_SUCCESS);
  mosquitto_subscribe(host.mosq, nullptr, "tmf/plant/mcu1/#", 1);
  mosquitto_loop(host.mosq, 100, 1);

  const std::string link = "tcp:127.0.0.1:" + std::to_string(link_port);
  const pid_t device = tmf::test_support::spawn_logged(
      {TMF_QEMU_DEVICE_SCRIPT, "--core", core, "--id", "mcu1", "--flash", work + "/flash.bin", "--link", link,
       "--trusted-key", work + "/key.pub", "--fleet", "test-fleet", "--group", "test", "--sensor", work + "/sensor.f32", "--trial-windows", "5",
       "--watchdog-ms", "1000", "--elf", elf, "--", "hang_version=3"},
      work + "/device.log", false);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const pid_t gateway = tmf::test_support::spawn_logged(
      gateway_argv(broker, link, "mcu1"),
      work + "/gateway.log", false);

  TMF_EXPECT(wait_for(&host, [&] { return host.presence == 1 && host.has_status; }, 60));

  // 1. Install and confirm.
  host.artifact = &a1;
  publish(&host, "manifest", a1.manifest_bytes, 1);
  TMF_EXPECT(wait_for(&host, [&] { return find_event(host, 601, tmf::OtaEvent::kOtaEventConfirmed) != nullptr; }, 120));
  TMF_EXPECT(find_event(host, 601, tmf::OtaEvent::kOtaEventTrial) != nullptr);
  TMF_EXPECT(wait_for(&host, [&] { return host.has_status && host.status.active_model_version == 1; }, 10));

  // 2. Telemetry of model v1 arrives and is acknowledged; nothing acknowledged comes again.
  TMF_EXPECT(wait_for(&host, [&] { return host.telemetry_models.count(1) > 0 && host.acked.size() >= 3; }, 60));
  wait_for(&host, [] { return false; }, 5);  // longer than the app's 3 s ack timeout
  TMF_EXPECT(host.acked.size() >= 3);
  TMF_EXPECT_EQ(host.resent_after_ack, 0u);

  // 2b. The broker restarts (sessions and retained messages gone): the gateway reconnects over TLS
  // by itself, announces the device again and its telemetry flows and is acknowledged again.
  const size_t gateway_connects = count_in_file(work + "/gateway.log", "mqtt connected");
  broker.stop();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  broker.start();
  host.presence = -1;
  bool host_back = false;
  for (int i = 0; i < 50 && !host_back; ++i) {
    host_back = mosquitto_reconnect(host.mosq) == MOSQ_ERR_SUCCESS;
    if (!host_back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  TMF_ASSERT(host_back);
  mosquitto_subscribe(host.mosq, nullptr, "tmf/plant/mcu1/#", 1);
  const size_t acked_before_restart = host.acked.size();
  TMF_EXPECT(wait_for(&host, [&] { return host.presence == 1 && host.acked.size() >= acked_before_restart + 2; }, 60));
  TMF_EXPECT(count_in_file(work + "/gateway.log", "mqtt connected") > gateway_connects);

  // 3. COMMAND collect -> DATA.
  {
    tmf::OtaCommand c{tmf::OtaCommandCode::kOtaCommandCollect, 77, 2048};
    std::vector<uint8_t> bytes(tmf::kOtaCommandCollectBytes);
    bytes.resize(tmf::ota_command_encode(c, bytes.data(), bytes.size()));
    publish(&host, "cmd", bytes, 1);
  }
  TMF_EXPECT(wait_for(&host, [&] { return host.data_samples >= 2048; }, 60));
  TMF_EXPECT_EQ(host.data_capture, 77u);
  TMF_EXPECT_EQ(host.data_total, 2048u);
  TMF_EXPECT_EQ(host.data_samples, 2048u);

  // 4. A model the app cannot run: self-test passes, the app check fails, reverted (13).
  host.artifact = &a2;
  publish(&host, "manifest", a2.manifest_bytes, 1);
  TMF_EXPECT(wait_for(&host, [&] { return find_event(host, 602, tmf::OtaEvent::kOtaEventReverted) != nullptr; }, 120));
  if (const tmf::OtaEventMessage* e = find_event(host, 602, tmf::OtaEvent::kOtaEventReverted)) {
    TMF_EXPECT(e->result == tmf::OtaResult::kOtaResultSelfTestFailed);
  }
  TMF_EXPECT(find_event(host, 602, tmf::OtaEvent::kOtaEventConfirmed) == nullptr);
  TMF_EXPECT(wait_for(&host, [&] { return host.has_status && host.status.active_model_version == 1 &&
                                          host.status.state == tmf::OtaState::kOtaStateIdle; }, 10));

  // 5. A model on which the app hangs on trial: one watchdog reset, reverted at once (no retry,
  // docs/agent.md "Resets on trial"), result 25 with the PC the watchdog interrupted: the hang's
  // loop in the firmware's main.
  host.artifact = &a3;
  publish(&host, "manifest", a3.manifest_bytes, 1);
  TMF_EXPECT(wait_for(&host, [&] { return find_event(host, 603, tmf::OtaEvent::kOtaEventReverted) != nullptr; }, 180));
  TMF_EXPECT(find_event(host, 603, tmf::OtaEvent::kOtaEventConfirmed) == nullptr);
  if (const tmf::OtaEventMessage* e = find_event(host, 603, tmf::OtaEvent::kOtaEventReverted)) {
    const auto hang = symbol_range(elf, "main", true);
    TMF_EXPECT(e->result == tmf::OtaResult::kOtaResultTrialWatchdog);
    TMF_EXPECT(hang.second > hang.first && e->detail >= hang.first && e->detail < hang.second);
    std::printf("e2e: v3 hung on trial, reverted after one watchdog reset at pc 0x%08x (main 0x%08llx..0x%08llx)\n",
                e->detail, static_cast<unsigned long long>(hang.first), static_cast<unsigned long long>(hang.second));
  }
  TMF_EXPECT(wait_for(&host, [&] { return host.has_status && host.status.active_model_version == 1 &&
                                          host.status.state == tmf::OtaState::kOtaStateIdle &&
                                          host.status.last_update_id == 603; }, 30));
  TMF_EXPECT(host.status.last_result == tmf::OtaResult::kOtaResultTrialWatchdog);
  TMF_EXPECT_EQ(count_in_file(work + "/device.log", "watchdog expired"), static_cast<size_t>(1));
  TMF_EXPECT_EQ(count_in_file(work + "/device.log", "fault injection: the app hangs on this model"), static_cast<size_t>(1));
  // The first model runs again after the resets: its telemetry flows in the new boot.
  const uint32_t before = host.telemetry_received;
  TMF_EXPECT(wait_for(&host, [&] { return host.telemetry_received > before + 2; }, 60));

  // 6. The gateway dies without a goodbye: its last will says the device is offline.
  TMF_EXPECT_EQ(host.presence, 1);
  kill(gateway, SIGKILL);
  waitpid(gateway, nullptr, 0);
  TMF_EXPECT(wait_for(&host, [&] { return host.presence == 0; }, 30));

  stop(device);
  mosquitto_destroy(host.mosq);
  mosquitto_lib_cleanup();
}

// One deploy through the gateway: a signed window-1024 pipeline (v1) is installed, confirmed after
// the app's healthy trial windows, and its telemetry is acknowledged. Returns the device log path.
struct DeployRun {
  std::string name;       // work subdirectory
  std::string device;     // MQTT device id
  std::string core;       // scripts/qemu-device.sh --core
  std::string elf;        // the firmware image
  uint32_t update_id;
  uint32_t chunk_bytes;
  uint32_t trial_windows;
  uint32_t key_seed;
  bool faults;  // then models v2 and v3 fault on trial (bus error, undefined instruction): reverted;
                // v4 and v5 fault / hang once confirmed: reverted at the agent's fault limit
  uint32_t collect_samples = 0;  // then COMMAND collect of this many samples is answered with DATA
};

// [start, end) of the firmware function whose name contains `name` (exact: is `name`), from the
// image's symbols.
std::pair<uint64_t, uint64_t> symbol_range(const std::string& elf, const std::string& name, bool exact) {
  const std::string out = std::string(TMF_QEMU_DEVICE_WORK) + "/nm.txt";
  if (std::system(("arm-none-eabi-nm -S --defined-only '" + elf + "' > '" + out + "'").c_str()) != 0) return {0, 0};
  std::ifstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string address, size, type, symbol;
    if (words >> address >> size >> type >> symbol && (exact ? symbol == name : symbol.find(name) != std::string::npos)) {
      const uint64_t start = std::stoull(address, nullptr, 16) & ~1ull;  // Thumb bit
      return {start, start + std::stoull(size, nullptr, 16)};
    }
  }
  return {0, 0};
}

std::string deploy_and_telemetry(TmfTestState* tmf_test_state_, const DeployRun& run) {
  const std::string work = std::string(TMF_QEMU_DEVICE_WORK) + "/" + run.name;
  TMF_EXPECT(std::system(("rm -rf '" + work + "' && mkdir -p '" + work + "'").c_str()) == 0);
  {
    std::ifstream firmware(run.elf);
    if (!firmware) {
      std::fprintf(stderr, "no firmware image %s: build the %s preset (make cores)\n", run.elf.c_str(), run.core.c_str());
      TMF_EXPECT(false);
      return "";
    }
  }
  tmf::test::FleetBroker broker(work + "/broker", "plant");
  const int link_port = tmf::test_support::free_loopback_port();
  const Keypair key = keypair_from_seed(run.key_seed);
  {
    std::ofstream k(work + "/key.pub", std::ios::binary);
    k.write(reinterpret_cast<const char*>(key.public_key), 32);
  }
  {
    std::ofstream s(work + "/sensor.f32", std::ios::binary);
    for (uint32_t i = 0; i < 100; ++i) {
      const std::vector<float> w = machine_window(i, false);
      s.write(reinterpret_cast<const char*>(w.data()), static_cast<std::streamsize>(w.size() * sizeof(float)));
    }
  }
  const PipelineTestModel good = build_pipeline_model(1, 4.0f);
  const Artifact a1 = make_artifact(good.file, key, run.update_id, good.golden_input, good.golden_output, run.chunk_bytes);
  Host host;
  host.prefix = "tmf/plant/" + run.device + "/";
  mosquitto_lib_init();
  host.mosq = mosquitto_new(("test-host-" + run.device).c_str(), true, &host);
  tmf::test::tls_set(host.mosq, broker.service_identity(tmf::fleet::FleetService::kFleetServiceDeploy));
  mosquitto_message_callback_set(host.mosq, on_message);
  TMF_EXPECT(mosquitto_connect(host.mosq, "127.0.0.1", broker.port(), 10) == MOSQ_ERR_SUCCESS);
  mosquitto_subscribe(host.mosq, nullptr, (host.prefix + "#").c_str(), 1);
  mosquitto_loop(host.mosq, 100, 1);
  const std::string link = "tcp:127.0.0.1:" + std::to_string(link_port);
  const std::string log = work + "/device.log";
  std::vector<std::string> argv = {TMF_QEMU_DEVICE_SCRIPT, "--core", run.core, "--id", run.device, "--flash",
                                   work + "/flash.bin", "--link", link, "--trusted-key", work + "/key.pub", "--fleet",
                                   "test-fleet", "--group", "test", "--sensor", work + "/sensor.f32", "--trial-windows",
                                   std::to_string(run.trial_windows), "--elf", run.elf};
  if (run.faults) {
    argv.insert(argv.end(), {"--watchdog-ms", "1000", "--", "fault_version=2", "udf_version=3",
                             "fault_confirmed_version=4", "hang_confirmed_version=5"});
  }
  // The faults run keeps a registry as serve does: the fleet link on serve's identity, the device
  // enrolled, every device message written by FleetLink::write_devices (the one writer of devices).
  std::unique_ptr<tmf::registry::Registry> registry;
  std::unique_ptr<tmf::fleet::FleetLink> fleet_link;
  if (run.faults) {
    registry = std::make_unique<tmf::registry::Registry>(work + "/registry");
    broker.enrol(work + "/registry", run.device, "test");
    tmf::fleet::FleetLinkOptions o;
    o.fleet = "plant";
    o.client_id = "test-serve-" + run.device;
    o.broker = broker.service(tmf::fleet::FleetService::kFleetServiceServe);
    o.enrolment = tmf::fleet::fleet_enrolment_from_registry(work + "/registry");
    o.uplinks = {tmf::OtaTopic::kOtaTopicInfo, tmf::OtaTopic::kOtaTopicStatus, tmf::OtaTopic::kOtaTopicPresence,
                 tmf::OtaTopic::kOtaTopicEvent};
    fleet_link = std::make_unique<tmf::fleet::FleetLink>(std::move(o));
    fleet_link->client().require_connected(std::chrono::seconds(10));
  }
  // The device's last fault in the registry once the link has written this one (up to 20 s; two
  // reverts in a row can share a code, so the PC tells them apart).
  const auto registry_fault = [&](int64_t code, uint32_t pc) -> std::optional<tmf::registry::DeviceFault> {
    for (int i = 0; i < 200; ++i) {
      while (fleet_link->next(std::chrono::milliseconds(0))) {
      }
      {
        tmf::registry::Transaction tx(registry->db());
        fleet_link->write_devices(*registry);
        tx.commit();
      }
      const auto d = registry->find_device(run.device);
      if (d && d->last_fault && d->last_fault->code == code && d->last_fault->detail == pc) return d->last_fault;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
  };
  const auto expect_registry_fault = [&](const tmf::OtaEventMessage& e, const char* name) {
    const auto f = registry_fault(static_cast<int64_t>(e.result), e.detail);
    TMF_EXPECT(f.has_value());
    if (!f) return;
    TMF_EXPECT(f->name == name);
    TMF_EXPECT(f->at.size() == 20 && f->at[10] == 'T');
    std::printf("%s: registry: %s last fault %lld %s pc 0x%08x at %s\n", run.name.c_str(), run.device.c_str(),
                static_cast<long long>(f->code), f->name.c_str(), f->detail, f->at.c_str());
  };
  const pid_t device = tmf::test_support::spawn_logged(argv, log, false);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const pid_t gateway = tmf::test_support::spawn_logged(gateway_argv(broker, link, run.device), work + "/gateway.log", false);
  TMF_EXPECT(wait_for(&host, [&] { return host.presence == 1 && host.has_status && !host.info_core.empty(); }, 60));
  // The image that runs is the core's own: the agent's INFO names the core it was built for.
  TMF_EXPECT(host.info_core == run.core);
  std::printf("%s: INFO names core '%s'\n", run.name.c_str(), host.info_core.c_str());
  host.artifact = &a1;
  publish(&host, "manifest", a1.manifest_bytes, 1);
  TMF_EXPECT(wait_for(&host, [&] { return find_event(host, run.update_id, tmf::OtaEvent::kOtaEventConfirmed) != nullptr; }, 120));
  TMF_EXPECT(find_event(host, run.update_id, tmf::OtaEvent::kOtaEventTrial) != nullptr);
  TMF_EXPECT(wait_for(&host, [&] { return host.has_status && host.status.active_model_version == 1; }, 10));
  TMF_EXPECT(wait_for(&host, [&] { return host.telemetry_models.count(1) > 0 && !host.acked.empty(); }, 60));
  if (run.collect_samples > 0) {
    tmf::OtaCommand c{tmf::OtaCommandCode::kOtaCommandCollect, 78, run.collect_samples};
    std::vector<uint8_t> bytes(tmf::kOtaCommandCollectBytes);
    bytes.resize(tmf::ota_command_encode(c, bytes.data(), bytes.size()));
    publish(&host, "cmd", bytes, 1);
    TMF_EXPECT(wait_for(&host, [&] { return host.data_samples >= run.collect_samples; }, 60));
    TMF_EXPECT_EQ(host.data_capture, 78u);
    TMF_EXPECT_EQ(host.data_total, run.collect_samples);
    TMF_EXPECT_EQ(host.data_samples, run.collect_samples);
    // Windows (and telemetry) go on after the capture that shared their buffer.
    const uint32_t before = host.telemetry_received;
    TMF_EXPECT(wait_for(&host, [&] { return host.telemetry_received > before; }, 60));
  }
  if (run.faults) {
    // A model whose app faults on trial: the fault handler records the fault and resets, the next
    // boot reverts at once (no retry) and says why: TRIAL_FAULT, the faulting PC in the EVENT's
    // detail, which must lie in the firmware's fault injection function (its symbol in the ELF).
    const auto injector = symbol_range(run.elf, "inject_fault");
    TMF_EXPECT(injector.second > injector.first);
    uint32_t version = 2;
    for (const char* kind : {"precise bus error", "undefined instruction"}) {
      const PipelineTestModel bad = build_pipeline_model(version, 4.0f);
      const uint32_t update_id = run.update_id + version - 1;
      const Artifact a = make_artifact(bad.file, key, update_id, bad.golden_input, bad.golden_output, run.chunk_bytes);
      host.artifact = &a;
      publish(&host, "manifest", a.manifest_bytes, 1);
      TMF_EXPECT(wait_for(&host, [&] { return find_event(host, update_id, tmf::OtaEvent::kOtaEventReverted) != nullptr; }, 120));
      if (const tmf::OtaEventMessage* e = find_event(host, update_id, tmf::OtaEvent::kOtaEventReverted)) {
        TMF_EXPECT(e->result == tmf::OtaResult::kOtaResultTrialFault);
        TMF_EXPECT(e->detail >= injector.first && e->detail < injector.second);
        expect_registry_fault(*e, "TRIAL_FAULT");
        std::printf("%s: v%u reverted after a %s at pc 0x%08x (inject_fault 0x%08llx..0x%08llx)\n", run.name.c_str(),
                    version, kind, e->detail, static_cast<unsigned long long>(injector.first),
                    static_cast<unsigned long long>(injector.second));
      }
      TMF_EXPECT(find_event(host, update_id, tmf::OtaEvent::kOtaEventConfirmed) == nullptr);
      TMF_EXPECT(wait_for(&host, [&] { return host.has_status && host.status.active_model_version == 1 &&
                                              host.status.state == tmf::OtaState::kOtaStateIdle &&
                                              host.status.last_update_id == update_id; }, 30));
      TMF_EXPECT(host.status.last_result == tmf::OtaResult::kOtaResultTrialFault);
      TMF_EXPECT_EQ(count_in_file(log, std::string("firmware: fault: ") + kind), static_cast<size_t>(1));
      TMF_EXPECT_EQ(count_in_file(log, std::string("firmware: reset by a fault: ") + kind), static_cast<size_t>(1));
      ++version;
    }
    TMF_EXPECT_EQ(count_in_file(log, "watchdog expired"), static_cast<size_t>(0));
    // v1 runs again after the resets: its telemetry flows in the new boot.
    const uint32_t before = host.telemetry_received;
    TMF_EXPECT(wait_for(&host, [&] { return host.telemetry_received > before + 1; }, 60));

    // Models that pass their trial and then fault (v4: a bus error) or hang (v5: the watchdog) at
    // every boot: each reset is counted in the journal, and the boot that counts the
    // kAgentFaultLimit-th reverts to v1 (23 / 24), the PC of the last reset in the detail.
    for (const bool hang : {false, true}) {
      const uint32_t v = hang ? 5 : 4;
      const PipelineTestModel m = build_pipeline_model(v, 4.0f);
      const uint32_t update_id = run.update_id + v - 1;
      const Artifact a = make_artifact(m.file, key, update_id, m.golden_input, m.golden_output, run.chunk_bytes);
      host.artifact = &a;
      const size_t faults_before = count_in_file(log, "firmware: reset by a fault: precise bus error");
      publish(&host, "manifest", a.manifest_bytes, 1);
      TMF_EXPECT(wait_for(&host, [&] { return find_event(host, update_id, tmf::OtaEvent::kOtaEventConfirmed) != nullptr; }, 120));
      TMF_EXPECT(wait_for(&host, [&] { return find_event(host, update_id, tmf::OtaEvent::kOtaEventReverted) != nullptr; }, 120));
      if (const tmf::OtaEventMessage* e = find_event(host, update_id, tmf::OtaEvent::kOtaEventReverted)) {
        TMF_EXPECT(e->result == (hang ? tmf::OtaResult::kOtaResultConfirmedWatchdog : tmf::OtaResult::kOtaResultConfirmedFaults));
        TMF_EXPECT_EQ(e->model_version, v);
        if (!hang) TMF_EXPECT(e->detail >= injector.first && e->detail < injector.second);
        TMF_EXPECT(e->detail != 0);
        expect_registry_fault(*e, hang ? "CONFIRMED_WATCHDOG" : "CONFIRMED_FAULTS");
        std::printf("%s: confirmed v%u reverted after %u %s, last at pc 0x%08x: %s\n", run.name.c_str(), v,
                    static_cast<unsigned>(tmf::kAgentFaultLimit), hang ? "watchdog resets" : "bus errors", e->detail,
                    tmf::ota_result_to_string(e->result));
      }
      TMF_EXPECT(wait_for(&host, [&] { return host.has_status && host.status.active_model_version == 1 &&
                                              host.status.last_update_id == update_id &&
                                              host.status.previous_model_version == 0; }, 30));
      TMF_EXPECT(host.status.last_result ==
                 (hang ? tmf::OtaResult::kOtaResultConfirmedWatchdog : tmf::OtaResult::kOtaResultConfirmedFaults));
      // Each reset was recorded as what it was: the watchdog's apart from the faults.
      const size_t resets = tmf::kAgentFaultLimit;
      if (hang) {
        TMF_EXPECT_EQ(count_in_file(log, "firmware: watchdog expired, pc="), resets);
        TMF_EXPECT_EQ(count_in_file(log, "firmware: reset by the watchdog: pc="), resets);
        TMF_EXPECT_EQ(count_in_file(log, "firmware: reset by a fault: precise bus error"), faults_before);
      } else {
        TMF_EXPECT_EQ(count_in_file(log, "firmware: reset by a fault: precise bus error"), faults_before + resets);
        TMF_EXPECT_EQ(count_in_file(log, "firmware: reset by the watchdog"), static_cast<size_t>(0));
      }
    }
    const uint32_t after = host.telemetry_received;
    TMF_EXPECT(wait_for(&host, [&] { return host.telemetry_received > after + 1; }, 60));
  }
  stop(gateway);
  stop(device);
  mosquitto_destroy(host.mosq);
  return log;
}

// The firmware on the core given by --core (default cortex-m4; ctest runs it on cortex-m33, the
// AN505 board with its own board map): boots, installs and confirms a signed pipeline through the
// gateway, and its telemetry is acknowledged; then two models whose app faults on trial (a bus
// error, an undefined instruction) are reverted, each reported as a fault at its PC.
TMF_TEST(QemuDevice, DeployOnCoreInstallsConfirmsAndAcksTelemetry) {
  const std::string core = g_qemu_device_core;
  deploy_and_telemetry(tmf_test_state_, {"deploy_" + core, "mcu-" + core, core,
                                         std::string(TMF_DEVICE_FIRMWARE_DIR) + "/" + core + "/bin/device_firmware.elf",
                                         801, 1024, 2, 23, true});
}

// The build for 16 KB parts (device_firmware_16k, docs/porting.md): the same firmware with its
// small buffers installs and confirms a window-256 pipeline (8 bands, its golden input with the
// normalization inputs: a 1,608-byte MANIFEST) over the gateway, and its telemetry is acknowledged.
// The build fits 16 KB (16,372 B measured, docs/porting.md): this checks that it works, its MANIFEST
// read from flash, its send queue smaller than the MTU and a capture in the window buffer included.
// 512-byte chunks: the small build's largest (its MTU holds the MANIFEST, not a 1 KB chunk).
TMF_TEST(QemuDevice, SmallPartBuildInstallsAWindow256Pipeline) {
  const std::string log =
      deploy_and_telemetry(tmf_test_state_, {"small", "mcu16", "cortex-m4", TMF_DEVICE_FIRMWARE_16K, 701, 512, 3, 22, false, 256});
  // The firmware's own account of its stack (stack painting): inside the 4,096 bytes the small build has.
  std::ifstream in(log);
  std::string line;
  uint32_t peak = 0, size = 0;
  while (std::getline(in, line)) {
    if (const size_t at = line.find("stack peak "); at != std::string::npos) {
      std::sscanf(line.c_str() + at, "stack peak %u of %u", &peak, &size);
    }
  }
  std::printf("small build: stack peak %u of %u bytes\n", peak, size);
  TMF_EXPECT(peak > 0 && peak < size);
}

}  // namespace
}  // namespace tmf_test
