// The neural learners with libtorch: build a small sequential module, train it with Adam on
// shuffled mini-batches, export its weights into FloatNetwork layouts, and check the export
// against libtorch's own forward pass. The only translation unit that includes libtorch; it is
// built into the module libtinymlops_torch.so, which network_trainers_loader.cc loads on the
// first training call (network_trainers_module.h says why).
#include "host/train/network_trainers_module.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "host/train/feature_checks.h"
#include "host/train/seeded_random.h"
#include "host/train/train_error.h"

namespace tmf::train {
namespace {

// One layer of the module with the FloatNetwork layer it exports to.
struct TorchLayer {
  LayerKind kind = LayerKind::kDense;
  LayerActivation activation = LayerActivation::kNone;
  int in_channels = 0, out_channels = 0, kernel = 1;
  torch::nn::Linear linear{nullptr};
  torch::nn::Conv1d conv{nullptr};
};

// A feed-forward module over [N][F] feature rows. Conv and pool layers see [N][channels][length]
// (libtorch's layout); a dense layer after them flattens channels-last, [length][channels], as
// FloatNetwork does. The final Softmax, if any, is applied outside (the loss wants logits).
class SequentialNet : public torch::nn::Module {
 public:
  explicit SequentialNet(int features) : features_(features) {}

  void add_dense(int in, int out, LayerActivation act) {
    TorchLayer l;
    l.kind = LayerKind::kDense;
    l.activation = act;
    l.in_channels = in;
    l.out_channels = out;
    l.linear = register_module("dense" + std::to_string(layers_.size()), torch::nn::Linear(in, out));
    layers_.push_back(l);
  }
  void add_conv1d(int in, int out, int kernel, LayerActivation act) {
    TorchLayer l;
    l.kind = LayerKind::kConv1D;
    l.activation = act;
    l.in_channels = in;
    l.out_channels = out;
    l.kernel = kernel;
    l.conv = register_module("conv" + std::to_string(layers_.size()),
                             torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, kernel)
                                                   .stride(1)
                                                   .padding((kernel - 1) / 2)));
    layers_.push_back(l);
  }
  void add_pool(LayerKind kind, int channels, int kernel) {
    TorchLayer l;
    l.kind = kind;
    l.in_channels = l.out_channels = channels;
    l.kernel = kernel;
    layers_.push_back(l);
  }

  torch::Tensor forward(torch::Tensor x) {
    bool sequence = false;  // x is [N][C][L] rather than [N][F]
    for (TorchLayer& l : layers_) {
      switch (l.kind) {
        case LayerKind::kDense:
          if (sequence) x = x.permute({0, 2, 1}).reshape({x.size(0), -1});
          sequence = false;
          x = l.linear->forward(x);
          break;
        case LayerKind::kConv1D:
          if (!sequence) x = x.unsqueeze(1);
          sequence = true;
          x = l.conv->forward(x);
          break;
        case LayerKind::kMaxPool1D:
          x = torch::max_pool1d(x, l.kernel, l.kernel);
          break;
        case LayerKind::kGlobalAvgPool:
          x = x.mean(2);
          sequence = false;
          break;
        case LayerKind::kSoftmax:
          break;
      }
      if (l.activation == LayerActivation::kRelu) x = torch::relu(x);
    }
    return x;
  }

  // The trained weights in float_model.h layouts.
  FloatNetwork export_network(bool softmax) const {
    FloatNetwork net;
    net.input_length = features_;
    net.input_channels = 1;
    for (const TorchLayer& t : layers_) {
      Layer l;
      l.kind = t.kind;
      l.activation = t.activation;
      l.in_channels = t.in_channels;
      l.out_channels = t.out_channels;
      l.kernel = t.kernel;
      torch::Tensor w, b;
      if (t.kind == LayerKind::kDense) {
        w = t.linear->weight.detach().contiguous();  // [out][in]
        b = t.linear->bias.detach();
      } else if (t.kind == LayerKind::kConv1D) {
        w = t.conv->weight.detach().permute({0, 2, 1}).contiguous();  // [out][in][k] -> [out][k][in]
        b = t.conv->bias.detach();
      }
      if (w.defined()) {
        l.weight.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
        b = b.contiguous();
        l.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
      }
      net.layers.push_back(std::move(l));
    }
    if (softmax) {
      Layer s;
      s.kind = LayerKind::kSoftmax;
      s.in_channels = s.out_channels = net.layers.back().out_channels;
      net.layers.push_back(std::move(s));
    }
    return net;
  }

 private:
  int features_;
  std::vector<TorchLayer> layers_;
};

