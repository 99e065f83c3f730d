// AVERAGE_POOL_2D lowering: window, strides, TFLite's padding offsets and the activation range
// (PoolParams; shared with MAX_POOL_2D in spatial_params.cc).
#include "device/runtime/kernels/average_pool_2d.h"

#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"

namespace tmf::host {

LoweredOp lower_average_pool_2d(LoweringContext& ctx) {
  return lower_pool_2d(ctx, kOpAveragePool2D);
}

}  // namespace tmf::host
