// The classical detectors fitted on seeded synthetic data: k-means finds well-separated clusters,
// the GMM recovers the weights, means and variances that generated its data, Mahalanobis equals
// a direct Eigen inverse of the (regularized) sample covariance.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <random>

#include "host/train/detectors.h"
#include "host/train/train_error.h"
#include "tests/support/tmf_test.h"

namespace tmf::train {
namespace {

FeatureMatrix gaussian_blobs(const std::vector<std::vector<double>>& means,
                             const std::vector<std::vector<double>>& stddevs,
                             const std::vector<int>& counts, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  FeatureMatrix m;
  m.cols = static_cast<int>(means[0].size());
  for (size_t c = 0; c < means.size(); ++c) {
    for (int i = 0; i < counts[c]; ++i) {
      for (int d = 0; d < m.cols; ++d) {
        m.data.push_back(static_cast<float>(means[c][d] + stddevs[c][d] * normal(rng)));
      }
      ++m.rows;
    }
  }
  return m;
}

// Index of the centroid / component mean nearest to `point`.
int nearest(const std::vector<float>& centres, int dim, const std::vector<double>& point) {
  int best = 0;
  double best_d2 = INFINITY;
  for (size_t c = 0; c * dim < centres.size(); ++c) {
    double d2 = 0;
    for (int d = 0; d < dim; ++d) d2 += std::pow(centres[c * dim + d] - point[d], 2);
    if (d2 < best_d2) best_d2 = d2, best = static_cast<int>(c);
  }
  return best;
}

TMF_TEST(KMeans, RecoversSeparatedClusters) {
  const std::vector<std::vector<double>> centres = {{0, 0, 0}, {10, 0, 0}, {0, 10, 5}, {-8, -8, 8}};
  const FeatureMatrix x = gaussian_blobs(centres, std::vector<std::vector<double>>(4, {0.5, 0.5, 0.5}),
                                         {100, 60, 150, 80}, 1);
  KMeansOptions o;
  o.k = 4;
  o.seed = 3;
  const KMeansModel m = fit_kmeans(x, o);
  TMF_ASSERT(m.k == 4 && m.dim == 3 && m.centroids.size() == 12);
  std::vector<int> matched;
  for (const auto& c : centres) {
    const int j = nearest(m.centroids, 3, c);
    matched.push_back(j);
    for (int d = 0; d < 3; ++d) TMF_EXPECT(std::fabs(m.centroids[j * 3 + d] - c[d]) < 0.15);
  }
  std::sort(matched.begin(), matched.end());
  TMF_EXPECT(std::unique(matched.begin(), matched.end()) == matched.end());  // one per cluster
  // Lloyd's fixed point: each centroid is the mean of the rows nearest to it.
  std::vector<double> sum(12, 0.0);
  std::vector<int> count(4, 0);
  for (int r = 0; r < x.rows; ++r) {
    const std::vector<double> p(x.row(r), x.row(r) + 3);
    const int j = nearest(m.centroids, 3, p);
    ++count[j];
    for (int d = 0; d < 3; ++d) sum[j * 3 + d] += p[d];
  }
  for (int j = 0; j < 4; ++j) {
    for (int d = 0; d < 3; ++d) TMF_EXPECT(std::fabs(sum[j * 3 + d] / count[j] - m.centroids[j * 3 + d]) < 1e-5);
  }
  const float at_centre[3] = {10, 0, 0}, far_away[3] = {30, 30, -30};
  TMF_EXPECT(m.score(at_centre) < 0.1f);
  TMF_EXPECT(m.score(far_away) > 500.0f);
}

TMF_TEST(KMeans, SameSeedSameModelAndOptionChecks) {
  const FeatureMatrix x = gaussian_blobs({{0, 0}, {1, 1}}, {{1, 1}, {1, 1}}, {50, 50}, 2);
  KMeansOptions o;
  o.k = 5;
  o.seed = 9;
  o.restarts = 3;
  TMF_EXPECT(fit_kmeans(x, o).centroids == fit_kmeans(x, o).centroids);
  o.k = 101;
  TMF_EXPECT_THROWS(fit_kmeans(x, o), TrainError, "k = 101");
  FeatureMatrix bad = x;
  bad.data[7] = NAN;
  o.k = 2;
  TMF_EXPECT_THROWS(fit_kmeans(bad, o), TrainError, "row 3 column 1 is not finite");
}

TMF_TEST(KMeans, DuplicateRowsDoNotLeaveEmptyClusters) {
  FeatureMatrix x;
  x.rows = 6;
  x.cols = 1;
  x.data = {1, 1, 1, 1, 1, 2};
  KMeansOptions o;
  o.k = 3;
  const KMeansModel m = fit_kmeans(x, o);
  for (float c : m.centroids) TMF_EXPECT(c == 1.0f || c == 2.0f);
}

TMF_TEST(Gmm, RecoversTheGeneratingMixture) {
  // Weights 0.3 / 0.7, different variances per feature.
  const std::vector<std::vector<double>> means = {{-3, 0}, {3, 1}};
  const std::vector<std::vector<double>> stddevs = {{std::sqrt(0.5), std::sqrt(2.0)}, {1, 0.5}};
  const FeatureMatrix x = gaussian_blobs(means, stddevs, {1200, 2800}, 4);
  GmmOptions o;
  o.k = 2;
  o.seed = 1;
  const GaussianMixtureModel m = fit_gmm(x, o);
  TMF_ASSERT(m.k == 2 && m.dim == 2 && m.means.size() == 4 && m.inv_var.size() == 4 && m.log_norm.size() == 2);
  const double weights[2] = {0.3, 0.7};
  for (int c = 0; c < 2; ++c) {
    const int j = nearest(m.means, 2, means[c]);
    double log_det = 0;
    for (int d = 0; d < 2; ++d) {
      const double var = 1.0 / m.inv_var[j * 2 + d];
      TMF_EXPECT(std::fabs(m.means[j * 2 + d] - means[c][d]) < 0.1);
      TMF_EXPECT(std::fabs(var / (stddevs[c][d] * stddevs[c][d]) - 1) < 0.1);
      log_det += std::log(2 * M_PI * var);
    }
    const double weight = std::exp(m.log_norm[j] + 0.5 * log_det);
    TMF_EXPECT(std::fabs(weight - weights[c]) < 0.02);
  }
  // The score is -log of the generating density up to estimation error.
  const float x0[2] = {-3, 0};
  double p = 0;
  for (int c = 0; c < 2; ++c) {
    double pc = weights[c];
    for (int d = 0; d < 2; ++d) {
      const double v = stddevs[c][d] * stddevs[c][d];
      pc *= std::exp(-std::pow(x0[d] - means[c][d], 2) / (2 * v)) / std::sqrt(2 * M_PI * v);
    }
    p += pc;
  }
  TMF_EXPECT(std::fabs(m.score(x0) - (-std::log(p))) < 0.1);
}

TMF_TEST(Gmm, VarianceFloorHolds) {
  // A constant feature would have zero variance.
  FeatureMatrix x = gaussian_blobs({{0, 5}}, {{1, 0}}, {200}, 6);
  GmmOptions o;
  o.k = 2;
  o.min_variance = 1e-2;
  const GaussianMixtureModel m = fit_gmm(x, o);
  for (float iv : m.inv_var) TMF_EXPECT(iv <= 1.0f / 1e-2f * 1.0001f);
  for (float v : m.log_norm) TMF_EXPECT(std::isfinite(v));
  TMF_EXPECT_THROWS(fit_gmm(x, GmmOptions{.k = 0}), TrainError, "k = 0");
}

// Correlated 3-D data: x = A z + b.
FeatureMatrix correlated_rows(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double a[3][3] = {{2, 0, 0}, {1.5, 0.5, 0}, {-1, 0.3, 0.2}};
  FeatureMatrix m;
  m.rows = n;
  m.cols = 3;
  for (int i = 0; i < n; ++i) {
    const double z[3] = {normal(rng), normal(rng), normal(rng)};
    for (int r = 0; r < 3; ++r) m.data.push_back(static_cast<float>(1 + a[r][0] * z[0] + a[r][1] * z[1] + a[r][2] * z[2]));
  }
  return m;
}

// (x - m)^T C^-1 (x - m) with C^-1 from Eigen's general inverse of the covariance built here.
void expect_matches_direct_inverse(TmfTestState* tmf_test_state_, const FeatureMatrix& rows,
                                   const MahalanobisOptions& o) {
  const MahalanobisModel model = fit_mahalanobis(rows, o);
  Eigen::MatrixXd x(rows.rows, rows.cols);
  for (int r = 0; r < rows.rows; ++r) {
    for (int c = 0; c < rows.cols; ++c) x(r, c) = rows.row(r)[c];
  }
  const Eigen::RowVectorXd mean = x.colwise().mean();
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(rows.cols, rows.cols);
  for (int r = 0; r < rows.rows; ++r) {
    const Eigen::VectorXd d = (x.row(r) - mean).transpose();
    cov += d * d.transpose();
  }
  cov /= rows.rows - 1;
  const double avg = cov.trace() / rows.cols;
  cov = (1 - o.shrinkage) * cov + (o.shrinkage * avg + o.ridge) * Eigen::MatrixXd::Identity(rows.cols, rows.cols);
  const Eigen::MatrixXd inverse = cov.inverse();
  for (int c = 0; c < rows.cols; ++c) TMF_EXPECT(std::fabs(model.mean[c] - mean[c]) < 1e-5);
  const float probes[4][3] = {{1, 1, 1}, {3, 2.5f, -1}, {1, 5, 1}, {-2, 0, 4}};
  for (const auto& p : probes) {
    Eigen::VectorXd d(3);
    for (int c = 0; c < 3; ++c) d[c] = p[c] - mean[c];
    const double expected = d.dot(inverse * d);
    TMF_EXPECT(std::fabs(model.score(p) - expected) <= 1e-4 * (1 + expected));
  }
}

TMF_TEST(Mahalanobis, EqualsDirectInverse) {
  const FeatureMatrix rows = correlated_rows(500, 8);
  expect_matches_direct_inverse(tmf_test_state_, rows, {.shrinkage = 0, .ridge = 0});
  expect_matches_direct_inverse(tmf_test_state_, rows, {.shrinkage = 0.2, .ridge = 0.01});
  expect_matches_direct_inverse(tmf_test_state_, rows, MahalanobisOptions{});
}

TMF_TEST(Mahalanobis, SingularCovarianceNeedsRegularization) {
  // Zero covariance: no Cholesky factor without regularization; a ridge gives variance 0.25.
  FeatureMatrix constant;
  constant.rows = 4;
  constant.cols = 2;
  constant.data = {1, 2, 1, 2, 1, 2, 1, 2};
  TMF_EXPECT_THROWS(fit_mahalanobis(constant, {.shrinkage = 0, .ridge = 0}), TrainError,
                    "not positive definite");
  const MahalanobisModel m = fit_mahalanobis(constant, {.shrinkage = 0, .ridge = 0.25});
  const float x[2] = {2, 2};  // dx = 1, variance 0.25: distance^2 = 4
  TMF_EXPECT(std::fabs(m.score(x) - 4.0f) < 1e-5f);
  // Rank 2 of 3 (the third feature is twice the first): shrinkage alone makes it invertible.
  FeatureMatrix rows = correlated_rows(100, 9);
  for (int r = 0; r < rows.rows; ++r) rows.data[r * 3 + 2] = 2 * rows.data[r * 3 + 0];
  expect_matches_direct_inverse(tmf_test_state_, rows, {.shrinkage = 0.05, .ridge = 0});
  FeatureMatrix one_row;
  one_row.rows = 1;
  one_row.cols = 2;
  one_row.data = {1, 2};
  TMF_EXPECT_THROWS(fit_mahalanobis(one_row), TrainError, "1 rows, at least 2");
}

}  // namespace
}  // namespace tmf::train
