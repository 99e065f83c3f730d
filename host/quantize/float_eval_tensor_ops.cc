// Float32 ADD/SUB/MUL (broadcasting), CONCATENATION, MEAN and PAD for float import (see
// float_eval_tensor_ops.h). Shapes are right-aligned into 4-D as TFLite's broadcasting does.
#include "host/quantize/float_eval_tensor_ops.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "device/runtime/kernels/concatenation.h"
#include "device/runtime/kernels/mean.h"

namespace tmf::quantize {
namespace {

using host::Activation;
using host::ConvertError;
using host::Graph;
using host::Op;
using host::Tensor;

using Dims = std::array<int64_t, kTmfMaxRank>;

[[noreturn]] void fail(const Graph& g, size_t op, const std::string& what) {
  throw ConvertError(g.op_context(op) + ": " + what);
}

[[noreturn]] void fail_tensor(const Graph& g, size_t op, int t, const std::string& what) {
  throw ConvertError(g.op_context(op) + ": " + g.tensor_context(t) + ": " + what);
}

// The shape right-aligned into 4-D, leading dimensions 1.
Dims dims4(const std::vector<int32_t>& shape) {
  Dims d{1, 1, 1, 1};
  const size_t pad = kTmfMaxRank - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) d[pad + i] = shape[i];
  return d;
}

std::vector<int32_t> int32s_of(const Tensor& t) {
  std::vector<int32_t> v(t.data.size() / sizeof(int32_t));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(int32_t));
  return v;
}

// MEAN and PAD read an activation (a constant would be folded by the converter).
void require_activation_input(const Graph& g, size_t index) {
  const int t = g.ops[index].inputs[0];
  if (g.tensors[t].is_constant()) fail_tensor(g, index, t, "a constant input is not supported by float import");
}

void require_rank4(const Graph& g, size_t index, int t) {
  if (g.tensors[t].shape.size() > kTmfMaxRank) {
    fail_tensor(g, index, t, "rank " + std::to_string(g.tensors[t].shape.size()) + " exceeds 4");
  }
}

// A constant int32 operand (MEAN's axes, PAD's paddings) with `count` elements, or -1 for any count.
std::vector<int32_t> int32_operand(const Graph& g, size_t index, size_t slot, int64_t count, const std::string& what) {
  const Op& op = g.ops[index];
  if (op.inputs.size() <= slot || op.inputs[slot] < 0) fail(g, index, "expects " + what);
  const Tensor& t = g.tensors[op.inputs[slot]];
  if (t.type != kTensorTypeInt32 || !t.is_constant() || (count >= 0 && t.element_count() != count) ||
      t.data.size() != static_cast<size_t>(t.element_count()) * sizeof(int32_t)) {
    fail_tensor(g, index, op.inputs[slot],
                what + " must be a constant int32 tensor" + (count >= 0 ? " of " + std::to_string(count) + " values" : ""));
  }
  return int32s_of(t);
}

// Bit i set if dimension i of a rank-`rank` input is reduced (negative axes count from the end).
uint32_t mean_axes(const Graph& g, size_t index, size_t rank) {
  uint32_t mask = 0;
  for (int32_t a : int32_operand(g, index, 1, -1, "axis")) {
    const int64_t r = a < 0 ? static_cast<int64_t>(a) + static_cast<int64_t>(rank) : a;
    if (r < 0 || r >= static_cast<int64_t>(rank)) {
      fail_tensor(g, index, g.ops[index].inputs[1], "axis " + std::to_string(a) + " is outside rank " + std::to_string(rank));
    }
    mask |= 1u << r;
  }
  return mask;
}

void check_binary(const Graph& g, size_t index) {
  const Op& op = g.ops[index];
  if (op.inputs.size() != 2 || op.inputs[0] < 0 || op.inputs[1] < 0) fail(g, index, "expects two inputs");
  const Tensor& a = g.tensors[op.inputs[0]];
  const Tensor& b = g.tensors[op.inputs[1]];
  const Tensor& out = g.tensors[op.outputs[0]];
  if (b.type != kTensorTypeFloat32) fail_tensor(g, index, op.inputs[1], "input is not float32");
  if (a.is_constant() && b.is_constant()) fail(g, index, "both inputs are constants (fold them before converting)");
  for (const int t : {op.inputs[0], op.inputs[1], op.outputs[0]}) require_rank4(g, index, t);
  const Dims da = dims4(a.shape), db = dims4(b.shape), dout = dims4(out.shape);
  for (size_t i = 0; i < kTmfMaxRank; ++i) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1) {
      fail_tensor(g, index, op.inputs[1], "shape " + host::shape_string(b.shape) + " does not broadcast with " +
                                              host::shape_string(a.shape));
    }
    if (dout[i] != std::max(da[i], db[i]) || (da[i] == 0 || db[i] == 0)) {
      fail_tensor(g, index, op.outputs[0], "shape " + host::shape_string(out.shape) + " is not the broadcast of " +
                                               host::shape_string(a.shape) + " and " + host::shape_string(b.shape));
    }
  }
  if (out.shape.size() != std::max(a.shape.size(), b.shape.size())) {
    fail_tensor(g, index, op.outputs[0], "rank must be the larger input rank");
  }
}

