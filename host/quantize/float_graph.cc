// Float32 TFLite graph -> int8 graph (see float_graph.h).
#include "host/quantize/float_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/aligned_buffer.h"
#include "host/quantize/quantize_network.h"

namespace tmf::quantize {
namespace {

using host::ConvertError;
using host::Graph;
using host::Op;
using host::Tensor;

std::vector<float> floats_of(const Tensor& t) {
  std::vector<float> v(t.data.size() / sizeof(float));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

[[noreturn]] void fail_op(const Graph& g, size_t op, const std::string& what) {
  throw ConvertError(g.op_context(op) + ": " + what);
}

float activate(host::Activation a, float v) {
  switch (a) {
    case host::Activation::kRelu: return std::max(0.0f, v);
    case host::Activation::kRelu6: return std::clamp(v, 0.0f, 6.0f);
    case host::Activation::kReluN1To1: return std::clamp(v, -1.0f, 1.0f);
    default: return v;
  }
}

// Checks the float graph is one this quantizer handles.
void check_float_graph(const Graph& g) {
  if (g.inputs.size() != 1 || g.outputs.size() != 1) {
    throw ConvertError(g.source + ": float import needs one graph input and one output (has " +
                       std::to_string(g.inputs.size()) + " and " + std::to_string(g.outputs.size()) + ")");
  }
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    if (op.opcode != kOpFullyConnected && op.opcode != kOpReshape) {
      fail_op(g, i, "float import supports FULLY_CONNECTED and RESHAPE only");
    }
    if (op.inputs.empty() || op.inputs[0] < 0 || op.outputs.size() != 1) fail_op(g, i, "unexpected operands");
    if (g.tensors[op.inputs[0]].type != kTensorTypeFloat32) fail_op(g, i, "input is not float32");
    if (op.opcode == kOpFullyConnected) {
      if (op.inputs.size() < 2 || op.inputs[1] < 0) fail_op(g, i, "expects weights");
      const Tensor& w = g.tensors[op.inputs[1]];
      if (w.type != kTensorTypeFloat32 || !w.is_constant() || w.shape.size() != 2) {
        fail_op(g, i, g.tensor_context(op.inputs[1]) + ": weights must be a constant float32 matrix");
      }
      if (g.tensors[op.inputs[0]].element_count() % w.shape[1] != 0) {
        fail_op(g, i, "input size is not a multiple of the weights' depth");
      }
      if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
        const Tensor& b = g.tensors[op.inputs[2]];
        if (b.type != kTensorTypeFloat32 || !b.is_constant() || b.element_count() != w.shape[0]) {
          fail_op(g, i, g.tensor_context(op.inputs[2]) + ": bias must be constant float32, one per unit");
        }
      }
      if (op.options.activation == host::Activation::kTanh || op.options.activation == host::Activation::kSignBit) {
        fail_op(g, i, "fused activation TANH/SIGN_BIT is not supported");
      }
    }
  }
}

// Evaluates every op in float; values[t] holds tensor t's values afterwards.
void eval_all(const Graph& g, const std::vector<float>& input, std::vector<std::vector<float>>& values) {
  values.assign(g.tensors.size(), {});
  values[g.inputs[0]] = input;
  for (const Op& op : g.ops) {
    const std::vector<float>& x = values[op.inputs[0]];
    std::vector<float>& y = values[op.outputs[0]];
    if (op.opcode == kOpReshape) {
      y = x;
      continue;
    }
    const Tensor& w = g.tensors[op.inputs[1]];
    const std::vector<float> weights = floats_of(w);
    std::vector<float> bias(static_cast<size_t>(w.shape[0]), 0.0f);
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) bias = floats_of(g.tensors[op.inputs[2]]);
    const size_t units = static_cast<size_t>(w.shape[0]), depth = static_cast<size_t>(w.shape[1]);
    const size_t rows = x.size() / depth;
    y.assign(rows * units, 0.0f);
    for (size_t r = 0; r < rows; ++r) {
      for (size_t u = 0; u < units; ++u) {
        float acc = bias[u];
        for (size_t k = 0; k < depth; ++k) acc += weights[u * depth + k] * x[r * depth + k];
        y[r * units + u] = activate(op.options.activation, acc);
      }
    }
  }
}

}  // namespace

