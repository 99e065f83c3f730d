// SHA-256 check of a model's trailer (integrity.h).
#include "integrity.h"

#include "sha256.h"

namespace tmf {

Status model_verify_hash(const Model& model) {
  if (model.header == nullptr) return Status::kErrNotValidated;
  uint32_t length = 0;
  const uint8_t* stored = model_find_trailer(model, kTrailerSha256, &length);
  if (stored == nullptr || length != 32) return Status::kErrBadTlv;
  uint8_t digest[32];
  sha256(model.base, model.header->trailer.offset, digest);
  // Compare every byte (no early exit), so the time taken does not depend on where they differ.
  uint8_t difference = 0;
  for (uint32_t i = 0; i < 32; ++i) difference |= static_cast<uint8_t>(digest[i] ^ stored[i]);
  return difference == 0 ? Status::kOk : Status::kErrHashMismatch;
}

}  // namespace tmf
