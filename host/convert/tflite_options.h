// Internal to the TFLite importer (tflite_reader.cc): the builtin options table of one op read
// into OpOptions. Options are untrusted like the rest of the file: every enum and count is checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/convert/graph.h"
#include "host/convert/tflite_schema_generated.h"

namespace tmf::host::tflite_import {

namespace fb = ::tmf::tflite;

// A flatbuffer int vector's values; empty when the vector is absent.
std::vector<int32_t> int_vector(const flatbuffers::Vector<int32_t>* v);

// Reads op `op`'s options (`builtin`, from `src`) into `o`. Throws ConvertError naming the op
// (graph.op_context(op)) for a missing required table or an invalid value.
void read_options(const Graph& graph, size_t op, fb::BuiltinOperator builtin, const fb::Operator* src,
                  OpOptions& o);

}  // namespace tmf::host::tflite_import
