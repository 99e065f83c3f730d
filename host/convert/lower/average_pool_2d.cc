// PLACEHOLDER until the average_pool_2d lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_average_pool_2d(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
