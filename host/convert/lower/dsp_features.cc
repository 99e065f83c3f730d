// DSP_FEATURES lowering (format 1.1): the config from the op's PipelineOptions, checked as
// dsp::features_check does; the twiddle input must be exactly the table fft_plan_init builds on
// this host (the device never computes it); the converter reserves the op's scratch (convert.cc).
// The normalization may be an activation (a graph input) and output 1 (raw features) is optional.
#include "device/runtime/kernels/dsp_features.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "device/dsp/fft.h"
#include "host/convert/lower.h"
#include "host/convert/lower/pipeline_checks.h"

namespace tmf::host {
namespace {

std::string config_problem(const dsp::FeaturesConfig& c) {
  if (c.n_fft < dsp::kFeaturesMinLength || c.n_fft > dsp::kFeaturesMaxLength ||
      (c.n_fft & (c.n_fft - 1)) != 0) {
    return "window length " + std::to_string(c.n_fft) + " is not a power of two in [64, 4096]";
  }
  if (!(c.sample_rate >= dsp::kFeaturesMinSampleRate) || !std::isfinite(c.sample_rate)) {
    return "sample rate " + std::to_string(c.sample_rate) + " Hz is not finite and >= 0.001";
  }
  if (!(c.f_lo >= 0.0f) || !(c.f_lo < c.f_hi) || !(c.f_hi <= 0.5f * c.sample_rate)) {
    return "band range [" + std::to_string(c.f_lo) + ", " + std::to_string(c.f_hi) +
           "] Hz must satisfy 0 <= f_lo < f_hi <= sample_rate / 2";
  }
  if (c.num_bands == 0 || c.num_bands > c.n_fft / 2 + 1) {
    return std::to_string(c.num_bands) + " bands: must be 1.." + std::to_string(c.n_fft / 2 + 1);
  }
  if (!(c.power_scale > 0.0f) || !std::isfinite(c.power_scale)) return "power scale is not finite and positive";
  if (!(c.log_floor > 0.0f) || !std::isfinite(c.log_floor)) return "log floor is not finite and positive";
  if ((c.stats_mask & ~dsp::kFeatureStatKnown) != 0) {
    return "stats mask has unknown bits (known: 0x7F)";
  }
  return dsp::features_check(c) == dsp::DspStatus::kOk ? "" : "config rejected by dsp::features_check";
}

}  // namespace

LoweredOp lower_dsp_features(LoweringContext& ctx) {
  // Output 1 (the raw float features) is optional: check the four inputs with one output's rule.
  const size_t outputs = ctx.op().outputs.size();
  if (outputs != 1 && outputs != 2) {
    ctx.fail("expects 1 output (features) or 2 (features, raw features), has " + std::to_string(outputs));
  }
  for (size_t i = 0; i < 4; ++i) {
    if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " is missing");
  }
  if (ctx.input_count() != 4) ctx.fail("expects 4 inputs, has " + std::to_string(ctx.input_count()));
  const Tensor& samples = ctx.input(0);
  if (samples.type != kTensorTypeFloat32 || !samples.quant.scales.empty()) {
    ctx.fail_input(0, "raw samples must be float32 without quantization");
  }
  if (samples.is_constant()) ctx.fail_input(0, "raw samples must be an activation (the graph input)");
  // [C, N]: C channels of one window each, channel-major (format 1.3 when C > 1).
  if (samples.shape.empty() || samples.shape.back() < 1 ||
      samples.element_count() % samples.shape.back() != 0) {
    ctx.fail_input(0, "raw samples must be one window per channel ([C, N]), has shape " + shape_of(samples));
  }
  const int64_t channels = samples.element_count() / samples.shape.back();
  if (channels > 1 && (samples.shape.size() < 2 || samples.shape[samples.shape.size() - 2] != channels)) {
    ctx.fail_input(0, "raw samples of several channels must have shape [C, N], has " + shape_of(samples));
  }
  if (channels > kDspFeaturesMaxChannels) {
    ctx.fail_input(0, std::to_string(channels) + " channels: at most " +
                          std::to_string(kDspFeaturesMaxChannels));
  }
  const PipelineOptions& o = ctx.op().options.pipeline;
  DspFeaturesParams p{};
  p.features.n_fft = static_cast<uint32_t>(samples.shape.back());
  p.features.sample_rate = o.sample_rate;
  p.features.f_lo = o.f_lo;
  p.features.f_hi = o.f_hi;
  p.features.num_bands = o.num_bands;
  p.features.power_scale = o.power_scale;
  p.features.log_floor = o.log_floor;
  p.features.stats_mask = o.stats_mask;
  const std::string problem = config_problem(p.features);
  if (!problem.empty()) ctx.fail(problem);
  const uint32_t n = p.features.n_fft;
  const uint32_t count = static_cast<uint32_t>(channels) * dsp::features_count(p.features);

  require_float_constant_input(ctx, 1, n, "FFT twiddles");
  require_float_constant_input(ctx, 2, n, "window");
  // The normalization is a constant, or an activation (a graph input the device writes: its own
  // learned baseline, docs/detect.md).
  const Tensor& norm = ctx.input(3);
  if (norm.is_constant()) {
    require_float_constant_input(ctx, 3, 2 * static_cast<int64_t>(count), "normalization [2, F]");
  } else if (norm.type != kTensorTypeFloat32 || !norm.quant.scales.empty() ||
             norm.element_count() != 2 * static_cast<int64_t>(count)) {
    ctx.fail_input(3, "normalization input must be float32 without quantization holding [2, " +
                          std::to_string(count) + "] values, has shape " + shape_of(norm));
  }
  std::vector<float> twiddle(n);
  dsp::FftPlan plan{};
  if (dsp::fft_plan_init(&plan, n, twiddle.data(), n * sizeof(float)) != dsp::DspStatus::kOk ||
      std::memcmp(twiddle.data(), ctx.input(1).data.data(), n * sizeof(float)) != 0) {
    ctx.fail_input(1, "FFT twiddles differ from dsp::fft_plan_init(" + std::to_string(n) + ")");
  }

  ctx.require_int8_per_tensor_output(0);
  const Tensor& out = ctx.output(0);
  if (out.shape.empty() || out.shape.back() != static_cast<int32_t>(count) ||
      out.element_count() != count) {
    ctx.fail_output(0, "shape " + shape_of(out) + " must be one row of the " +
                           std::to_string(count) + " features (bands + stats, per channel)");
  }
  if (outputs == 2) {
    const Tensor& raw = ctx.output(1);
    if (raw.type != kTensorTypeFloat32 || !raw.quant.scales.empty()) {
      ctx.fail_output(1, "raw features must be float32 without quantization");
    }
    if (raw.shape.empty() || raw.shape.back() != static_cast<int32_t>(count) ||
        raw.element_count() != count) {
      ctx.fail_output(1, "shape " + shape_of(raw) + " must be one row of the " +
                             std::to_string(count) + " raw features");
    }
  }
  p.output_scale = out.quant.scales[0];
  p.output_zero_point = static_cast<int32_t>(out.quant.zero_points[0]);
  // One channel keeps the 40-byte params every runtime since 1.1 reads.
  if (channels == 1) return ctx.lowered(kOpDspFeatures, p);
  DspFeaturesChannelsParams pc{};
  pc.base = p;
  pc.channels = static_cast<uint32_t>(channels);
  return ctx.lowered(kOpDspFeatures, pc);
}

}  // namespace tmf::host
