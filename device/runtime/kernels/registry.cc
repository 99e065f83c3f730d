// Opcode -> kernel table. A build links only the kernels this table names: by default all of
// them; define TMF_OP_SET_CUSTOM and TMF_WITH_<OP>=1 for each wanted op to build a smaller
// runtime (e.g. only FULLY_CONNECTED for an autoencoder); the linker then drops the rest.
#include "../kernel.h"

#ifndef TMF_OP_SET_CUSTOM
#define TMF_WITH_FULLY_CONNECTED 1
#define TMF_WITH_CONV_2D 1
#define TMF_WITH_DEPTHWISE_CONV_2D 1
#define TMF_WITH_AVERAGE_POOL_2D 1
#define TMF_WITH_MAX_POOL_2D 1
#define TMF_WITH_ADD 1
#define TMF_WITH_MUL 1
#define TMF_WITH_RESHAPE 1
#define TMF_WITH_SOFTMAX 1
#define TMF_WITH_LOGISTIC 1
#define TMF_WITH_TANH 1
#define TMF_WITH_RELU 1
#define TMF_WITH_RELU6 1
#define TMF_WITH_QUANTIZE 1
#define TMF_WITH_DEQUANTIZE 1
#define TMF_WITH_CONCATENATION 1
#define TMF_WITH_MEAN 1
#define TMF_WITH_PAD 1
#define TMF_WITH_DSP_FEATURES 1
#define TMF_WITH_SCORE_RECONSTRUCTION 1
#define TMF_WITH_SCORE_KMEANS 1
#define TMF_WITH_SCORE_GMM 1
#define TMF_WITH_SCORE_MAHALANOBIS 1
#define TMF_WITH_SCORE_CLASS 1
#define TMF_WITH_DECISION_THRESHOLD 1
#define TMF_WITH_SUB 1
#define TMF_WITH_LEAKY_RELU 1
#define TMF_WITH_TRANSPOSE 1
#define TMF_WITH_STRIDED_SLICE 1
#define TMF_WITH_HARD_SWISH 1
#define TMF_WITH_TRANSPOSE_CONV 1
#define TMF_WITH_SVDF 1
#define TMF_WITH_UNIDIRECTIONAL_SEQUENCE_LSTM 1
#endif

// On cores with the DSP extension (Cortex-M4, M7, M33) the optimized kernels of kernels/arm/
// replace their reference twins; they are tested bit-exact against them (kernel_sweep_test.cc).
#if defined(__ARM_FEATURE_DSP) && !defined(TMF_REFERENCE_KERNELS_ONLY)
#define TMF_DSP_KERNEL(reference, dsp) dsp
#else
#define TMF_DSP_KERNEL(reference, dsp) reference
#endif

