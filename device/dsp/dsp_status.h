// Status codes of the feature-extraction library (tmf::dsp). Every function that can fail returns
// one; outputs are left unspecified on error.
#pragma once

#include <stdint.h>

namespace tmf::dsp {

enum class DspStatus : uint8_t {
  kOk = 0,
  kErrNullArgument,     // a required pointer is null
  kErrBadLength,        // FFT length not a power of two in [16, 4096], or a length of zero
  kErrBadParams,        // frequency range, sample rate, band count, hop or floor out of range
  kErrWorkTooSmall,     // caller memory smaller than the matching *_bytes() query
  kErrWorkMisaligned,   // caller memory not 4-byte aligned
  kErrBadIndex,         // frame index >= frame count
  kErrNotInitialized,   // plan or stream not (successfully) initialised
};

// A static string naming `status`; never null.
const char* dsp_status_to_string(DspStatus status);

}  // namespace tmf::dsp
