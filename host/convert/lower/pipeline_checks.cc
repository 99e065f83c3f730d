// Shared checks of the pipeline lowerings (see pipeline_checks.h).
#include "host/convert/lower/pipeline_checks.h"

namespace tmf::host {

void require_pipeline_operands(const LoweringContext& ctx, size_t inputs) {
  if (ctx.input_count() != inputs) {
    ctx.fail("expects " + std::to_string(inputs) + " inputs, has " +
             std::to_string(ctx.input_count()));
  }
  for (size_t i = 0; i < inputs; ++i) {
    if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " is missing");
  }
  if (ctx.op().outputs.size() != 1) {
    ctx.fail("expects 1 output, has " + std::to_string(ctx.op().outputs.size()));
  }
}

void require_float_constant_input(const LoweringContext& ctx, size_t i, int64_t elements,
                                  const char* what) {
  const Tensor& t = ctx.input(i);
  if (t.type != kTensorTypeFloat32 || !t.quant.scales.empty()) {
    ctx.fail_input(i, std::string(what) + " must be float32 without quantization");
  }
  if (!t.is_constant()) ctx.fail_input(i, std::string(what) + " must be a constant tensor");
  if (t.element_count() != elements ||
      t.data.size() != static_cast<size_t>(elements) * sizeof(float)) {
    ctx.fail_input(i, std::string(what) + " has shape " + shape_of(t) + ", expected " +
                          std::to_string(elements) + " values");
  }
}

uint32_t require_int8_row_input(const LoweringContext& ctx, size_t i) {
  ctx.require_int8_per_tensor_input(i);
  const Tensor& t = ctx.input(i);
  if (t.shape.empty() || t.shape.back() < 1 || t.element_count() != t.shape.back()) {
    ctx.fail_input(i, "must be one row of values (e.g. [1, F]), has shape " + shape_of(t));
  }
  return static_cast<uint32_t>(t.shape.back());
}

void require_score_output(const LoweringContext& ctx) {
  const Tensor& out = ctx.output(0);
  if (out.type != kTensorTypeFloat32 || !out.quant.scales.empty()) {
    ctx.fail_output(0, "a score must be float32 without quantization");
  }
  if (out.element_count() != 1) {
    ctx.fail_output(0, "a score is one value, shape " + shape_of(out) + " holds " +
                           std::to_string(out.element_count()));
  }
}

std::string shape_of(const Tensor& t) { return shape_string(t.shape); }

}  // namespace tmf::host
