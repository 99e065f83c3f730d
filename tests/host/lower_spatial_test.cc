// Lowerings of CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D, PAD/PADV2, MEAN and
// CONCATENATION: one-op graphs built by hand go through host::convert_graph() (lower, plan,
// validate), and the params in the written file are checked against values worked out by hand
// from TFLM's Prepare formulas (padding.h, PopulateConvolutionQuantizationParams,
// QuantizedMeanOrSum's 1/n folding); unsupported cases must throw naming the op and the tensor.
#include <cstring>
#include <string>
#include <vector>

#include "device/runtime/kernels/concatenation.h"
#include "device/runtime/kernels/conv_2d.h"
#include "device/runtime/kernels/depthwise_conv_2d.h"
#include "device/runtime/kernels/mean.h"
#include "device/runtime/kernels/pad.h"
#include "device/runtime/kernels/spatial.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using host::Activation;
using host::ConvertError;
using host::Graph;
using host::OpOptions;
using host::Padding;
using host::Tensor;

Tensor int8_tensor(const std::string& name, std::vector<int32_t> shape, float scale, int64_t zp) {
  Tensor t;
  t.name = name;
  t.type = kTensorTypeInt8;
  t.shape = std::move(shape);
  t.quant.scales = {scale};
  t.quant.zero_points = {zp};
  return t;
}

// A constant filter of ones (the values do not matter to the params), per-channel if
// `scales` has more than one entry.
Tensor filter_tensor(std::vector<int32_t> shape, std::vector<float> scales, int32_t axis) {
  Tensor t;
  t.name = "w";
  t.type = kTensorTypeInt8;
  t.shape = std::move(shape);
  t.quant.zero_points.assign(scales.size(), 0);
  t.quant.scales = std::move(scales);
  t.quant.axis = axis;
  t.data.assign(static_cast<size_t>(t.element_count()), 1);
  return t;
}

Tensor int32_constant(const std::string& name, std::vector<int32_t> shape,
                      const std::vector<int32_t>& values) {
  Tensor t;
  t.name = name;
  t.type = kTensorTypeInt32;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(int32_t));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

// A graph of one op over `tensors`; the last tensor is the output, every non-constant input is a
// graph input.
Graph one_op(OpCode opcode, const char* name, std::vector<Tensor> tensors, std::vector<int> inputs,
             OpOptions options = {}) {
  Graph g;
  g.source = "crafted.tflite";
  g.tensors = std::move(tensors);
  host::Op op;
  op.opcode = opcode;
  op.source_name = name;
  op.inputs = inputs;
  op.outputs = {static_cast<int>(g.tensors.size()) - 1};
  op.options = std::move(options);
  g.ops = {op};
  for (int i : inputs) {
    if (i >= 0 && !g.tensors[i].is_constant()) g.inputs.push_back(i);
  }
  g.outputs = op.outputs;
  return g;
}

// The converted file, validated by the device runtime, and accessors for op 0.
class Converted {
 public:
  explicit Converted(const Graph& g) {
    const host::ConvertResult r = host::convert_graph(g, {});
    storage_.resize(r.file.size() + 16);
    base_ = storage_.data() + (16 - reinterpret_cast<uintptr_t>(storage_.data()) % 16) % 16;
    std::memcpy(base_, r.file.data(), r.file.size());
    status_ = model_validate(base_, r.file.size(), &model_, nullptr);
  }
  Status status() const { return status_; }
  const OpRecord& op() const { return model_.ops[0]; }
  template <typename P>
  P params() const {
    P p;
    std::memcpy(&p, model_.params + op().params_offset, sizeof(P));
    return p;
  }
  std::vector<int32_t> ints(uint32_t offset, size_t count) const {
    std::vector<int32_t> v(count);
    std::memcpy(v.data(), model_.params + offset, count * sizeof(int32_t));
    return v;
  }

 private:
  std::vector<uint8_t> storage_;
  uint8_t* base_ = nullptr;
  Model model_{};
  Status status_ = Status::kErrNotValidated;
};

OpOptions conv_options(int32_t stride, Padding padding, Activation activation) {
  OpOptions o;
  o.stride_h = o.stride_w = stride;
  o.padding = padding;
  o.activation = activation;
  return o;
}

