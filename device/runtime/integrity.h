// Integrity check of a validated model: the SHA-256 in its trailer against its bytes. It reads
// the whole file (O(bytes)), so it belongs where a model is installed, not in every boot's
// model_validate().
#pragma once

#include "model.h"
#include "status.h"

namespace tmf {

// kOk if the trailer's kTrailerSha256 record equals SHA-256 of bytes [0, trailer.offset);
// kErrBadTlv if the record is missing or not 32 bytes; kErrHashMismatch otherwise.
Status model_verify_hash(const Model& model);

}  // namespace tmf
