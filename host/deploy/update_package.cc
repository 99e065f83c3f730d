// Manifest and chunks of a model update (see update_package.h).
#include "host/deploy/update_package.h"
#include "host/convert/aligned_buffer.h"


#include <cstring>
#include <random>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "device/runtime/sha256.h"

namespace tmf::deploy {
namespace {

struct AlignedModel {
  host::AlignedBuffer file;
  Model model{};
};

void load_model(AlignedModel& out, const std::vector<uint8_t>& file, const std::string& path) {
  out.file = host::AlignedBuffer(file);
  ValidationError error{};
  if (model_validate(out.file.data(), file.size(), &out.model, &error) != Status::kOk) {
    throw PackageError(path + ": not a valid model: " + status_to_string(error.status));
  }
}

}  // namespace

std::vector<uint8_t> UpdatePackage::manifest_bytes(uint32_t update_id, const std::vector<uint8_t>& record) const {
  OtaManifest m = manifest;
  m.update_id = update_id;
  m.golden_input = golden_input.data();
  if (ota_deploy_record_decode(record.data(), record.size(), &m.record) != OtaDecodeStatus::kOtaDecodeOk) {
    throw PackageError("manifest: the deployment record does not decode");
  }
  if (m.record.model_id != m.model_id || m.record.model_version != m.model_version ||
      std::memcmp(m.record.content_sha256, m.content_sha256, 32) != 0) {
    throw PackageError("manifest: the deployment record is for another model");
  }
  m.has_record = true;
  std::vector<uint8_t> out(kOtaManifestFixedBytes + m.golden_input_bytes + kOtaDeployRecordBytes);
  const size_t n = ota_manifest_encode(m, out.data(), out.size());
  if (n == 0) throw PackageError("manifest: a field is out of range (update_id 0?)");
  out.resize(n);
  return out;
}

UpdatePackage update_package_build(std::vector<uint8_t> file, uint32_t chunk_bytes, const std::string& path,
                                   GoldenMode mode) {
  if (chunk_bytes < kOtaMinChunkBytes || chunk_bytes > kOtaMaxChunkBytes || chunk_bytes % 16 != 0) {
    throw PackageError("--chunk-bytes " + std::to_string(chunk_bytes) + ": must be a multiple of 16 in 64..16384");
  }
  AlignedModel loaded;
  load_model(loaded, file, path);
  const Model& model = loaded.model;
  const FileHeader& h = *model.header;
  uint32_t length = 0;
  const uint8_t* signature = model_find_trailer(model, kTrailerEd25519, &length);
  if (!signature || length != 96) {
    throw PackageError(path + ": not signed (sign it: tinymlops sign MODEL --key KEY, or registry add --sign KEY)");
  }

  UpdatePackage p;
  OtaManifest& m = p.manifest;
  m.model_id = h.model_id;
  m.model_version = h.model_version;
  m.file_bytes = h.file_bytes;
  m.content_bytes = h.trailer.offset;
  m.flash_bytes = h.file_bytes;
  m.arena_bytes = h.arena_bytes;
  m.chunk_bytes = chunk_bytes;
  m.package_type = kOtaPackageTmf1;
  for (uint32_t i = 0; i < h.op_count; ++i) ota_ops_set(m.ops, model.ops[i].opcode);
  sha256(file.data(), h.trailer.offset, m.content_sha256);
  sha256(file.data(), file.size(), m.file_sha256);
  std::memcpy(m.signature, signature, 64);
  std::memcpy(m.key_id, signature + 64, 32);

  // Golden input. Inputs that fit a MANIFEST (package 1, what every agent takes): deterministic
  // values seeded by the content hash, carried in the MANIFEST (unchanged since agent version 1,
  // so a deployment resumed from the registry sends the same digest). Larger inputs (a multi-axis
  // window of 1,024 samples): package 2, the input the device derives from the signed content hash
  // itself (ota_golden_input_fill); agents before version 3 refuse it with result 6.
  uint32_t input_bytes = 0;
  for (uint32_t i = 0; i < h.input_count; ++i) input_bytes += model.tensors[model.operands[i]].bytes;
  const bool derived = mode == GoldenMode::kDerived || (mode == GoldenMode::kAuto && input_bytes > kOtaMaxGoldenInputBytes);
  if (!derived && input_bytes > kOtaMaxGoldenInputBytes) {
    throw PackageError(path + ": graph inputs take " + std::to_string(input_bytes) +
                       " bytes, more than a manifest's golden input (" + std::to_string(kOtaMaxGoldenInputBytes) + ")");
  }
  if (derived) {
    m.package_type = kOtaPackageTmf1DerivedGolden;
    p.golden_input.resize(input_bytes);
    OtaGoldenStream stream;
    ota_golden_stream_init(&stream, m.content_sha256);
    uint32_t at = 0;
    for (uint32_t i = 0; i < h.input_count; ++i) {
      const TensorRecord& t = model.tensors[model.operands[i]];
      ota_golden_input_fill(&stream, t.type == kTensorTypeFloat32, p.golden_input.data() + at, t.bytes);
      at += t.bytes;
    }
    m.golden_input_bytes = 0;  // not sent: the device derives the same bytes
  } else {
    uint32_t seed = 0;
    std::memcpy(&seed, m.content_sha256, 4);
    std::mt19937 rng(seed);
    for (uint32_t i = 0; i < h.input_count; ++i) {
      const TensorRecord& t = model.tensors[model.operands[i]];
      if (t.type == kTensorTypeFloat32) {
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        for (uint32_t k = 0; k < t.bytes / 4; ++k) {
          const float v = dist(rng);
          const auto* raw = reinterpret_cast<const uint8_t*>(&v);
          p.golden_input.insert(p.golden_input.end(), raw, raw + 4);
        }
      } else {
        for (uint32_t k = 0; k < t.bytes; ++k) p.golden_input.push_back(static_cast<uint8_t>(rng()));
      }
    }
    m.golden_input_bytes = static_cast<uint16_t>(p.golden_input.size());
  }

  // Golden output digest: one invoke with the same runtime the device runs.
  host::AlignedBuffer arena(h.arena_bytes);
  Interpreter interpreter{};
  if (interpreter_init(&interpreter, &model, arena.data(), h.arena_bytes) != Status::kOk) {
    throw PackageError(path + ": interpreter_init failed");
  }
  uint32_t at = 0;
  for (uint32_t i = 0; i < h.input_count; ++i) {
    const TensorRecord* t = nullptr;
    uint8_t* data = nullptr;
    interpreter_input(interpreter, i, &t, &data);
    std::memcpy(data, p.golden_input.data() + at, t->bytes);
    at += t->bytes;
  }
  const Status run = interpreter_invoke(&interpreter);
  if (run != Status::kOk) throw PackageError(path + ": golden run failed: " + status_to_string(run));
  Sha256 ctx;
  sha256_init(&ctx);
  for (uint32_t i = 0; i < h.output_count; ++i) {
    const TensorRecord* t = nullptr;
    const uint8_t* data = nullptr;
    interpreter_output(interpreter, i, &t, &data);
    sha256_update(&ctx, data, t->bytes);
  }
  sha256_final(&ctx, m.golden_output_sha256);
  p.file = std::move(file);
  return p;
}

std::vector<uint8_t> update_package_chunk(const UpdatePackage& package, uint32_t update_id, uint32_t offset,
                                          uint32_t length) {
  if (offset >= package.file.size() || length == 0 || length > package.manifest.chunk_bytes) return {};
  if (length > package.file.size() - offset) length = static_cast<uint32_t>(package.file.size() - offset);
  OtaChunk chunk{update_id, offset, length, 0, package.file.data() + offset};
  std::vector<uint8_t> out(kOtaChunkHeaderBytes + length);
  const size_t n = ota_chunk_encode(chunk, out.data(), out.size());
  if (n == 0) return {};
  out.resize(n);
  return out;
}

}  // namespace tmf::deploy
