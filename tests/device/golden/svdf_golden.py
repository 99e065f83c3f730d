#!/usr/bin/env python3
"""Writes svdf_golden.h: SVDF int8 cases (int16 weights_time and state) over several invokes,
with expected outputs computed by TFLM's reference algorithm (EvalIntegerSvdfReference: shift the
whole state left by one, write each filter's requantized feature dot product, clamped to int16,
into its last memory slot; per filter the int32 dot product of weights_time with its memory row;
bias plus the sum over each unit's rank filters; requantize, add the output zero point, clamp to
int8), in Python integers (tflm_int8.py). The state carries over between invokes and starts at 0
(TFLM's ResetVariableTensors). int32 sums of the time stage wrap as two's complement (case
kSvdfWrap drives them past 2^31); the feature stage is checked to stay exact.
Run: python3 tests/device/golden/svdf_golden.py > tests/device/golden/svdf_golden.h
(--binaries DIR writes each case's first-invoke input and expected output bytes instead.)"""
import sys

from tflm_int8 import golden_main, write_int8_pair
from tflm_int8 import (Lcg, c_array, check_i32, f32, multiply_by_quantized_multiplier,
                       quantize_multiplier)


def wrap32(x):
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def f32_mul_div(a, b, c):
    """float(a * b / c) in float32 steps, as TFLM's Prepare computes the effective scales."""
    return f32(f32(a * b) / c)


def svdf(case):
    batches, input_size = case['in_shape']
    filters, memory = case['time_shape']
    rank = case['rank']
    units = filters // rank
    m1 = quantize_multiplier(f32_mul_div(case['in_scale'], case['feature_scale'], case['state_scale']))
    m2 = quantize_multiplier(f32_mul_div(case['state_scale'], case['time_scale'], case['out_scale']))
    state = [0] * (batches * filters * memory)
    outputs = []
    for x in case['inputs']:
        state = state[1:] + state[-1:]  # TFLM shifts the whole buffer left by one element
        for b in range(batches):
            for f in range(filters):
                dot = 0
                for i in range(input_size):
                    dot = check_i32(dot + case['feature'][f * input_size + i] *
                                    (x[b * input_size + i] - case['in_zp']))
                dot = multiply_by_quantized_multiplier(dot, *m1)
                state[(b * filters + f) * memory + memory - 1] = min(max(dot, -32768), 32767)
        out = []
        for b in range(batches):
            scratch = []
            for f in range(filters):
                acc = 0
                for k in range(memory):
                    acc = wrap32(acc + case['time'][f * memory + k] * state[(b * filters + f) * memory + k])
                scratch.append(acc)
            for u in range(units):
                acc = case['bias'][u] if case['bias'] else 0
                for r in range(rank):
                    acc = wrap32(acc + scratch[u * rank + r])
                acc = multiply_by_quantized_multiplier(acc, *m2) + case['out_zp']
                out.append(min(max(acc, -128), 127))
        outputs.append(out)
    return m1, m2, outputs


def random_case(name, seed, batches, input_size, filters, memory, rank, steps, with_bias,
                scales, time_range=(-2000, 2000)):
    r = Lcg(seed)
    in_scale, feature_scale, time_scale, state_scale, out_scale = (f32(s) for s in scales)
    case = dict(name=name, in_shape=(batches, input_size), time_shape=(filters, memory), rank=rank,
                in_scale=in_scale, feature_scale=feature_scale, time_scale=time_scale,
                state_scale=state_scale, out_scale=out_scale, in_zp=r.int_in(-20, 20),
                out_zp=r.int_in(-10, 10))
    case['feature'] = [r.int_in(-127, 127) for _ in range(filters * input_size)]
    case['time'] = [r.int_in(*time_range) for _ in range(filters * memory)]
    case['bias'] = [r.int_in(-20000, 20000) for _ in range(filters // rank)] if with_bias else None
    case['inputs'] = [[r.int_in(-128, 127) for _ in range(batches * input_size)]
                      for _ in range(steps)]
    return case


CASES = [
    # Two batches, rank 2, memory 5, six invokes (the state fills and shifts out).
    random_case('kSvdfRank2', 11, 2, 6, 4, 5, 2, 6, True,
                (0.0235, 0.0041, 0.00037, 0.0079, 0.0312)),
    # Rank 1, no bias, one batch, memory 3, feature requantization above 1 (left shift).
    random_case('kSvdfRank1NoBias', 12, 1, 8, 3, 3, 1, 4, False,
                (0.05, 0.011, 0.0009, 0.00031, 0.25)),
    # Large weights_time and a saturating int16 state: time sums wrap past 2^31 as in TFLM.
    random_case('kSvdfWrap', 13, 1, 4, 2, 8, 1, 9, True,
                (0.5, 0.5, 0.0002, 0.00001, 0.0336), time_range=(25000, 32767)),
]


def emit(case):
    m1, m2, outputs = svdf(case)
    p = case['name']
    batches, input_size = case['in_shape']
    filters, memory = case['time_shape']
    units = filters // case['rank']
    lines = ['// %s: batches %d, input %d, filters %d, memory %d, rank %d, %d invokes.' % (
        p, batches, input_size, filters, memory, case['rank'], len(case['inputs']))]
    lines.append('constexpr int32_t %sBatches = %d, %sInputSize = %d, %sFilters = %d, '
                 '%sMemory = %d, %sRank = %d, %sUnits = %d, %sSteps = %d;' % (
                     p, batches, p, input_size, p, filters, p, memory, p, case['rank'], p, units,
                     p, len(case['inputs'])))
    for key, label in (('in_scale', 'InScale'), ('feature_scale', 'FeatureScale'),
                       ('time_scale', 'TimeScale'), ('state_scale', 'StateScale'),
                       ('out_scale', 'OutScale')):
        lines.append('constexpr float %s%s = %r;' % (p, label, case[key]))
    lines.append('constexpr int32_t %sInZeroPoint = %d, %sOutZeroPoint = %d;' % (
        p, case['in_zp'], p, case['out_zp']))
    lines.append('constexpr int32_t %sRequant[4] = {%d, %d, %d, %d};  // TFLM Prepare: m1, s1, m2, s2' % (
        (p,) + m1 + m2))
    lines.append(c_array('int8_t', p + 'Feature', case['feature']).rstrip())
    lines.append(c_array('int16_t', p + 'Time', case['time']).rstrip())
    lines.append('constexpr bool %sHasBias = %s;' % (p, 'true' if case['bias'] else 'false'))
    lines.append(c_array('int32_t', p + 'Bias', case['bias'] or [0] * units).rstrip())
    lines.append(c_array('int8_t', p + 'Inputs', [v for x in case['inputs'] for v in x]).rstrip() +
                 '  // invoke after invoke')
    lines.append(c_array('int8_t', p + 'Expected', [v for o in outputs for v in o]).rstrip())
    return '\n'.join(lines) + '\n'


def write_binaries(directory):
    """<case>.in and <case>.expected (raw int8) of each case's first invoke, for the QEMU runs of
    the converted models (one invoke from a fresh state)."""
    for case in CASES:
        write_int8_pair(directory, 'svdf_%s' % case['name'][5:], case['inputs'][0], svdf(case)[2][0])


if __name__ == '__main__':
    sys.exit(golden_main('svdf_golden.py', CASES, emit, write_binaries))
