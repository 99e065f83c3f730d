// Float32 evaluation of imported float graphs (see float_eval.h). Plain loops in TFLite's NHWC
// layout; the geometry (output size, leading padding) is TFLite's, shared with the int8 lowering
// through device/runtime/kernels/spatial.h so both sides agree on which taps are padding.
#include "host/quantize/float_eval.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "device/runtime/kernels/spatial.h"
#include "host/quantize/float_eval_tensor_ops.h"

namespace tmf::quantize {
namespace {

using host::Activation;
using host::ConvertError;
using host::Graph;
using host::Op;
using host::Tensor;

[[noreturn]] void fail(const Graph& g, size_t op, const std::string& what) {
  throw ConvertError(g.op_context(op) + ": " + what);
}

[[noreturn]] void fail_tensor(const Graph& g, size_t op, int t, const std::string& what) {
  throw ConvertError(g.op_context(op) + ": " + g.tensor_context(t) + ": " + what);
}

bool is_spatial(OpCode c) {
  return c == kOpConv2D || c == kOpDepthwiseConv2D || c == kOpAveragePool2D || c == kOpMaxPool2D;
}

// Window geometry of a spatial op, after float_op_check.
struct Window {
  int32_t kh = 1, kw = 1, pad_h = 0, pad_w = 0;
};

Window window_of(const Graph& g, const Op& op) {
  const host::OpOptions& o = op.options;
  Window w;
  if (op.opcode == kOpConv2D || op.opcode == kOpDepthwiseConv2D) {
    const std::vector<int32_t>& f = g.tensors[op.inputs[1]].shape;
    w.kh = f[1];
    w.kw = f[2];
  } else {
    w.kh = o.filter_h;
    w.kw = o.filter_w;
  }
  const bool dilated = op.opcode == kOpConv2D || op.opcode == kOpDepthwiseConv2D;
  const std::vector<int32_t>& in = g.tensors[op.inputs[0]].shape;
  const std::vector<int32_t>& out = g.tensors[op.outputs[0]].shape;
  w.pad_h = static_cast<int32_t>(spatial_leading_padding(in[1], w.kh, o.stride_h, dilated ? o.dilation_h : 1, out[1]));
  w.pad_w = static_cast<int32_t>(spatial_leading_padding(in[2], w.kw, o.stride_w, dilated ? o.dilation_w : 1, out[2]));
  return w;
}

void check_spatial(const Graph& g, size_t index) {
  const Op& op = g.ops[index];
  const host::OpOptions& o = op.options;
  const Tensor& in = g.tensors[op.inputs[0]];
  const Tensor& out = g.tensors[op.outputs[0]];
  if (in.shape.size() != 4 || out.shape.size() != 4) fail(g, index, "input and output must be NHWC (rank 4)");
  const bool conv = op.opcode == kOpConv2D || op.opcode == kOpDepthwiseConv2D;
  int32_t kh = o.filter_h, kw = o.filter_w, out_c = in.shape[3];
  if (conv) {
    if (op.inputs.size() < 2 || op.inputs[1] < 0) fail(g, index, "expects a filter");
    const Tensor& f = g.tensors[op.inputs[1]];
    if (f.type != kTensorTypeFloat32 || !f.is_constant() || f.shape.size() != 4) {
      fail_tensor(g, index, op.inputs[1], "filter must be a constant float32 [.., kh, kw, ..] tensor");
    }
    kh = f.shape[1];
    kw = f.shape[2];
    if (op.opcode == kOpConv2D) {
      if (f.shape[3] != in.shape[3]) {
        fail_tensor(g, index, op.inputs[1], "filter depth " + std::to_string(f.shape[3]) +
                                                " differs from the input depth " + std::to_string(in.shape[3]) +
                                                " (grouped convolutions are not supported)");
      }
      out_c = f.shape[0];
    } else {
      if (f.shape[0] != 1) fail_tensor(g, index, op.inputs[1], "depthwise filter must be [1, kh, kw, channels]");
      out_c = f.shape[3];
      if (o.depth_multiplier < 1 || static_cast<int64_t>(in.shape[3]) * o.depth_multiplier != out_c) {
        fail(g, index, "depth_multiplier " + std::to_string(o.depth_multiplier) + " does not map input depth " +
                           std::to_string(in.shape[3]) + " to " + std::to_string(out_c) + " channels");
      }
    }
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
      const Tensor& b = g.tensors[op.inputs[2]];
      if (b.type != kTensorTypeFloat32 || !b.is_constant() || b.element_count() != out_c) {
        fail_tensor(g, index, op.inputs[2], "bias must be constant float32, one per output channel");
      }
    }
  }
  const int32_t dil_h = conv ? o.dilation_h : 1, dil_w = conv ? o.dilation_w : 1;
  if (o.stride_h < 1 || o.stride_w < 1 || dil_h < 1 || dil_w < 1 || kh < 1 || kw < 1 ||
      o.stride_h > kSpatialMaxStride || o.stride_w > kSpatialMaxStride || dil_h > kSpatialMaxStride ||
      dil_w > kSpatialMaxStride || spatial_effective_filter(kh, dil_h) > kSpatialMaxEffectiveFilter ||
      spatial_effective_filter(kw, dil_w) > kSpatialMaxEffectiveFilter) {
    fail(g, index, "window, stride or dilation outside what the runtime supports");
  }
  const SpatialPadding padding = o.padding == host::Padding::kSame ? kSpatialPaddingSame : kSpatialPaddingValid;
  const int64_t oh = spatial_output_size(padding, in.shape[1], kh, o.stride_h, dil_h);
  const int64_t ow = spatial_output_size(padding, in.shape[2], kw, o.stride_w, dil_w);
  if (oh < 1 || ow < 1 || out.shape[0] != in.shape[0] || out.shape[1] != oh || out.shape[2] != ow ||
      out.shape[3] != out_c) {
    fail_tensor(g, index, op.outputs[0], "shape " + host::shape_string(out.shape) + " does not follow from input " +
                                             host::shape_string(in.shape) + " (expected [" + std::to_string(in.shape[0]) +
                                             ", " + std::to_string(oh) + ", " + std::to_string(ow) + ", " +
                                             std::to_string(out_c) + "])");
  }
}

// CONV_2D, DEPTHWISE_CONV_2D and the pools: one output element at a time over its window.
void eval_spatial(const Graph& g, const Op& op, std::vector<std::vector<float>>& values) {
  const std::vector<float>& x = float_operand(g, op.inputs[0], values);
  const std::vector<int32_t>& is = g.tensors[op.inputs[0]].shape;
  const std::vector<int32_t>& os = g.tensors[op.outputs[0]].shape;
  const host::OpOptions& o = op.options;
  const Window w = window_of(g, op);
  const bool conv = op.opcode == kOpConv2D || op.opcode == kOpDepthwiseConv2D;
  const int32_t dil_h = conv ? o.dilation_h : 1, dil_w = conv ? o.dilation_w : 1;
  std::vector<float> filter, bias;
  if (conv) {
    filter = float_operand(g, op.inputs[1], values);
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) bias = float_operand(g, op.inputs[2], values);
  }
  const int32_t ih = is[1], iw = is[2], ic = is[3], oc = os[3];
  std::vector<float> y(static_cast<size_t>(os[0]) * os[1] * os[2] * oc);
  size_t at = 0;
  for (int32_t n = 0; n < os[0]; ++n) {
    for (int32_t oy = 0; oy < os[1]; ++oy) {
      for (int32_t ox = 0; ox < os[2]; ++ox) {
        for (int32_t c = 0; c < oc; ++c) {
          double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(c)];
          double best = -std::numeric_limits<double>::infinity();
          int taps = 0;
          // Only the taps inside the image (a huge window costs nothing past the image).
          const SpatialTaps ty = spatial_taps(oy * o.stride_h - w.pad_h, w.kh, dil_h, ih);
          const SpatialTaps tx = spatial_taps(ox * o.stride_w - w.pad_w, w.kw, dil_w, iw);
          for (int32_t ky = ty.begin; ky < ty.end; ++ky) {
            const int32_t y_in = oy * o.stride_h - w.pad_h + ky * dil_h;
            for (int32_t kx = tx.begin; kx < tx.end; ++kx) {
              const int32_t x_in = ox * o.stride_w - w.pad_w + kx * dil_w;
              const size_t pixel = ((static_cast<size_t>(n) * ih + y_in) * iw + x_in) * ic;
              switch (op.opcode) {
                case kOpConv2D:
                  for (int32_t k = 0; k < ic; ++k) {
                    acc += static_cast<double>(filter[((static_cast<size_t>(c) * w.kh + ky) * w.kw + kx) * ic + k]) *
                           x[pixel + k];
                  }
                  break;
                case kOpDepthwiseConv2D:
                  acc += static_cast<double>(filter[(static_cast<size_t>(ky) * w.kw + kx) * oc + c]) *
                         x[pixel + c / o.depth_multiplier];
                  break;
                case kOpAveragePool2D: acc += x[pixel + c]; break;
                default: best = std::max(best, static_cast<double>(x[pixel + c])); break;
              }
              ++taps;
            }
          }
          double r = acc;
          if (op.opcode == kOpAveragePool2D) r = taps > 0 ? acc / taps : 0.0;
          if (op.opcode == kOpMaxPool2D) r = taps > 0 ? best : 0.0;
          y[at++] = float_activate(o.activation, static_cast<float>(r));
        }
      }
    }
  }
  values[op.outputs[0]] = std::move(y);
}

