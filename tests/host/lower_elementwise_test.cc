// Lowerings of the element-wise and activation ops (ADD, MUL, SOFTMAX, LOGISTIC, TANH, RELU,
// RELU6, QUANTIZE, DEQUANTIZE, RESHAPE): one-op graphs through host::convert_graph(), the params
// it wrote checked against values worked out by hand from TFLM's Prepare formulas (the working
// is in the comments), a few run end to end through the device runtime, and the unsupported
// cases rejected with messages naming the op and the tensor.
#include <cmath>
#include <cstring>
#include <limits>

#include "device/runtime/interpreter.h"
#include "device/runtime/kernels/add.h"
#include "device/runtime/kernels/dequantize.h"
#include "device/runtime/kernels/hard_swish.h"
#include "device/runtime/kernels/leaky_relu.h"
#include "device/runtime/kernels/logistic.h"
#include "device/runtime/kernels/mul.h"
#include "device/runtime/kernels/quantize.h"
#include "device/runtime/kernels/relu.h"
#include "device/runtime/kernels/relu6.h"
#include "device/runtime/kernels/reshape.h"
#include "device/runtime/kernels/softmax.h"
#include "device/runtime/kernels/sub.h"
#include "device/runtime/kernels/tanh.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using host::Activation;
using host::ConvertError;
using host::Graph;
using host::Tensor;

Tensor quantized(const std::string& name, TensorType type, std::vector<int32_t> shape, float scale,
                 int64_t zero_point) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  t.quant.scales = {scale};
  t.quant.zero_points = {zero_point};
  return t;
}

Tensor int8(const std::string& name, std::vector<int32_t> shape, float scale, int64_t zero_point) {
  return quantized(name, kTensorTypeInt8, std::move(shape), scale, zero_point);
}

Tensor plain(const std::string& name, TensorType type, std::vector<int32_t> shape) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  return t;
}

// A graph of one op: tensors [inputs..., output]; graph inputs are the non-constant inputs.
Graph one_op(OpCode opcode, const std::string& name, std::vector<Tensor> inputs, Tensor output,
             host::OpOptions options = {}) {
  Graph g;
  g.source = "crafted.tflite";
  host::Op op;
  op.opcode = opcode;
  op.source_name = name;
  op.options = std::move(options);
  for (Tensor& t : inputs) {
    const int index = static_cast<int>(g.tensors.size());
    op.inputs.push_back(index);
    if (!t.is_constant()) g.inputs.push_back(index);
    g.tensors.push_back(std::move(t));
  }
  op.outputs = {static_cast<int>(g.tensors.size())};
  g.outputs = op.outputs;
  g.tensors.push_back(std::move(output));
  g.ops = {op};
  return g;
}

// A validated copy of a converted file, kept 16-byte aligned.
struct LoadedModel {
  std::vector<uint8_t> storage;
  Model model{};
  explicit LoadedModel(const std::vector<uint8_t>& file) : storage(file.size() + 16) {
    uint8_t* base = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
    std::memcpy(base, file.data(), file.size());
    if (model_validate(base, file.size(), &model, nullptr) != Status::kOk) {
      throw std::runtime_error("converted file fails validation");
    }
  }
  template <typename P>
  P params(uint32_t op = 0) const {
    P p;
    std::memcpy(&p, model.params + model.ops[op].params_offset, sizeof(P));
    return p;
  }
};

template <typename P>
P lowered_params(Graph g) {
  return LoadedModel(host::convert_graph(std::move(g), {}).file).params<P>();
}

// Converts `g`, writes `inputs` (one byte vector per graph input) and returns output 0's bytes.
std::vector<uint8_t> run(Graph g, const std::vector<std::vector<uint8_t>>& inputs) {
  const LoadedModel loaded(host::convert_graph(std::move(g), {}).file);
  std::vector<uint8_t> arena_storage(loaded.model.header->arena_bytes + 16);
  uint8_t* arena =
      arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it;
  if (interpreter_init(&it, &loaded.model, arena, loaded.model.header->arena_bytes) != Status::kOk)
    return {};
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorRecord* t = nullptr;
    uint8_t* data = nullptr;
    if (interpreter_input(it, static_cast<uint32_t>(i), &t, &data) != Status::kOk) return {};
    std::memcpy(data, inputs[i].data(), inputs[i].size());
  }
  if (interpreter_invoke(&it) != Status::kOk) return {};
  const TensorRecord* out = nullptr;
  const uint8_t* data = nullptr;
  interpreter_output(it, 0, &out, &data);
  return std::vector<uint8_t>(data, data + out->bytes);
}

