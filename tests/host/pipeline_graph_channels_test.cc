// Multi-axis DSP_FEATURES (format 1.3, issue 16 item 5): a [C, N] window through the converter and
// the device runtime on the host. Oracles: each channel's raw and int8 features equal the
// single-channel file's for that channel's samples alone (the 1.1 path, bit for bit); a
// single-channel file keeps the 40-byte params every older runtime reads; the validator rejects a
// channel count outside 1..8 or samples that do not hold C rows.
#include <cmath>
#include <cstring>

#include "device/runtime/interpreter.h"
#include "device/runtime/kernels/dsp_features.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "host/convert/pipeline_graph.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

constexpr uint32_t kN = 256;
constexpr uint32_t kChannels = 3;

dsp::FeaturesConfig config() {
  return host::hann_features_config(kN, 12000.0f, 0.0f, 6000.0f, 8,
                                    dsp::kFeatureStatLogRms | dsp::kFeatureStatKurtosis | dsp::kFeatureStatDiffCrest);
}

std::vector<float> make_channel(uint32_t seed) {
  std::vector<float> x(kN);
  uint32_t state = seed;
  for (uint32_t t = 0; t < kN; ++t) {
    state = state * 1664525u + 1013904223u;
    x[t] = static_cast<float>(0.2 * (static_cast<double>(state >> 8) / 8388608.0 - 1.0) +
                              (0.5 + seed) * std::sin(0.11 * (seed + 1) * t));
  }
  return x;
}

// samples [C, N] -> DSP_FEATURES (raw output too) -> SCORE_KMEANS (origin) -> DECISION.
// Outputs: int8 features, raw features, decision.
std::vector<uint8_t> build_file(uint32_t channels, const std::vector<float>& offset, const std::vector<float>& scale) {
  host::Graph g;
  g.source = "channels";
  const int samples = host::add_samples_input(g, kN, "samples", channels);
  host::DspFeaturesOptions o;
  o.offset = offset;
  o.scale = scale;
  o.output_scale = 0.06f;
  o.output_zero_point = 3;
  o.raw_output = true;
  const host::DspFeaturesTensors t = host::add_dsp_features(g, samples, config(), o);
  const uint32_t f = static_cast<uint32_t>(g.tensors[t.features].shape.back());
  const int score = host::add_score_kmeans(g, t.features, 1, std::vector<float>(f, 0.0f));
  g.outputs = {t.features, t.raw, host::add_decision_threshold(g, score, 40.0f)};
  return host::convert_graph(g, {}).file;
}

struct Loaded {
  std::vector<uint8_t> storage;
  uint8_t* at = nullptr;
  Model model{};
  Status status = Status::kOk;
};

Loaded load(const std::vector<uint8_t>& file) {
  Loaded l;
  l.storage.resize(file.size() + 16);
  l.at = l.storage.data() + (16 - reinterpret_cast<uintptr_t>(l.storage.data()) % 16) % 16;
  std::memcpy(l.at, file.data(), file.size());
  l.status = model_validate(l.at, file.size(), &l.model, nullptr);
  return l;
}

std::vector<std::vector<uint8_t>> run(const std::vector<uint8_t>& file, const std::vector<float>& samples) {
  Loaded l = load(file);
  if (l.status != Status::kOk) return {};
  std::vector<uint8_t> arena_storage(l.model.header->arena_bytes + 16);
  uint8_t* arena = arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it{};
  if (interpreter_init(&it, &l.model, arena, l.model.header->arena_bytes) != Status::kOk) return {};
  const TensorRecord* t = nullptr;
  uint8_t* in = nullptr;
  interpreter_input(it, 0, &t, &in);
  if (t->bytes != samples.size() * 4) return {};
  std::memcpy(in, samples.data(), t->bytes);
  if (interpreter_invoke(&it) != Status::kOk) return {};
  std::vector<std::vector<uint8_t>> out;
  for (uint32_t i = 0; i < l.model.header->output_count; ++i) {
    const uint8_t* data = nullptr;
    interpreter_output(it, i, &t, &data);
    out.emplace_back(data, data + t->bytes);
  }
  return out;
}

// The DSP_FEATURES op record of a file.
const OpRecord& dsp_op(const Loaded& l) {
  uint32_t i = 0;
  while (i + 1 < l.model.header->op_count && l.model.ops[i].opcode != kOpDspFeatures) ++i;
  return l.model.ops[i];
}

