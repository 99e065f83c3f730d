// PLACEHOLDER until the logistic lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_logistic(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
