// End to end on the real bearing recordings: train the default pipeline (int8 autoencoder) on
// the first part of the healthy recording, check detection on held-out windows (every fault
// condition), float-vs-int8 agreement, that `eval` skips the windows the model was trained on,
// and leave the model plus a batch of raw windows and their host outputs for the bit-exactness
// check under QEMU (tests/qemu/run_pipeline_parity.sh, a ctest that depends on this one).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "host/data/dataset.h"
#include "host/pipeline/evaluate.h"
#include "host/pipeline/pipeline_model.h"
#include "host/pipeline/train_pipeline.h"
#include "host/pipeline/window_set.h"
#include "tests/support/tmf_test.h"

namespace {

const std::string kBearing = std::string(TMF_SHARED_DIR) + "/data/bearing";
const std::string kWork = TMF_PIPELINE_WORK;

void write_bytes(const std::string& path, const void* data, size_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

}  // namespace

TMF_TEST(PipelineE2E, DefaultAutoencoderDetectsEveryFaultCondition) {
  tmf::pipeline::TrainOptions o;
  o.data_dir = kBearing;
  const tmf::pipeline::TrainResult r = tmf::pipeline::train_pipeline(o);
  std::printf("pipeline e2e: %zu B model, threshold %g, int8 AUC %.5f (float %.5f)\n", r.file.size(),
              r.settings.threshold, r.int8_scores.auc, r.float_scores.auc);
  TMF_ASSERT(r.int8_scores.per_condition.size() == 3);  // ball, inner_race, outer_race
  for (const auto& [condition, summary] : r.int8_scores.per_condition) {
    std::printf("  %s: int8 AUC %.5f, float AUC %.5f, detected %.4f\n", condition.c_str(), summary.auc,
                r.float_scores.per_condition.at(condition).auc, summary.detection_rate);
    TMF_EXPECT(summary.auc >= 0.99);
    TMF_EXPECT(r.float_scores.per_condition.at(condition).auc - summary.auc <= 0.005);
  }
  TMF_EXPECT(r.float_scores.auc - r.int8_scores.auc <= 0.005);

  std::filesystem::create_directories(kWork);
  write_bytes(kWork + "/model.tmf", r.file.data(), r.file.size());

  // eval on the same folder never scores a window overlapping the trained (train + validation)
  // part of the healthy recording: only its last 30 % remains.
  tmf::pipeline::EvalOptions e;
  e.model_path = kWork + "/model.tmf";
  e.data_dir = kBearing;
  const tmf::pipeline::EvalResult ev = tmf::pipeline::evaluate_model(e);
  TMF_EXPECT(ev.skipped_trained_windows > 0);
  const tmf::data::Dataset ds = tmf::data::dataset_read(kBearing);
  uint64_t normal_samples = 0;
  for (const auto& rec : ds.recordings) normal_samples += rec.condition == "normal" ? rec.num_samples : 0;
  const uint64_t test_part_windows = (normal_samples * 3 / 10) / r.settings.hop + 1;
  TMF_EXPECT(ev.summary.healthy_windows <= test_part_windows);
  TMF_EXPECT(ev.summary.healthy_windows > 0);
  for (const auto& [condition, summary] : ev.summary.per_condition) TMF_EXPECT(summary.auc >= 0.99);

  // A batch for the QEMU parity check: 4 healthy windows from the held-out part and 2 windows of
  // each fault condition, raw float32 back to back, and the host runtime's outputs for them
  // (float32 score + int8 decision per window, as `tinymlops run` writes them).
  tmf::pipeline::PipelineModel model(r.file, "model.tmf");
  tmf::pipeline::SampleCache cache(ds);
  std::vector<float> inputs;
  std::vector<uint8_t> outputs;
  std::map<std::string, int> taken;
  for (uint32_t i = 0; i < ds.recordings.size(); ++i) {
    const auto& rec = ds.recordings[i];
    const int want = rec.condition == "normal" ? 4 : 2;
    for (int k = 0; k < want && taken[rec.condition] < want; ++k) {
      const uint64_t offset = rec.num_samples - (k + 1) * uint64_t{r.settings.window} - 7;
      const float* w = cache.window({i, offset}, r.settings.window);
      inputs.insert(inputs.end(), w, w + r.settings.window);
      const tmf::pipeline::WindowScore s = model.score(w);
      const auto* bytes = reinterpret_cast<const uint8_t*>(&s.score);
      outputs.insert(outputs.end(), bytes, bytes + 4);
      outputs.push_back(static_cast<uint8_t>(static_cast<int8_t>(s.decision)));
      TMF_EXPECT_EQ(s.decision, rec.condition == "normal" ? s.score > r.settings.threshold : 1);
      ++taken[rec.condition];
    }
  }
  write_bytes(kWork + "/windows.bin", inputs.data(), inputs.size() * sizeof(float));
  write_bytes(kWork + "/host_outputs.bin", outputs.data(), outputs.size());
}

TMF_TEST(PipelineE2E, EveryDetectorKindBuildsARunnableFileThatDetects) {
  for (const char* kind : {"kmeans", "gmm", "mahalanobis", "mlp", "cnn1d"}) {
    tmf::pipeline::TrainOptions o;
    o.data_dir = kBearing;
    o.detector = kind;
    o.epochs = 15;  // enough for these separable conditions; keeps the test short
    const tmf::pipeline::TrainResult r = tmf::pipeline::train_pipeline(o);
    std::printf("  %s: %zu B, int8 AUC %.5f, float AUC %.5f, false alarms %.4f\n", kind, r.file.size(),
                r.int8_scores.auc, r.float_scores.auc, r.int8_scores.false_alarm_rate);
    for (const auto& [condition, summary] : r.int8_scores.per_condition) TMF_EXPECT(summary.auc >= 0.99);
    TMF_EXPECT(r.float_scores.auc - r.int8_scores.auc <= 0.005);
    // The classifiers carry their classes as labels and a probabilities output.
    tmf::pipeline::PipelineModel model(r.file, kind);
    const bool classifier = std::string(kind) == "mlp" || std::string(kind) == "cnn1d";
    TMF_EXPECT_EQ(model.model().header->output_count, classifier ? 3 : 2);
    TMF_EXPECT_EQ(model.settings().classes.size(), classifier ? 4u : 0u);
  }
}

TMF_TEST(PipelineE2E, SameSeedSameFile) {
  tmf::pipeline::TrainOptions o;
  o.data_dir = kBearing;
  o.epochs = 20;
  const std::vector<uint8_t> a = tmf::pipeline::train_pipeline(o).file;
  const std::vector<uint8_t> b = tmf::pipeline::train_pipeline(o).file;
  o.seed = 2;
  const std::vector<uint8_t> c = tmf::pipeline::train_pipeline(o).file;
  TMF_EXPECT(a == b);
  TMF_EXPECT(a != c);
}
