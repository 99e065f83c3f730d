// UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations, int8 weights, int16 cell state (TFLM's integer
// LSTM semantics, format 1.4). No peephole, projection, layer normalization or CIFG (TFLM's
// kernel has none of them either).
//   inputs:  0 input          int8 per-tensor [time, batch, input] (time_major) or
//                             [batch, time, input]
//            1 input_weights  int8 constant [4 * cells, input]: the input, forget, cell and output
//                             gates' input-to-gate matrices stacked in that order (zero point 0)
//            2 recurrent_weights int8 constant [4 * cells, cells], the same gate order
//            3 bias           int32 constant [8 * cells]: per gate (same order) the input side's
//                             bias − input_zero_point · Σ row, then per gate the recurrent side's
//                             −hidden_zero_point · Σ row (both folded on the host)
//            4 hidden_state   int8 per-tensor *state* tensor [batch, cells] (TFLite's output_state)
//            5 cell_state     int16 *state* tensor [batch, cells], scale 2^cell_scale_power
//   output:  0 int8 [time, batch, cells] or [batch, time, cells], bytes of the hidden state
//   Per time step and batch row, for every cell j and gate g (h: the hidden state before the step):
//     pre_g = sat16(clamp16(requant(bias[g] + W_g·x, gate[g])) +
//                   clamp16(requant(bias[4+g] + R_g·h, gate[4+g])))    (Q3.12)
//     input, forget, output gates: sigmoid16(pre); cell gate: tanh16(pre) (Q0.15, TFLM's LUT
//     Logistic/Tanh on int16)
//     c = sat16(clamp16(requant(f·c, forget_cell)) + clamp16(requant(i·g, input_cell)));
//     with clipping, c = clamp(c, −cell_clip, cell_clip)
//     h_new = clamp8(requant(tanh16(c at 2^cell_scale_power) · o, hidden) + hidden_zero_point)
//   The new hidden state goes to the output row of the step and becomes the hidden state once
//   every cell of the row is done. int32 dot products wrap (TFLM's overflow is undefined).
#pragma once

#include <stdint.h>

namespace tmf {

constexpr int32_t kLstmGateCount = 4;  // input, forget, cell, output

struct UnidirectionalSequenceLstmParams {
  int32_t time_major;              // 1: [time, batch, ...]; 0: [batch, time, ...]
  int32_t gate_multiplier[8];      // QuantizeMultiplier(s_x · s_W_g / 2^-12), g = 0..3, then
  int32_t gate_shift[8];           //   (s_h · s_R_g / 2^-12) for the recurrent side
  int32_t forget_cell_multiplier;  // 2^-15 · s_cell / s_cell
  int32_t forget_cell_shift;
  int32_t input_cell_multiplier;   // 2^-15 · 2^-15 / s_cell
  int32_t input_cell_shift;
  int32_t hidden_multiplier;       // 2^-15 · 2^-15 / s_hidden
  int32_t hidden_shift;
  int32_t hidden_zero_point;       // equal to the hidden state tensor's
  int32_t cell_scale_power;        // s_cell = 2^cell_scale_power, in [-30, 2]
  int32_t cell_clip_enabled;       // 1: TFLM's cell_clip > 0
  int32_t cell_clip;               // quantized clip in [0, 32767]
};

}  // namespace tmf
