// PLACEHOLDER until the softmax lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_softmax(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
