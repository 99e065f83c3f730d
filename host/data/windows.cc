// Windowing and leak-free train/validation/test splits (see windows.h).
#include "host/data/windows.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "host/data/dataset.h"

namespace tmf::data {
namespace {

void check_fractions(const SplitFractions& f) {
  for (const double v : {f.train, f.validation, f.test}) {
    if (!(v >= 0.0 && v <= 1.0)) {
      throw DataError("split fractions: " + std::to_string(v) + " is outside [0, 1]");
    }
  }
  const double sum = f.train + f.validation + f.test;
  if (std::fabs(sum - 1.0) > 1e-6) {
    throw DataError("split fractions: train + validation + test = " + std::to_string(sum) +
                    ", expected 1");
  }
}

uint64_t cut(uint64_t samples, double fraction) {
  const double c = std::floor(static_cast<double>(samples) * fraction);
  return c >= static_cast<double>(samples) ? samples : static_cast<uint64_t>(c);
}

}  // namespace

uint64_t window_count(uint64_t samples, uint64_t length, uint64_t hop) {
  if (length == 0 || hop == 0) throw DataError("windows: length and hop must be positive");
  return samples < length ? 0 : (samples - length) / hop + 1;
}

std::vector<uint64_t> window_offsets(SampleRange range, uint64_t length, uint64_t hop) {
  const uint64_t n = window_count(range.end > range.begin ? range.size() : 0, length, hop);
  std::vector<uint64_t> offsets(n);
  for (uint64_t i = 0; i < n; ++i) offsets[i] = range.begin + i * hop;
  return offsets;
}

const char* split_part_name(SplitPart part) {
  switch (part) {
    case SplitPart::kSplitPartTrain: return "train";
    case SplitPart::kSplitPartValidation: return "validation";
    case SplitPart::kSplitPartTest: return "test";
  }
  return "?";
}

const SampleRange& TimeSplit::part(SplitPart p) const {
  switch (p) {
    case SplitPart::kSplitPartTrain: return train;
    case SplitPart::kSplitPartValidation: return validation;
    case SplitPart::kSplitPartTest: break;
  }
  return test;
}

TimeSplit split_by_time(uint64_t samples, uint64_t guard, const SplitFractions& fractions) {
  check_fractions(fractions);
  // Nominal cut points; a zero fraction gives an empty nominal part exactly.
  const uint64_t c1 = fractions.train == 0.0 ? 0 : cut(samples, fractions.train);
  const uint64_t c2 = fractions.test == 0.0 ? samples
                      : fractions.validation == 0.0
                          ? c1
                          : std::max(c1, cut(samples, fractions.train + fractions.validation));
  const uint64_t nominal[4] = {0, c1, c2, samples};

  TimeSplit split;
  SampleRange* parts[3] = {&split.train, &split.validation, &split.test};
  bool have_previous = false;
  uint64_t previous_end = 0;
  for (int i = 0; i < 3; ++i) {
    uint64_t begin = nominal[i];
    const uint64_t end = nominal[i + 1];
    if (have_previous) begin = std::max(begin, previous_end + guard);
    if (begin >= end) {
      *parts[i] = SampleRange{end, end};
      continue;
    }
    *parts[i] = SampleRange{begin, end};
    have_previous = true;
    previous_end = end;
  }
  return split;
}

std::vector<SplitPart> split_by_recording(const std::vector<std::string>& groups,
                                          const SplitFractions& fractions, uint64_t seed) {
  check_fractions(fractions);
  std::map<std::string, SplitPart> part_of;  // sorted distinct groups
  for (const std::string& g : groups) part_of.emplace(g, SplitPart::kSplitPartTrain);
  std::vector<std::string> order;
  for (const auto& [g, unused] : part_of) order.push_back(g);

  // Fisher-Yates with the raw engine output: std::shuffle and the distributions are not
  // specified exactly, std::mt19937_64 is. The modulo bias is below 2^-40 for any real count.
  std::mt19937_64 rng(seed);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);

  const size_t n = order.size();
  const size_t n_train = std::min(n, static_cast<size_t>(std::llround(n * fractions.train)));
  const size_t n_validation =
      std::min(n - n_train, static_cast<size_t>(std::llround(n * fractions.validation)));
  for (size_t i = 0; i < n; ++i) {
    part_of[order[i]] = i < n_train                  ? SplitPart::kSplitPartTrain
                        : i < n_train + n_validation ? SplitPart::kSplitPartValidation
                                                     : SplitPart::kSplitPartTest;
  }
  std::vector<SplitPart> parts;
  parts.reserve(groups.size());
  for (const std::string& g : groups) parts.push_back(part_of[g]);
  return parts;
}

}  // namespace tmf::data
