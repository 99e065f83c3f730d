// PLACEHOLDER until the tanh lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_tanh(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
