// Mahalanobis distance detector: mean, regularized covariance, and its Cholesky whitening.
#include <Eigen/Dense>
#include <string>

#include "host/train/detectors.h"
#include "host/train/feature_checks.h"
#include "host/train/train_error.h"

namespace tmf::train {

MahalanobisModel fit_mahalanobis(const FeatureMatrix& rows, const MahalanobisOptions& options) {
  check_feature_matrix(rows, "Mahalanobis rows", 2);
  if (!(options.shrinkage >= 0 && options.shrinkage <= 1)) {
    throw TrainError("Mahalanobis: shrinkage must be in [0, 1]");
  }
  if (!(options.ridge >= 0)) throw TrainError("Mahalanobis: ridge must be >= 0");
  const int n = rows.rows, dim = rows.cols;
  const Eigen::MatrixXd x =
      Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          rows.data.data(), n, dim)
          .cast<double>();
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const Eigen::MatrixXd centred = x.rowwise() - mean;
  const Eigen::MatrixXd sample = (centred.transpose() * centred) / (n - 1);
  const double average_variance = sample.trace() / dim;
  Eigen::MatrixXd cov = (1 - options.shrinkage) * sample;
  cov.diagonal().array() += options.shrinkage * average_variance + options.ridge;

  const Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) {
    throw TrainError("Mahalanobis: the covariance of " + std::to_string(n) + " rows x " +
                     std::to_string(dim) +
                     " features is not positive definite; raise shrinkage or ridge");
  }
  // W = L^-1: W^T W = L^-T L^-1 = (L L^T)^-1.
  const Eigen::MatrixXd w =
      llt.matrixL().solve(Eigen::MatrixXd::Identity(dim, dim));

  MahalanobisModel model;
  model.dim = dim;
  model.mean.resize(dim);
  model.whitening.resize(static_cast<size_t>(dim) * dim);
  for (int r = 0; r < dim; ++r) {
    model.mean[r] = static_cast<float>(mean[r]);
    for (int c = 0; c < dim; ++c) model.whitening[static_cast<size_t>(r) * dim + c] = static_cast<float>(w(r, c));
  }
  return model;
}

}  // namespace tmf::train