std::vector<uint8_t> bytes_of(std::initializer_list<int> values) {
  std::vector<uint8_t> b;
  for (int v : values) b.push_back(static_cast<uint8_t>(v));
  return b;
}

host::OpOptions with_activation(Activation a) {
  host::OpOptions o;
  o.activation = a;
  return o;
}

// ---- ADD -----------------------------------------------------------------------------------

Graph add_graph(std::vector<int32_t> s1, std::vector<int32_t> s2, std::vector<int32_t> so,
                Activation activation = Activation::kNone, float out_scale = 0.1f) {
  return one_op(kOpAdd, "ADD", {int8("a", s1, 0.1f, -10), int8("b", s2, 0.05f, -5)},
                int8("sum", so, out_scale, 7), with_activation(activation));
}

TMF_TEST(LowerElementwise, AddParamsFollowTflmPrepare) {
  // twice_max = 2 * 0.1f; 0.1f / twice_max = 0.5 = 2^30 * 2^-31; 0.05f / twice_max = 0.25
  // (0.05f is a hair under half of 0.1f, not enough to move the rounded multiplier);
  // output 2 * 0.1f / (2^20 * 0.1f) = 2^-19 = 2^30 * 2^-31 * 2^-18.
  const AddParams p =
      lowered_params<AddParams>(add_graph({2, 3, 1, 2}, {1, 1, 3, 2}, {2, 3, 3, 2}));
  TMF_EXPECT_EQ(p.input1_offset, 10);
  TMF_EXPECT_EQ(p.input2_offset, 5);
  TMF_EXPECT_EQ(p.output_offset, 7);
  TMF_EXPECT_EQ(p.left_shift, 20);
  TMF_EXPECT_EQ(p.input1_multiplier, 1 << 30);
  TMF_EXPECT_EQ(p.input1_shift, 0);
  TMF_EXPECT_EQ(p.input2_multiplier, 1 << 30);
  TMF_EXPECT_EQ(p.input2_shift, -1);
  TMF_EXPECT_EQ(p.output_multiplier, 1 << 30);
  TMF_EXPECT_EQ(p.output_shift, -18);
  TMF_EXPECT_EQ(p.act_min, -128);
  TMF_EXPECT_EQ(p.act_max, 127);
  // RELU6 at scale 0.1, zp 7: [7 + round(0 / 0.1), 7 + round(6 / 0.1)] = [7, 67].
  const AddParams r = lowered_params<AddParams>(add_graph({4}, {4}, {4}, Activation::kRelu6));
  TMF_EXPECT_EQ(r.act_min, 7);
  TMF_EXPECT_EQ(r.act_max, 67);
}

TMF_TEST(LowerElementwise, AddRunsTflmBroadcastVector) {
  // tflite-micro add_test.cc mixed broadcast, shape pair 2 (see tests/device/add_test.cc).
  const std::vector<uint8_t> out =
      run(add_graph({2, 3, 1, 2}, {1, 3, 1, 2}, {2, 3, 1, 2}),
          {bytes_of({-13, 13, -1, -5, -2, -21, 2, 18, -26, -10, -3, -32}),
           bytes_of({-1, 1, -13, 5, 15, 13})});
  TMF_EXPECT(out == bytes_of({6, 33, 12, 17, 25, 5, 21, 38, -13, 12, 24, -6}));
}