bool float_graph_needs_calibration(const Graph& graph) {
  if (graph.inputs.empty() || graph.tensors[graph.inputs[0]].type != kTensorTypeFloat32) return false;
  for (const Op& op : graph.ops) {
    for (int t : op.inputs) {
      if (t == graph.inputs[0] && op.opcode != kOpQuantize) return true;
    }
  }
  return false;
}

std::vector<float> float_graph_eval(const Graph& graph, const std::vector<float>& input) {
  check_float_graph(graph);
  std::vector<std::vector<float>> values;
  eval_all(graph, input, values);
  return values[graph.outputs[0]];
}

Graph float_graph_quantize(const Graph& graph, const std::vector<std::vector<float>>& calibration) {
  check_float_graph(graph);
  if (calibration.empty()) throw ConvertError(graph.source + ": the calibration set is empty");
  const int64_t input_elements = graph.tensors[graph.inputs[0]].element_count();
  // Observed range of every float tensor over the calibration inputs.
  std::vector<float> lo(graph.tensors.size(), std::numeric_limits<float>::infinity());
  std::vector<float> hi(graph.tensors.size(), -std::numeric_limits<float>::infinity());
  std::vector<std::vector<float>> values;
  for (const std::vector<float>& set : calibration) {
    if (static_cast<int64_t>(set.size()) != input_elements) {
      throw ConvertError(graph.source + ": a calibration input has " + std::to_string(set.size()) +
                         " values, the graph input needs " + std::to_string(input_elements));
    }
    eval_all(graph, set, values);
    for (size_t t = 0; t < values.size(); ++t) {
      for (float v : values[t]) {
        if (!std::isfinite(v)) throw ConvertError(graph.source + ": " + graph.tensor_context(static_cast<int>(t)) + ": a calibration value is not finite");
        lo[t] = std::min(lo[t], v);
        hi[t] = std::max(hi[t], v);
      }
    }
  }

  Graph q = graph;
  q.ops.clear();
  const auto activation_quant = [&](int t) { return quantization_for_range(lo[t], hi[t]); };
  // Every float activation becomes int8 with its calibrated range; RESHAPE keeps its input's.
  for (size_t t = 0; t < q.tensors.size(); ++t) {
    Tensor& tensor = q.tensors[t];
    if (tensor.type == kTensorTypeFloat32 && !tensor.is_constant()) {
      tensor.type = kTensorTypeInt8;
      tensor.quant = activation_quant(static_cast<int>(t));
    }
  }
  for (const Op& op : graph.ops) {
    if (op.opcode == kOpReshape) q.tensors[op.outputs[0]].quant = q.tensors[op.inputs[0]].quant;
  }
  // float32 in -> QUANTIZE -> the int8 input the first op reads.
  const int float_input = graph.inputs[0];
  Tensor in_float = graph.tensors[float_input];
  in_float.name += "/float";
  const int in_float_index = static_cast<int>(q.tensors.size());
  q.tensors.push_back(in_float);
  Op quantize;
  quantize.opcode = kOpQuantize;
  quantize.source_name = "QUANTIZE";
  quantize.inputs = {in_float_index};
  quantize.outputs = {float_input};
  q.ops.push_back(quantize);
  q.inputs = {in_float_index};

  for (const Op& op : graph.ops) {
    Op out = op;
    if (op.opcode == kOpFullyConnected) {
      const Tensor& w = graph.tensors[op.inputs[1]];
      const std::vector<float> weights = floats_of(w);
      float max_abs = 0.0f;
      for (float v : weights) max_abs = std::max(max_abs, std::fabs(v));
      const float w_scale = max_abs > 0.0f ? max_abs / 127.0f : 1.0f;
      Tensor qw;
      qw.name = w.name;
      qw.type = kTensorTypeInt8;
      qw.shape = w.shape;
      qw.quant.scales = {w_scale};
      qw.quant.zero_points = {0};
      qw.data.resize(weights.size());
      for (size_t i = 0; i < weights.size(); ++i) {
        const float r = std::clamp(std::round(weights[i] / w_scale), -127.0f, 127.0f);
        qw.data[i] = static_cast<uint8_t>(static_cast<int8_t>(r));
      }
      out.inputs[1] = static_cast<int>(q.tensors.size());
      q.tensors.push_back(std::move(qw));
      if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
        const Tensor& b = graph.tensors[op.inputs[2]];
        const std::vector<float> bias = floats_of(b);
        const double in_scale = q.tensors[op.inputs[0]].quant.scales[0];
        const double bias_scale = in_scale * static_cast<double>(w_scale);
        Tensor qb;
        qb.name = b.name;
        qb.type = kTensorTypeInt32;
        qb.shape = b.shape;
        qb.quant.scales = {static_cast<float>(bias_scale)};
        qb.quant.zero_points = {0};
        qb.data.resize(bias.size() * 4);
        for (size_t i = 0; i < bias.size(); ++i) {
          const double r = std::clamp(std::round(bias[i] / bias_scale), -2147483647.0, 2147483647.0);
          const int32_t v = static_cast<int32_t>(r);
          std::memcpy(qb.data.data() + 4 * i, &v, 4);
        }
        out.inputs[2] = static_cast<int>(q.tensors.size());
        q.tensors.push_back(std::move(qb));
      }
    }
    q.ops.push_back(out);
  }
  // The int8 output -> DEQUANTIZE -> float32 out.
  const int int8_output = graph.outputs[0];
  Tensor out_float = graph.tensors[int8_output];
  out_float.name += "/float";
  out_float.quant = {};
  const int out_float_index = static_cast<int>(q.tensors.size());
  q.tensors.push_back(out_float);
  Op dequantize;
  dequantize.opcode = kOpDequantize;
  dequantize.source_name = "DEQUANTIZE";
  dequantize.inputs = {int8_output};
  dequantize.outputs = {out_float_index};
  q.ops.push_back(dequantize);
  q.outputs = {out_float_index};
  return q;
}

