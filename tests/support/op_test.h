// Builds a one-op TMF model in static memory and runs it through model_validate() and the
// interpreter: the harness of every kernel unit test, on the host and bare-metal alike.
// One OpTest is live at a time (it uses shared static buffers).
#pragma once

#include <stdint.h>

#include "device/runtime/interpreter.h"
#include "device/runtime/kernel.h"
#include "device/runtime/model.h"
#include "device/runtime/model_builder.h"

namespace tmf {

struct Shape {
  uint8_t rank;
  int32_t dims[kTmfMaxRank];
};

class OpTest {
 public:
  OpTest();

  // Arena tensors (graph inputs, graph outputs) get consecutive 16-byte aligned arena slots.
  uint16_t input(TensorType type, Shape shape, float scale = 0.0f, int32_t zero_point = 0);
  uint16_t output(TensorType type, Shape shape, float scale = 0.0f, int32_t zero_point = 0);
  // A state tensor (storage 2: arena bytes kept across invokes, reset by interpreter_init).
  uint16_t state(TensorType type, Shape shape, float scale = 0.0f, int32_t zero_point = 0);
  void reset_state() { interpreter_reset_state(&interpreter_); }
  // Constant tensors; scale 0 means not quantized.
  uint16_t constant(TensorType type, Shape shape, const void* data, float scale = 0.0f,
                    int32_t zero_point = 0);
  uint16_t constant_per_channel(TensorType type, Shape shape, const void* data, uint32_t axis,
                                const float* scales, const int32_t* zero_points);
  // Extra params-blob arrays (per-channel requantization); returns the blob offset.
  uint32_t params_array(const void* data, uint32_t bytes);

  template <typename P>
  void op(uint16_t opcode, const P& params, const uint16_t* inputs, uint8_t input_count,
          const uint16_t* outputs, uint8_t output_count) {
    op_raw(opcode, &params, sizeof(P), inputs, input_count, outputs, output_count);
  }
  void op_raw(uint16_t opcode, const void* params, uint32_t params_bytes, const uint16_t* inputs,
              uint8_t input_count, const uint16_t* outputs, uint8_t output_count);

  // Reserves a scratch area of `bytes` after the tensors (the converter's scratch for optimized
  // kernels, kernels/scratch.h).
  void scratch(uint32_t bytes) { scratch_bytes_ = bytes; }

  // Writes the file, validates it and binds the arena. Returns the validation status.
  Status build();
  // Copies `bytes` into graph input `index` (call after build()).
  void set_input(uint32_t index, const void* data, uint32_t bytes);
  Status invoke();
  // Runs op 0 with a kernel other than the one this build registers (e.g. the reference kernel
  // on a core that registers an optimized one), for bit-exactness sweeps.
  Status invoke_kernel(const KernelRegistration& kernel);
  const uint8_t* output_data(uint32_t index) const;
  template <typename T>
  const T* output_as(uint32_t index) const {
    return reinterpret_cast<const T*>(output_data(index));
  }

  // The built file (for tests that mutate it).
  uint8_t* file() const;
  uint32_t file_bytes() const { return file_bytes_; }
  const Model& model() const { return model_; }

 private:
  uint16_t arena_tensor(TensorType type, Shape shape, float scale, int32_t zero_point,
                        TensorStorage storage = kTensorStorageArena);
  uint16_t constant_record(TensorRecord record, const void* data);

  ModelBuilder builder_;
  Model model_{};
  Interpreter interpreter_{};
  uint32_t arena_used_ = 0;
  uint32_t scratch_bytes_ = 0;
  uint32_t file_bytes_ = 0;
  uint16_t inputs_[8];
  uint16_t outputs_[8];
  uint16_t input_count_ = 0;
  uint16_t output_count_ = 0;
};

}  // namespace tmf
