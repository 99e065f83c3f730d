// libFuzzer target over the untrusted-model path: model_validate() on arbitrary bytes and, for
// every buffer it accepts, a full invoke with input bytes taken from the fuzz data. Any crash,
// sanitizer report (ASan, UBSan) or hang is a bug in the validator or a kernel's prepare().
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"

namespace {

constexpr size_t kMaxFile = 1 << 20;
constexpr size_t kMaxArena = 1 << 22;  // larger plans are valid but not worth fuzz time
alignas(16) uint8_t g_file[kMaxFile];
alignas(16) uint8_t g_arena[kMaxArena];

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxFile) return 0;
  memcpy(g_file, data, size);
  tmf::Model model;
  if (tmf::model_validate(g_file, size, &model, nullptr) != tmf::Status::kOk) return 0;
  if (model.header->arena_bytes > kMaxArena) return 0;
  tmf::Interpreter interpreter;
  if (tmf::interpreter_init(&interpreter, &model, g_arena, kMaxArena) != tmf::Status::kOk) return 0;
  for (uint32_t i = 0; i < model.header->input_count; ++i) {
    const tmf::TensorRecord* t = nullptr;
    uint8_t* in = nullptr;
    tmf::interpreter_input(interpreter, i, &t, &in);
    for (uint32_t b = 0; b < t->bytes; ++b) in[b] = data[(b * 131u + i) % size];
  }
  tmf::interpreter_invoke(&interpreter);
  return 0;
}