TMF_TEST(LowerElementwise, AddRejectsWithOpAndTensor) {
  TMF_EXPECT_THROWS(
      lowered_params<AddParams>(add_graph({2, 3}, {2, 2}, {2, 3})), ConvertError,
      "crafted.tflite: op 0 (ADD): tensor 1 'b': shape [2, 2] does not broadcast with "
      "input 0's [2, 3]");
  TMF_EXPECT_THROWS(
      lowered_params<AddParams>(add_graph({2, 3}, {3}, {1, 3})), ConvertError,
      "op 0 (ADD): tensor 2 'sum': shape [1, 3] is not the broadcast of [2, 3] and [3]");
  TMF_EXPECT_THROWS(lowered_params<AddParams>(add_graph({4}, {4}, {4}, Activation::kTanh)),
                    ConvertError, "op 0 (ADD): fused activation TANH");
  TMF_EXPECT_THROWS(lowered_params<AddParams>(add_graph({4}, {4}, {4}, Activation::kNone, 1e-9f)),
                    ConvertError, "op 0 (ADD): tensor 2 'sum': scale");
  Graph g = add_graph({4}, {4}, {4});
  g.tensors[1] = quantized("b16", kTensorTypeInt16, {4}, 0.05f, 0);
  TMF_EXPECT_THROWS(lowered_params<AddParams>(g), ConvertError,
                    "op 0 (ADD): tensor 1 'b16': must be int8 with per-tensor quantization");
}

// ---- MUL -----------------------------------------------------------------------------------

TMF_TEST(LowerElementwise, MulParamsFollowTflmPrepare) {
  // 0.05f * 0.05f / 0.01f = 0.25000001..., frexp 0.50000003 * 2^-1: round(0.50000003 * 2^31) =
  // 1073741880, shift -1. RELU at zp -3: act_min = -3.
  const MulParams p = lowered_params<MulParams>(
      one_op(kOpMul, "MUL", {int8("a", {1, 3, 1, 2}, 0.05f, 2), int8("b", {1}, 0.05f, -1)},
             int8("prod", {1, 3, 1, 2}, 0.01f, -3), with_activation(Activation::kRelu)));
  TMF_EXPECT_EQ(p.input1_offset, -2);
  TMF_EXPECT_EQ(p.input2_offset, 1);
  TMF_EXPECT_EQ(p.output_offset, -3);
  TMF_EXPECT_EQ(p.output_multiplier, 1073741880);
  TMF_EXPECT_EQ(p.output_shift, -1);
  TMF_EXPECT_EQ(p.act_min, -3);
  TMF_EXPECT_EQ(p.act_max, 127);
  TMF_EXPECT_THROWS(lowered_params<MulParams>(
                        one_op(kOpMul, "MUL", {int8("a", {4}, 1.0f, 0), int8("b", {4}, 1.0f, 0)},
                               int8("prod", {4}, 1e-10f, 0))),
                    ConvertError, "op 0 (MUL): tensor 2 'prod': scale");
  TMF_EXPECT_THROWS(lowered_params<MulParams>(one_op(kOpMul, "MUL", {int8("a", {4}, 1.0f, 0)},
                                                     int8("prod", {4}, 1.0f, 0))),
                    ConvertError, "op 0 (MUL): expects 2 inputs, has 1");
}

// ---- SOFTMAX -------------------------------------------------------------------------------

Graph softmax_graph(std::vector<int32_t> shape, float beta, TensorType out_type = kTensorTypeInt8,
                    float out_scale = 1.0f / 256, int64_t out_zero_point = -128) {
  host::OpOptions o;
  o.beta = beta;
  return one_op(kOpSoftmax, "SOFTMAX", {int8("logits", shape, 0.1f, 0)},
                quantized("probs", out_type, shape, out_scale, out_zero_point), o);
}

TMF_TEST(LowerElementwise, SoftmaxParamsFollowTflmPrepare) {
  // beta * 0.1f * 2^26 = 13421773 * 2^-1 (0.1f = 13421773 * 2^-27) = 0.8 * 2^23: multiplier
  // 13421773 * 2^7 = 1717986944, shift 23; diff_min = -floor(31 * 2^26 / 2^23) = -248.
  SoftmaxParams p = lowered_params<SoftmaxParams>(softmax_graph({1, 12}, 1.0f));
  TMF_EXPECT_EQ(p.input_multiplier, 1717986944);
  TMF_EXPECT_EQ(p.input_left_shift, 23);
  TMF_EXPECT_EQ(p.diff_min, -248);
  p = lowered_params<SoftmaxParams>(softmax_graph({1, 12}, 0.5f));  // one power of two lower
  TMF_EXPECT_EQ(p.input_multiplier, 1717986944);
  TMF_EXPECT_EQ(p.input_left_shift, 22);
  TMF_EXPECT_EQ(p.diff_min, -496);
  // A huge beta caps the real multiplier at 2^31 - 1: multiplier 2^31 - 1 with shift 31 (TFLite's
  // generic QuantizeMultiplier would clamp the shift to 30), diff_min = -floor(31/32) = 0.
  p = lowered_params<SoftmaxParams>(softmax_graph({1, 12}, 1e12f));
  TMF_EXPECT_EQ(p.input_multiplier, std::numeric_limits<int32_t>::max());
  TMF_EXPECT_EQ(p.input_left_shift, 31);
  TMF_EXPECT_EQ(p.diff_min, 0);
  p = lowered_params<SoftmaxParams>(
      softmax_graph({2, 600}, 1.0f, kTensorTypeInt16, 1.0f / 65536, -32768));
  TMF_EXPECT_EQ(p.input_left_shift, 23);
}

