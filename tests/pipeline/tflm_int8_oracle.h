// An integer oracle for quantized graphs of QUANTIZE, DEQUANTIZE, ADD, SUB, MUL (broadcasting),
// MEAN, PAD/PADV2 and CONCATENATION, written for the tests from TFLM's reference arithmetic (not the
// runtime's kernels, not the converter's lowering): QuantizeMultiplier (frexp, round to 31 bits),
// gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT from their definitions,
// reference_integer_ops Add/Sub (left shift 20, inputs rescaled to 2 max(s1, s2)) and Mul,
// reference_ops QuantizedMeanOrSum (1/n folded into the multiplier) and Mean (C division of the
// sum when input and output quantization are equal), Requantize, AffineQuantize (float
// division, round half away from zero) and Dequantize (double scale). It reads the op
// parameters from the quantized host graph's scales and zero points alone.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "host/convert/graph.h"

namespace tmf::host::tflm_oracle {

struct Multiplier {
  int32_t m = 0;
  int shift = 0;
};

inline Multiplier quantize_multiplier(double x) {
  if (x == 0.0) return {};
  int shift = 0;
  const double q = std::frexp(x, &shift);
  int64_t fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (fixed == (int64_t{1} << 31)) {
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) return {};
  return {static_cast<int32_t>(fixed), shift};
}

inline int32_t srdhm(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

inline int32_t multiply_by_quantized_multiplier(int32_t x, Multiplier q) {
  const int left = q.shift > 0 ? q.shift : 0, right = q.shift > 0 ? 0 : -q.shift;
  return rounding_divide_by_pot(srdhm(static_cast<int32_t>(static_cast<int64_t>(x) * (int64_t{1} << left)), q.m), right);
}

inline int32_t multiply_smaller_than_one(int32_t x, Multiplier q) {
  return rounding_divide_by_pot(srdhm(x, q.m), -q.shift);
}

inline int32_t clamp8(int64_t v, int32_t lo = -128, int32_t hi = 127) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, lo, hi));
}

// CalculateActivationRangeQuantized for int8.
inline std::array<int32_t, 2> activation_range(Activation a, float scale, int64_t zp) {
  const auto q = [&](float f) { return static_cast<int64_t>(zp) + static_cast<int64_t>(std::round(f / scale)); };
  switch (a) {
    case Activation::kRelu: return {clamp8(q(0.0f)), 127};
    case Activation::kRelu6: return {clamp8(q(0.0f)), clamp8(q(6.0f))};
    case Activation::kReluN1To1: return {clamp8(q(-1.0f)), clamp8(q(1.0f))};
    default: return {-128, 127};
  }
}

using Dims = std::array<int64_t, 4>;

inline Dims dims4(const std::vector<int32_t>& s) {
  Dims d{1, 1, 1, 1};
  for (size_t i = 0; i < s.size(); ++i) d[4 - s.size() + i] = s[i];
  return d;
}

// Runs the quantized graph on a float input; returns the float graph output.
class Oracle {
 public:
  explicit Oracle(const Graph& q) : g_(q) {}

  std::vector<float> run(const std::vector<float>& input) {
    ints_.assign(g_.tensors.size(), {});
    floats_.assign(g_.tensors.size(), {});
    floats_[static_cast<size_t>(g_.inputs[0])] = input;
    for (const Op& op : g_.ops) step(op);
    return floats_[static_cast<size_t>(g_.outputs[0])];
  }

  // The int8 values the oracle computed for tensor t in the last run.
  const std::vector<int32_t>& ints(int t) { return get(t); }

 private:
  const Tensor& t(int i) const { return g_.tensors[static_cast<size_t>(i)]; }
  float scale(int i) const { return t(i).quant.scales.at(0); }
  int32_t zp(int i) const { return static_cast<int32_t>(t(i).quant.zero_points.at(0)); }

  const std::vector<int32_t>& get(int i) {
    std::vector<int32_t>& v = ints_[static_cast<size_t>(i)];
    if (v.empty() && t(i).is_constant()) {
      if (t(i).type == kTensorTypeInt8) {
        for (uint8_t b : t(i).data) v.push_back(static_cast<int8_t>(b));
      } else if (t(i).type == kTensorTypeInt32) {
        v.resize(t(i).data.size() / 4);
        std::memcpy(v.data(), t(i).data.data(), t(i).data.size());
      }
    }
    return v;
  }

