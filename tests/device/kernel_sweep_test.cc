// Optimized kernels (kernels/arm/, registered on Cortex-M4/M7/M33) against their reference
// twins: seeded pseudo-random shapes, layouts, quantization and activation ranges, compared
// byte for byte. On the host and on cores without the DSP extension the registered kernel is the
// reference one, so the sweep then checks that both weight layouts give the same bytes.
#include <string.h>

#include "device/runtime/kernels/add.h"
#include "device/runtime/kernels/conv_2d.h"
#include "device/runtime/kernels/depthwise_conv_2d.h"
#include "device/runtime/kernels/fully_connected.h"
#include "device/runtime/kernels/scratch.h"
#include "device/runtime/kernels/spatial.h"
#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {

extern const KernelRegistration kKernelFullyConnected;  // the reference kernels
extern const KernelRegistration kKernelConv2D;
extern const KernelRegistration kKernelDepthwiseConv2D;
extern const KernelRegistration kKernelAveragePool2D;
extern const KernelRegistration kKernelMaxPool2D;
extern const KernelRegistration kKernelAdd;

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
constexpr int32_t kMaxBatches = 5;

int8_t g_weights[kMaxUnits * kMaxDepth];
int8_t g_packed[kMaxUnits * kMaxDepth];
int32_t g_bias[2 * kMaxUnits];
int32_t g_requant[4 * kMaxUnits];
float g_scales[2 * kMaxUnits];
int32_t g_zero_points[2 * kMaxUnits];
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
    // Most trials reserve the scratch the converter would (pairs of batch rows on DSP cores).
    if (trial % 4 != 0) t.scratch(fully_connected_dsp_scratch_bytes(batches, depth));
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

// One random windowed op (CONV_2D or DEPTHWISE_CONV_2D): geometry, padding, dilation, zero
// points, per-channel requantization, optional bias.
struct WindowCase {
  int32_t batches, in_h, in_w, in_c, out_c, kh, kw, stride, dilation;
  bool same;
  int32_t out_h, out_w, pad_h, pad_w;
};

WindowCase random_window(uint32_t* state, int32_t max_c) {
  WindowCase w{};
  for (;;) {
    w.batches = uniform(state, 1, 2);
    w.in_h = uniform(state, 1, 12);
    w.in_w = uniform(state, 1, 12);
    w.in_c = uniform(state, 1, max_c);
    if (next(state) % 2 == 0) w.in_c = 4 * uniform(state, 1, max_c / 4);  // DSP fast paths
    w.kh = uniform(state, 1, 5);
    w.kw = uniform(state, 1, 5);
    w.stride = uniform(state, 1, 3);
    w.dilation = next(state) % 4 == 0 ? 2 : 1;
    w.same = next(state) % 2 == 0;
    const SpatialPadding padding = w.same ? kSpatialPaddingSame : kSpatialPaddingValid;
    w.out_h = static_cast<int32_t>(spatial_output_size(padding, w.in_h, w.kh, w.stride, w.dilation));
    w.out_w = static_cast<int32_t>(spatial_output_size(padding, w.in_w, w.kw, w.stride, w.dilation));
    if (w.out_h < 1 || w.out_w < 1) continue;
    w.pad_h = static_cast<int32_t>(spatial_leading_padding(w.in_h, w.kh, w.stride, w.dilation, w.out_h));
    w.pad_w = static_cast<int32_t>(spatial_leading_padding(w.in_w, w.kw, w.stride, w.dilation, w.out_w));
    return w;
  }
}

constexpr int32_t kMaxWindowBytes = 2 * 20 * 20 * 24;
int8_t g_window_input[kMaxWindowBytes];
int8_t g_window_expected[kMaxWindowBytes * 2];
int8_t g_filter[32 * 5 * 5 * 32];

// Runs the registered kernel and the reference kernel on the built model; compares outputs.
void compare_with_reference(TmfTestState* tmf_test_state_, OpTest& t,
                            const KernelRegistration& reference, uint32_t in_bytes, uint32_t out_bytes) {
  t.set_input(0, g_window_input, in_bytes);
  TMF_ASSERT(t.invoke_kernel(reference) == Status::kOk);
  memcpy(g_window_expected, t.output_data(0), out_bytes);
  t.set_input(0, g_window_input, in_bytes);
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_data(0), g_window_expected, out_bytes);
}

