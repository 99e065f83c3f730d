// Minimal firmware shape for measuring the runtime's flash: validate a model that sits in flash
// (here: at a linker-provided address, empty), bind a static arena, invoke. Built against a
// reduced op set; make bench sums the runtime's sections from the map file.
#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"

namespace {
alignas(16) uint8_t g_arena[1024];
alignas(16) const uint8_t g_model_slot[16] = {0};  // a real device points at its flash slot
}  // namespace

int main(int, char**) {
  tmf::Model model;
  if (tmf::model_validate(g_model_slot, sizeof(g_model_slot), &model, nullptr) != tmf::Status::kOk) return 2;
  tmf::Interpreter interpreter;
  if (tmf::interpreter_init(&interpreter, &model, g_arena, sizeof(g_arena)) != tmf::Status::kOk) return 2;
  return tmf::interpreter_invoke(&interpreter) == tmf::Status::kOk ? 0 : 1;
}