  void step(const Op& op) {
    const int out = op.outputs[0];
    std::vector<int32_t> y;
    switch (op.opcode) {
      case kOpQuantize: {
        const int in = op.inputs[0];
        if (t(in).type == kTensorTypeFloat32) {
          for (float x : floats_[static_cast<size_t>(in)]) {
            y.push_back(clamp8(static_cast<int64_t>(std::round(x / scale(out))) + zp(out)));
          }
        } else {
          const Multiplier m = quantize_multiplier(static_cast<double>(scale(in)) / static_cast<double>(scale(out)));
          for (int32_t x : get(in)) y.push_back(clamp8(static_cast<int64_t>(multiply_by_quantized_multiplier(x - zp(in), m)) + zp(out)));
        }
        break;
      }
      case kOpDequantize: {
        std::vector<float>& f = floats_[static_cast<size_t>(out)];
        for (int32_t x : get(op.inputs[0])) {
          f.push_back(static_cast<float>(static_cast<double>(scale(op.inputs[0])) * (x - zp(op.inputs[0]))));
        }
        return;
      }
      case kOpAdd:
      case kOpSub:
      case kOpMul: y = binary(op); break;
      case kOpMean: y = mean(op); break;
      case kOpPad: y = pad(op); break;
      case kOpConcatenation: y = concatenation(op); break;
      default: throw std::runtime_error("oracle: op " + op.source_name + " not covered");
    }
    ints_[static_cast<size_t>(out)] = std::move(y);
  }

  std::vector<int32_t> binary(const Op& op) {
    const int a = op.inputs[0], b = op.inputs[1], out = op.outputs[0];
    const std::vector<int32_t>& x1 = get(a);
    const std::vector<int32_t>& x2 = get(b);
    const Dims da = dims4(t(a).shape), db = dims4(t(b).shape), dout = dims4(t(out).shape);
    const std::array<int32_t, 2> range = activation_range(op.options.activation, scale(out), zp(out));
    Multiplier m1, m2, mo;
    if (op.opcode == kOpMul) {
      mo = quantize_multiplier(static_cast<double>(scale(a)) * static_cast<double>(scale(b)) / static_cast<double>(scale(out)));
    } else {
      const double twice_max = 2 * static_cast<double>(std::max(scale(a), scale(b)));
      m1 = quantize_multiplier(static_cast<double>(scale(a)) / twice_max);
      m2 = quantize_multiplier(static_cast<double>(scale(b)) / twice_max);
      mo = quantize_multiplier(twice_max / ((1 << 20) * static_cast<double>(scale(out))));
    }
    const auto at = [](const Dims& d, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
      return static_cast<size_t>(((std::min(i0, d[0] - 1) * d[1] + std::min(i1, d[1] - 1)) * d[2] + std::min(i2, d[2] - 1)) * d[3] +
                                 std::min(i3, d[3] - 1));
    };
    std::vector<int32_t> y;
    for (int64_t i0 = 0; i0 < dout[0]; ++i0)
      for (int64_t i1 = 0; i1 < dout[1]; ++i1)
        for (int64_t i2 = 0; i2 < dout[2]; ++i2)
          for (int64_t i3 = 0; i3 < dout[3]; ++i3) {
            const int32_t v1 = x1[at(da, i0, i1, i2, i3)] - zp(a), v2 = x2[at(db, i0, i1, i2, i3)] - zp(b);
            int64_t r;
            if (op.opcode == kOpMul) {
              r = static_cast<int64_t>(zp(out)) + multiply_by_quantized_multiplier(v1 * v2, mo);
            } else {
              const int32_t s1 = multiply_smaller_than_one(v1 * (1 << 20), m1);
              const int32_t s2 = multiply_smaller_than_one(v2 * (1 << 20), m2);
              r = static_cast<int64_t>(multiply_smaller_than_one(op.opcode == kOpAdd ? s1 + s2 : s1 - s2, mo)) + zp(out);
            }
            y.push_back(clamp8(r, range[0], range[1]));
          }
    return y;
  }

