// The TFLite importer (see tflite_reader.h): flatbuffer -> Graph, one subgraph, supported ops only;
// the ops' options tables are read by tflite_options.cc.
#include "host/convert/tflite_reader.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "host/convert/tflite_options.h"
#include "host/convert/tflite_schema_generated.h"

namespace tmf::host {
namespace {

namespace fb = ::tmf::tflite;

// TFLite data and our Graph both hold little-endian bytes, copied as they are.
static_assert(std::endian::native == std::endian::little,
              "the TFLite importer assumes a little-endian host");

constexpr uint32_t kTfliteSchemaVersion = 3;
constexpr int64_t kMaxElements = std::numeric_limits<int32_t>::max();

struct SupportedOp {
  fb::BuiltinOperator builtin;
  OpCode opcode;
};

// The TFLite builtins we import, and the TMF op each becomes (PADV2 is PAD with its constant
// value as input 2).
constexpr SupportedOp kSupportedOps[] = {
    {fb::BuiltinOperator_ADD, kOpAdd},
    {fb::BuiltinOperator_AVERAGE_POOL_2D, kOpAveragePool2D},
    {fb::BuiltinOperator_CONCATENATION, kOpConcatenation},
    {fb::BuiltinOperator_CONV_2D, kOpConv2D},
    {fb::BuiltinOperator_DEPTHWISE_CONV_2D, kOpDepthwiseConv2D},
    {fb::BuiltinOperator_DEQUANTIZE, kOpDequantize},
    {fb::BuiltinOperator_FULLY_CONNECTED, kOpFullyConnected},
    {fb::BuiltinOperator_HARD_SWISH, kOpHardSwish},
    {fb::BuiltinOperator_LEAKY_RELU, kOpLeakyRelu},
    {fb::BuiltinOperator_LOGISTIC, kOpLogistic},
    {fb::BuiltinOperator_MAX_POOL_2D, kOpMaxPool2D},
    {fb::BuiltinOperator_MEAN, kOpMean},
    {fb::BuiltinOperator_MUL, kOpMul},
    {fb::BuiltinOperator_PAD, kOpPad},
    {fb::BuiltinOperator_PADV2, kOpPad},
    {fb::BuiltinOperator_QUANTIZE, kOpQuantize},
    {fb::BuiltinOperator_RELU, kOpRelu},
    {fb::BuiltinOperator_RELU6, kOpRelu6},
    {fb::BuiltinOperator_RESHAPE, kOpReshape},
    {fb::BuiltinOperator_SOFTMAX, kOpSoftmax},
    {fb::BuiltinOperator_STRIDED_SLICE, kOpStridedSlice},
    {fb::BuiltinOperator_SUB, kOpSub},
    {fb::BuiltinOperator_SVDF, kOpSvdf},
    {fb::BuiltinOperator_TANH, kOpTanh},
    {fb::BuiltinOperator_TRANSPOSE, kOpTranspose},
    {fb::BuiltinOperator_TRANSPOSE_CONV, kOpTransposeConv},
    {fb::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM, kOpUnidirectionalSequenceLstm},
};

std::string supported_op_list() {
  std::string s;
  for (const SupportedOp& op : kSupportedOps) {
    if (!s.empty()) s += ", ";
    s += fb::EnumNameBuiltinOperator(op.builtin);
  }
  return s;
}

std::string builtin_name(int32_t code) {
  const char* name = fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(code));
  if (name != nullptr && name[0] != '\0') return name;
  return "BUILTIN_" + std::to_string(code);
}

std::string tflite_type_name(int8_t type) {
  const char* name = fb::EnumNameTensorType(static_cast<fb::TensorType>(type));
  if (name != nullptr && name[0] != '\0') return name;
  return "type " + std::to_string(type);
}

// Our element type for a TFLite type, if it is one we keep as is.
bool map_tensor_type(int8_t type, TensorType* out) {
  switch (type) {
    case fb::TensorType_INT8: *out = kTensorTypeInt8; return true;
    case fb::TensorType_UINT8: *out = kTensorTypeUint8; return true;
    case fb::TensorType_INT16: *out = kTensorTypeInt16; return true;
    case fb::TensorType_INT32: *out = kTensorTypeInt32; return true;
    case fb::TensorType_FLOAT32: *out = kTensorTypeFloat32; return true;
    default: return false;
  }
}

size_t element_size(TensorType type) {
  switch (type) {
    case kTensorTypeInt8:
    case kTensorTypeUint8: return 1;
    case kTensorTypeInt16: return 2;
    case kTensorTypeInt32:
    case kTensorTypeFloat32: return 4;
  }
  return 0;
}

using tflite_import::int_vector;

// Reads tensors, ops and the graph interface of one subgraph. A tensor that cannot be imported
// (unsupported type, sparse, bad quantization...) records why in `problems_`; the error is
// raised only when an op or the graph interface uses it, so the message can name the op.
class Importer {
 public:
  Importer(const std::vector<uint8_t>& bytes, const std::string& source)
      : bytes_(bytes), source_(source) {}

