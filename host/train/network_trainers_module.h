// The boundary between `tinymlops` and libtinymlops_torch.so, the module that holds the libtorch
// learners. Debian's libtorch pulls in some 300 shared libraries (OpenCV, GDAL, Qt, FFmpeg, ...)
// whose loading and static constructors cost about 1 s of CPU at every start; linked directly,
// every `tinymlops` invocation paid it, also the many that never train. The module is loaded
// with dlopen on the first training call instead (network_trainers_loader.cc).
//
// Both sides are built from this tree by the same compiler in the same build, so the table may
// pass C++ types; kNetworkTrainerAbi still guards against a module left over from another build.
#pragma once

#include <cstdint>

#include "host/train/network_trainers.h"

namespace tmf::train {

// Raise when a signature below or a type it passes changes.
inline constexpr uint32_t kNetworkTrainerAbi = 1;

struct NetworkTrainerTable {
  uint32_t abi;
  FloatNetwork (*autoencoder)(const FeatureMatrix&, const AutoencoderOptions&, TrainReport*);
  FloatNetwork (*mlp)(const FeatureMatrix&, const std::vector<int>&, int, const MlpOptions&, TrainReport*);
  FloatNetwork (*cnn1d)(const FeatureMatrix&, const std::vector<int>&, int, const Cnn1dOptions&,
                        TrainReport*);
};

// The module's file name, and where it is looked for: $TINYMLOPS_LIB_DIR when set, else
// <bin>/../lib/tinymlops next to the running executable (the build tree has the same layout).
inline constexpr const char* kNetworkTrainerModule = "libtinymlops_torch.so";
inline constexpr const char* kNetworkTrainerEntry = "tmf_network_trainer_table";

}  // namespace tmf::train

extern "C" const tmf::train::NetworkTrainerTable* tmf_network_trainer_table();