TMF_TEST(KernelSweep, Conv2DOptimizedEqualsReference) {
  uint32_t state = 0x2545F491u;
  for (int trial = 0; trial < 150; ++trial) {
    const WindowCase w = random_window(&state, 16);
    const int32_t out_c = uniform(&state, 1, 32);
    const int32_t filter_bytes = out_c * w.kh * w.kw * w.in_c;
    for (int32_t i = 0; i < filter_bytes; ++i) g_filter[i] = static_cast<int8_t>(next(&state));
    const int32_t in_bytes = w.batches * w.in_h * w.in_w * w.in_c;
    for (int32_t i = 0; i < in_bytes; ++i) g_window_input[i] = static_cast<int8_t>(next(&state));
    for (int32_t c = 0; c < out_c; ++c) {
      g_bias[c] = uniform(&state, -20000, 20000);
      g_requant[c] = (1 << 30) + static_cast<int32_t>(next(&state) % (1u << 30));
      g_requant[out_c + c] = uniform(&state, -12, 1);
      g_scales[c] = 0.02f;
      g_zero_points[c] = 0;
    }
    Conv2DParams p{};
    p.stride_h = p.stride_w = w.stride;
    p.dilation_h = p.dilation_w = w.dilation;
    p.pad_h = w.pad_h;
    p.pad_w = w.pad_w;
    p.input_zero_point = uniform(&state, -128, 127);
    p.output_zero_point = uniform(&state, -128, 127);
    p.act_min = uniform(&state, -128, 0);
    p.act_max = uniform(&state, p.act_min, 127);

    OpTest t;
    p.per_channel = t.params_array(g_requant, 8u * static_cast<uint32_t>(out_c));
    const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {w.batches, w.in_h, w.in_w, w.in_c}}, 0.5f, p.input_zero_point);
    const uint16_t f = t.constant_per_channel(kTensorTypeInt8, Shape{4, {out_c, w.kh, w.kw, w.in_c}}, g_filter, 0,
                                              g_scales, g_zero_points);
    const bool with_bias = next(&state) % 4 != 0;
    const uint16_t b = with_bias ? t.constant(kTensorTypeInt32, Shape{1, {out_c}}, g_bias) : kTmfNoTensor;
    const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {w.batches, w.out_h, w.out_w, out_c}}, 0.25f, p.output_zero_point);
    // The converter reserves this scratch for the DSP kernel; every other trial leaves it out
    // so the fallback to the reference kernel is exercised too.
    if (trial % 2 == 0) t.scratch(conv_2d_dsp_scratch_bytes(w.kh, w.kw, w.in_c));
    const uint16_t inputs[3] = {in, f, b};
    t.op(kOpConv2D, p, inputs, 3, &out, 1);
    TMF_ASSERT(t.build() == Status::kOk);
    compare_with_reference(tmf_test_state_, t, kKernelConv2D, static_cast<uint32_t>(in_bytes),
                           static_cast<uint32_t>(w.batches * w.out_h * w.out_w * out_c));
  }
}

