// Detector fitting, float scoring and int8 graph assembly (see detector.h).
#include "host/pipeline/detector.h"

#include <algorithm>
#include <map>

#include "host/convert/pipeline_graph.h"
#include "host/pipeline/pipeline_settings.h"
#include "host/quantize/quantize_network.h"
#include "host/train/detectors.h"
#include "host/train/network_trainers.h"
#include "host/train/train_error.h"

namespace tmf::pipeline {
namespace {

// Default sizes: tiny on purpose; the spectral features separate these faults with few
// parameters, and every byte and MAC counts on the device.
constexpr int kDefaultClusters = 4;

}  // namespace

train::FeatureMatrix rows_with_label(const train::FeatureMatrix& m, const std::vector<std::string>& labels,
                                     const std::string& label) {
  train::FeatureMatrix out;
  out.cols = m.cols;
  for (int r = 0; r < m.rows; ++r) {
    if (labels[r] != label) continue;
    out.data.insert(out.data.end(), m.row(r), m.row(r) + m.cols);
    ++out.rows;
  }
  return out;
}

const std::vector<std::string>& detector_kinds() {
  static const std::vector<std::string> kinds{"autoencoder", "kmeans", "gmm", "mahalanobis", "mlp", "cnn1d"};
  return kinds;
}

bool detector_is_known(const std::string& kind) {
  const auto& k = detector_kinds();
  return std::find(k.begin(), k.end(), kind) != k.end();
}

bool detector_is_classifier(const std::string& kind) { return kind == "mlp" || kind == "cnn1d"; }

float FloatDetector::score(const float* x) const {
  if (kind == "autoencoder") {
    const std::vector<float> y = network.forward(x);
    // The device op's order: sum of squared differences, then one division.
    float sum = 0.0f;
    for (size_t f = 0; f < y.size(); ++f) sum += (x[f] - y[f]) * (x[f] - y[f]);
    return sum / static_cast<float>(y.size());
  }
  if (kind == "kmeans") return kmeans.score(x);
  if (kind == "gmm") return gmm.score(x);
  if (kind == "mahalanobis") return mahalanobis.score(x);
  const std::vector<float> p = network.forward(x);
  return 1.0f - p[normal_class];
}

FloatDetector detector_fit(const std::string& kind, const train::FeatureMatrix& features,
                           const std::vector<std::string>& labels, const std::string& normal_label,
                           const DetectorOptions& options) {
  FloatDetector d;
  d.kind = kind;
  try {
    const train::FeatureMatrix healthy = rows_with_label(features, labels, normal_label);
    const int clusters = options.clusters > 0 ? options.clusters : kDefaultClusters;
    if (kind == "autoencoder") {
      train::AutoencoderOptions o;
      o.seed = options.seed;
      if (options.epochs > 0) o.epochs = options.epochs;
      if (options.progress) {
        o.progress = [&options, epochs = o.epochs](int epoch, float) { options.progress(static_cast<double>(epoch) / epochs); };
      }
      d.network = train::train_autoencoder(healthy, o);
    } else if (kind == "kmeans") {
      train::KMeansOptions o;
      o.k = std::min(clusters, healthy.rows);
      o.seed = options.seed;
      d.kmeans = train::fit_kmeans(healthy, o);
    } else if (kind == "gmm") {
      train::GmmOptions o;
      o.k = std::min(clusters, healthy.rows);
      o.seed = options.seed;
      d.gmm = train::fit_gmm(healthy, o);
    } else if (kind == "mahalanobis") {
      d.mahalanobis = train::fit_mahalanobis(healthy);
    } else if (detector_is_classifier(kind)) {
      // Classes in sorted order, so the same data gives the same class indices.
      std::map<std::string, int> index;
      for (const std::string& l : labels) index[l] = 0;
      if (index.count(normal_label) == 0) throw PipelineError("no '" + normal_label + "' windows to train on");
      if (index.size() < 2) throw PipelineError("a classifier needs at least two conditions in the data");
      for (auto& [name, i] : index) {
        i = static_cast<int>(d.classes.size());
        d.classes.push_back(name);
      }
      d.normal_class = index.at(normal_label);
      std::vector<int> y;
      for (const std::string& l : labels) y.push_back(index.at(l));
      const int classes = static_cast<int>(d.classes.size());
      const auto configure = [&](train::TrainOptions& o) {
        o.seed = options.seed;
        if (options.epochs > 0) o.epochs = options.epochs;
        if (options.progress) {
          o.progress = [&options, epochs = o.epochs](int epoch, float) {
            options.progress(static_cast<double>(epoch) / epochs);
          };
        }
      };
      if (kind == "mlp") {
        train::MlpOptions o;
        configure(o);
        d.network = train::train_mlp_classifier(features, y, classes, o);
      } else {
        train::Cnn1dOptions o;
        configure(o);
        d.network = train::train_cnn1d_classifier(features, y, classes, o);
      }
    } else {
      throw PipelineError("unknown detector '" + kind + "'");
    }
  } catch (const train::TrainError& e) {
    throw PipelineError(kind + ": " + e.what());
  }
  return d;
}

DetectorGraph detector_append(host::Graph& graph, int features, const FloatDetector& d,
                              const train::FeatureMatrix& calibration) {
  DetectorGraph out;
  if (d.kind == "autoencoder") {
    const int reconstruction = quantize::quantize_network_append(graph, features, d.network, calibration, "autoencoder");
    out.score = host::add_score_reconstruction(graph, features, reconstruction);
  } else if (d.kind == "kmeans") {
    out.score = host::add_score_kmeans(graph, features, d.kmeans.k, d.kmeans.centroids);
  } else if (d.kind == "gmm") {
    out.score = host::add_score_gmm(graph, features, d.gmm.k, d.gmm.means, d.gmm.inv_var, d.gmm.log_norm);
  } else if (d.kind == "mahalanobis") {
    out.score = host::add_score_mahalanobis(graph, features, d.mahalanobis.mean, d.mahalanobis.whitening);
  } else {
    out.probabilities = quantize::quantize_network_append(graph, features, d.network, calibration, d.kind);
    out.score = host::add_score_class(graph, out.probabilities, d.normal_class);
  }
  return out;
}

}  // namespace tmf::pipeline