  Graph run() {
    graph_.source = source_;
    if (bytes_.size() < 8) fail("not a valid TFLite flatbuffer");
    // Past 2 GB only external buffer data follows the flatbuffer (see Buffer in the schema).
    const size_t verify_bytes = std::min<size_t>(bytes_.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
    flatbuffers::Verifier verifier(bytes_.data(), verify_bytes);
    if (!fb::VerifyModelBuffer(verifier)) fail("not a valid TFLite flatbuffer");
    model_ = fb::GetModel(bytes_.data());
    if (model_->version() != kTfliteSchemaVersion) {
      fail("TFLite schema version " + std::to_string(model_->version()) +
           " is not supported (expected " + std::to_string(kTfliteSchemaVersion) + ")");
    }
    const auto* subgraphs = model_->subgraphs();
    if (subgraphs == nullptr || subgraphs->size() == 0) fail("the model has no subgraph");
    if (subgraphs->size() > 1) {
      fail("the model has " + std::to_string(subgraphs->size()) +
           " subgraphs; only single-subgraph models are supported (no control flow ops)");
    }
    if (model_->description() != nullptr) graph_.description = model_->description()->str();

    const fb::SubGraph* subgraph = subgraphs->Get(0);
    read_tensors(subgraph);
    read_ops(subgraph);
    graph_.inputs = read_interface(subgraph->inputs(), "input");
    graph_.outputs = read_interface(subgraph->outputs(), "output");
    drop_unread_quantization();
    return std::move(graph_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ConvertError(source_ + ": " + what);
  }

  [[noreturn]] void fail_op(size_t op, const std::string& what) const {
    throw ConvertError(graph_.op_context(op) + ": " + what);
  }

  void read_tensors(const fb::SubGraph* subgraph) {
    const auto* tensors = subgraph->tensors();
    const size_t count = tensors == nullptr ? 0 : tensors->size();
    graph_.tensors.resize(count);
    problems_.assign(count, std::string());
    quant_problems_.assign(count, std::string());
    drop_quantization_.assign(count, false);
    for (size_t i = 0; i < count; ++i) read_tensor(static_cast<int>(i), tensors->Get(i));
  }

  void read_tensor(int index, const fb::Tensor* src) {
    Tensor& t = graph_.tensors[index];
    std::string& problem = problems_[index];
    if (src->name() != nullptr) t.name = src->name()->str();
    t.shape = int_vector(src->shape());

    int64_t elements = 1;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (t.shape[d] < 0) {
        problem = "dimension " + std::to_string(d) + " is " + std::to_string(t.shape[d]) +
                  " (dynamic shapes are not supported)";
        break;
      }
      elements *= t.shape[d];
      if (elements > kMaxElements) {
        problem = "more than " + std::to_string(kMaxElements) + " elements";
        break;
      }
    }

    t.data = buffer_bytes(index, src->buffer());
    read_quantization(t, src->quantization(), problem, quant_problems_[index]);
    if (src->sparsity() != nullptr && problem.empty()) problem = "sparse tensors are not supported";
    if (src->is_variable()) {
      t.is_state = true;  // allowed only where an op keeps state (read_operands)
      if (t.is_constant() && problem.empty()) {
        problem = "a variable (stateful) tensor with constant data is not supported";
      }
    }

    const int8_t type = src->type();
    if (map_tensor_type(type, &t.type)) {
      const uint64_t expected = static_cast<uint64_t>(elements) * element_size(t.type);
      if (problem.empty() && t.is_constant() && t.data.size() != expected) {
        problem = "constant data has " + std::to_string(t.data.size()) + " bytes, but " +
                  tflite_type_name(type) + " " + shape_string(t.shape) + " needs " +
                  std::to_string(expected);
      }
      return;
    }
    if (type == fb::TensorType_INT64 && t.is_constant()) {
      if (problem.empty()) narrow_int64_constant(t, elements, problem);
      return;
    }
    if (problem.empty()) {
      problem = "type " + tflite_type_name(type) +
                " is not supported (supported: INT8, UINT8, INT16, INT32, FLOAT32; INT64 only "
                "as a constant)";
    }
    t.type = kTensorTypeInt8;  // a placeholder: the tensor cannot be used
    t.data.clear();
  }

  // Constant shape/axis/padding operands are sometimes INT64; they become INT32.
  static void narrow_int64_constant(Tensor& t, int64_t elements, std::string& problem) {
    if (t.data.size() != static_cast<uint64_t>(elements) * 8) {
      problem = "constant data has " + std::to_string(t.data.size()) + " bytes, but INT64 " +
                shape_string(t.shape) + " needs " + std::to_string(elements * 8);
      return;
    }
    std::vector<uint8_t> narrowed(static_cast<size_t>(elements) * 4);
    for (int64_t e = 0; e < elements; ++e) {
      uint64_t u = 0;
      for (int b = 7; b >= 0; --b) u = (u << 8) | t.data[e * 8 + b];
      const int64_t v = static_cast<int64_t>(u);
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        problem = "INT64 constant value " + std::to_string(v) + " at element " +
                  std::to_string(e) + " does not fit in INT32";
        return;
      }
      const uint32_t n = static_cast<uint32_t>(static_cast<int32_t>(v));
      for (int b = 0; b < 4; ++b) narrowed[e * 4 + b] = static_cast<uint8_t>(n >> (8 * b));
    }
    t.type = kTensorTypeInt32;
    t.data = std::move(narrowed);
  }

