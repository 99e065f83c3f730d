// Graph -> TMF file: lowers every op, plans the arena, and writes the model file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "host/convert/graph.h"
#include "host/convert/planner.h"

namespace tmf::host {

struct ConvertOptions {
  uint32_t model_id = 0;       // 0: derived from the model name
  uint32_t model_version = 1;
  std::string model_name;      // default: the source file's stem
  // More metadata TLVs (tag, value), e.g. class labels (4) or pipeline settings (0x100).
  std::vector<std::pair<uint16_t, std::string>> extra_metadata;
};

struct ConvertResult {
  std::vector<uint8_t> file;   // the TMF bytes, validated by the device runtime's own validator
  ArenaPlan plan;              // the activations' placement
  uint32_t scratch_bytes = 0;  // scratch for optimized kernels, after the activations
  uint32_t arena_bytes = 0;    // what the device must provide: plan.arena_bytes + scratch_bytes
  uint32_t source_op_count = 0;
};

// Throws ConvertError naming the op/tensor that cannot be converted.
ConvertResult convert_graph(Graph graph, const ConvertOptions& options);

uint32_t fnv1a32(const void* data, size_t bytes);

}  // namespace tmf::host
