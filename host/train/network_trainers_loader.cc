// train_autoencoder, train_mlp_classifier and train_cnn1d_classifier for every binary: each
// forwards to libtinymlops_torch.so, loaded once on the first call (network_trainers_module.h).
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

#include "host/train/network_trainers_module.h"
#include "host/train/train_error.h"

namespace tmf::train {
namespace {

std::string module_path() {
  if (const char* dir = std::getenv("TINYMLOPS_LIB_DIR"); dir && *dir) {
    return (std::filesystem::path(dir) / kNetworkTrainerModule).string();
  }
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::string("lib/tinymlops/") + kNetworkTrainerModule;
  return (exe.parent_path().parent_path() / "lib" / "tinymlops" / kNetworkTrainerModule).string();
}

// Loads the module once; a failure is not cached, so the message repeats on every call.
const NetworkTrainerTable& table() {
  static std::mutex mutex;
  static const NetworkTrainerTable* loaded = nullptr;
  const std::lock_guard<std::mutex> lock(mutex);
  if (loaded) return *loaded;
  const std::string path = module_path();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw TrainError("training a network needs " + path + " (set TINYMLOPS_LIB_DIR to its folder): " +
                     (why ? why : "dlopen failed"));
  }
  using Entry = const NetworkTrainerTable* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, kNetworkTrainerEntry));
  const NetworkTrainerTable* t = entry ? entry() : nullptr;
  if (!t || t->abi != kNetworkTrainerAbi) {
    dlclose(handle);
    throw TrainError(path + " is not this build's trainer module (entry " + kNetworkTrainerEntry +
                     (t ? ", ABI " + std::to_string(t->abi) + " where " +
                              std::to_string(kNetworkTrainerAbi) + " is needed)"
                        : " missing)"));
  }
  loaded = t;  // the handle stays open for the process's life
  return *loaded;
}

}  // namespace

FloatNetwork train_autoencoder(const FeatureMatrix& healthy, const AutoencoderOptions& options,
                               TrainReport* report) {
  return table().autoencoder(healthy, options, report);
}

FloatNetwork train_mlp_classifier(const FeatureMatrix& rows, const std::vector<int>& labels,
                                  int num_classes, const MlpOptions& options, TrainReport* report) {
  return table().mlp(rows, labels, num_classes, options, report);
}

FloatNetwork train_cnn1d_classifier(const FeatureMatrix& rows, const std::vector<int>& labels,
                                    int num_classes, const Cnn1dOptions& options,
                                    TrainReport* report) {
  return table().cnn1d(rows, labels, num_classes, options, report);
}

}  // namespace tmf::train