TMF_TEST(LowerElementwise, SoftmaxRejectsWithOpAndTensor) {
  TMF_EXPECT_THROWS(
      lowered_params<SoftmaxParams>(softmax_graph({1, 12}, 1.0f, kTensorTypeInt8, 1.0f / 255)),
      ConvertError, "op 0 (SOFTMAX): tensor 1 'probs': int8 softmax output must have scale 1/256");
  TMF_EXPECT_THROWS(lowered_params<SoftmaxParams>(softmax_graph({1, 512}, 1.0f)), ConvertError,
                    "op 0 (SOFTMAX): tensor 0 'logits': softmax over 512 values exceeds 511");
  TMF_EXPECT_THROWS(lowered_params<SoftmaxParams>(softmax_graph({1, 12}, 1e-9f)), ConvertError,
                    "op 0 (SOFTMAX): tensor 0 'logits': beta * scale * 2^26");
  TMF_EXPECT_THROWS(lowered_params<SoftmaxParams>(softmax_graph({1, 12}, -1.0f)), ConvertError,
                    "op 0 (SOFTMAX): beta");
  TMF_EXPECT_THROWS(lowered_params<SoftmaxParams>(
                        softmax_graph({1, 12}, 1.0f, kTensorTypeInt16, 1.0f / 65536, 0)),
                    ConvertError, "tensor 1 'probs': int16 softmax output must have scale 1/65536");
}

// ---- LOGISTIC, TANH ------------------------------------------------------------------------

TMF_TEST(LowerElementwise, LogisticAndTanhParamsFollowTflmPrepare) {
  // 0.1f = 13421773 * 2^-27, so 0.1f * 2^27 = 0.8 * 2^24: multiplier 13421773 * 2^7, shift
  // 24, radius floor(15 * 2^27 / 2^24) = 120. 0.02f = 10737418 * 2^-29, so 0.02f * 2^27 =
  // 0.64 * 2^22 (a hair below): multiplier 10737418 * 2^7 = 1374389504, shift 22, radius 480.
  const LogisticParams l = lowered_params<LogisticParams>(
      one_op(kOpLogistic, "LOGISTIC", {int8("x", {8}, 0.1f, 4)}, int8("y", {8}, 1.0f / 256, -128)));
  TMF_EXPECT_EQ(l.input_zero_point, 4);
  TMF_EXPECT_EQ(l.input_range_radius, 120);
  TMF_EXPECT_EQ(l.input_multiplier, 1717986944);
  TMF_EXPECT_EQ(l.input_left_shift, 24);
  const TanhParams t = lowered_params<TanhParams>(
      one_op(kOpTanh, "TANH", {int8("x", {8}, 0.02f, 3)}, int8("y", {8}, 1.0f / 128, 0)));
  TMF_EXPECT_EQ(t.input_zero_point, 3);
  TMF_EXPECT_EQ(t.input_range_radius, 480);
  TMF_EXPECT_EQ(t.input_multiplier, 1374389504);
  TMF_EXPECT_EQ(t.input_left_shift, 22);
  // End to end: x = zp gives 1/2 (0 at zp -128) and 0.
  TMF_EXPECT(run(one_op(kOpLogistic, "LOGISTIC", {int8("x", {1}, 0.1f, 4)},
                        int8("y", {1}, 1.0f / 256, -128)),
                 {bytes_of({4})}) == bytes_of({0}));
}

