// Per-feature standardization fitted on healthy training rows: x' = (x - offset) * scale with
// offset = mean and scale = 1 / std (population std, divided by rows). A feature whose std is
// below min_std keeps scale 1 (centred, not amplified), so a constant feature stays harmless.
#pragma once

#include <vector>

#include "host/train/float_model.h"

namespace tmf::train {

struct Standardizer {
  std::vector<float> offset;  // [cols]
  std::vector<float> scale;   // [cols]
  void apply_row(float* row) const;
  void apply(FeatureMatrix& m) const;                 // in place; throws on a column mismatch
  FeatureMatrix applied(const FeatureMatrix& m) const;
};

Standardizer fit_standardizer(const FeatureMatrix& healthy, float min_std = 1e-6f);

}  // namespace tmf::train
