// Runs a validated model in a caller-provided arena. No allocation, no copies of the model:
// kernels read weights in place from the model buffer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "status.h"

namespace tmf {

struct Interpreter {
  const Model* model;
  uint8_t* arena;
};

// `arena` must be 16-byte aligned and at least model->header->arena_bytes long; both must
// outlive the interpreter. Graph inputs live in the arena and may be overwritten by invoke,
// so write them before every call. State tensors (storage 2: SVDF's memory) are reset.
Status interpreter_init(Interpreter* interpreter, const Model* model, uint8_t* arena,
                        size_t arena_bytes);

// Resets every state tensor (storage 2) to its zero point (int8) or 0, as TFLM's
// ResetVariableTensors: a stream model (SVDF) forgets what it has seen. Initialized interpreter.
void interpreter_reset_state(Interpreter* interpreter);

// Graph input or output `index`: its record and a pointer to its bytes in the arena.
Status interpreter_input(const Interpreter& interpreter, uint32_t index,
                         const TensorRecord** tensor, uint8_t** data);
Status interpreter_output(const Interpreter& interpreter, uint32_t index,
                          const TensorRecord** tensor, const uint8_t** data);

Status interpreter_invoke(Interpreter* interpreter);

// Runs only op `index` (ops must still run in order); for per-op measurements.
Status interpreter_invoke_op(Interpreter* interpreter, uint32_t index);

}  // namespace tmf