  // The bytes of buffer `buffer_index`: inline data, or for files over 2 GB a range of the
  // file past the flatbuffer. An empty buffer means the tensor is not a constant.
  std::vector<uint8_t> buffer_bytes(int tensor, uint32_t buffer_index) const {
    const auto* buffers = model_->buffers();
    const size_t count = buffers == nullptr ? 0 : buffers->size();
    if (buffer_index == 0 && count == 0) return {};
    if (buffer_index >= count) {
      fail(graph_.tensor_context(tensor) + ": buffer " + std::to_string(buffer_index) +
           " is out of range (the model has " + std::to_string(count) + " buffers)");
    }
    const fb::Buffer* buffer = buffers->Get(buffer_index);
    if (buffer->data() != nullptr && buffer->data()->size() > 0) {
      return std::vector<uint8_t>(buffer->data()->begin(), buffer->data()->end());
    }
    const uint64_t offset = buffer->offset();
    const uint64_t size = buffer->size();
    if (offset > 1 && size > 0) {
      if (offset > bytes_.size() || size > bytes_.size() - offset) {
        fail(graph_.tensor_context(tensor) + ": buffer " + std::to_string(buffer_index) +
             " points at bytes [" + std::to_string(offset) + ", " +
             std::to_string(offset + size) + ") past the end of the file (" +
             std::to_string(bytes_.size()) + " bytes)");
      }
      return std::vector<uint8_t>(bytes_.begin() + static_cast<ptrdiff_t>(offset),
                                  bytes_.begin() + static_cast<ptrdiff_t>(offset + size));
    }
    return {};
  }

