// The validation set op_cost writes (`op_cost benchmodels`): whole models whose predicted costs
// make bench compares with QEMU counts; never used by the fit (that is op_cost_models.cc).
#include <random>
#include <string>
#include <vector>

#include "bench/op_cost_builder.h"
#include "bench/op_cost_models.h"
#include "host/convert/pipeline_graph.h"

namespace op_cost {

// The validation set: whole models whose predictions make bench compares with QEMU counts.
// Small ones (*_s) fit the micro:bit.
std::vector<std::pair<std::string, Graph>> benchmark_models() {
  std::vector<std::pair<std::string, Graph>> models;
  const auto autoencoder = [&](const std::string& name, std::vector<int> widths) {
    Builder b(name);
    int x = b.input({1, widths[0]});
    for (size_t i = 1; i < widths.size(); ++i) {
      x = b.fc(x, widths[i], i + 1 == widths.size() ? Activation::kNone : Activation::kRelu);
    }
    b.output(x);
    models.emplace_back(name, b.take());
  };
  autoencoder("dense_ae_s", {32, 16, 8, 16, 32});
  autoencoder("dense_ae_m", {128, 64, 24, 64, 128});
  autoencoder("dense_ae_l", {320, 256, 128, 16, 128, 256, 320});
  {
    Builder b("mlp_softmax_s");
    int x = b.input({1, 40});
    x = b.fc(x, 30);
    x = b.fc(x, 18);
    x = b.fc(x, 5, Activation::kNone);
    b.output(b.softmax(x));
    models.emplace_back("mlp_softmax_s", b.take());
  }
  {
    Builder b("mlp_softmax_m");
    int x = b.input({1, 257});
    x = b.fc(x, 100, Activation::kRelu, true);
    x = b.fc(x, 50);
    x = b.fc(x, 10, Activation::kNone);
    b.output(b.softmax(x));
    models.emplace_back("mlp_softmax_m", b.take());
  }
  // 1-D CNNs over a feature vector: CONV_2D with height 1, pools, a classifier.
  const auto cnn1d = [&](const std::string& name, int length, int channels, std::vector<int> filters,
                         bool depthwise_block, tmf::OpCode pool, int classes) {
    Builder b(name);
    int x = b.input({1, 1, length, channels});
    for (size_t i = 0; i < filters.size(); ++i) {
      x = b.conv(x, filters[i], 1, i == 0 ? 5 : 3, 1, Padding::kSame);
      if (depthwise_block && i == 0) {
        x = b.depthwise(x, 1, 1, 3, 1, Padding::kSame);
        x = b.conv(x, filters[i], 1, 1, 1, Padding::kSame);  // 1x1: rewritten as FULLY_CONNECTED
      }
      x = b.pool(pool, x, 1, 2, 2, Padding::kValid);
    }
    const std::vector<int32_t> s = b.shape(x);
    x = b.reshape(x, {1, s[1] * s[2] * s[3]});
    x = b.fc(x, classes, Activation::kNone);
    b.output(b.softmax(x));
    models.emplace_back(name, b.take());
  };
  cnn1d("cnn1d_s", 32, 1, {4, 8}, false, tmf::kOpMaxPool2D, 3);
  cnn1d("cnn1d_m", 64, 3, {16, 24}, false, tmf::kOpMaxPool2D, 4);
  cnn1d("cnn1d_dw", 48, 2, {16, 32}, true, tmf::kOpAveragePool2D, 6);
  cnn1d("cnn1d_odd", 50, 1, {6, 10}, false, tmf::kOpAveragePool2D, 5);
  // Whole pipelines: raw samples -> features -> detector -> score -> decision.
  const auto pipeline = [&](const std::string& name, uint32_t n, uint32_t bands, uint32_t stats, int detector) {
    Graph g;
    g.source = name;
    const int samples = tmf::host::add_samples_input(g, n);
    const auto config = tmf::host::hann_features_config(n, 12000.0f, 50.0f, 6000.0f, bands, stats);
    const uint32_t count = tmf::dsp::features_count(config);
    const int x = tmf::host::add_dsp_features(g, samples, config, std::vector<float>(count, 0.0f),
                                              std::vector<float>(count, 0.1f), 0.05f, 0);
    int score;
    std::vector<float> values(count * count * 4);
    for (float& v : values) v = std::uniform_real_distribution<float>(0.1f, 1.0f)(g_rng);
    if (detector == 0) {  // autoencoder
      tmf::host::OpOptions o;
      o.activation = Activation::kRelu;
      int h = x;
      for (int units : {static_cast<int>(count) / 2, static_cast<int>(count)}) {
        const int32_t depth = g.tensors[h].shape.back();
        Tensor w = constant_int8({units, depth}, 1, 0);
        w.name = name + "/w" + std::to_string(units);
        Tensor bias = constant_int32(units);
        bias.name = name + "/b" + std::to_string(units);
        Tensor y = activation({1, units}, 0.05f, 0);
        y.name = name + "/y" + std::to_string(units);
        g.tensors.push_back(w);
        g.tensors.push_back(bias);
        g.tensors.push_back(y);
        const int n_t = static_cast<int>(g.tensors.size());
        Op op;
        op.opcode = tmf::kOpFullyConnected;
        op.source_name = "FULLY_CONNECTED";
        op.inputs = {h, n_t - 3, n_t - 2};
        op.outputs = {n_t - 1};
        op.options = o;
        g.ops.push_back(op);
        h = n_t - 1;
      }
      score = tmf::host::add_score_reconstruction(g, x, h);
    } else if (detector == 1) {
      score = tmf::host::add_score_kmeans(g, x, 8, std::vector<float>(values.begin(), values.begin() + 8 * count));
    } else {
      score = tmf::host::add_score_mahalanobis(g, x, std::vector<float>(values.begin(), values.begin() + count),
                                               std::vector<float>(values.begin(), values.begin() + count * count));
    }
    g.outputs.push_back(tmf::host::add_decision_threshold(g, score, 1.0f));
    models.emplace_back(name, std::move(g));
  };
  pipeline("pipeline_ae_s", 128, 16, 0x3, 0);
  pipeline("pipeline_ae_m", 1024, 32, 0xf, 0);
  pipeline("pipeline_kmeans", 512, 24, 0x5, 1);
  pipeline("pipeline_mahal", 256, 12, 0x3, 2);
  return models;
}

}  // namespace op_cost
