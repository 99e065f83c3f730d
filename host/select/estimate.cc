// Combines the cost table's predictions with a profile's clock, memory and power.
#include "host/select/estimate.h"

#include <cmath>

namespace tmf::select {
namespace {

std::string bytes_text(double b) { return std::to_string(static_cast<long long>(std::llround(b))); }

}  // namespace

CostEstimate estimate_cost(const Model& model, const Profile& profile, const CostTable& table) {
  const CoreCosts& costs = core_costs(table, profile.cost_core);
  CostEstimate e;
  e.profile = profile.name;
  e.cost_core = profile.cost_core;
  e.detail = predict_instructions(model, costs, profile.cost_core, table.source);
  e.file_bytes = model.header->file_bytes;
  e.runtime_flash_bytes = predict_runtime_flash(model, costs, profile.cost_core, table.source);
  e.flash_bytes = e.file_bytes + e.runtime_flash_bytes;
  e.arena_bytes = model.header->arena_bytes;
  e.stack_bytes = e.detail.stack_bytes;
  e.runtime_static_ram_bytes = costs.runtime_static_ram_bytes;
  e.ram_bytes = e.arena_bytes + e.stack_bytes + e.runtime_static_ram_bytes;
  e.ram_available_bytes = profile.ram_bytes - profile.reserved_ram_bytes;
  for (uint16_t i = 0; i < model.header->input_count; ++i) e.input_bytes += model.tensors[model.operands[i]].bytes;
  e.flash_available_bytes = profile.flash_bytes - profile.reserved_flash_bytes;
  e.instructions = e.detail.instructions;
  e.cycles_per_instruction = profile.cycles_per_instruction;
  e.latency_ms = e.instructions * e.cycles_per_instruction / profile.clock_hz * 1e3;
  e.energy_uj = profile.active_power_mw() * e.latency_ms;  // mW x ms = uJ
  if (e.ram_bytes > e.ram_available_bytes) {
    e.exceeded.push_back("RAM: needs " + bytes_text(e.ram_bytes) + " bytes (arena " + bytes_text(e.arena_bytes) +
                         " + stack " + bytes_text(e.stack_bytes) + " + runtime " + bytes_text(e.runtime_static_ram_bytes) +
                         "), profile " + profile.name + " offers " + bytes_text(e.ram_available_bytes));
  }
  // A firmware with fixed buffers (profile max_arena_bytes, max_input_bytes) refuses a larger arena
  // (MANIFEST result 3) and cannot gather a larger window, whatever RAM is left.
  if (profile.max_arena_bytes > 0 && e.arena_bytes > profile.max_arena_bytes) {
    e.exceeded.push_back("arena: needs " + bytes_text(e.arena_bytes) + " bytes, the firmware of profile " + profile.name +
                         " provides " + bytes_text(profile.max_arena_bytes));
  }
  if (profile.max_input_bytes > 0 && e.input_bytes > profile.max_input_bytes) {
    e.exceeded.push_back("input: needs " + bytes_text(e.input_bytes) + " bytes, the window buffer of profile " +
                         profile.name + "'s firmware holds " + bytes_text(profile.max_input_bytes));
  }
  if (e.flash_bytes > e.flash_available_bytes) {
    e.exceeded.push_back("flash: needs " + bytes_text(e.flash_bytes) + " bytes (model " + bytes_text(e.file_bytes) +
                         " + runtime " + bytes_text(e.runtime_flash_bytes) + "), profile " + profile.name + " offers " +
                         bytes_text(e.flash_available_bytes));
  }
  return e;
}

}  // namespace tmf::select
