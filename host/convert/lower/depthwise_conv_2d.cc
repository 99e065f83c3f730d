// PLACEHOLDER until the depthwise_conv_2d lowering lands.
#include "host/convert/lower.h"

namespace tmf::host {
LoweredOp lower_depthwise_conv_2d(LoweringContext& ctx) { ctx.fail("not supported yet"); }
}  // namespace tmf::host
