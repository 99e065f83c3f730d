// PLACEHOLDER until the pad lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_pad(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
