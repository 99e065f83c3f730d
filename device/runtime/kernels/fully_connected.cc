// FULLY_CONNECTED int8 reference kernel.
#include "fully_connected.h"

#include "../kernel.h"
#include "../quant_math.h"
#include "requant.h"

namespace tmf {
namespace {

// Keeps |sum of products| < 2^31 for any weights and inputs: 65535 * 255 * 128 < 2^31.
constexpr int32_t kMaxDepth = 65535;

}  // namespace

Status fully_connected_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 3, 3, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(FullyConnectedParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<FullyConnectedParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& w = ctx.input(1);
  const TensorRecord& bias = ctx.input(2);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out) ||
      w.type != kTensorTypeInt8 || w.quant == kTensorQuantNone || bias.type != kTensorTypeInt32) {
    return Status::kErrTypeMismatch;
  }
  if (w.storage != kTensorStorageConstant || bias.storage != kTensorStorageConstant ||
      w.rank != 2) {
    return Status::kErrShapeMismatch;
  }
  const int32_t units = w.dims[0];
  const int32_t depth = w.dims[1];
  if (depth > kMaxDepth) return Status::kErrShapeMismatch;
  const uint32_t in_elements = tensor_element_count(in);
  if (in_elements % static_cast<uint32_t>(depth) != 0) return Status::kErrShapeMismatch;
  const uint32_t batches = in_elements / static_cast<uint32_t>(depth);
  if (tensor_element_count(bias) != static_cast<uint32_t>(units) ||
      tensor_element_count(out) != batches * static_cast<uint32_t>(units)) {
    return Status::kErrShapeMismatch;
  }
  if (w.quant == kTensorQuantPerTensor && w.zero_point != 0) return Status::kErrBadQuantization;
  if ((s = check_activation_range(p.act_min, p.act_max, out.type)) != Status::kOk) return s;
  if (p.output_zero_point != out.zero_point) return Status::kErrBadParams;
  if (p.weights_layout != kFullyConnectedWeightsRowMajor &&
      !(p.weights_layout == kFullyConnectedWeightsBlocked4 && depth % 4 == 0)) {
    return Status::kErrBadParams;
  }
  if (p.per_channel == kTmfNoPerChannel) {
    if (!quantized_multiplier_is_valid(p.output_multiplier, p.output_shift)) {
      return Status::kErrBadParams;
    }
    return Status::kOk;
  }
  return requant_arrays_check(ctx, p.per_channel, static_cast<uint32_t>(units));
}

namespace {

// Unit u's accumulator (dot product + folded bias) to its int8 output.
int8_t fully_connected_output(int32_t acc, int32_t u, const FullyConnectedParams& p,
                              const RequantArrays& per_channel) {
  const int32_t multiplier = per_channel.multiplier ? per_channel.multiplier[u] : p.output_multiplier;
  const int32_t shift = per_channel.shift ? per_channel.shift[u] : p.output_shift;
  acc = wrapping_add(multiply_by_quantized_multiplier(acc, multiplier, shift), p.output_zero_point);
  return static_cast<int8_t>(clamp_i32(acc, p.act_min, p.act_max));
}

// Dot product of input row x with weight row u, whichever layout the weights are in.
int32_t dot_row(const int8_t* x, const int8_t* weights, int32_t u, int32_t units, int32_t depth,
                uint32_t layout) {
  const int32_t grouped_units = layout == kFullyConnectedWeightsBlocked4 ? units - units % 4 : 0;
  int32_t acc = 0;
  if (u < grouped_units) {
    // Row u's 4-byte pieces sit 16 bytes apart, interleaved with the group's other rows.
    const int8_t* piece = weights + (u - u % 4) * depth + 4 * (u % 4);
    for (int32_t k = 0; k < depth; k += 4, piece += 16) {
      for (int32_t j = 0; j < 4; ++j) acc += static_cast<int32_t>(x[k + j]) * piece[j];
    }
  } else {
    const int8_t* row = weights + u * depth;
    for (int32_t k = 0; k < depth; ++k) acc += static_cast<int32_t>(x[k]) * row[k];
  }
  return acc;
}

Status fully_connected_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<FullyConnectedParams>();
  const TensorRecord& w = ctx.input(1);
  const int32_t units = w.dims[0];
  const int32_t depth = w.dims[1];
  const int32_t batches = static_cast<int32_t>(tensor_element_count(ctx.input(0))) / depth;
  const int8_t* input = ctx.input_data<int8_t>(0);
  const int8_t* weights = ctx.input_data<int8_t>(1);
  const int32_t* bias = ctx.input_data<int32_t>(2);
  int8_t* output = ctx.output_data<int8_t>(0);
  const RequantArrays per_channel = requant_arrays(ctx, p.per_channel, static_cast<uint32_t>(units));

  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* x = input + b * depth;
    for (int32_t u = 0; u < units; ++u) {
      const int32_t acc = dot_row(x, weights, u, units, depth, p.weights_layout);
      output[b * units + u] = fully_connected_output(wrapping_add(acc, bias[u]), u, p, per_channel);
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelFullyConnected = {kOpFullyConnected,
                                                         fully_connected_prepare,
                                                         fully_connected_eval};

}  // namespace tmf
