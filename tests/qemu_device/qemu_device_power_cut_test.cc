// Power cuts during an update of the bare-metal device under QEMU (Cortex-M4, the gateway, the
// fleet's mutual-TLS broker); shares the host rig of qemu_device_rig.h. The end-to-end install,
// telemetry, collect and revert tests: qemu_device_test.cc.
#include "tests/qemu_device/qemu_device_rig.h"

namespace tmf_test {
namespace {

// Power cuts: QEMU stopped by the firmware's cut=N (exit 137 just before flash operation N of
// the boot) at 20 seeded N spread over an update's flash operations (erase, download, trial and
// confirm records), each time from the same flash image with model v1. After every cut the
// device boots again without a cut: it must boot a valid model (v1 or v2, per its STATUS and its
// boot line) and then complete the update to v2 when the host offers it again.
TMF_TEST(QemuDevice, PowerCutsAtSeededInstantsAlwaysBootAValidModel) {
  const std::string work = std::string(TMF_QEMU_DEVICE_WORK) + "/power_cut";
  TMF_ASSERT(std::system(("rm -rf '" + work + "' && mkdir -p '" + work + "'").c_str()) == 0);
  // The fleet's generated mutual-TLS broker: the test host speaks as the deploy service, the
  // gateway with the device's own certificate (so the broker lets it speak only as that device).
  tmf::test::FleetBroker broker(work + "/broker", "plant");
  const int broker_port = broker.port();
  const int link_port = tmf::test_support::free_loopback_port();
  const Keypair key = keypair_from_seed(22);
  {
    std::ofstream k(work + "/key.pub", std::ios::binary);
    k.write(reinterpret_cast<const char*>(key.public_key), 32);
  }
  {
    std::ofstream s(work + "/sensor.f32", std::ios::binary);
    for (uint32_t i = 0; i < 200; ++i) {
      const std::vector<float> w = machine_window(i, false);
      s.write(reinterpret_cast<const char*>(w.data()), static_cast<std::streamsize>(w.size() * sizeof(float)));
    }
  }
  const PipelineTestModel m1 = build_pipeline_model(1, 4.0f);
  const PipelineTestModel m2 = build_pipeline_model(2, 4.0f);
  const Artifact a1 = make_artifact(m1.file, key, 701, m1.golden_input, m1.golden_output, 1024);
  const Artifact a2 = make_artifact(m2.file, key, 702, m2.golden_input, m2.golden_output, 1024);

  Host host;
  host.prefix = "tmf/plant/mcu2/";
  mosquitto_lib_init();
  host.mosq = mosquitto_new("test-host-cut", true, &host);
  tmf::test::tls_set(host.mosq, broker.service_identity(tmf::fleet::FleetService::kFleetServiceDeploy));
  mosquitto_message_callback_set(host.mosq, on_message);
  TMF_ASSERT(mosquitto_connect(host.mosq, "127.0.0.1", broker_port, 10) == MOSQ_ERR_SUCCESS);
  mosquitto_subscribe(host.mosq, nullptr, "tmf/plant/mcu2/#", 1);
  mosquitto_loop(host.mosq, 100, 1);
  const std::string link = "tcp:127.0.0.1:" + std::to_string(link_port);
  // One gateway for every run: it must follow the device across all the QEMU restarts.
  const pid_t gateway = tmf::test_support::spawn_logged(
      gateway_argv(broker, link, "mcu2"),
      work + "/gateway.log", false);
  auto start_device = [&](const std::string& flash, const std::string& extra, const std::string& log) {
    std::vector<std::string> argv = {TMF_QEMU_DEVICE_SCRIPT, "--core", "cortex-m4", "--id", "mcu2", "--flash", flash,
                                     "--link", link, "--trusted-key", work + "/key.pub", "--fleet", "test-fleet", "--group", "test", "--sensor",
                                     work + "/sensor.f32", "--trial-windows", "3", "--elf", TMF_DEVICE_FIRMWARE};
    if (!extra.empty()) {
      argv.push_back("--");
      argv.push_back(extra);
    }
    host.presence = -1;
    host.has_status = false;
    return tmf::test_support::spawn_logged(argv, log, false);
  };
  auto online = [&] { return wait_for(&host, [&] { return host.presence == 1 && host.has_status; }, 60); };
  auto install = [&](const Artifact& a, double seconds) {
    host.artifact = &a;
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < end) {
      publish(&host, "manifest", a.manifest_bytes, 1);  // again every 5 s: a lost offer is repeated
      if (wait_for(&host, [&] { return find_event(host, a.manifest.update_id, tmf::OtaEvent::kOtaEventConfirmed) != nullptr; }, 5)) {
        return true;
      }
    }
    return false;
  };