void eval_fully_connected(const Graph& g, const Op& op, std::vector<std::vector<float>>& values) {
  const std::vector<float>& x = float_operand(g, op.inputs[0], values);
  const Tensor& w = g.tensors[op.inputs[1]];
  const std::vector<float>& weights = float_operand(g, op.inputs[1], values);
  const size_t units = static_cast<size_t>(w.shape[0]), depth = static_cast<size_t>(w.shape[1]);
  std::vector<float> bias(units, 0.0f);
  if (op.inputs.size() > 2 && op.inputs[2] >= 0) bias = float_operand(g, op.inputs[2], values);
  const size_t rows = x.size() / depth;
  std::vector<float> y(rows * units);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t u = 0; u < units; ++u) {
      double acc = bias[u];
      for (size_t k = 0; k < depth; ++k) acc += static_cast<double>(weights[u * depth + k]) * x[r * depth + k];
      y[r * units + u] = float_activate(op.options.activation, static_cast<float>(acc));
    }
  }
  values[op.outputs[0]] = std::move(y);
}

void eval_softmax(const Graph& g, const Op& op, std::vector<std::vector<float>>& values) {
  const std::vector<float>& x = float_operand(g, op.inputs[0], values);
  const size_t depth = static_cast<size_t>(g.tensors[op.inputs[0]].shape.back());
  std::vector<float> y(x.size());
  for (size_t r = 0; r < x.size(); r += depth) {
    const float max = *std::max_element(x.begin() + static_cast<ptrdiff_t>(r),
                                        x.begin() + static_cast<ptrdiff_t>(r + depth));
    double sum = 0;
    for (size_t i = 0; i < depth; ++i) sum += std::exp(static_cast<double>(op.options.beta) * (x[r + i] - max));
    for (size_t i = 0; i < depth; ++i) {
      y[r + i] = static_cast<float>(std::exp(static_cast<double>(op.options.beta) * (x[r + i] - max)) / sum);
    }
  }
  values[op.outputs[0]] = std::move(y);
}