TMF_TEST(LowerElementwise, LogisticAndTanhRejectWithOpAndTensor) {
  TMF_EXPECT_THROWS(
      lowered_params<LogisticParams>(one_op(kOpLogistic, "LOGISTIC", {int8("x", {8}, 0.1f, 0)},
                                            int8("y", {8}, 1.0f / 255, -128))),
      ConvertError, "op 0 (LOGISTIC): tensor 1 'y': int8 logistic output must have scale 1/256");
  TMF_EXPECT_THROWS(
      lowered_params<LogisticParams>(one_op(kOpLogistic, "LOGISTIC", {int8("x", {8}, 10.0f, 0)},
                                            int8("y", {8}, 1.0f / 256, -128))),
      ConvertError, "op 0 (LOGISTIC): tensor 0 'x': scale 10.000000 is outside");
  TMF_EXPECT_THROWS(lowered_params<TanhParams>(one_op(kOpTanh, "TANH", {int8("x", {8}, 0.1f, 0)},
                                                      int8("y", {8}, 1.0f / 256, -128))),
                    ConvertError,
                    "op 0 (TANH): tensor 1 'y': int8 tanh output must have scale 1/128");
  TMF_EXPECT_THROWS(lowered_params<TanhParams>(one_op(kOpTanh, "TANH", {int8("x", {8}, 0.1f, 0)},
                                                      int8("y", {4, 2}, 1.0f / 128, 0))),
                    ConvertError, "op 0 (TANH): tensor 1 'y': shape differs");
}

// ---- RELU, RELU6 ---------------------------------------------------------------------------

TMF_TEST(LowerElementwise, ReluParamsFollowTflmPrepare) {
  // 0.3f / 1.0f = 0.6 * 2^-1: multiplier 0.3f * 2^32 = 1288490240 (0.3f = 10066330 * 2^-25),
  // shift -1; act_min = max(-128, -20), act_max = 127.
  ReluParams p = lowered_params<ReluParams>(
      one_op(kOpRelu, "RELU", {int8("x", {8}, 0.3f, 7)}, int8("y", {8}, 1.0f, -20)));
  TMF_EXPECT_EQ(p.input_zero_point, 7);
  TMF_EXPECT_EQ(p.output_zero_point, -20);
  TMF_EXPECT_EQ(p.output_multiplier, 1288490240);
  TMF_EXPECT_EQ(p.output_shift, -1);
  TMF_EXPECT_EQ(p.act_min, -20);
  TMF_EXPECT_EQ(p.act_max, 127);
  p = lowered_params<ReluParams>(
      one_op(kOpRelu, "RELU", {int8("x", {8}, 0.5f, 0)}, int8("y", {8}, 0.5f, -128)));
  TMF_EXPECT_EQ(p.output_multiplier, 1 << 30);  // ratio 1 = 2^30 * 2^-31 * 2^1
  TMF_EXPECT_EQ(p.output_shift, 1);
  TMF_EXPECT_EQ(p.act_min, -128);
}

TMF_TEST(LowerElementwise, Relu6BoundsFollowTflmPrepare) {
  // zp + round(6 / s): 0.05f -> -100 + 120 = 20; 0.5f with zp 127 -> 139, clamped to 127.
  Relu6Params p = lowered_params<Relu6Params>(
      one_op(kOpRelu6, "RELU6", {int8("x", {8}, 0.05f, -100)}, int8("y", {8}, 0.05f, -100)));
  TMF_EXPECT_EQ(p.lower, -100);
  TMF_EXPECT_EQ(p.upper, 20);
  p = lowered_params<Relu6Params>(
      one_op(kOpRelu6, "RELU6", {int8("x", {8}, 0.5f, 127)}, int8("y", {8}, 0.5f, 127)));
  TMF_EXPECT_EQ(p.lower, 127);
  TMF_EXPECT_EQ(p.upper, 127);
  TMF_EXPECT(
      run(one_op(kOpRelu6, "RELU6", {int8("x", {4}, 0.05f, -100)}, int8("y", {4}, 0.05f, -100)),
          {bytes_of({-128, -50, 20, 100})}) == bytes_of({-100, -50, 20, 20}));
  TMF_EXPECT_THROWS(
      lowered_params<Relu6Params>(one_op(kOpRelu6, "RELU6", {plain("x", kTensorTypeFloat32, {8})},
                                         plain("y", kTensorTypeFloat32, {8}))),
      ConvertError, "op 0 (RELU6): tensor 0 'x': must be int8");
}

