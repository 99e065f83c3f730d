// Float32 .tflite models for the float-import tests, written with the project's own flatbuffer
// writer (tests/host/tiny_tflite.h), and the pieces the tests share: deterministic values and
// seeds, the run of a converted model on the device runtime, its error against a float oracle.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"
#include "tests/host/tiny_tflite.h"

namespace tmf::host::float_tflite {

namespace fb = ::tmf::tflite;
using tiny_tflite::TinyModel;
using tiny_tflite::TinyOp;
using tiny_tflite::TinyTensor;

// Deterministic values in [-scale, scale] (a 32-bit LCG).
inline std::vector<float> lcg_values(size_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  for (float& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = scale * (static_cast<float>(seed >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

inline std::vector<uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

inline TinyTensor float_tensor(const std::string& name, std::vector<int32_t> shape) {
  TinyTensor t;
  t.name = name;
  t.type = fb::TensorType_FLOAT32;
  t.shape = std::move(shape);
  return t;
}

inline void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

struct Dense {
  int in = 0, out = 0;
  std::vector<float> w, b;  // w [out][in]
  bool relu = false;
};

// A chain of FULLY_CONNECTED layers as a float32 .tflite.
inline std::vector<uint8_t> dense_model(const std::vector<Dense>& layers) {
  TinyModel m;
  m.tensors.push_back(float_tensor("x", {1, layers[0].in}));
  int x = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Dense& d = layers[i];
    TinyTensor w = float_tensor("w" + std::to_string(i), {d.out, d.in});
    w.data = float_bytes(d.w);
    TinyTensor b = float_tensor("b" + std::to_string(i), {d.out});
    b.data = float_bytes(d.b);
    m.tensors.push_back(w);
    m.tensors.push_back(b);
    m.tensors.push_back(float_tensor("y" + std::to_string(i), {1, d.out}));
    const int n = static_cast<int>(m.tensors.size());
    TinyOp op;
    op.builtin = fb::BuiltinOperator_FULLY_CONNECTED;
    op.inputs = {x, n - 3, n - 2};
    op.outputs = {n - 1};
    const bool relu = d.relu;
    op.options = [relu](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::BuiltinOptions_FullyConnectedOptions,
                            fb::CreateFullyConnectedOptions(fbb, relu ? fb::ActivationFunctionType_RELU
                                                                      : fb::ActivationFunctionType_NONE)
                                .Union());
    };
    m.ops.push_back(op);
    x = n - 1;
  }
  m.inputs = {0};
  m.outputs = {x};
  return tiny_tflite::build(m);
}

// The independent float oracle of a dense chain (written for the tests, not host/quantize's).
inline std::vector<float> dense_forward(const std::vector<Dense>& layers, std::vector<float> x) {
  for (const Dense& d : layers) {
    std::vector<float> y(static_cast<size_t>(d.out));
    for (int o = 0; o < d.out; ++o) {
      float acc = d.b[static_cast<size_t>(o)];
      for (int i = 0; i < d.in; ++i) acc += d.w[static_cast<size_t>(o * d.in + i)] * x[static_cast<size_t>(i)];
      y[static_cast<size_t>(o)] = d.relu ? std::max(0.0f, acc) : acc;
    }
    x = std::move(y);
  }
  return x;
}

// A converted model on the device runtime: float32 in, float32 out.
class RuntimeRunner {
 public:
  explicit RuntimeRunner(const std::vector<uint8_t>& file) : copy_(file) {
    require(model_validate(copy_.data(), file.size(), &model_, nullptr) == Status::kOk, "validation");
    arena_ = AlignedBuffer(model_.header->arena_bytes);
    require(interpreter_init(&it_, &model_, arena_.data(), model_.header->arena_bytes) == Status::kOk, "init");
  }
  std::vector<float> run(const std::vector<float>& x) {
    const TensorRecord* t = nullptr;
    uint8_t* in = nullptr;
    require(interpreter_input(it_, 0, &t, &in) == Status::kOk, "input");
    require(t->type == kTensorTypeFloat32 && t->bytes == x.size() * 4, "input is float32 of the right size");
    std::memcpy(in, x.data(), t->bytes);
    require(interpreter_invoke(&it_) == Status::kOk, "invoke");
    const uint8_t* out = nullptr;
    interpreter_output(it_, 0, &t, &out);
    require(t->type == kTensorTypeFloat32, "output is float32");
    std::vector<float> y(t->bytes / 4);
    std::memcpy(y.data(), out, t->bytes);
    return y;
  }

 private:
  AlignedBuffer copy_;
  Model model_{};
  AlignedBuffer arena_;
  Interpreter it_{};
};

// A sample's seed, scrambled: the LCG's first outputs for consecutive seeds lie close together,
// which would make every sample's first draw (an anomaly's size) nearly the same.
inline uint32_t sample_seed(uint32_t i) {
  uint32_t h = i * 0x9E3779B9u + 0x7F4A7C15u;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  return h ^ (h >> 16);
}

// Error of a model's outputs against the float oracle's, over every output element added.
struct ErrorStats {
  double max_abs = 0, squares = 0;
  size_t count = 0;
  void add(const std::vector<float>& expected, const std::vector<float>& got) {
    for (size_t i = 0; i < expected.size(); ++i) {
      const double d = static_cast<double>(got[i]) - expected[i];
      max_abs = std::max(max_abs, std::fabs(d));
      squares += d * d;
      ++count;
    }
  }
  double rms() const { return std::sqrt(squares / static_cast<double>(count)); }
};

}  // namespace tmf::host::float_tflite
