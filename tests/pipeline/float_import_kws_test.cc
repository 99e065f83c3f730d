// Float import of a kws-like DS-CNN (MLPerf Tiny kws: CONV_2D 10x4 stride 2, two depthwise-
// separable blocks, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX), written as a float32
// .tflite file with the project's flatbuffer writer, quantized on calibration inputs, converted and
// run on the device runtime against the plain NHWC float oracle below; then the same model through
// the command line (convert --calibrate, inspect, run).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/quantize/float_graph.h"
#include "tests/host/test_files.h"
#include "tests/pipeline/float_tflite.h"
#include "tests/support/tmf_test.h"

namespace tmf::host {
namespace {

using namespace float_tflite;  // NOLINT: the float model writer's vocabulary

// ---- kws-like DS-CNN (the MLPerf Tiny kws layout at 16 channels instead of 64).

struct Conv {
  int32_t builtin;  // CONV_2D or DEPTHWISE_CONV_2D
  int kh, kw, stride, out_c;
  std::vector<float> w, b;  // CONV_2D [out_c][kh][kw][in_c]; depthwise [kh][kw][out_c]
};

struct Shape4 {
  int h, w, c;
};

// SAME padding, TFLite's geometry: out = ceil(in / stride), leading pad = total / 2.
int same_out(int in, int stride) { return (in + stride - 1) / stride; }
int same_pad(int in, int k, int stride) { return std::max(0, (same_out(in, stride) - 1) * stride + k - in) / 2; }

std::vector<float> conv_forward(const Conv& cv, const Shape4& s, const std::vector<float>& x, Shape4* out) {
  const int oh = same_out(s.h, cv.stride), ow = same_out(s.w, cv.stride);
  const int ph = same_pad(s.h, cv.kh, cv.stride), pw = same_pad(s.w, cv.kw, cv.stride);
  std::vector<float> y(static_cast<size_t>(oh * ow * cv.out_c));
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      for (int o = 0; o < cv.out_c; ++o) {
        double acc = cv.b[o];
        for (int ky = 0; ky < cv.kh; ++ky) {
          for (int kx = 0; kx < cv.kw; ++kx) {
            const int iy = oy * cv.stride - ph + ky, ix = ox * cv.stride - pw + kx;
            if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
            if (cv.builtin == fb::BuiltinOperator_CONV_2D) {
              for (int c = 0; c < s.c; ++c) {
                acc += static_cast<double>(cv.w[static_cast<size_t>(((o * cv.kh + ky) * cv.kw + kx) * s.c + c)]) *
                       x[static_cast<size_t>((iy * s.w + ix) * s.c + c)];
              }
            } else {
              acc += static_cast<double>(cv.w[static_cast<size_t>((ky * cv.kw + kx) * cv.out_c + o)]) *
                     x[static_cast<size_t>((iy * s.w + ix) * s.c + o)];
            }
          }
        }
        y[static_cast<size_t>((oy * ow + ox) * cv.out_c + o)] = static_cast<float>(std::max(0.0, acc));
      }
    }
  }
  *out = {oh, ow, cv.out_c};
  return y;
}

struct Kws {
  std::vector<Conv> convs;
  Dense fc;
};

constexpr int kKwsChannels = 16, kKwsClasses = 12;

Kws kws_like(uint32_t seed) {
  Kws k;
  const auto he = [](int fan_in) { return static_cast<float>(std::sqrt(6.0 / fan_in)); };
  k.convs.push_back({fb::BuiltinOperator_CONV_2D, 10, 4, 2, kKwsChannels,
                     lcg_values(static_cast<size_t>(kKwsChannels * 40), seed, he(40)),
                     lcg_values(kKwsChannels, seed + 1, 0.1f)});
  for (int block = 0; block < 2; ++block) {
    const uint32_t s = seed + 10 * static_cast<uint32_t>(block + 1);
    k.convs.push_back({fb::BuiltinOperator_DEPTHWISE_CONV_2D, 3, 3, 1, kKwsChannels,
                       lcg_values(static_cast<size_t>(9 * kKwsChannels), s, he(9)), lcg_values(kKwsChannels, s + 1, 0.1f)});
    k.convs.push_back({fb::BuiltinOperator_CONV_2D, 1, 1, 1, kKwsChannels,
                       lcg_values(static_cast<size_t>(kKwsChannels * kKwsChannels), s + 2, he(kKwsChannels)),
                       lcg_values(kKwsChannels, s + 3, 0.1f)});
  }
  k.fc = {kKwsChannels, kKwsClasses, lcg_values(kKwsChannels * kKwsClasses, seed + 99, 2.0f * he(kKwsChannels)),
          lcg_values(kKwsClasses, seed + 98, 0.1f), false};
  return k;
}

