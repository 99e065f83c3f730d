// Test rig of the device application: a real pipeline model built with the host converter
// (DSP_FEATURES with the normalization as a graph input and raw features out, two Mahalanobis
// detectors with thresholds, TLV 0x101), installed over the air into an agent on the in-memory
// SimPort, and an independent oracle: the same signed file validated again and run by its own
// DetectLoop on its own arena, window by window.
#pragma once

#include <stdint.h>

#include <memory>
#include <vector>

#include "device/app/app.h"
#include "device/detect/model_config.h"
#include "host/convert/aligned_buffer.h"
#include "tests/agent/ota_harness.h"

namespace tmf_test {

constexpr uint32_t kAppWindow = 256;
constexpr uint32_t kAppBands = 8;        // F: band log-powers, no statistics
constexpr uint32_t kAppBaselineWindows = 10;
constexpr uint32_t kAppModelId = 5150;
constexpr uint32_t kAppCyclesPerStep = 1234;  // what CyclePort's counter advances per read pair

// A SimPort whose cycle counter advances kAppCyclesPerStep between two reads (one step).
class CyclePort : public SimPort {
 public:
  CyclePort() : SimPort(1024 * 1024, 4096, 8) {}
  uint32_t cycle_counter() override {
    const uint32_t v = cycles_;
    cycles_ += reads_++ % 2 == 0 ? kAppCyclesPerStep : 7u;  // odd reads: the gap between windows
    return v;
  }

 private:
  uint32_t cycles_ = 0xFFFFF000u;  // wraps during the tests: differences must still be right
  uint32_t reads_ = 0;
};

struct PipelineTestModel {
  std::vector<uint8_t> file;  // unsigned, as converted
  std::vector<uint8_t> golden_input, golden_output;
  tmf::detect::ModelConfig config;
};

// with_config = false leaves out TLV 0x101 (a model the application cannot run). channels > 1: a
// multi-axis model (samples [C, kAppWindow], C * kAppBands features, the detectors over all of them).
PipelineTestModel build_pipeline_model(uint32_t version, float threshold, bool with_config = true,
                                       uint32_t channels = 1);

// Window `index` of a synthetic machine: noise plus a 1 kHz tone; `fault` adds a strong 10 kHz
// tone (band 6 of 8), which drives both detectors.
std::vector<float> machine_window(uint32_t index, bool fault);

// Runs `file` once on `input` (graph inputs concatenated) with the host runtime and returns the
// outputs concatenated (empty if it does not validate or run): a golden pair's output.
std::vector<uint8_t> run_once(const std::vector<uint8_t>& file, const std::vector<uint8_t>& input);

// The oracle: the signed file validated at its own address, its own arena and loop.
struct OracleLoop {
  tmf::host::AlignedBuffer file;
  tmf::host::AlignedBuffer arena;
  std::vector<uint64_t> memory;
  std::vector<float> ranges;
  tmf::Model model{};
  tmf::Interpreter interpreter{};
  tmf::detect::DetectLoop loop{};
  tmf::detect::ModelConfig config{};
  explicit OracleLoop(const std::vector<uint8_t>& signed_file);
  struct Step {
    tmf::detect::DetectWindowResult result;
    float score;
    std::vector<float> raw;  // raw features
  };
  Step step(const std::vector<float>& samples);
};

struct AppRig {
  Keypair key = keypair_from_seed(3);
  std::unique_ptr<TestDevice> device;
  std::unique_ptr<CyclePort> port = std::make_unique<CyclePort>();
  std::unique_ptr<tmf::Agent> agent = std::make_unique<tmf::Agent>();
  SimHost host;
  std::unique_ptr<tmf::App> app = std::make_unique<tmf::App>();
  std::vector<uint64_t> memory;
  std::vector<float> capture;
  tmf::AppConfig config{};

  AppRig();
  // Boots the agent, installs `artifact` over the air, clears the outbox, then app_init and
  // app_on_connect. False if any step fails.
  bool start(const Artifact& artifact, const tmf::AppConfig& app_config);
  bool install(const Artifact& artifact);  // a further update over the air (app not involved)
  // Telemetry messages published since the last take (removed from the outbox; others kept).
  std::vector<std::vector<uint8_t>> take(tmf::OtaTopic topic);
};

tmf::AppConfig default_app_config();

}  // namespace tmf_test