  std::vector<int32_t> mean(const Op& op) {
    const int in = op.inputs[0], out = op.outputs[0];
    const std::vector<int32_t>& x = get(in);
    const std::vector<int32_t>& axes = get(op.inputs[1]);
    const std::vector<int32_t>& shape = t(in).shape;
    Dims din = dims4(shape), dred = din;
    int64_t n = 1;
    for (int32_t axis : axes) {
      const size_t r = static_cast<size_t>(axis < 0 ? axis + static_cast<int32_t>(shape.size()) : axis);
      const size_t d = 4 - shape.size() + r;
      if (dred[d] != 1 || din[d] == 1) {
        n *= din[d];
        dred[d] = 1;
      }
    }
    std::vector<int64_t> sums(static_cast<size_t>(dred[0] * dred[1] * dred[2] * dred[3]), 0);
    size_t k = 0;
    for (int64_t i0 = 0; i0 < din[0]; ++i0)
      for (int64_t i1 = 0; i1 < din[1]; ++i1)
        for (int64_t i2 = 0; i2 < din[2]; ++i2)
          for (int64_t i3 = 0; i3 < din[3]; ++i3) {
            const int64_t o = ((std::min(i0, dred[0] - 1) * dred[1] + std::min(i1, dred[1] - 1)) * dred[2] +
                               std::min(i2, dred[2] - 1)) * dred[3] + std::min(i3, dred[3] - 1);
            sums[static_cast<size_t>(o)] += x[k++];
          }
    std::vector<int32_t> y;
    if (scale(in) == scale(out) && zp(in) == zp(out)) {
      for (int64_t s : sums) y.push_back(clamp8(s / n));
      return y;
    }
    Multiplier m = quantize_multiplier(static_cast<double>(scale(in)) / static_cast<double>(scale(out)));
    int shift = 63 - __builtin_clzll(static_cast<uint64_t>(n));
    shift = std::min(shift, 32);
    shift = std::min(shift, 31 + m.shift);
    m.m = static_cast<int32_t>((static_cast<int64_t>(m.m) << shift) / n);
    m.shift -= shift;
    for (int64_t s : sums) {
      y.push_back(clamp8(static_cast<int64_t>(multiply_by_quantized_multiplier(static_cast<int32_t>(s - zp(in) * n), m)) + zp(out)));
    }
    return y;
  }

  std::vector<int32_t> pad(const Op& op) {
    const int in = op.inputs[0], out = op.outputs[0];
    const std::vector<int32_t>& x = get(in);
    const std::vector<int32_t>& p = get(op.inputs[1]);
    const std::vector<int32_t>& shape = t(in).shape;
    const Dims din = dims4(shape), dout = dims4(t(out).shape);
    Dims before{0, 0, 0, 0};
    for (size_t i = 0; i < shape.size(); ++i) before[4 - shape.size() + i] = p[2 * i];
    // PAD pads with the output zero point; PADV2 with its int8 constant_values as stored (TFLM
    // requires it to share the output's quantization and copies it).
    const bool v2 = op.inputs.size() > 2 && op.inputs[2] >= 0;
    const int32_t fill = v2 ? get(op.inputs[2]).at(0) : static_cast<int32_t>(zp(out));
    std::vector<int32_t> y(static_cast<size_t>(dout[0] * dout[1] * dout[2] * dout[3]), fill);
    size_t k = 0;
    for (int64_t i0 = 0; i0 < din[0]; ++i0)
      for (int64_t i1 = 0; i1 < din[1]; ++i1)
        for (int64_t i2 = 0; i2 < din[2]; ++i2)
          for (int64_t i3 = 0; i3 < din[3]; ++i3) {
            y[static_cast<size_t>((((i0 + before[0]) * dout[1] + i1 + before[1]) * dout[2] + i2 + before[2]) * dout[3] + i3 +
                                  before[3])] = x[k++];
          }
    return y;
  }

  std::vector<int32_t> concatenation(const Op& op) {
    const std::vector<int32_t>& shape = t(op.outputs[0]).shape;
    const int32_t rank = static_cast<int32_t>(shape.size());
    const int32_t axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
    int64_t outer = 1;
    for (int32_t d = 0; d < axis; ++d) outer *= shape[static_cast<size_t>(d)];
    std::vector<int32_t> y;
    for (int64_t o = 0; o < outer; ++o) {
      for (int in : op.inputs) {
        const std::vector<int32_t>& x = get(in);
        const size_t block = x.size() / static_cast<size_t>(outer);
        y.insert(y.end(), x.begin() + static_cast<ptrdiff_t>(o * block), x.begin() + static_cast<ptrdiff_t>((o + 1) * block));
      }
    }
    return y;
  }

  const Graph& g_;
  std::vector<std::vector<int32_t>> ints_;
  std::vector<std::vector<float>> floats_;
};

}  // namespace tmf::host::tflm_oracle
