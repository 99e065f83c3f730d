#!/usr/bin/env python3
"""Writes lstm_golden.h: UNIDIRECTIONAL_SEQUENCE_LSTM cases with int8 activations and weights,
int32 biases and an int16 cell state, over two invokes each (the output and cell states carry
over; both start from TFLM's ResetVariableTensors: the hidden state at its zero point, the cell
at 0). Expected outputs follow TFLM's integer LSTM (unidirectional_sequence_lstm.cc Prepare,
lstm_eval.h LstmStep), written here from its definitions in Python integers (tflm_int8.py):
  - per gate, an int8 -> int16 FullyConnected of the input (input offset -z_in, the gate bias)
    and one of the hidden state (offset -z_h, no bias), each requantized by QuantizeMultiplier(
    double(s) * double(s_w) / 2^-12) and clamped to int16, added with int16 saturation;
  - sigmoid (input, forget, output gates) and tanh (cell gate, scale power -12) by TFLM's int16
    Logistic / Tanh: the argument times 3 (<< shift), then linear interpolation in the table of
    sigmoid(i/24) in Q0.16 (SIGMOID_TABLE: TFLM's sigmoid_table_uint16, data), rounded back;
  - cell = sat16(Mul(f, cell; 2^-15 s_c / s_c) + Mul(i, g; 2^-30 / s_c)), clipped to
    +-trunc(cell_clip / s_c) when cell_clip > 0; Mul is TFLM's MulElementwise (product,
    MultiplyByQuantizedMultiplier, output offset, clamp);
  - hidden = Mul(tanh(cell at 2^p, p = log2 s_c), o; 2^-30 / s_h, + z_h), clamped to int8,
    copied to the output row;
  - time major: each step runs every batch row; batch major: batch by batch, all steps.
Run: python3 tests/device/golden/lstm_golden.py > tests/device/golden/lstm_golden.h
(--binaries DIR writes each case's first-invoke input and expected output bytes instead.)"""
import math
import sys

from tflm_int8 import golden_main, write_int8_pair
from tflm_int8 import Lcg, c_array, check_i32, f32, multiply_by_quantized_multiplier, \
    quantize_multiplier

SIGMOID_TABLE = [
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
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535]
assert len(SIGMOID_TABLE) == 256
# The table is what its name says: every entry within 1.2 of 2^16 sigmoid(i/24) (not one
# rounding rule: entries 28, 29, 33, 35 and 43 sit 1.0 to 1.11 above).
assert all(abs(v - 65536 / (1 + math.exp(-i / 24))) < 1.2 for i, v in enumerate(SIGMOID_TABLE))

Q12 = 2.0 ** -12   # the gates' pre-activation scale (Q3.12)
Q15 = 2.0 ** -15   # the gates' output scale (Q0.15)


def shr(x, n):
    """Arithmetic shift right of a C int32 (floor)."""
    return x >> n


def lut_argument(x, multiplier, shift):
    if multiplier == 0:
        multiplier, shift = 3 << shift, 0
    rnd = (1 << (shift - 1)) if shift > 0 else 0
    return shr(check_i32(x * multiplier + rnd), shift)


def sigmoid16(x):
    """TFLM reference_integer_ops::Logistic(0, 0, ...) on one int16."""
    v = lut_argument(x, 0, 0)
    a = abs(v)
    uh = a >> 9
    if uh >= 255:
        r = 0x7FFF << 10
    else:
        ua, ub = SIGMOID_TABLE[uh], SIGMOID_TABLE[uh + 1]
        r = (ua << 9) + (a & 0x1FF) * (ub - ua)
    r = r + (1 << 9) if v >= 0 else (1 << 25) - r + (1 << 9) - 1
    assert 0 <= r < (1 << 32)
    return r >> 10


def tanh16(x, scale_power):
    """TFLM's LSTM Tanh(cell_state_scale_power): reference_integer_ops::Tanh on one int16."""
    shift = 15 + scale_power - 3
    multiplier = 0
    if shift < 0:
        shift, multiplier = -shift, 3
    v = lut_argument(x, multiplier, shift)
    a = abs(v)
    uh = a >> 8
    if uh >= 255:
        r = 0xFFFF << 8
    else:
        ua, ub = SIGMOID_TABLE[uh], SIGMOID_TABLE[uh + 1]
        r = (ua << 8) + (a & 0xFF) * (ub - ua)
    r = r - (1 << 23) + (1 << 7) if v >= 0 else -r + (1 << 23) + (1 << 7) - 1
    return shr(check_i32(r), 8)


def clamp(x, lo, hi):
    return min(max(x, lo), hi)


def fc_int16(x, zp, weights, rows, depth, bias, mult):
    """TFLM int8 -> int16 FullyConnected of one row x: output zero point 0, int16 clamp."""
    out = []
    for j in range(rows):
        acc = 0
        for d in range(depth):
            acc = check_i32(acc + weights[j * depth + d] * (x[d] - zp))
        if bias is not None:
            acc = check_i32(acc + bias[j])
        out.append(clamp(multiply_by_quantized_multiplier(acc, *mult), -32768, 32767))
    return out


