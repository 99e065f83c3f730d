// The op loop: one kernel call per op, in file order.
#include "interpreter.h"

#include "kernel.h"

namespace tmf {

Status interpreter_init(Interpreter* interpreter, const Model* model, uint8_t* arena,
                        size_t arena_bytes) {
  if (interpreter == nullptr || model == nullptr || (arena == nullptr && arena_bytes > 0)) {
    return Status::kErrNullArgument;
  }
  if (model->header == nullptr) return Status::kErrNotValidated;
  if (reinterpret_cast<uintptr_t>(arena) % 16 != 0) return Status::kErrArenaMisaligned;
  if (arena_bytes < model->header->arena_bytes) return Status::kErrArenaTooSmall;
  interpreter->model = model;
  interpreter->arena = arena;
#if !defined(TMF_OP_SET_CUSTOM) || TMF_WITH_SVDF || TMF_WITH_UNIDIRECTIONAL_SEQUENCE_LSTM
  // Only SVDF and LSTM keep state: a runtime built without them never links the reset (runtime
  // flash of other op sets unchanged).
  interpreter_reset_state(interpreter);
#endif
  return Status::kOk;
}

void interpreter_reset_state(Interpreter* interpreter) {
  const Model& m = *interpreter->model;
  for (uint32_t i = 0; i < m.header->tensor_count; ++i) {
    const TensorRecord& t = m.tensors[i];
    if (t.storage != kTensorStorageState) continue;
    // TFLM's ResetVariableTensors: an int8 state starts at its zero point, any other at 0.
    const uint8_t fill = t.type == kTensorTypeInt8 && t.quant == kTensorQuantPerTensor
                             ? static_cast<uint8_t>(t.zero_point) : 0;
    uint8_t* bytes = interpreter->arena + t.offset;
    for (uint32_t b = 0; b < t.bytes; ++b) bytes[b] = fill;
  }
}

Status interpreter_input(const Interpreter& interpreter, uint32_t index,
                         const TensorRecord** tensor, uint8_t** data) {
  const Model& m = *interpreter.model;
  if (index >= m.header->input_count) return Status::kErrBadTensorIndex;
  const TensorRecord& t = m.tensors[m.operands[index]];
  if (tensor) *tensor = &t;
  if (data) *data = interpreter.arena + t.offset;
  return Status::kOk;
}

Status interpreter_output(const Interpreter& interpreter, uint32_t index,
                          const TensorRecord** tensor, const uint8_t** data) {
  const Model& m = *interpreter.model;
  if (index >= m.header->output_count) return Status::kErrBadTensorIndex;
  const TensorRecord& t = m.tensors[m.operands[m.header->input_count + index]];
  if (tensor) *tensor = &t;
  if (data) *data = interpreter.arena + t.offset;
  return Status::kOk;
}

Status interpreter_invoke_op(Interpreter* interpreter, uint32_t index) {
  if (interpreter == nullptr || interpreter->model == nullptr) return Status::kErrNullArgument;
  const Model& m = *interpreter->model;
  if (index >= m.header->op_count) return Status::kErrBadTensorIndex;
  const OpRecord& op = m.ops[index];
  const EvalContext ctx{{&m, &op}, interpreter->arena};
  return kernel_find(op.opcode)->eval(ctx);
}

Status interpreter_invoke(Interpreter* interpreter) {
  if (interpreter == nullptr || interpreter->model == nullptr) return Status::kErrNullArgument;
  for (uint32_t i = 0; i < interpreter->model->header->op_count; ++i) {
    const Status s = interpreter_invoke_op(interpreter, i);
    if (s != Status::kOk) return s;
  }
  return Status::kOk;
}

}  // namespace tmf
