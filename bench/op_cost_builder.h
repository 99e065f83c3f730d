// The graph builder of op_cost's models (op_cost_models.cc, op_cost_benchmark_models.cc): int8
// activations, random int8 weights and int32 biases drawn from g_rng, one method an op.
#pragma once

#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "bench/op_cost_models.h"
#include "device/runtime/model.h"
#include "host/convert/graph.h"

namespace op_cost {

using tmf::host::Activation;
using tmf::host::Graph;
using tmf::host::Op;
using tmf::host::Padding;
using tmf::host::Tensor;

inline int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g_rng); }
template <typename T>
T pick(std::initializer_list<T> values) {
  return *(values.begin() + uniform(0, static_cast<int>(values.size()) - 1));
}

inline Tensor activation(std::vector<int32_t> shape, float scale, int64_t zp) {
  Tensor t;
  t.type = tmf::kTensorTypeInt8;
  t.shape = std::move(shape);
  t.quant.scales = {scale};
  t.quant.zero_points = {zp};
  return t;
}

inline Tensor constant_int8(std::vector<int32_t> shape, size_t channels, int axis) {
  Tensor t;
  t.type = tmf::kTensorTypeInt8;
  t.shape = std::move(shape);
  t.data.resize(static_cast<size_t>(t.element_count()));
  for (uint8_t& b : t.data) b = static_cast<uint8_t>(g_rng());
  for (size_t c = 0; c < channels; ++c) {
    t.quant.scales.push_back(0.004f + 0.001f * static_cast<float>(c % 5));
    t.quant.zero_points.push_back(0);
  }
  t.quant.axis = axis;
  return t;
}

inline Tensor constant_int32(int32_t n) {
  Tensor t;
  t.type = tmf::kTensorTypeInt32;
  t.shape = {n};
  t.data.resize(4u * static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    const int32_t v = static_cast<int32_t>(g_rng() % 2001) - 1000;
    std::memcpy(t.data.data() + 4 * i, &v, 4);
  }
  return t;
}

inline int32_t out_size(Padding padding, int32_t in, int32_t k, int32_t stride) {
  return padding == Padding::kSame ? (in + stride - 1) / stride : (in - k + stride) / stride;
}

// Builds a graph op by op; each method returns the index of the op's output tensor.
class Builder {
 public:
  explicit Builder(const std::string& name) { g_.source = name; }

  int input(std::vector<int32_t> shape) {
    const int t = add(activation(std::move(shape), 0.05f, -5));
    g_.inputs.push_back(t);
    return t;
  }
  void output(int t) { g_.outputs.push_back(t); }
  const std::vector<int32_t>& shape(int t) const { return g_.tensors[t].shape; }

  int fc(int x, int units, Activation act = Activation::kRelu, bool per_channel = false) {
    const std::vector<int32_t>& s = shape(x);
    const int32_t depth = s.back();
    const int32_t batches = static_cast<int32_t>(g_.tensors[x].element_count() / depth);
    const int w = add(constant_int8({units, depth}, per_channel ? units : 1, 0));
    const int b = add(constant_int32(units));
    const int y = add(activation({batches, units}, 0.1f, act == Activation::kNone ? 0 : -20));
    tmf::host::OpOptions o;
    o.activation = act;
    return op(tmf::kOpFullyConnected, {x, w, b}, y, o);
  }

  int conv(int x, int cout, int kh, int kw, int stride, Padding padding) {
    const std::vector<int32_t> s = shape(x);
    const int w = add(constant_int8({cout, kh, kw, s[3]}, cout, 0));
    const int b = add(constant_int32(cout));
    const int y = add(activation({s[0], out_size(padding, s[1], kh, stride), out_size(padding, s[2], kw, stride), cout},
                                 0.1f, -128));
    tmf::host::OpOptions o;
    o.padding = padding;
    o.stride_h = o.stride_w = stride;
    o.activation = Activation::kRelu;
    return op(tmf::kOpConv2D, {x, w, b}, y, o);
  }

