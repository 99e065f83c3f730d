// FULLY_CONNECTED int8 for Cortex-M cores with the DSP extension (M4, M7, M33): bit-exact with
// kernels/fully_connected.cc, which it reuses for prepare() and the output stage.
// SMLAD does two 16x16 multiply-accumulates per instruction; SXTB16 sign-extends bytes 0,2 (and,
// rotated, bytes 1,3) of a word into two halfwords. Four weight rows are processed per pass (the
// converter stores them interleaved, kFullyConnectedWeightsBlocked4) so each word of inputs is
// sign-extended once for four rows: per 16 MACs, 1 load and 2 SXTB16 for the inputs, 2 LDRD for
// the weights and 4 x (2 SXTB16 + 2 SMLAD).
#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>
#include <string.h>

#include "../../kernel.h"
#include "../fully_connected.h"

namespace tmf {
namespace {

inline int32_t load_word(const int8_t* p) {
  int32_t v;
  memcpy(&v, p, sizeof(v));  // an unaligned-capable LDR on v7E-M/v8-M
  return v;
}

inline int32_t sxtb16_ror8(int32_t x) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}

// acc += x . w over 4 bytes, x already split into its even (x02) and odd (x13) bytes.
inline int32_t mac4(int32_t acc, int32_t x02, int32_t x13, int32_t w) {
  acc = __smlad(__sxtb16(w), x02, acc);
  return __smlad(sxtb16_ror8(w), x13, acc);
}

// One step of the assembly loops: 4 inputs x the 4 rows of a blocked group (16 MACs in 21
// instructions: 1 LDR and 2 SXTB16 for the inputs, then per row pair 1 LDRD, 4 SXTB16, 4 SMLAD).
// LDRD (not LDM, which orders registers by number) keeps the word order explicit; weight groups
// are word aligned (16-byte aligned constants, depth % 4 == 0).
#define TMF_FC_DSP_STEP \
  "  ldr    %[xv], [%[x]], #4\n"\
  "  sxtb16 %[x13], %[xv], ror #8\n"\
  "  sxtb16 %[xv], %[xv]\n"\
  "  ldrd   %[w0], %[w1], [%[w]], #8\n"\
  "  sxtb16 %[t], %[w0]\n"\
  "  sxtb16 %[w0], %[w0], ror #8\n"\
  "  smlad  %[a0], %[t], %[xv], %[a0]\n"\
  "  smlad  %[a0], %[w0], %[x13], %[a0]\n"\
  "  sxtb16 %[t], %[w1]\n"\
  "  sxtb16 %[w1], %[w1], ror #8\n"\
  "  smlad  %[a1], %[t], %[xv], %[a1]\n"\
  "  smlad  %[a1], %[w1], %[x13], %[a1]\n"\
  "  ldrd   %[w0], %[w1], [%[w]], #8\n"\
  "  sxtb16 %[t], %[w0]\n"\
  "  sxtb16 %[w0], %[w0], ror #8\n"\
  "  smlad  %[a2], %[t], %[xv], %[a2]\n"\
  "  smlad  %[a2], %[w0], %[x13], %[a2]\n"\
  "  sxtb16 %[t], %[w1]\n"\
  "  sxtb16 %[w1], %[w1], ror #8\n"\
  "  smlad  %[a3], %[t], %[xv], %[a3]\n"\
  "  smlad  %[a3], %[w1], %[x13], %[a3]\n"

// Accumulates into acc[0..3] the dot products of `x` with the four rows of one blocked weight
// group (kFullyConnectedWeightsBlocked4, so depth % 4 == 0). GCC spills registers on this loop,
// so it is written in assembly: 16 inputs per iteration (64 MACs in 86 instructions), then 4 at a
// time. SMLAD wraps on overflow exactly like the reference's int32 sums.
void dot4_blocked(const int8_t* x, const int8_t* w, int32_t depth, int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  int32_t xv, x13, w0, w1, t;
  const int8_t* x_end16 = x + (depth - depth % 16);
  const int8_t* x_end = x + depth;
  if (x != x_end16) {
    __asm__ volatile(
        "1:\n" TMF_FC_DSP_STEP TMF_FC_DSP_STEP TMF_FC_DSP_STEP TMF_FC_DSP_STEP
        "  cmp    %[x], %[end]\n"
        "  bne    1b\n"
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w] "+r"(w),
          [xv] "=&r"(xv), [x13] "=&r"(x13), [w0] "=&r"(w0), [w1] "=&r"(w1), [t] "=&r"(t)
        : [end] "r"(x_end16)
        : "cc", "memory");
  }
  if (x != x_end) {
    __asm__ volatile(
        "1:\n" TMF_FC_DSP_STEP
        "  cmp    %[x], %[end]\n"
        "  bne    1b\n"
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w] "+r"(w),
          [xv] "=&r"(xv), [x13] "=&r"(x13), [w0] "=&r"(w0), [w1] "=&r"(w1), [t] "=&r"(t)
        : [end] "r"(x_end)
        : "cc", "memory");
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

int32_t dot1(const int8_t* x, const int8_t* w, int32_t depth) {
  int32_t acc = 0;
  int32_t k = 0;
  for (; k + 4 <= depth; k += 4) {
    const int32_t xv = load_word(x + k);
    acc = mac4(acc, __sxtb16(xv), sxtb16_ror8(xv), load_word(w + k));
  }
  for (; k < depth; ++k) acc += static_cast<int32_t>(x[k]) * w[k];
  return acc;
}

// The output stage of fully_connected_output() with the requantization already split.
inline int8_t output_int8(int32_t acc, const SplitMultiplier& m, const FullyConnectedParams& p) {
  acc = wrapping_add(multiply_by_split_multiplier(acc, m), p.output_zero_point);
  return static_cast<int8_t>(clamp_i32(acc, p.act_min, p.act_max));
}

Status fully_connected_eval_dsp(const EvalContext& ctx) {
  const auto& p = ctx.params<FullyConnectedParams>();
  const TensorRecord& wt = ctx.input(1);
  const int32_t units = wt.dims[0];
  const int32_t depth = wt.dims[1];
  const int32_t batches = static_cast<int32_t>(tensor_element_count(ctx.input(0))) / depth;
  const int8_t* input = ctx.input_data<int8_t>(0);
  const int8_t* weights = ctx.input_data<int8_t>(1);
  const int32_t* bias = ctx.input_data<int32_t>(2);
  int8_t* output = ctx.output_data<int8_t>(0);
  const RequantArrays per_channel = requant_arrays(ctx, p.per_channel, static_cast<uint32_t>(units));
  const SplitMultiplier per_tensor = split_multiplier(p.output_multiplier, p.output_shift);
  const auto unit_multiplier = [&](int32_t u) {
    return per_channel.multiplier ? split_multiplier(per_channel.multiplier[u], per_channel.shift[u])
                                  : per_tensor;
  };
  // Row-major weights (depth % 4 != 0) take the one-row path for every unit.
  const int32_t grouped_units =
      p.weights_layout == kFullyConnectedWeightsBlocked4 ? units - units % 4 : 0;

  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* x = input + b * depth;
    int8_t* y = output + b * units;
    int32_t u = 0;
    for (; u < grouped_units; u += 4) {
      int32_t acc[4] = {bias[u], bias[u + 1], bias[u + 2], bias[u + 3]};
      dot4_blocked(x, weights + u * depth, depth, acc);
      if (per_channel.multiplier == nullptr) {
        for (int32_t i = 0; i < 4; ++i) y[u + i] = output_int8(acc[i], per_tensor, p);
      } else {
        for (int32_t i = 0; i < 4; ++i) y[u + i] = output_int8(acc[i], unit_multiplier(u + i), p);
      }
    }
    for (; u < units; ++u) {
      const int32_t acc = dot1(x, weights + u * depth, depth);
      y[u] = output_int8(wrapping_add(acc, bias[u]), unit_multiplier(u), p);
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelFullyConnectedDsp = {kOpFullyConnected,
                                                            fully_connected_prepare,
                                                            fully_connected_eval_dsp};

}  // namespace tmf

#endif  // __ARM_FEATURE_DSP