void check_train_options(const TrainOptions& o, const char* learner) {
  const std::string name(learner);
  if (o.epochs < 1) throw TrainError(name + ": epochs must be >= 1");
  if (o.batch_size < 1) throw TrainError(name + ": batch_size must be >= 1");
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) {
    throw TrainError(name + ": learning_rate must be > 0");
  }
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay)) {
    throw TrainError(name + ": weight_decay must be >= 0");
  }
}

void check_layer_sizes(const std::vector<int>& sizes, const char* learner, const char* field) {
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 1) {
      throw TrainError(std::string(learner) + ": " + field + "[" + std::to_string(i) + "] = " +
                       std::to_string(sizes[i]) + " must be >= 1");
    }
  }
}

void check_labels(const FeatureMatrix& rows, const std::vector<int>& labels, int num_classes,
                  const char* learner) {
  const std::string name(learner);
  if (num_classes < 2) throw TrainError(name + ": num_classes must be >= 2");
  if (labels.size() != static_cast<size_t>(rows.rows)) {
    throw TrainError(name + ": " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(rows.rows) + " rows");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes) {
      throw TrainError(name + ": labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) +
                       " is outside [0, " + std::to_string(num_classes) + ")");
    }
  }
}

// Fixes libtorch's global state a reproducible run depends on. Must run before the module is
// built: its initial weights come from the global generator.
void make_reproducible(uint64_t seed) {
  torch::set_num_threads(1);
  torch::manual_seed(seed);
}

torch::Tensor to_tensor(const FeatureMatrix& m) {
  return torch::from_blob(const_cast<float*>(m.data.data()), {m.rows, m.cols}, torch::kFloat32).clone();
}

// Adam over shuffled mini-batches. batch_loss(output, batch_indices) returns the loss.
template <typename LossFn>
void fit(SequentialNet& net, const torch::Tensor& x, const TrainOptions& o, LossFn batch_loss,
         TrainReport* report) {
  torch::optim::Adam optimizer(
      net.parameters(), torch::optim::AdamOptions(o.learning_rate).weight_decay(o.weight_decay));
  const int n = static_cast<int>(x.size(0));
  std::mt19937 rng = seeded_generator(o.seed);
  std::vector<int64_t> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  net.train();
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    shuffle_in_place(order, rng);
    double loss_sum = 0;
    for (int begin = 0; begin < n; begin += o.batch_size) {
      const int count = std::min(o.batch_size, n - begin);
      const torch::Tensor idx = torch::from_blob(order.data() + begin, {count}, torch::kInt64);
      optimizer.zero_grad();
      torch::Tensor loss = batch_loss(net.forward(x.index_select(0, idx)), idx);
      loss.backward();
      optimizer.step();
      loss_sum += static_cast<double>(loss.item<float>()) * count;
    }
    const float epoch_loss = static_cast<float>(loss_sum / n);
    if (report) report->epoch_loss.push_back(epoch_loss);
    if (o.progress) o.progress(epoch, epoch_loss);
  }
  net.eval();
}

// Runs libtorch's forward on the first rows and compares the exported network with it.
void check_export(SequentialNet& net, const FloatNetwork& exported, const FeatureMatrix& rows,
                  const torch::Tensor& x, bool softmax, TrainReport* report) {
  const int parity_rows = std::min(rows.rows, 256);
  torch::NoGradGuard no_grad;
  torch::Tensor y = net.forward(x.narrow(0, 0, parity_rows));
  if (softmax) y = torch::softmax(y, 1);
  y = y.contiguous();
  const float* ty = y.data_ptr<float>();
  const int outputs = static_cast<int>(y.size(1));
  float max_diff = 0.0f, max_abs = 0.0f;
  for (int r = 0; r < parity_rows; ++r) {
    const std::vector<float> fy = exported.forward(rows.row(r));
    for (int j = 0; j < outputs; ++j) {
      const float t = ty[static_cast<size_t>(r) * outputs + j];
      max_diff = std::max(max_diff, std::fabs(fy[j] - t));
      max_abs = std::max(max_abs, std::fabs(t));
    }
  }
  if (report) {
    report->parity_rows = parity_rows;
    report->torch_outputs.assign(ty, ty + static_cast<size_t>(parity_rows) * outputs);
    report->export_max_abs_diff = max_diff;
  }
  if (!(max_diff <= 1e-3f * (1.0f + max_abs))) {
    throw TrainError("exported network differs from the trained module by " +
                     std::to_string(max_diff) + " (internal error)");
  }
}

// Class weights n / (num_classes * count_c), so every class weighs the same in the loss; a class
// absent from the rows gets weight 0.
torch::Tensor class_weights(const std::vector<int>& labels, int num_classes, bool balance) {
  std::vector<float> w(num_classes, 1.0f);
  if (balance) {
    std::vector<int> count(num_classes, 0);
    for (int l : labels) ++count[l];
    for (int c = 0; c < num_classes; ++c) {
      w[c] = count[c] > 0 ? static_cast<float>(labels.size()) / (num_classes * count[c]) : 0.0f;
    }
  }
  return torch::tensor(w);
}