def mul(a, b, mult, offset, lo, hi):
    """TFLM MulElementwise (input offsets 0)."""
    return clamp(offset + multiply_by_quantized_multiplier(check_i32(a * b), *mult), lo, hi)


def params(case):
    """The multipliers TFLM's Prepare computes (scales are float32 in the file)."""
    s_in, s_h, s_c = case['in_scale'], case['hidden_scale'], case['cell_scale']
    gates = [quantize_multiplier(s_in * case['w_scale'][g] / Q12) for g in range(4)]
    gates += [quantize_multiplier(s_h * case['r_scale'][g] / Q12) for g in range(4)]
    forget_cell = quantize_multiplier(Q15 * s_c / s_c)
    input_cell = quantize_multiplier(Q15 * Q15 / s_c)
    hidden = quantize_multiplier(Q15 * Q15 / s_h)
    m, e = math.frexp(s_c)
    assert m == 0.5, 'the cell scale must be a power of two'
    clip = None
    if case['cell_clip'] > 0:
        clip = int(clamp(case['cell_clip'] / s_c, -32768.0, 32767.0))  # truncation, as int16_t()
    return gates, forget_cell, input_cell, hidden, e - 1, clip


def lstm(case):
    """Every invoke's output, the states carried over."""
    T, B, I, S = case['time'], case['batch'], case['input'], case['cells']
    gates, forget_cell, input_cell, hidden_m, power, clip = params(case)
    hidden = [case['hidden_zp']] * (B * S)
    cell = [0] * (B * S)
    outputs = []

    def step(rows, x_rows):
        """One LstmStep on the batch rows `rows` (TFLM's step shape), x_rows their inputs."""
        gate_out = []
        for g in range(4):
            out = []
            for k, b in enumerate(rows):
                h = hidden[b * S:(b + 1) * S]
                a = fc_int16(x_rows[k], case['in_zp'], case['w'][g], S, I, case['bias'][g], gates[g])
                r = fc_int16(h, case['hidden_zp'], case['r'][g], S, S, None, gates[4 + g])
                pre = [clamp(u + v, -32768, 32767) for u, v in zip(a, r)]
                out.append([tanh16(v, -12) if g == 2 else sigmoid16(v) for v in pre])
            gate_out.append(out)
        # TFLM computes the output gate after the cell update; it reads only x and h, so its
        # value is the same here.
        result = []
        for k, b in enumerate(rows):
            i_g, f_g, c_g, o_g = (gate_out[g][k] for g in range(4))
            for j in range(S):
                c = cell[b * S + j]
                c = mul(f_g[j], c, forget_cell, 0, -32768, 32767)
                c = clamp(c + mul(i_g[j], c_g[j], input_cell, 0, -32768, 32767), -32768, 32767)
                if clip is not None:
                    c = clamp(c, -clip, clip)
                cell[b * S + j] = c
            new_h = [mul(tanh16(cell[b * S + j], power), o_g[j], hidden_m, case['hidden_zp'],
                         -128, 127) for j in range(S)]
            hidden[b * S:(b + 1) * S] = new_h
            result.append(new_h)
        return result

    for x in case['inputs']:
        out = [0] * (T * B * S)
        if case['time_major']:
            for t in range(T):
                rows = list(range(B))
                xs = [x[(t * B + b) * I:(t * B + b + 1) * I] for b in rows]
                for b, h in zip(rows, step(rows, xs)):
                    out[(t * B + b) * S:(t * B + b + 1) * S] = h
        else:
            for b in range(B):
                for t in range(T):
                    h = step([b], [x[(b * T + t) * I:(b * T + t + 1) * I]])[0]
                    out[(b * T + t) * S:(b * T + t + 1) * S] = h
        outputs.append(out)
    return outputs


def random_case(name, seed, time_major, T, B, I, S, in_scale, w_scales, r_scales, hidden_scale,
                cell_scale, cell_clip, bias_range, invokes=2):
    r = Lcg(seed)
    case = dict(name=name, time_major=time_major, time=T, batch=B, input=I, cells=S,
                in_scale=f32(in_scale), w_scale=[f32(s) for s in w_scales],
                r_scale=[f32(s) for s in r_scales], hidden_scale=f32(hidden_scale),
                cell_scale=f32(cell_scale), cell_clip=f32(cell_clip),
                in_zp=r.int_in(-20, 20), hidden_zp=r.int_in(-10, 10))
    case['w'] = [[r.int_in(-127, 127) for _ in range(S * I)] for _ in range(4)]
    case['r'] = [[r.int_in(-127, 127) for _ in range(S * S)] for _ in range(4)]
    case['bias'] = [[r.int_in(-bias_range, bias_range) for _ in range(S)] for _ in range(4)]
    case['inputs'] = [[r.int_in(-128, 127) for _ in range(T * B * I)] for _ in range(invokes)]
    return case


