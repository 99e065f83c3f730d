// TMF (Tiny Model File) byte layout, version 1. The one spec is docs/format.md; this header is
// its C++ mirror. Little-endian; every record is read in place through these structs.
//
//   FileHeader | TensorRecord[tensor_count] | OpRecord[op_count] | uint16 operands[]
//   | params blob | constant data | metadata TLVs | trailer TLVs
//
// Every section starts on a kTmfSectionAlign boundary; every constant tensor inside the constant
// section starts on a kTmfConstAlign boundary. A reader must run model_validate() before using
// any field: nothing here is trusted until then.
#pragma once

#include <stdint.h>

namespace tmf {

constexpr uint8_t kTmfMagic[4] = {'T', 'M', 'F', '1'};
constexpr uint16_t kTmfVersionMajor = 1;  // readers reject any other major
constexpr uint16_t kTmfVersionMinor = 4;  // readers accept any minor (minors only add; 1.1: pipeline ops, 1.2: more TFLite ops, 1.3: multi-channel DSP_FEATURES, TRANSPOSE_CONV, SVDF, state tensors; 1.4: UNIDIRECTIONAL_SEQUENCE_LSTM)
constexpr uint32_t kTmfSectionAlign = 16;
constexpr uint32_t kTmfConstAlign = 16;
constexpr uint32_t kTmfMaxRank = 4;
constexpr uint16_t kTmfNoTensor = 0xFFFF;  // an absent optional operand
constexpr uint32_t kTmfNoName = 0xFFFFFFFF;

// Tensor element types. Values are part of the format.
enum TensorType : uint8_t {
  kTensorTypeInt8 = 1,
  kTensorTypeUint8 = 2,
  kTensorTypeInt16 = 3,
  kTensorTypeInt32 = 4,
  kTensorTypeFloat32 = 5,
};

enum TensorStorage : uint8_t {
  kTensorStorageArena = 0,     // offset is into the caller's arena
  kTensorStorageConstant = 1,  // offset is into the constant section
  kTensorStorageState = 2,     // 1.3: arena bytes of their own, kept across invokes and reset to
                               // the zero point (int8) or 0 by interpreter_init (TFLM's variable
                               // tensors: SVDF's state)
};

enum TensorQuant : uint8_t {
  kTensorQuantNone = 0,
  kTensorQuantPerTensor = 1,   // scale, zero_point
  kTensorQuantPerChannel = 2,  // per_channel points at a PerChannelQuant in the params blob
};

// Opcodes. Values are part of the format; they are our own, not TFLite's builtin codes.
enum OpCode : uint16_t {
  kOpFullyConnected = 1,
  kOpConv2D = 2,
  kOpDepthwiseConv2D = 3,
  kOpAveragePool2D = 4,
  kOpMaxPool2D = 5,
  kOpAdd = 6,
  kOpMul = 7,
  kOpReshape = 8,
  kOpSoftmax = 9,
  kOpLogistic = 10,
  kOpTanh = 11,
  kOpRelu = 12,
  kOpRelu6 = 13,
  kOpQuantize = 14,
  kOpDequantize = 15,
  kOpConcatenation = 16,
  kOpMean = 17,
  kOpPad = 18,
  // 1.1: pipeline ops (raw samples in, anomaly score and decision out; docs/format.md).
  kOpDspFeatures = 19,
  kOpScoreReconstruction = 20,
  kOpScoreKMeans = 21,
  kOpScoreGmm = 22,
  kOpScoreMahalanobis = 23,
  kOpScoreClass = 24,
  kOpDecisionThreshold = 25,
  // 1.2: more TFLite ops (docs/import.md).
  kOpSub = 26,
  kOpLeakyRelu = 27,
  kOpTranspose = 28,
  kOpStridedSlice = 29,
  kOpHardSwish = 30,
  // 1.3: TFLite ops of issue 15 item 3 (docs/import.md).
  kOpTransposeConv = 31,
  kOpSvdf = 32,
  // 1.4
  kOpUnidirectionalSequenceLstm = 33,
  kOpCodeLimit = 34,  // one past the largest opcode of this format version
};

struct Section {
  uint32_t offset;  // from the start of the file
  uint32_t bytes;
};

struct FileHeader {
  uint8_t magic[4];
  uint16_t version_major;
  uint16_t version_minor;
  uint32_t header_bytes;   // sizeof(FileHeader) for this version; later minors may grow it
  uint32_t file_bytes;     // the whole file, trailer included
  uint32_t model_id;       // stable identity of a model lineage
  uint32_t model_version;  // strictly increases within a model_id (anti-rollback)
  uint32_t arena_bytes;    // the arena the caller must provide, scratch included
  uint32_t scratch_offset; // arena offset of the op scratch area
  uint32_t scratch_bytes;
  uint32_t flags;          // none defined in 1.0; readers reject unknown bits
  uint16_t tensor_count;
  uint16_t op_count;
  uint16_t input_count;    // graph inputs are operands[0, input_count)
  uint16_t output_count;   // graph outputs follow them
  Section tensors;         // TensorRecord[tensor_count]
  Section ops;             // OpRecord[op_count]
  Section operands;        // uint16_t tensor indices
  Section params;          // op parameter structs and per-channel arrays, 4-byte aligned
  Section constants;       // weights and biases, read only by kernels during invoke
  Section metadata;        // TLV records, see MetadataTag
  Section trailer;         // TLV records, see TrailerTag; always last in the file
};
static_assert(sizeof(FileHeader) == 104, "FileHeader layout is part of the format");

struct TensorRecord {
  uint8_t type;         // TensorType
  uint8_t rank;         // 0..kTmfMaxRank
  uint8_t storage;      // TensorStorage
  uint8_t quant;        // TensorQuant
  int32_t dims[kTmfMaxRank];  // dims[i] >= 1 for i < rank, exactly 1 for i >= rank
  uint32_t offset;      // arena or constant-section offset, see storage
  uint32_t bytes;       // element count * element size
  float scale;          // kTensorQuantPerTensor: > 0 and finite
  int32_t zero_point;   // kTensorQuantPerTensor: within the type's range
  uint32_t per_channel; // kTensorQuantPerChannel: params-blob offset of a PerChannelQuant
  uint32_t name;        // byte offset into the metadata string pool, or kTmfNoName
};
static_assert(sizeof(TensorRecord) == 44, "TensorRecord layout is part of the format");

// In the params blob: axis, count, then float scale[count], int32 zero_point[count].
struct PerChannelQuant {
  uint32_t axis;
  uint32_t count;
};

struct OpRecord {
  uint16_t opcode;        // OpCode
  uint8_t input_count;
  uint8_t output_count;
  uint32_t operands;      // index of the first input in the operand array; outputs follow inputs
  uint32_t params_offset; // into the params blob, 4-byte aligned
  uint32_t params_bytes;  // exactly sizeof the op's params struct (op_params.h)
};
static_assert(sizeof(OpRecord) == 16, "OpRecord layout is part of the format");

// A TLV record in the metadata or trailer section: tag, value length, then the value padded
// with zero bytes to a multiple of 4.
struct TlvHeader {
  uint16_t tag;
  uint16_t reserved;  // 0
  uint32_t length;    // value bytes, padding excluded
};
static_assert(sizeof(TlvHeader) == 8, "TlvHeader layout is part of the format");

enum MetadataTag : uint16_t {
  kMetadataStringPool = 1,  // NUL-terminated UTF-8 names; tensor names point in here
  kMetadataModelName = 2,   // UTF-8, no NUL
  kMetadataSource = 3,      // UTF-8: what the file was made from
  kMetadataLabels = 4,      // UTF-8 class labels separated by '\n'
  kMetadataQuantization = 5,  // JSON: int8-vs-float error of a float model quantized on import
  // 0x100: pipeline settings (JSON, host/pipeline/pipeline_settings.h); 0x101: device detection
  // settings (device/detect/model_config.h); 0x102..0x1FF reserved for more pipeline settings.
};

enum TrailerTag : uint16_t {
  kTrailerSha256 = 1,       // 32 bytes: SHA-256 of bytes [0, trailer.offset)
  kTrailerEd25519 = 2,      // 64 bytes signature + 32 bytes key id ("TMF-SIG1" || the SHA-256)
};

}  // namespace tmf