void eval_elementwise(const Graph& g, const Op& op, std::vector<std::vector<float>>& values) {
  const std::vector<float>& x = float_operand(g, op.inputs[0], values);
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const float v = x[i];
    switch (op.opcode) {
      case kOpRelu: y[i] = std::max(0.0f, v); break;
      case kOpRelu6: y[i] = std::clamp(v, 0.0f, 6.0f); break;
      case kOpLogistic: y[i] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(v)))); break;
      case kOpTanh: y[i] = std::tanh(v); break;
      default: y[i] = v; break;  // RESHAPE
    }
  }
  values[op.outputs[0]] = std::move(y);
}

}  // namespace

void float_op_check(const Graph& g, size_t index) {
  const Op& op = g.ops[index];
  if (op.inputs.empty() || op.inputs[0] < 0 || op.outputs.size() != 1) fail(g, index, "unexpected operands");
  const Tensor& in = g.tensors[op.inputs[0]];
  const Tensor& out = g.tensors[op.outputs[0]];
  if (in.type != kTensorTypeFloat32) fail_tensor(g, index, op.inputs[0], "input is not float32");
  if (out.type != kTensorTypeFloat32) fail_tensor(g, index, op.outputs[0], "output is not float32");
  if (op.options.activation == Activation::kTanh || op.options.activation == Activation::kSignBit) {
    fail(g, index, "fused activation TANH/SIGN_BIT is not supported");
  }
  if (float_tensor_op(op.opcode)) {  // ADD, SUB and MUL may take one constant operand
    float_tensor_op_check(g, index);
    return;
  }
  if (in.is_constant()) fail_tensor(g, index, op.inputs[0], "a constant input is not supported by float import");
  if (is_spatial(op.opcode)) {
    check_spatial(g, index);
    return;
  }
  switch (op.opcode) {
    case kOpFullyConnected: {
      if (op.inputs.size() < 2 || op.inputs[1] < 0) fail(g, index, "expects weights");
      const Tensor& w = g.tensors[op.inputs[1]];
      if (w.type != kTensorTypeFloat32 || !w.is_constant() || w.shape.size() != 2 || w.shape[1] < 1) {
        fail_tensor(g, index, op.inputs[1], "weights must be a constant float32 matrix");
      }
      if (in.element_count() % w.shape[1] != 0) fail(g, index, "input size is not a multiple of the weights' depth");
      if (out.element_count() != in.element_count() / w.shape[1] * w.shape[0]) {
        fail_tensor(g, index, op.outputs[0], "size does not match rows x units");
      }
      if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
        const Tensor& b = g.tensors[op.inputs[2]];
        if (b.type != kTensorTypeFloat32 || !b.is_constant() || b.element_count() != w.shape[0]) {
          fail_tensor(g, index, op.inputs[2], "bias must be constant float32, one per unit");
        }
      }
      return;
    }
    case kOpSoftmax:
      if (in.shape.empty() || in.shape.back() < 1) fail_tensor(g, index, op.inputs[0], "softmax needs a last axis");
      [[fallthrough]];
    case kOpReshape:
    case kOpRelu:
    case kOpRelu6:
    case kOpLogistic:
    case kOpTanh:
      if (out.element_count() != in.element_count()) {
        fail_tensor(g, index, op.outputs[0], "element count differs from the input's");
      }
      return;
    default:
      fail(g, index, "float import supports FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, "
                     "MAX_POOL_2D, ADD, SUB, MUL, CONCATENATION, MEAN, PAD, SOFTMAX, RESHAPE, RELU, RELU6, "
                     "LOGISTIC and TANH");
  }
}

void float_op_eval(const Graph& g, size_t index, std::vector<std::vector<float>>& values) {
  const Op& op = g.ops[index];
  if (is_spatial(op.opcode)) {
    eval_spatial(g, op, values);
  } else if (float_tensor_op(op.opcode)) {
    float_tensor_op_eval(g, index, values);
  } else if (op.opcode == kOpFullyConnected) {
    eval_fully_connected(g, op, values);
  } else if (op.opcode == kOpSoftmax) {
    eval_softmax(g, op, values);
  } else {
    eval_elementwise(g, op, values);
  }
}

}  // namespace tmf::quantize
