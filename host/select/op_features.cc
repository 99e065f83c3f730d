// Loop counts per op and kernel family. Each feature counts the iterations of one loop (or the
// calls of one helper) of the kernel that actually runs, so a linear fit per core (bench/op_cost.cc)
// predicts instructions for shapes it never saw: the shape-dependent parts (padding clipped taps,
// tails of the unrolled loops, odd channel counts, row pairing) are counted, not averaged.
#include "host/select/op_features.h"

#include <algorithm>
#include <cmath>

#include "device/runtime/kernels/concatenation.h"
#include "device/runtime/kernels/conv_2d.h"
#include "device/runtime/kernels/depthwise_conv_2d.h"
#include "device/runtime/kernels/dsp_features.h"
#include "device/runtime/kernels/fully_connected.h"
#include "device/runtime/kernels/reshape.h"
#include "device/runtime/kernels/scratch.h"
#include "device/runtime/kernels/spatial.h"
#include "device/runtime/kernels/transpose_conv.h"
#include "device/runtime/kernels/unidirectional_sequence_lstm.h"

namespace tmf::select {
namespace {

struct OpView {
  const Model& model;
  const OpRecord& op;
  const TensorRecord& input(uint32_t i) const { return model.tensors[model.operands[op.operands + i]]; }
  const TensorRecord& output(uint32_t i) const {
    return model.tensors[model.operands[op.operands + op.input_count + i]];
  }
  bool has_input(uint32_t i) const {
    return i < op.input_count && model.operands[op.operands + i] != kTmfNoTensor;
  }
  template <typename T>
  const T& params() const { return *reinterpret_cast<const T*>(model.params + op.params_offset); }
};

// Output positions of a windowed op and, summed over them, the filter rows and taps that fall
// inside the image (the loops visit only those).
struct Window {
  double pixels = 0, rows = 0, taps = 0;
};

Window window(int32_t batches, int32_t in_h, int32_t in_w, int32_t out_h, int32_t out_w, int32_t kh,
              int32_t kw, int32_t stride_h, int32_t stride_w, int32_t dilation_h, int32_t dilation_w,
              int32_t pad_h, int32_t pad_w) {
  Window w;
  for (int32_t oy = 0; oy < out_h; ++oy) {
    const SpatialTaps ty = spatial_taps(oy * stride_h - pad_h, kh, dilation_h, in_h);
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const SpatialTaps tx = spatial_taps(ox * stride_w - pad_w, kw, dilation_w, in_w);
      w.rows += ty.end - ty.begin;
      w.taps += static_cast<double>(ty.end - ty.begin) * (tx.end - tx.begin);
    }
  }
  w.pixels = static_cast<double>(out_h) * out_w * batches;
  w.rows *= batches;
  w.taps *= batches;
  return w;
}

using Values = std::vector<std::pair<std::string, double>>;

OpFeatures fully_connected(const OpView& v, KernelFamily family) {
  const auto& p = v.params<FullyConnectedParams>();
  const int32_t units = v.input(1).dims[0], depth = v.input(1).dims[1];
  const int32_t batches = static_cast<int32_t>(tensor_element_count(v.input(0))) / depth;
  const double b = batches, u = units, d = depth;
  const int32_t grouped = p.weights_layout == kFullyConnectedWeightsBlocked4 ? units - units % 4 : 0;
  const double g = grouped, single = units - grouped;
  const double outputs = b * u;
  const double pc_outputs = p.per_channel == kTmfNoPerChannel ? 0.0 : outputs;
  if (family == KernelFamily::kReference) {
    return {"FULLY_CONNECTED",
            {{"fixed", 1}, {"rows", b}, {"outputs", outputs}, {"per_channel_outputs", pc_outputs},
             {"blocked_pieces", b * g * (depth / 4)}, {"plain_macs", b * single * d}}};
  }
  // kernels/arm/fully_connected.cc: rows paired when the model reserved the scratch.
  int32_t paired = 0;
  if (grouped > 0 && fully_connected_dsp_pairs_rows(batches, depth) &&
      v.model.header->scratch_bytes >= fully_connected_dsp_scratch_bytes(batches, depth)) {
    paired = batches - batches % 2;
  }
  const double pairs = paired / 2, rows1 = batches - paired;
  const double blocks = b * ((units + 63) / 64);
  const double groups = rows1 * g / 4;
  const double dot1_calls = (rows1 + 2 * pairs) * single;
  return {"FULLY_CONNECTED",
          {{"fixed", 1},
           {"rows", b},
           {"outputs", outputs},
           {"per_channel_outputs", pc_outputs},
           {"blocks", blocks},
           {"groups", groups},
           {"group_steps16", groups * (depth / 16)},
           {"group_steps4", groups * ((depth % 16) / 4)},
           {"dot1_calls", dot1_calls},
           {"dot1_words", dot1_calls * (depth / 4)},
           {"dot1_bytes", dot1_calls * (depth % 4)},
           {"pairs", pairs},
           {"pair_expand_words", pairs * (depth / 4)},
           {"pair_groups", pairs * g / 4},
           {"pair_steps8", pairs * g / 4 * 2 * (depth / 8)}}};
}

// The reference windowed loop: per output channel, the visited filter rows and taps.
Values reference_window(const Window& w, double channels, double taps_depth) {
  return {{"fixed", 1},
          {"pixels", w.pixels},
          {"outputs", w.pixels * channels},
          {"row_visits", w.rows * channels},
          {"tap_visits", w.taps * channels},
          {"macs", w.taps * channels * taps_depth}};
}

OpFeatures conv_2d(const OpView& v, KernelFamily family) {
  const auto& p = v.params<Conv2DParams>();
  const TensorRecord& in = v.input(0);
  const TensorRecord& f = v.input(1);
  const TensorRecord& out = v.output(0);
  const int32_t in_c = in.dims[3], out_c = f.dims[0], kh = f.dims[1], kw = f.dims[2], f_in_c = f.dims[3];
  const Window w = window(in.dims[0], in.dims[1], in.dims[2], out.dims[1], out.dims[2], kh, kw, p.stride_h,
                          p.stride_w, p.dilation_h, p.dilation_w, p.pad_h, p.pad_w);
  const bool dsp = family == KernelFamily::kDsp && f_in_c == in_c &&
                   v.model.header->scratch_bytes >= conv_2d_dsp_scratch_bytes(kh, kw, in_c);
  if (!dsp) {
    Values values = reference_window(w, out_c, f_in_c);
    return {family == KernelFamily::kDsp ? "CONV_2D.reference" : "CONV_2D", values};
  }
  // kernels/arm/conv_2d.cc: gather every tap of the patch, then two channels per dot product.
  const int32_t depth = kh * kw * in_c;
  const double dot2 = w.pixels * ((out_c + 1) / 2);
  return {"CONV_2D",
          {{"fixed", 1},
           {"pixels", w.pixels},
           {"gather_taps", w.pixels * kh * kw},
           {"gather_values", w.pixels * depth},
           {"dot2_calls", dot2},
           {"dot2_steps4", dot2 * (depth / 4)},
           {"dot2_tail", dot2 * (depth % 4)},
           {"outputs", w.pixels * out_c}}};
}

// kernels/transpose_conv.cc (reference on every core): per output pixel the taps of each axis
// that reach it from inside the input (two divisions), per output value the filter rows among
// them, then per row the columns (taps) and in_c products each.
OpFeatures transpose_conv(const OpView& v) {
  const auto& p = v.params<TransposeConvParams>();
  const TensorRecord& in = v.input(0);
  const TensorRecord& f = v.input(1);
  const TensorRecord& out = v.output(0);
  // Per output row (column): the taps that read an input row (column) inside the input.
  const auto inside = [](int32_t out_size, int32_t in_size, int32_t pad, int32_t stride, int32_t k) {
    std::vector<double> counts;
    for (int32_t o = 0; o < out_size; ++o) {
      double n = 0;
      const int32_t shifted = o + pad;
      for (int32_t t = shifted % stride; t < std::min(shifted + 1, k); t += stride) {
        if ((shifted - t) / stride < in_size) ++n;
      }
      counts.push_back(n);
    }
    return counts;
  };
  const std::vector<double> rows = inside(out.dims[1], in.dims[1], p.pad_h, p.stride_h, f.dims[1]);
  const std::vector<double> cols = inside(out.dims[2], in.dims[2], p.pad_w, p.stride_w, f.dims[2]);
  double row_visits = 0, taps = 0;
  for (double r : rows) {
    for (double c : cols) {
      row_visits += r;
      taps += r * c;
    }
  }
  const double batches = out.dims[0], out_c = f.dims[0];
  return {"TRANSPOSE_CONV",
          {{"fixed", 1},
           {"pixels", batches * out.dims[1] * out.dims[2]},
           {"outputs", static_cast<double>(tensor_element_count(out))},
           {"row_visits", row_visits * batches * out_c},
           {"taps", taps * batches * out_c},
           {"macs", taps * batches * out_c * in.dims[3]}}};
}

// kernels/svdf.cc (reference on every core): per batch and filter a state shift (memory - 1
// moves), a feature dot product and a requantization; per unit the time dot products of its rank
// filters (memory products per filter). The moves are time_macs - filter_rows, so they are not a
// feature of their own (the fit could not tell them apart).
OpFeatures svdf(const OpView& v) {
  const double batches = v.input(0).dims[0], input_size = v.input(0).dims[1];
  const double filters = v.input(1).dims[0], memory = v.input(2).dims[1];
  const double rows = batches * filters;
  return {"SVDF",
          {{"fixed", 1},
           {"filter_rows", rows},
           {"feature_macs", rows * input_size},
           {"time_macs", rows * memory},
           {"outputs", static_cast<double>(tensor_element_count(v.output(0)))}}};
}

// kernels/unidirectional_sequence_lstm.cc (reference on every core): per time step and batch
// row a hidden-state copy of `cells` bytes; per cell and gate two dot products (input, hidden),
// their requantizations and a LUT activation; per cell the cell update, its tanh and the hidden
// requantization.
OpFeatures unidirectional_sequence_lstm(const OpView& v) {
  const TensorRecord& in = v.input(0);
  const double rows = static_cast<double>(in.dims[0]) * in.dims[1];
  const double input_size = in.dims[2], cells = v.input(2).dims[1];
  const double gate_units = rows * kLstmGateCount * cells;
  return {"UNIDIRECTIONAL_SEQUENCE_LSTM",
          {{"fixed", 1},
           {"rows", rows},
           {"gate_units", gate_units},
           {"macs", gate_units * (input_size + cells)},
           {"cells", rows * cells}}};
}

OpFeatures depthwise_conv_2d(const OpView& v, KernelFamily family) {
  const auto& p = v.params<DepthwiseConv2DParams>();
  const TensorRecord& in = v.input(0);
  const TensorRecord& f = v.input(1);
  const TensorRecord& out = v.output(0);
  const int32_t channels = f.dims[3];
  const Window w = window(in.dims[0], in.dims[1], in.dims[2], out.dims[1], out.dims[2], f.dims[1], f.dims[2],
                          p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, p.pad_h, p.pad_w);
  const bool dsp = family == KernelFamily::kDsp && p.depth_multiplier == 1 && in.dims[3] % 4 == 0;
  if (!dsp) {
    Values values = reference_window(w, channels, 1);
    values.pop_back();  // one MAC per visited tap: "macs" would repeat "tap_visits"
    return {family == KernelFamily::kDsp ? "DEPTHWISE_CONV_2D.reference" : "DEPTHWISE_CONV_2D", values};
  }
  // kernels/arm/depthwise_conv_2d.cc: four channels per pass over the visited taps.
  const double groups = channels / 4;
  return {"DEPTHWISE_CONV_2D",
          {{"fixed", 1},
           {"pixels", w.pixels},
           {"outputs", w.pixels * channels},
           {"blocks", w.pixels * ((channels + 63) / 64)},
           {"group_rows", w.rows * groups},
           {"group_taps", w.taps * groups}}};
}

OpFeatures pool(const OpView& v, KernelFamily family, const char* name) {
  const auto& p = v.params<PoolParams>();
  const TensorRecord& in = v.input(0);
  const TensorRecord& out = v.output(0);
  const int32_t channels = in.dims[3];
  const Window w = window(in.dims[0], in.dims[1], in.dims[2], out.dims[1], out.dims[2], p.filter_h, p.filter_w,
                          p.stride_h, p.stride_w, 1, 1, p.pad_h, p.pad_w);
  const bool average = v.op.opcode == kOpAveragePool2D;
  // kernels/arm/*_pool_2d.cc: four channels per word; channel counts % 4 != 0 (and averages of
  // more than 255 taps) run the reference kernel.
  const bool dsp = family == KernelFamily::kDsp && channels % 4 == 0 &&
                   !(average && static_cast<int64_t>(p.filter_h) * p.filter_w > 255);
  Values values = reference_window(w, dsp ? channels / 4.0 : channels, 1);
  values.pop_back();
  values[2].second = w.pixels * channels;  // outputs are per channel either way
  std::string key = name;
  if (family == KernelFamily::kDsp && !dsp) key += ".reference";
  return {key, values};
}

OpFeatures add(const OpView& v, KernelFamily family) {
  const uint32_t elements = tensor_element_count(v.output(0));
  const bool dsp = family == KernelFamily::kDsp && elements >= kAddDspTableMinElements &&
                   v.model.header->scratch_bytes >= add_dsp_scratch_bytes(elements);
  const bool broadcast = tensor_element_count(v.input(0)) != elements || tensor_element_count(v.input(1)) != elements;
  std::string key = broadcast ? "ADD.broadcast" : "ADD";
  if (family == KernelFamily::kDsp && !dsp && !broadcast) key += ".reference";
  return {key, {{"fixed", 1}, {"outputs", static_cast<double>(elements)}}};
}

OpFeatures reshape(const OpView& v) {
  // In place (the planner aliases input and output) costs the call only.
  const TensorRecord& in = v.input(0);
  const TensorRecord& out = v.output(0);
  const bool moves = !(in.storage == out.storage && in.offset == out.offset);
  return {"RESHAPE", {{"fixed", 1}, {"bytes_moved", moves ? static_cast<double>(v.params<ReshapeParams>().bytes) : 0.0}}};
}

OpFeatures softmax(const OpView& v) {
  const TensorRecord& in = v.input(0);
  const double elements = tensor_element_count(in);
  const double depth = in.dims[in.rank - 1];
  return {"SOFTMAX", {{"fixed", 1}, {"rows", elements / depth}, {"outputs", elements}}};
}

// Ops whose work is one pass over their output (or input) elements.
OpFeatures elementwise(const OpView& v, const char* name) {
  return {name,
          {{"fixed", 1},
           {"inputs", static_cast<double>(tensor_element_count(v.input(0)))},
           {"outputs", static_cast<double>(tensor_element_count(v.output(0)))}}};
}

// TRANSPOSE and STRIDED_SLICE: a 4-D loop nest copying one element per output; the innermost
// axis is dims[3] (1 for lower ranks), so the three outer loops run once per output row.
OpFeatures copy_rows(const OpView& v, const char* name) {
  const TensorRecord& out = v.output(0);
  const double outputs = static_cast<double>(tensor_element_count(out));
  return {name, {{"fixed", 1}, {"rows", outputs / out.dims[3]}, {"outputs", outputs}}};
}

// DSP_FEATURES (device/dsp features_compute): statistics over the samples, window, real FFT,
// power spectrum, band sums over the bins inside [f_lo, f_hi], logs of the bands; all of it once
// per channel (format 1.3: the samples are [C, N]).
OpFeatures dsp_features(const OpView& v) {
  const dsp::FeaturesConfig& c = v.params<DspFeaturesParams>().features;
  const double n = c.n_fft;
  const double ch = static_cast<double>(tensor_element_count(v.input(0))) / n;
  const double band_bins = std::max(0.0, (static_cast<double>(c.f_hi) - c.f_lo) / c.sample_rate * n) + 1;
  const double stats = __builtin_popcount(c.stats_mask);
  return {"DSP_FEATURES",
          {{"fixed", 1},
           {"samples", ch * n},
           {"fft", ch * n * std::log2(n)},
           {"band_bins", ch * band_bins},
           {"bands", ch * static_cast<double>(c.num_bands)},
           {"stat_samples", stats > 0 ? ch * n : 0.0},
           {"stats_times_samples", ch * stats * n},
           {"outputs", static_cast<double>(tensor_element_count(v.output(0)))}}};
}

// QUANTIZE: float to int8 is one kind of loop, int8/int16 requantization another.
OpFeatures quantize(const OpView& v) {
  OpFeatures f = elementwise(v, "QUANTIZE");
  if (v.input(0).type != kTensorTypeFloat32) f.key = "QUANTIZE.requantize";
  return f;
}

// CONCATENATION copies one block per input per outer index (the dimensions before the axis).
OpFeatures concatenation(const OpView& v) {
  const TensorRecord& out = v.output(0);
  double outer = 1;
  for (int32_t d = 0; d < v.params<ConcatenationParams>().axis; ++d) outer *= out.dims[d];
  return {"CONCATENATION",
          {{"fixed", 1}, {"blocks", outer * v.op.input_count}, {"outputs", static_cast<double>(tensor_element_count(out))}}};
}

// The score ops: float loops over the feature row, per centroid / component / whitening row.
OpFeatures score(const OpView& v, const char* name) {
  const double f = tensor_element_count(v.input(0));
  double rows = 1;  // centroids, components or whitening rows the row is compared with
  if (v.op.opcode == kOpScoreKMeans || v.op.opcode == kOpScoreGmm) rows = v.input(1).dims[0];
  if (v.op.opcode == kOpScoreMahalanobis) rows = f;
  return {name, {{"fixed", 1}, {"rows", rows}, {"values", f}, {"row_values", rows * f}}};
}

}  // namespace

