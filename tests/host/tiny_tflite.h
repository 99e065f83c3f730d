// A writer of small .tflite files for importer tests, built with the flatbuffers builder on the
// importer's schema subset; a few fields outside that subset (metadata, signature tables) are
// written raw at TFLite's field ids, so the importer meets them as real files carry them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "host/convert/tflite_schema_generated.h"

namespace tmf::host::tiny_tflite {

namespace fb = ::tmf::tflite;

struct TinyTensor {
  std::string name;
  fb::TensorType type = fb::TensorType_INT8;
  std::vector<int32_t> shape;
  std::vector<uint8_t> data;        // non-empty: a constant
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t axis = 0;
  bool data_outside = false;        // store data past the flatbuffer (the >2 GB layout)
  int32_t buffer_of = -1;           // >= 0: share the buffer of that (earlier) tensor
  bool empty_buffer = false;        // its own buffer, holding a zero-length data vector
  bool is_variable = false;         // a variable (stateful) tensor, e.g. SVDF's state
};

// The bytes of n values, as a constant tensor's data.
template <typename T>
std::vector<uint8_t> raw(const T* values, size_t n) {
  const auto* b = reinterpret_cast<const uint8_t*>(values);
  return std::vector<uint8_t>(b, b + n * sizeof(T));
}

// A tensor with one per-tensor scale and zero point.
inline TinyTensor quantized(const std::string& name, fb::TensorType type, std::vector<int32_t> shape,
                            float scale, int64_t zero_point) {
  TinyTensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  t.scales = {scale};
  t.zero_points = {zero_point};
  return t;
}

using OptionsFn = std::function<std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>>(
    flatbuffers::FlatBufferBuilder&)>;

struct TinyOp {
  int32_t builtin = fb::BuiltinOperator_ADD;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  OptionsFn options;                // null: no options table
  std::string custom_code;          // with builtin CUSTOM
  bool only_deprecated_code = false;  // an old file: the builtin_code int is absent
  int32_t version = 1;              // OperatorCode.version
};

struct TinyModel {
  std::vector<TinyTensor> tensors;
  std::vector<TinyOp> ops;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  int subgraph_count = 1;
  uint32_t version = 3;
  // Model.metadata_buffer, Model.metadata ("min_runtime_version" in a buffer) and one
  // Model.signature_defs entry naming the graph's first input and output, as the TFLite
  // converter writes them.
  bool with_metadata = false;
};

inline std::vector<uint8_t> int8_bytes(std::initializer_list<int8_t> v) {
  std::vector<uint8_t> out;
  for (int8_t x : v) out.push_back(static_cast<uint8_t>(x));
  return out;
}

inline std::vector<uint8_t> int32_bytes(std::initializer_list<int32_t> v) {
  std::vector<uint8_t> out;
  for (int32_t x : v) {
    const auto u = static_cast<uint32_t>(x);
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>(u >> (8 * b)));
  }
  return out;
}

inline std::vector<uint8_t> int64_bytes(std::initializer_list<int64_t> v) {
  std::vector<uint8_t> out;
  for (int64_t x : v) {
    const auto u = static_cast<uint64_t>(x);
    for (int b = 0; b < 8; ++b) out.push_back(static_cast<uint8_t>(u >> (8 * b)));
  }
  return out;
}

// TFLite's field ids past the subset's last Model field (buffers, id 4).
constexpr flatbuffers::voffset_t tiny_field(int id) {
  return static_cast<flatbuffers::voffset_t>(4 + 2 * id);
}