TMF_TEST(PipelineGraphChannels, EachChannelIsTheSingleChannelOpBitForBit) {
  const uint32_t f1 = dsp::features_count(config());
  std::vector<float> offset, scale;
  for (uint32_t i = 0; i < kChannels * f1; ++i) {
    offset.push_back(-2.0f + 0.3f * static_cast<float>(i % 7));
    scale.push_back(0.4f + 0.1f * static_cast<float>(i % 4));
  }
  const std::vector<uint8_t> multi = build_file(kChannels, offset, scale);
  std::vector<float> window;
  std::vector<std::vector<float>> channels;
  for (uint32_t c = 0; c < kChannels; ++c) {
    channels.push_back(make_channel(c));
    window.insert(window.end(), channels[c].begin(), channels[c].end());
  }
  const auto out = run(multi, window);
  TMF_ASSERT(out.size() == 3);
  TMF_EXPECT_EQ(out[0].size(), kChannels * f1);
  TMF_EXPECT_EQ(out[1].size(), 4 * kChannels * f1);
  host::FeatureExtractor fx3(config(), kChannels);
  TMF_EXPECT_EQ(fx3.feature_count(), kChannels * f1);
  TMF_EXPECT(std::memcmp(out[1].data(), fx3.compute(window.data()).data(), out[1].size()) == 0);
  for (uint32_t c = 0; c < kChannels; ++c) {
    const std::vector<float> o1(offset.begin() + c * f1, offset.begin() + (c + 1) * f1);
    const std::vector<float> s1(scale.begin() + c * f1, scale.begin() + (c + 1) * f1);
    const auto single = run(build_file(1, o1, s1), channels[c]);
    TMF_ASSERT(single.size() == 3);
    TMF_EXPECT(std::memcmp(out[0].data() + c * f1, single[0].data(), f1) == 0);
    TMF_EXPECT(std::memcmp(out[1].data() + 4 * c * f1, single[1].data(), 4 * f1) == 0);
  }
}

TMF_TEST(PipelineGraphChannels, SingleChannelKeepsTheFortyByteParams) {
  const uint32_t f1 = dsp::features_count(config());
  const std::vector<float> offset(f1, 0.0f), scale(f1, 1.0f);
  const Loaded one = load(build_file(1, offset, scale));
  TMF_ASSERT(one.status == Status::kOk);
  TMF_EXPECT_EQ(dsp_op(one).params_bytes, sizeof(DspFeaturesParams));
  TMF_EXPECT_EQ(one.model.header->version_minor, 4);  // the writer stamps the current minor (1.4: LSTM)
  std::vector<float> o3(kChannels * f1, 0.0f), s3(kChannels * f1, 1.0f);
  const Loaded three = load(build_file(kChannels, o3, s3));
  TMF_ASSERT(three.status == Status::kOk);
  TMF_EXPECT_EQ(dsp_op(three).params_bytes, sizeof(DspFeaturesChannelsParams));
}

TMF_TEST(PipelineGraphChannels, ValidationRejectsBadChannelCounts) {
  const uint32_t f1 = dsp::features_count(config());
  std::vector<float> o3(kChannels * f1, 0.0f), s3(kChannels * f1, 1.0f);
  const std::vector<uint8_t> file = build_file(kChannels, o3, s3);
  const Loaded good = load(file);
  TMF_ASSERT(good.status == Status::kOk);
  TMF_ASSERT(dsp_op(good).opcode == kOpDspFeatures);
  // The channel count is the params' last u32; the trailer hash is not part of validation.
  const size_t at = good.model.header->params.offset + dsp_op(good).params_offset + 40;
  for (uint32_t bad : {0u, 2u, 4u, 9u, 0xFFFFFFFFu}) {
    std::vector<uint8_t> mutated = file;
    std::memcpy(mutated.data() + at, &bad, 4);
    TMF_EXPECT(load(mutated).status != Status::kOk);
  }
  uint32_t same = kChannels;
  std::vector<uint8_t> unchanged = file;
  std::memcpy(unchanged.data() + at, &same, 4);
  TMF_EXPECT(load(unchanged).status == Status::kOk);
}

TMF_TEST(PipelineGraphChannels, ConverterNamesBadShapes) {
  host::Graph g;
  g.source = "channels";
  const int samples = host::add_samples_input(g, kN, "samples", 9);
  TMF_EXPECT_THROWS(host::add_dsp_features(g, samples, config(), host::DspFeaturesOptions{}), host::ConvertError,
                    "9 channels, must be 1..8");
  TMF_EXPECT_THROWS(host::FeatureExtractor(config(), 0), host::ConvertError, "0 channels");
}

}  // namespace
}  // namespace tmf