CASES = [
    # Time major [5, 2, 3] -> 4 cells, a cell state at 2^-15 (range +-1: the tanh's multiplier 3
    # with shift 3, and cell sums that saturate int16), no clip.
    random_case('kLstmTimeMajor', 21, True, 5, 2, 3, 4, 0.021, (0.0041, 0.0037, 0.0052, 0.0044),
                (0.0063, 0.0071, 0.0058, 0.0066), 1 / 128, 2.0 ** -15, 0.0, 8000),
    # Batch major [2, 4, 5] -> 3 cells, a cell clip of 1.5 (3072 at 2^-11) that binds.
    random_case('kLstmBatchMajor', 22, False, 4, 2, 5, 3, 0.033, (0.006, 0.0045, 0.011, 0.005),
                (0.009, 0.008, 0.012, 0.007), 0.0081, 2.0 ** -11, 1.5, 12000),
    # One batch, cell state 2^-11, large weights: the cell gate's tanh and the cell's tanh reach
    # the table's end (the saturated branch; the seed is the first from 23 up whose cell's tanh
    # saturates at least 5 times with more than 10 distinct outputs).
    random_case('kLstmSaturating', 41, True, 8, 1, 2, 2, 0.05, (0.05, 0.04, 0.3, 0.05),
                (0.03, 0.02, 0.2, 0.03), 0.0079, 2.0 ** -11, 0.0, 30000),
]


def emit(case):
    outputs = lstm(case)
    gates, forget_cell, input_cell, hidden_m, power, clip = params(case)
    p = case['name']
    T, B, I, S = case['time'], case['batch'], case['input'], case['cells']
    lines = ['// %s: %s, time %d, batch %d, input %d, cells %d, %d invokes.' % (
        p, 'time major' if case['time_major'] else 'batch major', T, B, I, S, len(case['inputs']))]
    lines.append('constexpr bool %sTimeMajor = %s;' % (p, 'true' if case['time_major'] else 'false'))
    lines.append('constexpr int32_t %sTime = %d, %sBatch = %d, %sInput = %d, %sCells = %d, '
                 '%sInvokes = %d;' % (p, T, p, B, p, I, p, S, p, len(case['inputs'])))
    for key, label in (('in_scale', 'InScale'), ('hidden_scale', 'HiddenScale'),
                       ('cell_scale', 'CellScale'), ('cell_clip', 'CellClip')):
        lines.append('constexpr float %s%s = %r;' % (p, label, case[key]))
    lines.append('constexpr float %sWeightScale[4] = {%s};' % (p, ', '.join(repr(s) for s in case['w_scale'])))
    lines.append('constexpr float %sRecurrentScale[4] = {%s};' % (p, ', '.join(repr(s) for s in case['r_scale'])))
    lines.append('constexpr int32_t %sInZeroPoint = %d, %sHiddenZeroPoint = %d;' % (
        p, case['in_zp'], p, case['hidden_zp']))
    lines.append('// TFLM Prepare: gate multiplier/shift pairs (input side i, f, c, o, then recurrent), '
                 'forget x cell, input x cell gate, hidden; cell scale power; quantized clip (-1: none).')
    lines.append('constexpr int32_t %sGateRequant[16] = {%s};' % (
        p, ', '.join('%d, %d' % m for m in gates)))
    lines.append('constexpr int32_t %sMulRequant[6] = {%d, %d, %d, %d, %d, %d};' % (
        (p,) + forget_cell + input_cell + hidden_m))
    lines.append('constexpr int32_t %sCellPower = %d, %sQuantizedClip = %d;' % (
        p, power, p, -1 if clip is None else clip))
    lines.append(c_array('int8_t', p + 'Weights', [v for g in case['w'] for v in g]).rstrip() +
                 '  // gates i, f, c, o: [cells, input] each')
    lines.append(c_array('int8_t', p + 'Recurrent', [v for g in case['r'] for v in g]).rstrip() +
                 '  // gates i, f, c, o: [cells, cells] each')
    lines.append(c_array('int32_t', p + 'Bias', [v for g in case['bias'] for v in g]).rstrip())
    lines.append(c_array('int8_t', p + 'Inputs', [v for x in case['inputs'] for v in x]).rstrip() +
                 '  // invoke after invoke')
    lines.append(c_array('int8_t', p + 'Expected', [v for o in outputs for v in o]).rstrip())
    return '\n'.join(lines) + '\n'


def binary_name(case):
    return 'lstm_' + ''.join('_' + c.lower() if c.isupper() else c for c in case['name'][5:]).lstrip('_')


def write_binaries(directory):
    """<case>.in and <case>.expected (raw int8) of each case's first invoke, for the QEMU runs of
    the converted models (one invoke from fresh states)."""
    for case in CASES:
        write_int8_pair(directory, binary_name(case), case['inputs'][0], lstm(case)[0])


if __name__ == '__main__':
    sys.exit(golden_main('lstm_golden.py', CASES, emit, write_binaries))
