// The 3-axis pipeline through the device loops (POSIX tinymlops-device and the Cortex-M4 firmware)
// against the host's own run of the same signed model; shares the host rig of qemu_device_rig.h.
#include "tests/qemu_device/qemu_device_rig.h"

#include "device/dsp/stats.h"

namespace tmf_test {
namespace {

// Issue 16 item 5: a 3-axis pipeline on the device loops. `tinymlops train --device-detection`
// trains it on a 3-channel dataset (`tinymlops sim-dataset`: 8 bands + ln RMS per axis, 27
// features, window 256: its 3 KB golden input fits a MANIFEST); the dataset's healthy recording
// (interleaved x y z frames) is the sensor of both the POSIX tinymlops-device (--axes 3 --sensor)
// and the Cortex-M4 firmware (sensor_channels=3). Each installs the signed model over the fleet's
// TLS broker; the firmware is then restarted so that its first window is the stream's first frames.
// The oracle is the host: the same signed file run window by window by its own detection loop on
// windows gathered here from the file by index (channel c of window w = value (w*256 + t)*3 + c);
// every reported score, vote and signal RMS (dsp::stats_compute over the window on the host)
// equals it bit for bit, and each batch's sketch holds all 27
// features with the histogram counted from the host's raw features of the batch's monitoring windows.
struct ThreeAxisOracle {
  std::vector<float> stream;  // the sensor file, interleaved frames
  OracleLoop loop;
  std::vector<OracleLoop::Step> steps;
  std::vector<float> rms;  // per window, computed here
  ThreeAxisOracle(const std::vector<float>& s, const std::vector<uint8_t>& signed_file) : stream(s), loop(signed_file) {}
  const OracleLoop::Step& at(uint32_t w) {
    while (steps.size() <= w) {
      const size_t k = steps.size();
      std::vector<float> x(3 * 256);
      for (uint32_t c = 0; c < 3; ++c) {
        for (uint32_t t = 0; t < 256; ++t) x[c * 256 + t] = stream[((k * 256 + t) * 3 + c) % stream.size()];
      }
      steps.push_back(loop.step(x));
      tmf::dsp::SignalStats st{};
      rms.push_back(tmf::dsp::stats_compute(x.data(), static_cast<uint32_t>(x.size()), &st) == tmf::dsp::DspStatus::kOk
                        ? st.rms
                        : -1.0f);
    }
    return steps[w];
  }
};

// Checks every batch of `boot` against the oracle; returns the windows checked.
uint32_t check_three_axis_batches(TmfTestState* tmf_test_state_, const Host& host, uint32_t boot, ThreeAxisOracle* oracle,
                                  const char* who) {
  uint32_t windows = 0, mismatches = 0;
  std::set<uint32_t> firsts;
  for (const Host::Batch& b : host.batches) {
    if (b.boot_count != boot || !firsts.insert(b.first_window).second) continue;  // resends: once
    std::vector<uint32_t> hist(b.feature_count * b.bins, 0);
    const tmf::detect::ModelConfig& c = oracle->loop.config;
    for (uint32_t j = 0; j < b.scores.size(); ++j) {
      const OracleLoop::Step& e = oracle->at(b.first_window + j);
      uint32_t got = 0, want = 0;
      std::memcpy(&got, &b.scores[j], 4);
      std::memcpy(&want, &e.score, 4);
      mismatches += got != want || b.votes[j] != e.result.votes;
      uint32_t got_rms = 0, want_rms = 0;
      if (j < b.rms.size()) std::memcpy(&got_rms, &b.rms[j], 4);
      std::memcpy(&want_rms, &oracle->rms[b.first_window + j], 4);
      mismatches += j >= b.rms.size() || got_rms != want_rms;  // both device builds send RMS
      if (e.result.phase == tmf::detect::DetectPhase::kMonitoring) {
        for (uint32_t f = 0; f < b.feature_count && f < e.raw.size(); ++f) {
          ++hist[f * b.bins + tmf::detect::sketch_bin(e.raw[f], c.sketch_lo[f], c.sketch_hi[f], b.bins)];
        }
      }
      ++windows;
    }
    TMF_EXPECT_EQ(b.feature_count, 27u);
    TMF_EXPECT_EQ(b.bins, c.sketch_bins);
    bool same_hist = b.histogram.size() == hist.size();
    for (size_t i = 0; same_hist && i < hist.size(); ++i) same_hist = b.histogram[i] == hist[i];
    TMF_EXPECT(same_hist);
  }
  std::printf("3-axis %s: %u windows of boot %u, %u differ from the host\n", who, windows, boot, mismatches);
  TMF_EXPECT_EQ(mismatches, 0u);
  return windows;
}

TMF_TEST(QemuDevice, ThreeAxisPipelineOnPosixAndFirmwareEqualsTheHost) {
  const std::string work = std::string(TMF_QEMU_DEVICE_WORK) + "/three_axis";
  TMF_ASSERT(std::system(("rm -rf '" + work + "' && mkdir -p '" + work + "'").c_str()) == 0);
  const std::string cli = TMF_CLI;
  TMF_ASSERT(std::system((cli + " sim-dataset --out '" + work + "/data' --channels 3 --seconds 1 > '" + work +
                          "/sim.log' 2>&1").c_str()) == 0);
  TMF_ASSERT(std::system((cli + " train --data '" + work + "/data' -o '" + work +
                          "/m.tmf' --features window=256,bands=8,stats=rms --device-detection --epochs 5 --quiet > '" +
                          work + "/train.log' 2>&1").c_str()) == 0);
  const std::vector<uint8_t> file = read_file(work + "/m.tmf");
  const std::vector<uint8_t> sensor_bytes = read_file(work + "/data/sim_normal_3ax.f32");
  TMF_ASSERT(!file.empty() && sensor_bytes.size() >= 2 * 3 * 256 * 4);
  std::vector<float> stream(sensor_bytes.size() / 4);
  std::memcpy(stream.data(), sensor_bytes.data(), stream.size() * 4);
  const std::string sensor = work + "/data/sim_normal_3ax.f32";

  // The golden pair: the stream's first window, channel-major (the model's only input).
  std::vector<float> first(3 * 256);
  for (uint32_t c = 0; c < 3; ++c) {
    for (uint32_t t = 0; t < 256; ++t) first[c * 256 + t] = stream[t * 3 + c];
  }
  std::vector<uint8_t> golden_input(first.size() * 4);
  std::memcpy(golden_input.data(), first.data(), golden_input.size());
  const std::vector<uint8_t> golden_output = run_once(file, golden_input);
  TMF_ASSERT(!golden_output.empty());
  const Keypair key = keypair_from_seed(31);
  {
    std::ofstream k(work + "/key.pub", std::ios::binary);
    k.write(reinterpret_cast<const char*>(key.public_key), 32);
  }
  Artifact a = make_artifact(file, key, 901, golden_input, golden_output, 1024);
  std::strcpy(a.manifest.record.fleet, "plant");  // both devices' fleet
  a.sign_record();

  tmf::test::FleetBroker broker(work + "/broker", "plant");
  mosquitto_lib_init();
  auto connect_host = [&](Host* host, const std::string& id) {
    host->prefix = "tmf/plant/" + id + "/";
    host->mosq = mosquitto_new(("test-host-" + id).c_str(), true, host);
    tmf::test::tls_set(host->mosq, broker.service_identity(tmf::fleet::FleetService::kFleetServiceDeploy));
    mosquitto_message_callback_set(host->mosq, on_message);
    TMF_EXPECT(mosquitto_connect(host->mosq, "127.0.0.1", broker.port(), 10) == MOSQ_ERR_SUCCESS);
    mosquitto_subscribe(host->mosq, nullptr, (host->prefix + "#").c_str(), 1);
    mosquitto_loop(host->mosq, 100, 1);
  };
  auto install = [&](Host* host) {
    TMF_EXPECT(wait_for(host, [&] { return host->presence == 1 && host->has_status; }, 60));
    host->artifact = &a;
    publish(host, "manifest", a.manifest_bytes, 1);
    TMF_EXPECT(wait_for(host, [&] { return find_event(*host, 901, tmf::OtaEvent::kOtaEventConfirmed) != nullptr; }, 120));
  };

  // The POSIX device: the sensor file's frames from its first window on.
  {
    ThreeAxisOracle oracle(stream, a.file);
    Host host;
    connect_host(&host, "px3");
    std::vector<std::string> argv = {TMF_DEVICE_EXE, "--id", "px3", "--fleet", "plant", "--group", "test",
                                     "--flash", work + "/px3.flash", "--trusted-key", work + "/key.pub",
                                     "--infer-ms", "20", "--axes", "3", "--sensor", sensor, "--quiet"};
    for (const std::string& f : broker.device_flags("px3")) argv.push_back(f);
    const pid_t device = tmf::test_support::spawn_logged(argv, work + "/px3.log", false);
    install(&host);
    const uint32_t boot = host.status.boot_count;
    TMF_EXPECT(wait_for(&host, [&] {
      uint32_t n = 0;
      for (const Host::Batch& b : host.batches) n += b.boot_count == boot ? 1 : 0;
      return n >= 3;
    }, 30));
    stop(device);
    TMF_EXPECT(check_three_axis_batches(tmf_test_state_, host, boot, &oracle, "tinymlops-device") >= 24);
    mosquitto_destroy(host.mosq);
  }

  // The firmware under QEMU (Cortex-M4): install, then a cold start whose windows start at the
  // stream's first frame.
  {
    ThreeAxisOracle oracle(stream, a.file);
    Host host;
    connect_host(&host, "mcu3");
    const std::string link = "tcp:127.0.0.1:" + std::to_string(tmf::test_support::free_loopback_port());
    auto start_device = [&](const std::string& log) {
      return tmf::test_support::spawn_logged(
          {TMF_QEMU_DEVICE_SCRIPT, "--core", "cortex-m4", "--id", "mcu3", "--flash", work + "/mcu3.flash", "--link",
           link, "--trusted-key", work + "/key.pub", "--fleet", "plant", "--group", "test", "--sensor", sensor,
           "--trial-windows", "2", "--elf", TMF_DEVICE_FIRMWARE, "--", "sensor_channels=3", "window_ms=20"},
          log, false);
    };
    pid_t device = start_device(work + "/mcu3_install.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const pid_t gateway = tmf::test_support::spawn_logged(gateway_argv(broker, link, "mcu3"), work + "/gateway.log", false);
    install(&host);
    const uint32_t install_boot = host.status.boot_count;
    stop(device);
    host.batches.clear();
    device = start_device(work + "/mcu3.log");
    TMF_EXPECT(wait_for(&host, [&] {
      return host.status.boot_count > install_boot && host.status.active_model_version == 1;
    }, 60));
    const uint32_t boot = host.status.boot_count;
    TMF_EXPECT(wait_for(&host, [&] {
      uint32_t n = 0;
      for (const Host::Batch& b : host.batches) n += b.boot_count == boot ? 1 : 0;
      return n >= 2;
    }, 60));
    stop(gateway);
    stop(device);
    TMF_EXPECT(check_three_axis_batches(tmf_test_state_, host, boot, &oracle, "firmware (cortex-m4)") >= 16);
    mosquitto_destroy(host.mosq);
  }
  mosquitto_lib_cleanup();
}

}  // namespace
}  // namespace tmf_test
