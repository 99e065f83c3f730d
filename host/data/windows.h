// Cutting recordings into fixed-length windows, and train/validation/test splits that keep
// overlapping windows of one recording out of two parts (docs/data.md, "Splits").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tmf::data {

// A half-open range of sample indices [begin, end) of one recording.
struct SampleRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  uint64_t size() const { return end - begin; }
};

// Windows of `length` samples starting every `hop` samples (both > 0). The count of windows that
// fit entirely in `samples`: 0 if samples < length, else (samples - length) / hop + 1.
uint64_t window_count(uint64_t samples, uint64_t length, uint64_t hop);
// Start offsets of the windows that fit entirely in `range`, the first at range.begin.
std::vector<uint64_t> window_offsets(SampleRange range, uint64_t length, uint64_t hop);

// Fractions of the three parts: each in [0, 1], summing to 1 (within 1e-6).
struct SplitFractions {
  double train = 0.6;
  double validation = 0.2;
  double test = 0.2;
};

enum class SplitPart : uint8_t { kSplitPartTrain, kSplitPartValidation, kSplitPartTest };
const char* split_part_name(SplitPart part);  // "train", "validation", "test"

// Split of one recording by time: train first, then validation, then test. The cut points are
// floor(samples * train) and floor(samples * (train + validation)); every part after the first
// non-empty one starts `guard` samples after its nominal cut. Guarantee: the ranges are disjoint,
// in time order, and any two non-empty ranges are at least `guard` samples apart. Pass
// guard = window length so that no window, and no pair of overlapping windows, spans two parts.
// A part too short for the guard is empty (begin == end). Throws DataError on bad fractions.
struct TimeSplit {
  SampleRange train;
  SampleRange validation;
  SampleRange test;
  const SampleRange& part(SplitPart p) const;
};
TimeSplit split_by_time(uint64_t samples, uint64_t guard, const SplitFractions& fractions);

// Split by recording: every recording with the same `group` key (e.g. its file, or its bearing
// so both channels of a run stay together) goes to the same part. The distinct groups are sorted,
// shuffled with a 64-bit Mersenne Twister seeded by `seed` (same seed, same split on every
// platform), and the first round(groups * train) go to train, the next round(groups *
// validation) to validation, the rest to test. Returns one part per input element.
std::vector<SplitPart> split_by_recording(const std::vector<std::string>& groups,
                                          const SplitFractions& fractions, uint64_t seed);

}  // namespace tmf::data
