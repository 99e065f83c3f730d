// PLACEHOLDER until the mul lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_mul(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
