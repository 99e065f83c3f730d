// pipeline_graph's DSP_FEATURES options for on-device baselines (docs/detect.md): the
// normalization as a graph input and the raw-feature output, through the converter and the device
// runtime on the host. Oracles: the raw output equals FeatureExtractor::compute bit for bit; the
// int8 features equal those of the constant-normalization file for the same values; the default
// options write the very bytes the original helper writes; the lowering rejects broken variants
// with a message naming the rule.
#include "host/convert/pipeline_graph.h"

#include <cmath>
#include <cstring>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

constexpr uint32_t kN = 512;
constexpr float kFeatureScale = 0.08f;
constexpr int32_t kFeatureZeroPoint = -5;

dsp::FeaturesConfig config() {
  return host::hann_features_config(kN, 25600.0f, 0.0f, 12800.0f, 16,
                                    dsp::kFeatureStatLogRms | dsp::kFeatureStatKurtosis);
}

std::vector<float> make_window(uint32_t seed) {
  std::vector<float> x(kN);
  uint32_t state = seed;
  for (uint32_t t = 0; t < kN; ++t) {
    state = state * 1664525u + 1013904223u;
    x[t] = static_cast<float>(0.3 * (static_cast<double>(state >> 8) / 8388608.0 - 1.0) +
                              std::sin(0.37 * t + seed));
  }
  return x;
}

void make_norm(uint32_t f, std::vector<float>* offset, std::vector<float>* scale) {
  for (uint32_t i = 0; i < f; ++i) {
    offset->push_back(-3.0f + 0.25f * static_cast<float>(i));
    scale->push_back(0.5f + 0.125f * static_cast<float>(i % 5));
  }
}

// samples -> DSP_FEATURES -> SCORE_KMEANS (origin) -> DECISION_THRESHOLD; outputs: features,
// [raw,] decision.
struct Built {
  host::Graph graph;
  host::DspFeaturesTensors dsp;
};

Built build(const host::DspFeaturesOptions& options) {
  Built b;
  b.graph.source = "detect";
  const int samples = host::add_samples_input(b.graph, kN);
  b.dsp = host::add_dsp_features(b.graph, samples, config(), options);
  const uint32_t f = static_cast<uint32_t>(b.graph.tensors[b.dsp.features].shape.back());
  const int score = host::add_score_kmeans(b.graph, b.dsp.features, 1, std::vector<float>(f, 0.0f));
  const int decision = host::add_decision_threshold(b.graph, score, 50.0f);
  b.graph.outputs = {b.dsp.features};
  if (b.dsp.raw >= 0) b.graph.outputs.push_back(b.dsp.raw);
  b.graph.outputs.push_back(decision);
  return b;
}

// Runs a file on graph inputs `inputs` (bytes each); returns every output's bytes.
std::vector<std::vector<uint8_t>> run(const std::vector<uint8_t>& file,
                                      const std::vector<std::vector<uint8_t>>& inputs) {
  std::vector<uint8_t> storage(file.size() + 16);
  uint8_t* at = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  std::memcpy(at, file.data(), file.size());
  Model m;
  if (model_validate(at, file.size(), &m, nullptr) != Status::kOk) return {};
  if (m.header->input_count != inputs.size()) return {};
  std::vector<uint8_t> arena_storage(m.header->arena_bytes + 16);
  uint8_t* arena = arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it{};
  if (interpreter_init(&it, &m, arena, m.header->arena_bytes) != Status::kOk) return {};
  for (uint32_t i = 0; i < inputs.size(); ++i) {
    const TensorRecord* t = nullptr;
    uint8_t* in = nullptr;
    interpreter_input(it, i, &t, &in);
    if (t->bytes != inputs[i].size()) return {};
    std::memcpy(in, inputs[i].data(), inputs[i].size());
  }
  if (interpreter_invoke(&it) != Status::kOk) return {};
  std::vector<std::vector<uint8_t>> outputs;
  for (uint32_t i = 0; i < m.header->output_count; ++i) {
    const TensorRecord* t = nullptr;
    const uint8_t* data = nullptr;
    interpreter_output(it, i, &t, &data);
    outputs.emplace_back(data, data + t->bytes);
  }
  return outputs;
}

