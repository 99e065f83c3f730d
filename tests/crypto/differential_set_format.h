// The differential set file the host writes for the bare-metal verifier test (little-endian):
//   header: "TMFEDDF1" (8 bytes), uint32 case count
//   each case: uint8 libsodium verdict (1 valid, 0 invalid), uint8 kind (index into
//              differential_kinds(), host side), uint16 message bytes (0..301), public key (32),
//              signature (64), message.
#pragma once

#include <stdint.h>

inline constexpr char kDifferentialSetMagic[8] = {'T', 'M', 'F', 'E', 'D', 'D', 'F', '1'};
inline constexpr uint32_t kDifferentialSetHeaderBytes = 12;
inline constexpr uint32_t kDifferentialCaseFixedBytes = 4 + 32 + 64;
inline constexpr uint32_t kDifferentialMaxMessageBytes = 512;
