// Host tool for the cross-platform bit-exactness test of whole pipelines (format 1.1):
//   pipeline_golden OUT_DIR N BANDS WINDOWS [SAMPLES.f32]
// builds a pipeline with every pipeline op (DSP_FEATURES with all stats -> autoencoder
// F-16-8-16-F -> SCORE_RECONSTRUCTION -> DECISION_THRESHOLD; SCORE_KMEANS, SCORE_GMM,
// SCORE_MAHALANOBIS on the features; FULLY_CONNECTED -> SOFTMAX -> SCORE_CLASS), converts it, and
// writes OUT_DIR/model.tmf, OUT_DIR/input.bin (WINDOWS windows of N float32 samples, from the raw
// float32 recording SAMPLES.f32 if given, else synthetic) and OUT_DIR/expected.bin (the host
// runtime's outputs). run_pipeline_golden.sh runs the same file bare-metal and compares bytes.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "host/convert/pipeline_graph.h"

namespace {

using namespace tmf;

uint32_t g_state = 12345;
float next_weight(float range) {  // uniform in [-range, range)
  g_state = g_state * 1664525u + 1013904223u;
  return range * (static_cast<float>(g_state >> 8) / 8388608.0f - 1.0f);
}

std::vector<float> read_samples(const std::string& path, size_t count, uint32_t n) {
  std::vector<float> samples(count);
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(samples.data()), static_cast<std::streamsize>(count * sizeof(float)));
    if (static_cast<size_t>(in.gcount()) == count * sizeof(float)) return samples;
    std::fprintf(stderr, "pipeline_golden: %s is shorter than %zu samples; using synthetic ones\n",
                 path.c_str(), count);
  }
  for (size_t t = 0; t < count; ++t) {
    samples[t] = static_cast<float>(0.2 * std::sin(0.37 * t) + 0.05 * std::sin(2.9 * t + t / n) + 0.1 * next_weight(1.0f));
  }
  return samples;
}

int add_tensor(host::Graph& g, const std::string& name, TensorType type, std::vector<int32_t> shape,
               float scale = 0.0f, int32_t zero_point = 0) {
  host::Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  if (scale > 0.0f) t.quant = {{scale}, {zero_point}, 0};
  g.tensors.push_back(t);
  return static_cast<int>(g.tensors.size()) - 1;
}

// An int8 FULLY_CONNECTED from `in` to `units` outputs with random weights (scale 1/64) and a
// fixed output quantization; returns the output.
int add_dense(host::Graph& g, int in, int32_t units, const std::string& name, bool relu) {
  const int32_t depth = g.tensors[in].shape.back();
  const int w = add_tensor(g, name + "/w", kTensorTypeInt8, {units, depth}, 1.0f / 64, 0);
  for (int32_t i = 0; i < units * depth; ++i) {
    g.tensors[w].data.push_back(static_cast<uint8_t>(static_cast<int8_t>(std::lround(next_weight(60.0f)))));
  }
  const int out = add_tensor(g, name, kTensorTypeInt8, {1, units}, 0.1f, relu ? -128 : 0);
  host::Op op;
  op.opcode = kOpFullyConnected;
  op.source_name = "FULLY_CONNECTED";
  op.inputs = {in, w, -1};
  op.outputs = {out};
  op.options.activation = relu ? host::Activation::kRelu : host::Activation::kNone;
  g.ops.push_back(op);
  return out;
}

std::vector<float> random_values(size_t n, float center, float range) {
  std::vector<float> v(n);
  for (float& x : v) x = center + next_weight(range);
  return v;
}

bool write_file(const std::string& path, const void* data, size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  return static_cast<bool>(out);
}

