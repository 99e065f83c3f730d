// Bare-metal model runner for QEMU: `model_runner MODEL.tmf INPUT.bin OUTPUT.bin [per-op]`
// (paths on the host, through semihosting). Loads the model into RAM as a device would hold it
// in flash, validates it, runs every input set in INPUT.bin between the instruction-count
// markers (one region per invoke, or with `per-op` one region per op), and writes the outputs
// back to back. Prints one summary line. Exit 0 on success, 2 for a rejected model, 1 for a
// usage or I/O error.
#include <string.h>

#include "measured_invoke.h"
#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "qemu_print.h"
#include "qemu_startup.h"
#include "semihosting.h"

#ifndef TMF_RUNNER_MODEL_BYTES
#define TMF_RUNNER_MODEL_BYTES (1024 * 1024)
#endif
#ifndef TMF_RUNNER_ARENA_BYTES
#define TMF_RUNNER_ARENA_BYTES (256 * 1024)
#endif
#ifndef TMF_RUNNER_IO_BYTES
#define TMF_RUNNER_IO_BYTES (64 * 1024)
#endif

namespace {

alignas(16) uint8_t g_model[TMF_RUNNER_MODEL_BYTES];
alignas(16) uint8_t g_arena[TMF_RUNNER_ARENA_BYTES];
uint8_t g_input[TMF_RUNNER_IO_BYTES];
uint8_t g_output[TMF_RUNNER_IO_BYTES];

// Reads a whole host file; returns its size, or -1 if missing or larger than `capacity`.
int32_t read_host_file(const char* path, uint8_t* buffer, uint32_t capacity) {
  const int32_t handle = sh_open(path, "rb");
  if (handle < 0) return -1;
  const int32_t length = sh_flen(handle);
  int32_t result = -1;
  if (length >= 0 && static_cast<uint32_t>(length) <= capacity &&
      sh_read(handle, buffer, static_cast<size_t>(length)) == static_cast<size_t>(length)) {
    result = length;
  }
  sh_close(handle);
  return result;
}

bool write_host_file(const char* path, const uint8_t* data, uint32_t bytes) {
  const int32_t handle = sh_open(path, "wb");
  if (handle < 0) return false;
  const bool ok = sh_write(handle, data, bytes) == bytes;
  sh_close(handle);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const bool per_op = argc == 5 && strcmp(argv[4], "per-op") == 0;
  if (argc != 4 && !per_op) {
    qemu_print("usage: model_runner MODEL.tmf INPUT.bin OUTPUT.bin [per-op]\n");
    return 1;
  }
  const int32_t model_bytes = read_host_file(argv[1], g_model, sizeof(g_model));
  const int32_t input_bytes = read_host_file(argv[2], g_input, sizeof(g_input));
  if (model_bytes < 0 || input_bytes < 0) {
    qemu_print("model_runner: cannot read %s\n", model_bytes < 0 ? argv[1] : argv[2]);
    return 1;
  }

  tmf::Model model;
  tmf::ValidationError error{};
  tmf::Status s = tmf::model_validate(g_model, static_cast<size_t>(model_bytes), &model, &error);
  if (s != tmf::Status::kOk) {
    qemu_print("model_runner: %s: rejected at item %u index %u: %s\n", argv[1],
               static_cast<unsigned>(error.item), static_cast<unsigned>(error.index),
               tmf::status_to_string(s));
    return 2;
  }
  tmf::Interpreter interpreter;
  s = tmf::interpreter_init(&interpreter, &model, g_arena, sizeof(g_arena));
  if (s != tmf::Status::kOk) {
    qemu_print("model_runner: %s\n", tmf::status_to_string(s));
    return 2;
  }

  const tmf::FileHeader& h = *model.header;
  uint32_t set_in = 0, set_out = 0;
  for (uint32_t i = 0; i < h.input_count; ++i) set_in += model.tensors[model.operands[i]].bytes;
  for (uint32_t i = 0; i < h.output_count; ++i) set_out += model.tensors[model.operands[h.input_count + i]].bytes;
  const uint32_t sets = static_cast<uint32_t>(input_bytes) / set_in;
  if (input_bytes == 0 || static_cast<uint32_t>(input_bytes) % set_in != 0 || sets * set_out > sizeof(g_output)) {
    qemu_print("model_runner: %s: %d bytes is not a multiple of the input size %u\n", argv[2],
               static_cast<int>(input_bytes), static_cast<unsigned>(set_in));
    return 1;
  }

  // Stack used by validation+invoke alone (not by this runner's file reading).
  size_t invoke_stack = 0;
  for (uint32_t set = 0; set < sets; ++set) {
    const uint8_t* src = g_input + set * set_in;
    for (uint32_t i = 0; i < h.input_count; ++i) {
      const tmf::TensorRecord* t = nullptr;
      uint8_t* dst = nullptr;
      tmf::interpreter_input(interpreter, i, &t, &dst);
      memcpy(dst, src, t->bytes);
      src += t->bytes;
    }
    const size_t base = qemu_stack_rearm();
    s = runner_invoke_measured(&interpreter, h.op_count, per_op);
    if (s != tmf::Status::kOk) {
      qemu_print("model_runner: invoke failed: %s\n", tmf::status_to_string(s));
      return 2;
    }
    const size_t used = qemu_stack_high_water() - base;
    if (used > invoke_stack) invoke_stack = used;
    uint8_t* dst = g_output + set * set_out;
    for (uint32_t i = 0; i < h.output_count; ++i) {
      const tmf::TensorRecord* t = nullptr;
      const uint8_t* data = nullptr;
      tmf::interpreter_output(interpreter, i, &t, &data);
      memcpy(dst, data, t->bytes);
      dst += t->bytes;
    }
  }
  if (!write_host_file(argv[3], g_output, sets * set_out)) {
    qemu_print("model_runner: cannot write %s\n", argv[3]);
    return 1;
  }
  qemu_print("model_runner: %u set(s), arena %u bytes, invoke stack %u bytes\n",
             static_cast<unsigned>(sets), static_cast<unsigned>(h.arena_bytes),
             static_cast<unsigned>(invoke_stack));
  return 0;
}
