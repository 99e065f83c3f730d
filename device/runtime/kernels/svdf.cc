// SVDF int8 reference kernel (semantics: svdf.h). No scratch: each unit's rank filters are
// summed right after their time products, which gives TFLM's wrapped int32 sums in another order.
#include "svdf.h"

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

constexpr int64_t kSvdfMaxInputSize = 65535;

Status svdf_prepare(const OpContext& ctx) {
  // Five inputs of which only the bias (3) may be absent.
  Status s = check_operand_counts(ctx, 3, 5, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->input_count != 5 || !ctx.has_input(4)) return Status::kErrBadOperandCount;
  if (ctx.op->params_bytes != sizeof(SvdfParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<SvdfParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& feature = ctx.input(1);
  const TensorRecord& time = ctx.input(2);
  const TensorRecord& state = ctx.input(4);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out) ||
      feature.type != kTensorTypeInt8 || time.type != kTensorTypeInt16 ||
      state.type != kTensorTypeInt16) {
    return Status::kErrTypeMismatch;
  }
  if (feature.storage != kTensorStorageConstant || time.storage != kTensorStorageConstant ||
      state.storage != kTensorStorageState) {
    return Status::kErrShapeMismatch;
  }
  if (feature.quant == kTensorQuantPerChannel ||
      (feature.quant == kTensorQuantPerTensor && feature.zero_point != 0)) {
    return Status::kErrBadQuantization;
  }
  if (in.rank != 2 || feature.rank != 2 || time.rank != 2 || out.rank != 2) {
    return Status::kErrShapeMismatch;
  }
  const int32_t batches = in.dims[0], input_size = in.dims[1];
  const int32_t filters = feature.dims[0], memory = time.dims[1];
  if (feature.dims[1] != input_size || time.dims[0] != filters || input_size > kSvdfMaxInputSize) {
    return Status::kErrShapeMismatch;
  }
  if (p.rank < 1 || filters % p.rank != 0) return Status::kErrBadParams;
  const int32_t units = filters / p.rank;
  if (out.dims[0] != batches || out.dims[1] != units) return Status::kErrShapeMismatch;
  if (static_cast<int64_t>(tensor_element_count(state)) !=
      static_cast<int64_t>(batches) * filters * memory) {
    return Status::kErrShapeMismatch;
  }
  if (ctx.has_input(3)) {
    const TensorRecord& bias = ctx.input(3);
    if (bias.type != kTensorTypeInt32) return Status::kErrTypeMismatch;
    if (bias.storage != kTensorStorageConstant ||
        tensor_element_count(bias) != static_cast<uint32_t>(units)) {
      return Status::kErrShapeMismatch;
    }
  }
  if (p.input_zero_point != in.zero_point || p.output_zero_point != out.zero_point ||
      !quantized_multiplier_is_valid(p.multiplier_1, p.shift_1) ||
      !quantized_multiplier_is_valid(p.multiplier_2, p.shift_2)) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

Status svdf_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<SvdfParams>();
  const TensorRecord& in = ctx.input(0);
  const int32_t batches = in.dims[0], input_size = in.dims[1];
  const int32_t filters = ctx.input(1).dims[0], memory = ctx.input(2).dims[1];
  const int32_t units = filters / p.rank;
  const int8_t* input = ctx.input_data<int8_t>(0);
  const int8_t* feature = ctx.input_data<int8_t>(1);
  const int16_t* time = ctx.input_data<int16_t>(2);
  const int32_t* bias = ctx.has_input(3) ? ctx.input_data<int32_t>(3) : nullptr;
  // The state is an arena tensor this op owns: written in place (prepare checked its storage).
  int16_t* state = reinterpret_cast<int16_t*>(ctx.arena + ctx.input(4).offset);
  int8_t* output = ctx.output_data<int8_t>(0);

  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* x = input + b * input_size;
    for (int32_t f = 0; f < filters; ++f) {
      int16_t* row = state + (b * filters + f) * memory;
      for (int32_t m = 0; m + 1 < memory; ++m) row[m] = row[m + 1];
      const int8_t* w = feature + f * input_size;
      int32_t dot = 0;
      for (int32_t i = 0; i < input_size; ++i) {
        dot += static_cast<int32_t>(w[i]) * (static_cast<int32_t>(x[i]) - p.input_zero_point);
      }
      dot = multiply_by_quantized_multiplier(dot, p.multiplier_1, p.shift_1);
      row[memory - 1] = static_cast<int16_t>(clamp_i32(dot, -32768, 32767));
    }
    for (int32_t u = 0; u < units; ++u) {
      int32_t acc = bias != nullptr ? bias[u] : 0;
      for (int32_t f = u * p.rank; f < (u + 1) * p.rank; ++f) {
        const int16_t* row = state + (b * filters + f) * memory;
        const int16_t* w = time + f * memory;
        for (int32_t m = 0; m < memory; ++m) {
          acc = wrapping_add(acc, static_cast<int32_t>(w[m]) * static_cast<int32_t>(row[m]));
        }
      }
      acc = multiply_by_quantized_multiplier(acc, p.multiplier_2, p.shift_2);
      acc = wrapping_add(acc, p.output_zero_point);
      output[b * units + u] = static_cast<int8_t>(clamp_i32(acc, -128, 127));
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelSvdf = {kOpSvdf, svdf_prepare, svdf_eval};

}  // namespace tmf
