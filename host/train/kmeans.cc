// k-means for the distance detector: k-means++ seeding and Lloyd iterations, in double.
#include <Eigen/Dense>
#include <limits>
#include <string>

#include "host/train/detectors.h"
#include "host/train/feature_checks.h"
#include "host/train/seeded_random.h"
#include "host/train/train_error.h"

namespace tmf::train {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Clustering {
  RowMatrix centroids;
  std::vector<int> assignment;
  double inertia = 0;  // sum of squared distances to the assigned centroid
};

// k-means++: the first centre is a uniform row, each next one a row drawn with probability
// proportional to its squared distance to the nearest centre chosen so far.
RowMatrix seed_centroids(const RowMatrix& x, int k, std::mt19937& rng) {
  const int n = static_cast<int>(x.rows());
  RowMatrix c(k, x.cols());
  c.row(0) = x.row(uniform_index(rng, n));
  Eigen::VectorXd d2 = (x.rowwise() - c.row(0)).rowwise().squaredNorm();
  for (int j = 1; j < k; ++j) {
    const double total = d2.sum();
    int pick = n - 1;
    if (total > 0) {
      const double target = uniform01(rng) * total;
      double cumulative = 0;
      for (int i = 0; i < n; ++i) {
        cumulative += d2[i];
        if (cumulative >= target && d2[i] > 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = uniform_index(rng, n);  // every row sits on a centre already
    }
    c.row(j) = x.row(pick);
    d2 = d2.cwiseMin((x.rowwise() - c.row(j)).rowwise().squaredNorm());
  }
  return c;
}

// Nearest centroid of each row (lowest index on ties); returns the inertia.
double assign(const RowMatrix& x, const RowMatrix& c, std::vector<int>& assignment,
              Eigen::VectorXd& distance) {
  double inertia = 0;
  for (int i = 0; i < x.rows(); ++i) {
    int best = 0;
    double best_d2 = std::numeric_limits<double>::infinity();
    for (int j = 0; j < c.rows(); ++j) {
      const double d2 = (x.row(i) - c.row(j)).squaredNorm();
      if (d2 < best_d2) {
        best_d2 = d2;
        best = j;
      }
    }
    assignment[i] = best;
    distance[i] = best_d2;
    inertia += best_d2;
  }
  return inertia;
}

Clustering lloyd(const RowMatrix& x, int k, int max_iterations, std::mt19937& rng) {
  const int n = static_cast<int>(x.rows());
  Clustering r;
  r.centroids = seed_centroids(x, k, rng);
  r.assignment.assign(n, -1);
  std::vector<int> next(n);
  Eigen::VectorXd distance(n);
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    r.inertia = assign(x, r.centroids, next, distance);
    // An empty cluster takes the row farthest from its centroid (among rows that do not leave
    // their own cluster empty).
    std::vector<int> count(k, 0);
    for (int a : next) ++count[a];
    for (int j = 0; j < k; ++j) {
      if (count[j] > 0) continue;
      int far = -1;  // some cluster has two rows or more, since k <= rows
      for (int i = 0; i < n; ++i) {
        if (count[next[i]] > 1 && (far < 0 || distance[i] > distance[far])) far = i;
      }
      --count[next[far]];
      next[far] = j;
      count[j] = 1;
      distance[far] = 0;
    }
    if (next == r.assignment) break;
    r.assignment = next;
    r.centroids.setZero();
    for (int i = 0; i < n; ++i) r.centroids.row(r.assignment[i]) += x.row(i);
    for (int j = 0; j < k; ++j) r.centroids.row(j) /= count[j];
  }
  r.inertia = assign(x, r.centroids, next, distance);
  r.assignment = next;
  return r;
}

}  // namespace

KMeansModel fit_kmeans(const FeatureMatrix& rows, const KMeansOptions& options) {
  check_feature_matrix(rows, "k-means rows");
  if (options.k < 1 || options.k > rows.rows) {
    throw TrainError("k-means: k = " + std::to_string(options.k) + " must be in [1, rows = " +
                     std::to_string(rows.rows) + "]");
  }
  if (options.max_iterations < 1) throw TrainError("k-means: max_iterations must be >= 1");
  if (options.restarts < 1) throw TrainError("k-means: restarts must be >= 1");
  const RowMatrix x =
      Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          rows.data.data(), rows.rows, rows.cols)
          .cast<double>();
  std::mt19937 rng = seeded_generator(options.seed);
  Clustering best;
  for (int r = 0; r < options.restarts; ++r) {
    Clustering c = lloyd(x, options.k, options.max_iterations, rng);
    if (r == 0 || c.inertia < best.inertia) best = std::move(c);
  }
  KMeansModel model;
  model.k = options.k;
  model.dim = rows.cols;
  model.centroids.resize(static_cast<size_t>(model.k) * model.dim);
  for (int j = 0; j < model.k; ++j) {
    for (int d = 0; d < model.dim; ++d) {
      model.centroids[static_cast<size_t>(j) * model.dim + d] = static_cast<float>(best.centroids(j, d));
    }
  }
  return model;
}

}  // namespace tmf::train
