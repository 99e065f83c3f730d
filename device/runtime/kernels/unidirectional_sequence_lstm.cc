// UNIDIRECTIONAL_SEQUENCE_LSTM int8 reference kernel (semantics: unidirectional_sequence_lstm.h).
// TFLM computes each gate for the whole state row through scratch buffers; every step here is
// per cell (a cell's new value needs only its own four gates), so no scratch: the new hidden
// row is written to the output row and copied to the hidden state once the row is done.
#include "unidirectional_sequence_lstm.h"

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

// sigmoid(i / 24) in unsigned Q0.16, i = 0..255: the table TFLM's int16 Logistic and Tanh
// interpolate (tensorflow/lite/kernels/internal/common.h, sigmoid_table_uint16; data, not
// derivable by one rounding rule: entries sit within 1.2 of 65536 / (1 + e^(-i/24))).
const uint16_t kSigmoidTable[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

// The argument scaling of TFLM's int16 Logistic/Tanh: x · multiplier, rounded right shift.
// A power-of-two scale (multiplier 0) becomes multiplier 3 << shift, shift 0.
inline int32_t lut_argument(int16_t x, int32_t multiplier, int32_t shift) {
  if (multiplier == 0) {
    multiplier = 3 << shift;
    shift = 0;
  }
  const int32_t round = shift > 0 ? (1 << (shift - 1)) : 0;
  return (static_cast<int32_t>(x) * multiplier + round) >> shift;
}

// TFLM's int16 Logistic, Q3.12 in, Q0.15 out (multiplier 0, shift 0).
int16_t sigmoid_q3_12(int16_t x) {
  const int32_t in = lut_argument(x, 0, 0);
  const uint32_t mag = static_cast<uint32_t>(in < 0 ? -in : in);
  const uint32_t index = mag >> 9;
  uint32_t r;
  if (index >= 255) {
    r = 0x7FFFu << 10;
  } else {
    const uint32_t a = kSigmoidTable[index], b = kSigmoidTable[index + 1];
    r = (a << 9) + (mag & 0x1FFu) * (b - a);  // b >= a: the table rises
  }
  r = in >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1;
  return static_cast<int16_t>(r >> 10);
}

// TFLM's int16 Tanh with its LSTM scaling: input at 2^scale_power, Q0.15 out.
int16_t tanh_scaled(int16_t x, int32_t scale_power) {
  int32_t shift = 15 + scale_power - 3;
  int32_t multiplier = 0;
  if (shift < 0) {
    shift = -shift;
    multiplier = 3;
  }
  const int32_t in = lut_argument(x, multiplier, shift);
  const uint32_t mag = static_cast<uint32_t>(in < 0 ? -in : in);
  const uint32_t index = mag >> 8;
  int32_t r;
  if (index >= 255) {
    r = 0xFFFF << 8;
  } else {
    const uint32_t a = kSigmoidTable[index], b = kSigmoidTable[index + 1];
    r = static_cast<int32_t>((a << 8) + (mag & 0xFFu) * (b - a));
  }
  r = in >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
  return static_cast<int16_t>(r >> 8);
}

inline int16_t saturate_i16(int32_t x) { return static_cast<int16_t>(clamp_i32(x, -32768, 32767)); }

// One FC output of a gate: requantized to Q3.12 and clamped to int16 as TFLM's int8 -> int16
// FullyConnected (output zero point 0).
inline int32_t gate_dot(const int8_t* w, const int8_t* x, int32_t n, int32_t bias,
                        int32_t multiplier, int32_t shift) {
  int32_t acc = bias;
  for (int32_t i = 0; i < n; ++i) {
    acc = wrapping_add(acc, static_cast<int32_t>(w[i]) * static_cast<int32_t>(x[i]));
  }
  return clamp_i32(multiply_by_quantized_multiplier(acc, multiplier, shift), -32768, 32767);
}

Status lstm_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 6, 6, 1);
  if (s != Status::kOk) return s;
  for (uint32_t i = 0; i < 6; ++i) {
    if (!ctx.has_input(i)) return Status::kErrBadOperandCount;
  }
  if (ctx.op->params_bytes != sizeof(UnidirectionalSequenceLstmParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<UnidirectionalSequenceLstmParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& w = ctx.input(1);
  const TensorRecord& r = ctx.input(2);
  const TensorRecord& bias = ctx.input(3);
  const TensorRecord& hidden = ctx.input(4);
  const TensorRecord& cell = ctx.input(5);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out) ||
      !tensor_is_int8_per_tensor(hidden) || w.type != kTensorTypeInt8 ||
      r.type != kTensorTypeInt8 || bias.type != kTensorTypeInt32 ||
      cell.type != kTensorTypeInt16) {
    return Status::kErrTypeMismatch;
  }
  if (w.storage != kTensorStorageConstant || r.storage != kTensorStorageConstant ||
      bias.storage != kTensorStorageConstant || hidden.storage != kTensorStorageState ||
      cell.storage != kTensorStorageState) {
    return Status::kErrShapeMismatch;
  }
  if (in.rank != 3 || out.rank != 3 || w.rank != 2 || r.rank != 2) return Status::kErrShapeMismatch;
  if (p.time_major != 0 && p.time_major != 1) return Status::kErrBadParams;
  const int32_t input_size = in.dims[2];
  const int32_t cells = r.dims[1];
  if (w.dims[0] != kLstmGateCount * cells || w.dims[1] != input_size ||
      r.dims[0] != kLstmGateCount * cells ||
      tensor_element_count(bias) != static_cast<uint32_t>(2 * kLstmGateCount * cells)) {
    return Status::kErrShapeMismatch;
  }
  const int32_t batches = p.time_major ? in.dims[1] : in.dims[0];
  if (out.dims[0] != in.dims[0] || out.dims[1] != in.dims[1] || out.dims[2] != cells ||
      tensor_element_count(hidden) != static_cast<uint32_t>(batches) * static_cast<uint32_t>(cells) ||
      tensor_element_count(cell) != static_cast<uint32_t>(batches) * static_cast<uint32_t>(cells)) {
    return Status::kErrShapeMismatch;
  }
  for (int g = 0; g < 2 * kLstmGateCount; ++g) {
    if (!quantized_multiplier_is_valid(p.gate_multiplier[g], p.gate_shift[g])) {
      return Status::kErrBadParams;
    }
  }
  if (!quantized_multiplier_is_valid(p.forget_cell_multiplier, p.forget_cell_shift) ||
      !quantized_multiplier_is_valid(p.input_cell_multiplier, p.input_cell_shift) ||
      !quantized_multiplier_is_valid(p.hidden_multiplier, p.hidden_shift) ||
      p.hidden_zero_point != hidden.zero_point || p.cell_scale_power < -30 ||
      p.cell_scale_power > 2 || (p.cell_clip_enabled != 0 && p.cell_clip_enabled != 1) ||
      p.cell_clip < 0 || p.cell_clip > 32767) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

