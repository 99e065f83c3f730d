// A 3-axis pipeline end to end (issue 16 item 5) on a 3-channel dataset made by the simulator's
// signal generator (host/sim/multi_axis.h; the shared data has no 3-axis recordings): train
// (DSP features per axis, the autoencoder on the joint features), detect every fault condition on
// held-out windows, float-vs-int8 agreement, windows gathered as the manifest's interleaved frames
// say, eval refusing a dataset of another channel count, the telemetry limit for fleet models,
// and a batch of raw windows with their host outputs for the bit-exactness check under QEMU
// (qemu_pipeline_parity_3axis_cortex-m4, tests/qemu/run_pipeline_parity.sh).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "device/runtime/kernels/dsp_features.h"
#include "host/data/dataset.h"
#include "host/pipeline/evaluate.h"
#include "host/pipeline/pipeline_model.h"
#include "host/pipeline/train_pipeline.h"
#include "host/pipeline/window_set.h"
#include "host/sim/multi_axis.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"
#include <nlohmann/json.hpp>

namespace {

const std::string kWork = std::string(TMF_PIPELINE_WORK) + "_3axis";

void write_bytes(const std::string& path, const void* data, size_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

std::string make_dataset(const std::string& name, uint32_t channels) {
  const std::string dir = kWork + "/" + name;
  std::filesystem::remove_all(dir);
  tmf::sim::MultiAxisDatasetSpec spec;
  spec.channels = channels;
  spec.seconds = 6;
  tmf::sim::multi_axis_dataset_write(spec, dir);
  return dir;
}

tmf::pipeline::TrainOptions three_axis_options(const std::string& dir) {
  tmf::pipeline::TrainOptions o;
  o.data_dir = dir;
  // 3 x (16 bands + ln RMS + kurtosis) = 54 features: within the 64 a device sketches.
  o.features = tmf::pipeline::feature_spec_parse("window=1024,bands=16,stats=rms+kurtosis");
  o.epochs = 30;
  return o;
}

}  // namespace

TMF_TEST(PipelineMultiAxis, ThreeAxisPipelineDetectsAndLeavesAQemuBatch) {
  const std::string dir = make_dataset("data3", 3);
  const tmf::data::Dataset ds = tmf::data::dataset_read(dir);
  TMF_ASSERT(ds.channels() == 3);
  const tmf::pipeline::TrainResult r = tmf::pipeline::train_pipeline(three_axis_options(dir));
  std::printf("3-axis pipeline: %zu B model, threshold %g, int8 AUC %.5f (float %.5f)\n", r.file.size(),
              r.settings.threshold, r.int8_scores.auc, r.float_scores.auc);
  TMF_EXPECT_EQ(r.settings.channels, 3u);
  TMF_ASSERT(r.int8_scores.per_condition.size() == 3);
  for (const auto& [condition, summary] : r.int8_scores.per_condition) {
    std::printf("  %s: int8 AUC %.5f, float AUC %.5f, detected %.4f\n", condition.c_str(), summary.auc,
                r.float_scores.per_condition.at(condition).auc, summary.detection_rate);
    TMF_EXPECT(summary.auc >= 0.99);
  }
  TMF_EXPECT(std::fabs(r.float_scores.auc - r.int8_scores.auc) <= 0.01);

  tmf::pipeline::PipelineModel model(r.file, "3axis.tmf");
  TMF_EXPECT_EQ(model.channels(), 3u);
  TMF_EXPECT_EQ(model.window(), 1024u);
  uint32_t dsp_ops = 0;
  for (uint32_t i = 0; i < model.model().header->op_count; ++i) {
    const tmf::OpRecord& op = model.model().ops[i];
    if (op.opcode != tmf::kOpDspFeatures) continue;
    ++dsp_ops;
    TMF_EXPECT_EQ(op.params_bytes, sizeof(tmf::DspFeaturesChannelsParams));
  }
  TMF_EXPECT_EQ(dsp_ops, 1u);

  // A window as the model takes it: channel c's samples are the file's values t * 3 + c.
  tmf::pipeline::SampleCache cache(ds);
  const std::vector<float> interleaved = ds.recordings[1].load();
  const uint64_t offset = 777;
  const float* w = cache.window({1, offset}, 1024);
  bool same = true;
  for (uint32_t c = 0; c < 3; ++c) {
    for (uint32_t t = 0; t < 1024; ++t) same = same && w[c * 1024 + t] == interleaved[(offset + t) * 3 + c];
  }
  TMF_EXPECT(same);

  std::filesystem::create_directories(kWork);
  write_bytes(kWork + "/model.tmf", r.file.data(), r.file.size());
  tmf::pipeline::EvalOptions e;
  e.model_path = kWork + "/model.tmf";
  e.data_dir = dir;
  const tmf::pipeline::EvalResult ev = tmf::pipeline::evaluate_model(e);
  TMF_EXPECT(ev.skipped_trained_windows > 0);
  for (const auto& [condition, summary] : ev.summary.per_condition) TMF_EXPECT(summary.auc >= 0.99);
  e.data_dir = make_dataset("data1", 1);
  TMF_EXPECT_THROWS(tmf::pipeline::evaluate_model(e), tmf::pipeline::PipelineError,
                    "1 channel(s), but");

  // The QEMU batch: 2 healthy windows from the held-out end and 1 of each fault (5 x 12 KB: the
  // M4 runner reads at most 64 KB of inputs).
  std::vector<float> inputs;
  std::vector<uint8_t> outputs;
  for (uint32_t i = 0; i < ds.recordings.size(); ++i) {
    const auto& rec = ds.recordings[i];
    const int want = rec.condition == "normal" ? 2 : 1;
    for (int k = 0; k < want; ++k) {
      const float* x = cache.window({i, rec.num_samples - (k + 1) * uint64_t{1024} - 5}, 1024);
      inputs.insert(inputs.end(), x, x + 3 * 1024);
      const tmf::pipeline::WindowScore s = model.score(x);
      const auto* bytes = reinterpret_cast<const uint8_t*>(&s.score);
      outputs.insert(outputs.end(), bytes, bytes + 4);
      outputs.push_back(static_cast<uint8_t>(static_cast<int8_t>(s.decision)));
    }
  }
  write_bytes(kWork + "/windows.bin", inputs.data(), inputs.size() * sizeof(float));
  write_bytes(kWork + "/host_outputs.bin", outputs.data(), outputs.size());
}

TMF_TEST(PipelineMultiAxis, FleetModelsKeepEveryAxisFeatureWithinTheTelemetryLimit) {
  const std::string dir = kWork + "/data3";
  if (!std::filesystem::exists(dir + "/manifest.csv")) make_dataset("data3", 3);
  tmf::pipeline::TrainOptions o = three_axis_options(dir);
  o.device_detection.enabled = true;
  o.epochs = 5;
  const tmf::pipeline::TrainResult r = tmf::pipeline::train_pipeline(o);
  TMF_EXPECT_EQ(r.feature_count, 54u);
  TMF_EXPECT_EQ(r.sketch_lo.size(), 54u);
  // 3 x (32 bands + 1) = 99 features would not fit a TELEMETRY batch's 64 sketches.
  o.features = tmf::pipeline::feature_spec_parse("window=1024,bands=32,stats=rms");
  TMF_EXPECT_THROWS(tmf::pipeline::train_pipeline(o), tmf::pipeline::PipelineError,
                    "99 features (3 channel(s) x 33) exceed the 64");
}

// `tinymlops sim-dataset`: a folder dataset_read takes, whose axis 0 is the single-axis machine of
// the same seed sample for sample (SyntheticMachine generated here), and no overwriting.
TMF_TEST(PipelineMultiAxis, SimDatasetCommandWritesAReadableFolder) {
  const std::string dir = tmf::test::temp_path("sim_dataset_2ax");
  const tmf::test::CommandResult r = tmf::test::run_cli("sim-dataset --out " + dir + " --channels 2 --seconds 0.5 --json");
  TMF_ASSERT(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  TMF_EXPECT_EQ(j.at("channels").get<uint32_t>(), 2u);
  TMF_EXPECT_EQ(j.at("recordings").size(), 4u);
  const tmf::data::Dataset ds = tmf::data::dataset_read(dir);
  TMF_EXPECT_EQ(ds.channels(), 2u);
  TMF_ASSERT(ds.recordings.size() == 4 && ds.recordings[0].condition == "normal");
  TMF_EXPECT_EQ(ds.recordings[0].num_samples, 12000u);  // healthy: twice --seconds at 12 kHz
  TMF_EXPECT_EQ(ds.recordings[1].num_samples, 6000u);
  tmf::sim::MachineTimeline timeline;
  timeline.load = tmf::sim::PiecewiseLinear(0.5);
  const tmf::sim::SyntheticMachine axis0(tmf::sim::machine_params_from_seed(1, 12000), timeline);
  std::vector<float> expected(12000);
  axis0.generate(0.0, 12000, expected.data());
  const std::vector<float> planar = ds.recordings[0].load_planar();
  TMF_EXPECT(std::memcmp(planar.data(), expected.data(), 12000 * sizeof(float)) == 0);
  TMF_EXPECT(std::memcmp(planar.data() + 12000, expected.data(), 12000 * sizeof(float)) != 0);
  const tmf::test::CommandResult again = tmf::test::run_cli("sim-dataset --out " + dir);
  TMF_EXPECT_EQ(again.exit_code, 2);
  TMF_EXPECT(again.err.find("refusing to overwrite") != std::string::npos);
  TMF_EXPECT_EQ(tmf::test::run_cli("sim-dataset --help").exit_code, 0);
}
