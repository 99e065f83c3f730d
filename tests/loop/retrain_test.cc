// The loop's retraining step on captures from synthetic machines: a dataset from captures, a
// signed fleet model with its detection settings, lineage and promotion in the registry, and the
// champion/challenger decision after a load change (the physical expectation is the oracle: a
// model trained at load 0.5 alarms on healthy windows at load 0.95 at least ten times as often as
// its calibrated 1 %, while one trained at 0.95 stays under 5 %).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "device/detect/model_config.h"
#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"
#include "host/data/dataset.h"
#include "host/deploy/signing.h"
#include "host/loop/capture_dataset.h"
#include "host/loop/loop_error.h"
#include "host/loop/retrain.h"
#include "tests/loop/synthetic_captures.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("tmf_loop_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A dataset folder `dir` from captures of `machines` synthetic pumps stored in `registry`.
void dataset(registry::Registry& registry, double load, uint32_t machines, uint32_t samples, const fs::path& dir) {
  loop::write_capture_dataset(test::synthetic_captures(registry.db(), load, machines, samples), dir.string(),
                              loop::capture_samples_from_store(registry.db()));
}

TMF_TEST(LoopCaptureDataset, WritesADatasetTrainingReads) {
  const fs::path dir = fresh_dir("dataset");
  registry::Registry registry((dir / "registry").string());
  const std::vector<loop::CapturePart> c = test::synthetic_captures(registry.db(), 0.5, 3, 4096);
  const loop::CaptureSamples stored = loop::capture_samples_from_store(registry.db());
  loop::write_capture_dataset(c, (dir / "ds").string(), stored);
  const data::Dataset ds = data::dataset_read((dir / "ds").string());
  TMF_ASSERT(ds.recordings.size() == 3);
  const std::vector<float> copy = ds.recordings[1].load();
  TMF_EXPECT(copy == test::synthetic_signal(0.5, 1, 4096));  // regenerated: the same machine, not the store
  TMF_EXPECT(ds.recordings[1].condition == std::string("normal"));
  TMF_EXPECT(!fs::exists(dir / "ds.tmp"));
  // A second write must not overwrite what a model was trained on.
  TMF_EXPECT_THROWS(loop::write_capture_dataset(c, (dir / "ds").string(), stored), loop::LoopError, "exists already");
  fs::remove_all(dir);
}

TMF_TEST(LoopCaptureDataset, NamesTheBadCapture) {
  const fs::path dir = fresh_dir("bad");
  registry::Registry registry((dir / "registry").string());
  std::vector<loop::CapturePart> c = test::synthetic_captures(registry.db(), 0.5, 2, 2048);
  const loop::CaptureSamples stored = loop::capture_samples_from_store(registry.db());
  c[1].samples = 4096;  // the store holds 2048
  TMF_EXPECT_THROWS(loop::write_capture_dataset(c, (dir / "ds").string(), stored), loop::LoopError,
                    "capture " + std::to_string(c[1].capture_id) + " of pump-1 has 8192 bytes, expected at least 16384");
  c[1].samples = 2048;
  // Samples missing: received before schema 16, the file never copied in.
  registry::Statement(registry.db(), "UPDATE captures SET content = NULL WHERE id = ?").bind(1, int64_t{c[1].capture_id}).run();
  TMF_EXPECT_THROWS(loop::write_capture_dataset(c, (dir / "ds2").string(), stored), loop::LoopError,
                    "of pump-1: cannot read its samples: capture " + std::to_string(c[1].capture_id) +
                        " of pump-1: samples missing");
  TMF_EXPECT(!fs::exists(dir / "ds") && !fs::exists(dir / "ds2") && !fs::exists(dir / "ds2.tmp"));
  fs::remove_all(dir);
}

// The challenge's held-out data is whole uploads: every part of a capture on one side.
TMF_TEST(LoopCaptureSplit, HoldsOutWholeUploads) {
  std::vector<loop::CapturePart> parts;
  for (uint32_t id : {14u, 10u, 11u, 12u, 11u, 13u}) {
    loop::CapturePart c;
    c.capture_id = id;
    parts.push_back(c);
  }
  const loop::CaptureSplit split = loop::capture_split_by_upload(parts);
  TMF_ASSERT(split.holdout.size() == 1);  // ids 10..14: the 3rd is held out
  TMF_EXPECT_EQ(split.holdout[0].capture_id, 12u);
  TMF_EXPECT_EQ(split.train.size(), 5u);  // both parts of capture 11 train
  for (const auto& c : split.train) TMF_EXPECT(c.capture_id != 12u);
  const loop::CaptureSplit two = loop::capture_split_by_upload({parts[1], parts[2], parts[4]});  // 10, 11, 11
  TMF_ASSERT(two.holdout.size() == 2);
  TMF_EXPECT(two.holdout[0].capture_id == 11u && two.holdout[1].capture_id == 11u);
  TMF_EXPECT_THROWS(loop::capture_split_by_upload({parts[2], parts[4]}), loop::LoopError, "1 usable capture(s)");
}

