// SUB lowering: TFLM's PrepareGeneralSubOp for int8 is ADD's Prepare (same scales, same 20 bits
// of headroom, same activation range); only the kernel differs (sub.h).
#include "device/runtime/kernels/sub.h"

#include "host/convert/lower.h"
#include "host/convert/lower/add_params.h"

namespace tmf::host {

LoweredOp lower_sub(LoweringContext& ctx) {
  const SubParams p = lower_add_params(ctx);
  return ctx.lowered(kOpSub, p);
}

}  // namespace tmf::host