Status lstm_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<UnidirectionalSequenceLstmParams>();
  const TensorRecord& in = ctx.input(0);
  const int32_t steps = p.time_major ? in.dims[0] : in.dims[1];
  const int32_t batches = p.time_major ? in.dims[1] : in.dims[0];
  const int32_t input_size = in.dims[2];
  const int32_t cells = ctx.input(2).dims[1];
  const int8_t* input = ctx.input_data<int8_t>(0);
  const int8_t* w = ctx.input_data<int8_t>(1);
  const int8_t* r = ctx.input_data<int8_t>(2);
  const int32_t* bias = ctx.input_data<int32_t>(3);
  // The two states are arena tensors this op owns: written in place (prepare checked them).
  int8_t* hidden_all = reinterpret_cast<int8_t*>(ctx.arena + ctx.input(4).offset);
  int16_t* cell_all = reinterpret_cast<int16_t*>(ctx.arena + ctx.input(5).offset);
  int8_t* output = ctx.output_data<int8_t>(0);

  for (int32_t b = 0; b < batches; ++b) {
    int8_t* h = hidden_all + b * cells;
    int16_t* c = cell_all + b * cells;
    for (int32_t t = 0; t < steps; ++t) {
      const int32_t row = p.time_major ? t * batches + b : b * steps + t;
      const int8_t* x = input + row * input_size;
      int8_t* y = output + row * cells;
      for (int32_t j = 0; j < cells; ++j) {
        int16_t gate[kLstmGateCount];
        for (int32_t g = 0; g < kLstmGateCount; ++g) {
          const int32_t unit = g * cells + j;
          const int32_t from_x = gate_dot(w + unit * input_size, x, input_size, bias[unit],
                                          p.gate_multiplier[g], p.gate_shift[g]);
          const int32_t from_h =
              gate_dot(r + unit * cells, h, cells, bias[kLstmGateCount * cells + unit],
                       p.gate_multiplier[kLstmGateCount + g], p.gate_shift[kLstmGateCount + g]);
          const int16_t pre = saturate_i16(from_x + from_h);
          gate[g] = g == 2 ? tanh_scaled(pre, -12) : sigmoid_q3_12(pre);
        }
        const int32_t kept = clamp_i32(
            multiply_by_quantized_multiplier(static_cast<int32_t>(gate[1]) * c[j],
                                             p.forget_cell_multiplier, p.forget_cell_shift),
            -32768, 32767);
        const int32_t added = clamp_i32(
            multiply_by_quantized_multiplier(static_cast<int32_t>(gate[0]) * gate[2],
                                             p.input_cell_multiplier, p.input_cell_shift),
            -32768, 32767);
        int16_t cell_new = saturate_i16(kept + added);
        if (p.cell_clip_enabled) {
          const int16_t clip = static_cast<int16_t>(p.cell_clip);
          cell_new = cell_new > clip ? clip : (cell_new < -clip ? static_cast<int16_t>(-clip) : cell_new);
        }
        c[j] = cell_new;
        const int32_t hidden_new = wrapping_add(
            multiply_by_quantized_multiplier(
                static_cast<int32_t>(tanh_scaled(cell_new, p.cell_scale_power)) * gate[3],
                p.hidden_multiplier, p.hidden_shift),
            p.hidden_zero_point);
        y[j] = static_cast<int8_t>(clamp_i32(hidden_new, -128, 127));
      }
      for (int32_t j = 0; j < cells; ++j) h[j] = y[j];
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelUnidirectionalSequenceLstm = {
    kOpUnidirectionalSequenceLstm, lstm_prepare, lstm_eval};

}  // namespace tmf
