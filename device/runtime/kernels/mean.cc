// MEAN int8 reference kernel (semantics: mean.h). Each output element sums its own reduced
// values, so no scratch accumulator array is needed; integer sums make the order irrelevant.
#include "mean.h"

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

// True if `out` has the shape `in` reduces to under `mask` (TFLite's keep_dims rule).
bool mean_output_shape_matches(const TensorRecord& in, const TensorRecord& out, uint32_t mask,
                               bool keep_dims) {
  int32_t dims[kTmfMaxRank] = {1, 1, 1, 1};
  uint32_t rank = 0;
  for (uint32_t i = 0; i < in.rank; ++i) {
    const bool reduced = (mask >> i) & 1u;
    if (keep_dims) {
      dims[rank++] = reduced ? 1 : in.dims[i];
    } else if (!reduced) {
      dims[rank++] = in.dims[i];
    }
  }
  if (out.rank != rank) return false;
  for (uint32_t i = 0; i < kTmfMaxRank; ++i) {
    if (out.dims[i] != dims[i]) return false;
  }
  return true;
}

Status mean_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(MeanParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<MeanParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  if ((p.axis_mask >> in.rank) != 0 || p.keep_dims > 1) return Status::kErrBadParams;
  if (!mean_output_shape_matches(in, out, p.axis_mask, p.keep_dims != 0)) {
    return Status::kErrShapeMismatch;
  }
  int64_t reduced = 1;
  for (uint32_t i = 0; i < in.rank; ++i) {
    if ((p.axis_mask >> i) & 1u) reduced *= in.dims[i];
  }
  if (reduced > kMeanMaxReduced) return Status::kErrShapeMismatch;
  if (p.input_zero_point != in.zero_point || p.output_zero_point != out.zero_point) {
    return Status::kErrBadParams;
  }
  // The mode is TFLM's choice, which depends on the quantization alone.
  const bool same_quantization = in.scale == out.scale && in.zero_point == out.zero_point;
  if (p.mode == kMeanModeDivide) return same_quantization ? Status::kOk : Status::kErrBadParams;
  if (p.mode != kMeanModeRequantize || same_quantization ||
      !quantized_multiplier_is_valid(p.multiplier, p.shift)) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

// Sum of the values one output element reduces: `base` is its first value, reduced[i] the extent
// and stride[i] the input stride of dimension i (extent 1 for kept dimensions).
int32_t mean_sum(const int8_t* base, const int32_t reduced[kTmfMaxRank],
                 const int32_t stride[kTmfMaxRank]) {
  int32_t sum = 0;
  for (int32_t a = 0; a < reduced[0]; ++a) {
    for (int32_t b = 0; b < reduced[1]; ++b) {
      for (int32_t c = 0; c < reduced[2]; ++c) {
        const int8_t* run = base + a * stride[0] + b * stride[1] + c * stride[2];
        for (int32_t d = 0; d < reduced[3]; ++d) sum += run[d * stride[3]];
      }
    }
  }
  return sum;
}

int8_t mean_finish(int32_t sum, int32_t n, const MeanParams& p) {
  if (p.mode == kMeanModeDivide) return static_cast<int8_t>(sum / n);
  const int32_t centred = sum - n * p.input_zero_point;
  const int32_t scaled = multiply_by_quantized_multiplier(centred, p.multiplier, p.shift);
  return static_cast<int8_t>(clamp_i32(wrapping_add(scaled, p.output_zero_point), -128, 127));
}

Status mean_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<MeanParams>();
  const TensorRecord& in = ctx.input(0);
  int32_t kept[kTmfMaxRank], reduced[kTmfMaxRank], stride[kTmfMaxRank];
  int32_t n = 1;
  int32_t step = 1;
  for (int32_t i = static_cast<int32_t>(kTmfMaxRank) - 1; i >= 0; --i) {
    const bool is_reduced = (p.axis_mask >> i) & 1u;
    kept[i] = is_reduced ? 1 : in.dims[i];
    reduced[i] = is_reduced ? in.dims[i] : 1;
    stride[i] = step;
    step *= in.dims[i];
    n *= reduced[i];
  }
  const int8_t* input = ctx.input_data<int8_t>(0);
  int8_t* output = ctx.output_data<int8_t>(0);
  for (int32_t a = 0; a < kept[0]; ++a) {
    for (int32_t b = 0; b < kept[1]; ++b) {
      for (int32_t c = 0; c < kept[2]; ++c) {
        for (int32_t d = 0; d < kept[3]; ++d) {
          const int32_t first = a * stride[0] + b * stride[1] + c * stride[2] + d * stride[3];
          *output++ = mean_finish(mean_sum(input + first, reduced, stride), n, p);
        }
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelMean = {kOpMean, mean_prepare, mean_eval};

}  // namespace tmf
