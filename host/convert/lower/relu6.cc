// PLACEHOLDER until the relu6 lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_relu6(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
