// The signed deployment record a MANIFEST carries (docs/protocol.md, "Deployment record"):
// encode, decode and the bytes the signature covers. Freestanding; shared with the host signer.
#include <string.h>

#include "device/agent/protocol.h"
#include "device/runtime/le_bytes.h"

namespace tmf {
namespace {

// A name field: `length` valid characters, zero padding after them.
bool name_field_ok(const uint8_t* field, uint32_t length) {
  if (length == 0 || length > kOtaMaxNameBytes) return false;
  char name[kOtaMaxNameBytes + 1];
  memcpy(name, field, length);
  name[length] = '\0';
  if (!ota_name_valid(name)) return false;
  for (uint32_t i = length; i < kOtaMaxNameBytes; ++i) {
    if (field[i] != 0) return false;
  }
  return true;
}

size_t name_length(const char* name) {
  size_t n = 0;
  while (n <= kOtaMaxNameBytes && name[n] != '\0') ++n;
  return n;
}

}  // namespace

size_t ota_deploy_record_signed_bytes(const OtaDeployRecord& r, uint8_t out[kOtaDeployRecordSignedBytes]) {
  if (!ota_name_valid(r.fleet) || !ota_name_valid(r.group) || (r.flags & ~kOtaDeployFlagGoldenDigest) != 0) {
    return 0;
  }
  memset(out, 0, kOtaDeployRecordSignedBytes);
  memcpy(out, kOtaDeployRecordMagic, sizeof(kOtaDeployRecordMagic));
  le::put_u32(out + 8, r.sequence);
  le::put_u32(out + 12, r.security_counter);
  le::put_u32(out + 16, r.model_id);
  le::put_u32(out + 20, r.model_version);
  const size_t fleet = name_length(r.fleet), group = name_length(r.group);
  out[24] = static_cast<uint8_t>(fleet);
  out[25] = static_cast<uint8_t>(group);
  out[26] = r.flags;
  memcpy(out + 28, r.fleet, fleet);
  memcpy(out + 60, r.group, group);
  memcpy(out + 92, r.content_sha256, 32);
  if ((r.flags & kOtaDeployFlagGoldenDigest) != 0) memcpy(out + 124, r.golden_output_sha256, 32);
  return kOtaDeployRecordSignedBytes;
}

size_t ota_deploy_record_encode(const OtaDeployRecord& r, uint8_t* out, size_t out_bytes) {
  if (out == nullptr || out_bytes < kOtaDeployRecordBytes) return 0;
  if (ota_deploy_record_signed_bytes(r, out) == 0) return 0;
  memcpy(out + kOtaDeployRecordSignedBytes, r.signature, 64);
  memcpy(out + kOtaDeployRecordSignedBytes + 64, r.key_id, 32);
  return kOtaDeployRecordBytes;
}

OtaDecodeStatus ota_deploy_record_decode(const uint8_t* data, size_t size, OtaDeployRecord* r) {
  if (data == nullptr || size < kOtaDeployRecordBytes) return OtaDecodeStatus::kOtaDecodeTruncated;
  if (memcmp(data, kOtaDeployRecordMagic, sizeof(kOtaDeployRecordMagic)) != 0) return OtaDecodeStatus::kOtaDecodeBadField;
  memset(r, 0, sizeof(*r));
  r->sequence = le::get_u32(data + 8);
  r->security_counter = le::get_u32(data + 12);
  r->model_id = le::get_u32(data + 16);
  r->model_version = le::get_u32(data + 20);
  const uint32_t fleet = data[24], group = data[25];
  r->flags = data[26];
  // One encoding per record: unknown flags, a reserved byte, padding or an unsigned digest that
  // is not zero would let two byte strings carry one meaning.
  if ((r->flags & ~kOtaDeployFlagGoldenDigest) != 0 || data[27] != 0 || !name_field_ok(data + 28, fleet) ||
      !name_field_ok(data + 60, group) || le::get_u32(data + 156) != 0 || r->sequence == 0) {
    return OtaDecodeStatus::kOtaDecodeBadField;
  }
  if ((r->flags & kOtaDeployFlagGoldenDigest) == 0) {
    for (uint32_t i = 0; i < 32; ++i) {
      if (data[124 + i] != 0) return OtaDecodeStatus::kOtaDecodeBadField;
    }
  }
  memcpy(r->fleet, data + 28, fleet);
  memcpy(r->group, data + 60, group);
  memcpy(r->content_sha256, data + 92, 32);
  memcpy(r->golden_output_sha256, data + 124, 32);
  memcpy(r->signature, data + kOtaDeployRecordSignedBytes, 64);
  memcpy(r->key_id, data + kOtaDeployRecordSignedBytes + 64, 32);
  return OtaDecodeStatus::kOtaDecodeOk;
}

}  // namespace tmf
