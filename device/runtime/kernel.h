// The interface every op kernel implements (one op per file in kernels/):
//   prepare(ctx): called once by model_validate(); checks operand counts, types, shapes and
//                 params so that eval() can never read or write out of bounds. Reads no
//                 constant data.
//   eval(ctx):    computes the op from arena/constant pointers. Runs only on validated models.
#pragma once

#include <stdint.h>

#include "model.h"
#include "status.h"
#include "tmf_format.h"

namespace tmf {

struct OpContext {
  const Model* model;
  const OpRecord* op;

  const TensorRecord& input(uint32_t i) const {
    return model->tensors[model->operands[op->operands + i]];
  }
  const TensorRecord& output(uint32_t i) const {
    return model->tensors[model->operands[op->operands + op->input_count + i]];
  }
  bool has_input(uint32_t i) const {
    return i < op->input_count && model->operands[op->operands + i] != kTmfNoTensor;
  }
  // The op's params struct; prepare() must first check params_bytes == sizeof(T).
  template <typename T>
  const T& params() const {
    return *reinterpret_cast<const T*>(model->params + op->params_offset);
  }
  // A bounds-checked array in the params blob (per-channel multipliers and the like);
  // null if [offset, offset + count * sizeof(T)) is outside the blob or misaligned.
  template <typename T>
  const T* params_array(uint32_t offset, uint32_t count) const {
    const uint64_t end = static_cast<uint64_t>(offset) + static_cast<uint64_t>(count) * sizeof(T);
    if (end > model->params_bytes || offset % alignof(T) != 0) return nullptr;
    return reinterpret_cast<const T*>(model->params + offset);
  }
};

struct EvalContext : OpContext {
  uint8_t* arena;

  const uint8_t* tensor_data(const TensorRecord& t) const {
    return t.storage == kTensorStorageConstant ? model->constants + t.offset : arena + t.offset;
  }
  template <typename T>
  const T* input_data(uint32_t i) const {
    return reinterpret_cast<const T*>(tensor_data(input(i)));
  }
  template <typename T>
  T* output_data(uint32_t i) const {
    return reinterpret_cast<T*>(arena + output(i).offset);
  }
  uint8_t* scratch() const { return arena + model->header->scratch_offset; }
};

struct KernelRegistration {
  uint16_t opcode;
  Status (*prepare)(const OpContext& ctx);
  Status (*eval)(const EvalContext& ctx);
};

// The kernel for `opcode` in this build, or null if the opcode is unknown or was left out
// (see kernels/registry.cc for how a build picks its op set).
const KernelRegistration* kernel_find(uint16_t opcode);

// Shared checks for prepare(): types, counts and activation range of a quantized tensor.
bool tensor_is_int8_per_tensor(const TensorRecord& t);
bool tensor_same_shape(const TensorRecord& a, const TensorRecord& b);
Status check_operand_counts(const OpContext& ctx, uint32_t min_inputs, uint32_t max_inputs,
                            uint32_t outputs);
Status check_activation_range(int32_t act_min, int32_t act_max, uint8_t type);

}  // namespace tmf
