// PLACEHOLDER until the reshape lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_reshape(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
