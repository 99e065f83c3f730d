// Bare-metal model runner that executes the model in place from flash, as a device does:
//   model_runner_flash INPUT.bin OUTPUT.bin [per-op]   (host paths, through semihosting)
// The model is the one tests/qemu/run_flash_model.sh patched into the flash slot
// (model_flash_slot.c). The arena is all the RAM the stack, .data and .bss leave (linker symbols),
// and there are no I/O buffers: each input set is read straight into the input tensors, invoked
// between the instruction-count markers, and its outputs are written straight from the arena.
// Prints one summary line. Exit 0 on success, 2 for an empty slot, a rejected model or one whose
// arena does not fit, 1 for a usage or I/O error.
#include <string.h>

#include "measured_invoke.h"
#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "qemu_print.h"
#include "qemu_startup.h"
#include "semihosting.h"

extern "C" {
extern const uint8_t tmf_model_slot[];      // model_flash_slot.c
extern const uint32_t tmf_model_slot_bytes;
extern uint8_t __ram_free_start[];          // qemu_sections.ld: RAM after .bss ...
extern uint8_t __ram_end[];                 // ... up to the end of RAM
extern uint8_t __data_start[];
extern uint8_t __bss_end[];
}

namespace {

constexpr uintptr_t kArenaAlign = 16;

uint8_t* arena_begin() {
  return reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(__ram_free_start) + kArenaAlign - 1) &
                                    ~(kArenaAlign - 1));
}

uint32_t arena_capacity() {
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(__ram_end) - reinterpret_cast<uintptr_t>(arena_begin()));
}

// Sum of the byte sizes of graph operands [first, first + count): one input or output set.
uint32_t operand_bytes(const tmf::Model& model, uint32_t first, uint32_t count) {
  uint32_t bytes = 0;
  for (uint32_t i = first; i < first + count; ++i) bytes += model.tensors[model.operands[i]].bytes;
  return bytes;
}

// Reads one input set from `handle` straight into the input tensors.
bool read_input_set(int32_t handle, const tmf::Interpreter& interpreter, uint32_t input_count) {
  for (uint32_t i = 0; i < input_count; ++i) {
    const tmf::TensorRecord* t = nullptr;
    uint8_t* data = nullptr;
    tmf::interpreter_input(interpreter, i, &t, &data);
    if (sh_read(handle, data, t->bytes) != t->bytes) return false;
  }
  return true;
}

