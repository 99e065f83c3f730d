// TMF file assembly; the layout rules are those of docs/format.md.
#include "model_builder.h"

#include <string.h>

#include "model.h"
#include "sha256.h"

namespace tmf {
namespace {

uint32_t align_up(uint32_t x, uint32_t a) { return (x + a - 1) / a * a; }

size_t align_size(size_t x) { return (x + 15) / 16 * 16; }

}  // namespace

size_t model_builder_workspace_bytes(const ModelBuilderCapacity& c) {
  return align_size(sizeof(TensorRecord) * c.tensors) + align_size(sizeof(OpRecord) * c.ops) +
         align_size(2 * c.operands) + align_size(c.params_bytes) +
         align_size(c.constants_bytes) + align_size(c.strings_bytes) +
         align_size(c.metadata_bytes);
}

ModelBuilder::ModelBuilder(const ModelBuilderCapacity& capacity, uint8_t* workspace,
                           size_t workspace_bytes)
    : capacity_(capacity) {
  if (workspace == nullptr || workspace_bytes < model_builder_workspace_bytes(capacity) ||
      reinterpret_cast<uintptr_t>(workspace) % 16 != 0) {
    ok_ = false;
    return;
  }
  uint8_t* p = workspace;
  tensors_ = reinterpret_cast<TensorRecord*>(p);
  p += align_size(sizeof(TensorRecord) * capacity.tensors);
  ops_ = reinterpret_cast<OpRecord*>(p);
  p += align_size(sizeof(OpRecord) * capacity.ops);
  operands_ = reinterpret_cast<uint16_t*>(p);
  p += align_size(2 * capacity.operands);
  params_ = p;
  p += align_size(capacity.params_bytes);
  constants_ = p;
  p += align_size(capacity.constants_bytes);
  strings_ = p;
  p += align_size(capacity.strings_bytes);
  metadata_ = p;
}

uint16_t ModelBuilder::add_tensor(const TensorRecord& record) {
  if (!ok_ || tensor_count_ >= capacity_.tensors || tensor_count_ >= kTmfNoTensor) {
    ok_ = false;
    return 0;
  }
  TensorRecord t = record;
  uint64_t elements = 1;
  for (uint32_t i = 0; i < kTmfMaxRank; ++i) {
    if (i >= t.rank) t.dims[i] = 1;
    elements *= static_cast<uint32_t>(t.dims[i]);
  }
  t.bytes = static_cast<uint32_t>(elements * tensor_type_size(t.type));
  tensors_[tensor_count_] = t;
  return static_cast<uint16_t>(tensor_count_++);
}

uint32_t ModelBuilder::add_constant_data(const void* data, uint32_t bytes) {
  const uint32_t offset = align_up(constants_bytes_, kTmfConstAlign);
  if (!ok_ || static_cast<uint64_t>(offset) + bytes > capacity_.constants_bytes) {
    ok_ = false;
    return 0;
  }
  memset(constants_ + constants_bytes_, 0, offset - constants_bytes_);
  memcpy(constants_ + offset, data, bytes);
  constants_bytes_ = offset + bytes;
  return offset;
}

uint32_t ModelBuilder::add_params(const void* data, uint32_t bytes) {
  const uint32_t offset = align_up(params_bytes_, 4);
  const uint32_t end = align_up(offset + bytes, 4);
  if (!ok_ || end > capacity_.params_bytes) {
    ok_ = false;
    return 0;
  }
  memset(params_ + params_bytes_, 0, end - params_bytes_);
  memcpy(params_ + offset, data, bytes);
  params_bytes_ = end;
  return offset;
}

uint32_t ModelBuilder::add_string(const char* text) {
  const uint32_t bytes = static_cast<uint32_t>(strlen(text)) + 1;
  if (!ok_ || strings_bytes_ + bytes > capacity_.strings_bytes) {
    ok_ = false;
    return kTmfNoName;
  }
  memcpy(strings_ + strings_bytes_, text, bytes);
  strings_bytes_ += bytes;
  return strings_bytes_ - bytes;
}

void ModelBuilder::add_metadata(uint16_t tag, const void* data, uint32_t bytes) {
  const uint32_t total = static_cast<uint32_t>(sizeof(TlvHeader)) + align_up(bytes, 4);
  if (!ok_ || metadata_bytes_ + total > capacity_.metadata_bytes) {
    ok_ = false;
    return;
  }
  const TlvHeader tlv{tag, 0, bytes};
  memcpy(metadata_ + metadata_bytes_, &tlv, sizeof(tlv));
  memset(metadata_ + metadata_bytes_ + sizeof(tlv), 0, align_up(bytes, 4));
  memcpy(metadata_ + metadata_bytes_ + sizeof(tlv), data, bytes);
  metadata_bytes_ += total;
}

void ModelBuilder::add_op(uint16_t opcode, const uint16_t* inputs, uint8_t input_count,
                          const uint16_t* outputs, uint8_t output_count, uint32_t params_offset,
                          uint32_t params_bytes) {
  if (!ok_ || op_count_ >= capacity_.ops ||
      operand_count_ + input_count + output_count > capacity_.operands) {
    ok_ = false;
    return;
  }
  // Operand indices are stored relative to the op operands; finish() shifts them past the
  // graph inputs and outputs, which lead the operand array.
  ops_[op_count_++] = OpRecord{opcode, input_count, output_count, operand_count_,
                               params_offset, params_bytes};
  for (uint32_t i = 0; i < input_count; ++i) operands_[operand_count_++] = inputs[i];
  for (uint32_t i = 0; i < output_count; ++i) operands_[operand_count_++] = outputs[i];
}

void ModelBuilder::set_graph_io(const uint16_t* inputs, uint16_t input_count,
                                const uint16_t* outputs, uint16_t output_count) {
  if (static_cast<uint32_t>(input_count) + output_count > sizeof(io_) / sizeof(io_[0])) {
    ok_ = false;
    return;
  }
  for (uint32_t i = 0; i < input_count; ++i) io_[i] = inputs[i];
  for (uint32_t i = 0; i < output_count; ++i) io_[input_count + i] = outputs[i];
  input_count_ = input_count;
  output_count_ = output_count;
}

namespace {

struct Layout {
  Section tensors, ops, operands, params, constants, metadata, trailer;
  uint32_t file_bytes;
};

}  // namespace

static Layout layout_for(uint32_t tensor_count, uint32_t op_count, uint32_t operand_count,
                         uint32_t params_bytes, uint32_t constants_bytes, uint32_t strings_bytes,
                         uint32_t metadata_bytes) {
  Layout l{};
  uint32_t at = align_up(sizeof(FileHeader), kTmfSectionAlign);
  const auto place = [&at](Section* s, uint32_t bytes) {
    s->offset = at;
    s->bytes = bytes;
    at = align_up(at + bytes, kTmfSectionAlign);
  };
  place(&l.tensors, tensor_count * static_cast<uint32_t>(sizeof(TensorRecord)));
  place(&l.ops, op_count * static_cast<uint32_t>(sizeof(OpRecord)));
  place(&l.operands, 2 * operand_count);
  place(&l.params, params_bytes);
  place(&l.constants, constants_bytes);
  const uint32_t pool_tlv = strings_bytes > 0 ? sizeof(TlvHeader) + align_up(strings_bytes, 4) : 0;
  place(&l.metadata, pool_tlv + metadata_bytes);
  l.trailer.offset = at;
  l.trailer.bytes = sizeof(TlvHeader) + 32;
  l.file_bytes = at + l.trailer.bytes;
  return l;
}

size_t ModelBuilder::file_bytes() const {
  return layout_for(tensor_count_, op_count_, input_count_ + output_count_ + operand_count_,
                    params_bytes_, constants_bytes_, strings_bytes_, metadata_bytes_)
      .file_bytes;
}

size_t ModelBuilder::finish(const ModelBuilderHeader& header, uint8_t* out,
                            size_t out_bytes) const {
  const uint32_t io_count = static_cast<uint32_t>(input_count_) + output_count_;
  const Layout l = layout_for(tensor_count_, op_count_, io_count + operand_count_, params_bytes_,
                              constants_bytes_, strings_bytes_, metadata_bytes_);
  if (!ok_ || out == nullptr || out_bytes < l.file_bytes) return 0;
  memset(out, 0, l.file_bytes);

  FileHeader h{};
  memcpy(h.magic, kTmfMagic, sizeof(h.magic));
  h.version_major = kTmfVersionMajor;
  h.version_minor = kTmfVersionMinor;
  h.header_bytes = align_up(sizeof(FileHeader), kTmfSectionAlign);
  h.file_bytes = l.file_bytes;
  h.model_id = header.model_id;
  h.model_version = header.model_version;
  h.arena_bytes = header.arena_bytes;
  h.scratch_offset = header.scratch_offset;
  h.scratch_bytes = header.scratch_bytes;
  h.tensor_count = static_cast<uint16_t>(tensor_count_);
  h.op_count = static_cast<uint16_t>(op_count_);
  h.input_count = input_count_;
  h.output_count = output_count_;
  h.tensors = l.tensors;
  h.ops = l.ops;
  h.operands = l.operands;
  h.params = l.params;
  h.constants = l.constants;
  h.metadata = l.metadata;
  h.trailer = l.trailer;
  memcpy(out, &h, sizeof(h));

  memcpy(out + l.tensors.offset, tensors_, l.tensors.bytes);
  for (uint32_t i = 0; i < op_count_; ++i) {
    OpRecord op = ops_[i];
    op.operands += io_count;
    memcpy(out + l.ops.offset + i * sizeof(OpRecord), &op, sizeof(op));
  }
  memcpy(out + l.operands.offset, io_, 2 * io_count);
  memcpy(out + l.operands.offset + 2 * io_count, operands_, 2 * operand_count_);
  memcpy(out + l.params.offset, params_, params_bytes_);
  memcpy(out + l.constants.offset, constants_, constants_bytes_);
  uint32_t at = l.metadata.offset;
  if (strings_bytes_ > 0) {
    const TlvHeader pool{kMetadataStringPool, 0, strings_bytes_};
    memcpy(out + at, &pool, sizeof(pool));
    memcpy(out + at + sizeof(pool), strings_, strings_bytes_);
    at += sizeof(pool) + align_up(strings_bytes_, 4);
  }
  memcpy(out + at, metadata_, metadata_bytes_);

  const TlvHeader hash_tlv{kTrailerSha256, 0, 32};
  memcpy(out + l.trailer.offset, &hash_tlv, sizeof(hash_tlv));
  sha256(out, l.trailer.offset, out + l.trailer.offset + sizeof(hash_tlv));
  return l.file_bytes;
}

}  // namespace tmf