int run(const std::string& dir, uint32_t n, uint32_t bands, uint32_t windows, const std::string& data) {
  // TMF_PIPELINE_STATS_MASK picks the stats (default the five plain ones), e.g. 0 to measure bands
  // only, 0x7F for every statistic (first-difference ones included).
  const char* mask_env = std::getenv("TMF_PIPELINE_STATS_MASK");
  const uint32_t stats = mask_env ? static_cast<uint32_t>(std::strtoul(mask_env, nullptr, 0)) : dsp::kFeatureStatAll;
  const dsp::FeaturesConfig config = host::hann_features_config(n, 12000.0f, 0.0f, 6000.0f, bands, stats);
  host::FeatureExtractor fx(config);
  const int32_t f = static_cast<int32_t>(fx.feature_count());
  const std::vector<float> samples = read_samples(data, static_cast<size_t>(windows) * n, n);

  // Standardization from the windows themselves (a trainer would use healthy training windows).
  std::vector<double> sum(f, 0.0), sum_sq(f, 0.0);
  for (uint32_t w = 0; w < windows; ++w) {
    const std::vector<float> feats = fx.compute(samples.data() + static_cast<size_t>(w) * n);
    for (int32_t i = 0; i < f; ++i) sum[i] += feats[i], sum_sq[i] += static_cast<double>(feats[i]) * feats[i];
  }
  std::vector<float> offset(f), scale(f);
  for (int32_t i = 0; i < f; ++i) {
    const double mean = sum[i] / windows;
    const double var = std::max(sum_sq[i] / windows - mean * mean, 1e-2);
    offset[i] = static_cast<float>(mean);
    scale[i] = static_cast<float>(1.0 / std::sqrt(var));
  }

  host::Graph g;
  g.source = "pipeline_golden";
  const int x_in = host::add_samples_input(g, n);
  const int features = host::add_dsp_features(g, x_in, config, offset, scale, 1.0f / 32, 0);
  const int h1 = add_dense(g, features, 16, "ae/enc1", true);
  const int h2 = add_dense(g, h1, 8, "ae/code", true);
  const int h3 = add_dense(g, h2, 16, "ae/dec1", true);
  const int rec = add_dense(g, h3, f, "ae/out", false);
  const int s_rec = host::add_score_reconstruction(g, features, rec, "score/reconstruction");
  const int decision = host::add_decision_threshold(g, s_rec, 1.0f);
  const int s_km = host::add_score_kmeans(g, features, 4, random_values(4 * f, 0.0f, 2.0f), "score/kmeans");
  const int s_gmm = host::add_score_gmm(g, features, 3, random_values(3 * f, 0.0f, 1.5f),
                                        random_values(3 * f, 1.0f, 0.5f), random_values(3, -20.0f, 3.0f),
                                        "score/gmm");
  const int s_maha = host::add_score_mahalanobis(g, features, random_values(f, 0.0f, 0.5f),
                                                 random_values(static_cast<size_t>(f) * f, 0.0f, 0.4f),
                                                 "score/mahalanobis");
  const int logits = add_dense(g, features, 3, "clf/logits", false);
  const int probs = add_tensor(g, "clf/probs", kTensorTypeInt8, {1, 3}, 1.0f / 256, -128);
  host::Op softmax;
  softmax.opcode = kOpSoftmax;
  softmax.source_name = "SOFTMAX";
  softmax.inputs = {logits};
  softmax.outputs = {probs};
  g.ops.push_back(softmax);
  const int s_cls = host::add_score_class(g, probs, 0, "score/class");
  g.outputs = {features, s_rec, decision, s_km, s_gmm, s_maha, s_cls};

  host::ConvertOptions options;
  options.model_name = "pipeline_golden";
  const host::ConvertResult r = host::convert_graph(g, options);

  // The host runtime's outputs, every window back to back.
  std::vector<uint8_t> file_storage(r.file.size() + 16), arena_storage(r.arena_bytes + 16), expected;
  uint8_t* file = file_storage.data() + (16 - reinterpret_cast<uintptr_t>(file_storage.data()) % 16) % 16;
  uint8_t* arena = arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  std::memcpy(file, r.file.data(), r.file.size());
  Model m;
  Interpreter it{};
  if (model_validate(file, r.file.size(), &m, nullptr) != Status::kOk ||
      interpreter_init(&it, &m, arena, r.arena_bytes) != Status::kOk) {
    std::fprintf(stderr, "pipeline_golden: the converted model does not load\n");
    return 1;
  }
  for (uint32_t w = 0; w < windows; ++w) {
    uint8_t* in = nullptr;
    interpreter_input(it, 0, nullptr, &in);
    std::memcpy(in, samples.data() + static_cast<size_t>(w) * n, n * sizeof(float));
    if (interpreter_invoke(&it) != Status::kOk) return 1;
    for (uint32_t o = 0; o < m.header->output_count; ++o) {
      const TensorRecord* t = nullptr;
      const uint8_t* data = nullptr;
      interpreter_output(it, o, &t, &data);
      expected.insert(expected.end(), data, data + t->bytes);
    }
  }
  if (!write_file(dir + "/model.tmf", r.file.data(), r.file.size()) ||
      !write_file(dir + "/input.bin", samples.data(), samples.size() * sizeof(float)) ||
      !write_file(dir + "/expected.bin", expected.data(), expected.size())) {
    std::fprintf(stderr, "pipeline_golden: cannot write into %s\n", dir.c_str());
    return 1;
  }
  std::printf("pipeline_golden: N=%u, %d features, %zu model bytes, arena %u, %u window(s)\n", n, f,
              r.file.size(), r.arena_bytes, windows);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: pipeline_golden OUT_DIR N BANDS WINDOWS [SAMPLES.f32]\n");
    return 2;
  }
  try {
    return run(argv[1], static_cast<uint32_t>(std::stoul(argv[2])), static_cast<uint32_t>(std::stoul(argv[3])),
               static_cast<uint32_t>(std::stoul(argv[4])), argc == 6 ? argv[5] : "");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pipeline_golden: %s\n", e.what());
    return 2;
  }
}
