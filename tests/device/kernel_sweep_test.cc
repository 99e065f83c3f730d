// Optimized kernels (kernels/arm/, registered on Cortex-M4/M7/M33) against their reference
// twins: seeded pseudo-random shapes, layouts, quantization and activation ranges, compared
// byte for byte. On the host and on cores without the DSP extension the registered kernel is the
// reference one, so the sweep then checks that both weight layouts give the same bytes.
#include <string.h>

#include "device/runtime/kernels/fully_connected.h"
#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {

extern const KernelRegistration kKernelFullyConnected;  // the reference kernel

namespace {

uint32_t next(uint32_t* state) {  // xorshift32: the same sequence on every platform
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

int32_t uniform(uint32_t* state, int32_t lo, int32_t hi) {  // inclusive
  return lo + static_cast<int32_t>(next(state) % static_cast<uint32_t>(hi - lo + 1));
}

constexpr int32_t kMaxUnits = 40;
constexpr int32_t kMaxDepth = 300;
constexpr int32_t kMaxBatches = 3;

int8_t g_weights[kMaxUnits * kMaxDepth];
int8_t g_packed[kMaxUnits * kMaxDepth];
int32_t g_bias[kMaxUnits];
int32_t g_requant[2 * kMaxUnits];
float g_scales[kMaxUnits];
int32_t g_zero_points[kMaxUnits];
int8_t g_input[kMaxBatches * kMaxDepth];
int8_t g_expected[kMaxBatches * kMaxUnits];

// The blocked layout of fully_connected.h, written out independently of the converter.
void pack_blocked4(int32_t units, int32_t depth) {
  memcpy(g_packed, g_weights, static_cast<size_t>(units * depth));
  for (int32_t u = 0; u < units - units % 4; ++u) {
    for (int32_t k = 0; k < depth; ++k) {
      g_packed[(u - u % 4) * depth + 16 * (k / 4) + 4 * (u % 4) + k % 4] = g_weights[u * depth + k];
    }
  }
}

TMF_TEST(KernelSweep, FullyConnectedOptimizedEqualsReference) {
  uint32_t state = 0x9E3779B9u;
  int compared = 0;
  for (int trial = 0; trial < 250; ++trial) {
    const int32_t units = uniform(&state, 1, kMaxUnits);
    int32_t depth = uniform(&state, 1, kMaxDepth);
    if (trial % 2 == 0) depth = 4 * uniform(&state, 1, kMaxDepth / 4);  // blocked layout allowed
    const int32_t batches = uniform(&state, 1, kMaxBatches);
    const bool per_channel = next(&state) % 2 == 0;
    const bool blocked = depth % 4 == 0 && next(&state) % 4 != 0;

    for (int32_t i = 0; i < units * depth; ++i) g_weights[i] = static_cast<int8_t>(next(&state));
    for (int32_t i = 0; i < batches * depth; ++i) g_input[i] = static_cast<int8_t>(next(&state));
    for (int32_t u = 0; u < units; ++u) {
      g_bias[u] = uniform(&state, -100000, 100000);
      g_requant[u] = (1 << 30) + static_cast<int32_t>(next(&state) % (1u << 30));  // [0.5, 1) in Q31
      g_requant[units + u] = uniform(&state, -14, -4);
      g_scales[u] = 0.01f;
      g_zero_points[u] = 0;
    }
    if (blocked) pack_blocked4(units, depth);

    FullyConnectedParams p{};
    p.output_zero_point = uniform(&state, -128, 127);
    p.act_min = uniform(&state, -128, 0);
    p.act_max = uniform(&state, p.act_min, 127);
    p.output_multiplier = g_requant[0];
    p.output_shift = g_requant[units];
    p.weights_layout = blocked ? kFullyConnectedWeightsBlocked4 : kFullyConnectedWeightsRowMajor;

    OpTest t;
    p.per_channel = per_channel ? t.params_array(g_requant, 8u * static_cast<uint32_t>(units)) : kTmfNoPerChannel;
    const uint16_t in = t.input(kTensorTypeInt8, Shape{2, {batches, depth}}, 0.5f, 3);
    const void* w_data = blocked ? g_packed : g_weights;
    const uint16_t w = per_channel
        ? t.constant_per_channel(kTensorTypeInt8, Shape{2, {units, depth}}, w_data, 0, g_scales, g_zero_points)
        : t.constant(kTensorTypeInt8, Shape{2, {units, depth}}, w_data, 0.01f, 0);
    const uint16_t b = t.constant(kTensorTypeInt32, Shape{1, {units}}, g_bias);
    const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {batches, units}}, 0.25f, p.output_zero_point);
    const uint16_t inputs[3] = {in, w, b};
    t.op(kOpFullyConnected, p, inputs, 3, &out, 1);
    TMF_ASSERT(t.build() == Status::kOk);
    const uint32_t out_bytes = static_cast<uint32_t>(batches * units);

    t.set_input(0, g_input, static_cast<uint32_t>(batches * depth));
    TMF_ASSERT(t.invoke_kernel(kKernelFullyConnected) == Status::kOk);
    memcpy(g_expected, t.output_data(0), out_bytes);
    t.set_input(0, g_input, static_cast<uint32_t>(batches * depth));
    TMF_ASSERT(t.invoke() == Status::kOk);  // the kernel this build registers
    TMF_EXPECT_BYTES_EQ(t.output_data(0), g_expected, out_bytes);
    ++compared;
  }
  TMF_EXPECT_EQ(compared, 250);
}

}  // namespace
}  // namespace tmf
