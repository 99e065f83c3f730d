// PLACEHOLDER until the concatenation lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_concatenation(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
