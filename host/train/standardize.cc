// Standardization fitted on healthy rows (means and variances accumulated in double).
#include "host/train/standardize.h"

#include <cmath>
#include <string>

#include "host/train/feature_checks.h"
#include "host/train/train_error.h"

namespace tmf::train {

void Standardizer::apply_row(float* row) const {
  for (size_t c = 0; c < offset.size(); ++c) row[c] = (row[c] - offset[c]) * scale[c];
}

void Standardizer::apply(FeatureMatrix& m) const {
  if (static_cast<size_t>(m.cols) != offset.size() || scale.size() != offset.size()) {
    throw TrainError("standardizer: fitted on " + std::to_string(offset.size()) +
                     " features, applied to " + std::to_string(m.cols));
  }
  for (int r = 0; r < m.rows; ++r) apply_row(m.data.data() + static_cast<size_t>(r) * m.cols);
}

FeatureMatrix Standardizer::applied(const FeatureMatrix& m) const {
  FeatureMatrix out = m;
  apply(out);
  return out;
}

Standardizer fit_standardizer(const FeatureMatrix& healthy, float min_std) {
  check_feature_matrix(healthy, "standardizer rows");
  const int cols = healthy.cols;
  std::vector<double> mean(cols, 0.0), var(cols, 0.0);
  for (int r = 0; r < healthy.rows; ++r) {
    for (int c = 0; c < cols; ++c) mean[c] += healthy.row(r)[c];
  }
  for (double& m : mean) m /= healthy.rows;
  for (int r = 0; r < healthy.rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const double d = healthy.row(r)[c] - mean[c];
      var[c] += d * d;
    }
  }
  Standardizer s;
  s.offset.resize(cols);
  s.scale.resize(cols);
  for (int c = 0; c < cols; ++c) {
    const double std_dev = std::sqrt(var[c] / healthy.rows);
    s.offset[c] = static_cast<float>(mean[c]);
    s.scale[c] = std_dev < min_std ? 1.0f : static_cast<float>(1.0 / std_dev);
  }
  return s;
}

}  // namespace tmf::train
