// Diagonal Gaussian mixture for the likelihood detector: k-means initialization, then EM in
// double with a variance floor.
#include <Eigen/Dense>
#include <cmath>
#include <numbers>
#include <string>

#include "host/train/detectors.h"
#include "host/train/feature_checks.h"
#include "host/train/train_error.h"

namespace tmf::train {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Mixture {
  RowMatrix mean;      // [k][dim]
  RowMatrix variance;  // [k][dim]
  Eigen::VectorXd weight;
};

// log(weight_k N(x_i; mean_k, diag(variance_k))) for every row and component.
RowMatrix log_joint(const RowMatrix& x, const Mixture& m) {
  const int k = static_cast<int>(m.mean.rows());
  RowMatrix out(x.rows(), k);
  for (int j = 0; j < k; ++j) {
    const double log_norm = std::log(m.weight[j]) -
                            0.5 * (2 * std::numbers::pi * m.variance.row(j).array()).log().sum();
    const Eigen::RowVectorXd inv_var = m.variance.row(j).cwiseInverse();
    for (int i = 0; i < x.rows(); ++i) {
      const double q = ((x.row(i) - m.mean.row(j)).array().square() * inv_var.array()).sum();
      out(i, j) = log_norm - 0.5 * q;
    }
  }
  return out;
}

}  // namespace

GaussianMixtureModel fit_gmm(const FeatureMatrix& rows, const GmmOptions& options) {
  check_feature_matrix(rows, "GMM rows");
  if (options.k < 1 || options.k > rows.rows) {
    throw TrainError("GMM: k = " + std::to_string(options.k) + " must be in [1, rows = " +
                     std::to_string(rows.rows) + "]");
  }
  if (options.max_iterations < 1) throw TrainError("GMM: max_iterations must be >= 1");
  if (!(options.min_variance > 0)) throw TrainError("GMM: min_variance must be > 0");
  const int n = rows.rows, dim = rows.cols, k = options.k;
  const RowMatrix x =
      Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          rows.data.data(), n, dim)
          .cast<double>();
  const Eigen::RowVectorXd overall_variance =
      ((x.rowwise() - x.colwise().mean()).array().square().colwise().sum() / n)
          .max(options.min_variance);

  // Initialization: hard k-means clusters.
  KMeansOptions km;
  km.k = k;
  km.seed = options.seed;
  const KMeansModel centres = fit_kmeans(rows, km);
  Mixture m;
  m.mean.resize(k, dim);
  m.variance = RowMatrix::Zero(k, dim);
  m.weight = Eigen::VectorXd::Zero(k);
  for (int j = 0; j < k; ++j) {
    for (int d = 0; d < dim; ++d) m.mean(j, d) = centres.centroids[static_cast<size_t>(j) * dim + d];
  }
  for (int i = 0; i < n; ++i) {
    int best = 0;
    double best_d2 = INFINITY;
    for (int j = 0; j < k; ++j) {
      const double d2 = (x.row(i) - m.mean.row(j)).squaredNorm();
      if (d2 < best_d2) best_d2 = d2, best = j;
    }
    m.variance.row(best) += (x.row(i) - m.mean.row(best)).array().square().matrix();
    m.weight[best] += 1;
  }
  for (int j = 0; j < k; ++j) {
    if (m.weight[j] > 0) {
      m.variance.row(j) = (m.variance.row(j) / m.weight[j]).cwiseMax(options.min_variance);
    } else {
      m.variance.row(j) = overall_variance;
    }
    m.weight[j] = std::max(m.weight[j], 1.0) / n;
  }
  m.weight /= m.weight.sum();

  double previous = -INFINITY;
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    // E step: responsibilities and the mean log-likelihood of the current parameters.
    RowMatrix resp = log_joint(x, m);
    Eigen::VectorXd log_p(n);
    for (int i = 0; i < n; ++i) {
      const double top = resp.row(i).maxCoeff();
      log_p[i] = top + std::log((resp.row(i).array() - top).exp().sum());
      resp.row(i) = (resp.row(i).array() - log_p[i]).exp().matrix();
    }
    const double mean_log_p = log_p.mean();
    if (mean_log_p - previous < options.tolerance) break;
    previous = mean_log_p;
    // M step.
    for (int j = 0; j < k; ++j) {
      const double nk = resp.col(j).sum();
      if (nk < 1e-8 * n) {
        // Collapsed component: restart it at the row the mixture explains worst.
        int worst = 0;
        log_p.minCoeff(&worst);
        m.mean.row(j) = x.row(worst);
        m.variance.row(j) = overall_variance;
        m.weight[j] = 1.0 / n;
        continue;
      }
      m.mean.row(j) = (resp.col(j).transpose() * x) / nk;
      const RowMatrix centred = x.rowwise() - m.mean.row(j);
      m.variance.row(j) = ((resp.col(j).transpose() * centred.array().square().matrix()) / nk)
                              .cwiseMax(options.min_variance);
      m.weight[j] = nk / n;
    }
    m.weight /= m.weight.sum();
  }

  GaussianMixtureModel model;
  model.k = k;
  model.dim = dim;
  model.means.resize(static_cast<size_t>(k) * dim);
  model.inv_var.resize(static_cast<size_t>(k) * dim);
  model.log_norm.resize(k);
  for (int j = 0; j < k; ++j) {
    double log_det = 0;
    for (int d = 0; d < dim; ++d) {
      model.means[static_cast<size_t>(j) * dim + d] = static_cast<float>(m.mean(j, d));
      model.inv_var[static_cast<size_t>(j) * dim + d] = static_cast<float>(1.0 / m.variance(j, d));
      log_det += std::log(2 * std::numbers::pi * m.variance(j, d));
    }
    model.log_norm[j] = static_cast<float>(std::log(m.weight[j]) - 0.5 * log_det);
  }
  return model;
}

}  // namespace tmf::train