// The metadata and signature tables of `m` (raw tables at TFLite's ids), and the Model.
inline flatbuffers::Offset<fb::Model> tiny_model_table(
    flatbuffers::FlatBufferBuilder& fbb, const TinyModel& m,
    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::OperatorCode>>> codes,
    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::SubGraph>>> subgraphs,
    std::vector<flatbuffers::Offset<fb::Buffer>>& buffers) {
  const auto description = fbb.CreateString("tiny");
  if (!m.with_metadata) {
    return fb::CreateModel(fbb, m.version, codes, subgraphs, description,
                           fbb.CreateVector(buffers));
  }
  const std::string runtime = "1.14.0";
  const auto meta_buffer = static_cast<uint32_t>(buffers.size());
  buffers.push_back(fb::CreateBuffer(
      fbb, fbb.CreateVector(reinterpret_cast<const uint8_t*>(runtime.data()), runtime.size())));
  // Metadata { name:string (0); buffer:uint (1) }
  const auto meta_name = fbb.CreateString("min_runtime_version");
  auto start = fbb.StartTable();
  fbb.AddOffset(tiny_field(0), meta_name);
  fbb.AddElement<uint32_t>(tiny_field(1), meta_buffer, 0);
  const flatbuffers::Offset<void> metadata(fbb.EndTable(start));
  // TensorMap { name:string (0); tensor_index:uint (1) }
  const auto tensor_map = [&](const char* name, int32_t index) {
    const auto n = fbb.CreateString(name);
    const auto s = fbb.StartTable();
    fbb.AddOffset(tiny_field(0), n);
    fbb.AddElement<uint32_t>(tiny_field(1), static_cast<uint32_t>(index), 0);
    return flatbuffers::Offset<void>(fbb.EndTable(s));
  };
  const auto sig_in = fbb.CreateVector(
      std::vector<flatbuffers::Offset<void>>{tensor_map("x", m.inputs.empty() ? 0 : m.inputs[0])});
  const auto sig_out = fbb.CreateVector(std::vector<flatbuffers::Offset<void>>{
      tensor_map("y", m.outputs.empty() ? 0 : m.outputs[0])});
  const auto key = fbb.CreateString("serving_default");
  // SignatureDef { inputs (0); outputs (1); signature_key (2); deprecated_tag (3);
  // subgraph_index:uint (4) }
  start = fbb.StartTable();
  fbb.AddOffset(tiny_field(0), sig_in);
  fbb.AddOffset(tiny_field(1), sig_out);
  fbb.AddOffset(tiny_field(2), key);
  fbb.AddElement<uint32_t>(tiny_field(4), 0, 0);
  const flatbuffers::Offset<void> signature(fbb.EndTable(start));
  const auto metadata_buffer = fbb.CreateVector(std::vector<int32_t>{static_cast<int32_t>(meta_buffer)});
  const auto metadata_vec = fbb.CreateVector(std::vector<flatbuffers::Offset<void>>{metadata});
  const auto signature_vec = fbb.CreateVector(std::vector<flatbuffers::Offset<void>>{signature});
  const auto buffer_vec = fbb.CreateVector(buffers);
  // Model { version (0); operator_codes (1); subgraphs (2); description (3); buffers (4);
  // metadata_buffer (5); metadata (6); signature_defs (7) }
  start = fbb.StartTable();
  fbb.AddElement<uint32_t>(tiny_field(0), m.version, 0);
  fbb.AddOffset(tiny_field(1), codes);
  fbb.AddOffset(tiny_field(2), subgraphs);
  fbb.AddOffset(tiny_field(3), description);
  fbb.AddOffset(tiny_field(4), buffer_vec);
  fbb.AddOffset(tiny_field(5), metadata_buffer);
  fbb.AddOffset(tiny_field(6), metadata_vec);
  fbb.AddOffset(tiny_field(7), signature_vec);
  return flatbuffers::Offset<fb::Model>(fbb.EndTable(start));
}

