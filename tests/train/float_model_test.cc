// FloatNetwork::forward on small networks whose outputs are worked out by hand (dense, 'same'
// conv over [length][channels], floor max-pool, global average, softmax), shape errors, and the
// detector scores of float_model.h against their closed forms evaluated in double.
#include <cmath>
#include <numbers>
#include <string>

#include "host/train/float_model.h"
#include "host/train/train_error.h"
#include "tests/support/tmf_test.h"

namespace tmf::train {
namespace {

bool near(double a, double b, double tol) { return std::fabs(a - b) <= tol; }

Layer dense(int in, int out, std::vector<float> w, std::vector<float> b,
            LayerActivation act = LayerActivation::kNone) {
  Layer l;
  l.kind = LayerKind::kDense;
  l.in_channels = in;
  l.out_channels = out;
  l.weight = std::move(w);
  l.bias = std::move(b);
  l.activation = act;
  return l;
}

Layer pool(LayerKind kind, int channels, int kernel) {
  Layer l;
  l.kind = kind;
  l.in_channels = l.out_channels = channels;
  l.kernel = kernel;
  return l;
}

// x = [4][2]: (1,2) (3,-1) (0,4) (-2,1).
const float kSequence[8] = {1, 2, 3, -1, 0, 4, -2, 1};

// Conv1D 2 -> 2, kernel 3, weight [out][k][in]:
//   y0[t] = x[t-1][0] + x[t][1] - x[t+1][0] + 0.5,   y1[t] = 2 x[t-1][1] + x[t][0] - 1
Layer conv_2x2(LayerActivation act) {
  Layer l;
  l.kind = LayerKind::kConv1D;
  l.in_channels = 2;
  l.out_channels = 2;
  l.kernel = 3;
  l.weight = {1, 0, 0, 1, -1, 0,   // out 0: k0, k1, k2
              0, 2, 1, 0, 0, 0};   // out 1
  l.bias = {0.5f, -1.0f};
  l.activation = act;
  return l;
}

FloatNetwork sequence_net() {
  FloatNetwork net;
  net.input_length = 4;
  net.input_channels = 2;
  return net;
}

void expect_values(TmfTestState* tmf_test_state_, const std::vector<float>& got,
                   const std::vector<float>& want, double tol = 1e-6) {
  TMF_ASSERT(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (!near(got[i], want[i], tol)) {
      tmf_test_fail(tmf_test_state_, __FILE__, __LINE__,
                    ("value " + std::to_string(i) + ": " + std::to_string(got[i]) + " != " +
                     std::to_string(want[i])).c_str());
    }
  }
}

TMF_TEST(FloatNetwork, DenseReluThenLinear) {
  FloatNetwork net;
  net.input_length = 3;
  // h = relu([1 2 0; -1 0 1] x + [0.5, -2]);  y = 2 h0 - h1 + 0.25
  net.layers.push_back(dense(3, 2, {1, 2, 0, -1, 0, 1}, {0.5f, -2}, LayerActivation::kRelu));
  net.layers.push_back(dense(2, 1, {2, -1}, {0.25f}));
  const float x[3] = {1, -0.5f, 4};
  // h0 = relu(1 - 1 + 0.5) = 0.5; h1 = relu(-1 + 4 - 2) = 1; y = 1 - 1 + 0.25
  expect_values(tmf_test_state_, net.forward(x), {0.25f});
  const float x2[3] = {-3, 0, 0};
  // h0 = relu(-3 + 0.5) = 0; h1 = relu(3 - 2) = 1; y = -1 + 0.25
  expect_values(tmf_test_state_, net.forward(x2), {-0.75f});
  TMF_EXPECT_EQ(net.output_size(), 1);
}

TMF_TEST(FloatNetwork, Conv1DSamePaddingChannelsLast) {
  FloatNetwork net = sequence_net();
  net.layers.push_back(conv_2x2(LayerActivation::kNone));
  // t0: 0 + 2 - 3 + 0.5, 0 + 1 - 1;  t1: 1 - 1 - 0 + 0.5, 4 + 3 - 1;
  // t2: 3 + 4 + 2 + 0.5, -2 + 0 - 1;  t3: 0 + 1 - 0 + 0.5, 8 - 2 - 1
  expect_values(tmf_test_state_, net.forward(kSequence), {-0.5f, 0, 0.5f, 6, 9.5f, -3, 1.5f, 5});
  net.layers[0].activation = LayerActivation::kRelu;
  expect_values(tmf_test_state_, net.forward(kSequence), {0, 0, 0.5f, 6, 9.5f, 0, 1.5f, 5});
  TMF_EXPECT_EQ(net.output_size(), 8);
}

TMF_TEST(FloatNetwork, PoolsDenseSoftmax) {
  FloatNetwork net = sequence_net();
  net.layers.push_back(conv_2x2(LayerActivation::kRelu));
  net.layers.push_back(pool(LayerKind::kMaxPool1D, 2, 2));
  expect_values(tmf_test_state_, net.forward(kSequence), {0.5f, 6, 9.5f, 5});
  net.layers.push_back(pool(LayerKind::kGlobalAvgPool, 2, 1));
  expect_values(tmf_test_state_, net.forward(kSequence), {5, 5.5f});
  net.layers.push_back(dense(2, 2, {1, -1, 0.5f, 0.5f}, {0, 0}));
  expect_values(tmf_test_state_, net.forward(kSequence), {-0.5f, 5.25f});
  net.layers.push_back(pool(LayerKind::kSoftmax, 2, 1));
  const double p1 = 1.0 / (1.0 + std::exp(-5.75));
  expect_values(tmf_test_state_, net.forward(kSequence), {static_cast<float>(1 - p1), static_cast<float>(p1)});
  TMF_EXPECT_EQ(net.output_size(), 2);
}

TMF_TEST(FloatNetwork, MaxPoolFloorsTheLength) {
  FloatNetwork net;
  net.input_length = 5;
  net.layers.push_back(pool(LayerKind::kMaxPool1D, 1, 2));
  const float x[5] = {1, -4, 2, 3, 100};  // the fifth value has no complete window
  expect_values(tmf_test_state_, net.forward(x), {1, 3});
  TMF_EXPECT_EQ(net.output_size(), 2);
}

TMF_TEST(FloatNetwork, DenseFlattensLengthThenChannels) {
  // A dense layer straight after [4][2] reads x[t][c] at index t * 2 + c.
  FloatNetwork net = sequence_net();
  std::vector<float> w(3 * 8, 0.0f);
  w[0 * 8 + (1 * 2 + 0)] = 1;  // x[1][0] = 3
  w[1 * 8 + (2 * 2 + 1)] = 1;  // x[2][1] = 4
  w[2 * 8 + (3 * 2 + 0)] = 1;  // x[3][0] = -2
  net.layers.push_back(dense(8, 3, w, {0, 0, 0}));
  expect_values(tmf_test_state_, net.forward(kSequence), {3, 4, -2});
}

TMF_TEST(FloatNetwork, SoftmaxPerRowOfASequence) {
  FloatNetwork net = sequence_net();
  net.layers.push_back(pool(LayerKind::kSoftmax, 2, 1));
  const std::vector<float> y = net.forward(kSequence);
  TMF_ASSERT(y.size() == 8);
  for (int t = 0; t < 4; ++t) {
    const double a = kSequence[2 * t], b = kSequence[2 * t + 1];
    const double pa = std::exp(a) / (std::exp(a) + std::exp(b));
    TMF_EXPECT(near(y[2 * t], pa, 1e-6));
    TMF_EXPECT(near(y[2 * t + 1], 1 - pa, 1e-6));
  }
}

TMF_TEST(FloatNetwork, ShapeErrorsNameTheLayer) {
  FloatNetwork net;
  net.input_length = 3;
  net.layers.push_back(dense(3, 2, {1, 2, 0, -1, 0, 1}, {0, 0}));
  net.layers.push_back(dense(3, 1, {1, 1, 1}, {0}));  // expects 3 inputs, gets 2
  const float x[3] = {0, 0, 0};
  TMF_EXPECT_THROWS(net.forward(x), TrainError, "layer 1 (Dense)");
  TMF_EXPECT_THROWS(net.output_size(), TrainError, "layer 1 (Dense)");

  FloatNetwork conv = sequence_net();
  conv.layers.push_back(conv_2x2(LayerActivation::kNone));
  conv.layers[0].weight.pop_back();
  TMF_EXPECT_THROWS(conv.forward(kSequence), TrainError, "layer 0 (Conv1D): weight has 11 values");
  conv.layers[0] = conv_2x2(LayerActivation::kNone);
  conv.layers[0].kernel = 2;
  TMF_EXPECT_THROWS(conv.output_size(), TrainError, "not odd");

  FloatNetwork pooled = sequence_net();
  pooled.layers.push_back(pool(LayerKind::kMaxPool1D, 2, 5));
  TMF_EXPECT_THROWS(pooled.output_size(), TrainError, "layer 0 (MaxPool1D)");
  pooled.layers[0].kernel = 2;
  pooled.layers[0].activation = LayerActivation::kRelu;
  TMF_EXPECT_THROWS(pooled.output_size(), TrainError, "activation");
}

TMF_TEST(Detectors, KMeansScoreIsNearestSquaredDistance) {
  KMeansModel m;
  m.k = 2;
  m.dim = 2;
  m.centroids = {0, 0, 3, 1};
  const float x[2] = {1, 1};  // 2 to the first, 4 to the second
  TMF_EXPECT(m.score(x) == 2.0f);
  const float y[2] = {3, 2};  // 13 and 1
  TMF_EXPECT(m.score(y) == 1.0f);
}

TMF_TEST(Detectors, GmmScoreIsMinusLogDensity) {
  // Two components in 3 dimensions, filled as float_model.h documents.
  const double weight[2] = {0.3, 0.7};
  const double mean[2][3] = {{0, 1, -1}, {2, 0.5, 0}};
  const double var[2][3] = {{1, 0.25, 2}, {0.5, 1.5, 0.1}};
  GaussianMixtureModel m;
  m.k = 2;
  m.dim = 3;
  for (int k = 0; k < 2; ++k) {
    double log_det = 0;
    for (int d = 0; d < 3; ++d) {
      m.means.push_back(static_cast<float>(mean[k][d]));
      m.inv_var.push_back(static_cast<float>(1 / var[k][d]));
      log_det += std::log(2 * std::numbers::pi * var[k][d]);
    }
    m.log_norm.push_back(static_cast<float>(std::log(weight[k]) - 0.5 * log_det));
  }
  const float points[4][3] = {{0, 1, -1}, {1, 0.7f, -0.4f}, {2.1f, 0.2f, 0.05f}, {6, -3, 4}};
  for (const auto& x : points) {
    double p = 0;  // sum_k w_k prod_d N(x_d; mu, var)
    for (int k = 0; k < 2; ++k) {
      double pk = weight[k];
      for (int d = 0; d < 3; ++d) {
        const double z = x[d] - mean[k][d];
        pk *= std::exp(-z * z / (2 * var[k][d])) / std::sqrt(2 * std::numbers::pi * var[k][d]);
      }
      p += pk;
    }
    const double expected = -std::log(p);
    TMF_EXPECT(near(m.score(x), expected, 1e-5 * (1 + std::fabs(expected))));
  }
}

TMF_TEST(Detectors, MahalanobisScoreIsSquaredNormOfWhitened) {
  MahalanobisModel m;
  m.dim = 2;
  m.mean = {1, -1};
  m.whitening = {2, 0, 1, 0.5f};  // z = (2 dx, dx + 0.5 dy)
  const float x[2] = {2, 1};      // dx = 1, dy = 2: z = (2, 2)
  TMF_EXPECT(m.score(x) == 8.0f);
}

}  // namespace
}  // namespace tmf::train
