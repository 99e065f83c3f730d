// RESHAPE lowering: the output shape is the graph's output tensor; TFLite's shape tensor (if
// constant) or new_shape option, with a -1 resolved from the element count, only has to agree.
// The shape tensor is dropped: the device copies bytes (reshape.h).
#include "device/runtime/kernels/reshape.h"

#include <cstring>

#include "device/runtime/model.h"
#include "host/convert/lower.h"

namespace tmf::host {
namespace {

// `requested` with a single -1 replaced so that the element count is `elements`; empty if it
// cannot be (two -1s, or a count that does not divide).
std::vector<int32_t> resolve_shape(std::vector<int32_t> requested, int64_t elements) {
  int64_t known = 1;
  int unknown = -1;
  for (size_t i = 0; i < requested.size(); ++i) {
    if (requested[i] == -1) {
      if (unknown >= 0) return {};
      unknown = static_cast<int>(i);
    } else {
      known *= requested[i];
    }
  }
  if (unknown >= 0) {
    if (known <= 0 || elements % known != 0) return {};
    requested[unknown] = static_cast<int32_t>(elements / known);
  }
  return requested;
}

void require_agrees(const LoweringContext& ctx, const std::vector<int32_t>& requested,
                    const std::string& what) {
  const std::vector<int32_t>& out = ctx.output(0).shape;
  if (resolve_shape(requested, ctx.input(0).element_count()) != out) {
    ctx.fail_output(0, "shape " + shape_string(out) + " disagrees with the " + what + " " +
                           shape_string(requested));
  }
}

}  // namespace

LoweredOp lower_reshape(LoweringContext& ctx) {
  if (ctx.input_count() < 1 || ctx.input_count() > 2) {
    ctx.fail("expects 1 or 2 inputs, has " + std::to_string(ctx.input_count()));
  }
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (in.type != out.type) ctx.fail_output(0, "type differs from the input's");
  if (in.element_count() != out.element_count()) {
    ctx.fail_output(0, "shape " + shape_string(out.shape) +
                           " holds a different number of elements than " + shape_string(in.shape));
  }
  if (ctx.has_input(1) && ctx.input(1).is_constant()) {
    const Tensor& shape = ctx.input(1);
    if (shape.type != kTensorTypeInt32 || shape.shape.size() > 1 ||
        shape.data.size() != static_cast<size_t>(shape.element_count()) * sizeof(int32_t)) {
      ctx.fail_input(1, "shape tensor must be a 1-D int32 vector");
    }
    std::vector<int32_t> requested(static_cast<size_t>(shape.element_count()));
    std::memcpy(requested.data(), shape.data.data(), requested.size() * sizeof(int32_t));
    require_agrees(ctx, requested, "shape tensor");
  } else if (!ctx.op().options.new_shape.empty()) {
    require_agrees(ctx, ctx.op().options.new_shape, "new_shape option");
  }
  ReshapeParams p{};
  p.bytes = static_cast<uint32_t>(out.element_count()) * tensor_type_size(out.type);
  LoweredOp l = ctx.lowered(kOpReshape, p);
  l.inputs.resize(1);
  return l;
}

}  // namespace tmf::host
