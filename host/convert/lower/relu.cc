// PLACEHOLDER until the relu lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_relu(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
