"""TFLM's int8 reference arithmetic, written from its definitions in Python integers: the oracle
the golden generators of this folder use (independent of the C++ runtime; Python's ints never
wrap, so every int32 step is checked to stay in range, as TFLM assumes without checking)."""
import math
import struct

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def f32(x):
    """x rounded to float32, as the model files store scales."""
    return struct.unpack('<f', struct.pack('<f', x))[0]


def check_i32(x):
    assert INT32_MIN <= x <= INT32_MAX, x
    return x


def round_half_away(x):
    """std::round (TfLiteRound) of a double."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_multiplier(real):
    """TFLM QuantizeMultiplier: real = q * 2^(shift - 31), q in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    assert q_fixed <= (1 << 31)
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def saturating_rounding_doubling_high_mul(a, b):
    if a == INT32_MIN and b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    n = ab + nudge
    q = abs(n) // (1 << 31)  # C++ int64 division truncates toward zero
    return q if n >= 0 else -q


def rounding_divide_by_pot(x, exponent):
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def multiply_by_quantized_multiplier(x, multiplier, shift):
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    return rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(check_i32(x * (1 << left)), multiplier), right)


def activation_range(activation, scale, zero_point):
    """TFLM CalculateActivationRangeQuantized for int8 (f / scale in float32)."""
    lo, hi = -128, 127
    def q(v):
        return zero_point + round_half_away(f32(v / scale))
    if activation == 'RELU':
        return max(lo, q(0.0)), hi
    if activation == 'RELU6':
        return max(lo, q(0.0)), min(hi, q(6.0))
    if activation == 'RELU_N1_TO_1':
        return max(lo, q(-1.0)), min(hi, q(1.0))
    return lo, hi


def padding_same_or_valid(padding, out, filt, stride):
    """TFLite ComputePaddingHeightWidth for one axis (dilation 1): the leading padding."""
    if padding == 'SAME':
        conv_out = (out + stride - 1) // stride
    else:
        conv_out = (out + stride - filt) // stride if out + stride - filt >= 0 else \
            -((filt - out - stride) // stride)  # C division truncates toward zero
    total = (conv_out - 1) * stride + filt - out
    return max(total, 0) // 2


class Lcg:
    """Deterministic values for the generated cases (Numerical Recipes LCG)."""
    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFF

    def next(self):
        self.s = (1664525 * self.s + 1013904223) & 0xFFFFFFFF
        return self.s

    def int_in(self, lo, hi):
        return lo + self.next() % (hi - lo + 1)


def c_array(ctype, name, values, per_line=16):
    body = []
    for i in range(0, len(values), per_line):
        body.append('    ' + ', '.join(str(v) for v in values[i:i + per_line]) + ',')
    return 'const %s %s[%d] = {\n%s\n};\n' % (ctype, name, len(values), '\n'.join(body))
