// Scoring rows with trained models: autoencoder reconstruction error, class prediction, and any
// per-row score over a whole feature matrix (e.g. a detector's score()).
#pragma once

#include <functional>
#include <vector>

#include "host/train/float_model.h"

namespace tmf::train {

// Mean over features of (output - input)^2 for an autoencoder whose output size is the input's.
float reconstruction_error(const FloatNetwork& autoencoder, const float* x);

// Index of the largest output (the first on ties).
int predict_class(const FloatNetwork& classifier, const float* x);

// score(row) for every row.
std::vector<float> score_rows(const FeatureMatrix& m, const std::function<float(const float*)>& score);

}  // namespace tmf::train