  int depthwise(int x, int multiplier, int kh, int kw, int stride, Padding padding) {
    const std::vector<int32_t> s = shape(x);
    const int32_t cout = s[3] * multiplier;
    const int w = add(constant_int8({1, kh, kw, cout}, cout, 3));
    const int b = add(constant_int32(cout));
    const int y = add(activation({s[0], out_size(padding, s[1], kh, stride), out_size(padding, s[2], kw, stride), cout},
                                 0.1f, -128));
    tmf::host::OpOptions o;
    o.padding = padding;
    o.stride_h = o.stride_w = stride;
    o.depth_multiplier = multiplier;
    o.activation = Activation::kRelu;
    return op(tmf::kOpDepthwiseConv2D, {x, w, b}, y, o);
  }

  int pool(tmf::OpCode code, int x, int fh, int fw, int stride, Padding padding) {
    const std::vector<int32_t> s = shape(x);
    const Tensor& in = g_.tensors[x];
    const int y = add(activation({s[0], out_size(padding, s[1], fh, stride), out_size(padding, s[2], fw, stride), s[3]},
                                 in.quant.scales[0], in.quant.zero_points[0]));
    tmf::host::OpOptions o;
    o.padding = padding;
    o.stride_h = o.stride_w = stride;
    o.filter_h = fh;
    o.filter_w = fw;
    return op(code, {x}, y, o);
  }

  int binary(tmf::OpCode code, int a, int b) {
    const int y = add(activation(shape(a), code == tmf::kOpMul ? 0.02f : 0.1f, 0));
    return op(code, {a, b}, y, {});
  }

  int reshape(int x, std::vector<int32_t> new_shape) {
    const Tensor& in = g_.tensors[x];
    const int y = add(activation(new_shape, in.quant.scales[0], in.quant.zero_points[0]));
    tmf::host::OpOptions o;
    o.new_shape = new_shape;
    return op(tmf::kOpReshape, {x}, y, o);
  }

  int softmax(int x) { return op(tmf::kOpSoftmax, {x}, add(activation(shape(x), 1.0f / 256, -128)), {}); }

  // RELU, RELU6, LOGISTIC, TANH: one input, the same shape out.
  int unary(tmf::OpCode code, int x) {
    const Tensor& in = g_.tensors[x];
    float scale = in.quant.scales[0];
    int64_t zp = in.quant.zero_points[0];
    if (code == tmf::kOpLogistic) scale = 1.0f / 256, zp = -128;
    if (code == tmf::kOpTanh) scale = 1.0f / 128, zp = 0;
    return op(code, {x}, add(activation(shape(x), scale, zp)), {});
  }

  Graph take() { return std::move(g_); }

 private:
  int add(Tensor t) {
    t.name = "t" + std::to_string(g_.tensors.size());
    g_.tensors.push_back(std::move(t));
    return static_cast<int>(g_.tensors.size()) - 1;
  }
  int op(tmf::OpCode code, std::vector<int> inputs, int output, tmf::host::OpOptions options) {
    Op o;
    o.opcode = code;
    o.source_name = tmf::opcode_name(code);
    o.inputs = std::move(inputs);
    o.outputs = {output};
    o.options = std::move(options);
    g_.ops.push_back(std::move(o));
    return output;
  }
  Graph g_;
};

// A single-op model: `make` gets a builder with the inputs in place and returns the output.
template <typename F>
Graph single(const std::string& name, std::vector<std::vector<int32_t>> inputs, F make) {
  Builder b(name);
  std::vector<int> in;
  for (auto& s : inputs) in.push_back(b.input(s));
  b.output(make(b, in));
  return b.take();
}

inline std::string padding_name(Padding p) { return p == Padding::kSame ? "same" : "valid"; }

}  // namespace op_cost
