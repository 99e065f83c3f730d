// The 4-byte header every protocol payload starts with (docs/protocol.md), shared by the codec's
// source files (protocol.cc: OTA messages; protocol_telemetry.cc: telemetry and data). Internal.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "device/agent/protocol.h"
#include "device/runtime/le_bytes.h"

namespace tmf::protocol_detail {

inline void put_header(uint8_t* out, OtaMessageType type) {
  out[0] = kOtaProtocolVersion;
  out[1] = static_cast<uint8_t>(type);
  le::put_u16(out + 2, 0);
}

// Version, type and minimum length of a payload.
inline OtaDecodeStatus check_header(const uint8_t* data, size_t size, OtaMessageType type, size_t min_bytes) {
  if (data == nullptr || size < kOtaHeaderBytes) return OtaDecodeStatus::kOtaDecodeTruncated;
  if (data[0] != kOtaProtocolVersion) return OtaDecodeStatus::kOtaDecodeBadVersion;
  if (data[1] != static_cast<uint8_t>(type)) return OtaDecodeStatus::kOtaDecodeWrongType;
  if (size < min_bytes) return OtaDecodeStatus::kOtaDecodeTruncated;
  return OtaDecodeStatus::kOtaDecodeOk;
}

}  // namespace tmf::protocol_detail
