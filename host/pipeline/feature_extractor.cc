// Host feature extraction through device/dsp (see feature_extractor.h).
#include "host/pipeline/feature_extractor.h"

#include <cstring>

#include "device/dsp/fft.h"
#include "device/dsp/spectrum.h"
#include "device/dsp/window.h"
#include "host/pipeline/pipeline_settings.h"

namespace tmf::pipeline {

dsp::FeaturesConfig feature_params(const FeatureSpec& spec) {
  dsp::FeaturesConfig c{};
  c.n_fft = spec.window;
  c.sample_rate = static_cast<float>(spec.sample_rate_hz);
  c.f_lo = static_cast<float>(spec.f_lo);
  c.f_hi = static_cast<float>(spec.f_hi != 0 ? spec.f_hi : spec.sample_rate_hz / 2);
  c.num_bands = spec.bands;
  // Amplitude-calibrated spectrum (a sine of amplitude A reads A^2 at its bin): 4 / (sum w)^2,
  // and the periodic Hann window sums to N / 2.
  const float window_sum = static_cast<float>(spec.window) / 2.0f;
  c.power_scale = 4.0f / (window_sum * window_sum);
  c.log_floor = dsp::kSpectrumLogFloor;
  c.stats_mask = spec.stats_mask;
  if (dsp::features_check(c) != dsp::DspStatus::kOk) {
    throw PipelineError("features " + spec.to_string() + " at " + std::to_string(spec.sample_rate_hz) +
                        " Hz: not a valid front end (window a power of two in [64, 4096], 0 <= lo < hi <= "
                        "rate / 2, 1 <= bands <= window / 2 + 1)");
  }
  return c;
}

FeatureExtractor::FeatureExtractor(const FeatureSpec& spec) : params_(feature_params(spec)) {
  count_ = dsp::features_count(params_);
  twiddles_.resize(spec.window);
  dsp::FftPlan plan{};
  dsp::fft_plan_init(&plan, spec.window, twiddles_.data(), static_cast<uint32_t>(twiddles_.size() * sizeof(float)));
  window_.resize(spec.window);
  dsp::window_hann_periodic(window_.data(), spec.window);
  work_.resize(dsp::features_work_floats(spec.window));
}

void FeatureExtractor::compute(const float* samples, float* features) {
  const dsp::DspStatus status =
      dsp::features_compute(params_, twiddles_.data(), window_.data(), samples, work_.data(), features);
  if (status != dsp::DspStatus::kOk) {
    throw PipelineError(std::string("feature extraction failed: ") + dsp::dsp_status_to_string(status));
  }
}

}  // namespace tmf::pipeline
