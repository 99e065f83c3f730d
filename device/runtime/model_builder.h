// Assembles a TMF file (docs/format.md) from tables. Freestanding: the caller provides the
// workspace, so the same code serves the host converter (vectors) and kernel tests running
// bare-metal (static buffers). Any capacity overflow makes ok() false and finish() return 0.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tmf_format.h"

namespace tmf {

struct ModelBuilderCapacity {
  uint32_t tensors;
  uint32_t ops;
  uint32_t operands;        // op operands, graph inputs/outputs excluded
  uint32_t params_bytes;
  uint32_t constants_bytes; // including alignment padding (kTmfConstAlign per tensor)
  uint32_t strings_bytes;   // the tensor-name string pool
  uint32_t metadata_bytes;  // other metadata TLVs, headers and padding included
};

struct ModelBuilderHeader {
  uint32_t model_id;
  uint32_t model_version;
  uint32_t arena_bytes;
  uint32_t scratch_offset;
  uint32_t scratch_bytes;
};

size_t model_builder_workspace_bytes(const ModelBuilderCapacity& capacity);

class ModelBuilder {
 public:
  ModelBuilder(const ModelBuilderCapacity& capacity, uint8_t* workspace, size_t workspace_bytes);

  bool ok() const { return ok_; }

  // Appends a tensor record as given (bytes is computed from type and dims); returns its index.
  uint16_t add_tensor(const TensorRecord& record);
  // Copies constant bytes into the constant section; returns their kTmfConstAlign-aligned offset.
  uint32_t add_constant_data(const void* data, uint32_t bytes);
  // Copies bytes into the params blob; returns their 4-aligned offset.
  uint32_t add_params(const void* data, uint32_t bytes);
  // Adds a NUL-terminated name to the string pool; returns its offset (for TensorRecord::name).
  uint32_t add_string(const char* text);
  void add_metadata(uint16_t tag, const void* data, uint32_t bytes);
  void add_op(uint16_t opcode, const uint16_t* inputs, uint8_t input_count,
              const uint16_t* outputs, uint8_t output_count, uint32_t params_offset,
              uint32_t params_bytes);
  void set_graph_io(const uint16_t* inputs, uint16_t input_count, const uint16_t* outputs,
                    uint16_t output_count);

  // Exact size finish() will write.
  size_t file_bytes() const;
  // Lays the file out into `out` with a SHA-256 trailer; returns its size, 0 on failure.
  size_t finish(const ModelBuilderHeader& header, uint8_t* out, size_t out_bytes) const;

 private:
  ModelBuilderCapacity capacity_;
  TensorRecord* tensors_;
  OpRecord* ops_;
  uint16_t* operands_;
  uint8_t* params_;
  uint8_t* constants_;
  uint8_t* strings_;
  uint8_t* metadata_;
  uint16_t io_[2 * 256];
  uint32_t tensor_count_ = 0, op_count_ = 0, operand_count_ = 0;
  uint32_t params_bytes_ = 0, constants_bytes_ = 0, strings_bytes_ = 0, metadata_bytes_ = 0;
  uint16_t input_count_ = 0, output_count_ = 0;
  bool ok_ = true;
};

}  // namespace tmf