  // Reads a tensor's quantization. Counts that disagree (some scales, a different non-zero number
  // of zero points) are a problem wherever the tensor is used: TFLM's allocator would read past
  // the shorter vector. Everything else that makes the quantization unusable (per-channel axis
  // outside the rank or not matching its dimension, scales without zero points, a scale that is
  // not finite and positive) goes to `quant_problem`: it matters only where an op reads the
  // quantization, which TFLM never does for a bias or a shape operand (quant_ignored_slot).
  static void read_quantization(Tensor& t, const fb::QuantizationParameters* q,
                                std::string& problem, std::string& quant_problem) {
    if (q == nullptr) return;
    if (q->details_type() != fb::QuantizationDetails_NONE) {
      if (problem.empty()) problem = "custom quantization is not supported";
      return;
    }
    const auto* scales = q->scale();
    if (scales == nullptr || scales->size() == 0) return;  // not quantized
    const auto* zero_points = q->zero_point();
    const size_t zp_count = zero_points == nullptr ? 0 : zero_points->size();
    const std::string counts = "quantization has " + std::to_string(scales->size()) +
                               " scales but " + std::to_string(zp_count) + " zero points";
    if (zp_count != scales->size()) {
      // TFLM takes a tensor with scales and no zero points as not quantized.
      std::string& where = zp_count == 0 ? quant_problem : problem;
      if (where.empty()) where = counts;
      return;
    }
    t.quant.scales.assign(scales->begin(), scales->end());
    // The verifier checks vectors only for 4-byte alignment, so 8-byte elements are copied
    // byte-wise rather than loaded in place.
    t.quant.zero_points.resize(zp_count);
    std::memcpy(t.quant.zero_points.data(), zero_points->Data(), zp_count * sizeof(int64_t));
    t.quant.axis = q->quantized_dimension();
    if (!quant_problem.empty()) return;
    for (size_t c = 0; c < t.quant.scales.size(); ++c) {
      const float scale = t.quant.scales[c];
      if (!(scale > 0.0f) || !std::isfinite(scale)) {
        quant_problem = "scale " + std::to_string(scale) + " is not finite and positive";
        return;
      }
      const int64_t zp = t.quant.zero_points[c];
      if (zp < std::numeric_limits<int32_t>::min() || zp > std::numeric_limits<int32_t>::max()) {
        quant_problem = "zero point " + std::to_string(zp) + " is out of range for its type";
        return;
      }
    }
    if (t.quant.per_channel()) {
      const int32_t axis = t.quant.axis;
      if (axis < 0 || static_cast<size_t>(axis) >= t.shape.size()) {
        quant_problem = "per-channel quantization on axis " + std::to_string(axis) +
                        " is outside the tensor's rank " + std::to_string(t.shape.size());
      } else if (static_cast<size_t>(t.shape[axis]) != t.quant.scales.size()) {
        quant_problem = "per-channel quantization has " + std::to_string(t.quant.scales.size()) +
                        " scales for dimension " + std::to_string(axis) + " of size " +
                        std::to_string(t.shape[axis]);
      }
    }
  }

