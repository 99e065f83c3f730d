// Standardization fitted on healthy rows: offsets and scales by hand, standardized columns have
// mean 0 and std 1, a constant column is centred but not amplified.
#include <cmath>

#include "host/train/standardize.h"
#include "host/train/train_error.h"
#include "tests/support/tmf_test.h"

namespace tmf::train {
namespace {

TMF_TEST(Standardize, HandCase) {
  FeatureMatrix m;
  m.rows = 4;
  m.cols = 3;
  // column 0: 1 2 3 4 (mean 2.5, population std sqrt(1.25)); column 1: constant 7;
  // column 2: -2 2 -2 2 (mean 0, std 2)
  m.data = {1, 7, -2, 2, 7, 2, 3, 7, -2, 4, 7, 2};
  const Standardizer s = fit_standardizer(m);
  TMF_ASSERT(s.offset.size() == 3 && s.scale.size() == 3);
  TMF_EXPECT(s.offset[0] == 2.5f && s.offset[1] == 7.0f && s.offset[2] == 0.0f);
  TMF_EXPECT(std::fabs(s.scale[0] - 1 / std::sqrt(1.25)) < 1e-6);
  TMF_EXPECT(s.scale[1] == 1.0f);
  TMF_EXPECT(s.scale[2] == 0.5f);
  const FeatureMatrix z = s.applied(m);
  for (int c = 0; c < 3; ++c) {
    double sum = 0, sq = 0;
    for (int r = 0; r < 4; ++r) sum += z.row(r)[c], sq += z.row(r)[c] * z.row(r)[c];
    TMF_EXPECT(std::fabs(sum / 4) < 1e-6);
    TMF_EXPECT(std::fabs(sq / 4 - (c == 1 ? 0.0 : 1.0)) < 1e-6);
  }
  float row[3] = {4.5f, 8, 1};
  s.apply_row(row);
  TMF_EXPECT(std::fabs(row[0] - 2 / std::sqrt(1.25)) < 1e-6 && row[1] == 1.0f && row[2] == 0.5f);
  FeatureMatrix other;
  other.rows = 1;
  other.cols = 2;
  other.data = {1, 2};
  TMF_EXPECT_THROWS(s.apply(other), TrainError, "fitted on 3 features, applied to 2");
}

}  // namespace
}  // namespace tmf::train
