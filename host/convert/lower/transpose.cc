// TRANSPOSE lowering: the constant permutation (negative axes are not accepted by TFLM either)
// moves into the params, padded with the identity past the input's rank.
#include "device/runtime/kernels/transpose.h"

#include <cstring>

#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"

namespace tmf::host {

LoweredOp lower_transpose(LoweringContext& ctx) {
  require_operands(ctx, 2, 2);
  ctx.require_constant_input(1);
  const Tensor& in = ctx.input(0);
  const Tensor& perm_tensor = ctx.input(1);
  const Tensor& out = ctx.output(0);
  if (in.type != kTensorTypeInt8 || out.type != kTensorTypeInt8) {
    ctx.fail_input(0, "TRANSPOSE is supported for int8 tensors only");
  }
  const size_t rank = in.shape.size();
  if (rank < 1 || rank > 4) ctx.fail_input(0, "rank " + std::to_string(rank) + " is outside 1..4");
  if (perm_tensor.type != kTensorTypeInt32 || perm_tensor.element_count() != static_cast<int64_t>(rank)) {
    ctx.fail_input(1, "permutation must be int32 with one entry per input dimension (" +
                          std::to_string(rank) + ")");
  }
  std::vector<int32_t> perm(rank);
  std::memcpy(perm.data(), perm_tensor.data.data(), rank * sizeof(int32_t));
  TransposeParams p{{0, 1, 2, 3}};
  std::vector<int32_t> expected(rank);
  uint32_t seen = 0;
  for (size_t k = 0; k < rank; ++k) {
    if (perm[k] < 0 || perm[k] >= static_cast<int32_t>(rank) || (seen >> perm[k]) & 1u) {
      ctx.fail_input(1, "is not a permutation of 0.." + std::to_string(rank - 1));
    }
    seen |= 1u << perm[k];
    p.perm[k] = perm[k];
    expected[k] = in.shape[static_cast<size_t>(perm[k])];
  }
  if (out.shape != expected) {
    ctx.fail_output(0, "shape " + shape_string(out.shape) + " is not the permuted input shape " +
                           shape_string(expected));
  }
  LoweredOp l = ctx.lowered(kOpTranspose, p);
  l.inputs.resize(1);  // the permutation lives in the params
  return l;
}

}  // namespace tmf::host
