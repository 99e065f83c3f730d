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
#include "host/quantize/float_eval.h"
#include "host/quantize/float_eval_tensor_ops.h"
#include "host/quantize/quantize_network.h"

namespace tmf::quantize {
namespace {

using host::ConvertError;
using host::Graph;
using host::Op;
using host::Tensor;

// Checks the float graph is one this quantizer handles (float_eval.h lists the ops).
void check_float_graph(const Graph& g) {
  if (g.inputs.size() != 1 || g.outputs.size() != 1) {
    throw ConvertError(g.source + ": float import needs one graph input and one output (has " +
                       std::to_string(g.inputs.size()) + " and " + std::to_string(g.outputs.size()) + ")");
  }
  // Every activation an op reads is the graph input or an earlier op's output.
  std::vector<bool> computed(g.tensors.size(), false);
  computed[static_cast<size_t>(g.inputs[0])] = true;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    float_op_check(g, i);
    for (int t : g.ops[i].inputs) {
      if (t >= 0 && !g.tensors[t].is_constant() && !computed[static_cast<size_t>(t)]) {
        throw ConvertError(g.op_context(i) + ": " + g.tensor_context(t) + ": no op computes it before this one");
      }
    }
    computed[static_cast<size_t>(g.ops[i].outputs[0])] = true;
  }
  if (!computed[static_cast<size_t>(g.outputs[0])]) {
    throw ConvertError(g.source + ": " + g.tensor_context(g.outputs[0]) + ": the graph output is never computed");
  }
}

// Evaluates every op in float; values[t] holds tensor t's values afterwards.
void eval_all(const Graph& g, const std::vector<float>& input, std::vector<std::vector<float>>& values) {
  values.assign(g.tensors.size(), {});
  values[g.inputs[0]] = input;
  for (size_t i = 0; i < g.ops.size(); ++i) float_op_eval(g, i, values);
}

// Symmetric int8 per-channel quantization along `axis` (TFLite: scale max|w| / 127 per channel,
// zero point 0); an all-zero channel gets a tiny scale (its values are 0 either way).
Tensor quantize_filter(const Tensor& w, int axis) {
  const std::vector<float> v = float_tensor_data(w);
  const int64_t channels = w.shape[static_cast<size_t>(axis)];
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  const auto channel_of = [&](size_t i) { return static_cast<int64_t>(i / static_cast<size_t>(inner)) % channels; };
  std::vector<float> max_abs(static_cast<size_t>(channels), 0.0f);
  for (size_t i = 0; i < v.size(); ++i) {
    float& m = max_abs[static_cast<size_t>(channel_of(i))];
    m = std::max(m, std::fabs(v[i]));
  }
  Tensor q;
  q.name = w.name;
  q.type = kTensorTypeInt8;
  q.shape = w.shape;
  q.quant.axis = axis;
  for (float m : max_abs) {
    q.quant.scales.push_back(m > 0.0f ? m / 127.0f : 1e-8f);
    q.quant.zero_points.push_back(0);
  }
  q.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const float r = std::clamp(std::round(v[i] / q.quant.scales[static_cast<size_t>(channel_of(i))]), -127.0f, 127.0f);
    q.data[i] = static_cast<uint8_t>(static_cast<int8_t>(r));
  }
  return q;
}

// Per-tensor symmetric int8 weights (FULLY_CONNECTED, as TFLite's converter writes them: the
// MLPerf Tiny ad01 int8 file has per-tensor weights).
Tensor quantize_weights_per_tensor(const Tensor& w) {
  const std::vector<float> v = float_tensor_data(w);
  float max_abs = 0.0f;
  for (float x : v) max_abs = std::max(max_abs, std::fabs(x));
  Tensor q;
  q.name = w.name;
  q.type = kTensorTypeInt8;
  q.shape = w.shape;
  q.quant.scales = {max_abs > 0.0f ? max_abs / 127.0f : 1.0f};
  q.quant.zero_points = {0};
  q.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const float r = std::clamp(std::round(v[i] / q.quant.scales[0]), -127.0f, 127.0f);
    q.data[i] = static_cast<uint8_t>(static_cast<int8_t>(r));
  }
  return q;
}

// PADV2's constant_values in the output's quantization, which is its input's (TFLM's PAD copies
// bytes and requires the pad value to share the output's scale and zero point): round half away
// from zero, as every other constant; a value the int8 range cannot hold is refused, naming it.
Tensor quantize_pad_value(const Graph& g, size_t op, const Tensor& v, const host::Quantization& out) {
  float value = 0.0f;
  std::memcpy(&value, v.data.data(), sizeof(float));
  const double scale = out.scales[0];
  const double zero_point = static_cast<double>(out.zero_points[0]);
  const double q = std::round(static_cast<double>(value) / scale) + zero_point;
  if (q < -128.0 || q > 127.0) {
    throw ConvertError(g.op_context(op) + ": " + g.tensor_context(g.ops[op].inputs[2]) + ": PADV2 constant_values " +
                       std::to_string(value) + " is outside the range [" + std::to_string((-128.0 - zero_point) * scale) +
                       ", " + std::to_string((127.0 - zero_point) * scale) +
                       "] of the padded input's int8 quantization (calibrated from its values)");
  }
  Tensor t;
  t.name = v.name;
  t.type = kTensorTypeInt8;
  t.shape = v.shape;
  t.quant = out;
  t.data = {static_cast<uint8_t>(static_cast<int8_t>(q))};
  return t;
}

