#!/usr/bin/env python3
"""Writes transpose_conv_golden.h: TRANSPOSE_CONV int8 cases with expected outputs computed by
TFLM's reference algorithm (reference_integer_ops::TransposeConv: scatter every input pixel into
an int32 buffer, add the bias, MultiplyByQuantizedMultiplier per output channel, add the output
zero point, clamp), in Python integers (tflm_int8.py). Case 0 is TFLite's transpose_conv_test
float vector (input 1..32, filter 1..18, stride 1 SAME; its golden has no bias, so the bias
is 0 here) with exact scales; its int32 sums are checked against that golden before
requantization.
Run: python3 tests/device/golden/transpose_conv_golden.py > tests/device/golden/transpose_conv_golden.h
(--binaries DIR writes each case's input and expected output bytes instead.)"""
import sys

from tflm_int8 import golden_main, write_int8_pair
from tflm_int8 import (Lcg, activation_range, c_array, check_i32, f32, padding_same_or_valid,
                       multiply_by_quantized_multiplier, quantize_multiplier)


def transpose_conv(case):
    n, ih, iw, ic = case['in_shape']
    oc, kh, kw, _ = case['filter_shape']
    _, oh, ow, _ = case['out_shape']
    sh, sw = case['stride']
    pad_h = padding_same_or_valid(case['padding'], oh, kh, sh)
    pad_w = padding_same_or_valid(case['padding'], ow, kw, sw)
    x, w, bias = case['input'], case['filter'], case['bias']
    in_off = -case['in_zp']
    scratch = [0] * (n * oh * ow * oc)
    for b in range(n):
        for iy in range(ih):
            for ix in range(iw):
                for c in range(ic):
                    oy0, ox0 = iy * sh - pad_h, ix * sw - pad_w
                    for fy in range(kh):
                        for fx in range(kw):
                            for o in range(oc):
                                oy, ox = oy0 + fy, ox0 + fx
                                if 0 <= oy < oh and 0 <= ox < ow:
                                    xv = x[((b * ih + iy) * iw + ix) * ic + c]
                                    wv = w[((o * kh + fy) * kw + fx) * ic + c]
                                    k = ((b * oh + oy) * ow + ox) * oc + o
                                    scratch[k] = check_i32(scratch[k] + (xv + in_off) * wv)
    scales = case['filter_scales']
    requant = [quantize_multiplier(float(case['in_scale']) * float(scales[o if len(scales) > 1 else 0])
                                   / float(case['out_scale'])) for o in range(oc)]
    lo, hi = activation_range(case['activation'], case['out_scale'], case['out_zp'])
    out = []
    for k, acc in enumerate(scratch):
        o = k % oc
        if bias is not None:
            acc = check_i32(acc + bias[o])
        acc = multiply_by_quantized_multiplier(acc, *requant[o]) + case['out_zp']
        out.append(min(max(acc, lo), hi))
    return scratch, requant, (pad_h, pad_w), (lo, hi), out


def tflite_vector_case():
    # TFLite transpose_conv_test: input [1,4,4,2] = 1..32, filter [1,3,3,2] = 1..18,
    # output [1,4,4,1], stride 1, SAME, golden below (a zero bias).
    golden = [184, 412, 568, 528, 678, 1347, 1689, 1434, 1494, 2715, 3057, 2442, 1968, 3352,
              3652, 2760]
    case = dict(name='kTflite', in_shape=(1, 4, 4, 2), filter_shape=(1, 3, 3, 2),
                out_shape=(1, 4, 4, 1), stride=(1, 1), padding='SAME', activation='NONE',
                in_scale=1.0, in_zp=-10, filter_scales=[1.0], out_scale=32.0, out_zp=-64)
    case['input'] = [v - 10 for v in range(1, 33)]
    case['filter'] = list(range(1, 19))
    case['bias'] = [0]
    scratch, _, _, _, _ = transpose_conv(case)
    assert scratch == golden, scratch  # the float test's golden, exactly
    return case


def random_case(name, seed, in_shape, filter_shape, out_shape, stride, padding, activation,
                per_channel, with_bias):
    r = Lcg(seed)
    oc = filter_shape[0]
    count = lambda s: s[0] * s[1] * s[2] * s[3]
    case = dict(name=name, in_shape=in_shape, filter_shape=filter_shape, out_shape=out_shape,
                stride=stride, padding=padding, activation=activation,
                in_scale=f32(0.0173), in_zp=r.int_in(-30, 30), out_scale=f32(0.0411),
                out_zp=r.int_in(-20, 20))
    case['filter_scales'] = ([f32(0.004 + 0.0031 * o) for o in range(oc)] if per_channel
                             else [f32(0.0052)])
    case['input'] = [r.int_in(-128, 127) for _ in range(count(in_shape))]
    case['filter'] = [r.int_in(-127, 127) for _ in range(count(filter_shape))]
    case['bias'] = [r.int_in(-3000, 3000) for _ in range(oc)] if with_bias else None
    return case


