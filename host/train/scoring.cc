// Per-row scores and predictions from trained float models.
#include "host/train/scoring.h"

#include <algorithm>
#include <string>

#include "host/train/train_error.h"

namespace tmf::train {

float reconstruction_error(const FloatNetwork& autoencoder, const float* x) {
  const std::vector<float> y = autoencoder.forward(x);
  const int n = autoencoder.input_length * autoencoder.input_channels;
  if (static_cast<int>(y.size()) != n) {
    throw TrainError("reconstruction error: the network maps " + std::to_string(n) + " values to " +
                     std::to_string(y.size()));
  }
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float d = y[i] - x[i];
    sum += d * d;
  }
  return sum / static_cast<float>(n);
}

int predict_class(const FloatNetwork& classifier, const float* x) {
  const std::vector<float> y = classifier.forward(x);
  return static_cast<int>(std::max_element(y.begin(), y.end()) - y.begin());
}

std::vector<float> score_rows(const FeatureMatrix& m, const std::function<float(const float*)>& score) {
  std::vector<float> out(m.rows);
  for (int r = 0; r < m.rows; ++r) out[r] = score(m.row(r));
  return out;
}

}  // namespace tmf::train
