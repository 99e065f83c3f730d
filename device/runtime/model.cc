// Validation of untrusted TMF model buffers. See model.h for the contract and docs/format.md for
// the rules each check enforces.
#include "model.h"

#include <string.h>

#include "kernel.h"

namespace tmf {
namespace {

constexpr uint32_t kMaxElements = 1u << 28;  // keeps byte counts of every type below 2^31

bool is_finite_positive(float x) {
  // NaN fails both comparisons; +inf fails the second.
  return x > 0.0f && x <= 3.4028234e38f;
}

bool zero_point_in_range(int32_t zp, uint8_t type) {
  switch (type) {
    case kTensorTypeInt8: return zp >= -128 && zp <= 127;
    case kTensorTypeUint8: return zp >= 0 && zp <= 255;
    case kTensorTypeInt16: return zp >= -32768 && zp <= 32767;
    case kTensorTypeInt32: return true;
    case kTensorTypeFloat32: return zp == 0;
  }
  return false;
}

bool section_in_file(const Section& s, uint32_t file_bytes) {
  return static_cast<uint64_t>(s.offset) + s.bytes <= file_bytes;
}

Status check_sections(const FileHeader& h) {
  const Section* order[] = {&h.tensors, &h.ops, &h.operands, &h.params,
                            &h.constants, &h.metadata, &h.trailer};
  uint64_t previous_end = h.header_bytes;
  for (const Section* s : order) {
    if (!section_in_file(*s, h.file_bytes)) return Status::kErrSectionOutOfBounds;
    if (s->offset % kTmfSectionAlign != 0) return Status::kErrSectionMisaligned;
    if (s->offset < previous_end) return Status::kErrSectionOverlap;
    previous_end = static_cast<uint64_t>(s->offset) + s->bytes;
  }
  if (previous_end != h.file_bytes) return Status::kErrSectionOverlap;  // trailer ends the file
  if (h.tensors.bytes != static_cast<uint32_t>(h.tensor_count) * sizeof(TensorRecord) ||
      h.ops.bytes != static_cast<uint32_t>(h.op_count) * sizeof(OpRecord) ||
      h.operands.bytes % 2 != 0 || h.params.bytes % 4 != 0) {
    return Status::kErrBadHeader;
  }
  return Status::kOk;
}

// Walks TLV records covering exactly [data, data + bytes).
Status check_tlvs(const uint8_t* data, uint32_t bytes) {
  uint32_t at = 0;
  while (at < bytes) {
    if (bytes - at < sizeof(TlvHeader)) return Status::kErrBadTlv;
    TlvHeader tlv;
    memcpy(&tlv, data + at, sizeof(tlv));
    const uint64_t padded = (static_cast<uint64_t>(tlv.length) + 3u) & ~static_cast<uint64_t>(3u);
    if (tlv.reserved != 0 || padded > bytes - at - sizeof(TlvHeader)) return Status::kErrBadTlv;
    at += sizeof(TlvHeader) + static_cast<uint32_t>(padded);
  }
  return Status::kOk;
}

const uint8_t* find_tlv(const uint8_t* data, uint32_t bytes, uint16_t tag, uint32_t* length) {
  uint32_t at = 0;
  while (at + sizeof(TlvHeader) <= bytes) {
    TlvHeader tlv;
    memcpy(&tlv, data + at, sizeof(tlv));
    if (tlv.tag == tag) {
      if (length) *length = tlv.length;
      return data + at + sizeof(TlvHeader);
    }
    at += sizeof(TlvHeader) + ((tlv.length + 3u) & ~3u);
  }
  return nullptr;
}

Status check_quantization(const Model& m, const TensorRecord& t) {
  switch (t.quant) {
    case kTensorQuantNone:
      return Status::kOk;
    case kTensorQuantPerTensor:
      if (t.type == kTensorTypeFloat32) return Status::kErrBadQuantization;
      if (!is_finite_positive(t.scale) || !zero_point_in_range(t.zero_point, t.type)) {
        return Status::kErrBadQuantization;
      }
      return Status::kOk;
    case kTensorQuantPerChannel: {
      if (t.type == kTensorTypeFloat32) return Status::kErrBadQuantization;
      if (t.per_channel % 4 != 0 ||
          static_cast<uint64_t>(t.per_channel) + sizeof(PerChannelQuant) > m.params_bytes) {
        return Status::kErrBadQuantization;
      }
      PerChannelQuant pc;
      memcpy(&pc, m.params + t.per_channel, sizeof(pc));
      if (pc.axis >= t.rank || pc.count != static_cast<uint32_t>(t.dims[pc.axis])) {
        return Status::kErrBadQuantization;
      }
      const uint64_t end = static_cast<uint64_t>(t.per_channel) + sizeof(PerChannelQuant) +
                           static_cast<uint64_t>(pc.count) * 8u;
      if (end > m.params_bytes) return Status::kErrBadQuantization;
      const uint8_t* scales = m.params + t.per_channel + sizeof(PerChannelQuant);
      const uint8_t* zero_points = scales + 4u * pc.count;
      for (uint32_t c = 0; c < pc.count; ++c) {
        float scale;
        int32_t zp;
        memcpy(&scale, scales + 4u * c, 4);
        memcpy(&zp, zero_points + 4u * c, 4);
        if (!is_finite_positive(scale) || !zero_point_in_range(zp, t.type)) {
          return Status::kErrBadQuantization;
        }
      }
      return Status::kOk;
    }
  }
  return Status::kErrBadQuantization;
}

Status check_tensor(const Model& m, const TensorRecord& t, uint32_t string_pool_bytes) {
  const uint32_t element_size = tensor_type_size(t.type);
  if (element_size == 0) return Status::kErrBadTensorType;
  if (t.rank > kTmfMaxRank) return Status::kErrBadTensorRank;
  uint64_t elements = 1;
  for (uint32_t i = 0; i < kTmfMaxRank; ++i) {
    if (i < t.rank) {
      if (t.dims[i] < 1 || static_cast<uint32_t>(t.dims[i]) > kMaxElements) {
        return Status::kErrBadTensorDims;
      }
      elements *= static_cast<uint32_t>(t.dims[i]);
      if (elements > kMaxElements) return Status::kErrBadTensorDims;
    } else if (t.dims[i] != 1) {
      return Status::kErrBadTensorDims;
    }
  }
  if (t.bytes != elements * element_size) return Status::kErrBadTensorBytes;
  switch (t.storage) {
    case kTensorStorageArena:
    case kTensorStorageState:
      if (static_cast<uint64_t>(t.offset) + t.bytes > m.header->arena_bytes) {
        return Status::kErrTensorOutOfArena;
      }
      if (t.offset % element_size != 0) return Status::kErrTensorMisaligned;
      break;
    case kTensorStorageConstant:
      if (static_cast<uint64_t>(t.offset) + t.bytes > m.constants_bytes) {
        return Status::kErrTensorOutOfConstants;
      }
      if (t.offset % kTmfConstAlign != 0) return Status::kErrTensorMisaligned;
      break;
    default:
      return Status::kErrBadTensorType;
  }
  if (t.name != kTmfNoName && t.name >= string_pool_bytes) return Status::kErrBadTlv;
  return check_quantization(m, t);
}

Status check_op_operands(const Model& m, const OpRecord& op, uint32_t operand_count) {
  const uint64_t end = static_cast<uint64_t>(op.operands) + op.input_count + op.output_count;
  if (end > operand_count) return Status::kErrBadOperandIndex;
  for (uint32_t i = 0; i < static_cast<uint32_t>(op.input_count) + op.output_count; ++i) {
    const uint16_t index = m.operands[op.operands + i];
    const bool is_output = i >= op.input_count;
    if (index == kTmfNoTensor && !is_output) continue;
    if (index >= m.header->tensor_count) return Status::kErrBadOperandIndex;
    if (is_output && m.tensors[index].storage != kTensorStorageArena) {
      return Status::kErrConstantOutput;
    }
  }
  if (op.params_offset % 4 != 0 ||
      static_cast<uint64_t>(op.params_offset) + op.params_bytes > m.params_bytes) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

Status fail(ValidationError* error, Status status, ValidationItem item, uint32_t index) {
  if (error) {
    error->status = status;
    error->item = item;
    error->index = index;
  }
  return status;
}

}  // namespace

uint32_t tensor_type_size(uint8_t type) {
  switch (type) {
    case kTensorTypeInt8: return 1;
    case kTensorTypeUint8: return 1;
    case kTensorTypeInt16: return 2;
    case kTensorTypeInt32: return 4;
    case kTensorTypeFloat32: return 4;
  }
  return 0;
}

uint32_t tensor_element_count(const TensorRecord& tensor) {
  uint32_t n = 1;
  for (uint32_t i = 0; i < tensor.rank; ++i) n *= static_cast<uint32_t>(tensor.dims[i]);
  return n;
}

Status model_validate(const uint8_t* data, size_t size, Model* model, ValidationError* error) {
  constexpr ValidationItem kFile = ValidationItem::kValidationItemFile;
  if (data == nullptr || model == nullptr) return fail(error, Status::kErrNullArgument, kFile, 0);
  memset(model, 0, sizeof(*model));
  if (reinterpret_cast<uintptr_t>(data) % kTmfSectionAlign != 0) {
    return fail(error, Status::kErrSectionMisaligned, kFile, 0);
  }
  if (size < sizeof(FileHeader)) return fail(error, Status::kErrTruncated, kFile, 0);
  const FileHeader* h = reinterpret_cast<const FileHeader*>(data);
  if (memcmp(h->magic, kTmfMagic, sizeof(kTmfMagic)) != 0) {
    return fail(error, Status::kErrBadMagic, kFile, 0);
  }
  if (h->version_major != kTmfVersionMajor) {
    return fail(error, Status::kErrUnsupportedVersion, kFile, 0);
  }
  if (h->file_bytes > size) return fail(error, Status::kErrTruncated, kFile, 0);
  if (h->header_bytes < sizeof(FileHeader) || h->header_bytes % kTmfSectionAlign != 0 ||
      h->header_bytes > h->file_bytes || h->flags != 0 || h->input_count == 0 ||
      h->output_count == 0) {
    return fail(error, Status::kErrBadHeader, kFile, 0);
  }
  if (h->scratch_offset % kTmfSectionAlign != 0 ||
      static_cast<uint64_t>(h->scratch_offset) + h->scratch_bytes > h->arena_bytes) {
    return fail(error, Status::kErrBadScratch, kFile, 0);
  }
  Status s = check_sections(*h);
  if (s != Status::kOk) return fail(error, s, kFile, 0);

  Model m;
  m.base = data;
  m.header = h;
  m.tensors = reinterpret_cast<const TensorRecord*>(data + h->tensors.offset);
  m.ops = reinterpret_cast<const OpRecord*>(data + h->ops.offset);
  m.operands = reinterpret_cast<const uint16_t*>(data + h->operands.offset);
  m.params = data + h->params.offset;
  m.params_bytes = h->params.bytes;
  m.constants = data + h->constants.offset;
  m.constants_bytes = h->constants.bytes;
  m.metadata = data + h->metadata.offset;
  m.metadata_bytes = h->metadata.bytes;
  m.trailer = data + h->trailer.offset;
  m.trailer_bytes = h->trailer.bytes;

  if ((s = check_tlvs(m.metadata, m.metadata_bytes)) != Status::kOk ||
      (s = check_tlvs(m.trailer, m.trailer_bytes)) != Status::kOk) {
    return fail(error, s, kFile, 0);
  }
  uint32_t pool_bytes = 0;
  const uint8_t* pool = find_tlv(m.metadata, m.metadata_bytes, kMetadataStringPool, &pool_bytes);
  if (pool != nullptr && pool_bytes > 0 && pool[pool_bytes - 1] != 0) {
    return fail(error, Status::kErrBadTlv, kFile, 0);
  }

  for (uint32_t i = 0; i < h->tensor_count; ++i) {
    s = check_tensor(m, m.tensors[i], pool_bytes);
    if (s != Status::kOk) return fail(error, s, ValidationItem::kValidationItemTensor, i);
  }

  const uint32_t operand_count = h->operands.bytes / 2;
  const uint32_t io_count = static_cast<uint32_t>(h->input_count) + h->output_count;
  if (io_count > operand_count) return fail(error, Status::kErrBadOperandIndex, kFile, 0);
  for (uint32_t i = 0; i < io_count; ++i) {
    const uint16_t index = m.operands[i];
    if (index >= h->tensor_count) return fail(error, Status::kErrBadOperandIndex, kFile, 0);
    if (m.tensors[index].storage != kTensorStorageArena) {
      return fail(error, Status::kErrConstantOutput, ValidationItem::kValidationItemTensor, index);
    }
  }

  for (uint32_t i = 0; i < h->op_count; ++i) {
    const OpRecord& op = m.ops[i];
    if (op.opcode == 0 || op.opcode >= kOpCodeLimit) {
      return fail(error, Status::kErrUnknownOpcode, ValidationItem::kValidationItemOp, i);
    }
    const KernelRegistration* kernel = kernel_find(op.opcode);
    if (kernel == nullptr) {
      return fail(error, Status::kErrOpNotInBuild, ValidationItem::kValidationItemOp, i);
    }
    s = check_op_operands(m, op, operand_count);
    if (s == Status::kOk) {
      OpContext ctx{&m, &op};
      s = kernel->prepare(ctx);
    }
    if (s != Status::kOk) return fail(error, s, ValidationItem::kValidationItemOp, i);
  }
  *model = m;
  return Status::kOk;
}

const uint8_t* model_find_metadata(const Model& model, uint16_t tag, uint32_t* length) {
  return find_tlv(model.metadata, model.metadata_bytes, tag, length);
}

const uint8_t* model_find_trailer(const Model& model, uint16_t tag, uint32_t* length) {
  return find_tlv(model.trailer, model.trailer_bytes, tag, length);
}

const char* model_tensor_name(const Model& model, uint32_t index) {
  uint32_t pool_bytes = 0;
  const uint8_t* pool = model_find_metadata(model, kMetadataStringPool, &pool_bytes);
  const uint32_t name = model.tensors[index].name;
  if (pool == nullptr || name == kTmfNoName || name >= pool_bytes) return "";
  return reinterpret_cast<const char*>(pool + name);
}

const char* opcode_name(uint16_t opcode) {
  switch (static_cast<OpCode>(opcode)) {
    case kOpFullyConnected: return "FULLY_CONNECTED";
    case kOpConv2D: return "CONV_2D";
    case kOpDepthwiseConv2D: return "DEPTHWISE_CONV_2D";
    case kOpAveragePool2D: return "AVERAGE_POOL_2D";
    case kOpMaxPool2D: return "MAX_POOL_2D";
    case kOpAdd: return "ADD";
    case kOpMul: return "MUL";
    case kOpReshape: return "RESHAPE";
    case kOpSoftmax: return "SOFTMAX";
    case kOpLogistic: return "LOGISTIC";
    case kOpTanh: return "TANH";
    case kOpRelu: return "RELU";
    case kOpRelu6: return "RELU6";
    case kOpQuantize: return "QUANTIZE";
    case kOpDequantize: return "DEQUANTIZE";
    case kOpConcatenation: return "CONCATENATION";
    case kOpMean: return "MEAN";
    case kOpPad: return "PAD";
    case kOpDspFeatures: return "DSP_FEATURES";
    case kOpScoreReconstruction: return "SCORE_RECONSTRUCTION";
    case kOpScoreKMeans: return "SCORE_KMEANS";
    case kOpScoreGmm: return "SCORE_GMM";
    case kOpScoreMahalanobis: return "SCORE_MAHALANOBIS";
    case kOpScoreClass: return "SCORE_CLASS";
    case kOpDecisionThreshold: return "DECISION_THRESHOLD";
    case kOpSub: return "SUB";
    case kOpLeakyRelu: return "LEAKY_RELU";
    case kOpTranspose: return "TRANSPOSE";
    case kOpStridedSlice: return "STRIDED_SLICE";
    case kOpHardSwish: return "HARD_SWISH";
    case kOpTransposeConv: return "TRANSPOSE_CONV";
    case kOpSvdf: return "SVDF";
    case kOpUnidirectionalSequenceLstm: return "UNIDIRECTIONAL_SEQUENCE_LSTM";
    case kOpCodeLimit: break;
  }
  return "UNKNOWN";
}

}  // namespace tmf