CASES = [
    tflite_vector_case(),
    # Stride 2 VALID (out = (in - 1) * 2 + k), per-channel, RELU, two batches.
    random_case('kStride2Valid', 1, (2, 3, 4, 3), (3, 3, 3, 3), (2, 7, 9, 3), (2, 2), 'VALID',
                'RELU', True, True),
    # Stride 2 SAME with an even filter (odd total padding), per-tensor filter, no bias.
    random_case('kStride2SameEven', 2, (1, 3, 3, 2), (2, 4, 4, 2), (1, 6, 6, 2), (2, 2), 'SAME',
                'NONE', False, False),
    # Strides 2 and 3, an output smaller than the full scatter (TFLM drops what falls outside).
    random_case('kStrides23Cropped', 3, (1, 3, 2, 4), (2, 3, 5, 4), (1, 5, 6, 2), (2, 3), 'SAME',
                'RELU6', True, True),
]


def emit(case):
    scratch, requant, pads, act, out = transpose_conv(case)
    p = case['name']
    lines = ['// %s: input %s, filter %s, output %s, stride %s, %s, %s.' % (
        p, list(case['in_shape']), list(case['filter_shape']), list(case['out_shape']),
        list(case['stride']), case['padding'], case['activation'])]
    lines.append('constexpr int32_t %sInShape[4] = {%s};' % (p, ', '.join(map(str, case['in_shape']))))
    lines.append('constexpr int32_t %sFilterShape[4] = {%s};' % (p, ', '.join(map(str, case['filter_shape']))))
    lines.append('constexpr int32_t %sOutShape[4] = {%s};' % (p, ', '.join(map(str, case['out_shape']))))
    lines.append('constexpr int32_t %sStride[2] = {%d, %d};' % ((p,) + tuple(case['stride'])))
    lines.append('constexpr bool %sSame = %s;' % (p, 'true' if case['padding'] == 'SAME' else 'false'))
    lines.append('constexpr int32_t %sPad[2] = {%d, %d};  // TFLM CalculateOpData' % ((p,) + pads))
    lines.append('constexpr int32_t %sAct[2] = {%d, %d};  // %s' % (p, act[0], act[1], case['activation']))
    lines.append('constexpr int %sActivation = %d;  // 0 NONE, 1 RELU, 3 RELU6 (TFLite enum)' % (
        p, {'NONE': 0, 'RELU': 1, 'RELU6': 3}[case['activation']]))
    lines.append('constexpr float %sInScale = %r;' % (p, case['in_scale']))
    lines.append('constexpr int32_t %sInZeroPoint = %d;' % (p, case['in_zp']))
    lines.append('constexpr float %sOutScale = %r;' % (p, case['out_scale']))
    lines.append('constexpr int32_t %sOutZeroPoint = %d;' % (p, case['out_zp']))
    lines.append('constexpr int %sFilterScaleCount = %d;' % (p, len(case['filter_scales'])))
    lines.append(c_array('float', p + 'FilterScales', ['%r' % s for s in case['filter_scales']]).rstrip())
    lines.append('constexpr bool %sHasBias = %s;' % (p, 'true' if case['bias'] else 'false'))
    lines.append(c_array('int32_t', p + 'Bias', case['bias'] or [0] * case['filter_shape'][0]).rstrip())
    lines.append(c_array('int32_t', p + 'Requant',
                         [m for m, _ in requant] + [s for _, s in requant]).rstrip() +
                 '  // TFLM QuantizeMultiplier: multipliers, then shifts')
    lines.append(c_array('int8_t', p + 'Input', case['input']).rstrip())
    lines.append(c_array('int8_t', p + 'Filter', case['filter']).rstrip())
    lines.append(c_array('int8_t', p + 'Expected', out).rstrip())
    return '\n'.join(lines) + '\n'


def write_binaries(directory):
    """<case>.in and <case>.expected (raw int8) for the QEMU runs of the converted models."""
    for case in CASES:
        write_int8_pair(directory, 'transpose_conv_%s' % case['name'][1:], case['input'], transpose_conv(case)[4])


if __name__ == '__main__':
    sys.exit(golden_main('transpose_conv_golden.py', CASES, emit, write_binaries,
                         '// Generated by tests/device/golden/transpose_conv_golden.py (TFLM reference arithmetic in\n'
                         '// Python integers); do not edit. Case kTflite is TFLite transpose_conv_test\'s float vector.'))
