// Host-side checks shared by the pipeline ops' lowerings (format 1.1): the same rules as the
// device's kernels/pipeline_checks.h, failing with messages that name the op and tensor.
#pragma once

#include <cstdint>
#include <string>

#include "host/convert/lower.h"

namespace tmf::host {

// Fails unless the op has exactly `inputs` inputs and one output.
void require_pipeline_operands(const LoweringContext& ctx, size_t inputs);

// Input i is a float32 constant without quantization holding `elements` values (`what` names it
// in messages, e.g. "centroids").
void require_float_constant_input(const LoweringContext& ctx, size_t i, int64_t elements,
                                  const char* what);

// Input i is int8 per-tensor with one row of values (element count = last dimension); returns
// that count.
uint32_t require_int8_row_input(const LoweringContext& ctx, size_t i);

// Output 0 is one float32 value without quantization (a score).
void require_score_output(const LoweringContext& ctx);

// "[2, 3]" style text of a tensor's shape.
std::string shape_of(const Tensor& t);

}  // namespace tmf::host