  // The base image: v1 installed and confirmed.
  pid_t device = start_device(work + "/base.flash", "", work + "/base.log");
  TMF_ASSERT(online());
  TMF_ASSERT(install(a1, 120));
  stop(device);
  // How many flash operations a boot plus the update to v2 take.
  TMF_ASSERT(std::system(("cp '" + work + "/base.flash' '" + work + "/measure.flash'").c_str()) == 0);
  host.events.clear();
  device = start_device(work + "/measure.flash", "", work + "/measure.log");
  TMF_ASSERT(online());
  TMF_ASSERT(install(a2, 120));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop(device);
  uint32_t total_ops = 0;
  {
    std::ifstream in(work + "/measure.log");
    std::string line;
    const std::string tag = "flash operations since boot: ";
    while (std::getline(in, line)) {
      if (const size_t at = line.find(tag); at != std::string::npos) total_ops = std::stoul(line.substr(at + tag.size()));
    }
  }
  TMF_ASSERT(total_ops > 10);
  std::printf("power cuts: a boot plus the update take %u flash operations\n", total_ops);

  std::mt19937 rng(14);
  uint32_t cut_runs = 0, booted_v1 = 0, booted_v2 = 0;
  for (int k = 0; k < 20; ++k) {
    const uint32_t cut = rng() % total_ops;
    const std::string flash = work + "/cut" + std::to_string(k) + ".flash";
    TMF_ASSERT(std::system(("cp '" + work + "/base.flash' '" + flash + "'").c_str()) == 0);
    host.events.clear();
    device = start_device(flash, "cut=" + std::to_string(cut), work + "/cut" + std::to_string(k) + ".log");
    TMF_EXPECT(online() || cut < 2);  // a cut at the boot's own records stops it before the link
    host.artifact = &a2;
    publish(&host, "manifest", a2.manifest_bytes, 1);
    int status = 0;
    bool exited = false;
    const auto end = Clock::now() + std::chrono::seconds(120);
    while (!exited && Clock::now() < end) {
      mosquitto_loop(host.mosq, 20, 1);
      exited = waitpid(device, &status, WNOHANG) == device;
    }
    TMF_EXPECT(exited && WIFEXITED(status) && WEXITSTATUS(status) == 137);
    if (!exited) stop(device);
    ++cut_runs;
    // Power back: a valid model must run, then the update completes when offered again.
    host.events.clear();
    device = start_device(flash, "", work + "/after" + std::to_string(k) + ".log");
    TMF_EXPECT(online());
    const uint32_t v = host.status.active_model_version;
    TMF_EXPECT(v == 1 || v == 2);
    booted_v1 += v == 1;
    booted_v2 += v == 2;
    TMF_EXPECT(count_in_file(work + "/after" + std::to_string(k) + ".log", "model 5150 v" + std::to_string(v)) >= 1);
    TMF_EXPECT(install(a2, 120) || (host.has_status && host.status.active_model_version == 2 &&
                                    host.status.state == tmf::OtaState::kOtaStateIdle));
    TMF_EXPECT(wait_for(&host, [&] { return host.status.active_model_version == 2; }, 10));
    stop(device);
  }
  std::printf("power cuts: %u runs, first boot after the cut ran v1 %u times, v2 %u times\n", cut_runs, booted_v1,
              booted_v2);
  TMF_EXPECT_EQ(cut_runs, 20u);

  // And at arbitrary instants: QEMU killed (SIGKILL) a seeded time after the offer, anywhere in
  // download, verify, trial or confirm; the flash file is whatever was written through by then.
  const std::string pid_file = work + "/qemu.pid";
  setenv("TMF_QEMU_PID_FILE", pid_file.c_str(), 1);
  uint32_t kill_runs = 0;
  for (int k = 0; k < 8; ++k) {
    const uint32_t delay_ms = rng() % 2500;
    const std::string flash = work + "/kill" + std::to_string(k) + ".flash";
    TMF_ASSERT(std::system(("cp '" + work + "/base.flash' '" + flash + "'").c_str()) == 0);
    std::remove(pid_file.c_str());
    host.events.clear();
    device = start_device(flash, "", work + "/kill" + std::to_string(k) + ".log");
    TMF_EXPECT(online());
    host.artifact = &a2;
    publish(&host, "manifest", a2.manifest_bytes, 1);
    wait_for(&host, [] { return false; }, delay_ms / 1000.0);
    int qemu_pid = 0;
    {
      std::ifstream in(pid_file);
      in >> qemu_pid;
    }
    TMF_EXPECT(qemu_pid > 0);
    if (qemu_pid > 0) kill(qemu_pid, SIGKILL);
    int status = 0;
    waitpid(device, &status, 0);
    ++kill_runs;
    host.events.clear();
    device = start_device(flash, "", work + "/killed_after" + std::to_string(k) + ".log");
    TMF_EXPECT(online());
    const uint32_t v = host.status.active_model_version;
    TMF_EXPECT(v == 1 || v == 2);
    TMF_EXPECT(install(a2, 120) || (host.has_status && host.status.active_model_version == 2 &&
                                    host.status.state == tmf::OtaState::kOtaStateIdle));
    TMF_EXPECT(wait_for(&host, [&] { return host.status.active_model_version == 2; }, 10));
    stop(device);
    std::printf("power cuts: SIGKILL %u ms after the offer: booted v%u, then v2 confirmed\n", delay_ms, v);
  }
  unsetenv("TMF_QEMU_PID_FILE");
  TMF_EXPECT_EQ(kill_runs, 8u);
  stop(gateway);
  mosquitto_destroy(host.mosq);
  mosquitto_lib_cleanup();
}

}  // namespace
}  // namespace tmf_test
