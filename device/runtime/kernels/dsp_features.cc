// DSP_FEATURES kernel (contract in dsp_features.h). No optimized twin: the float pipeline is the
// same code on every core.
#include "dsp_features.h"

#include <math.h>

#include "../kernel.h"
#include "pipeline_checks.h"
#include "scratch.h"

namespace tmf {
namespace {

// 40-byte params: one channel; 44 bytes (format 1.3): the trailing channel count. Only called
// after prepare checked params_bytes is one of the two.
uint32_t dsp_features_channels(const OpRecord& op, const uint8_t* params) {
  if (op.params_bytes != sizeof(DspFeaturesChannelsParams)) return 1;
  return reinterpret_cast<const DspFeaturesChannelsParams*>(params)->channels;
}

Status dsp_features_prepare(const OpContext& ctx) {
  // One output, or two (the raw features as well).
  const bool raw_output = ctx.op->output_count == 2;
  Status s = check_operand_counts(ctx, 4, 4, raw_output ? 2 : 1);
  if (s != Status::kOk) return s;
  uint32_t channels = 1;
  if (ctx.op->params_bytes == sizeof(DspFeaturesChannelsParams)) {
    channels = ctx.params<DspFeaturesChannelsParams>().channels;
    if (channels < 1 || channels > kDspFeaturesMaxChannels) return Status::kErrBadParams;
  } else if (ctx.op->params_bytes != sizeof(DspFeaturesParams)) {
    return Status::kErrBadParams;
  }
  const auto& p = ctx.params<DspFeaturesParams>();
  if (dsp::features_check(p.features) != dsp::DspStatus::kOk) return Status::kErrBadParams;
  const uint32_t n = p.features.n_fft;
  // Both at most 4096 * 8 and 8 * 4103: no overflow.
  const uint32_t per_channel = dsp::features_count(p.features);
  const uint32_t f = channels * per_channel;
  const TensorRecord& samples = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_plain_float(samples) || !tensor_is_float_constant(ctx.input(1)) ||
      !tensor_is_float_constant(ctx.input(2)) || !tensor_is_plain_float(ctx.input(3))) {
    return Status::kErrTypeMismatch;
  }
  if (!tensor_is_int8_per_tensor(out)) return Status::kErrTypeMismatch;
  if (raw_output && !tensor_is_plain_float(ctx.output(1))) return Status::kErrTypeMismatch;
  const bool samples_ok = channels == 1 ? tensor_is_row(samples, n)
                                        : samples.rank >= 2 && samples.dims[samples.rank - 1] ==
                                                                   static_cast<int32_t>(n) &&
                                              tensor_element_count(samples) == channels * n;
  if (!samples_ok || tensor_element_count(ctx.input(1)) != n ||
      tensor_element_count(ctx.input(2)) != n || tensor_element_count(ctx.input(3)) != 2 * f ||
      !tensor_is_row(out, f) || (raw_output && !tensor_is_row(ctx.output(1), f))) {
    return Status::kErrShapeMismatch;
  }
  if (p.output_scale != out.scale || p.output_zero_point != out.zero_point) {
    return Status::kErrBadParams;
  }
  if (ctx.model->header->scratch_bytes < dsp_features_scratch_bytes(n, f)) {
    return Status::kErrBadScratch;
  }
  return Status::kOk;
}

// round(z / scale) + zero point, clamped to int8; NaN gives the zero point (as QUANTIZE).
int8_t quantize_feature(float z, float scale, int32_t zero_point) {
  const float rounded = roundf(z / scale);
  int64_t q = zero_point;
  if (rounded >= 2147483648.0f) {
    q += 2147483647;
  } else if (rounded < -2147483648.0f) {
    q -= 2147483648LL;
  } else if (rounded == rounded) {
    q += static_cast<int32_t>(rounded);
  }
  return static_cast<int8_t>(q < -128 ? -128 : (q > 127 ? 127 : q));
}

Status dsp_features_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<DspFeaturesParams>();
  const uint32_t n = p.features.n_fft;
  const uint32_t channels = dsp_features_channels(*ctx.op, reinterpret_cast<const uint8_t*>(&p));
  const uint32_t per_channel = dsp::features_count(p.features);
  const uint32_t count = channels * per_channel;
  float* work = reinterpret_cast<float*>(ctx.scratch());
  float* features = work + dsp::features_work_floats(n);
  const float* samples = ctx.input_data<float>(0);
  // Each channel is a whole single-channel window: its features are the 1-channel op's bits.
  for (uint32_t c = 0; c < channels; ++c) {
    if (dsp::features_compute(p.features, ctx.input_data<float>(1), ctx.input_data<float>(2),
                              samples + c * n, work, features + c * per_channel) !=
        dsp::DspStatus::kOk) {
      return Status::kErrBadParams;  // unreachable after prepare
    }
  }
  if (ctx.op->output_count == 2) {
    // Copied before normalizing in place; the planner never overlaps an op's outputs with its
    // inputs, so the normalization input is still intact.
    float* raw = ctx.output_data<float>(1);
    for (uint32_t i = 0; i < count; ++i) raw[i] = features[i];
  }
  if (dsp::features_normalize(features, ctx.input_data<float>(3), count, features) !=
      dsp::DspStatus::kOk) {
    return Status::kErrBadParams;  // unreachable after prepare
  }
  int8_t* y = ctx.output_data<int8_t>(0);
  for (uint32_t i = 0; i < count; ++i) {
    y[i] = quantize_feature(features[i], p.output_scale, p.output_zero_point);
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelDspFeatures = {kOpDspFeatures, dsp_features_prepare,
                                                      dsp_features_eval};

}  // namespace tmf