// Builds a .tflite file. Buffers with `data_outside` point at `outside_offset` and follow the
// flatbuffer, which is zero-padded up to it (when it ends before that offset).
inline std::vector<uint8_t> build_once(const TinyModel& m, uint64_t outside_offset) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(fbb)};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  std::vector<uint32_t> tensor_buffer;
  uint64_t next_outside = outside_offset;
  for (const TinyTensor& t : m.tensors) {
    uint32_t buffer = 0;
    if (t.buffer_of >= 0) {
      buffer = tensor_buffer.at(static_cast<size_t>(t.buffer_of));
    } else if (t.empty_buffer) {
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(fbb, fbb.CreateVector(std::vector<uint8_t>{})));
    } else if (!t.data.empty()) {
      buffer = static_cast<uint32_t>(buffers.size());
      if (t.data_outside) {
        buffers.push_back(fb::CreateBuffer(fbb, 0, next_outside, t.data.size()));
        next_outside += t.data.size();
      } else {
        fbb.ForceVectorAlignment(t.data.size(), 1, 16);
        buffers.push_back(fb::CreateBuffer(fbb, fbb.CreateVector(t.data)));
      }
    }
    tensor_buffer.push_back(buffer);
    flatbuffers::Offset<fb::QuantizationParameters> quant;
    if (!t.scales.empty()) {
      quant = fb::CreateQuantizationParameters(fbb, 0, 0, fbb.CreateVector(t.scales),
                                               fbb.CreateVector(t.zero_points),
                                               fb::QuantizationDetails_NONE, 0, t.axis);
    }
    tensors.push_back(fb::CreateTensor(fbb, fbb.CreateVector(t.shape), t.type, buffer,
                                       fbb.CreateString(t.name), quant, t.is_variable));
  }
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (const TinyOp& op : m.ops) {
    const int8_t deprecated = static_cast<int8_t>(std::min<int32_t>(op.builtin, 127));
    const auto builtin = static_cast<fb::BuiltinOperator>(op.only_deprecated_code ? 0 : op.builtin);
    const auto custom = op.custom_code.empty() ? 0 : fbb.CreateString(op.custom_code);
    codes.push_back(fb::CreateOperatorCode(fbb, deprecated, custom, op.version, builtin));
    std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>> options{fb::BuiltinOptions_NONE, 0};
    if (op.options) options = op.options(fbb);
    ops.push_back(fb::CreateOperator(fbb, static_cast<uint32_t>(codes.size() - 1),
                                     fbb.CreateVector(op.inputs), fbb.CreateVector(op.outputs),
                                     options.first, options.second));
  }
  std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs;
  const auto tensor_vec = fbb.CreateVector(tensors);
  const auto op_vec = fbb.CreateVector(ops);
  const auto in_vec = fbb.CreateVector(m.inputs);
  const auto out_vec = fbb.CreateVector(m.outputs);
  for (int s = 0; s < m.subgraph_count; ++s) {
    subgraphs.push_back(fb::CreateSubGraph(fbb, tensor_vec, in_vec, out_vec, op_vec));
  }
  const auto code_vec = fbb.CreateVector(codes);
  const auto subgraph_vec = fbb.CreateVector(subgraphs);
  const auto model = tiny_model_table(fbb, m, code_vec, subgraph_vec, buffers);
  fb::FinishModelBuffer(fbb, model);
  std::vector<uint8_t> file(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  if (next_outside != outside_offset && outside_offset >= file.size()) {
    file.resize(outside_offset, 0);
    for (const TinyTensor& t : m.tensors) {
      if (t.data_outside) file.insert(file.end(), t.data.begin(), t.data.end());
    }
  }
  return file;
}

inline std::vector<uint8_t> build(const TinyModel& m) {
  // A first pass measures the flatbuffer: the offset's value does not change its size.
  const size_t size = build_once(m, 2).size();
  return build_once(m, (size + 15) / 16 * 16 + 16);
}

inline TinyTensor int8_tensor(const std::string& name, std::vector<int32_t> shape) {
  TinyTensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.scales = {0.5f};
  t.zero_points = {-3};
  return t;
}

// x[1,4] (op) y[1,4] -> z[1,4]: the smallest two-input model.
inline TinyModel binary_model(int32_t builtin) {
  TinyModel m;
  m.tensors = {int8_tensor("x", {1, 4}), int8_tensor("y", {1, 4}), int8_tensor("z", {1, 4})};
  TinyOp op;
  op.builtin = builtin;
  op.inputs = {0, 1};
  op.outputs = {2};
  m.ops = {op};
  m.inputs = {0, 1};
  m.outputs = {2};
  return m;
}

}  // namespace tmf::host::tiny_tflite