// ---- QUANTIZE, DEQUANTIZE ------------------------------------------------------------------

TMF_TEST(LowerElementwise, QuantizeParams) {
  QuantizeParams p = lowered_params<QuantizeParams>(one_op(
      kOpQuantize, "QUANTIZE", {plain("x", kTensorTypeFloat32, {4})}, int8("q", {4}, 0.5f, -3)));
  TMF_EXPECT(p.output_scale == 0.5f);
  TMF_EXPECT_EQ(p.output_zero_point, -3);
  TMF_EXPECT_EQ(p.multiplier, 0);
  // int8 0.5 -> int8 1.0: 1/2 = 2^30 * 2^-31, shift 0.
  p = lowered_params<QuantizeParams>(
      one_op(kOpQuantize, "QUANTIZE", {int8("x", {4}, 0.5f, 1)}, int8("q", {4}, 1.0f, -1)));
  TMF_EXPECT_EQ(p.input_zero_point, 1);
  TMF_EXPECT_EQ(p.output_zero_point, -1);
  TMF_EXPECT_EQ(p.multiplier, 1 << 30);
  TMF_EXPECT_EQ(p.shift, 0);
  // End to end from float: -12.15f / 0.1f = -121.49999 -> -121 (a division, not * 10).
  float x = -12.15f;
  std::vector<uint8_t> in(4);
  std::memcpy(in.data(), &x, 4);
  TMF_EXPECT(run(one_op(kOpQuantize, "QUANTIZE", {plain("x", kTensorTypeFloat32, {1})},
                        int8("q", {1}, 0.1f, 0)),
                 {in}) == bytes_of({-121}));
  TMF_EXPECT_THROWS(lowered_params<QuantizeParams>(
                        one_op(kOpQuantize, "QUANTIZE", {plain("x", kTensorTypeFloat32, {4})},
                               quantized("q", kTensorTypeUint8, {4}, 0.5f, 0))),
                    ConvertError, "op 0 (QUANTIZE): quantizing float32 to uint8 is not supported");
  TMF_EXPECT_THROWS(lowered_params<QuantizeParams>(one_op(kOpQuantize, "QUANTIZE",
                                                          {plain("x", kTensorTypeFloat32, {4})},
                                                          plain("q", kTensorTypeInt8, {4}))),
                    ConvertError,
                    "op 0 (QUANTIZE): tensor 1 'q': must have per-tensor quantization");
}

TMF_TEST(LowerElementwise, DequantizeParams) {
  const DequantizeParams p = lowered_params<DequantizeParams>(
      one_op(kOpDequantize, "DEQUANTIZE", {int8("q", {4}, 0.25f, -7)},
             plain("x", kTensorTypeFloat32, {4})));
  TMF_EXPECT(p.scale == 0.25f);
  TMF_EXPECT_EQ(p.zero_point, -7);
  TMF_EXPECT_THROWS(
      lowered_params<DequantizeParams>(one_op(
          kOpDequantize, "DEQUANTIZE", {int8("q", {4}, 0.25f, 0)}, int8("x", {4}, 0.25f, 0))),
      ConvertError, "op 0 (DEQUANTIZE): tensor 1 'x': must be float32");
}

// ---- RESHAPE -------------------------------------------------------------------------------