FloatImportError float_graph_quantization_error(const Graph& float_graph, const std::vector<uint8_t>& tmf_file,
                                                const std::vector<std::vector<float>>& calibration) {
  const host::AlignedBuffer copy(tmf_file);
  Model model{};
  if (model_validate(copy.data(), tmf_file.size(), &model, nullptr) != Status::kOk) {
    throw ConvertError(float_graph.source + ": the converted model fails validation");
  }
  std::vector<uint8_t> arena_storage(model.header->arena_bytes + 16);
  uint8_t* arena = arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it;
  if (interpreter_init(&it, &model, arena, model.header->arena_bytes) != Status::kOk) {
    throw ConvertError(float_graph.source + ": the converted model does not fit its arena");
  }
  FloatImportError e;
  e.float_min = std::numeric_limits<double>::infinity();
  e.float_max = -std::numeric_limits<double>::infinity();
  double squares = 0;
  size_t count = 0;
  for (const std::vector<float>& set : calibration) {
    const std::vector<float> expected = float_graph_eval(float_graph, set);
    const TensorRecord* t = nullptr;
    uint8_t* in = nullptr;
    if (interpreter_input(it, 0, &t, &in) != Status::kOk || t->bytes != set.size() * sizeof(float)) {
      throw ConvertError(float_graph.source + ": the converted model's input does not match");
    }
    std::memcpy(in, set.data(), t->bytes);
    if (interpreter_invoke(&it) != Status::kOk) throw ConvertError(float_graph.source + ": invoke failed");
    const uint8_t* out = nullptr;
    interpreter_output(it, 0, &t, &out);
    std::vector<float> got(t->bytes / sizeof(float));
    std::memcpy(got.data(), out, t->bytes);
    for (size_t i = 0; i < expected.size() && i < got.size(); ++i) {
      const double d = static_cast<double>(got[i]) - expected[i];
      e.max_abs_error = std::max(e.max_abs_error, std::fabs(d));
      squares += d * d;
      e.float_min = std::min(e.float_min, static_cast<double>(expected[i]));
      e.float_max = std::max(e.float_max, static_cast<double>(expected[i]));
      ++count;
    }
    ++e.sets;
  }
  e.rms_error = count > 0 ? std::sqrt(squares / static_cast<double>(count)) : 0.0;
  return e;
}

}  // namespace tmf::quantize
