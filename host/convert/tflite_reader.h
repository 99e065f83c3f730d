// The TFLite importer: reads subgraph 0 of a .tflite flatbuffer (schema version 3) into the
// converter's Graph. Model files are untrusted input: the flatbuffers verifier runs first, then
// every index, enum value, shape and buffer range is checked before it is used.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/convert/graph.h"

namespace tmf::host {

// Reads a whole .tflite file held in `bytes`; `source_name` (usually the path) starts every
// error message and becomes Graph::source. The Graph keeps TFLite's tensor indices; an absent
// optional op input is -1. Constant INT64 tensors (shape, axis, padding operands) come back as
// INT32 when every value fits. Throws ConvertError, e.g. "model.tflite: op 3 (SUB): operator
// SUB is not supported (supported: ...)".
Graph tflite_read(const std::vector<uint8_t>& bytes, const std::string& source_name);

// Reads the file at `path` and imports it as above, with `path` as the source name.
Graph tflite_read_file(const std::string& path);

}  // namespace tmf::host