  void read_ops(const fb::SubGraph* subgraph) {
    const auto* ops = subgraph->operators();
    const size_t count = ops == nullptr ? 0 : ops->size();
    const auto* codes = model_->operator_codes();
    const size_t code_count = codes == nullptr ? 0 : codes->size();
    for (size_t i = 0; i < count; ++i) {
      const fb::Operator* src = ops->Get(i);
      if (src->opcode_index() >= code_count) {
        fail("op " + std::to_string(i) + ": operator code index " +
             std::to_string(src->opcode_index()) + " is out of range (the model has " +
             std::to_string(code_count) + " operator codes)");
      }
      const fb::OperatorCode* code = codes->Get(src->opcode_index());
      // Old files carry only the byte; codes >= 127 only the int32.
      const int32_t builtin = std::max<int32_t>(code->deprecated_builtin_code(),
                                                static_cast<int32_t>(code->builtin_code()));

      graph_.ops.emplace_back();
      Op& op = graph_.ops.back();
      std::string custom;
      if (builtin == fb::BuiltinOperator_CUSTOM) {
        custom = code->custom_code() != nullptr ? code->custom_code()->str() : std::string();
        op.source_name = custom.empty() ? "CUSTOM" : custom;
      } else {
        op.source_name = builtin_name(builtin);
      }

      const SupportedOp* supported = nullptr;
      for (const SupportedOp& s : kSupportedOps) {
        if (s.builtin == builtin) supported = &s;
      }
      if (supported == nullptr) {
        fail_op(i, std::string(builtin == fb::BuiltinOperator_CUSTOM ? "custom operator "
                                                                     : "operator ") +
                       op.source_name + " is not supported (supported: " +
                       supported_op_list() + ")");
      }
      op.opcode = supported->opcode;
      op.inputs = read_operands(i, src->inputs(), "input", builtin);
      op.outputs = read_operands(i, src->outputs(), "output", -1);
      tflite_import::read_options(graph_, i, static_cast<fb::BuiltinOperator>(builtin), src, op.options);
      if (builtin == fb::BuiltinOperator_TRANSPOSE_CONV) reorder_transpose_conv(i, op);
    }
  }

  // Operands of `builtin` whose quantization TFLM's kernels never read: the bias of the
  // convolutions and FULLY_CONNECTED (per-channel bias scales are taken by count, never indexed
  // by quantized_dimension) and int32 shape/axis/padding operands.
  static bool quant_ignored_slot(int32_t builtin, size_t k) {
    switch (builtin) {
      case fb::BuiltinOperator_CONV_2D:
      case fb::BuiltinOperator_DEPTHWISE_CONV_2D:
      case fb::BuiltinOperator_FULLY_CONNECTED: return k == 2;
      case fb::BuiltinOperator_RESHAPE:
      case fb::BuiltinOperator_MEAN:
      case fb::BuiltinOperator_PAD:
      case fb::BuiltinOperator_PADV2:
      case fb::BuiltinOperator_TRANSPOSE: return k == 1;
      case fb::BuiltinOperator_STRIDED_SLICE: return k >= 1;
      case fb::BuiltinOperator_TRANSPOSE_CONV: return k == 0 || k == 3;  // output_shape, bias
      case fb::BuiltinOperator_SVDF: return k == 3;  // TFLM checks its scale only (svdf.h)
      // The gate biases: TFLM's LSTM builds its FC params without them (bias check skipped).
      case fb::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM: return k >= 12 && k <= 15;
      default: return false;
    }
  }

  // TFLite's TRANSPOSE_CONV inputs are (output_shape, filter, input[, bias]); the Graph keeps
  // the convolutions' order (input, filter, bias or -1). output_shape is dropped: TFLM's kernel
  // takes the shape from the output tensor and never reads it.
  void reorder_transpose_conv(size_t op, Op& o) const {
    if (o.inputs.size() != 3 && o.inputs.size() != 4) {
      fail_op(op, "expects 3 or 4 inputs (output_shape, filter, input, bias), has " +
                      std::to_string(o.inputs.size()));
    }
    const int bias = o.inputs.size() == 4 ? o.inputs[3] : -1;
    o.inputs = {o.inputs[2], o.inputs[1], bias};
  }