// The independent float oracle: convolutions, the 25x5 average, the dense layer, softmax.
std::vector<float> kws_forward(const Kws& k, std::vector<float> x) {
  Shape4 s{49, 10, 1};
  for (const Conv& cv : k.convs) x = conv_forward(cv, s, x, &s);
  std::vector<float> pooled(static_cast<size_t>(s.c), 0.0f);
  for (int c = 0; c < s.c; ++c) {
    double sum = 0;
    for (int p = 0; p < s.h * s.w; ++p) sum += x[static_cast<size_t>(p * s.c + c)];
    pooled[c] = static_cast<float>(sum / (s.h * s.w));
  }
  std::vector<float> logits = dense_forward({k.fc}, pooled);
  const float max = *std::max_element(logits.begin(), logits.end());
  double total = 0;
  for (float v : logits) total += std::exp(static_cast<double>(v - max));
  for (float& v : logits) v = static_cast<float>(std::exp(static_cast<double>(v - max)) / total);
  return logits;
}

std::vector<uint8_t> kws_model(const Kws& k) {
  TinyModel m;
  m.tensors.push_back(float_tensor("input", {1, 49, 10, 1}));
  int x = 0;
  Shape4 s{49, 10, 1};
  const auto add = [&](TinyTensor t) {
    m.tensors.push_back(std::move(t));
    return static_cast<int>(m.tensors.size()) - 1;
  };
  for (size_t i = 0; i < k.convs.size(); ++i) {
    const Conv& cv = k.convs[i];
    const bool dw = cv.builtin == fb::BuiltinOperator_DEPTHWISE_CONV_2D;
    TinyTensor w = float_tensor("conv" + std::to_string(i) + "/filter",
                                dw ? std::vector<int32_t>{1, cv.kh, cv.kw, cv.out_c}
                                   : std::vector<int32_t>{cv.out_c, cv.kh, cv.kw, s.c});
    w.data = float_bytes(cv.w);
    TinyTensor b = float_tensor("conv" + std::to_string(i) + "/bias", {cv.out_c});
    b.data = float_bytes(cv.b);
    const int wi = add(w), bi = add(b);
    s = {same_out(s.h, cv.stride), same_out(s.w, cv.stride), cv.out_c};
    const int y = add(float_tensor("conv" + std::to_string(i), {1, s.h, s.w, s.c}));
    TinyOp op;
    op.builtin = cv.builtin;
    op.inputs = {x, wi, bi};
    op.outputs = {y};
    const int stride = cv.stride;
    op.options = [dw, stride](flatbuffers::FlatBufferBuilder& fbb) {
      if (dw) {
        return std::make_pair(fb::BuiltinOptions_DepthwiseConv2DOptions,
                              fb::CreateDepthwiseConv2DOptions(fbb, fb::Padding_SAME, stride, stride, 1,
                                                               fb::ActivationFunctionType_RELU)
                                  .Union());
      }
      return std::make_pair(fb::BuiltinOptions_Conv2DOptions,
                            fb::CreateConv2DOptions(fbb, fb::Padding_SAME, stride, stride,
                                                    fb::ActivationFunctionType_RELU)
                                .Union());
    };
    m.ops.push_back(op);
    x = y;
  }
  const int pooled = add(float_tensor("pool", {1, 1, 1, s.c}));
  TinyOp pool;
  pool.builtin = fb::BuiltinOperator_AVERAGE_POOL_2D;
  pool.inputs = {x};
  pool.outputs = {pooled};
  const int ph = s.h, pw = s.w;
  pool.options = [ph, pw](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_Pool2DOptions,
                          fb::CreatePool2DOptions(fbb, fb::Padding_VALID, 1, 1, pw, ph).Union());
  };
  m.ops.push_back(pool);
  const int flat = add(float_tensor("flat", {1, s.c}));
  TinyTensor shape;
  shape.name = "flat/shape";
  shape.type = fb::TensorType_INT32;
  shape.shape = {2};
  shape.data = tiny_tflite::int32_bytes({1, s.c});
  const int shape_index = add(shape);
  TinyOp reshape;
  reshape.builtin = fb::BuiltinOperator_RESHAPE;
  reshape.inputs = {pooled, shape_index};
  reshape.outputs = {flat};
  m.ops.push_back(reshape);
  TinyTensor w = float_tensor("fc/weights", {kKwsClasses, s.c});
  w.data = float_bytes(k.fc.w);
  TinyTensor b = float_tensor("fc/bias", {kKwsClasses});
  b.data = float_bytes(k.fc.b);
  const int wi = add(w), bi = add(b);
  const int logits = add(float_tensor("logits", {1, kKwsClasses}));
  TinyOp fc;
  fc.builtin = fb::BuiltinOperator_FULLY_CONNECTED;
  fc.inputs = {flat, wi, bi};
  fc.outputs = {logits};
  m.ops.push_back(fc);
  const int probs = add(float_tensor("probabilities", {1, kKwsClasses}));
  TinyOp softmax;
  softmax.builtin = fb::BuiltinOperator_SOFTMAX;
  softmax.inputs = {logits};
  softmax.outputs = {probs};
  softmax.options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_SoftmaxOptions, fb::CreateSoftmaxOptions(fbb, 1.0f).Union());
  };
  m.ops.push_back(softmax);
  m.inputs = {0};
  m.outputs = {probs};
  return tiny_tflite::build(m);
}