// The first layer of MLPerf Tiny's keyword spotting model: 10x4 filter, stride 2, SAME, RELU on a
// 49x10 input -> 25x5. TFLite: total padding (25-1)*2 + 10 - 49 = 9 rows -> 4 on top;
// (5-1)*2 + 4 - 10 = 2 columns -> 1 on the left.
Graph kws_conv(std::vector<float> filter_scales, std::vector<int32_t> out_shape = {1, 25, 5, 4},
               Activation activation = Activation::kRelu) {
  return one_op(kOpConv2D, "CONV_2D",
                {int8_tensor("in", {1, 49, 10, 1}, 0.5f, 83),
                 filter_tensor({4, 10, 4, 1}, std::move(filter_scales), 0),
                 int32_constant("b", {4}, {10, -20, 30, -40}),
                 int8_tensor("out", std::move(out_shape), 0.25f, -128)},
                {0, 1, 2}, conv_options(2, Padding::kSame, activation));
}

TMF_TEST(LowerSpatial, Conv2DKwsGeometryAndPerChannelRequant) {
  const Converted c(kws_conv({0.25f, 0.5f, 1.0f, 0.1f}));
  TMF_ASSERT(c.status() == Status::kOk);
  TMF_EXPECT_EQ(c.op().opcode, kOpConv2D);
  TMF_EXPECT_EQ(c.op().input_count, 3);
  const auto p = c.params<Conv2DParams>();
  TMF_EXPECT_EQ(p.stride_h, 2);
  TMF_EXPECT_EQ(p.stride_w, 2);
  TMF_EXPECT_EQ(p.dilation_h, 1);
  TMF_EXPECT_EQ(p.pad_h, 4);
  TMF_EXPECT_EQ(p.pad_w, 1);
  TMF_EXPECT_EQ(p.input_zero_point, 83);
  TMF_EXPECT_EQ(p.output_zero_point, -128);
  TMF_EXPECT_EQ(p.act_min, -128);  // RELU: zero point + round(0 / scale)
  TMF_EXPECT_EQ(p.act_max, 127);
  // Real multipliers 0.5 * s / 0.25 = 0.5, 1, 2 and 2 * 0.1f; 0.1f = 13421773 * 2^-27, so
  // 2 * 0.1f = (13421773 / 2^24) * 2^-2 and the Q31 mantissa is 13421773 * 2^7.
  const std::vector<int32_t> expected = {1 << 30, 1 << 30, 1 << 30, 13421773 * 128, 0, 1, 2, -2};
  TMF_EXPECT(c.ints(p.per_channel, 8) == expected);
}

TMF_TEST(LowerSpatial, Conv2DPerTensorFilterRepeatsOneMultiplier) {
  const Converted c(kws_conv({0.5f}));
  TMF_ASSERT(c.status() == Status::kOk);
  const auto p = c.params<Conv2DParams>();
  const std::vector<int32_t> expected = {1 << 30, 1 << 30, 1 << 30, 1 << 30, 1, 1, 1, 1};
  TMF_EXPECT(c.ints(p.per_channel, 8) == expected);
}

TMF_TEST(LowerSpatial, Conv2DValidWithoutBias) {
  // 3x3 VALID, stride 1, dilation 2 on 7x6: effective filter 5 -> output 3x2, no padding.
  OpOptions o = conv_options(1, Padding::kValid, Activation::kRelu6);
  o.dilation_h = o.dilation_w = 2;
  const Graph g = one_op(kOpConv2D, "CONV_2D",
                         {int8_tensor("in", {1, 7, 6, 2}, 1.0f, 0),
                          filter_tensor({3, 3, 3, 2}, {0.5f}, 0),
                          int8_tensor("out", {1, 3, 2, 3}, 0.5f, -10)},
                         {0, 1, -1}, o);
  const Converted c(g);
  TMF_ASSERT(c.status() == Status::kOk);
  const auto p = c.params<Conv2DParams>();
  TMF_EXPECT_EQ(p.pad_h, 0);
  TMF_EXPECT_EQ(p.pad_w, 0);
  TMF_EXPECT_EQ(p.dilation_w, 2);
  TMF_EXPECT_EQ(p.act_min, -10);  // RELU6 at scale 0.5: [-10 + 0, -10 + 12]
  TMF_EXPECT_EQ(p.act_max, 2);
}