void check_concatenation(const Graph& g, size_t index) {
  const Op& op = g.ops[index];
  if (op.inputs.empty() || op.inputs.size() > kConcatenationMaxInputs) {
    fail(g, index, "expects 1 to " + std::to_string(kConcatenationMaxInputs) + " inputs");
  }
  if (op.options.activation != Activation::kNone) fail(g, index, "fused activations are not supported (TFLM accepts only NONE)");
  const Tensor& out = g.tensors[op.outputs[0]];
  const int32_t rank = static_cast<int32_t>(out.shape.size());
  if (rank < 1 || rank > static_cast<int32_t>(kTmfMaxRank)) fail_tensor(g, index, op.outputs[0], "rank must be 1 to 4");
  const int32_t axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
  if (axis < 0 || axis >= rank) fail(g, index, "axis " + std::to_string(op.options.axis) + " is outside rank " + std::to_string(rank));
  int64_t total = 0;
  for (const int t : op.inputs) {
    if (t < 0) fail(g, index, "an input is missing");
    const Tensor& in = g.tensors[t];
    if (in.type != kTensorTypeFloat32) fail_tensor(g, index, t, "input is not float32");
    if (in.is_constant()) fail_tensor(g, index, t, "a constant input is not supported by float import");
    if (static_cast<int32_t>(in.shape.size()) != rank) fail_tensor(g, index, t, "rank must equal the output's");
    for (int32_t d = 0; d < rank; ++d) {
      if (d != axis && in.shape[d] != out.shape[d]) {
        fail_tensor(g, index, t, "dimension " + std::to_string(d) + " must equal the output's");
      }
    }
    total += in.shape[axis];
  }
  if (total != out.shape[axis]) {
    fail_tensor(g, index, op.outputs[0], "dimension " + std::to_string(axis) + " must be the inputs' sum " + std::to_string(total));
  }
}

void check_mean(const Graph& g, size_t index) {
  const Op& op = g.ops[index];
  if (op.inputs.size() != 2) fail(g, index, "expects an input and an axis tensor");
  require_activation_input(g, index);
  const Tensor& in = g.tensors[op.inputs[0]];
  const Tensor& out = g.tensors[op.outputs[0]];
  require_rank4(g, index, op.inputs[0]);
  const uint32_t mask = mean_axes(g, index, in.shape.size());
  std::vector<int32_t> expected;
  int64_t n = 1;
  for (size_t i = 0; i < in.shape.size(); ++i) {
    const bool reduced = (mask >> i) & 1u;
    if (reduced) n *= in.shape[i];
    if (op.options.keep_dims || !reduced) expected.push_back(reduced ? 1 : in.shape[i]);
  }
  if (out.shape != expected) {
    fail_tensor(g, index, op.outputs[0], "shape " + host::shape_string(out.shape) + " is not the reduction " +
                                             host::shape_string(expected) + " of the input over the given axes");
  }
  if (n < 1 || n > kMeanMaxReduced) fail(g, index, "averages " + std::to_string(n) + " values per output, outside 1.." + std::to_string(kMeanMaxReduced));
}