// An MFCC-like input: 49 frames x 10 coefficients, the first coefficient large and negative (log
// energy), the rest smaller, varying smoothly over time.
std::vector<float> kws_input(uint32_t seed) {
  const std::vector<float> r = lcg_values(490 + 20, sample_seed(seed), 1.0f);
  std::vector<float> x(490);
  for (int t = 0; t < 49; ++t) {
    for (int c = 0; c < 10; ++c) {
      const double scale = c == 0 ? 8.0 : 4.0 / (1 + c);
      x[static_cast<size_t>(t * 10 + c)] =
          static_cast<float>((c == 0 ? -5.0 : 0.0) + scale * (0.7 * r[static_cast<size_t>(490 + c)] *
                                                                   std::sin(0.2 * t * (1 + r[static_cast<size_t>(500 + c)])) +
                                                               0.3 * r[static_cast<size_t>(t * 10 + c)]));
    }
  }
  return x;
}

TMF_TEST(FloatImportModels, KwsLikeDsCnn) {
  const Kws k = kws_like(31);
  std::vector<std::vector<float>> calibration, eval;
  for (uint32_t i = 0; i < 40; ++i) calibration.push_back(kws_input(10 + i));
  for (uint32_t i = 0; i < 100; ++i) eval.push_back(kws_input(5000 + i));
  const Graph g = tflite_read(kws_model(k), "kws_like_float.tflite");
  // With TMF_FUZZ_SEED_DIR set, the float model is written there (a float seed of tflite_fuzz).
  if (const char* seeds = std::getenv("TMF_FUZZ_SEED_DIR")) test::write_bytes(std::string(seeds) + "/float_kws_like.tflite", kws_model(k));
  TMF_ASSERT(quantize::float_graph_needs_calibration(g));
  const Graph q = quantize::float_graph_quantize(g, calibration);
  // TFLite's rules: per-channel filters on the output-channel axis, fixed softmax output.
  bool saw_depthwise = false;
  for (const Op& op : q.ops) {
    if (op.opcode == kOpConv2D || op.opcode == kOpDepthwiseConv2D) {
      const Tensor& f = q.tensors[op.inputs[1]];
      TMF_EXPECT_EQ(f.quant.scales.size(), static_cast<size_t>(kKwsChannels));
      TMF_EXPECT_EQ(f.quant.axis, op.opcode == kOpConv2D ? 0 : 3);
      saw_depthwise = saw_depthwise || op.opcode == kOpDepthwiseConv2D;
    }
    if (op.opcode == kOpSoftmax) {
      TMF_EXPECT(q.tensors[op.outputs[0]].quant.scales[0] == 1.0f / 256.0f);
      TMF_EXPECT_EQ(q.tensors[op.outputs[0]].quant.zero_points[0], -128);
    }
    if (op.opcode == kOpAveragePool2D) {
      TMF_EXPECT(q.tensors[op.outputs[0]].quant.scales == q.tensors[op.inputs[0]].quant.scales);
    }
  }
  TMF_EXPECT(saw_depthwise);
  const std::vector<uint8_t> file = convert_graph(q, {}).file;
  RuntimeRunner runner(file);
  ErrorStats on_calibration, held_out;
  int agree = 0;
  for (const auto& x : calibration) on_calibration.add(kws_forward(k, x), runner.run(x));
  for (const auto& x : eval) {
    const std::vector<float> yf = kws_forward(k, x), yq = runner.run(x);
    held_out.add(yf, yq);
    agree += std::max_element(yf.begin(), yf.end()) - yf.begin() == std::max_element(yq.begin(), yq.end()) - yq.begin();
  }
  const quantize::FloatImportError reported = quantize::float_graph_quantization_error(g, file, calibration);
  std::printf("  kws-like float DS-CNN (16 channels, %zu bytes TMF): int8 vs float probabilities: "
              "calibration (40) max %.4f rms %.4f; held out (100) max %.4f rms %.4f; top-1 agrees on %d/100\n",
              file.size(), on_calibration.max_abs, on_calibration.rms(), held_out.max_abs, held_out.rms(), agree);
  TMF_EXPECT(std::fabs(reported.max_abs_error - on_calibration.max_abs) < 1e-6);
  // The output is quantized in steps of 1/256; the stated tolerance is 8 steps on the
  // calibration set (rounding through six int8 layers and a softmax, fixed before measuring).
  TMF_EXPECT(on_calibration.max_abs <= 8.0 / 256.0);
  TMF_EXPECT(on_calibration.max_abs > 0.0);
}