namespace tmf {

extern const KernelRegistration kKernelFullyConnected;
extern const KernelRegistration kKernelFullyConnectedDsp;
extern const KernelRegistration kKernelConv2D;
extern const KernelRegistration kKernelConv2DDsp;
extern const KernelRegistration kKernelDepthwiseConv2D;
extern const KernelRegistration kKernelDepthwiseConv2DDsp;
extern const KernelRegistration kKernelAveragePool2D;
extern const KernelRegistration kKernelAveragePool2DDsp;
extern const KernelRegistration kKernelMaxPool2D;
extern const KernelRegistration kKernelMaxPool2DDsp;
extern const KernelRegistration kKernelAdd;
extern const KernelRegistration kKernelAddDsp;
extern const KernelRegistration kKernelMul;
extern const KernelRegistration kKernelReshape;
extern const KernelRegistration kKernelSoftmax;
extern const KernelRegistration kKernelLogistic;
extern const KernelRegistration kKernelTanh;
extern const KernelRegistration kKernelRelu;
extern const KernelRegistration kKernelRelu6;
extern const KernelRegistration kKernelQuantize;
extern const KernelRegistration kKernelDequantize;
extern const KernelRegistration kKernelConcatenation;
extern const KernelRegistration kKernelMean;
extern const KernelRegistration kKernelPad;
extern const KernelRegistration kKernelDspFeatures;
extern const KernelRegistration kKernelScoreReconstruction;
extern const KernelRegistration kKernelScoreKMeans;
extern const KernelRegistration kKernelScoreGmm;
extern const KernelRegistration kKernelScoreMahalanobis;
extern const KernelRegistration kKernelScoreClass;
extern const KernelRegistration kKernelDecisionThreshold;
extern const KernelRegistration kKernelSub;
extern const KernelRegistration kKernelLeakyRelu;
extern const KernelRegistration kKernelTranspose;
extern const KernelRegistration kKernelStridedSlice;
extern const KernelRegistration kKernelHardSwish;
extern const KernelRegistration kKernelTransposeConv;
extern const KernelRegistration kKernelSvdf;
extern const KernelRegistration kKernelUnidirectionalSequenceLstm;

const KernelRegistration* kernel_find(uint16_t opcode) {
  switch (opcode) {
#if TMF_WITH_FULLY_CONNECTED
    case kOpFullyConnected: return &TMF_DSP_KERNEL(kKernelFullyConnected, kKernelFullyConnectedDsp);
#endif
#if TMF_WITH_CONV_2D
    case kOpConv2D: return &TMF_DSP_KERNEL(kKernelConv2D, kKernelConv2DDsp);
#endif
#if TMF_WITH_DEPTHWISE_CONV_2D
    case kOpDepthwiseConv2D: return &TMF_DSP_KERNEL(kKernelDepthwiseConv2D, kKernelDepthwiseConv2DDsp);
#endif
#if TMF_WITH_AVERAGE_POOL_2D
    case kOpAveragePool2D: return &TMF_DSP_KERNEL(kKernelAveragePool2D, kKernelAveragePool2DDsp);
#endif
#if TMF_WITH_MAX_POOL_2D
    case kOpMaxPool2D: return &TMF_DSP_KERNEL(kKernelMaxPool2D, kKernelMaxPool2DDsp);
#endif
#if TMF_WITH_ADD
    case kOpAdd: return &TMF_DSP_KERNEL(kKernelAdd, kKernelAddDsp);
#endif
#if TMF_WITH_MUL
    case kOpMul: return &kKernelMul;
#endif
#if TMF_WITH_RESHAPE
    case kOpReshape: return &kKernelReshape;
#endif
#if TMF_WITH_SOFTMAX
    case kOpSoftmax: return &kKernelSoftmax;
#endif
#if TMF_WITH_LOGISTIC
    case kOpLogistic: return &kKernelLogistic;
#endif
#if TMF_WITH_TANH
    case kOpTanh: return &kKernelTanh;
#endif
#if TMF_WITH_RELU
    case kOpRelu: return &kKernelRelu;
#endif
#if TMF_WITH_RELU6
    case kOpRelu6: return &kKernelRelu6;
#endif
#if TMF_WITH_QUANTIZE
    case kOpQuantize: return &kKernelQuantize;
#endif
#if TMF_WITH_DEQUANTIZE
    case kOpDequantize: return &kKernelDequantize;
#endif
#if TMF_WITH_CONCATENATION
    case kOpConcatenation: return &kKernelConcatenation;
#endif
#if TMF_WITH_MEAN
    case kOpMean: return &kKernelMean;
#endif
#if TMF_WITH_PAD
    case kOpPad: return &kKernelPad;
#endif
#if TMF_WITH_DSP_FEATURES
    case kOpDspFeatures: return &kKernelDspFeatures;
#endif
#if TMF_WITH_SCORE_RECONSTRUCTION
    case kOpScoreReconstruction: return &kKernelScoreReconstruction;
#endif
#if TMF_WITH_SCORE_KMEANS
    case kOpScoreKMeans: return &kKernelScoreKMeans;
#endif
#if TMF_WITH_SCORE_GMM
    case kOpScoreGmm: return &kKernelScoreGmm;
#endif
#if TMF_WITH_SCORE_MAHALANOBIS
    case kOpScoreMahalanobis: return &kKernelScoreMahalanobis;
#endif
#if TMF_WITH_SCORE_CLASS
    case kOpScoreClass: return &kKernelScoreClass;
#endif
#if TMF_WITH_DECISION_THRESHOLD
    case kOpDecisionThreshold: return &kKernelDecisionThreshold;
#endif
#if TMF_WITH_SUB
    case kOpSub: return &kKernelSub;
#endif
#if TMF_WITH_LEAKY_RELU
    case kOpLeakyRelu: return &kKernelLeakyRelu;
#endif
#if TMF_WITH_TRANSPOSE
    case kOpTranspose: return &kKernelTranspose;
#endif
#if TMF_WITH_STRIDED_SLICE
    case kOpStridedSlice: return &kKernelStridedSlice;
#endif
#if TMF_WITH_HARD_SWISH
    case kOpHardSwish: return &kKernelHardSwish;
#endif
#if TMF_WITH_TRANSPOSE_CONV
    case kOpTransposeConv: return &kKernelTransposeConv;
#endif
#if TMF_WITH_SVDF
    case kOpSvdf: return &kKernelSvdf;
#endif
#if TMF_WITH_UNIDIRECTIONAL_SEQUENCE_LSTM
    case kOpUnidirectionalSequenceLstm: return &kKernelUnidirectionalSequenceLstm;
#endif
    default: return nullptr;
  }
}

}  // namespace tmf
