// DSP_FEATURES (format 1.1): one window of raw samples -> the quantized, normalized feature
// vector, computed by device/dsp/features.h (the function the host trainer also calls).
// Format 1.3 adds C channels (a multi-axis sensor): params of 44 bytes end with `channels`; 40-byte
// params mean one channel, so single-channel files keep their 1.1 bytes and a runtime older than
// 1.3 rejects a 44-byte op with kErrBadParams instead of misreading it.
//   input:   0  float32 samples, C*N elements, last dimension N ([C, N], channel-major: channel
//               c's window is elements [c*N, (c+1)*N)); not quantized
//            1  float32 constant, N elements ([N/2, 2]): the FFT twiddles exactly as
//               dsp::fft_plan_init(N) builds them (computed on the host: no sinf/cosf on the device)
//            2  float32 constant, N elements: the analysis window (periodic Hann)
//            3  float32, 2*F elements ([2, F]): offsets, then scales. A constant, or an arena
//               tensor (a graph input) that the caller writes before EVERY invoke (the planner
//               may reuse its bytes after this op): a device's own learned baseline
//               (device/detect, docs/detect.md). Validation checks type and size, not values.
//   output:  0  int8 per-tensor, C*F elements, last dimension C*F (e.g. [1, C*F]); channel c's
//               features are elements [c*F, (c+1)*F); F = num_bands + number of selected stats
//            1  optional: float32 without quantization, F elements, last dimension F: the raw
//               feature[f] below, before normalization (baseline learning, drift telemetry).
//   Both extensions (arena normalization, output 1) came within format 1.1 with no params change;
//   a runtime without them rejects such a file at validation (kErrTypeMismatch /
//   kErrBadOperandCount), never misreads it.
//   Normalization (input 3) and output 1 hold C*F values in the same order.
//   feature[c*F + f] = dsp::features_compute(config, ..., samples + c*N, ...)[f]   (output 1)
//   z[f]       = (feature[f] - offset[f]) * scale[f]        (float, dsp::features_normalize)
//   out[f]     = clamp(round(z[f] / output_scale) + output_zero_point, -128, 127)
//   with a float division and round half away from zero, as QUANTIZE (NaN reads as the zero point,
//   |z / s| >= 2^31 saturates).
//   Scratch: needs header.scratch_bytes >= dsp_features_scratch_bytes(N, C*F) (kernels/scratch.h;
//   the converter reserves it), else validation fails with kErrBadScratch.
#pragma once

#include <stdint.h>

#include "device/dsp/features.h"

namespace tmf {

struct DspFeaturesParams {
  dsp::FeaturesConfig features;  // must pass dsp::features_check
  float output_scale;            // = output 0's scale
  int32_t output_zero_point;     // = output 0's zero point
};
static_assert(sizeof(DspFeaturesParams) == 40, "DspFeaturesParams is part of the format");

// Format 1.3: the 44-byte form, written only when channels > 1.
constexpr uint32_t kDspFeaturesMaxChannels = 8;
struct DspFeaturesChannelsParams {
  DspFeaturesParams base;
  uint32_t channels;  // 1..kDspFeaturesMaxChannels
};
static_assert(sizeof(DspFeaturesChannelsParams) == 44, "DspFeaturesChannelsParams is part of the format");

}  // namespace tmf
