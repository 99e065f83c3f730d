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

int LoweringContext::add_constant(Tensor tensor) {
  graph_.tensors.push_back(std::move(tensor));
  return static_cast<int>(graph_.tensors.size()) - 1;
}

}  // namespace tmf::host
