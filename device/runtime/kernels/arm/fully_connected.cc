// FULLY_CONNECTED int8 for Cortex-M cores with the DSP extension (M4, M7, M33): bit-exact with
// kernels/fully_connected.cc, which it reuses for prepare() and the output stage.
// SMLAD does two 16x16 multiply-accumulates per instruction; SXTB16 sign-extends bytes 0,2 (and,
// rotated, bytes 1,3) of a word into two halfwords. Four weight rows are processed per pass (the
// converter stores them interleaved, kFullyConnectedWeightsBlocked4) so each word of inputs is
// sign-extended once for four rows: per 16 MACs, 1 load and 2 SXTB16 for the inputs, 2 LDRD for
// the weights and 4 x (2 SXTB16 + 2 SMLAD).
#if defined(__ARM_FEATURE_DSP)

#include "../../kernel.h"
#include "../fully_connected.h"
#include "../requant.h"
#include "../scratch.h"
#include "dsp.h"
#include "requantize_block.h"

namespace tmf {
namespace {

// acc += x . w over 4 bytes, x already split into its even (x02) and odd (x13) bytes.
inline int32_t mac4(int32_t acc, int32_t x02, int32_t x13, int32_t w) {
  acc = __smlad(__sxtb16(w), x02, acc);
  return __smlad(dsp_sxtb16_ror8(w), x13, acc);
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
__attribute__((noinline)) void dot4_blocked(const int8_t* x, const int8_t* w, int32_t depth, int32_t acc[4]) {
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

// Two batch rows at once: their inputs were expanded by expand_pair() into `x` as, per 4 inputs,
// (a0,a2) (a1,a3) (b0,b2) (b1,b3) halfword pairs; w points at row 0 (or 2) of a blocked group and
// the loop reads rows 0 and 1 (or 2 and 3) of each 16-byte piece: 32 MACs in 34 instructions.
// acc = {row 0 of a, row 1 of a, row 0 of b, row 1 of b}.
#define TMF_FC_DSP_PAIR_STEP \
  "  ldrd   %[xa02], %[xa13], [%[x]], #8\n"\
  "  ldrd   %[xb02], %[xb13], [%[x]], #8\n"\
  "  ldr    %[wv], [%[w]], #4\n"\
  "  sxtb16 %[t], %[wv]\n"\
  "  sxtb16 %[wv], %[wv], ror #8\n"\
  "  smlad  %[a0], %[t], %[xa02], %[a0]\n"\
  "  smlad  %[a0], %[wv], %[xa13], %[a0]\n"\
  "  smlad  %[b0], %[t], %[xb02], %[b0]\n"\
  "  smlad  %[b0], %[wv], %[xb13], %[b0]\n"\
  "  ldr    %[wv], [%[w]], #12\n"\
  "  sxtb16 %[t], %[wv]\n"\
  "  sxtb16 %[wv], %[wv], ror #8\n"\
  "  smlad  %[a1], %[t], %[xa02], %[a1]\n"\
  "  smlad  %[a1], %[wv], %[xa13], %[a1]\n"\
  "  smlad  %[b1], %[t], %[xb02], %[b1]\n"\
  "  smlad  %[b1], %[wv], %[xb13], %[b1]\n"

__attribute__((noinline)) void dot2x2_expanded(const int16_t* x, const int8_t* w, int32_t depth, int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
  int32_t xa02, xa13, xb02, xb13, wv, t;
  // 4 halfwords per 4 inputs of each of the two rows; 8 inputs per iteration (depth % 8 == 0,
  // fully_connected_dsp_pairs_rows()).
  const int16_t* x_end = x + 2 * depth;
#define TMF_FC_DSP_PAIR_OPERANDS                                                                \
  : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [x] "+r"(x), [w] "+r"(w),     \
    [xa02] "=&r"(xa02), [xa13] "=&r"(xa13), [xb02] "=&r"(xb02), [xb13] "=&r"(xb13),           \
    [wv] "=&r"(wv), [t] "=&r"(t)
  __asm__ volatile("1:\n" TMF_FC_DSP_PAIR_STEP TMF_FC_DSP_PAIR_STEP
                   "  cmp    %[x], %[end]\n"
                   "  bne    1b\n" TMF_FC_DSP_PAIR_OPERANDS
                   : [end] "r"(x_end)
                   : "cc", "memory");
#undef TMF_FC_DSP_PAIR_OPERANDS
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = b0;
  acc[3] = b1;
}

// Sign-extends two input rows into the layout dot2x2_expanded() reads (depth % 4 == 0).
__attribute__((noinline)) void expand_pair(const int8_t* a, const int8_t* b, int32_t depth, int16_t* x) {
  int32_t* out = reinterpret_cast<int32_t*>(x);
  for (int32_t k = 0; k < depth; k += 4) {
    const int32_t va = dsp_load_word(a + k), vb = dsp_load_word(b + k);
    out[0] = __sxtb16(va);
    out[1] = dsp_sxtb16_ror8(va);
    out[2] = __sxtb16(vb);
    out[3] = dsp_sxtb16_ror8(vb);
    out += 4;
  }
}

__attribute__((noinline)) int32_t dot1(const int8_t* x, const int8_t* w, int32_t depth) {
  int32_t acc = 0;
  int32_t k = 0;
  for (; k + 4 <= depth; k += 4) {
    const int32_t xv = dsp_load_word(x + k);
    acc = mac4(acc, __sxtb16(xv), dsp_sxtb16_ror8(xv), dsp_load_word(w + k));
  }
  for (; k < depth; ++k) acc += static_cast<int32_t>(x[k]) * w[k];
  return acc;
}

// Accumulators of units [first, first + n) of one batch row (n <= kRequantizeBlock, first a
// multiple of 4), started from the bias.
__attribute__((noinline)) void accumulate_row(const int8_t* x, const int8_t* weights, const int32_t* bias, int32_t first,
                    int32_t n, int32_t grouped_units, int32_t depth, int32_t* acc) {
  int32_t u = first;
  for (; u < first + n && u < grouped_units; u += 4) {
    int32_t* a = acc + (u - first);
    a[0] = bias[u];
    a[1] = bias[u + 1];
    a[2] = bias[u + 2];
    a[3] = bias[u + 3];
    dot4_blocked(x, weights + u * depth, depth, a);
  }
  for (; u < first + n; ++u) acc[u - first] = wrapping_add(dot1(x, weights + u * depth, depth), bias[u]);
}

// The same for two batch rows whose inputs expand_pair() prepared.
__attribute__((noinline)) void accumulate_pair(const int16_t* expanded, const int8_t* xa, const int8_t* weights,
                     const int32_t* bias, int32_t first, int32_t n, int32_t grouped_units,
                     int32_t depth, int32_t* acc_a, int32_t* acc_b) {
  int32_t u = first;
  for (; u < first + n && u < grouped_units; u += 4) {
    const int8_t* group = weights + u * depth;
    int32_t lo[4] = {bias[u], bias[u + 1], bias[u], bias[u + 1]};
    int32_t hi[4] = {bias[u + 2], bias[u + 3], bias[u + 2], bias[u + 3]};
    dot2x2_expanded(expanded, group, depth, lo);
    dot2x2_expanded(expanded, group + 8, depth, hi);
    int32_t* a = acc_a + (u - first);
    int32_t* b = acc_b + (u - first);
    a[0] = lo[0];
    a[1] = lo[1];
    a[2] = hi[0];
    a[3] = hi[1];
    b[0] = lo[2];
    b[1] = lo[3];
    b[2] = hi[2];
    b[3] = hi[3];
  }
  for (; u < first + n; ++u) {
    const int8_t* row = weights + u * depth;
    acc_a[u - first] = wrapping_add(dot1(xa, row, depth), bias[u]);
    acc_b[u - first] = wrapping_add(dot1(xa + depth, row, depth), bias[u]);
  }
}

// Output stage of units [first, first + n) of one row.
__attribute__((noinline)) void requantize_units(const int32_t* acc, int32_t first, int32_t n,
                                                const FullyConnectedParams& p,
                                                const RequantArrays& per_channel, int8_t* y) {
  const RequantizeOutput o{p.output_zero_point, p.act_min, p.act_max};
  if (per_channel.multiplier != nullptr) {
    requantize_block_per_channel(acc, n, per_channel.multiplier + first, per_channel.shift + first, o, y + first);
  } else {
    requantize_block_per_tensor(acc, n, p.output_multiplier, p.output_shift, o, y + first);
  }
}

// What the row loops need to know about the op, gathered once.
struct FullyConnectedLayer {
  const FullyConnectedParams* p;
  RequantArrays per_channel;
  const int8_t* weights;
  const int32_t* bias;
  int32_t units, depth, grouped_units;
};

// Batch rows [0, rows) two at a time (rows even), inputs expanded into `expanded`. Its own
// function so that single-row models (autoencoders) do not carry its two blocks on the stack.
__attribute__((noinline)) void eval_row_pairs(const FullyConnectedLayer& l, const int8_t* input,
                                              int32_t rows, int16_t* expanded, int8_t* output) {
  int32_t acc_a[kRequantizeBlock];
  int32_t acc_b[kRequantizeBlock];
  for (int32_t b = 0; b < rows; b += 2) {
    const int8_t* xa = input + b * l.depth;
    expand_pair(xa, xa + l.depth, l.depth, expanded);
    for (int32_t first = 0; first < l.units; first += kRequantizeBlock) {
      const int32_t n = l.units - first < kRequantizeBlock ? l.units - first : kRequantizeBlock;
      accumulate_pair(expanded, xa, l.weights, l.bias, first, n, l.grouped_units, l.depth, acc_a, acc_b);
      requantize_units(acc_a, first, n, *l.p, l.per_channel, output + b * l.units);
      requantize_units(acc_b, first, n, *l.p, l.per_channel, output + (b + 1) * l.units);
    }
  }
}

__attribute__((noinline)) void eval_rows(const FullyConnectedLayer& l, const int8_t* input,
                                         int32_t rows, int8_t* output) {
  int32_t acc[kRequantizeBlock];
  for (int32_t b = 0; b < rows; ++b) {
    for (int32_t first = 0; first < l.units; first += kRequantizeBlock) {
      const int32_t n = l.units - first < kRequantizeBlock ? l.units - first : kRequantizeBlock;
      accumulate_row(input + b * l.depth, l.weights, l.bias, first, n, l.grouped_units, l.depth, acc);
      requantize_units(acc, first, n, *l.p, l.per_channel, output + b * l.units);
    }
  }
}

Status fully_connected_eval_dsp(const EvalContext& ctx) {
  const auto& p = ctx.params<FullyConnectedParams>();
  const TensorRecord& wt = ctx.input(1);
  FullyConnectedLayer l;
  l.p = &p;
  l.units = wt.dims[0];
  l.depth = wt.dims[1];
  l.weights = ctx.input_data<int8_t>(1);
  l.bias = ctx.input_data<int32_t>(2);
  l.per_channel = requant_arrays(ctx, p.per_channel, static_cast<uint32_t>(l.units));
  // Row-major weights (depth % 4 != 0) take the one-row path for every unit.
  l.grouped_units = p.weights_layout == kFullyConnectedWeightsBlocked4 ? l.units - l.units % 4 : 0;
  const int32_t batches = static_cast<int32_t>(tensor_element_count(ctx.input(0))) / l.depth;
  const int8_t* input = ctx.input_data<int8_t>(0);
  int8_t* output = ctx.output_data<int8_t>(0);

  // Pairs of batch rows, when the model reserved scratch for them (kernels/scratch.h).
  int32_t paired = 0;
  if (l.grouped_units > 0 && fully_connected_dsp_pairs_rows(batches, l.depth) &&
      ctx.model->header->scratch_bytes >= fully_connected_dsp_scratch_bytes(batches, l.depth)) {
    paired = batches - batches % 2;
    eval_row_pairs(l, input, paired, reinterpret_cast<int16_t*>(ctx.scratch()), output);
  }
  eval_rows(l, input + paired * l.depth, batches - paired, output + paired * l.units);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelFullyConnectedDsp = {kOpFullyConnected,
                                                            fully_connected_prepare,
                                                            fully_connected_eval_dsp};

}  // namespace tmf

#endif  // __ARM_FEATURE_DSP
