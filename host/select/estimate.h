// What a model costs on a target profile: flash, RAM, instructions, latency and energy per
// inference, and whether it fits (each exceeded limit named). docs/select.md.
#pragma once

#include <string>
#include <vector>

#include "device/runtime/model.h"
#include "host/select/cost_model.h"
#include "host/select/profile.h"

namespace tmf::select {

struct CostEstimate {
  std::string profile;
  std::string cost_core;
  double file_bytes = 0;           // the model, kept in flash and executed in place
  double runtime_flash_bytes = 0;  // the runtime with the model's op set
  double flash_bytes = 0;          // sum of the two
  double arena_bytes = 0;          // header arena_bytes (activations + scratch)
  double stack_bytes = 0;          // largest invoke stack of the kernels the model runs
  double runtime_static_ram_bytes = 0;
  double ram_bytes = 0;            // arena + stack + runtime static RAM
  double ram_available_bytes = 0;  // profile RAM minus its reserve
  double input_bytes = 0;          // the model's graph inputs (a pipeline: its raw window)
  double flash_available_bytes = 0;
  double instructions = 0;
  double cycles_per_instruction = 0;
  double latency_ms = 0;
  double energy_uj = 0;            // active power x latency
  InstructionPrediction detail;
  std::vector<std::string> exceeded;  // "RAM: needs 20480 bytes, profile cortex-m0plus-16k offers 16384"
  bool fits() const { return exceeded.empty(); }
};

CostEstimate estimate_cost(const Model& model, const Profile& profile, const CostTable& table);

}  // namespace tmf::select
