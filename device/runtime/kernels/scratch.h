// Scratch space (header.scratch_bytes at header.scratch_offset in the arena) that optimized
// kernels may use. The converter reserves the largest need of a model's ops, so one model file
// suits every core; a kernel given less falls back to its reference twin.
#pragma once

#include <stdint.h>

namespace tmf {

// CONV_2D on DSP cores: one receptive field as int16, rounded up to 16 bytes.
inline uint32_t conv_2d_dsp_scratch_bytes(int32_t kh, int32_t kw, int32_t in_c) {
  const uint64_t bytes = 2ull * static_cast<uint64_t>(kh) * static_cast<uint64_t>(kw) *
                         static_cast<uint64_t>(in_c);
  return static_cast<uint32_t>((bytes + 15u) / 16u * 16u);
}

// FULLY_CONNECTED on DSP cores pairs batch rows (e.g. the pixels of a 1x1 convolution) when there
// are two or more and depth % 8 == 0: two rows of inputs sign-extended to int16, so each weight
// word serves two rows. Single-row models (autoencoders) need none.
inline bool fully_connected_dsp_pairs_rows(int32_t batches, int32_t depth) {
  return batches >= 2 && depth % 8 == 0;
}

inline uint32_t fully_connected_dsp_scratch_bytes(int32_t batches, int32_t depth) {
  if (!fully_connected_dsp_pairs_rows(batches, depth)) return 0;
  return static_cast<uint32_t>((4ull * static_cast<uint64_t>(depth) + 15u) / 16u * 16u);
}

// ADD on DSP cores with at least kAddDspTableMinElements outputs: each input's rescaled term
// depends only on its int8 value, so two 256-entry int32 tables are built once per invoke.
constexpr uint32_t kAddDspTableMinElements = 512;  // below, building the tables costs more

inline uint32_t add_dsp_scratch_bytes(uint32_t output_elements) {
  return output_elements >= kAddDspTableMinElements ? 2u * 256u * 4u : 0u;
}

// DSP_FEATURES (every core; it has no twin and needs this much): the in-place FFT's N + 2 floats,
// then the F float features before they are normalized and quantized.
inline uint32_t dsp_features_scratch_bytes(uint32_t n_fft, uint32_t feature_count) {
  const uint64_t bytes = 4ull * (static_cast<uint64_t>(n_fft) + 2u + feature_count);
  return static_cast<uint32_t>((bytes + 15u) / 16u * 16u);
}

}  // namespace tmf