TMF_TEST(LowerSpatial, Conv2DRejections) {
  TMF_EXPECT_THROWS(host::convert_graph(kws_conv({0.5f}, {1, 24, 5, 4}), {}), ConvertError,
                    "op 0 (CONV_2D): tensor 3 'out': shape [1, 24, 5, 4] does not match SAME");
  TMF_EXPECT_THROWS(host::convert_graph(kws_conv({0.5f}, {1, 25, 5, 4}, Activation::kTanh), {}),
                    ConvertError, "op 0 (CONV_2D): fused activation TANH");
  Graph g = kws_conv({0.5f, 0.5f, 0.5f, 0.5f});
  g.tensors[1].quant.axis = 3;  // scales along the wrong axis
  TMF_EXPECT_THROWS(host::convert_graph(g, {}), ConvertError,
                    "op 0 (CONV_2D): tensor 1 'w': per-axis quantization on axis 3");
  g = kws_conv({0.5f}, {1, 25, 5, 4}, Activation::kRelu6);
  g.tensors[3].quant.scales = {1e-20f};  // RELU6's bound 6 / scale would leave int32
  TMF_EXPECT_THROWS(host::convert_graph(g, {}), ConvertError,
                    "tensor 3 'out': scale 0.000000 is too small for the fused activation");
  g = kws_conv({0.5f});
  g.tensors[1].quant.zero_points = {2};
  TMF_EXPECT_THROWS(host::convert_graph(g, {}), ConvertError,
                    "tensor 1 'w': filter must be symmetric");
  g = kws_conv({0.5f});
  g.tensors[0].type = kTensorTypeInt16;
  TMF_EXPECT_THROWS(host::convert_graph(g, {}), ConvertError, "tensor 0 'in': must be int8");
  g = kws_conv({0.5f});
  g.tensors[2] = int32_constant("b", {3}, {1, 2, 3});
  TMF_EXPECT_THROWS(host::convert_graph(g, {}), ConvertError, "tensor 2 'b': bias must be int32");
  g = kws_conv({0.5f});
  g.ops[0].options.stride_h = 1 << 20;
  TMF_EXPECT_THROWS(host::convert_graph(g, {}), ConvertError, "op 0 (CONV_2D): stride_h 1048576");
  g = kws_conv({0.5f});
  g.tensors[0].shape = {1, 49, 0, 1};
  TMF_EXPECT_THROWS(host::convert_graph(g, {}), ConvertError,
                    "tensor 0 'in': shape [1, 49, 0, 1] is empty");
}

// A depthwise layer of the keyword spotting model: 3x3, stride 1, SAME on 25x5 -> padding 1, 1.
Graph kws_depthwise(int32_t depth_multiplier, std::vector<float> scales, int32_t axis) {
  OpOptions o = conv_options(1, Padding::kSame, Activation::kRelu6);
  o.depth_multiplier = depth_multiplier;
  return one_op(kOpDepthwiseConv2D, "DEPTHWISE_CONV_2D",
                {int8_tensor("in", {1, 25, 5, 4}, 0.25f, -128),
                 filter_tensor({1, 3, 3, 4}, std::move(scales), axis),
                 int32_constant("b", {4}, {0, 0, 0, 0}),
                 int8_tensor("out", {1, 25, 5, 4}, 0.5f, -128)},
                {0, 1, 2}, o);
}

TMF_TEST(LowerSpatial, DepthwiseKwsLayer) {
  const Converted c(kws_depthwise(1, {1.0f, 2.0f, 4.0f, 0.5f}, 3));
  TMF_ASSERT(c.status() == Status::kOk);
  const auto p = c.params<DepthwiseConv2DParams>();
  TMF_EXPECT_EQ(p.pad_h, 1);
  TMF_EXPECT_EQ(p.pad_w, 1);
  TMF_EXPECT_EQ(p.depth_multiplier, 1);
  TMF_EXPECT_EQ(p.act_min, -128);
  TMF_EXPECT_EQ(p.act_max, -116);  // RELU6: -128 + round(6 / 0.5)
  // 0.25 * s / 0.5 = 0.5, 1, 2, 0.25.
  const std::vector<int32_t> expected = {1 << 30, 1 << 30, 1 << 30, 1 << 30, 0, 1, 2, -1};
  TMF_EXPECT(c.ints(p.per_channel, 8) == expected);
}

