// ADD int8 for Cortex-M cores with the DSP extension: bit-exact with kernels/add.cc, whose
// prepare() it shares. In TFLM's ADD each input's rescaled term
//   a_k = M((x_k + input_k_offset) * 2^left_shift, input_k_multiplier, input_k_shift)
// depends only on the int8 value x_k, so the kernel tabulates both (2 x 256 values, in the
// scratch area the converter reserves for large ADDs) and each element costs two table loads
// and one requantization instead of three. Small ADDs, or a model without that scratch, run the
// reference kernel.
#if defined(__ARM_FEATURE_DSP)

#include "../../kernel.h"
#include "../../quant_math.h"
#include "../add.h"
#include "../broadcast.h"
#include "../scratch.h"

namespace tmf {

extern const KernelRegistration kKernelAdd;  // the reference kernel

namespace {

void tabulate(int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift, int32_t* table) {
  for (int32_t x = -128; x <= 127; ++x) {
    table[x + 128] = multiply_by_quantized_multiplier((x + offset) * (1 << left_shift), multiplier, shift);
  }
}

Status add_eval_dsp(const EvalContext& ctx) {
  const auto& p = ctx.params<AddParams>();
  const uint32_t elements = tensor_element_count(ctx.output(0));
  if (elements < kAddDspTableMinElements ||
      ctx.model->header->scratch_bytes < add_dsp_scratch_bytes(elements)) {
    return kKernelAdd.eval(ctx);
  }
  int32_t* table1 = reinterpret_cast<int32_t*>(ctx.scratch());
  int32_t* table2 = table1 + 256;
  tabulate(p.input1_offset, p.left_shift, p.input1_multiplier, p.input1_shift, table1);
  tabulate(p.input2_offset, p.left_shift, p.input2_multiplier, p.input2_shift, table2);
  const SplitMultiplier out_m = split_multiplier(p.output_multiplier, p.output_shift);

  const int8_t* in1 = ctx.input_data<int8_t>(0);
  const int8_t* in2 = ctx.input_data<int8_t>(1);
  int8_t* out = ctx.output_data<int8_t>(0);
  const auto element = [&](int8_t x1, int8_t x2) {
    const int32_t sum = table1[x1 + 128] + table2[x2 + 128];  // |a_k| < 2^28: no overflow
    const int32_t y = multiply_by_split_multiplier(sum, out_m) + p.output_offset;
    return static_cast<int8_t>(clamp_i32(y, p.act_min, p.act_max));
  };
  if (tensor_same_shape(ctx.input(0), ctx.input(1))) {
    for (uint32_t i = 0; i < elements; ++i) out[i] = element(in1[i], in2[i]);
    return Status::kOk;
  }
  Broadcast4D plan;
  broadcast_plan(ctx.input(0), ctx.input(1), ctx.output(0), &plan);
  broadcast_for_each(plan, [&](uint32_t i1, uint32_t i2, uint32_t o) { out[o] = element(in1[i1], in2[i2]); });
  return Status::kOk;
}

Status add_prepare_dsp(const OpContext& ctx) { return kKernelAdd.prepare(ctx); }

}  // namespace

extern const KernelRegistration kKernelAddDsp = {kOpAdd, add_prepare_dsp, add_eval_dsp};

}  // namespace tmf

#endif  // __ARM_FEATURE_DSP
