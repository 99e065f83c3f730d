// Detection settings TLV 0x101 (device/detect/model_config.h): a hand-built value as the oracle
// of decode and encode, every range check, truncation, and the DetectLoopConfig it yields.
#include "device/detect/model_config.h"

#include <math.h>
#include <string.h>

#include <vector>

#include "tests/support/le_bytes.h"
#include "tests/support/tmf_test.h"

namespace tmf::detect {
namespace {

using test_bytes::le32;
using test_bytes::lef;

// F = 3, two detectors, normalization input 1, 16 bins.
std::vector<uint8_t> hand_built() {
  std::vector<uint8_t> b;
  le32(&b, 1);           // version
  le32(&b, 0);           // samples_input
  le32(&b, 1);           // normalization_input
  le32(&b, 0);           // raw_features_output
  le32(&b, 3);           // score_output
  le32(&b, 2);           // detector_count
  le32(&b, 1), le32(&b, 2), le32(&b, 0), le32(&b, 0);  // decision_outputs
  le32(&b, 2);           // vote_k
  le32(&b, 3);           // persist_m
  le32(&b, 5);           // persist_w
  le32(&b, 2);           // persist_clear_below
  le32(&b, 41);          // baseline_windows
  le32(&b, 16);          // sketch_bins
  le32(&b, 3);           // feature_count
  lef(&b, -1.0f), lef(&b, 0.0f), lef(&b, 2.5f);   // lo
  lef(&b, 1.0f), lef(&b, 8.0f), lef(&b, 3.0f);    // hi
  return b;
}

void put32(std::vector<uint8_t>* b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

TMF_TEST(ModelConfig, DecodesHandBuiltValueAndEncodesItBack) {
  const std::vector<uint8_t> b = hand_built();
  TMF_ASSERT(b.size() == model_config_bytes(3));
  TMF_EXPECT_EQ(b.size(), 92u);
  ModelConfig c{};
  TMF_ASSERT(model_config_decode(b.data(), static_cast<uint32_t>(b.size()), &c) == DetectStatus::kOk);
  TMF_EXPECT_EQ(c.samples_input, 0u);
  TMF_EXPECT_EQ(c.normalization_input, 1);
  TMF_EXPECT_EQ(c.score_output, 3u);
  TMF_EXPECT_EQ(c.detector_count, 2u);
  TMF_EXPECT_EQ(c.decision_outputs[1], 2u);
  TMF_EXPECT_EQ(c.vote_k, 2u);
  TMF_EXPECT_EQ(c.persist_m, 3u);
  TMF_EXPECT_EQ(c.persist_w, 5u);
  TMF_EXPECT_EQ(c.persist_clear_below, 2u);
  TMF_EXPECT_EQ(c.baseline_windows, 41u);
  TMF_EXPECT_EQ(c.sketch_bins, 16u);
  TMF_EXPECT_EQ(c.feature_count, 3u);
  TMF_EXPECT(c.sketch_lo[2] == 2.5f && c.sketch_hi[1] == 8.0f);
  uint8_t out[256];
  TMF_ASSERT(model_config_encode(c, out, sizeof(out)) == b.size());
  TMF_EXPECT_BYTES_EQ(out, b.data(), b.size());
  TMF_EXPECT_EQ(model_config_encode(c, out, b.size() - 1), 0u);
  // -1 (no normalization input) survives the round trip as 0xFFFFFFFF.
  c.normalization_input = kDetectNoInput;
  TMF_ASSERT(model_config_encode(c, out, sizeof(out)) == b.size());
  TMF_EXPECT(out[8] == 0xFF && out[11] == 0xFF);
  ModelConfig d{};
  TMF_ASSERT(model_config_decode(out, static_cast<uint32_t>(b.size()), &d) == DetectStatus::kOk);
  TMF_EXPECT_EQ(d.normalization_input, kDetectNoInput);
}

TMF_TEST(ModelConfig, RejectsTruncationAndOutOfRangeFields) {
  const std::vector<uint8_t> b = hand_built();
  ModelConfig c{};
  for (uint32_t cut = 0; cut < b.size(); ++cut) {
    TMF_EXPECT(model_config_decode(b.data(), cut, &c) == DetectStatus::kErrBadConfig);
  }
  std::vector<uint8_t> longer = b;
  longer.resize(b.size() + 12, 0xAB);  // appended by a later minor: ignored
  TMF_EXPECT(model_config_decode(longer.data(), static_cast<uint32_t>(longer.size()), &c) == DetectStatus::kOk);
  TMF_EXPECT(model_config_decode(nullptr, 92, &c) == DetectStatus::kErrNullArgument);

  struct Bad { size_t at; uint32_t value; };
  const float nan = nanf("");
  uint32_t nan_bits, inf_bits;
  const float inf = INFINITY;
  memcpy(&nan_bits, &nan, 4);
  memcpy(&inf_bits, &inf, 4);
  const Bad bad[] = {
      {0, 2},             // version
      {8, 0xFFFFFFFEu},   // normalization_input -2
      {20, 0}, {20, 5},   // detector_count
      {40, 0}, {40, 3},   // vote_k > n
      {48, 0}, {48, 65},  // persist_w
      {44, 0}, {44, 6},   // persist_m > w
      {52, 0}, {52, 4},   // clear_below > m
      {56, 1},            // baseline_windows < 2
      {60, 33},           // bins
      {64, 0}, {64, 65},  // feature_count
      {64, 4},            // F = 4: the value is 8 bytes short
      {68, 0x3F800000u},  // lo[0] = 1.0 = hi[0]
      {72, nan_bits},     // lo[1] NaN
      {84, inf_bits},     // hi[1] infinite
  };
  for (const Bad& x : bad) {
    std::vector<uint8_t> v = b;
    put32(&v, x.at, x.value);
    TMF_EXPECT(model_config_decode(v.data(), static_cast<uint32_t>(v.size()), &c) == DetectStatus::kErrBadConfig);
  }
  // The encoder refuses what the decoder refuses.
  TMF_ASSERT(model_config_decode(b.data(), static_cast<uint32_t>(b.size()), &c) == DetectStatus::kOk);
  uint8_t out[256];
  ModelConfig e = c;
  e.vote_k = 3;
  TMF_EXPECT_EQ(model_config_encode(e, out, sizeof(out)), 0u);
  e = c;
  e.sketch_hi[0] = e.sketch_lo[0];
  TMF_EXPECT_EQ(model_config_encode(e, out, sizeof(out)), 0u);
}

TMF_TEST(ModelConfig, LoopConfig) {
  const std::vector<uint8_t> b = hand_built();
  ModelConfig c{};
  TMF_ASSERT(model_config_decode(b.data(), static_cast<uint32_t>(b.size()), &c) == DetectStatus::kOk);
  float ranges[2 * 3] = {};
  const DetectLoopConfig l = model_config_loop_config(c, ranges);
  TMF_EXPECT_EQ(l.samples_input, 0u);
  TMF_EXPECT_EQ(l.normalization_input, 1);
  TMF_EXPECT_EQ(l.detector_count, 2u);
  TMF_EXPECT_EQ(l.decision_outputs[0], 1u);
  TMF_EXPECT_EQ(l.vote_k, 2u);
  TMF_EXPECT_EQ(l.persistence.window, 5u);
  TMF_EXPECT_EQ(l.persistence.min_set, 3u);
  TMF_EXPECT_EQ(l.persistence.clear_below, 2u);
  TMF_EXPECT_EQ(l.baseline.feature_count, 3u);
  TMF_EXPECT_EQ(l.baseline.target_windows, 41u);
  TMF_EXPECT_EQ(l.baseline.max_windows, 41u);
  TMF_EXPECT_EQ(l.baseline.min_windows, 21u);  // 41 / 2 rounded up
  TMF_EXPECT(l.baseline.variance_floor == 1e-6f);
  TMF_EXPECT_EQ(l.sketch_bins, 16u);
  TMF_ASSERT(l.sketch_ranges == ranges);
  const float expected[6] = {-1.0f, 0.0f, 2.5f, 1.0f, 8.0f, 3.0f};  // lows, then highs
  TMF_EXPECT(memcmp(ranges, expected, sizeof(expected)) == 0);
  TMF_EXPECT(detect_loop_bytes(l) > 0);
  c.baseline_windows = 2;
  TMF_EXPECT_EQ(model_config_loop_config(c, ranges).baseline.min_windows, 2u);
  c.baseline_windows = 3;
  TMF_EXPECT_EQ(model_config_loop_config(c, ranges).baseline.min_windows, 2u);
  TMF_EXPECT_EQ(model_config_loop_config(c, nullptr).sketch_bins, 0u);  // no ranges memory: no sketch
}

}  // namespace
}  // namespace tmf::detect