// The command line: convert --calibrate records the error, inspect shows it, run takes float32.
TMF_TEST(FloatImportModels, ConvertCalibrateAndInspectOnTheCommandLine) {
  const Kws k = kws_like(31);
  const std::string tflite = test::temp_path("kws_like_float.tflite");
  const std::string calibration = test::temp_path("kws_like_calibration.f32");
  const std::string tmf = test::temp_path("kws_like.tmf");
  test::write_bytes(tflite, kws_model(k));
  std::vector<uint8_t> raw;
  for (uint32_t i = 0; i < 40; ++i) {
    const std::vector<uint8_t> b = float_bytes(kws_input(10 + i));
    raw.insert(raw.end(), b.begin(), b.end());
  }
  test::write_bytes(calibration, raw);
  const test::CommandResult refused = test::run_cli("convert " + tflite + " -o " + tmf);
  TMF_EXPECT(refused.exit_code != 0);
  TMF_EXPECT(refused.err.find("give --calibrate FILE") != std::string::npos);
  const test::CommandResult c = test::run_cli("convert " + tflite + " --calibrate " + calibration + " -o " + tmf + " --json");
  TMF_ASSERT(c.exit_code == 0);
  const nlohmann::json cj = nlohmann::json::parse(c.out);
  TMF_EXPECT_EQ(cj["quantization"]["calibration_sets"].get<int>(), 40);
  const test::CommandResult i = test::run_cli("inspect " + tmf + " --json");
  TMF_ASSERT(i.exit_code == 0);
  const nlohmann::json ij = nlohmann::json::parse(i.out);
  TMF_EXPECT(ij["quantization"] == cj["quantization"]);
  TMF_EXPECT(ij["quantization"]["max_abs_error"].get<double>() > 0.0);
  const test::CommandResult text = test::run_cli("inspect " + tmf);
  TMF_EXPECT(text.out.find("quantized from float32 on 40 calibration inputs") != std::string::npos);
  // run: one float32 input in, twelve float32 probabilities out, as the runtime computes them.
  const std::string in = test::temp_path("kws_like_in.f32"), out = test::temp_path("kws_like_out.f32");
  const std::vector<float> x = kws_input(777);
  test::write_bytes(in, float_bytes(x));
  TMF_ASSERT(test::run_cli("run " + tmf + " --input " + in + " --output " + out).exit_code == 0);
  RuntimeRunner runner(test::read_bytes(tmf));
  TMF_EXPECT(test::read_bytes(out) == float_bytes(runner.run(x)));
  // run_float_import_qemu.sh runs the same file and input bare-metal and compares with this output.
  if (const char* keep = std::getenv("TMF_FLOAT_IMPORT_OUT")) {
    test::write_bytes(std::string(keep) + "/kws_like.tmf", test::read_bytes(tmf));
    test::write_bytes(std::string(keep) + "/kws_like_in.f32", test::read_bytes(in));
    test::write_bytes(std::string(keep) + "/kws_like_host_out.f32", test::read_bytes(out));
  }
}

}  // namespace
}  // namespace tmf::host