// int32 bias at scale input_scale * weight_scale[c] (one weight scale repeats for per-tensor).
Tensor quantize_bias(const Tensor& b, double input_scale, const host::Quantization& weights) {
  const std::vector<float> v = float_tensor_data(b);
  Tensor q;
  q.name = b.name;
  q.type = kTensorTypeInt32;
  q.shape = b.shape;
  q.data.resize(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    const double scale = input_scale * weights.scales[weights.per_channel() ? i : 0];
    q.quant.scales.push_back(static_cast<float>(scale));
    q.quant.zero_points.push_back(0);
    const double r = std::clamp(std::round(v[i] / scale), -2147483647.0, 2147483647.0);
    const int32_t x = static_cast<int32_t>(r);
    std::memcpy(q.data.data() + 4 * i, &x, 4);
  }
  if (!weights.per_channel()) {
    q.quant.scales.resize(1);
    q.quant.zero_points.resize(1);
  } else {
    q.quant.axis = 0;
  }
  return q;
}

// A constant operand of ADD, SUB or MUL: per-tensor asymmetric int8 from its own min/max (widened
// to contain 0), the rule TFLite's converter applies to constants that are not weights.
Tensor quantize_constant_operand(const Tensor& c) {
  const std::vector<float> v = float_tensor_data(c);
  float lo = 0.0f, hi = 0.0f;
  for (float x : v) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  Tensor q;
  q.name = c.name;
  q.type = kTensorTypeInt8;
  q.shape = c.shape;
  q.quant = quantization_for_range(lo, hi);
  const double scale = q.quant.scales[0];
  const double zero_point = static_cast<double>(q.quant.zero_points[0]);
  q.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double r = std::clamp(std::round(v[i] / scale) + zero_point, -128.0, 127.0);
    q.data[i] = static_cast<uint8_t>(static_cast<int8_t>(r));
  }
  return q;
}

bool same_quantization(const host::Quantization& a, const host::Quantization& b) {
  return a.scales == b.scales && a.zero_points == b.zero_points;
}

// Ops whose int8 output quantization is not free: fixed by TFLite (SOFTMAX, LOGISTIC, TANH) or
// tied to the input because TFLM's kernel copies bytes (pools, RESHAPE, PAD).
bool output_quantization_fixed_or_tied(OpCode opcode) {
  switch (opcode) {
    case kOpReshape:
    case kOpAveragePool2D:
    case kOpMaxPool2D:
    case kOpPad:
    case kOpSoftmax:
    case kOpLogistic:
    case kOpTanh: return true;
    default: return false;
  }
}

// TFLM's CONCATENATION copies bytes, so every input must carry the output's quantization (the
// TFLite converter's "same scale" rule). The output keeps its calibrated range (the union of the
// inputs'); an input computed by an op with a free output quantization, read by nothing else,
// takes it over (ops are visited last to first, so a CONCATENATION feeding another one has its
// output settled first); any other input goes through an int8 -> int8 QUANTIZE (requantization)
// inserted before the op. Returns those QUANTIZE ops per op index.
std::vector<std::vector<Op>> float_graph_unify_concatenations(const Graph& g, Graph& q) {
  std::vector<int> producer(g.tensors.size(), -1), readers(g.tensors.size(), 0);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    producer[static_cast<size_t>(g.ops[i].outputs[0])] = static_cast<int>(i);
    for (int t : g.ops[i].inputs) {
      if (t >= 0) ++readers[static_cast<size_t>(t)];
    }
  }
  std::vector<std::vector<Op>> before(g.ops.size());
  for (size_t i = g.ops.size(); i-- > 0;) {
    Op& op = q.ops[i];
    if (op.opcode != kOpConcatenation) continue;
    const host::Quantization target = q.tensors[op.outputs[0]].quant;
    for (int& t : op.inputs) {
      if (same_quantization(q.tensors[t].quant, target)) continue;
      const int p = producer[static_cast<size_t>(t)];
      if (p >= 0 && readers[static_cast<size_t>(t)] == 1 && t != g.outputs[0] &&
          !output_quantization_fixed_or_tied(g.ops[static_cast<size_t>(p)].opcode)) {
        q.tensors[t].quant = target;
        continue;
      }
      Tensor requantized = q.tensors[t];
      requantized.name += "/requantized";
      requantized.quant = target;
      Op requantize;
      requantize.opcode = kOpQuantize;
      requantize.source_name = "QUANTIZE";
      requantize.inputs = {t};
      t = static_cast<int>(q.tensors.size());
      requantize.outputs = {t};
      q.tensors.push_back(std::move(requantized));
      before[i].push_back(requantize);
    }
  }
  return before;
}

