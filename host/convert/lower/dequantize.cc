// PLACEHOLDER until the dequantize lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_dequantize(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
