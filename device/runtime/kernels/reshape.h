// RESHAPE (TFLite Micro semantics: kernels/reshape.cc: the output is the input's bytes).
//   input:   0  any type and shape (may be a constant)
//   output:  0  the same type and byte size, any shape (the converter takes it from the graph;
//               TFLite's new_shape option or shape tensor only has to agree with it)
//   out bytes = in bytes (memmove; nothing to do when both are the same arena bytes).
#pragma once

#include <stdint.h>

namespace tmf {

struct ReshapeParams {
  uint32_t bytes;  // bytes copied: the byte size of both tensors
};

}  // namespace tmf