const char* kernel_family_name(KernelFamily family) {
  return family == KernelFamily::kDsp ? "dsp" : "reference";
}

bool parse_kernel_family(const std::string& name, KernelFamily* family) {
  if (name == "dsp") *family = KernelFamily::kDsp;
  else if (name == "reference") *family = KernelFamily::kReference;
  else return false;
  return true;
}

bool core_kernel_family(const std::string& core, KernelFamily* family) {
  if (core == "cortex-m0" || core == "cortex-m3") *family = KernelFamily::kReference;
  else if (core == "cortex-m4" || core == "cortex-m7" || core == "cortex-m33") *family = KernelFamily::kDsp;
  else return false;
  return true;
}

OpFeatures op_features(const Model& model, uint32_t index, KernelFamily family) {
  const OpView v{model, model.ops[index]};
  const char* name = opcode_name(v.op.opcode);
  switch (v.op.opcode) {
    case kOpFullyConnected: return fully_connected(v, family);
    case kOpConv2D: return conv_2d(v, family);
    case kOpDepthwiseConv2D: return depthwise_conv_2d(v, family);
    case kOpTransposeConv: return transpose_conv(v);
    case kOpSvdf: return svdf(v);
    case kOpUnidirectionalSequenceLstm: return unidirectional_sequence_lstm(v);
    case kOpAveragePool2D:
    case kOpMaxPool2D: return pool(v, family, name);
    case kOpAdd: return add(v, family);
    case kOpSub: return elementwise(v, name);  // reference kernel on every core
    case kOpReshape: return reshape(v);
    case kOpSoftmax: return softmax(v);
    case kOpMul:
    case kOpLogistic:
    case kOpTanh:
    case kOpRelu:
    case kOpRelu6:
    case kOpDequantize:
    case kOpMean:
    case kOpPad:
    case kOpLeakyRelu:
    case kOpHardSwish: return elementwise(v, name);
    case kOpTranspose:
    case kOpStridedSlice: return copy_rows(v, name);
    case kOpQuantize: return quantize(v);
    case kOpConcatenation: return concatenation(v);
    case kOpDspFeatures: return dsp_features(v);
    case kOpScoreReconstruction:
    case kOpScoreKMeans:
    case kOpScoreGmm:
    case kOpScoreMahalanobis:
    case kOpScoreClass: return score(v, name);
    case kOpDecisionThreshold: return {name, {{"fixed", 1}}};
    default: return {name, {{"fixed", 1}}};
  }
}

}  // namespace tmf::select
