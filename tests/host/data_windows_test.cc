// Dataset windows and splits (host/data/windows.h) against independent facts: window counts and
// offsets by enumeration, the time split's worked example, leak-free time splits over many random
// lengths, and recording splits that keep groups together, deterministically.
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "host/data/dataset.h"  // DataError
#include "host/data/windows.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using data::DataError;

TMF_TEST(DataWindows, CountAndOffsetsMatchEnumeration) {
  for (uint64_t n = 0; n < 60; ++n) {
    for (uint64_t len = 1; len < 12; ++len) {
      for (uint64_t hop = 1; hop < 14; ++hop) {
        std::vector<uint64_t> enumerated;
        for (uint64_t s = 0; s + len <= n; s += hop) enumerated.push_back(s + 5);
        TMF_EXPECT_EQ(data::window_count(n, len, hop), enumerated.size());
        TMF_EXPECT(data::window_offsets({5, 5 + n}, len, hop) == enumerated);
      }
    }
  }
  // Bearing README: 5,161,203 samples; the closed form for one long record.
  TMF_EXPECT_EQ(data::window_count(121410, 1024, 512), (121410 - 1024) / 512 + 1);
  TMF_EXPECT_THROWS(data::window_count(10, 0, 1), DataError, "positive");
}

TMF_TEST(DataSplit, TimeSplitExample) {
  const data::TimeSplit s = data::split_by_time(1000, 100, {});
  TMF_EXPECT_EQ(s.train.begin, 0);
  TMF_EXPECT_EQ(s.train.end, 600);
  TMF_EXPECT_EQ(s.validation.begin, 700);
  TMF_EXPECT_EQ(s.validation.end, 800);
  TMF_EXPECT_EQ(s.test.begin, 900);
  TMF_EXPECT_EQ(s.test.end, 1000);
  // Too short for the guard: validation is empty, and test still keeps its distance from train.
  const data::TimeSplit t = data::split_by_time(100, 30, {});
  TMF_EXPECT_EQ(t.train.end, 60);
  TMF_EXPECT_EQ(t.validation.size(), 0);
  TMF_EXPECT_EQ(t.test.begin, 90);
  TMF_EXPECT_THROWS(data::split_by_time(10, 1, {0.5, 0.5, 0.5}), DataError, "expected 1");
  TMF_EXPECT_THROWS(data::split_by_time(10, 1, {1.5, -0.5, 0}), DataError, "outside [0, 1]");
}

TMF_TEST(DataSplit, TimeSplitNeverLeaksForRandomLengths) {
  std::mt19937_64 rng(12345);
  const data::SplitFractions choices[] = {{0.6, 0.2, 0.2}, {0.8, 0.0, 0.2}, {0.5, 0.5, 0.0},
                                          {0.0, 0.3, 0.7}, {1.0, 0.0, 0.0}, {0.7, 0.15, 0.15}};
  for (int trial = 0; trial < 20000; ++trial) {
    const uint64_t n = rng() % 200000;
    const uint64_t len = 1 + rng() % 4096;
    const uint64_t hop = 1 + rng() % len;
    const data::SplitFractions& f = choices[trial % 6];
    const data::TimeSplit s = data::split_by_time(n, len, f);
    const data::SampleRange parts[3] = {s.train, s.validation, s.test};
    uint64_t last_end = 0;
    bool any = false;
    for (const data::SampleRange& p : parts) {
      TMF_ASSERT(p.begin <= p.end && p.end <= n);
      if (p.size() == 0) continue;
      if (any) TMF_ASSERT(p.begin >= last_end + len);  // guard gap between non-empty parts
      any = true;
      last_end = p.end;
      // Every window of the part lies inside it.
      const std::vector<uint64_t> w = data::window_offsets(p, len, hop);
      if (!w.empty()) TMF_ASSERT(w.front() >= p.begin && w.back() + len <= p.end);
    }
    // Train gets its nominal share exactly; the guards only come out of later parts.
    TMF_ASSERT(s.train.size() == static_cast<uint64_t>(std::floor(n * f.train)) || f.train == 1.0);
    if (f.train == 0.0) TMF_ASSERT(s.train.size() == 0);
    TMF_ASSERT(s.test.end == n || s.test.size() == 0);
  }
}

TMF_TEST(DataSplit, ByRecordingKeepsGroupsTogetherAndIsDeterministic) {
  std::vector<std::string> groups;
  for (int b = 0; b < 20; ++b) {
    for (int c = 0; c < 3; ++c) groups.push_back("bearing" + std::to_string(b));
  }
  const auto a = data::split_by_recording(groups, {0.6, 0.2, 0.2}, 7);
  TMF_EXPECT(a == data::split_by_recording(groups, {0.6, 0.2, 0.2}, 7));
  TMF_ASSERT(a.size() == groups.size());
  std::map<data::SplitPart, std::set<std::string>> members;
  for (size_t i = 0; i < groups.size(); ++i) {
    members[a[i]].insert(groups[i]);
    TMF_EXPECT(a[i] == a[i - i % 3]);  // the three recordings of a group share a part
  }
  TMF_EXPECT_EQ(members[data::SplitPart::kSplitPartTrain].size(), 12);
  TMF_EXPECT_EQ(members[data::SplitPart::kSplitPartValidation].size(), 4);
  TMF_EXPECT_EQ(members[data::SplitPart::kSplitPartTest].size(), 4);
  // The seed matters; the input order does not.
  bool differs = false;
  for (uint64_t seed = 8; seed < 12; ++seed) differs |= data::split_by_recording(groups, {0.6, 0.2, 0.2}, seed) != a;
  TMF_EXPECT(differs);
  std::vector<std::string> reversed(groups.rbegin(), groups.rend());
  const auto r = data::split_by_recording(reversed, {0.6, 0.2, 0.2}, 7);
  for (size_t i = 0; i < groups.size(); ++i) TMF_EXPECT(r[groups.size() - 1 - i] == a[i]);
  TMF_EXPECT(std::string(data::split_part_name(data::SplitPart::kSplitPartValidation)) == "validation");
}

}  // namespace
}  // namespace tmf