TMF_TEST(LoopRetrain, BootstrapThenChallengerAfterALoadChange) {
  const fs::path dir = fresh_dir("retrain");
  const deploy::KeyPaths keys = deploy::keys_generate((dir / "keys").string(), false);
  registry::Registry registry((dir / "registry").string());

  dataset(registry, 0.5, 12, 16384, dir / "ds-low");
  loop::RetrainOptions o;
  o.dataset_dir = (dir / "ds-low").string();
  o.model_name = "pump-detector";
  o.reason = "bootstrap: test";
  o.signing_key = keys.secret;
  o.train.device_detection.enabled = true;
  const loop::RetrainResult first = loop::retrain(registry, o);
  std::printf("bootstrap: %s\n", first.challenge.why.c_str());
  TMF_EXPECT(first.challenge.promote);
  TMF_EXPECT(!first.challenge.champion.has_value());
  TMF_EXPECT(first.challenge.challenger_false_alarm_rate <= 0.05);
  TMF_EXPECT(first.version.stage == std::string("production"));
  TMF_EXPECT_EQ(first.version.version, 1u);
  TMF_ASSERT(first.version.lineage.parameters.has_value());
  TMF_EXPECT(nlohmann::json::parse(*first.version.lineage.parameters)["reason"].get<std::string>() ==
             std::string("bootstrap: test"));
  TMF_EXPECT(first.version.signature_key_id.has_value());

  // The registered file carries the detection settings the device needs.
  const std::vector<uint8_t> bytes = registry.artifact_bytes(first.version);
  host::AlignedBuffer buffer(bytes);
  Model model{};
  TMF_ASSERT(model_validate(buffer.data(), buffer.size(), &model, nullptr) == Status::kOk);
  detect::ModelConfig config{};
  TMF_ASSERT(detect::model_config_find(model, &config) == detect::DetectStatus::kOk);
  TMF_EXPECT_EQ(config.feature_count, first.train.feature_count);
  TMF_EXPECT_EQ(config.raw_features_output, 2u);
  TMF_EXPECT_EQ(model.header->output_count, 3u);
  for (uint32_t f = 0; f < config.feature_count; ++f) {
    TMF_EXPECT(config.sketch_lo[f] == first.train.sketch_lo[f] && config.sketch_hi[f] == first.train.sketch_hi[f]);
  }

  // The machines now run at load 0.95: the champion alarms on their healthy windows.
  dataset(registry, 0.95, 12, 16384, dir / "ds-high");
  o.dataset_dir = (dir / "ds-high").string();
  o.reason = "drift: test";
  const loop::RetrainResult second = loop::retrain(registry, o);
  TMF_ASSERT(second.challenge.champion_false_alarm_rate.has_value());
  std::printf("champion v1 false alarms at load 0.95: %.3f, challenger v2: %.3f over %zu windows\n",
              *second.challenge.champion_false_alarm_rate, second.challenge.challenger_false_alarm_rate,
              second.challenge.windows);
  // Calibrated for 1 % on its own regime, the old model alarms at least ten times as often here.
  TMF_EXPECT(*second.challenge.champion_false_alarm_rate >= 0.10);
  TMF_EXPECT(second.challenge.challenger_false_alarm_rate <= 0.05);
  TMF_EXPECT(second.challenge.promote);
  TMF_EXPECT_EQ(second.version.version, 2u);
  TMF_EXPECT(second.version.lineage.parent.value_or("") == std::string("pump-detector:1"));
  TMF_EXPECT(registry.get_version({"pump-detector", 1}).stage == std::string("archived"));
  TMF_EXPECT_EQ(loop::production_version(registry, "pump-detector")->version, 2u);
  fs::remove_all(dir);
}

// Oracle: Wilson's score interval, computed separately with the textbook formula (z = 1.6449):
// 14 alarms in 126 windows (p = 0.1111) -> lower bound 0.0730; 0 in 126 -> 0; 40 in 126 -> 0.2537.
TMF_TEST(LoopRetrain, FalseAlarmLowerBoundIsWilsons) {
  TMF_EXPECT(std::abs(loop::false_alarm_lower_bound(14, 126) - 0.0730) < 0.0005);
  TMF_EXPECT_EQ(loop::false_alarm_lower_bound(0, 126), 0.0);
  TMF_EXPECT(std::abs(loop::false_alarm_lower_bound(40, 126) - 0.2537) < 0.0005);
  TMF_EXPECT_EQ(loop::false_alarm_lower_bound(0, 0), 0.0);
  // A limit of 0.10: 14 of 126 is not evidence of more; 20 of 126 (0.159, lower bound 0.112) is.
  TMF_EXPECT(loop::false_alarm_lower_bound(14, 126) <= 0.10);
  TMF_EXPECT(loop::false_alarm_lower_bound(20, 126) > 0.10);
}

TMF_TEST(LoopRetrain, KeepsTheChampionWhenTheChallengerIsWorse) {
  const fs::path dir = fresh_dir("keep");
  const deploy::KeyPaths keys = deploy::keys_generate((dir / "keys").string(), false);
  registry::Registry registry((dir / "registry").string());
  dataset(registry, 0.5, 12, 16384, dir / "ds");
  loop::RetrainOptions o;
  o.dataset_dir = (dir / "ds").string();
  o.model_name = "pump-detector";
  o.reason = "bootstrap: test";
  o.signing_key = keys.secret;
  o.train.device_detection.enabled = true;
  loop::retrain(registry, o);
  // A challenger held to an impossible false-alarm limit is registered but not promoted.
  dataset(registry, 0.5, 12, 16384, dir / "ds2");
  o.dataset_dir = (dir / "ds2").string();
  o.max_false_alarm_rate = -1;
  const loop::RetrainResult r = loop::retrain(registry, o);
  TMF_EXPECT(!r.challenge.promote);
  TMF_EXPECT(r.challenge.why.rfind("keep the champion", 0) == 0);
  TMF_EXPECT(r.version.stage == std::string("none"));
  TMF_EXPECT_EQ(loop::production_version(registry, "pump-detector")->version, 1u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tmf
