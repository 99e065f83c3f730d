// Opcode -> lowering table of the converter.
#include "host/convert/lower.h"

namespace tmf::host {

LoweredOp lower_fully_connected(LoweringContext& ctx);
LoweredOp lower_conv_2d(LoweringContext& ctx);
LoweredOp lower_depthwise_conv_2d(LoweringContext& ctx);
LoweredOp lower_average_pool_2d(LoweringContext& ctx);
LoweredOp lower_max_pool_2d(LoweringContext& ctx);
LoweredOp lower_add(LoweringContext& ctx);
LoweredOp lower_mul(LoweringContext& ctx);
LoweredOp lower_reshape(LoweringContext& ctx);
LoweredOp lower_softmax(LoweringContext& ctx);
LoweredOp lower_logistic(LoweringContext& ctx);
LoweredOp lower_tanh(LoweringContext& ctx);
LoweredOp lower_relu(LoweringContext& ctx);
LoweredOp lower_relu6(LoweringContext& ctx);
LoweredOp lower_quantize(LoweringContext& ctx);
LoweredOp lower_dequantize(LoweringContext& ctx);
LoweredOp lower_concatenation(LoweringContext& ctx);
LoweredOp lower_mean(LoweringContext& ctx);
LoweredOp lower_pad(LoweringContext& ctx);
LoweredOp lower_dsp_features(LoweringContext& ctx);
LoweredOp lower_score_reconstruction(LoweringContext& ctx);
LoweredOp lower_score_kmeans(LoweringContext& ctx);
LoweredOp lower_score_gmm(LoweringContext& ctx);
LoweredOp lower_score_mahalanobis(LoweringContext& ctx);
LoweredOp lower_score_class(LoweringContext& ctx);
LoweredOp lower_decision_threshold(LoweringContext& ctx);
LoweredOp lower_sub(LoweringContext& ctx);
LoweredOp lower_leaky_relu(LoweringContext& ctx);
LoweredOp lower_transpose(LoweringContext& ctx);
LoweredOp lower_strided_slice(LoweringContext& ctx);
LoweredOp lower_hard_swish(LoweringContext& ctx);
LoweredOp lower_transpose_conv(LoweringContext& ctx);
LoweredOp lower_svdf(LoweringContext& ctx);
LoweredOp lower_unidirectional_sequence_lstm(LoweringContext& ctx);

LowerFn lowering_find(OpCode opcode) {
  switch (opcode) {
    case kOpFullyConnected: return lower_fully_connected;
    case kOpConv2D: return lower_conv_2d;
    case kOpDepthwiseConv2D: return lower_depthwise_conv_2d;
    case kOpAveragePool2D: return lower_average_pool_2d;
    case kOpMaxPool2D: return lower_max_pool_2d;
    case kOpAdd: return lower_add;
    case kOpMul: return lower_mul;
    case kOpReshape: return lower_reshape;
    case kOpSoftmax: return lower_softmax;
    case kOpLogistic: return lower_logistic;
    case kOpTanh: return lower_tanh;
    case kOpRelu: return lower_relu;
    case kOpRelu6: return lower_relu6;
    case kOpQuantize: return lower_quantize;
    case kOpDequantize: return lower_dequantize;
    case kOpConcatenation: return lower_concatenation;
    case kOpMean: return lower_mean;
    case kOpPad: return lower_pad;
    case kOpDspFeatures: return lower_dsp_features;
    case kOpScoreReconstruction: return lower_score_reconstruction;
    case kOpScoreKMeans: return lower_score_kmeans;
    case kOpScoreGmm: return lower_score_gmm;
    case kOpScoreMahalanobis: return lower_score_mahalanobis;
    case kOpScoreClass: return lower_score_class;
    case kOpDecisionThreshold: return lower_decision_threshold;
    case kOpSub: return lower_sub;
    case kOpLeakyRelu: return lower_leaky_relu;
    case kOpTranspose: return lower_transpose;
    case kOpStridedSlice: return lower_strided_slice;
    case kOpHardSwish: return lower_hard_swish;
    case kOpTransposeConv: return lower_transpose_conv;
    case kOpSvdf: return lower_svdf;
    case kOpUnidirectionalSequenceLstm: return lower_unidirectional_sequence_lstm;
    default: return nullptr;
  }
}

}  // namespace tmf::host
