// Broadcasting of two operands to an output shape (ADD, MUL), with TFLite's rules: shapes are
// aligned at their last dimension and padded with leading 1s to rank 4; in every dimension the
// operands' extents are equal or one of them is 1, and that operand repeats along it. The output
// has the broadcast shape.
#pragma once

#include <stdint.h>

#include "../kernel.h"

namespace tmf {

struct Broadcast4D {
  uint32_t dims[4];     // output extents, outermost first
  uint32_t stride1[4];  // element stride of operand 1 along each output dimension, 0 if repeated
  uint32_t stride2[4];
};

// The dims of a validated tensor, padded with leading 1s to rank 4.
inline void broadcast_extended_dims(const TensorRecord& t, uint32_t dims[4]) {
  const uint32_t pad = kTmfMaxRank - t.rank;
  for (uint32_t i = 0; i < kTmfMaxRank; ++i) {
    dims[i] = i < pad ? 1u : static_cast<uint32_t>(t.dims[i - pad]);
  }
}

// Row-major strides of `dims`, with 0 wherever the operand's extent is 1 but the output's is not.
inline void broadcast_strides(const uint32_t dims[4], const uint32_t out[4], uint32_t stride[4]) {
  uint32_t step = 1;
  for (int i = 3; i >= 0; --i) {
    stride[i] = (dims[i] == 1 && out[i] != 1) ? 0u : step;
    step *= dims[i];
  }
}

// True if `a` and `b` broadcast to exactly the shape of `out` (after padding all three to rank
// 4); then fills *plan.
inline bool broadcast_plan(const TensorRecord& a, const TensorRecord& b, const TensorRecord& out,
                           Broadcast4D* plan) {
  uint32_t da[4], db[4];
  broadcast_extended_dims(a, da);
  broadcast_extended_dims(b, db);
  broadcast_extended_dims(out, plan->dims);
  for (int i = 0; i < 4; ++i) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1) return false;
    const uint32_t extent = da[i] == 1 ? db[i] : da[i];
    if (plan->dims[i] != extent) return false;
  }
  broadcast_strides(da, plan->dims, plan->stride1);
  broadcast_strides(db, plan->dims, plan->stride2);
  return true;
}

// Calls f(i1, i2, o) for every output element o in row-major order, with i1 and i2 the operand
// elements it combines.
template <typename F>
inline void broadcast_for_each(const Broadcast4D& p, F f) {
  uint32_t o = 0;
  uint32_t a0 = 0, b0 = 0;
  for (uint32_t d0 = 0; d0 < p.dims[0]; ++d0, a0 += p.stride1[0], b0 += p.stride2[0]) {
    uint32_t a1 = a0, b1 = b0;
    for (uint32_t d1 = 0; d1 < p.dims[1]; ++d1, a1 += p.stride1[1], b1 += p.stride2[1]) {
      uint32_t a2 = a1, b2 = b1;
      for (uint32_t d2 = 0; d2 < p.dims[2]; ++d2, a2 += p.stride1[2], b2 += p.stride2[2]) {
        uint32_t a3 = a2, b3 = b2;
        for (uint32_t d3 = 0; d3 < p.dims[3]; ++d3, a3 += p.stride1[3], b3 += p.stride2[3]) {
          f(a3, b3, o++);
        }
      }
    }
  }
}

}  // namespace tmf
