// Shared machinery of the per-op lowerings.
#include "host/convert/lower.h"

#include <cmath>

namespace tmf::host {

uint32_t ParamsBlob::append(const void* data, size_t bytes) {
  while (bytes_.size() % 4 != 0) bytes_.push_back(0);
  const uint32_t offset = static_cast<uint32_t>(bytes_.size());
  const auto* p = static_cast<const uint8_t*>(data);
  bytes_.insert(bytes_.end(), p, p + bytes);
  while (bytes_.size() % 4 != 0) bytes_.push_back(0);
  return offset;
}

const Tensor& LoweringContext::input(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is missing");
  return graph_.tensors[op().inputs[i]];
}

const Tensor& LoweringContext::output(size_t i) const {
  if (i >= op().outputs.size() || op().outputs[i] < 0) {
    fail("output " + std::to_string(i) + " is missing");
  }
  return graph_.tensors[op().outputs[i]];
}

void LoweringContext::fail(const std::string& what) const {
  throw ConvertError(graph_.op_context(op_index_) + ": " + what);
}

void LoweringContext::fail_input(size_t i, const std::string& what) const {
  fail(graph_.tensor_context(has_input(i) ? op().inputs[i] : -1) + ": " + what);
}

void LoweringContext::fail_output(size_t i, const std::string& what) const {
  fail(graph_.tensor_context(op().outputs.at(i)) + ": " + what);
}

namespace {
std::string describe_quant(const Tensor& t) {
  if (t.quant.per_channel()) return "per-channel quantized";
  if (t.quant.per_tensor()) return "per-tensor quantized";
  return "not quantized";
}
std::string type_name(TensorType type) {
  switch (type) {
    case kTensorTypeInt8: return "int8";
    case kTensorTypeUint8: return "uint8";
    case kTensorTypeInt16: return "int16";
    case kTensorTypeInt32: return "int32";
    case kTensorTypeFloat32: return "float32";
  }
  return "unknown";
}
// Empty if `t` is int8 with one finite positive scale and a zero point in [-128, 127], else why not.
std::string int8_per_tensor_problem(const Tensor& t) {
  if (t.type != kTensorTypeInt8 || !t.quant.per_tensor()) {
    return "must be int8 with per-tensor quantization, is " + type_name(t.type) + " " + describe_quant(t);
  }
  const float scale = t.quant.scales[0];
  if (!(scale > 0.0f) || !std::isfinite(scale)) return "scale " + std::to_string(scale) + " is not finite and positive";
  const int64_t zp = t.quant.zero_points[0];
  if (zp < -128 || zp > 127) return "zero point " + std::to_string(zp) + " is outside [-128, 127]";
  return "";
}

}  // namespace

void LoweringContext::require_int8_per_tensor_input(size_t i) const {
  const std::string problem = int8_per_tensor_problem(input(i));
  if (!problem.empty()) fail_input(i, problem);
}

void LoweringContext::require_int8_per_tensor_output(size_t i) const {
  const std::string problem = int8_per_tensor_problem(output(i));
  if (!problem.empty()) fail_output(i, problem);
}

void LoweringContext::require_constant_input(size_t i) const {
  if (!input(i).is_constant()) fail_input(i, "must be a constant tensor");
}

ActivationRange LoweringContext::fused_activation_range() const {
  const Activation activation = op().options.activation;
  if (activation == Activation::kTanh || activation == Activation::kSignBit) {
    fail("fused activation TANH/SIGN_BIT is not supported");
  }
  const Tensor& out = output(0);
  const float scale = out.quant.scales[0];
  // TFLite's Quantize() refuses a bound whose quantized value leaves int32, and the sum with the
  // zero point must stay inside it too: refuse bounds past 2^30 before activation_range() adds.
  const float bound = activation == Activation::kRelu6       ? 6.0f
                      : activation == Activation::kReluN1To1 ? 1.0f
                                                               : 0.0f;
  if (!(std::round(bound / scale) < 1073741824.0f)) {
    fail_output(0, "scale " + std::to_string(scale) + " is too small for the fused activation");
  }
  return activation_range(activation, out.type, scale, static_cast<int32_t>(out.quant.zero_points[0]));
}

void LoweringContext::require_inputs_broadcast_to_output() const {
  const std::vector<int32_t>& a = input(0).shape;
  const std::vector<int32_t>& b = input(1).shape;
  const std::vector<int32_t>& out = output(0).shape;
  if (a.size() > kTmfMaxRank) fail_input(0, "rank " + std::to_string(a.size()) + " exceeds 4");
  if (b.size() > kTmfMaxRank) fail_input(1, "rank " + std::to_string(b.size()) + " exceeds 4");
  if (out.size() > kTmfMaxRank)
    fail_output(0, "rank " + std::to_string(out.size()) + " exceeds 4");
  const auto dim = [](const std::vector<int32_t>& s, size_t i) {  // i counts from the last dim
    return i < s.size() ? s[s.size() - 1 - i] : 1;
  };
  for (size_t i = 0; i < kTmfMaxRank; ++i) {
    const int32_t da = dim(a, i), db = dim(b, i);
    if (da != db && da != 1 && db != 1) {
      fail_input(
          1, "shape " + shape_string(b) + " does not broadcast with input 0's " + shape_string(a));
    }
    if (dim(out, i) != (da == 1 ? db : da)) {
      fail_output(0, "shape " + shape_string(out) + " is not the broadcast of " + shape_string(a) +
                             " and " + shape_string(b));
    }
  }
}

int LoweringContext::add_constant(Tensor tensor) {
  graph_.tensors.push_back(std::move(tensor));
  return static_cast<int>(graph_.tensors.size()) - 1;
}

}  // namespace tmf::host
