// The models op_cost measures (op_cost_models.cc) and validates on (op_cost_benchmark_models.cc).
#pragma once

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "host/convert/graph.h"

namespace op_cost {

// One seeded generator for every random weight and input, so the outputs are reproducible.
extern std::mt19937 g_rng;

// Single-op models of many shapes (names are the cost entries' models).
std::vector<std::pair<std::string, tmf::host::Graph>> cost_models();
// Whole models of the validation set; never used by the fit.
std::vector<std::pair<std::string, tmf::host::Graph>> benchmark_models();

}  // namespace op_cost