TMF_TEST(LowerSpatial, DepthwiseRejections) {
  TMF_EXPECT_THROWS(host::convert_graph(kws_depthwise(2, {1.0f}, 3), {}), ConvertError,
                    "op 0 (DEPTHWISE_CONV_2D): depth_multiplier 2 does not map input depth 4");
  TMF_EXPECT_THROWS(host::convert_graph(kws_depthwise(1, {1.0f, 2.0f, 4.0f, 0.5f}, 0), {}),
                    ConvertError, "tensor 1 'w': per-axis quantization on axis 0");
}

Graph pool_graph(OpCode opcode, const char* name, std::vector<int32_t> in_shape,
                 std::vector<int32_t> out_shape, int32_t filter, int32_t stride, Padding padding,
                 float out_scale = 0.5f) {
  OpOptions o = conv_options(stride, padding, Activation::kNone);
  o.filter_h = o.filter_w = filter;
  return one_op(opcode, name,
                {int8_tensor("in", std::move(in_shape), 0.5f, 3),
                 int8_tensor("out", std::move(out_shape), out_scale, 3)},
                {0}, o);
}

TMF_TEST(LowerSpatial, PoolGeometry) {
  {  // the keyword spotting model's global average: 25x5 VALID over 25x5
    OpOptions o = conv_options(2, Padding::kValid, Activation::kNone);
    o.filter_h = 25;
    o.filter_w = 5;
    const Converted c(one_op(kOpAveragePool2D, "AVERAGE_POOL_2D",
                             {int8_tensor("in", {1, 25, 5, 64}, 0.5f, 3),
                              int8_tensor("out", {1, 1, 1, 64}, 0.5f, 3)},
                             {0}, o));
    TMF_ASSERT(c.status() == Status::kOk);
    const auto p = c.params<PoolParams>();
    TMF_EXPECT_EQ(p.filter_h, 25);
    TMF_EXPECT_EQ(p.filter_w, 5);
    TMF_EXPECT_EQ(p.pad_h, 0);
    TMF_EXPECT_EQ(p.pad_w, 0);
    TMF_EXPECT_EQ(p.act_min, -128);
    TMF_EXPECT_EQ(p.act_max, 127);
  }
  {  // 3x3 SAME stride 1 on 5x5: total padding 2 -> 1 leading
    const Converted c(pool_graph(kOpMaxPool2D, "MAX_POOL_2D", {1, 5, 5, 2}, {1, 5, 5, 2}, 3, 1,
                                 Padding::kSame));
    TMF_ASSERT(c.status() == Status::kOk);
    TMF_EXPECT_EQ(c.op().opcode, kOpMaxPool2D);
    TMF_EXPECT_EQ(c.params<PoolParams>().pad_h, 1);
    TMF_EXPECT_EQ(c.params<PoolParams>().pad_w, 1);
  }
  {  // 2x2 SAME stride 2 on 5x5: output 3, total padding 1 -> 0 leading (the odd one trails)
    const Converted c(pool_graph(kOpMaxPool2D, "MAX_POOL_2D", {1, 5, 5, 2}, {1, 3, 3, 2}, 2, 2,
                                 Padding::kSame));
    TMF_ASSERT(c.status() == Status::kOk);
    TMF_EXPECT_EQ(c.params<PoolParams>().pad_h, 0);
    TMF_EXPECT_EQ(c.params<PoolParams>().stride_w, 2);
  }
}

TMF_TEST(LowerSpatial, PoolRejections) {
  const Graph requantizing = pool_graph(kOpAveragePool2D, "AVERAGE_POOL_2D", {1, 4, 4, 1},
                                        {1, 2, 2, 1}, 2, 2, Padding::kValid, 0.25f);
  TMF_EXPECT_THROWS(host::convert_graph(requantizing, {}), ConvertError,
                    "op 0 (AVERAGE_POOL_2D): tensor 1 'out': quantization must equal");
  const Graph misshapen = pool_graph(kOpMaxPool2D, "MAX_POOL_2D", {1, 4, 4, 1}, {1, 3, 3, 1}, 2,
                                     2, Padding::kValid);
  TMF_EXPECT_THROWS(host::convert_graph(misshapen, {}), ConvertError,
                    "tensor 1 'out': shape [1, 3, 3, 1] does not match VALID");
}