std::vector<uint8_t> bytes_of(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(float));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TMF_TEST(PipelineGraphDetect, ArenaNormalizationAndRawOutputRunOnTheDevice) {
  host::FeatureExtractor fx(config());
  const uint32_t f = fx.feature_count();
  host::DspFeaturesOptions constant;
  make_norm(f, &constant.offset, &constant.scale);
  constant.output_scale = kFeatureScale;
  constant.output_zero_point = kFeatureZeroPoint;
  host::DspFeaturesOptions arena;
  arena.output_scale = kFeatureScale;
  arena.output_zero_point = kFeatureZeroPoint;
  arena.normalization_as_input = true;
  arena.raw_output = true;

  Built with_constant = build(constant);
  Built with_arena = build(arena);
  TMF_EXPECT_EQ(with_constant.dsp.normalization_input, -1);
  TMF_EXPECT_EQ(with_arena.dsp.normalization_input, 1);  // after the samples
  TMF_EXPECT_EQ(with_arena.graph.inputs.size(), 2u);
  const host::ConvertResult rc = host::convert_graph(with_constant.graph, {});
  const host::ConvertResult ra = host::convert_graph(with_arena.graph, {});

  std::vector<float> norm(constant.offset);
  norm.insert(norm.end(), constant.scale.begin(), constant.scale.end());
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    const std::vector<float> x = make_window(seed);
    const auto oc = run(rc.file, {bytes_of(x)});
    const auto oa = run(ra.file, {bytes_of(x), bytes_of(norm)});
    TMF_ASSERT(oc.size() == 2 && oa.size() == 3);
    TMF_EXPECT(oa[0] == oc[0]);  // int8 features
    TMF_EXPECT(oa[2] == oc[1]);  // decision
    TMF_EXPECT(oa[1] == bytes_of(fx.compute(x.data())));  // raw features, bit for bit
  }
}

TMF_TEST(PipelineGraphDetect, DefaultOptionsWriteTheOriginalFile) {
  host::FeatureExtractor fx(config());
  std::vector<float> offset, scale;
  make_norm(fx.feature_count(), &offset, &scale);
  host::Graph a;
  a.source = "same";
  const int sa = host::add_samples_input(a, kN);
  a.outputs = {host::add_dsp_features(a, sa, config(), offset, scale, kFeatureScale, kFeatureZeroPoint)};
  host::Graph b;
  b.source = "same";
  const int sb = host::add_samples_input(b, kN);
  host::DspFeaturesOptions o;
  o.offset = offset, o.scale = scale, o.output_scale = kFeatureScale, o.output_zero_point = kFeatureZeroPoint;
  b.outputs = {host::add_dsp_features(b, sb, config(), o).features};
  TMF_EXPECT(host::convert_graph(a, {}).file == host::convert_graph(b, {}).file);
}

TMF_TEST(PipelineGraphDetect, LoweringRejectsBrokenVariants) {
  host::DspFeaturesOptions o;
  o.normalization_as_input = true;
  o.raw_output = true;
  {
    Built b = build(o);
    b.graph.tensors[b.dsp.raw].type = kTensorTypeInt8;
    b.graph.tensors[b.dsp.raw].quant = {{0.1f}, {0}, 0};
    TMF_EXPECT_THROWS(host::convert_graph(b.graph, {}), host::ConvertError, "raw features must be float32");
  }
  {
    Built b = build(o);
    b.graph.tensors[b.dsp.raw].shape = {1, 3};
    TMF_EXPECT_THROWS(host::convert_graph(b.graph, {}), host::ConvertError, "raw features");
  }
  {
    Built b = build(o);
    b.graph.tensors[b.dsp.normalization].shape = {2, 4};
    TMF_EXPECT_THROWS(host::convert_graph(b.graph, {}), host::ConvertError, "normalization input must be float32");
  }
  {
    Built b = build(o);
    b.graph.ops[0].outputs.push_back(b.dsp.raw);
    TMF_EXPECT_THROWS(host::convert_graph(b.graph, {}), host::ConvertError, "expects 1 output (features) or 2");
  }
  {
    // A constant normalization still needs its values.
    host::DspFeaturesOptions c;
    host::Graph g;
    g.source = "x";
    const int s = host::add_samples_input(g, kN);
    TMF_EXPECT_THROWS(host::add_dsp_features(g, s, config(), c), host::ConvertError, "normalization offset");
  }
}

}  // namespace
}  // namespace tmf
