// Fitting the classical anomaly detectors of float_model.h (k-means distance, diagonal Gaussian
// mixture, Mahalanobis distance) on healthy feature rows, with Eigen in double precision.
// Reproducible: the same rows, options and seed give the same model on the same build.
// Inputs must be finite; bad inputs or options throw TrainError naming the field.
#pragma once

#include <cstdint>

#include "host/train/float_model.h"

namespace tmf::train {

struct KMeansOptions {
  int k = 4;                    // clusters, 1 <= k <= rows
  int max_iterations = 100;     // Lloyd iterations after k-means++ seeding
  uint64_t seed = 0;            // k-means++ draws (std::mt19937)
  int restarts = 3;             // seedings tried; the lowest within-cluster sum of squares wins
};
// k-means++ seeding, then Lloyd iterations until no assignment changes. An empty cluster is
// re-seeded at the row farthest from its centroid.
KMeansModel fit_kmeans(const FeatureMatrix& rows, const KMeansOptions& options = {});

struct GmmOptions {
  int k = 4;                    // components, 1 <= k <= rows
  int max_iterations = 200;     // EM iterations
  double tolerance = 1e-6;      // stop when the mean log-likelihood gains less than this
  double min_variance = 1e-3;   // variance floor per component and feature (features standardized)
  uint64_t seed = 0;            // the k-means initialization's seed
};
// Diagonal-covariance mixture fitted by EM, initialized from k-means (means, per-cluster
// variances, cluster weights). A component whose weight collapses is re-seeded at the row with
// the lowest likelihood.
GaussianMixtureModel fit_gmm(const FeatureMatrix& rows, const GmmOptions& options = {});

struct MahalanobisOptions {
  // Covariance used: (1 - shrinkage) * S + shrinkage * (trace(S) / dim) * I + ridge * I, with S
  // the sample covariance (divided by rows - 1). Shrinkage keeps it invertible and well
  // conditioned when rows are few compared to dim.
  double shrinkage = 0.01;      // in [0, 1]
  double ridge = 1e-6;          // >= 0, absolute
};
// Mean and whitening W = L^-1 (lower triangular) where L L^T is the (regularized) covariance,
// so W^T W is its inverse. Needs at least 2 rows.
MahalanobisModel fit_mahalanobis(const FeatureMatrix& rows, const MahalanobisOptions& options = {});

}  // namespace tmf::train
