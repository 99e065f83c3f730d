// SHA-256 against the FIPS 180-4 example messages (their digests are published test vectors),
// incremental updates against one-shot hashing, and model_verify_hash() on a built model: intact,
// one weight byte changed, the stored digest changed.
#include <string.h>

#include "device/runtime/integrity.h"
#include "device/runtime/kernels/fully_connected.h"
#include "device/runtime/kernels/requant.h"
#include "device/runtime/sha256.h"
#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

void expect_digest(TmfTestState* tmf_test_state_, const void* data, size_t bytes, const uint8_t expected[32]) {
  uint8_t digest[32];
  sha256(data, bytes, digest);
  TMF_EXPECT_BYTES_EQ(digest, expected, 32);
}

TMF_TEST(Sha256, Fips180Vectors) {
  const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                           0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                           0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  expect_digest(tmf_test_state_, "abc", 3, abc);
  const uint8_t empty[32] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                             0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                             0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  expect_digest(tmf_test_state_, "", 0, empty);
  // 448 bits: the padding needs a second block.
  const char* two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  const uint8_t two[32] = {0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8, 0xe5, 0xc0, 0x26,
                           0x93, 0x0c, 0x3e, 0x60, 0x39, 0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff,
                           0x21, 0x67, 0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1};
  expect_digest(tmf_test_state_, two_blocks, strlen(two_blocks), two);
}

TMF_TEST(Sha256, IncrementalEqualsOneShot) {
  static uint8_t data[1000];
  for (uint32_t i = 0; i < sizeof(data); ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
  uint8_t one_shot[32];
  sha256(data, sizeof(data), one_shot);
  const uint32_t pieces[] = {1, 63, 64, 65, 127, 200, 480};  // 1000 bytes in uneven pieces
  Sha256 ctx;
  sha256_init(&ctx);
  uint32_t at = 0;
  for (uint32_t piece : pieces) {
    sha256_update(&ctx, data + at, piece);
    at += piece;
  }
  uint8_t incremental[32];
  sha256_final(&ctx, incremental);
  TMF_EXPECT_EQ(at, sizeof(data));
  TMF_EXPECT_BYTES_EQ(incremental, one_shot, 32);
}

// A one-op model with constant weights, written (with its SHA-256 trailer) by the builder.
void build_small_model(OpTest& t) {
  static const int8_t weights[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  static const int32_t bias[2] = {10, -10};
  FullyConnectedParams p{};
  p.act_min = -128;
  p.act_max = 127;
  p.output_multiplier = 1 << 30;
  p.output_shift = 0;
  p.per_channel = kTmfNoPerChannel;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{2, {1, 4}}, 0.5f, 0);
  const uint16_t w = t.constant(kTensorTypeInt8, Shape{2, {2, 4}}, weights, 0.5f, 0);
  const uint16_t b = t.constant(kTensorTypeInt32, Shape{1, {2}}, bias);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {1, 2}}, 0.5f, 0);
  const uint16_t inputs[3] = {in, w, b};
  t.op(kOpFullyConnected, p, inputs, 3, &out, 1);
}

TMF_TEST(ModelHash, IntactModelVerifies) {
  OpTest t;
  build_small_model(t);
  TMF_ASSERT(t.build() == Status::kOk);
  TMF_EXPECT(model_verify_hash(t.model()) == Status::kOk);
}

TMF_TEST(ModelHash, ChangedWeightIsDetected) {
  // Validation cannot see a changed weight (it never reads them); the hash does.
  OpTest t;
  build_small_model(t);
  TMF_ASSERT(t.build() == Status::kOk);
  const FileHeader* h = reinterpret_cast<const FileHeader*>(t.file());
  t.file()[h->constants.offset] ^= 0x01;
  Model model;
  TMF_ASSERT(model_validate(t.file(), t.file_bytes(), &model, nullptr) == Status::kOk);
  TMF_EXPECT(model_verify_hash(model) == Status::kErrHashMismatch);
}

TMF_TEST(ModelHash, ChangedDigestIsDetected) {
  OpTest t;
  build_small_model(t);
  TMF_ASSERT(t.build() == Status::kOk);
  const FileHeader* h = reinterpret_cast<const FileHeader*>(t.file());
  t.file()[h->trailer.offset + sizeof(TlvHeader) + 31] ^= 0x80;
  Model model;
  TMF_ASSERT(model_validate(t.file(), t.file_bytes(), &model, nullptr) == Status::kOk);
  TMF_EXPECT(model_verify_hash(model) == Status::kErrHashMismatch);
}

TMF_TEST(ModelHash, UnvalidatedModelIsRefused) {
  Model model;
  memset(&model, 0, sizeof(model));
  TMF_EXPECT(model_verify_hash(model) == Status::kErrNotValidated);
}

}  // namespace
}  // namespace tmf
