// The derived golden input of package type 2 (docs/protocol.md "Derived golden input") written
// from the spec with the test's own SplitMix64 (not the device's ota_golden_input_fill), and the
// model's outputs on it from the runtime: the reference agent, deploy and QEMU tests compare with.
#pragma once

#include <stdint.h>
#include <string.h>

#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "device/runtime/sha256.h"

namespace tmf_test {

// False if the signed `signed_file` does not validate or run.
inline bool derived_golden_reference(const std::vector<uint8_t>& signed_file, std::vector<uint8_t>* input,
                              std::vector<uint8_t>* output) {
  // The runtime wants the file and the arena 16-byte aligned.
  std::vector<uint8_t> storage(signed_file.size() + 16);
  uint8_t* file = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  memcpy(file, signed_file.data(), signed_file.size());
  tmf::Model model{};
  if (tmf::model_validate(file, signed_file.size(), &model, nullptr) != tmf::Status::kOk) return false;
  uint8_t content[32];
  tmf::sha256(file, model.header->trailer.offset, content);
  uint64_t state = 0;  // SplitMix64 seeded by content[0..8) little-endian
  for (int i = 0; i < 8; ++i) state |= static_cast<uint64_t>(content[i]) << (8 * i);
  auto next = [&state] {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  std::vector<uint8_t> arena_storage(model.header->arena_bytes + 16);
  uint8_t* arena = arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  tmf::Interpreter interpreter{};
  if (tmf::interpreter_init(&interpreter, &model, arena, model.header->arena_bytes) != tmf::Status::kOk) return false;
  input->clear();
  for (uint32_t i = 0; i < model.header->input_count; ++i) {
    const tmf::TensorRecord* t = nullptr;
    uint8_t* data = nullptr;
    tmf::interpreter_input(interpreter, i, &t, &data);
    for (uint32_t k = 0; k < t->bytes; ++k) {
      if (t->type == tmf::kTensorTypeFloat32) {
        const float v = static_cast<float>(static_cast<int64_t>(next() >> 40) - 8388608) / 8388608.0f;
        memcpy(data + k, &v, 4);
        k += 3;
      } else {
        data[k] = static_cast<uint8_t>(next() >> 56);
      }
    }
    input->insert(input->end(), data, data + t->bytes);
  }
  if (tmf::interpreter_invoke(&interpreter) != tmf::Status::kOk) return false;
  output->clear();
  for (uint32_t i = 0; i < model.header->output_count; ++i) {
    const tmf::TensorRecord* t = nullptr;
    const uint8_t* data = nullptr;
    tmf::interpreter_output(interpreter, i, &t, &data);
    output->insert(output->end(), data, data + t->bytes);
  }
  return true;
}

}  // namespace tmf_test
