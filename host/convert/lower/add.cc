// PLACEHOLDER until the add lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_add(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
