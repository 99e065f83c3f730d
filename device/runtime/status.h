// Status codes of the device runtime. Errors are values: every public function returns one.
#pragma once

#include <stdint.h>

namespace tmf {

enum class Status : uint8_t {
  kOk = 0,
  kErrNullArgument,
  kErrTruncated,           // buffer shorter than the header or than header.file_bytes
  kErrBadMagic,
  kErrUnsupportedVersion,  // format major version this runtime does not read
  kErrBadHeader,           // header_bytes, flags or counts inconsistent
  kErrSectionOutOfBounds,
  kErrSectionMisaligned,
  kErrSectionOverlap,
  kErrBadTensorType,
  kErrBadTensorRank,
  kErrBadTensorDims,
  kErrBadTensorBytes,      // bytes != element count * element size, or overflow
  kErrTensorOutOfArena,
  kErrTensorOutOfConstants,
  kErrTensorMisaligned,
  kErrBadQuantization,     // scale not finite/positive, zero point out of range, bad per-channel block
  kErrBadOperandIndex,
  kErrBadOperandCount,
  kErrUnknownOpcode,       // not an opcode of this format version
  kErrOpNotInBuild,        // a valid opcode whose kernel this firmware was built without
  kErrBadParams,           // params block missing, misaligned, wrong size or values out of range
  kErrShapeMismatch,
  kErrTypeMismatch,
  kErrConstantOutput,      // an op would write to a constant tensor
  kErrBadScratch,
  kErrBadTlv,
  kErrHashMismatch,
  kErrArenaTooSmall,
  kErrArenaMisaligned,
  kErrNotValidated,
  kErrBadTensorIndex,      // caller asked for an input/output that does not exist
};

const char* status_to_string(Status status);

}  // namespace tmf
