// Feature matrix checks shared by every learner.
#include "host/train/feature_checks.h"

#include <cmath>
#include <string>

#include "host/train/train_error.h"

namespace tmf::train {

void check_feature_matrix(const FeatureMatrix& m, const char* what, int min_rows) {
  const std::string name(what);
  if (m.rows < min_rows) {
    throw TrainError(name + ": " + std::to_string(m.rows) + " rows, at least " +
                     std::to_string(min_rows) + " needed");
  }
  if (m.cols < 1) throw TrainError(name + ": no feature columns");
  if (m.data.size() != static_cast<size_t>(m.rows) * m.cols) {
    throw TrainError(name + ": " + std::to_string(m.data.size()) + " values for " +
                     std::to_string(m.rows) + " x " + std::to_string(m.cols));
  }
  for (size_t i = 0; i < m.data.size(); ++i) {
    if (!std::isfinite(m.data[i])) {
      throw TrainError(name + ": row " + std::to_string(i / m.cols) + " column " +
                       std::to_string(i % m.cols) + " is not finite");
    }
  }
}

}  // namespace tmf::train
