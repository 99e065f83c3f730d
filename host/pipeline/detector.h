// The detectors a pipeline can carry, behind one face: fit in float on normalized features,
// score in float (the reference), and append the int8 ops that score the same way on the device.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/convert/graph.h"
#include "host/train/float_model.h"

namespace tmf::pipeline {

// "autoencoder", "kmeans", "gmm", "mahalanobis" (anomaly detectors, trained on healthy windows)
// and "mlp", "cnn1d" (classifiers, trained on labelled windows; score = 1 - p(normal)).
bool detector_is_known(const std::string& kind);
bool detector_is_classifier(const std::string& kind);
const std::vector<std::string>& detector_kinds();

// The rows of `m` whose label is `label`, in order.
train::FeatureMatrix rows_with_label(const train::FeatureMatrix& m, const std::vector<std::string>& labels,
                                     const std::string& label);

struct DetectorOptions {
  uint64_t seed = 1;
  int epochs = 0;    // 0: default
  int clusters = 0;  // 0: default
  std::function<void(double fraction)> progress;
};

struct FloatDetector {
  std::string kind;
  train::FloatNetwork network;     // autoencoder, mlp, cnn1d
  train::KMeansModel kmeans;
  train::GaussianMixtureModel gmm;
  train::MahalanobisModel mahalanobis;
  std::vector<std::string> classes;  // classifiers: class names in output order
  int normal_class = 0;

  // The float reference score of one normalized feature vector.
  float score(const float* features) const;
};

// Fits `kind` on normalized feature rows. Anomaly detectors use only rows labelled
// `normal_label`; classifiers use all rows with their labels. Throws PipelineError.
FloatDetector detector_fit(const std::string& kind, const train::FeatureMatrix& features,
                           const std::vector<std::string>& labels, const std::string& normal_label,
                           const DetectorOptions& options);

struct DetectorGraph {
  int score = -1;          // float32 [1]
  int probabilities = -1;  // classifiers: int8 [1, classes]; else -1
};

// Appends the int8 detector and its score op after graph tensor `features` (int8 [1, F]);
// `calibration` (normalized healthy rows) sets activation ranges.
DetectorGraph detector_append(host::Graph& graph, int features, const FloatDetector& detector,
                              const train::FeatureMatrix& calibration);

}  // namespace tmf::pipeline
