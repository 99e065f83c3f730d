// Human-readable names of runtime status codes.
#include "status.h"

namespace tmf {

const char* status_to_string(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kErrNullArgument: return "null argument";
    case Status::kErrTruncated: return "truncated model buffer";
    case Status::kErrBadMagic: return "bad magic (not a TMF model)";
    case Status::kErrUnsupportedVersion: return "unsupported format version";
    case Status::kErrBadHeader: return "inconsistent header";
    case Status::kErrSectionOutOfBounds: return "section out of bounds";
    case Status::kErrSectionMisaligned: return "section misaligned";
    case Status::kErrSectionOverlap: return "sections overlap or out of order";
    case Status::kErrBadTensorType: return "bad tensor type";
    case Status::kErrBadTensorRank: return "bad tensor rank";
    case Status::kErrBadTensorDims: return "bad tensor dimensions";
    case Status::kErrBadTensorBytes: return "tensor byte size does not match its shape";
    case Status::kErrTensorOutOfArena: return "tensor outside the arena";
    case Status::kErrTensorOutOfConstants: return "tensor outside the constant section";
    case Status::kErrTensorMisaligned: return "tensor misaligned";
    case Status::kErrBadQuantization: return "bad quantization parameters";
    case Status::kErrBadOperandIndex: return "operand index out of range";
    case Status::kErrBadOperandCount: return "wrong number of operands";
    case Status::kErrUnknownOpcode: return "unknown opcode";
    case Status::kErrOpNotInBuild: return "op not built into this runtime";
    case Status::kErrBadParams: return "bad op parameters";
    case Status::kErrShapeMismatch: return "tensor shapes do not fit the op";
    case Status::kErrTypeMismatch: return "tensor types do not fit the op";
    case Status::kErrConstantOutput: return "op output is a constant tensor";
    case Status::kErrBadScratch: return "bad scratch area";
    case Status::kErrBadTlv: return "malformed TLV record";
    case Status::kErrHashMismatch: return "content hash mismatch";
    case Status::kErrArenaTooSmall: return "arena smaller than the model needs";
    case Status::kErrArenaMisaligned: return "arena not 16-byte aligned";
    case Status::kErrNotValidated: return "model not validated";
    case Status::kErrBadTensorIndex: return "no such input or output";
  }
  return "unknown status";
}

}  // namespace tmf
