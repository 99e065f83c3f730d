// Human-readable names of tmf::dsp status codes.
#include "device/dsp/dsp_status.h"

namespace tmf::dsp {

const char* dsp_status_to_string(DspStatus status) {
  switch (status) {
    case DspStatus::kOk: return "ok";
    case DspStatus::kErrNullArgument: return "null argument";
    case DspStatus::kErrBadLength: return "bad length (FFT: power of two in [16, 4096])";
    case DspStatus::kErrBadParams: return "parameter out of range";
    case DspStatus::kErrWorkTooSmall: return "work area too small";
    case DspStatus::kErrWorkMisaligned: return "work area not 4-byte aligned";
    case DspStatus::kErrBadIndex: return "frame index out of range";
    case DspStatus::kErrNotInitialized: return "plan or stream not initialised";
  }
  return "unknown dsp status";
}

}  // namespace tmf::dsp
