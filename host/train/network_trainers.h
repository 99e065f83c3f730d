// Neural learners trained with libtorch (CPU, one thread) and exported as FloatNetwork:
// a dense autoencoder for anomaly scores, and MLP / 1D-CNN classifiers ending in Softmax.
// Reproducible: the same rows, options and seed give bit-identical weights on the same build.
// Not thread-safe (libtorch's global seed and thread count are set). Inputs must be finite and
// already standardized; bad inputs or options throw TrainError naming the field.
// Only network_trainers.cc includes libtorch headers.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "host/train/float_model.h"

namespace tmf::train {

// Called after every epoch with the epoch number (1-based) and the mean training loss.
using TrainProgress = std::function<void(int epoch, float loss)>;

// Adam over shuffled mini-batches (the last batch of an epoch may be smaller).
struct TrainOptions {
  int epochs = 100;
  int batch_size = 32;
  float learning_rate = 3e-3f;
  float weight_decay = 0.0f;  // Adam's L2 term
  uint64_t seed = 0;          // weight initialization and batch order
  TrainProgress progress;     // optional
};

// Dense F -> hidden... -> F, ReLU on the hidden layers, linear output, MSE loss.
struct AutoencoderOptions : TrainOptions {
  std::vector<int> hidden = {16, 8, 16};
};

// Dense F -> hidden... (ReLU) -> num_classes -> Softmax, cross-entropy loss.
struct MlpOptions : TrainOptions {
  std::vector<int> hidden = {32, 16};
  bool balance_classes = true;  // weight the loss by inverse class frequency
};

// The F features as a length-F sequence with one channel:
// Conv1D(filters1, kernel, 'same', ReLU) -> MaxPool1D(pool) -> Conv1D(filters2, kernel, 'same',
// ReLU) -> GlobalAvgPool -> Dense(num_classes) -> Softmax, cross-entropy loss.
struct Cnn1dOptions : TrainOptions {
  int filters1 = 8;
  int filters2 = 16;
  int kernel = 3;  // odd
  int pool = 2;
  bool balance_classes = true;
};

// What a training run measured, for logs and parity checks.
struct TrainReport {
  std::vector<float> epoch_loss;  // mean training loss per epoch
  // libtorch's own forward pass of the trained module (softmax applied for classifiers) on the
  // first parity_rows training rows, [parity_rows][output_size], and the largest absolute
  // difference of the exported FloatNetwork::forward from it. The trainers throw if that
  // difference exceeds 1e-3 * (1 + largest |output|): an export that drifted is a bug.
  int parity_rows = 0;
  std::vector<float> torch_outputs;
  float export_max_abs_diff = 0.0f;
};

FloatNetwork train_autoencoder(const FeatureMatrix& healthy, const AutoencoderOptions& options = {},
                               TrainReport* report = nullptr);

// labels[i] in [0, num_classes) is the class of row i; num_classes >= 2.
FloatNetwork train_mlp_classifier(const FeatureMatrix& rows, const std::vector<int>& labels,
                                  int num_classes, const MlpOptions& options = {},
                                  TrainReport* report = nullptr);
FloatNetwork train_cnn1d_classifier(const FeatureMatrix& rows, const std::vector<int>& labels,
                                    int num_classes, const Cnn1dOptions& options = {},
                                    TrainReport* report = nullptr);

}  // namespace tmf::train