void check_pad(const Graph& g, size_t index) {
  const Op& op = g.ops[index];
  if (op.inputs.size() < 2) fail(g, index, "expects an input and a paddings tensor");
  if (op.inputs.size() == 3 && op.inputs[2] >= 0) {
    // PADV2: the pad value is quantized into the input's quantization later (float_graph.cc).
    const Tensor& v = g.tensors[op.inputs[2]];
    if (v.type != kTensorTypeFloat32 || !v.is_constant() || v.element_count() != 1 || v.data.size() != sizeof(float)) {
      fail_tensor(g, index, op.inputs[2], "PADV2 constant_values must be a constant float32 scalar");
    }
    float value = 0.0f;
    std::memcpy(&value, v.data.data(), sizeof(float));
    if (!std::isfinite(value)) fail_tensor(g, index, op.inputs[2], "PADV2 constant_values is not finite");
  }
  require_activation_input(g, index);
  const Tensor& in = g.tensors[op.inputs[0]];
  const Tensor& out = g.tensors[op.outputs[0]];
  require_rank4(g, index, op.inputs[0]);
  const size_t rank = in.shape.size();
  const std::vector<int32_t> pads = int32_operand(g, index, 1, static_cast<int64_t>(2 * rank), "paddings");
  if (out.shape.size() != rank) fail_tensor(g, index, op.outputs[0], "rank must equal the input's");
  for (size_t i = 0; i < rank; ++i) {
    if (pads[2 * i] < 0 || pads[2 * i + 1] < 0) {
      fail_tensor(g, index, op.inputs[1], "negative padding on dimension " + std::to_string(i) + " is not supported");
    }
    if (static_cast<int64_t>(in.shape[i]) + pads[2 * i] + pads[2 * i + 1] != out.shape[i]) {
      fail_tensor(g, index, op.outputs[0], "dimension " + std::to_string(i) + " does not follow from input and paddings");
    }
  }
}

void eval_binary(const Graph& g, const Op& op, std::vector<std::vector<float>>& values) {
  const std::vector<float>& a = float_operand(g, op.inputs[0], values);
  const std::vector<float>& b = float_operand(g, op.inputs[1], values);
  const Dims da = dims4(g.tensors[op.inputs[0]].shape), db = dims4(g.tensors[op.inputs[1]].shape);
  const Dims dout = dims4(g.tensors[op.outputs[0]].shape);
  // Row-major strides; a broadcast dimension (size 1) has stride 0.
  Dims sa{}, sb{};
  int64_t ka = 1, kb = 1;
  for (size_t i = kTmfMaxRank; i-- > 0;) {
    sa[i] = da[i] == 1 ? 0 : ka;
    sb[i] = db[i] == 1 ? 0 : kb;
    ka *= da[i];
    kb *= db[i];
  }
  std::vector<float> y;
  y.reserve(static_cast<size_t>(dout[0] * dout[1] * dout[2] * dout[3]));
  for (int64_t i0 = 0; i0 < dout[0]; ++i0) {
    for (int64_t i1 = 0; i1 < dout[1]; ++i1) {
      for (int64_t i2 = 0; i2 < dout[2]; ++i2) {
        for (int64_t i3 = 0; i3 < dout[3]; ++i3) {
          const float x1 = a[static_cast<size_t>(i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3])];
          const float x2 = b[static_cast<size_t>(i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3])];
          const float r = op.opcode == kOpAdd ? x1 + x2 : op.opcode == kOpSub ? x1 - x2 : x1 * x2;
          y.push_back(float_activate(op.options.activation, r));
        }
      }
    }
  }
  values[op.outputs[0]] = std::move(y);
}

void eval_concatenation(const Graph& g, const Op& op, std::vector<std::vector<float>>& values) {
  const std::vector<int32_t>& out_shape = g.tensors[op.outputs[0]].shape;
  const int32_t rank = static_cast<int32_t>(out_shape.size());
  const int32_t axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
  int64_t outer = 1;
  for (int32_t d = 0; d < axis; ++d) outer *= out_shape[d];
  std::vector<float> y;
  y.reserve(static_cast<size_t>(g.tensors[op.outputs[0]].element_count()));
  for (int64_t o = 0; o < outer; ++o) {
    for (const int t : op.inputs) {
      const std::vector<float>& x = float_operand(g, t, values);
      const size_t block = x.size() / static_cast<size_t>(outer);
      y.insert(y.end(), x.begin() + static_cast<ptrdiff_t>(o * block), x.begin() + static_cast<ptrdiff_t>((o + 1) * block));
    }
  }
  values[op.outputs[0]] = std::move(y);
}

