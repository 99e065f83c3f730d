// Graphs for the selector tests, converted by host/convert like any imported model.
#include "tests/select/select_test_models.h"

#include <cstring>
#include <stdexcept>

#include "host/convert/convert.h"

namespace tmf::test {
namespace {

using host::Tensor;

Tensor act(std::vector<int32_t> shape, float scale, int64_t zp) {
  Tensor t;
  t.name = "a" + std::to_string(shape.size()) + std::to_string(shape.back());
  t.type = kTensorTypeInt8;
  t.shape = std::move(shape);
  t.quant.scales = {scale};
  t.quant.zero_points = {zp};
  return t;
}

Tensor weights(std::vector<int32_t> shape, int channels) {
  Tensor t;
  t.name = "w";
  t.type = kTensorTypeInt8;
  t.shape = std::move(shape);
  t.data.resize(static_cast<size_t>(t.element_count()));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<uint8_t>(i * 37 + 11);
  for (int c = 0; c < channels; ++c) {
    t.quant.scales.push_back(0.005f);
    t.quant.zero_points.push_back(0);
  }
  return t;
}

Tensor bias(int n) {
  Tensor t;
  t.name = "b";
  t.type = kTensorTypeInt32;
  t.shape = {n};
  t.data.assign(4u * static_cast<size_t>(n), 0);
  return t;
}

void convert(host::Graph g, TestModel* out) {
  for (size_t i = 0; i < g.tensors.size(); ++i) g.tensors[i].name = "t" + std::to_string(i);
  load_model(host::convert_graph(g, {}).file, out);
}

host::Op op(OpCode code, std::vector<int> inputs, int output) {
  host::Op o;
  o.opcode = code;
  o.source_name = opcode_name(code);
  o.inputs = std::move(inputs);
  o.outputs = {output};
  o.options.activation = host::Activation::kRelu;
  return o;
}

}  // namespace

void load_model(const std::vector<uint8_t>& bytes, TestModel* out) {
  out->storage.assign(bytes.size() + 16, 0);
  uint8_t* base = out->storage.data() + (16 - reinterpret_cast<uintptr_t>(out->storage.data()) % 16) % 16;
  std::memcpy(base, bytes.data(), bytes.size());
  if (model_validate(base, bytes.size(), &out->model, nullptr) != Status::kOk) {
    throw std::runtime_error("test model does not validate");
  }
}

void make_fc_model(int batches, int depth, int units, TestModel* out) {
  host::Graph g;
  g.source = "fc";
  g.tensors = {act({batches, depth}, 0.05f, 3), weights({units, depth}, 1), bias(units), act({batches, units}, 0.1f, -20)};
  g.ops = {op(kOpFullyConnected, {0, 1, 2}, 3)};
  g.inputs = {0};
  g.outputs = {3};
  convert(g, out);
}

void make_two_fc_model(int depth, int hidden, int units, TestModel* out) {
  host::Graph g;
  g.source = "fc2";
  g.tensors = {act({1, depth}, 0.05f, 3), weights({hidden, depth}, 1), bias(hidden), act({1, hidden}, 0.1f, -20),
               weights({units, hidden}, 1), bias(units), act({1, units}, 0.1f, -20)};
  g.ops = {op(kOpFullyConnected, {0, 1, 2}, 3), op(kOpFullyConnected, {3, 4, 5}, 6)};
  g.inputs = {0};
  g.outputs = {6};
  convert(g, out);
}

void make_conv_model(int h, int w, int cin, int cout, int kh, int kw, int stride, bool same, TestModel* out) {
  const int oh = same ? (h + stride - 1) / stride : (h - kh + stride) / stride;
  const int ow = same ? (w + stride - 1) / stride : (w - kw + stride) / stride;
  host::Graph g;
  g.source = "conv";
  g.tensors = {act({1, h, w, cin}, 0.05f, -5), weights({cout, kh, kw, cin}, cout), bias(cout),
               act({1, oh, ow, cout}, 0.1f, -128)};
  g.ops = {op(kOpConv2D, {0, 1, 2}, 3)};
  g.ops[0].options.padding = same ? host::Padding::kSame : host::Padding::kValid;
  g.ops[0].options.stride_h = g.ops[0].options.stride_w = stride;
  g.inputs = {0};
  g.outputs = {3};
  convert(g, out);
}

void make_format_1_2_model(OpCode code, TestModel* out) {
  const auto int32_constant = [](std::vector<int32_t> values) {
    Tensor t = bias(static_cast<int>(values.size()));
    std::memcpy(t.data.data(), values.data(), t.data.size());
    return t;
  };
  host::Graph g;
  g.source = opcode_name(code);
  switch (code) {
    case kOpSub:
      g.tensors = {act({1, 12}, 0.05f, -5), act({1, 12}, 0.05f, -5), act({1, 12}, 0.1f, 0)};
      g.ops = {op(code, {0, 1}, 2)};
      g.inputs = {0, 1};
      break;
    case kOpLeakyRelu:
    case kOpHardSwish:
      g.tensors = {act({1, 12}, 0.05f, -5), act({1, 12}, 0.04f, -20)};
      g.ops = {op(code, {0}, 1)};
      g.ops[0].options.alpha = 0.2f;
      g.inputs = {0};
      break;
    case kOpTranspose:
      g.tensors = {act({1, 4, 3, 5}, 0.05f, -5), int32_constant({0, 3, 1, 2}), act({1, 5, 4, 3}, 0.05f, -5)};
      g.ops = {op(code, {0, 1}, 2)};
      g.inputs = {0};
      break;
    case kOpStridedSlice:
      g.tensors = {act({1, 4, 3, 6}, 0.05f, -5), int32_constant({0, 0, 0, 0}), int32_constant({1, 4, 3, 6}),
                   int32_constant({1, 2, 1, 2}), act({1, 2, 3, 3}, 0.05f, -5)};
      g.ops = {op(code, {0, 1, 2, 3}, 4)};
      g.inputs = {0};
      break;
    default: throw std::runtime_error("not a format 1.2 op");
  }
  if (code != kOpSub) g.ops[0].options.activation = host::Activation::kNone;
  g.outputs = {g.ops[0].outputs[0]};
  convert(g, out);
}

void make_format_1_3_model(OpCode code, TestModel* out) {
  host::Graph g;
  g.source = opcode_name(code);
  if (code == kOpTransposeConv) {
    g.tensors = {act({1, 2, 2, 1}, 0.05f, -5), weights({1, 3, 3, 1}, 1), bias(1),
                 act({1, 5, 5, 1}, 0.1f, 3)};
    g.ops = {op(code, {0, 1, 2}, 3)};
    g.ops[0].options.stride_h = g.ops[0].options.stride_w = 2;
    g.ops[0].options.padding = host::Padding::kValid;
  } else if (code == kOpSvdf) {
    Tensor time = weights({2, 3}, 1);
    time.type = kTensorTypeInt16;
    time.data.resize(2 * time.data.size());
    Tensor state = act({1, 6}, 0.008f, 0);
    state.type = kTensorTypeInt16;
    state.is_state = true;
    g.tensors = {act({1, 4}, 0.02f, 4), weights({2, 4}, 1), time, bias(2), state,
                 act({1, 2}, 0.03f, -2)};
    g.ops = {op(code, {0, 1, 2, 3, 4}, 5)};
  } else {
    throw std::runtime_error("not a format 1.3 op");
  }
  g.ops[0].options.activation = host::Activation::kNone;
  g.inputs = {0};
  g.outputs = {g.ops[0].outputs[0]};
  convert(g, out);
}

}  // namespace tmf::test