Graph pad_graph(const std::vector<int32_t>& paddings, std::vector<int32_t> out_shape,
                const Tensor* constant_value = nullptr) {
  std::vector<Tensor> tensors = {int8_tensor("in", {1, 3, 3, 2}, 0.5f, -7),
                                 int32_constant("paddings", {4, 2}, paddings)};
  std::vector<int> inputs = {0, 1};
  if (constant_value != nullptr) {
    tensors.push_back(*constant_value);
    inputs.push_back(2);
  }
  tensors.push_back(int8_tensor("out", std::move(out_shape), 0.5f, -7));
  return one_op(kOpPad, constant_value ? "PADV2" : "PAD", tensors, inputs);
}

TMF_TEST(LowerSpatial, PadParamsAndValue) {
  const Converted c(pad_graph({0, 0, 1, 2, 3, 0, 0, 1}, {1, 6, 6, 3}));
  TMF_ASSERT(c.status() == Status::kOk);
  TMF_EXPECT_EQ(c.op().input_count, 1);  // paddings moved into the params
  const auto p = c.params<PadParams>();
  const int32_t before[4] = {0, 1, 3, 0};
  const int32_t after[4] = {0, 2, 0, 1};
  for (int i = 0; i < 4; ++i) {
    TMF_EXPECT_EQ(p.before[i], before[i]);
    TMF_EXPECT_EQ(p.after[i], after[i]);
  }
  TMF_EXPECT_EQ(p.pad_value, -7);  // PAD: the output zero point

  Tensor value = int8_tensor("value", {}, 0.5f, -7);
  value.data = {static_cast<uint8_t>(-5)};
  const Converted v2(pad_graph({0, 0, 1, 2, 3, 0, 0, 1}, {1, 6, 6, 3}, &value));
  TMF_ASSERT(v2.status() == Status::kOk);
  TMF_EXPECT_EQ(v2.op().input_count, 1);
  TMF_EXPECT_EQ(v2.params<PadParams>().pad_value, -5);  // PADV2: constant_values
}

TMF_TEST(LowerSpatial, PadRejections) {
  TMF_EXPECT_THROWS(host::convert_graph(pad_graph({0, 0, -1, 2, 3, 0, 0, 1}, {1, 4, 6, 3}), {}),
                    ConvertError, "op 0 (PAD): tensor 1 'paddings': negative padding");
  TMF_EXPECT_THROWS(host::convert_graph(pad_graph({0, 0, 1, 2, 3, 0, 0, 1}, {1, 6, 6, 2}), {}),
                    ConvertError, "tensor 2 'out': dimension 3 is 2");
  Tensor value = int8_tensor("value", {}, 0.25f, -7);
  value.data = {0};
  TMF_EXPECT_THROWS(
      host::convert_graph(pad_graph({0, 0, 1, 2, 3, 0, 0, 1}, {1, 6, 6, 3}, &value), {}),
      ConvertError, "op 0 (PADV2): tensor 2 'value': constant_values must share");
}

Graph mean_graph(std::vector<int32_t> in_shape, const std::vector<int32_t>& axes,
                 std::vector<int32_t> out_shape, bool keep_dims, float out_scale, int64_t out_zp) {
  OpOptions o;
  o.keep_dims = keep_dims;
  return one_op(kOpMean, "MEAN",
                {int8_tensor("in", std::move(in_shape), 0.5f, 2),
                 int32_constant("axis", {static_cast<int32_t>(axes.size())}, axes),
                 int8_tensor("out", std::move(out_shape), out_scale, out_zp)},
                {0, 1}, o);
}