host::Quantization fixed_quantization(float scale, int64_t zero_point) {
  host::Quantization q;
  q.scales = {scale};
  q.zero_points = {zero_point};
  return q;
}

// Weights, biases and constant operands come from an untrusted file: a NaN or infinity would
// make a scale non-finite and its int8 cast undefined (found by tflite_fuzz), so it is refused.
void require_finite_constants(const Graph& graph) {
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    for (int t : graph.ops[i].inputs) {
      if (t < 0 || graph.tensors[t].type != kTensorTypeFloat32 || !graph.tensors[t].is_constant()) continue;
      const std::vector<float> v = float_tensor_data(graph.tensors[t]);
      for (size_t k = 0; k < v.size(); ++k) {
        if (!std::isfinite(v[k])) {
          throw ConvertError(graph.op_context(i) + ": " + graph.tensor_context(t) + ": element " + std::to_string(k) +
                             " is not finite (" + std::to_string(v[k]) + ")");
        }
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
  require_finite_constants(graph);
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
      if (graph.tensors[t].is_constant()) continue;
      for (float v : values[t]) {
        if (!std::isfinite(v)) throw ConvertError(graph.source + ": " + graph.tensor_context(static_cast<int>(t)) + ": a calibration value is not finite");
        lo[t] = std::min(lo[t], v);
        hi[t] = std::max(hi[t], v);
      }
    }
  }

  Graph q = graph;
  // Every float activation becomes int8 with its calibrated range, except where TFLite fixes or
  // ties the output's quantization: pools, RESHAPE and PAD keep their input's (TFLM's kernels do
  // not rescale; PAD's pad value is then the output zero point, and 0.0 is exact in every
  // calibrated range), SOFTMAX and LOGISTIC write 1/256 with zero point -128, TANH 1/128 with 0.
  for (size_t t = 0; t < q.tensors.size(); ++t) {
    Tensor& tensor = q.tensors[t];
    if (tensor.type == kTensorTypeFloat32 && !tensor.is_constant()) {
      tensor.type = kTensorTypeInt8;
      tensor.quant = quantization_for_range(lo[t], hi[t]);
    }
  }
  for (const Op& op : graph.ops) {
    host::Quantization& out = q.tensors[op.outputs[0]].quant;
    switch (op.opcode) {
      case kOpReshape:
      case kOpAveragePool2D:
      case kOpMaxPool2D:
      case kOpPad: out = q.tensors[op.inputs[0]].quant; break;
      case kOpSoftmax:
      case kOpLogistic: out = fixed_quantization(1.0f / 256.0f, -128); break;
      case kOpTanh: out = fixed_quantization(1.0f / 128.0f, 0); break;
      default: break;
    }
  }
  // The ops with quantized weights and constant operands, in the float graph's order.
  q.ops = graph.ops;
  for (size_t i = 0; i < q.ops.size(); ++i) {
    Op& out = q.ops[i];
    if (out.opcode == kOpPad && out.inputs.size() == 3 && out.inputs[2] >= 0) {
      Tensor v = quantize_pad_value(graph, i, graph.tensors[out.inputs[2]], q.tensors[out.outputs[0]].quant);
      out.inputs[2] = static_cast<int>(q.tensors.size());
      q.tensors.push_back(std::move(v));
    }
    const bool weighted = out.opcode == kOpFullyConnected || out.opcode == kOpConv2D || out.opcode == kOpDepthwiseConv2D;
    if (weighted) {
      const Tensor& w = graph.tensors[out.inputs[1]];
      // Per-channel filters on the output-channel axis (0 for CONV_2D, 3 for DEPTHWISE_CONV_2D).
      Tensor qw = out.opcode == kOpFullyConnected ? quantize_weights_per_tensor(w)
                                                  : quantize_filter(w, out.opcode == kOpConv2D ? 0 : 3);
      const host::Quantization weight_quant = qw.quant;
      const int bias = out.inputs.size() > 2 ? out.inputs[2] : -1;
      out.inputs[1] = static_cast<int>(q.tensors.size());
      q.tensors.push_back(std::move(qw));
      if (bias >= 0) {
        const double in_scale = q.tensors[out.inputs[0]].quant.scales[0];
        out.inputs[2] = static_cast<int>(q.tensors.size());
        q.tensors.push_back(quantize_bias(graph.tensors[bias], in_scale, weight_quant));
      }
    }
    if (out.opcode == kOpAdd || out.opcode == kOpSub || out.opcode == kOpMul) {
      for (int& t : out.inputs) {
        if (!graph.tensors[t].is_constant()) continue;
        Tensor c = quantize_constant_operand(graph.tensors[t]);
        t = static_cast<int>(q.tensors.size());
        q.tensors.push_back(std::move(c));
      }
    }
  }
  const std::vector<std::vector<Op>> requantize_before = float_graph_unify_concatenations(graph, q);

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
  std::vector<Op> ops = {quantize};
  for (size_t i = 0; i < q.ops.size(); ++i) {
    ops.insert(ops.end(), requantize_before[i].begin(), requantize_before[i].end());
    ops.push_back(q.ops[i]);
  }
  q.ops = std::move(ops);
  q.inputs = {in_float_index};

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