  // Op inputs (`builtin` >= 0; -1 marks an absent optional input) or outputs (`builtin` -1).
  std::vector<int> read_operands(size_t op, const flatbuffers::Vector<int32_t>* src,
                                 const char* kind, int32_t builtin) {
    const bool optional = builtin >= 0;
    std::vector<int> out;
    if (src == nullptr) return out;
    for (size_t k = 0; k < src->size(); ++k) {
      const int32_t index = src->Get(k);
      if (index < 0 && optional) {
        out.push_back(-1);
        continue;
      }
      if (index < 0 || static_cast<size_t>(index) >= graph_.tensors.size()) {
        fail_op(op, std::string(kind) + " " + std::to_string(k) + " refers to tensor " +
                        std::to_string(index) + ", but the subgraph has " +
                        std::to_string(graph_.tensors.size()) + " tensors");
      }
      if (!problems_[index].empty()) {
        fail_op(op, graph_.tensor_context(index) + ": " + problems_[index]);
      }
      if (graph_.tensors[index].is_state && !(builtin == fb::BuiltinOperator_SVDF && k == 4) &&
          !(builtin == fb::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM && (k == 18 || k == 19))) {
        fail_op(op, graph_.tensor_context(index) + ": variable (stateful) tensors are supported "
                    "only as SVDF's state (input 4) and UNIDIRECTIONAL_SEQUENCE_LSTM's output "
                    "and cell states (inputs 18 and 19)");
      }
      if (!quant_problems_[index].empty()) {
        if (!optional || !quant_ignored_slot(builtin, k)) {
          fail_op(op, graph_.tensor_context(index) + ": " + quant_problems_[index]);
        }
        accept_unread_quantization(op, index);
      }
      out.push_back(index);
    }
    return out;
  }

  // A quantization no kernel reads is dropped (after every use is known), as long as its counts
  // could not mislead a reader: one scale, or one per element, and as many zero points or none.
  void accept_unread_quantization(size_t op, int index) {
    const Tensor& t = graph_.tensors[index];
    const size_t scales = t.quant.scales.size();
    if (scales > 1 && static_cast<int64_t>(scales) != t.element_count()) {
      fail_op(op, graph_.tensor_context(index) + ": " + quant_problems_[index] + ", and its " +
                      std::to_string(scales) + " scales do not match its " +
                      std::to_string(t.element_count()) + " channels");
    }
    drop_quantization_[index] = true;
  }

  void drop_unread_quantization() {
    for (size_t t = 0; t < graph_.tensors.size(); ++t) {
      if (!drop_quantization_[t]) continue;
      graph_.notes.push_back(graph_.tensor_context(static_cast<int>(t)) + ": " +
                             quant_problems_[t] +
                             "; its quantization is not used (as in TFLM) and was dropped");
      graph_.tensors[t].quant = Quantization{};
    }
  }

  std::vector<int> read_interface(const flatbuffers::Vector<int32_t>* src, const char* kind) {
    std::vector<int> out;
    if (src == nullptr) return out;
    for (size_t k = 0; k < src->size(); ++k) {
      const int32_t index = src->Get(k);
      const std::string where = std::string("graph ") + kind + " " + std::to_string(k);
      if (index < 0 || static_cast<size_t>(index) >= graph_.tensors.size()) {
        fail(where + " refers to tensor " + std::to_string(index) + ", but the subgraph has " +
             std::to_string(graph_.tensors.size()) + " tensors");
      }
      if (!problems_[index].empty()) {
        fail(where + ": " + graph_.tensor_context(index) + ": " + problems_[index]);
      }
      if (!quant_problems_[index].empty()) {
        fail(where + ": " + graph_.tensor_context(index) + ": " + quant_problems_[index]);
      }
      if (graph_.tensors[index].is_state) {
        fail(where + ": " + graph_.tensor_context(index) + ": is a variable (stateful) tensor");
      }
      out.push_back(index);
    }
    return out;
  }

  const std::vector<uint8_t>& bytes_;
  std::string source_;
  const fb::Model* model_ = nullptr;
  Graph graph_;
  std::vector<std::string> problems_;  // per tensor: why it cannot be used, or empty
  std::vector<std::string> quant_problems_;  // per tensor: why its quantization cannot be read
  std::vector<bool> drop_quantization_;      // used only where quantization is not read
};

}  // namespace

Graph tflite_read(const std::vector<uint8_t>& bytes, const std::string& source_name) {
  return Importer(bytes, source_name).run();
}

Graph tflite_read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConvertError(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
  if (in.bad()) throw ConvertError(path + ": read failed: " + std::strerror(errno));
  return tflite_read(bytes, path);
}

}  // namespace tmf::host
