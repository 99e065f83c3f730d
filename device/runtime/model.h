// A validated view of a TMF model buffer (layout: tmf_format.h, docs/format.md).
// model_validate() checks every header field, section, tensor, operand, opcode and op parameter
// once, reading only the header, tables, params blob and metadata: constant data (weights) is
// never read. Afterwards the runtime trusts the buffer, which must stay unchanged and alive.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "tmf_format.h"

namespace tmf {

struct Model {
  const uint8_t* base;
  const FileHeader* header;
  const TensorRecord* tensors;
  const OpRecord* ops;
  const uint16_t* operands;
  const uint8_t* params;
  uint32_t params_bytes;
  const uint8_t* constants;
  uint32_t constants_bytes;
  const uint8_t* metadata;
  uint32_t metadata_bytes;
  const uint8_t* trailer;
  uint32_t trailer_bytes;
};

// Where a validation failure was found, for messages such as "op 3 (CONV_2D): ...".
enum class ValidationItem : uint8_t {
  kValidationItemFile = 0,
  kValidationItemTensor,
  kValidationItemOp,
};

struct ValidationError {
  Status status;
  ValidationItem item;
  uint32_t index;  // tensor or op index, 0 for kValidationItemFile
};

// Validates `size` bytes at `data` (any alignment accepted by the caller's platform for 4-byte
// loads; 16-byte alignment recommended). On success fills `model`. `error` may be null.
Status model_validate(const uint8_t* data, size_t size, Model* model, ValidationError* error);

// Element size in bytes of a TensorType, 0 for an unknown type.
uint32_t tensor_type_size(uint8_t type);

// Number of elements of a validated tensor.
uint32_t tensor_element_count(const TensorRecord& tensor);

// Human-readable opcode name ("FULLY_CONNECTED"), "UNKNOWN" otherwise.
const char* opcode_name(uint16_t opcode);

// Finds a TLV with `tag` in a validated model's metadata or trailer section. Returns null if absent.
const uint8_t* model_find_metadata(const Model& model, uint16_t tag, uint32_t* length);
const uint8_t* model_find_trailer(const Model& model, uint16_t tag, uint32_t* length);

// Name of tensor `index` from the string pool, or "" if it has none.
const char* model_tensor_name(const Model& model, uint32_t index);

}  // namespace tmf
