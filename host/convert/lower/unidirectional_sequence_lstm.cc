// UNIDIRECTIONAL_SEQUENCE_LSTM lowering (TFLM's unidirectional_sequence_lstm Prepare for int8
// activations): the gate FCs requantize to Q3.12 (scale 2^-12) with multipliers from
// double(s_x) · double(s_W) / 2^-12 as TFLM's CalculateOpDataFullyConnected; the element-wise
// products from double products of 2^-15 and the state scales (CreateInterGateMulParams); the
// cell state scale must be a power of two (its exponent scales the tanh, CheckedLog2); the
// clip is quantized as CreateLstmCellStateInfo does. The eight weight matrices are stacked and
// the zero points folded into the biases. The intermediate tensors TFLite's converter records
// (the gates' quantization) are not read: TFLM's kernel uses the fixed Q3.12/Q0.15 scales.
#include "device/runtime/kernels/unidirectional_sequence_lstm.h"

#include <cmath>
#include <cstring>

#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"

namespace tmf::host {
namespace {

constexpr size_t kLstmInputs = 24;
constexpr size_t kHiddenState = 18, kCellState = 19;

int32_t int32_at(const Tensor& t, int64_t i) {
  int32_t v;
  std::memcpy(&v, t.data.data() + i * 4, 4);
  return v;
}

int32_t wrap_int32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

}  // namespace

LoweredOp lower_unidirectional_sequence_lstm(LoweringContext& ctx) {
  if (ctx.input_count() != kLstmInputs) {
    ctx.fail("expects 24 inputs (TFLite's LSTM operand list), has " +
             std::to_string(ctx.input_count()));
  }
  require_operands(ctx, 1, kLstmInputs);
  const char* int16 = "int16 activations (16x8 quantization) are not supported: "
                      "UNIDIRECTIONAL_SEQUENCE_LSTM runs int8 activations only";
  if (ctx.input(0).type == kTensorTypeInt16) ctx.fail_input(0, int16);
  if (ctx.output(0).type == kTensorTypeInt16) ctx.fail_output(0, int16);
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  const OpOptions& o = ctx.op().options;
  // What TFLM's kernel has none of (its LstmTensors checks refuse them too).
  for (size_t i = 9; i <= 11; ++i) {
    if (ctx.has_input(i)) ctx.fail_input(i, "peephole (cell-to-gate) weights are not supported");
  }
  for (size_t i = 16; i <= 17; ++i) {
    if (ctx.has_input(i)) ctx.fail_input(i, "projection is not supported");
  }
  for (size_t i = 20; i <= 23; ++i) {
    if (ctx.has_input(i)) ctx.fail_input(i, "layer normalization is not supported");
  }
  for (size_t i : {size_t{1}, size_t{5}, size_t{12}}) {
    if (!ctx.has_input(i)) {
      ctx.fail("input " + std::to_string(i) + " is absent: CIFG (coupled input and forget gates) "
               "is not supported");
    }
  }
  for (size_t i = 1; i <= 8; ++i) {
    if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " (a gate's weights) is absent");
  }
  for (size_t i = 12; i <= 15; ++i) {
    if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " (a gate's bias) is absent");
  }
  if (!ctx.has_input(kHiddenState) || !ctx.has_input(kCellState)) {
    ctx.fail("the output state (input 18) and cell state (input 19) are required");
  }
  if (o.diagonal_recurrent) ctx.fail("diagonal_recurrent_tensors is not supported");
  if (o.activation != Activation::kTanh) {
    ctx.fail("the cell gate's activation must be TANH (fused_activation_function; TFLM's integer "
             "LSTM applies TANH or a sigmoid, and a .tflite file can name only TANH)");
  }
  require_input_rank(ctx, 0, 3);
  require_output_rank(ctx, 0, 3);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (in.is_constant() || in.is_state) ctx.fail_input(0, "must be an activation");
  const int32_t batches = o.time_major ? in.shape[1] : in.shape[0];
  const int32_t input_size = in.shape[2];
  const int32_t cells = ctx.input(2).shape.empty() ? 0 : ctx.input(2).shape[0];
  if (cells < 1 || input_size < 1 || batches < 1) ctx.fail("an empty LSTM (no cells, inputs or batches)");
  for (size_t i = 1; i <= 8; ++i) {
    ctx.require_constant_input(i);
    const Tensor& w = ctx.input(i);
    const std::vector<int32_t> want{cells, i <= 4 ? input_size : cells};
    if (w.shape != want) {
      ctx.fail_input(i, "shape " + shape_string(w.shape) + " is not " + shape_string(want));
    }
    if (w.type != kTensorTypeInt8 || !w.quant.per_tensor()) {
      ctx.fail_input(i, "weights must be int8 with per-tensor quantization");
    }
    if (w.quant.zero_points[0] != 0) ctx.fail_input(i, "weights must be symmetric (zero point 0)");
  }
  for (size_t i = 12; i <= 15; ++i) {
    ctx.require_constant_input(i);
    const Tensor& b = ctx.input(i);
    if (b.type != kTensorTypeInt32 || b.element_count() != cells) {
      ctx.fail_input(i, "bias must be int32 with one value per cell (" + std::to_string(cells) + ")");
    }
  }
  const Tensor& hidden = ctx.input(kHiddenState);
  const Tensor& cell = ctx.input(kCellState);
  const int64_t state_values = static_cast<int64_t>(batches) * cells;
  if (!hidden.is_state || hidden.type != kTensorTypeInt8 || !hidden.quant.per_tensor()) {
    ctx.fail_input(kHiddenState, "the output state must be a variable int8 tensor with "
                                 "per-tensor quantization");
  }
  if (hidden.element_count() != state_values) {
    ctx.fail_input(kHiddenState, "holds " + std::to_string(hidden.element_count()) +
                                     " values, not batches x cells = " + std::to_string(state_values));
  }
  if (!cell.is_state || cell.type != kTensorTypeInt16 || !cell.quant.per_tensor() ||
      cell.quant.zero_points[0] != 0) {
    ctx.fail_input(kCellState, "the cell state must be a variable int16 tensor with per-tensor "
                               "quantization and zero point 0");
  }
  if (cell.element_count() != state_values) {
    ctx.fail_input(kCellState, "holds " + std::to_string(cell.element_count()) +
                                   " values, not batches x cells = " + std::to_string(state_values));
  }
  int exponent = 0;
  const float s_cell = cell.quant.scales[0];
  if (std::frexp(s_cell, &exponent) != 0.5f || exponent - 1 < -30 || exponent - 1 > 2) {
    ctx.fail_input(kCellState, "scale " + std::to_string(s_cell) + " is not a power of two "
                               "between 2^-30 and 2^2 (TFLM's integer tanh needs one)");
  }
  const int32_t cell_power = exponent - 1;
  if (out.shape != std::vector<int32_t>{in.shape[0], in.shape[1], cells}) {
    ctx.fail_output(0, "shape " + shape_string(out.shape) + " is not [" +
                           std::to_string(in.shape[0]) + ", " + std::to_string(in.shape[1]) +
                           ", " + std::to_string(cells) + "]");
  }

  UnidirectionalSequenceLstmParams p{};
  p.time_major = o.time_major ? 1 : 0;
  const double gate_scale = 1.0 / 4096.0;  // Q3.12
  const double s_in = static_cast<double>(in.quant.scales[0]);
  const double s_hidden = static_cast<double>(hidden.quant.scales[0]);
  const int64_t z_in = in.quant.zero_points[0], z_hidden = hidden.quant.zero_points[0];
  // TFLite's operand order is (input, forget, cell, output) for both weight sets and biases.
  Tensor w_all, r_all, bias_all;
  w_all.name = ctx.input(1).name + "/lstm_input_weights";
  r_all.name = ctx.input(5).name + "/lstm_recurrent_weights";
  bias_all.name = ctx.input(12).name + "/lstm_folded_bias";
  w_all.type = r_all.type = kTensorTypeInt8;
  bias_all.type = kTensorTypeInt32;
  w_all.shape = {kLstmGateCount * cells, input_size};
  r_all.shape = {kLstmGateCount * cells, cells};
  bias_all.shape = {2 * kLstmGateCount * cells};
  std::vector<int32_t> folded(static_cast<size_t>(2 * kLstmGateCount * cells));
  for (int g = 0; g < kLstmGateCount; ++g) {
    const Tensor& w = ctx.input(1 + g);
    const Tensor& r = ctx.input(5 + g);
    const Tensor& b = ctx.input(12 + g);
    const QuantizedMultiplier qw =
        quantize_multiplier(s_in * static_cast<double>(w.quant.scales[0]) / gate_scale);
    const QuantizedMultiplier qr =
        quantize_multiplier(s_hidden * static_cast<double>(r.quant.scales[0]) / gate_scale);
    p.gate_multiplier[g] = qw.multiplier;
    p.gate_shift[g] = qw.shift;
    p.gate_multiplier[kLstmGateCount + g] = qr.multiplier;
    p.gate_shift[kLstmGateCount + g] = qr.shift;
    w_all.data.insert(w_all.data.end(), w.data.begin(), w.data.end());
    r_all.data.insert(r_all.data.end(), r.data.begin(), r.data.end());
    for (int32_t j = 0; j < cells; ++j) {
      int64_t sum_w = 0, sum_r = 0;
      for (int32_t i = 0; i < input_size; ++i) {
        sum_w += static_cast<int8_t>(w.data[static_cast<size_t>(j) * input_size + i]);
      }
      for (int32_t i = 0; i < cells; ++i) {
        sum_r += static_cast<int8_t>(r.data[static_cast<size_t>(j) * cells + i]);
      }
      // TFLM adds (x - z) products; modulo 2^32 the folded sum is the same.
      folded[static_cast<size_t>(g * cells + j)] = wrap_int32(int32_at(b, j) - z_in * sum_w);
      folded[static_cast<size_t>((kLstmGateCount + g) * cells + j)] = wrap_int32(-z_hidden * sum_r);
    }
  }
  bias_all.data.resize(folded.size() * 4);
  std::memcpy(bias_all.data.data(), folded.data(), bias_all.data.size());

  const double q15 = 1.0 / 32768.0;
  const QuantizedMultiplier forget_cell =
      quantize_multiplier(q15 * static_cast<double>(s_cell) / static_cast<double>(s_cell));
  const QuantizedMultiplier input_cell = quantize_multiplier(q15 * q15 / static_cast<double>(s_cell));
  const QuantizedMultiplier to_hidden = quantize_multiplier(q15 * q15 / s_hidden);
  p.forget_cell_multiplier = forget_cell.multiplier;
  p.forget_cell_shift = forget_cell.shift;
  p.input_cell_multiplier = input_cell.multiplier;
  p.input_cell_shift = input_cell.shift;
  p.hidden_multiplier = to_hidden.multiplier;
  p.hidden_shift = to_hidden.shift;
  p.hidden_zero_point = static_cast<int32_t>(z_hidden);
  p.cell_scale_power = cell_power;
  p.cell_clip_enabled = o.cell_clip > 0.0f ? 1 : 0;
  if (p.cell_clip_enabled) {
    // static_cast<int16_t> of the clamped double truncates, as TFLM's does.
    const double q = std::min(std::max(static_cast<double>(o.cell_clip) / static_cast<double>(s_cell),
                                       -32768.0), 32767.0);
    p.cell_clip = static_cast<int16_t>(q);
    if (p.cell_clip < 0) p.cell_clip = 0;
  }

  LoweredOp l = ctx.lowered(kOpUnidirectionalSequenceLstm, p);
  l.inputs = {ctx.op().inputs[0], ctx.add_constant(std::move(w_all)),
              ctx.add_constant(std::move(r_all)), ctx.add_constant(std::move(bias_all)),
              ctx.op().inputs[kHiddenState], ctx.op().inputs[kCellState]};
  return l;
}

}  // namespace tmf::host