FloatNetwork train_classifier(SequentialNet& net, const FeatureMatrix& rows,
                              const std::vector<int>& labels, int num_classes, bool balance,
                              const TrainOptions& o, TrainReport* report) {
  const torch::Tensor x = to_tensor(rows);
  const torch::Tensor y = torch::tensor(std::vector<int64_t>(labels.begin(), labels.end()));
  const torch::Tensor weight = class_weights(labels, num_classes, balance);
  fit(net, x, o,
      [&](const torch::Tensor& logits, const torch::Tensor& idx) {
        return torch::nll_loss(torch::log_softmax(logits, 1), y.index_select(0, idx), weight);
      },
      report);
  FloatNetwork exported = net.export_network(true);
  check_export(net, exported, rows, x, true, report);
  return exported;
}

FloatNetwork autoencoder_with_torch(const FeatureMatrix& healthy, const AutoencoderOptions& options,
                                    TrainReport* report) {
  check_feature_matrix(healthy, "autoencoder rows");
  check_train_options(options, "autoencoder");
  check_layer_sizes(options.hidden, "autoencoder", "hidden");
  if (report) *report = {};
  make_reproducible(options.seed);
  SequentialNet net(healthy.cols);
  int width = healthy.cols;
  for (int h : options.hidden) {
    net.add_dense(width, h, LayerActivation::kRelu);
    width = h;
  }
  net.add_dense(width, healthy.cols, LayerActivation::kNone);

  const torch::Tensor x = to_tensor(healthy);
  fit(net, x, options,
      [&](const torch::Tensor& out, const torch::Tensor& idx) {
        return torch::mse_loss(out, x.index_select(0, idx));
      },
      report);
  FloatNetwork exported = net.export_network(false);
  check_export(net, exported, healthy, x, false, report);
  return exported;
}

FloatNetwork mlp_with_torch(const FeatureMatrix& rows, const std::vector<int>& labels, int num_classes,
                            const MlpOptions& options, TrainReport* report) {
  check_feature_matrix(rows, "MLP rows");
  check_labels(rows, labels, num_classes, "MLP");
  check_train_options(options, "MLP");
  check_layer_sizes(options.hidden, "MLP", "hidden");
  if (report) *report = {};
  make_reproducible(options.seed);
  SequentialNet net(rows.cols);
  int width = rows.cols;
  for (int h : options.hidden) {
    net.add_dense(width, h, LayerActivation::kRelu);
    width = h;
  }
  net.add_dense(width, num_classes, LayerActivation::kNone);
  return train_classifier(net, rows, labels, num_classes, options.balance_classes, options, report);
}

FloatNetwork cnn1d_with_torch(const FeatureMatrix& rows, const std::vector<int>& labels, int num_classes,
                              const Cnn1dOptions& options, TrainReport* report) {
  check_feature_matrix(rows, "1D-CNN rows");
  check_labels(rows, labels, num_classes, "1D-CNN");
  check_train_options(options, "1D-CNN");
  check_layer_sizes({options.filters1, options.filters2}, "1D-CNN", "filters");
  if (options.kernel < 1 || options.kernel % 2 == 0) {
    throw TrainError("1D-CNN: kernel " + std::to_string(options.kernel) + " must be odd");
  }
  if (options.pool < 1 || rows.cols / options.pool < 1) {
    throw TrainError("1D-CNN: pool " + std::to_string(options.pool) + " does not fit " +
                     std::to_string(rows.cols) + " features");
  }
  if (report) *report = {};
  make_reproducible(options.seed);
  SequentialNet net(rows.cols);
  net.add_conv1d(1, options.filters1, options.kernel, LayerActivation::kRelu);
  net.add_pool(LayerKind::kMaxPool1D, options.filters1, options.pool);
  net.add_conv1d(options.filters1, options.filters2, options.kernel, LayerActivation::kRelu);
  net.add_pool(LayerKind::kGlobalAvgPool, options.filters2, 1);
  net.add_dense(options.filters2, num_classes, LayerActivation::kNone);
  return train_classifier(net, rows, labels, num_classes, options.balance_classes, options, report);
}

constexpr NetworkTrainerTable kTable{kNetworkTrainerAbi, autoencoder_with_torch, mlp_with_torch,
                                     cnn1d_with_torch};

}  // namespace
}  // namespace tmf::train

extern "C" __attribute__((visibility("default"))) const tmf::train::NetworkTrainerTable*
tmf_network_trainer_table() {
  return &tmf::train::kTable;
}