void eval_mean(const Graph& g, size_t index, std::vector<std::vector<float>>& values) {
  const Op& op = g.ops[index];
  const std::vector<float>& x = float_operand(g, op.inputs[0], values);
  const std::vector<int32_t>& shape = g.tensors[op.inputs[0]].shape;
  const uint32_t mask = mean_axes(g, index, shape.size());
  // Reduced dimensions collapse to 1 in the 4-D output index; the output element count is the
  // same with or without keep_dims.
  const size_t pad = kTmfMaxRank - shape.size();
  const Dims din = dims4(shape);
  Dims dout = din;
  int64_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if ((mask >> i) & 1u) {
      dout[pad + i] = 1;
      n *= shape[i];
    }
  }
  std::vector<double> sums(static_cast<size_t>(dout[0] * dout[1] * dout[2] * dout[3]), 0.0);
  size_t at = 0;
  for (int64_t i0 = 0; i0 < din[0]; ++i0) {
    for (int64_t i1 = 0; i1 < din[1]; ++i1) {
      for (int64_t i2 = 0; i2 < din[2]; ++i2) {
        for (int64_t i3 = 0; i3 < din[3]; ++i3) {
          const int64_t o = ((std::min(i0, dout[0] - 1) * dout[1] + std::min(i1, dout[1] - 1)) * dout[2] +
                             std::min(i2, dout[2] - 1)) * dout[3] + std::min(i3, dout[3] - 1);
          sums[static_cast<size_t>(o)] += x[at++];
        }
      }
    }
  }
  std::vector<float> y(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) y[i] = static_cast<float>(sums[i] / static_cast<double>(n));
  values[op.outputs[0]] = std::move(y);
}

void eval_pad(const Graph& g, const Op& op, std::vector<std::vector<float>>& values) {
  const std::vector<float>& x = float_operand(g, op.inputs[0], values);
  const std::vector<int32_t>& shape = g.tensors[op.inputs[0]].shape;
  const std::vector<int32_t> pads = int32s_of(g.tensors[op.inputs[1]]);
  const size_t pad = kTmfMaxRank - shape.size();
  const Dims din = dims4(shape), dout = dims4(g.tensors[op.outputs[0]].shape);
  Dims before{0, 0, 0, 0};
  for (size_t i = 0; i < shape.size(); ++i) before[pad + i] = pads[2 * i];
  float pad_value = 0.0f;  // PAD: 0; PADV2: its constant_values (checked by check_pad)
  if (op.inputs.size() == 3 && op.inputs[2] >= 0) {
    std::memcpy(&pad_value, g.tensors[op.inputs[2]].data.data(), sizeof(float));
  }
  std::vector<float> y(static_cast<size_t>(dout[0] * dout[1] * dout[2] * dout[3]), pad_value);
  size_t at = 0;
  for (int64_t i0 = 0; i0 < din[0]; ++i0) {
    for (int64_t i1 = 0; i1 < din[1]; ++i1) {
      for (int64_t i2 = 0; i2 < din[2]; ++i2) {
        for (int64_t i3 = 0; i3 < din[3]; ++i3) {
          const int64_t o = (((i0 + before[0]) * dout[1] + i1 + before[1]) * dout[2] + i2 + before[2]) * dout[3] +
                            i3 + before[3];
          y[static_cast<size_t>(o)] = x[at++];
        }
      }
    }
  }
  values[op.outputs[0]] = std::move(y);
}

}  // namespace

std::vector<float> float_tensor_data(const Tensor& t) {
  std::vector<float> v(t.data.size() / sizeof(float));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

const std::vector<float>& float_operand(const Graph& g, int t, std::vector<std::vector<float>>& values) {
  if (values[t].empty() && g.tensors[t].is_constant()) values[t] = float_tensor_data(g.tensors[t]);
  return values[t];
}

float float_activate(Activation a, float v) {
  switch (a) {
    case Activation::kRelu: return std::max(0.0f, v);
    case Activation::kRelu6: return std::clamp(v, 0.0f, 6.0f);
    case Activation::kReluN1To1: return std::clamp(v, -1.0f, 1.0f);
    default: return v;
  }
}

bool float_tensor_op(OpCode opcode) {
  switch (opcode) {
    case kOpAdd:
    case kOpSub:
    case kOpMul:
    case kOpConcatenation:
    case kOpMean:
    case kOpPad: return true;
    default: return false;
  }
}

void float_tensor_op_check(const Graph& g, size_t index) {
  switch (g.ops[index].opcode) {
    case kOpAdd:
    case kOpSub:
    case kOpMul: check_binary(g, index); return;
    case kOpConcatenation: check_concatenation(g, index); return;
    case kOpMean: check_mean(g, index); return;
    case kOpPad: check_pad(g, index); return;
    default: fail(g, index, "not a tensor op");
  }
}

void float_tensor_op_eval(const Graph& g, size_t index, std::vector<std::vector<float>>& values) {
  const Op& op = g.ops[index];
  switch (op.opcode) {
    case kOpConcatenation: eval_concatenation(g, op, values); return;
    case kOpMean: eval_mean(g, index, values); return;
    case kOpPad: eval_pad(g, op, values); return;
    default: eval_binary(g, op, values); return;
  }
}

}  // namespace tmf::quantize