// Writes one output set straight from the output tensors.
bool write_output_set(int32_t handle, const tmf::Interpreter& interpreter, uint32_t output_count) {
  for (uint32_t i = 0; i < output_count; ++i) {
    const tmf::TensorRecord* t = nullptr;
    const uint8_t* data = nullptr;
    tmf::interpreter_output(interpreter, i, &t, &data);
    if (sh_write(handle, data, t->bytes) != t->bytes) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const bool per_op = argc == 4 && strcmp(argv[3], "per-op") == 0;
  if (argc != 3 && !per_op) {
    qemu_print("usage: model_runner_flash INPUT.bin OUTPUT.bin [per-op] (model: run_flash_model.sh)\n");
    return 1;
  }

  // Hide where the pointer comes from: even with LTO the compiler must read the patched flash.
  const uint8_t* slot = tmf_model_slot;
  __asm volatile("" : "+r"(slot));
  const uint32_t slot_bytes = tmf_model_slot_bytes;
  const auto* header = reinterpret_cast<const tmf::FileHeader*>(slot);
  if (slot[0] == 0xFF && slot[1] == 0xFF && slot[2] == 0xFF && slot[3] == 0xFF) {
    qemu_print("model_runner_flash: the flash slot is empty (erased); patch a model in with "
               "tests/qemu/run_flash_model.sh\n");
    return 2;
  }
  if (header->file_bytes > slot_bytes) {
    qemu_print("model_runner_flash: the model header says %u bytes, the flash slot holds %u\n",
               static_cast<unsigned>(header->file_bytes), static_cast<unsigned>(slot_bytes));
    return 2;
  }

  tmf::Model model;
  tmf::ValidationError error{};
  tmf::Status s = tmf::model_validate(slot, header->file_bytes, &model, &error);
  if (s != tmf::Status::kOk) {
    qemu_print("model_runner_flash: model in flash rejected at item %u index %u: %s\n",
               static_cast<unsigned>(error.item), static_cast<unsigned>(error.index),
               tmf::status_to_string(s));
    return 2;
  }
  const tmf::FileHeader& h = *model.header;
  uint8_t* const arena = arena_begin();
  const uint32_t capacity = arena_capacity();
  if (h.arena_bytes > capacity) {
    qemu_print("model_runner_flash: model needs arena %u bytes, this image has %u\n",
               static_cast<unsigned>(h.arena_bytes), static_cast<unsigned>(capacity));
    return 2;
  }
  tmf::Interpreter interpreter;
  s = tmf::interpreter_init(&interpreter, &model, arena, capacity);
  if (s != tmf::Status::kOk) {
    qemu_print("model_runner_flash: %s\n", tmf::status_to_string(s));
    return 2;
  }

  const uint32_t set_in = operand_bytes(model, 0, h.input_count);
  const int32_t in = sh_open(argv[1], "rb");
  if (in < 0) {
    qemu_print("model_runner_flash: cannot read %s\n", argv[1]);
    return 1;
  }
  const int32_t input_bytes = sh_flen(in);
  if (input_bytes <= 0 || set_in == 0 || static_cast<uint32_t>(input_bytes) % set_in != 0) {
    qemu_print("model_runner_flash: %s: %d bytes is not a multiple of the input size %u\n", argv[1],
               static_cast<int>(input_bytes), static_cast<unsigned>(set_in));
    sh_close(in);
    return 1;
  }
  const int32_t out = sh_open(argv[2], "wb");
  if (out < 0) {
    qemu_print("model_runner_flash: cannot write %s\n", argv[2]);
    sh_close(in);
    return 1;
  }

  const uint32_t sets = static_cast<uint32_t>(input_bytes) / set_in;
  size_t invoke_stack = 0;  // validation+invoke's own use, like model_runner
  size_t stack_peak = qemu_stack_high_water();  // the whole program's deepest use
  int status = 0;
  for (uint32_t set = 0; set < sets && status == 0; ++set) {
    if (!read_input_set(in, interpreter, h.input_count)) {
      qemu_print("model_runner_flash: cannot read input set %u of %s\n", static_cast<unsigned>(set), argv[1]);
      status = 1;
      break;
    }
    const size_t peak_so_far = qemu_stack_high_water();
    if (peak_so_far > stack_peak) stack_peak = peak_so_far;
    const size_t base = qemu_stack_rearm();
    s = runner_invoke_measured(&interpreter, h.op_count, per_op);
    const size_t high_water = qemu_stack_high_water();
    if (high_water > stack_peak) stack_peak = high_water;
    if (high_water - base > invoke_stack) invoke_stack = high_water - base;
    if (s != tmf::Status::kOk) {
      qemu_print("model_runner_flash: invoke failed: %s\n", tmf::status_to_string(s));
      status = 2;
    } else if (!write_output_set(out, interpreter, h.output_count)) {
      qemu_print("model_runner_flash: cannot write %s\n", argv[2]);
      status = 1;
    }
  }
  sh_close(in);
  if (sh_close(out) != 0 && status == 0) {
    qemu_print("model_runner_flash: cannot write %s\n", argv[2]);
    status = 1;
  }
  if (status != 0) return status;
  const size_t final_peak = qemu_stack_high_water();
  if (final_peak > stack_peak) stack_peak = final_peak;

  const uint32_t static_ram = static_cast<uint32_t>(__bss_end - __data_start);
  qemu_print("model_runner_flash: %u set(s), model %u bytes in a %u-byte flash slot, arena %u of %u "
             "bytes, invoke stack %u bytes, stack peak %u of %u bytes, static RAM %u bytes\n",
             static_cast<unsigned>(sets), static_cast<unsigned>(h.file_bytes),
             static_cast<unsigned>(slot_bytes), static_cast<unsigned>(h.arena_bytes),
             static_cast<unsigned>(capacity), static_cast<unsigned>(invoke_stack),
             static_cast<unsigned>(stack_peak), static_cast<unsigned>(qemu_stack_size()),
             static_cast<unsigned>(static_ram));
  return 0;
}
