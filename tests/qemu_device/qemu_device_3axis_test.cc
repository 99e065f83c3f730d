// The 3-axis pipeline through the device loops (POSIX tinymlops-device, the Cortex-M4 firmware and
// the fleet simulator's virtual devices) against the host's own run of the same signed model;
// shares the host rig of qemu_device_rig.h.
#include "tests/qemu_device/qemu_device_rig.h"

#include "device/dsp/stats.h"
#include "host/deploy/deploy_record.h"
#include "host/deploy/signing.h"
#include "host/deploy/update_package.h"
#include "host/sim/scenario_world.h"
#include "host/simulator/virtual_device.h"
#include "tests/support/derived_golden.h"

namespace tmf_test {
namespace {

// Issue 16 item 5: a 3-axis pipeline on the device loops. `tinymlops train --device-detection`
// trains it on a 3-channel dataset (`tinymlops sim-dataset`: 8 bands + ln RMS per axis, 27
// features, window 1,024: 12 KB of inputs, more than a MANIFEST's 4 KB golden input, so the host's
// packager (update_package_build) makes it package type 2, whose self-test input every device
// derives from the signed content hash); the dataset's healthy recording (interleaved x y z frames)
// is the sensor of both the POSIX tinymlops-device (--axes 3 --sensor) and the Cortex-M4 firmware
// (sensor_channels=3). Each installs the signed model over the fleet's TLS broker (its self-test
// on the derived input must equal the host's digest bit for bit); the firmware is then restarted
// so that its first window is the stream's first frames.
// The oracle is the host: the same signed file run window by window by its own detection loop on
// windows gathered here from the file by index (channel c of window w = value (w*N + t)*3 + c);
// every reported score, vote and signal RMS (dsp::stats_compute over the window on the host)
// equals it bit for bit, and each batch's sketch holds all 27
// features with the histogram counted from the host's raw features of the batch's monitoring windows.
constexpr uint32_t kThreeAxisWindow = 1024;
struct ThreeAxisOracle {
  std::vector<float> stream;  // the sensor file, interleaved frames
  OracleLoop loop;
  std::vector<OracleLoop::Step> steps;
  std::vector<float> rms;  // per window, computed here
  ThreeAxisOracle(const std::vector<float>& s, const std::vector<uint8_t>& signed_file) : stream(s), loop(signed_file) {}
  const OracleLoop::Step& at(uint32_t w) {
    while (steps.size() <= w) {
      const size_t k = steps.size();
      const uint32_t n = kThreeAxisWindow;
      std::vector<float> x(3 * n);
      for (uint32_t c = 0; c < 3; ++c) {
        for (uint32_t t = 0; t < n; ++t) x[c * n + t] = stream[((k * n + t) * 3 + c) % stream.size()];
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

TMF_TEST(QemuDevice, ThreeAxisPipelineOnPosixFirmwareAndSimulatorEqualsTheHost) {
  const std::string work = std::string(TMF_QEMU_DEVICE_WORK) + "/three_axis";
  TMF_ASSERT(std::system(("rm -rf '" + work + "' && mkdir -p '" + work + "'").c_str()) == 0);
  const std::string cli = TMF_CLI;
  TMF_ASSERT(std::system((cli + " sim-dataset --out '" + work + "/data' --channels 3 --seconds 1 > '" + work +
                          "/sim.log' 2>&1").c_str()) == 0);
  TMF_ASSERT(std::system((cli + " train --data '" + work + "/data' -o '" + work +
                          "/m.tmf' --features window=1024,bands=8,stats=rms --device-detection --epochs 5 --quiet > '" +
                          work + "/train.log' 2>&1").c_str()) == 0);
  const std::vector<uint8_t> file = read_file(work + "/m.tmf");
  const std::vector<uint8_t> sensor_bytes = read_file(work + "/data/sim_normal_3ax.f32");
  TMF_ASSERT(!file.empty() && sensor_bytes.size() >= 2 * 3 * kThreeAxisWindow * 4);
  std::vector<float> stream(sensor_bytes.size() / 4);
  std::memcpy(stream.data(), sensor_bytes.data(), stream.size() * 4);
  const std::string sensor = work + "/data/sim_normal_3ax.f32";

  // What `tinymlops deploy` sends: the file signed, its MANIFEST from the host's packager with a
  // signed deployment record. The packager's derived input and golden digest equal the spec's
  // (derived_golden_reference: the test's own generator and a run of the runtime).
  std::array<uint8_t, 32> seed;
  seed.fill(31);
  const tmf::deploy::KeyPair key = tmf::deploy::ed25519_keypair_from_seed(seed);
  {
    std::ofstream k(work + "/key.pub", std::ios::binary);
    k.write(reinterpret_cast<const char*>(key.public_key.data()), 32);
  }
  Artifact a;
  a.file = tmf::deploy::model_sign(file, key, "m.tmf");
  const tmf::deploy::UpdatePackage package = tmf::deploy::update_package_build(a.file, 1024, "m.tmf");
  TMF_EXPECT_EQ(package.manifest.package_type, tmf::kOtaPackageTmf1DerivedGolden);
  TMF_EXPECT_EQ(package.golden_input.size(), 3u * kThreeAxisWindow * 4);
  std::vector<uint8_t> reference_input, reference_output;
  TMF_ASSERT(derived_golden_reference(a.file, &reference_input, &reference_output));
  TMF_EXPECT(package.golden_input == reference_input);
  uint8_t reference_digest[32];
  tmf::sha256(reference_output.data(), reference_output.size(), reference_digest);
  TMF_EXPECT_BYTES_EQ(package.manifest.golden_output_sha256, reference_digest, 32);
  a.manifest = package.manifest;
  a.manifest.update_id = 901;
  a.manifest_bytes = package.manifest_bytes(901, tmf::deploy::deploy_record_sign(package.manifest, {"plant", "test", 901, 0}, key));
  TMF_EXPECT_EQ(a.manifest_bytes.size(), tmf::kOtaManifestFixedBytes + tmf::kOtaDeployRecordBytes);

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

  // The fleet simulator's virtual devices (host/simulator, the same agent and app in-process) on a
  // scenario group whose machines have 3 axes (host/sim/multi_axis.h): a healthy one and one with
  // an outer-race defect from t = 0. Each installs the package-2 model (derived self-test) and runs
  // 12 windows of its machine at scenario times 0, 1, ... s; the oracle runs the host's loop on the
  // same machine's frames (make_device_source, deinterleaved here) at the same times.
  {
    const tmf::sim::Scenario scenario = tmf::sim::scenario_parse(
        R"({"name": "three-axis", "seed": 5, "duration_s": 60, "window_period_s": 1, "fleet": "plant",
            "groups": [{"name": "test", "devices": 2, "axes": 3, "load": 0.5}],
            "events": [{"at_s": 0, "kind": "fault", "group": "test", "devices": [1], "fault": "outer_race",
                        "max_severity": 0.6}]})",
        "three_axis.json", "");
    std::array<float, 2> mean_score{};
    for (uint32_t i = 0; i < 2; ++i) {
      const std::string id = tmf::sim::device_id("test", i);
      OracleLoop oracle(a.file);
      Host host;
      connect_host(&host, id);
      tmf::simulator::VirtualDeviceOptions o;
      o.fleet = "plant";
      o.id = id;
      o.group = "test";
      o.broker_port = broker.port();
      const tmf::test::TlsIdentity tls = broker.device(id);
      o.tls = {tls.ca, tls.cert, tls.key};
      o.flash_path = work + "/" + id + ".flash";
      o.trusted_keys = {key.public_key};
      o.seed = tmf::sim::device_seed(scenario, "test", i);
      tmf::simulator::VirtualDevice device(o, tmf::sim::make_device_source(scenario, "test", i));
      TMF_EXPECT_EQ(device.axes(), 3u);
      device.start();
      TMF_EXPECT(wait_for(&host, [&] { device.step(0, 1); return host.presence == 1 && host.has_status; }, 60));
      host.artifact = &a;
      publish(&host, "manifest", a.manifest_bytes, 1);
      TMF_EXPECT(wait_for(&host, [&] {
        device.step(0, 1);
        return find_event(host, 901, tmf::OtaEvent::kOtaEventConfirmed) != nullptr;
      }, 60));
      device.set_next_window(0);
      for (uint32_t w = 0; w < 12; ++w) device.step(w, 1);
      const auto source = tmf::sim::make_device_source(scenario, "test", i);
      uint32_t mismatches = 0;
      for (const tmf::simulator::WindowRecord& r : device.windows()) {
        std::vector<float> frames(3 * kThreeAxisWindow), x(3 * kThreeAxisWindow);
        source->generate(r.t_s, kThreeAxisWindow, frames.data());
        for (uint32_t c = 0; c < 3; ++c) {
          for (uint32_t t = 0; t < kThreeAxisWindow; ++t) x[c * kThreeAxisWindow + t] = frames[t * 3 + c];
        }
        const OracleLoop::Step e = oracle.step(x);
        uint32_t got = 0, want = 0;
        std::memcpy(&got, &r.score, 4);
        std::memcpy(&want, &e.score, 4);
        mismatches += got != want;
        mean_score[i] += r.score / static_cast<float>(device.windows().size());
      }
      std::printf("3-axis simulator %s: %zu windows, %u differ from the host, mean score %.3f\n", id.c_str(),
                  device.windows().size(), mismatches, static_cast<double>(mean_score[i]));
      TMF_EXPECT_EQ(device.windows().size(), 12u);
      TMF_EXPECT_EQ(mismatches, 0u);
      device.drain();
      mosquitto_destroy(host.mosq);
    }
  }
  mosquitto_lib_cleanup();
}

}  // namespace
}  // namespace tmf_test