TMF_TEST(KernelSweep, DepthwiseConv2DOptimizedEqualsReference) {
  uint32_t state = 0x6C078965u;
  for (int trial = 0; trial < 150; ++trial) {
    const WindowCase w = random_window(&state, 32);
    const int32_t multiplier = next(&state) % 4 == 0 ? 2 : 1;
    const int32_t out_c = w.in_c * multiplier;
    const int32_t filter_bytes = w.kh * w.kw * out_c;
    for (int32_t i = 0; i < filter_bytes; ++i) g_filter[i] = static_cast<int8_t>(next(&state));
    const int32_t in_bytes = w.batches * w.in_h * w.in_w * w.in_c;
    for (int32_t i = 0; i < in_bytes; ++i) g_window_input[i] = static_cast<int8_t>(next(&state));
    for (int32_t c = 0; c < out_c; ++c) {
      g_bias[c] = uniform(&state, -20000, 20000);
      g_requant[c] = (1 << 30) + static_cast<int32_t>(next(&state) % (1u << 30));
      g_requant[out_c + c] = uniform(&state, -12, 1);
      g_scales[c] = 0.02f;
      g_zero_points[c] = 0;
    }
    DepthwiseConv2DParams p{};
    p.stride_h = p.stride_w = w.stride;
    p.dilation_h = p.dilation_w = w.dilation;
    p.pad_h = w.pad_h;
    p.pad_w = w.pad_w;
    p.depth_multiplier = multiplier;
    p.input_zero_point = uniform(&state, -128, 127);
    p.output_zero_point = uniform(&state, -128, 127);
    p.act_min = uniform(&state, -128, 0);
    p.act_max = uniform(&state, p.act_min, 127);

    OpTest t;
    p.per_channel = t.params_array(g_requant, 8u * static_cast<uint32_t>(out_c));
    const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {w.batches, w.in_h, w.in_w, w.in_c}}, 0.5f, p.input_zero_point);
    const uint16_t f = t.constant_per_channel(kTensorTypeInt8, Shape{4, {1, w.kh, w.kw, out_c}}, g_filter, 3,
                                              g_scales, g_zero_points);
    const bool with_bias = next(&state) % 4 != 0;
    const uint16_t b = with_bias ? t.constant(kTensorTypeInt32, Shape{1, {out_c}}, g_bias) : kTmfNoTensor;
    const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {w.batches, w.out_h, w.out_w, out_c}}, 0.25f, p.output_zero_point);
    const uint16_t inputs[3] = {in, f, b};
    t.op(kOpDepthwiseConv2D, p, inputs, 3, &out, 1);
    TMF_ASSERT(t.build() == Status::kOk);
    compare_with_reference(tmf_test_state_, t, kKernelDepthwiseConv2D, static_cast<uint32_t>(in_bytes),
                           static_cast<uint32_t>(w.batches * w.out_h * w.out_w * out_c));
  }
}

// Both pools on random geometry: windows up to 17 x 17 (more than 255 taps exercises the average
// pool's fallback), channel counts with and without the 4-channel fast path.
TMF_TEST(KernelSweep, PoolsOptimizedEqualReference) {
  uint32_t state = 0x7FEB352Du;
  for (int trial = 0; trial < 200; ++trial) {
    PoolParams p{};
    const int32_t batches = uniform(&state, 1, 2);
    const int32_t in_h = uniform(&state, 1, 20), in_w = uniform(&state, 1, 20);
    int32_t depth = uniform(&state, 1, 12);
    if (next(&state) % 2 == 0) depth = 4 * uniform(&state, 1, 6);
    p.filter_h = uniform(&state, 1, trial % 10 == 0 ? 17 : 5);
    p.filter_w = uniform(&state, 1, trial % 10 == 0 ? 17 : 5);
    p.stride_h = uniform(&state, 1, 3);
    p.stride_w = uniform(&state, 1, 3);
    const SpatialPadding padding = next(&state) % 2 == 0 ? kSpatialPaddingSame : kSpatialPaddingValid;
    const int32_t out_h = static_cast<int32_t>(spatial_output_size(padding, in_h, p.filter_h, p.stride_h, 1));
    const int32_t out_w = static_cast<int32_t>(spatial_output_size(padding, in_w, p.filter_w, p.stride_w, 1));
    if (out_h < 1 || out_w < 1) continue;
    p.pad_h = static_cast<int32_t>(spatial_leading_padding(in_h, p.filter_h, p.stride_h, 1, out_h));
    p.pad_w = static_cast<int32_t>(spatial_leading_padding(in_w, p.filter_w, p.stride_w, 1, out_w));
    p.act_min = uniform(&state, -128, 0);
    p.act_max = uniform(&state, p.act_min, 127);
    const int32_t in_bytes = batches * in_h * in_w * depth;
    const int32_t out_bytes = batches * out_h * out_w * depth;
    if (in_bytes > kMaxWindowBytes) continue;
    for (int32_t i = 0; i < in_bytes; ++i) g_window_input[i] = static_cast<int8_t>(next(&state));
    const int32_t zp = uniform(&state, -128, 127);
    for (int pool = 0; pool < 2; ++pool) {
      OpTest t;
      const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {batches, in_h, in_w, depth}}, 0.5f, zp);
      const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {batches, out_h, out_w, depth}}, 0.5f, zp);
      t.op(pool == 0 ? kOpAveragePool2D : kOpMaxPool2D, p, &in, 1, &out, 1);
      TMF_ASSERT(t.build() == Status::kOk);
      compare_with_reference(tmf_test_state_, t, pool == 0 ? kKernelAveragePool2D : kKernelMaxPool2D,
                             static_cast<uint32_t>(in_bytes), static_cast<uint32_t>(out_bytes));
    }
  }
}

