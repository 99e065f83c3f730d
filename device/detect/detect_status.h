// Status codes of the on-device detection library (tmf::detect: baseline learning, voting,
// persistence, feature sketches, the per-window detection loop). Outputs are unspecified on error.
#pragma once

#include <stdint.h>

namespace tmf::detect {

enum class DetectStatus : uint8_t {
  kOk = 0,
  kErrNullArgument,    // a required pointer is null
  kErrBadConfig,       // a configuration field out of range (see the struct's comments)
  kErrMemoryTooSmall,  // caller memory smaller than the matching *_bytes() query
  kErrMisaligned,      // caller memory not 8-byte aligned
  kErrNotReady,        // the baseline has not finished learning
  kErrModelInterface,  // a graph input/output named in the config is missing or has the wrong type/shape
  kErrInvoke,          // the interpreter failed (writing inputs or invoke)
  kErrMismatch,        // sketches with different feature counts, bins or ranges cannot merge
};

// A static string naming `status`; never null.
const char* detect_status_to_string(DetectStatus status);

}  // namespace tmf::detect