Tensor shape_tensor(std::vector<int32_t> values) {
  Tensor t = plain("new_shape", kTensorTypeInt32, {static_cast<int32_t>(values.size())});
  t.data.resize(values.size() * sizeof(int32_t));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

TMF_TEST(LowerElementwise, ReshapeDropsTheShapeTensorAndCopies) {
  const Graph g = one_op(kOpReshape, "RESHAPE", {int8("x", {2, 3}, 0.5f, 0), shape_tensor({-1, 6})},
                         int8("y", {1, 6}, 0.5f, 0));
  const LoadedModel loaded(host::convert_graph(g, {}).file);
  TMF_EXPECT_EQ(loaded.model.ops[0].input_count, 1);
  TMF_EXPECT_EQ(loaded.params<ReshapeParams>().bytes, 6);
  TMF_EXPECT_EQ(loaded.model.header->tensor_count, 2);  // the shape tensor is not written
  TMF_EXPECT(run(g, {bytes_of({1, -2, 3, -4, 5, -6})}) == bytes_of({1, -2, 3, -4, 5, -6}));
  host::OpOptions o;
  o.new_shape = {6};
  TMF_EXPECT_EQ(
      lowered_params<ReshapeParams>(
          one_op(kOpReshape, "RESHAPE", {int8("x", {2, 3}, 0.5f, 0)}, int8("y", {6}, 0.5f, 0), o))
          .bytes,
      6);
}

TMF_TEST(LowerElementwise, ReshapeRejectsDisagreeingShapes) {
  TMF_EXPECT_THROWS(
      lowered_params<ReshapeParams>(one_op(kOpReshape, "RESHAPE",
                                           {int8("x", {2, 3}, 0.5f, 0), shape_tensor({3, 2})},
                                           int8("y", {1, 6}, 0.5f, 0))),
      ConvertError,
      "op 0 (RESHAPE): tensor 2 'y': shape [1, 6] disagrees with the shape tensor [3, 2]");
  host::OpOptions o;
  o.new_shape = {-1, -1};
  TMF_EXPECT_THROWS(
      lowered_params<ReshapeParams>(
          one_op(kOpReshape, "RESHAPE", {int8("x", {2, 3}, 0.5f, 0)}, int8("y", {6}, 0.5f, 0), o)),
      ConvertError, "disagrees with the new_shape option [-1, -1]");
  TMF_EXPECT_THROWS(
      lowered_params<ReshapeParams>(
          one_op(kOpReshape, "RESHAPE", {int8("x", {2, 3}, 0.5f, 0)}, int8("y", {7}, 0.5f, 0))),
      ConvertError, "op 0 (RESHAPE): tensor 1 'y': shape [7] holds a different number");
  TMF_EXPECT_THROWS(
      lowered_params<ReshapeParams>(one_op(kOpReshape, "RESHAPE", {int8("x", {2, 3}, 0.5f, 0)},
                                           quantized("y", kTensorTypeInt16, {6}, 0.5f, 0))),
      ConvertError, "op 0 (RESHAPE): tensor 1 'y': type differs");
}

// ---- SUB -----------------------------------------------------------------------------------

TMF_TEST(LowerElementwise, SubParamsFollowTflmPrepareAndRun) {
  // TFLM's PrepareGeneralSubOp is ADD's: twice_max = 2 * 0.5 = 1; 0.25 / 1 = 2^30 * 2^-31 * 2^-1,
  // 0.5 / 1 = 2^30 * 2^-31, output 1 / (2^20 * 1) = 2^30 * 2^-31 * 2^-19.
  const auto graph = [] {
    return one_op(kOpSub, "SUB", {int8("a", {1, 4}, 0.25f, -10), int8("b", {1, 4}, 0.5f, 4)},
                  int8("difference", {1, 4}, 1.0f, 13));
  };
  const SubParams p = lowered_params<SubParams>(graph());
  TMF_EXPECT_EQ(p.input1_offset, 10);
  TMF_EXPECT_EQ(p.input2_offset, -4);
  TMF_EXPECT_EQ(p.output_offset, 13);
  TMF_EXPECT_EQ(p.left_shift, 20);
  TMF_EXPECT_EQ(p.input1_multiplier, 1 << 30);
  TMF_EXPECT_EQ(p.input1_shift, -1);
  TMF_EXPECT_EQ(p.input2_multiplier, 1 << 30);
  TMF_EXPECT_EQ(p.input2_shift, 0);
  TMF_EXPECT_EQ(p.output_multiplier, 1 << 30);
  TMF_EXPECT_EQ(p.output_shift, -19);
  // {-2, -1, 0, 1} - {1, 2, 3, 4} = -3 everywhere: q = -3 / 1 + 13 (tests/device/sub_test.cc).
  TMF_EXPECT(run(graph(), {bytes_of({-18, -14, -10, -6}), bytes_of({6, 8, 10, 12})}) ==
             bytes_of({10, 10, 10, 10}));
  TMF_EXPECT_THROWS(
      lowered_params<SubParams>(one_op(kOpSub, "SUB", {int8("a", {2, 3}, 0.1f, 0),
                                                       int8("b", {2, 2}, 0.1f, 0)},
                                       int8("d", {2, 3}, 0.1f, 0))),
      ConvertError, "crafted.tflite: op 0 (SUB): tensor 1 'b': shape [2, 2] does not broadcast");
}

// ---- LEAKY_RELU ------------------------------------------------------------------------------

TMF_TEST(LowerElementwise, LeakyReluParamsFollowTflmPrepareAndRun) {
  const auto graph = [](float alpha) {
    host::OpOptions o;
    o.alpha = alpha;
    return one_op(kOpLeakyRelu, "LEAKY_RELU", {int8("x", {1, 4}, 0.5f, 0)}, int8("y", {1, 4}, 0.5f, 0),
                  o);
  };
  // identity 0.5f / 0.5f = 1 = 2^30 * 2^-31 * 2^1; alpha 0.5f * 0.25f / 0.5f = 0.25 = 2^30 *
  // 2^-31 * 2^-1; a negative alpha keeps its sign in the multiplier (frexp(-0.25) = -0.5 * 2^-1).
  const LeakyReluParams p = lowered_params<LeakyReluParams>(graph(0.25f));
  TMF_EXPECT_EQ(p.identity_multiplier, 1 << 30);
  TMF_EXPECT_EQ(p.identity_shift, 1);
  TMF_EXPECT_EQ(p.alpha_multiplier, 1 << 30);
  TMF_EXPECT_EQ(p.alpha_shift, -1);
  const LeakyReluParams n = lowered_params<LeakyReluParams>(graph(-0.25f));
  TMF_EXPECT_EQ(n.alpha_multiplier, -(1 << 30));
  TMF_EXPECT_EQ(n.alpha_shift, -1);
  // alpha -0.25: x = -4 (-2.0) -> 0.5 -> q 1; x = -8 -> 2; x = 6 -> 6.
  TMF_EXPECT(run(graph(-0.25f), {bytes_of({-4, -8, 6, 0})}) == bytes_of({1, 2, 6, 0}));
  // alpha 0 (TFLite's value when the options table is absent): every negative input is 0.
  TMF_EXPECT(run(graph(0.0f), {bytes_of({-4, -128, 6, 0})}) == bytes_of({0, 0, 6, 0}));
}

// ---- HARD_SWISH ------------------------------------------------------------------------------

TMF_TEST(LowerElementwise, HardSwishParamsFollowTflmPrepare) {
  // hires = 3/256 / 128 = 3/32768 (exact in float): output 3/32768 / (3/256) = 2^-7 -> Q31 2^30,
  // shift -6 -> Q15 (2^30 + 2^15) >> 16 = 16384; reluish 3/32768 / (3/32768) = 1 -> 2^30, shift 1
  // -> 16384 (tests/device/hard_swish_test.cc runs these params).
  const auto graph = [](float out_scale) {
    return one_op(kOpHardSwish, "HARD_SWISH", {int8("x", {1, 4}, 3.0f / 256, 0)},
                  int8("y", {1, 4}, out_scale, -7));
  };
  const HardSwishParams p = lowered_params<HardSwishParams>(graph(3.0f / 256));
  TMF_EXPECT_EQ(p.output_multiplier, 16384);
  TMF_EXPECT_EQ(p.output_exponent, -6);
  TMF_EXPECT_EQ(p.reluish_multiplier, 16384);
  TMF_EXPECT_EQ(p.reluish_exponent, 1);
  TMF_EXPECT_EQ(p.output_zero_point, -7);
  // d = 127: 127 * 383 / 8 = 6080 -> 95, minus 7.
  TMF_EXPECT(run(graph(3.0f / 256), {bytes_of({127, 0, -128, 10})}) == bytes_of({88, -7, -39, -2}));
  // An output scale below s_in / 128 needs a left shift TFLM's kernel does not have.
  TMF_EXPECT_THROWS(lowered_params<HardSwishParams>(graph(1e-5f)), ConvertError,
                    "op 0 (HARD_SWISH): tensor 1 'y': scale");
}

}  // namespace
}  // namespace tmf