int8_t g_add_b[kMaxWindowBytes];

// ADD on random shapes (equal, or the second input broadcast along leading or trailing axes),
// random zero points and requantization, above and below the size where the optimized kernel
// tabulates the rescaled inputs, with and without the scratch it needs.
TMF_TEST(KernelSweep, AddOptimizedEqualsReference) {
  uint32_t state = 0x165667B1u;
  for (int trial = 0; trial < 120; ++trial) {
    const int32_t dims[4] = {uniform(&state, 1, 2), uniform(&state, 1, 16), uniform(&state, 1, 16),
                             uniform(&state, 1, 16)};
    int32_t bdims[4] = {dims[0], dims[1], dims[2], dims[3]};
    const uint32_t kind = next(&state) % 3;
    if (kind == 1) bdims[0] = bdims[1] = bdims[2] = 1;  // per-channel vector
    if (kind == 2) bdims[3] = 1;                         // per-pixel scalar
    const int32_t elements = dims[0] * dims[1] * dims[2] * dims[3];
    const int32_t b_elements = bdims[0] * bdims[1] * bdims[2] * bdims[3];
    if (elements > kMaxWindowBytes) continue;
    for (int32_t i = 0; i < elements; ++i) g_window_input[i] = static_cast<int8_t>(next(&state));
    for (int32_t i = 0; i < b_elements; ++i) g_add_b[i] = static_cast<int8_t>(next(&state));
    AddParams p{};
    p.input1_offset = -uniform(&state, -128, 127);
    p.input2_offset = -uniform(&state, -128, 127);
    p.output_offset = uniform(&state, -128, 127);
    p.left_shift = kAddLeftShift;
    p.input1_multiplier = (1 << 30) + static_cast<int32_t>(next(&state) % (1u << 30));
    p.input1_shift = uniform(&state, -3, 0);
    p.input2_multiplier = (1 << 30) + static_cast<int32_t>(next(&state) % (1u << 30));
    p.input2_shift = uniform(&state, -3, 0);
    p.output_multiplier = (1 << 30) + static_cast<int32_t>(next(&state) % (1u << 30));
    p.output_shift = uniform(&state, -22, -16);
    p.act_min = uniform(&state, -128, 0);
    p.act_max = uniform(&state, p.act_min, 127);

    OpTest t;
    const uint16_t a = t.input(kTensorTypeInt8, Shape{4, {dims[0], dims[1], dims[2], dims[3]}}, 0.5f, -p.input1_offset);
    const uint16_t b = t.constant(kTensorTypeInt8, Shape{4, {bdims[0], bdims[1], bdims[2], bdims[3]}}, g_add_b,
                                  0.25f, -p.input2_offset);
    const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {dims[0], dims[1], dims[2], dims[3]}}, 0.5f, p.output_offset);
    if (trial % 4 != 0) t.scratch(add_dsp_scratch_bytes(static_cast<uint32_t>(elements)));
    const uint16_t inputs[2] = {a, b};
    t.op(kOpAdd, p, inputs, 2, &out, 1);
    TMF_ASSERT(t.build() == Status::kOk);
    compare_with_reference(tmf_test_state_, t, kKernelAdd, static_cast<uint32_t>(elements),
                           static_cast<uint32_t>(elements));
  }
}

}  // namespace
}  // namespace tmf
