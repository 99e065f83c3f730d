// The libtorch learners on seeded synthetic data: the exported FloatNetwork matches libtorch's
// own forward pass of the trained module, the autoencoder learns a low-rank manifold and scores
// points off it higher, the classifiers separate separable classes, and a seed fixes the weights.
#include <algorithm>
#include <cmath>
#include <random>

#include "host/train/metrics.h"
#include "host/train/network_trainers.h"
#include "host/train/scoring.h"
#include "host/train/standardize.h"
#include "host/train/train_error.h"
#include "tests/support/tmf_test.h"

namespace tmf::train {
namespace {

constexpr int kFeatures = 32;
constexpr int kRank = 4;

// Rows A z + noise with z ~ N(0, I_4): a 4-dimensional manifold in 32 features. `off_manifold`
// adds isotropic noise of the data's own scale instead.
struct LowRankSource {
  std::mt19937 rng{42};
  std::normal_distribution<float> normal{0.0f, 1.0f};
  std::vector<float> a;  // [kFeatures][kRank]
  LowRankSource() {
    for (int i = 0; i < kFeatures * kRank; ++i) a.push_back(normal(rng) / std::sqrt(float(kRank)));
  }
  FeatureMatrix rows(int n, float noise) {
    FeatureMatrix m;
    m.rows = n;
    m.cols = kFeatures;
    for (int r = 0; r < n; ++r) {
      float z[kRank];
      for (float& v : z) v = normal(rng);
      for (int f = 0; f < kFeatures; ++f) {
        float v = noise * normal(rng);
        for (int k = 0; k < kRank; ++k) v += a[f * kRank + k] * z[k];
        m.data.push_back(v);
      }
    }
    return m;
  }
};

float max_abs_diff_to_torch(const FloatNetwork& net, const FeatureMatrix& rows, const TrainReport& report) {
  const int outputs = net.output_size();
  float worst = 0;
  for (int r = 0; r < report.parity_rows; ++r) {
    const std::vector<float> y = net.forward(rows.row(r));
    for (int j = 0; j < outputs; ++j) worst = std::max(worst, std::fabs(y[j] - report.torch_outputs[r * outputs + j]));
  }
  return worst;
}

bool same_weights(const FloatNetwork& a, const FloatNetwork& b) {
  if (a.layers.size() != b.layers.size()) return false;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    if (a.layers[i].weight != b.layers[i].weight || a.layers[i].bias != b.layers[i].bias) return false;
  }
  return true;
}

TMF_TEST(Autoencoder, LearnsLowRankDataAndFlagsOffManifoldPoints) {
  LowRankSource source;
  const FeatureMatrix train_raw = source.rows(400, 0.05f);
  const Standardizer s = fit_standardizer(train_raw);
  const FeatureMatrix train = s.applied(train_raw);
  const FeatureMatrix healthy = s.applied(source.rows(200, 0.05f));
  const FeatureMatrix anomalous = s.applied(source.rows(200, 0.5f));

  AutoencoderOptions o;
  o.seed = 1;
  std::vector<std::pair<int, float>> progress;
  o.progress = [&](int epoch, float loss) { progress.emplace_back(epoch, loss); };
  TrainReport report;
  const FloatNetwork ae = train_autoencoder(train, o, &report);

  // Structure: 32-16-8-16-32, ReLU on hidden layers only.
  TMF_ASSERT(ae.layers.size() == 4);
  const int widths[5] = {32, 16, 8, 16, 32};
  for (int i = 0; i < 4; ++i) {
    TMF_EXPECT(ae.layers[i].kind == LayerKind::kDense);
    TMF_EXPECT_EQ(ae.layers[i].in_channels, widths[i]);
    TMF_EXPECT_EQ(ae.layers[i].out_channels, widths[i + 1]);
    TMF_EXPECT((ae.layers[i].activation == LayerActivation::kRelu) == (i < 3));
  }
  // Progress reports every epoch, with the losses the report holds.
  TMF_ASSERT(static_cast<int>(progress.size()) == o.epochs);
  TMF_ASSERT(report.epoch_loss.size() == progress.size());
  for (int e = 0; e < o.epochs; ++e) {
    TMF_EXPECT_EQ(progress[e].first, e + 1);
    TMF_EXPECT(progress[e].second == report.epoch_loss[e]);
  }
  TMF_EXPECT(report.epoch_loss.back() < 0.1f * report.epoch_loss.front());

  // The exported network is the trained module: libtorch's forward agrees.
  TMF_EXPECT_EQ(report.parity_rows, 256);
  TMF_EXPECT(max_abs_diff_to_torch(ae, train, report) < 1e-5f);
  TMF_EXPECT(report.export_max_abs_diff == max_abs_diff_to_torch(ae, train, report));

  const auto score = [&](const float* x) { return reconstruction_error(ae, x); };
  const std::vector<float> healthy_scores = score_rows(healthy, score);
  const std::vector<float> anomalous_scores = score_rows(anomalous, score);
  double mean_healthy = 0;
  for (float v : healthy_scores) mean_healthy += v / healthy_scores.size();
  TMF_EXPECT(mean_healthy < 0.05);  // features have unit variance
  TMF_EXPECT(roc_auc(healthy_scores, anomalous_scores) > 0.99);
}

TMF_TEST(Autoencoder, SameSeedSameWeights) {
  LowRankSource source;
  const FeatureMatrix train = source.rows(200, 0.05f);
  AutoencoderOptions o;
  o.epochs = 5;
  o.seed = 77;
  const FloatNetwork a = train_autoencoder(train, o);
  const FloatNetwork b = train_autoencoder(train, o);
  TMF_EXPECT(same_weights(a, b));
  o.seed = 78;
  TMF_EXPECT(!same_weights(a, train_autoencoder(train, o)));
}

TMF_TEST(Autoencoder, RejectsBadOptionsAndData) {
  LowRankSource source;
  FeatureMatrix train = source.rows(10, 0.05f);
  AutoencoderOptions o;
  o.hidden = {16, 0};
  TMF_EXPECT_THROWS(train_autoencoder(train, o), TrainError, "hidden[1] = 0");
  o.hidden = {4};
  o.epochs = 0;
  TMF_EXPECT_THROWS(train_autoencoder(train, o), TrainError, "epochs");
  o.epochs = 1;
  train.data[40] = INFINITY;
  TMF_EXPECT_THROWS(train_autoencoder(train, o), TrainError, "row 1 column 8 is not finite");
}

// Three classes: Gaussian blobs in 16 features whose means differ by about 3 standard deviations.
struct Blobs {
  FeatureMatrix rows;
  std::vector<int> labels;
};
Blobs blob_classes(int per_class, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Blobs b;
  b.rows.cols = 16;
  for (int i = 0; i < 3 * per_class; ++i) {
    const int c = i % 3;
    for (int f = 0; f < 16; ++f) b.rows.data.push_back(normal(rng) + (f % 3 == c ? 2.0f : 0.0f));
    b.labels.push_back(c);
    ++b.rows.rows;
  }
  return b;
}

// Three sequence shapes over 32 features the CNN must tell apart by position-independent
// pattern: one bump, two bumps, an alternating ripple; each at a random position with noise.
Blobs shape_classes(int per_class, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  Blobs b;
  b.rows.cols = 32;
  for (int i = 0; i < 3 * per_class; ++i) {
    const int c = i % 3;
    std::vector<float> x(32);
    for (float& v : x) v = normal(rng);
    const int at = static_cast<int>(rng() % 20) + 2;
    if (c == 0) {
      for (int k = -2; k <= 2; ++k) x[at + k] += 2.0f - std::abs(k) * 0.6f;
    } else if (c == 1) {
      for (int k = -1; k <= 1; ++k) x[at + k] += 1.5f, x[at + 8 + k] += 1.5f;
    } else {
      for (int k = 0; k < 8; ++k) x[at + k] += (k % 2 ? -1.5f : 1.5f);
    }
    b.rows.data.insert(b.rows.data.end(), x.begin(), x.end());
    b.labels.push_back(c);
    ++b.rows.rows;
  }
  return b;
}

double accuracy(const FloatNetwork& net, const Blobs& data) {
  std::vector<int> predicted;
  for (int r = 0; r < data.rows.rows; ++r) predicted.push_back(predict_class(net, data.rows.row(r)));
  return confusion_matrix(data.labels, predicted, 3).accuracy();
}

void expect_probabilities(TmfTestState* tmf_test_state_, const FloatNetwork& net, const FeatureMatrix& rows) {
  for (int r = 0; r < 10; ++r) {
    const std::vector<float> p = net.forward(rows.row(r));
    float sum = 0;
    for (float v : p) {
      sum += v;
      TMF_EXPECT(v >= 0 && v <= 1);
    }
    TMF_EXPECT(std::fabs(sum - 1) < 1e-5f);
  }
}

TMF_TEST(MlpClassifier, SeparatesBlobs) {
  const Blobs train = blob_classes(150, 1), test = blob_classes(100, 2);
  MlpOptions o;
  o.epochs = 40;
  o.seed = 3;
  TrainReport report;
  const FloatNetwork net = train_mlp_classifier(train.rows, train.labels, 3, o, &report);
  TMF_ASSERT(net.layers.size() == 4);  // 16-32-16-3 + Softmax
  TMF_EXPECT(net.layers.back().kind == LayerKind::kSoftmax);
  TMF_EXPECT_EQ(net.output_size(), 3);
  TMF_EXPECT(max_abs_diff_to_torch(net, train.rows, report) < 1e-5f);
  expect_probabilities(tmf_test_state_, net, test.rows);
  TMF_EXPECT(accuracy(net, test) > 0.95);
}

TMF_TEST(Cnn1dClassifier, SeparatesSequenceShapes) {
  const Blobs train = shape_classes(150, 3), test = shape_classes(100, 4);
  Cnn1dOptions o;
  o.epochs = 60;
  o.seed = 5;
  TrainReport report;
  const FloatNetwork net = train_cnn1d_classifier(train.rows, train.labels, 3, o, &report);
  const LayerKind kinds[6] = {LayerKind::kConv1D, LayerKind::kMaxPool1D, LayerKind::kConv1D,
                              LayerKind::kGlobalAvgPool, LayerKind::kDense, LayerKind::kSoftmax};
  TMF_ASSERT(net.layers.size() == 6);
  for (int i = 0; i < 6; ++i) TMF_EXPECT(net.layers[i].kind == kinds[i]);
  TMF_EXPECT_EQ(net.input_length, 32);
  TMF_EXPECT_EQ(net.input_channels, 1);
  TMF_EXPECT_EQ(net.layers[2].weight.size(), 16 * 3 * 8);  // [out][kernel][in]
  // libtorch stores conv weights [out][in][kernel]: a wrong permutation would break parity.
  TMF_EXPECT(max_abs_diff_to_torch(net, train.rows, report) < 1e-5f);
  expect_probabilities(tmf_test_state_, net, test.rows);
  TMF_EXPECT(accuracy(net, test) > 0.9);
}

TMF_TEST(Classifiers, SameSeedSameWeightsAndLabelChecks) {
  const Blobs train = shape_classes(20, 6);
  Cnn1dOptions o;
  o.epochs = 3;
  o.seed = 11;
  TMF_EXPECT(same_weights(train_cnn1d_classifier(train.rows, train.labels, 3, o),
                          train_cnn1d_classifier(train.rows, train.labels, 3, o)));
  std::vector<int> bad = train.labels;
  bad[12] = 5;
  TMF_EXPECT_THROWS(train_cnn1d_classifier(train.rows, bad, 3, o), TrainError, "labels[12] = 5");
  TMF_EXPECT_THROWS(train_mlp_classifier(train.rows, train.labels, 1, MlpOptions{}), TrainError,
                    "num_classes");
  o.kernel = 4;
  TMF_EXPECT_THROWS(train_cnn1d_classifier(train.rows, train.labels, 3, o), TrainError, "odd");
}

}  // namespace
}  // namespace tmf::train