TMF_TEST(LowerSpatial, MeanAxesAndModes) {
  {  // axes {1, -2, 2} -> {1, 2}; same quantization: TFLM's integer division path
    const Converted c(mean_graph({1, 5, 5, 8}, {1, -2, 2}, {1, 1, 1, 8}, true, 0.5f, 2));
    TMF_ASSERT(c.status() == Status::kOk);
    TMF_EXPECT_EQ(c.op().input_count, 1);
    const auto p = c.params<MeanParams>();
    TMF_EXPECT_EQ(p.axis_mask, 0x6u);
    TMF_EXPECT_EQ(p.keep_dims, 1u);
    TMF_EXPECT_EQ(p.mode, kMeanModeDivide);
    TMF_EXPECT_EQ(p.multiplier, 0);
  }
  {  // n = 3, real 0.5 / 0.25 = 2 = 2^30 * 2^(2-31); shift' = min(floor(log2 3) = 1, 32, 33) = 1,
     // multiplier' = (2^30 << 1) / 3 = 715827882, shift 2 - 1 = 1
    const Converted c(mean_graph({1, 3, 1, 2}, {1}, {1, 1, 2}, false, 0.25f, 2));
    TMF_ASSERT(c.status() == Status::kOk);
    const auto p = c.params<MeanParams>();
    TMF_EXPECT_EQ(p.axis_mask, 0x2u);
    TMF_EXPECT_EQ(p.keep_dims, 0u);
    TMF_EXPECT_EQ(p.mode, kMeanModeRequantize);
    TMF_EXPECT_EQ(p.multiplier, 715827882);
    TMF_EXPECT_EQ(p.shift, 1);
    TMF_EXPECT_EQ(p.input_zero_point, 2);
  }
  {  // n = 4 with the same scales but another zero point: multiplier (2^30 << 2) / 4, shift 0
    const Converted c(mean_graph({1, 2, 2, 2}, {1, 2}, {1, 1, 1, 2}, true, 0.25f, -1));
    TMF_ASSERT(c.status() == Status::kOk);
    TMF_EXPECT_EQ(c.params<MeanParams>().multiplier, 1 << 30);
    TMF_EXPECT_EQ(c.params<MeanParams>().shift, 0);
  }
}

TMF_TEST(LowerSpatial, MeanRejections) {
  const Graph dropped = mean_graph({1, 5, 5, 8}, {1, 2}, {1, 8}, true, 0.5f, 2);
  TMF_EXPECT_THROWS(host::convert_graph(dropped, {}), ConvertError,
                    "op 0 (MEAN): tensor 2 'out': shape does not match");
  const Graph outside = mean_graph({1, 5, 5, 8}, {4}, {1, 5, 5, 8}, true, 0.5f, 2);
  TMF_EXPECT_THROWS(host::convert_graph(outside, {}), ConvertError,
                    "tensor 1 'axis': axis 4 is outside rank 4");
  Graph g = mean_graph({1, 5, 5, 8}, {1, 2}, {1, 8}, false, 0.5f, 2);
  g.tensors[1].data.clear();  // a computed axis tensor
  g.inputs = {0, 1};
  TMF_EXPECT_THROWS(host::convert_graph(g, {}), ConvertError,
                    "tensor 1 'axis': must be a constant");
}

Graph concat_graph(int32_t axis, float second_scale, Activation activation = Activation::kNone) {
  OpOptions o;
  o.axis = axis;
  o.activation = activation;
  return one_op(kOpConcatenation, "CONCATENATION",
                {int8_tensor("a", {2, 3}, 0.5f, 1), int8_tensor("b", {2, 5}, second_scale, 1),
                 int8_tensor("out", {2, 8}, 0.5f, 1)},
                {0, 1}, o);
}

TMF_TEST(LowerSpatial, ConcatenationAxis) {
  const Converted c(concat_graph(-1, 0.5f));
  TMF_ASSERT(c.status() == Status::kOk);
  TMF_EXPECT_EQ(c.params<ConcatenationParams>().axis, 1);
  TMF_EXPECT_EQ(c.op().input_count, 2);
}

TMF_TEST(LowerSpatial, ConcatenationRejections) {
  TMF_EXPECT_THROWS(host::convert_graph(concat_graph(1, 0.25f), {}), ConvertError,
                    "op 0 (CONCATENATION): tensor 1 'b': quantization must equal the output's");
  TMF_EXPECT_THROWS(host::convert_graph(concat_graph(1, 0.5f, Activation::kRelu), {}),
                    ConvertError, "op 0 (CONCATENATION): fused activations are not supported");
  TMF_EXPECT_THROWS(host::convert_graph(concat_graph(0, 0.5f), {}), ConvertError,
                    "tensor 0 'a': dimension 1 must equal the output's");
  TMF_EXPECT_THROWS(host::convert_graph(concat_graph(2, 0.5f), {}), ConvertError,
                    "op 0 (CONCATENATION): axis 2 is outside rank 2");
}

}  // namespace
}  // namespace tmf
