// SUB int8 reference kernel (contract in sub.h).
#include "sub.h"

#include "../kernel.h"
#include "../quant_math.h"
#include "add_sub_common.h"
#include "broadcast.h"

namespace tmf {
namespace {

Status sub_prepare(const OpContext& ctx) { return add_sub_prepare(ctx); }

int8_t sub_element(int8_t x1, int8_t x2, const SubParams& p) {
  int32_t scaled1 = 0, scaled2 = 0;
  add_sub_scale_inputs(x1, x2, p, &scaled1, &scaled2);
  const int32_t difference =
      multiply_by_quantized_multiplier(scaled1 - scaled2, p.output_multiplier, p.output_shift) +
      p.output_offset;
  return static_cast<int8_t>(clamp_i32(difference, p.act_min, p.act_max));
}

Status sub_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<SubParams>();
  const int8_t* in1 = ctx.input_data<int8_t>(0);
  const int8_t* in2 = ctx.input_data<int8_t>(1);
  int8_t* out = ctx.output_data<int8_t>(0);
  Broadcast4D plan;
  broadcast_plan(ctx.input(0), ctx.input(1), ctx.output(0), &plan);
  broadcast_for_each(plan, [&](uint32_t i1, uint32_t i2, uint32_t o) {
    out[o] = sub_element(in1[i1], in2[i2], p);
  });
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelSub = {kOpSub, sub_prepare, sub_eval};

}  // namespace tmf
