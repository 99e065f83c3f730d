// PLACEHOLDER until the mean lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_mean(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
