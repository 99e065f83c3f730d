// Names of DetectStatus values (switch-based: no table to fall out of step with the enum).
#include "device/detect/detect_status.h"

namespace tmf::detect {

const char* detect_status_to_string(DetectStatus status) {
  switch (status) {
    case DetectStatus::kOk: return "ok";
    case DetectStatus::kErrNullArgument: return "null argument";
    case DetectStatus::kErrBadConfig: return "bad configuration";
    case DetectStatus::kErrMemoryTooSmall: return "memory too small";
    case DetectStatus::kErrMisaligned: return "memory misaligned";
    case DetectStatus::kErrNotReady: return "baseline not ready";
    case DetectStatus::kErrModelInterface: return "model interface mismatch";
    case DetectStatus::kErrInvoke: return "invoke failed";
    case DetectStatus::kErrMismatch: return "sketches do not match";
  }
  return "unknown detect status";
}

}  // namespace tmf::detect
