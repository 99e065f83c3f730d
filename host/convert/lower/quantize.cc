// PLACEHOLDER until the quantize lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_quantize(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
