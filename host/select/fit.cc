// Weighted least squares by modified Gram-Schmidt QR on scaled columns; columns that add
// nothing new (collinear with earlier ones) or want a negative coefficient are dropped and the
// fit repeated.
#include "host/select/fit.h"

#include <algorithm>
#include <cmath>

#include "host/select/select_error.h"

namespace tmf::select {
namespace {

// Solves min |A x - b| over the columns in `use`; returns false for columns found collinear
// (their entry in `use` is cleared). `a` is column-major: a[column][row].
std::vector<double> solve(const std::vector<std::vector<double>>& a, const std::vector<double>& b,
                          std::vector<bool>& use) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<double>> q;
  std::vector<size_t> cols;
  std::vector<std::vector<double>> r;  // r[k][j]: coefficient of q_k in column cols[j]
  for (size_t c = 0; c < n; ++c) {
    if (!use[c]) continue;
    std::vector<double> v = a[c];
    double norm0 = 0;
    for (double x : v) norm0 += x * x;
    norm0 = std::sqrt(norm0);
    if (norm0 == 0) { use[c] = false; continue; }
    std::vector<double> rc(q.size(), 0.0);
    for (size_t k = 0; k < q.size(); ++k) {
      double dot = 0;
      for (size_t i = 0; i < m; ++i) dot += q[k][i] * v[i];
      rc[k] = dot;
      for (size_t i = 0; i < m; ++i) v[i] -= dot * q[k][i];
    }
    double norm = 0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    if (norm < 1e-9 * norm0) { use[c] = false; continue; }  // nothing new: collinear
    for (double& x : v) x /= norm;
    rc.push_back(norm);
    q.push_back(v);
    r.push_back(rc);
    cols.push_back(c);
  }
  // x = R^-1 Q^T b (R upper triangular, stored by columns in r).
  const size_t k = q.size();
  std::vector<double> qtb(k, 0.0);
  for (size_t j = 0; j < k; ++j) for (size_t i = 0; i < m; ++i) qtb[j] += q[j][i] * b[i];
  std::vector<double> y(k, 0.0);
  for (size_t jj = k; jj-- > 0;) {
    double s = qtb[jj];
    for (size_t j = jj + 1; j < k; ++j) s -= r[j][jj] * y[j];
    y[jj] = s / r[jj][jj];
  }
  std::vector<double> x(n, 0.0);
  for (size_t j = 0; j < k; ++j) x[cols[j]] = y[j];
  return x;
}

}  // namespace

CostEntry fit_entry(const std::vector<FitPoint>& points) {
  if (points.empty()) throw SelectError("fit: no points");
  const auto& names = points[0].features.values;
  const size_t n = names.size(), m = points.size();
  std::vector<std::vector<double>> a(n, std::vector<double>(m));
  std::vector<double> b(m, 1.0);
  std::vector<double> scale(n, 0.0);
  for (size_t i = 0; i < m; ++i) {
    const auto& v = points[i].features.values;
    if (v.size() != n || points[i].features.key != points[0].features.key) {
      throw SelectError("fit: point " + points[i].name + " does not match the features of " + points[0].name);
    }
    if (points[i].instructions <= 0) throw SelectError("fit: point " + points[i].name + " has no count");
    for (size_t c = 0; c < n; ++c) {
      a[c][i] = v[c].second / points[i].instructions;  // relative error weighting
      scale[c] = std::max(scale[c], std::fabs(a[c][i]));
    }
  }
  for (size_t c = 0; c < n; ++c) {
    if (scale[c] > 0) for (double& x : a[c]) x /= scale[c];
  }
  std::vector<bool> use(n);
  for (size_t c = 0; c < n; ++c) use[c] = scale[c] > 0;
  std::vector<double> x;
  for (;;) {
    x = solve(a, b, use);
    // Drop the most negative coefficient (by its share of the prediction) and refit.
    size_t worst = n;
    double worst_value = 0;
    for (size_t c = 0; c < n; ++c) {
      if (use[c] && x[c] < worst_value) { worst_value = x[c]; worst = c; }
    }
    if (worst == n) break;
    use[worst] = false;
  }
  CostEntry e;
  e.points = static_cast<int>(m);
  for (size_t c = 0; c < n; ++c) e.coefficients[names[c].first] = use[c] && scale[c] > 0 ? x[c] / scale[c] : 0.0;
  for (const FitPoint& p : points) {
    double predicted = 0;
    for (const auto& [name, count] : p.features.values) predicted += e.coefficients[name] * count;
    e.max_relative_error = std::max(e.max_relative_error, std::fabs(predicted - p.instructions) / p.instructions);
    e.stack_bytes = std::max(e.stack_bytes, p.stack_bytes);
  }
  return e;
}

}  // namespace tmf::select
